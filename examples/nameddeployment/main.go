// Nameddeployment invokes a specific deployment of a batch endpoint instead of
// its default one (case S3 in examples/README.md): the request carries the
// azureml-model-deployment header.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --deployment-name $DEPLOYMENT_NAME --input https://.../heart-disease-uci/data
package main

import (
	"context"
	"fmt"

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
		Deployment: demo.ModelDeployment, // --deployment-name / -d
		Input:      inputs.StorageURL(url),
	}, nil)
	if err != nil {
		return err
	}
	d, err := e.Follow(ctx, job, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "ran on deployment %s\n", d.Deployment)
	return nil
}
