package batchendpoint_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sort"
	"sync"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// Follow many jobs with one watcher: it reads their status from pages of the
// ARM jobs list within a budget of ARM reads, instead of one GET per job.
func ExampleJobWatcher() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, &fake.Options{NoStorage: true})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost",
		Simulate: &fake.Simulation{Duration: func(fake.SimulatedJob) time.Duration { return 100 * time.Millisecond }}})
	client := w.Client()

	var mu sync.Mutex
	var ended []string
	watcher := client.NewJobWatcher(&batchendpoint.JobWatcherOptions{
		Tag:          "nightly", // only jobs with this tag are on the pages read
		ExitWhenDone: true,
		OnEvent: func(e batchendpoint.JobEvent) {
			if e.Done {
				mu.Lock()
				ended = append(ended, string(e.Status))
				mu.Unlock()
			}
		},
	})
	for range 3 {
		job, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
			Input: inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
			Tags:  map[string]string{"nightly": "2026-12-01"},
		}, nil)
		if err != nil {
			log.Fatal(err) // TODO: handle error
		}
		watcher.AddJobs(job) // also while Run runs
	}
	if err := watcher.Run(ctx); err != nil {
		log.Fatal(err) // TODO: handle error
	}
	sort.Strings(ended)
	fmt.Println(ended, watcher.Stats().Throttled)
	// Output: [Completed Completed Completed] 0
}

// Reconcile an ambiguous invoke: the job, if the service created one, carries
// the invoke's repeatability id, and FindJob looks it up with one list request.
func ExampleClient_FindJob() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, &fake.Options{NoStorage: true})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost", Simulate: &fake.Simulation{}})
	client := w.Client()
	w.ResetConnections(fake.RouteInvoke, 1, true) // the connection drops after the job was created

	_, err = client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
	}, nil)
	var amb *batchendpoint.AmbiguousInvokeError
	if !errors.As(err, &amb) {
		log.Fatal(err) // TODO: handle error
	}
	job, err := client.FindJob(ctx, amb.Endpoint, amb.RepeatabilityID, nil)
	var nf *batchendpoint.NotFoundError
	switch {
	case errors.As(err, &nf):
		fmt.Println("no job: invoke again with the same RepeatabilityID")
	case err != nil:
		log.Fatal(err) // TODO: handle error
	default:
		fmt.Println(job.Name() == w.Jobs()[0].Name, len(w.Jobs()))
	}
	// Output: true 1
}
