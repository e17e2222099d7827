package batchendpoint_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// The runnable examples below talk to a local TLS fake of the service (see
// server_test.go) and print the JSON body the service received, so each one shows
// both the Go code and the request it produces. Against Azure, build the client
// as in ExampleNewClient.

func exampleClient(f *fakeService) *batchendpoint.Client {
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, f.options())
	if err != nil {
		log.Fatal(err)
	}
	return c
}

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
}

// Invoke the endpoint's default deployment with one folder at a storage URL.
func ExampleClient_Invoke() {
	f := startFakeService()
	defer f.close()
	client := exampleClient(f)

	job, err := client.Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(job.Name(), job.Status())
	fmt.Println(f.lastPOST())
	// Output:
	// batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21 Preparing
	// {"properties":{"inputData":{"UriFolder":{"uri":"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data","jobInputType":"UriFolder"}}}}
}

// Run a named deployment (sent in the azureml-model-deployment header).
func ExampleClient_Invoke_namedDeployment() {
	f := startFakeService()
	defer f.close()
	job, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Deployment: "classifier-xgboost",
		Input:      inputs.StorageURL("https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(job.Details().Deployment)
	// Output: classifier-xgboost
}

// A pipeline component deployment with literals and an experiment name.
func ExampleClient_Invoke_pipelineLiterals() {
	f := startFakeService()
	defer f.close()
	_, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
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
	fmt.Println(f.lastPOST())
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data","jobInputType":"UriFolder"},"normalize":{"value":"True","jobInputType":"Literal"},"score_mode":{"value":"append","jobInputType":"Literal"},"threshold":{"value":"0.5","jobInputType":"Literal"},"top_k":{"value":"5","jobInputType":"Literal"}},"properties":{"experimentName":"my-batch-job-experiment"}}}
}

// A named uri_file output at a chosen path on a Blob datastore.
func ExampleClient_Invoke_output() {
	f := startFakeService()
	defer f.close()
	_, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Deployment: "pipeline-dep",
		Inputs:     map[string]inputs.Input{"heart_data": inputs.DataAsset("heart-data", "1")},
		Outputs:    map[string]outputs.DataOutput{"score": outputs.Datastore("workspaceblobstore", "batch-jobs/my-unique-path").File()},
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(f.lastPOST())
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1/data/heart-data/versions/1","jobInputType":"UriFolder"}},"outputData":{"score":{"uri":"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1/datastores/workspaceblobstore/paths/batch-jobs/my-unique-path","jobOutputType":"UriFile"}}}}
}

// The newest version of a data asset (one lookup, then the ARM id is sent).
func ExampleClient_Invoke_dataAssetLatest() {
	f := startFakeService()
	defer f.close()
	_, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.DataAsset("heart-data", "latest"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(f.lastPOST())
	// Output:
	// {"properties":{"inputData":{"UriFolder":{"uri":"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1/data/heart-data/versions/3","jobInputType":"UriFolder"}}}}
}

// A single file on a datastore.
func ExampleClient_Invoke_datastoreFile() {
	f := startFakeService()
	defer f.close()
	_, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore("workspaceblobstore", "heart-disease-uci-unlabeled/heart.csv").File(),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(f.lastPOST())
	// Output:
	// {"properties":{"inputData":{"UriFile":{"uri":"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled/heart.csv","jobInputType":"UriFile"}}}}
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
	f := startFakeService()
	defer f.close()
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
	if _, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", file.Request, nil); err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(f.lastPOST())
	// Output:
	// {"properties":{"inputData":{"heart_data":{"uri":"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled","jobInputType":"UriFolder"},"score_mode":{"value":"append","jobInputType":"Literal"}}}}
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
	cred, _ := azidentity.NewDefaultAzureCredential(nil)                                                                                   // TODO: handle error
	client, _ := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "<sub>", ResourceGroup: "<rg>", Name: "<ws>"}, cred, nil) // TODO: handle error
	job, err := client.Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.LocalPath("data/unlabeled"),
	}, &batchendpoint.InvokeOptions{UploadProgress: func(p batchendpoint.UploadProgress) {
		fmt.Fprintf(os.Stderr, "uploaded %d/%d files\n", p.FilesDone, p.FilesTotal)
	}})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(job.Name())
}

func ExampleJob_Wait() {
	f := startFakeService()
	defer f.close()
	job, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.DataAsset("heart-data", "1"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	details, err := job.Wait(context.TODO(), &batchendpoint.WaitOptions{
		MinDelay: 10 * time.Millisecond, // use seconds against Azure
		Timeout:  time.Hour,
		OnStatus: func(d batchendpoint.JobDetails) { fmt.Println("status:", d.Status) },
	})
	if err != nil {
		log.Fatal(err) // a *batchendpoint.JobFailedError carries the service's code and message
	}
	fmt.Println(details.Status, details.Outputs["score"].URI)
	// Output:
	// status: Preparing
	// status: Queued
	// status: Running
	// status: Completed
	// Completed azureml://datastores/workspaceblobstore/paths/azureml/x/score/predictions.csv
}

func ExampleJob_Cancel() {
	f := startFakeService()
	defer f.close()
	job, err := exampleClient(f).GetJob(context.TODO(), "batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21", nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	if err := job.Cancel(context.TODO(), nil); err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println("cancel requested for", job.Name())
	// Output: cancel requested for batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21
}

// A job started in one process is followed in another from its resume token.
func ExampleClient_ResumeJob() {
	f := startFakeService()
	defer f.close()
	job, err := exampleClient(f).Invoke(context.TODO(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.DataAsset("heart-data", "1"),
	}, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	token, err := job.ResumeToken() // store it anywhere: it holds no secret
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}

	other := exampleClient(f) // e.g. in another process
	resumed, err := other.ResumeJob(token, nil)
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	details, err := resumed.Wait(context.TODO(), &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	fmt.Println(resumed.Name(), details.Status)
	// Output: batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21 Completed
}
