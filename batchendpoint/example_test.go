package batchendpoint_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// The runnable examples below talk to a local fake workspace
// (fake.StartWorkspace) instead of Azure, and several print the JSON body the
// service received, so each one shows both the Go code and the request it
// produces. Against Azure, build the client as in ExampleNewClient and leave
// out the fake.

func ExampleNewClient() {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	ws, err := batchendpoint.ParseWorkspaceID("/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1")
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	client, err := batchendpoint.NewClient(ws, cred, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(client.Workspace().Name)
	// Output: ws1
}

// Invoke the endpoint's default deployment with one folder at a storage URL.
func ExampleClient_Invoke() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil) // a local stand-in for the workspace
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	client := w.Client() // against Azure: batchendpoint.NewClient, as in ExampleNewClient

	job, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(job.Status())
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// Preparing
	// {"properties":{"inputData":{"UriFolder":{"uri":"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data","jobInputType":"UriFolder"}},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// Run a named deployment (sent in the azureml-model-deployment header).
func ExampleClient_Invoke_namedDeployment() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-sklearn"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-sklearn"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})

	job, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Deployment: "classifier-xgboost",
		Input:      inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(job.Details().Deployment)
	fmt.Println(w.Requests(fake.RouteInvoke)[0].Header.Get("azureml-model-deployment"))
	// Output:
	// classifier-xgboost
	// classifier-xgboost
}

// A pipeline component deployment with literals and an experiment name.
func ExampleClient_Invoke_pipelineLiterals() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier"})
	w.AddPipelineDeployment("heart-classifier", fake.PipelineDeployment{Name: "pipeline-dep"})

	_, err = w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Deployment: "pipeline-dep",
		Inputs: map[string]inputs.Input{
			"heart_data": inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
			"score_mode": inputs.String("append"),
			"normalize":  inputs.Bool(true),
			"threshold":  inputs.Float(0.5),
			"top_k":      inputs.Integer(5),
		},
		ExperimentName: "my-batch-job-experiment",
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data","jobInputType":"UriFolder"},"normalize":{"value":"True","jobInputType":"Literal"},"score_mode":{"value":"append","jobInputType":"Literal"},"threshold":{"value":"0.5","jobInputType":"Literal"},"top_k":{"value":"5","jobInputType":"Literal"}},"properties":{"experimentName":"my-batch-job-experiment"},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// A named uri_file output at a chosen path on a Blob datastore.
func ExampleClient_Invoke_output() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier"})
	w.AddPipelineDeployment("heart-classifier", fake.PipelineDeployment{Name: "pipeline-dep"})
	w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: "1", Path: "azureml://datastores/workspaceblobstore/paths/heart/"})

	_, err = w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Deployment: "pipeline-dep",
		Inputs:     map[string]inputs.Input{"heart_data": inputs.DataAsset("heart-data", "1")},
		Outputs:    map[string]outputs.DataOutput{"score": outputs.Datastore("workspaceblobstore", "batch-jobs/my-unique-path").File()},
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"/subscriptions/00000000-0000-0000-0000-00000000fa4e/resourceGroups/fake-rg/providers/Microsoft.MachineLearningServices/workspaces/fake-ws/data/heart-data/versions/1","jobInputType":"UriFolder"}},"outputData":{"score":{"uri":"/subscriptions/00000000-0000-0000-0000-00000000fa4e/resourceGroups/fake-rg/providers/Microsoft.MachineLearningServices/workspaces/fake-ws/datastores/workspaceblobstore/paths/batch-jobs/my-unique-path","jobOutputType":"UriFile"}},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// The newest version of a data asset (one lookup, then the ARM id is sent).
func ExampleClient_Invoke_dataAssetLatest() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, v := range []string{"1", "2", "3"} {
		w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: v, Path: "azureml://datastores/workspaceblobstore/paths/heart-v" + v + "/",
			CreatedAt: created.Add(time.Duration(i) * time.Hour)})
	}

	_, err = w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.DataAsset("heart-data", "latest"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// {"properties":{"inputData":{"UriFolder":{"uri":"/subscriptions/00000000-0000-0000-0000-00000000fa4e/resourceGroups/fake-rg/providers/Microsoft.MachineLearningServices/workspaces/fake-ws/data/heart-data/versions/3","jobInputType":"UriFolder"}},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// A single file on a datastore.
func ExampleClient_Invoke_datastoreFile() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})

	_, err = w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore("workspaceblobstore", "heart-disease-uci-unlabeled/heart.csv").File(),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// {"properties":{"inputData":{"UriFile":{"uri":"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled/heart.csv","jobInputType":"UriFile"}},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// A private storage account through a SAS URL; the signature never shows
// in String, fmt or errors, but is sent to the service.
func ExampleClient_Invoke_sasURL() {
	in := inputs.StorageURL("https://acct.blob.core.windows.net/data/heart.csv?sv=2022-11-02&sp=r&sig=c2VjcmV0").File()
	fmt.Println(in)
	// Output: https://acct.blob.core.windows.net/data/heart.csv?sv=2022-11-02&sp=r&sig=REDACTED
}

// What az ml batch-endpoint invoke --set does, from Go.
func ExampleParseInvokeFile() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier"})
	w.AddPipelineDeployment("heart-classifier", fake.PipelineDeployment{Name: "pipeline-dep"})

	file, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{
		"inputs.heart_data.type=uri_folder",
		"inputs.heart_data.path=azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled",
		"inputs.score_mode.type=string",
		"inputs.score_mode.default=append",
	}})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	file.Request.Deployment = "pipeline-dep"
	if _, err := w.Client().Invoke(ctx, "heart-classifier", file.Request, nil); err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(invokeBody(w.Requests(fake.RouteInvoke)[0]))
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled","jobInputType":"UriFolder"},"score_mode":{"value":"append","jobInputType":"Literal"}},"tags":{"azmlbatch.rid.<id>":"<id>"}}}
}

// The job described by an inputs.yml file (az ml batch-endpoint invoke --file).
func ExampleLoadInvokeFile() {
	file, err := batchendpoint.LoadInvokeFile("testdata/yaml/inputs-and-outputs.yml", nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	for name, in := range file.Request.Inputs {
		fmt.Println("input", name, in.Kind(), in)
	}
	for name, out := range file.Request.Outputs {
		fmt.Println("output", name, out.Kind(), out.Path())
	}
	// Output:
	// input heart_data uri_folder https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
	// output score uri_file batch-jobs/my-unique-path
}

// A local folder, uploaded to the default datastore first (skipped when the
// same content is already there).
func ExampleClient_Invoke_localFolder() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	dir, err := os.MkdirTemp("", "unlabeled-") // your data folder, e.g. data/unlabeled
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"part-1.csv", "part-2.csv"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("age,chol\n63,233\n"), 0o644); err != nil {
			log.Fatal(err) // TODO: handle error
		}
	}

	var last batchendpoint.UploadProgress
	job, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.LocalPath(dir),
	}, &batchendpoint.InvokeOptions{UploadProgress: func(p batchendpoint.UploadProgress) {
		last = p // or report it: fmt.Fprintf(os.Stderr, "uploaded %d/%d files\n", p.FilesDone, p.FilesTotal)
	}})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Printf("uploaded %d/%d files\n", last.FilesDone, last.FilesTotal)
	fmt.Println(job.Status())
	// Output:
	// uploaded 2/2 files
	// Preparing
}

func ExampleJob_Wait() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	w.WriteBlob(fake.DefaultDatastore, "heart/part-1.csv", []byte("age,chol\n63,233\n"))

	job, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	details, err := job.Wait(ctx, &batchendpoint.WaitOptions{
		MinDelay: 10 * time.Millisecond, // use seconds against Azure
		Timeout:  time.Hour,
		OnStatus: func(d batchendpoint.JobDetails) { fmt.Fprintln(os.Stderr, "status:", d.Status) },
	})
	if err != nil {
		log.Fatal(err) // a *batchendpoint.JobFailedError carries the service's code and message
	}
	fmt.Println(details.Status, path.Base(details.Outputs["score"].URI))
	// Output: Completed predictions.csv
}

func ExampleJob_Cancel() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	w.HoldJobs(batchendpoint.JobStatusQueued) // the job waits in the queue
	started, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}

	job, err := w.Client().GetJob(ctx, started.Name(), nil) // a job by name, e.g. from another process
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	if err := job.Cancel(ctx, nil); err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println("cancel requested")
	details, _ := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond}) // an error: the job did not complete
	fmt.Println(details.Status)
	// Output:
	// cancel requested
	// Canceled
}

// A job started in one process is followed in another from its resume token.
func ExampleClient_ResumeJob() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	w.WriteBlob(fake.DefaultDatastore, "heart/part-1.csv", []byte("age,chol\n63,233\n"))

	job, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	token, err := job.ResumeToken() // store it anywhere: it holds no secret
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}

	other, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), w.ClientOptions()) // e.g. in another process
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	resumed, err := other.ResumeJob(token, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	details, err := resumed.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(resumed.Name() == job.Name(), details.Status)
	// Output: true Completed
}
