// Basicinvoke creates the how-to's basic job (case S2 in examples/README.md):
// invoke a batch endpoint's default deployment with one input folder given as a
// storage URL, then wait.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
//
// It runs on the local workspace; set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP
// and AZUREML_WORKSPACE_NAME to use a real one.
package main

import (
	"context"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func main() { demo.Main(run) }

func run(ctx context.Context, e *demo.Env) error {
	url, err := e.ExampleDataURL("")
	if err != nil {
		return err
	}
	job, err := e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{
		Input: inputs.StorageURL(url), // a folder (uri_folder); a SAS in the URL is never printed
	}, nil)
	if err != nil {
		return err
	}
	_, err = e.Follow(ctx, job, "")
	return err
}
