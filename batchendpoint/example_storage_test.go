package batchendpoint_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// Registers the heart-data asset of Microsoft's batch endpoint how-to from its YAML
// file: the local folder it names (data/, next to the file) is uploaded to the default datastore first.
func ExampleClient_CreateDataAsset() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil) // a local stand-in for the workspace
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	client := w.Client() // against Azure: batchendpoint.NewClient, as in ExampleNewClient

	// heart-data.yml and its data/ folder, as the how-to has them.
	dir, err := os.MkdirTemp("", "heart-data-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	yml := "$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\n" +
		"name: heart-data\ndescription: An unlabeled data asset for heart classification.\ntype: uri_folder\npath: data\n"
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "heart.csv"), []byte("age,chol\n63,233\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "heart-data.yml"), []byte(yml), 0o644); err != nil {
		log.Fatal(err)
	}

	spec, err := batchendpoint.LoadDataAssetSpec(filepath.Join(dir, "heart-data.yml"))
	if err != nil {
		log.Fatal(err)
	}
	var last batchendpoint.UploadProgress
	asset, err := client.CreateDataAsset(ctx, spec, &batchendpoint.CreateDataAssetOptions{
		UploadProgress: func(p batchendpoint.UploadProgress) { last = p },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("uploaded %d/%d files, skipped: %v\n", last.FilesDone, last.FilesTotal, last.Skipped)
	fmt.Println(asset.ID)
	// Output:
	// uploaded 1/1 files, skipped: false
	// /subscriptions/00000000-0000-0000-0000-00000000fa4e/resourceGroups/fake-rg/providers/Microsoft.MachineLearningServices/workspaces/fake-ws/data/heart-data/versions/1
}

// Lists the jobs one deployment of an endpoint ran.
func ExampleClient_NewListJobsPager() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-sklearn"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-sklearn"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	w.HoldJobs(batchendpoint.JobStatusQueued) // the jobs wait in the queue
	client := w.Client()
	for _, dep := range []string{"classifier-xgboost", "classifier-sklearn", "classifier-xgboost"} {
		_, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
			Deployment: dep, Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
		}, nil)
		if err != nil {
			log.Fatal(err)
		}
	}
	if _, err := w.WaitJobStatus(ctx, w.Jobs()[2].Name, batchendpoint.JobStatusQueued); err != nil {
		log.Fatal(err)
	}

	pager := client.NewListJobsPager("heart-classifier", &batchendpoint.ListJobsOptions{Deployment: "classifier-xgboost"})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, j := range page.Jobs {
			fmt.Println(strings.HasPrefix(j.Name, "batchjob-"), j.Deployment) // and j.Status, j.CreatedAt, ...
		}
	}
	// Output:
	// true classifier-xgboost
	// true classifier-xgboost
}

// Downloads the "score" output of a finished job into a local folder.
func ExampleJob_DownloadOutputs() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost",
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) {
			rows := make([]string, len(b.Files))
			for i, f := range b.Files {
				rows[i] = filepath.Base(f) + ",0.97"
			}
			return rows, nil
		}})
	w.WriteBlob(fake.DefaultDatastore, "heart/part-1.csv", []byte("age,chol\n63,233\n"))
	w.WriteBlob(fake.DefaultDatastore, "heart/part-2.csv", []byte("age,chol\n41,204\n"))
	client := w.Client()
	started, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
	}, nil)
	if err != nil {
		log.Fatal(err)
	}

	job, err := client.GetJob(ctx, started.Name(), nil) // "batchjob-<uuid>"
	if err != nil {
		log.Fatal(err)
	}
	if _, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond}); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "scores-") // e.g. ./scores
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	res, err := job.DownloadOutputs(ctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "score"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Files), "file,", res.Bytes, "bytes")
	data, err := os.ReadFile(filepath.Join(dir, "predictions.csv"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(data))
	// Output:
	// 1 file, 32 bytes
	// part-1.csv,0.97
	// part-2.csv,0.97
}
