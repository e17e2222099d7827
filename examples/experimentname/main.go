// Experimentname sets a job's experiment name (case S4 in examples/README.md).
// Only pipeline component deployments accept job properties: for a model
// deployment the client refuses the request before sending it, with the fix in
// the error.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --experiment-name "my-batch-job-experiment" --input https://.../heart-disease-uci/data
package main

import (
	"context"
	"errors"
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
	// The default deployment is a model deployment: no experiment name.
	_, err = e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{
		ExperimentName: demo.Experiment,
		Input:          inputs.StorageURL(url),
	}, nil)
	var ve *batchendpoint.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("expected a validation error for a model deployment, got %v", err)
	}
	fmt.Fprintf(e.Out, "model deployment: %v\n", err)

	// A pipeline component deployment takes it.
	job, err := e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{
		Deployment:     demo.PipelineDeployment,
		ExperimentName: demo.Experiment,
		Inputs:         map[string]inputs.Input{"heart_data": inputs.StorageURL(url)},
	}, nil)
	if err != nil {
		return err
	}
	d, err := e.Follow(ctx, job, "score")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "experiment %s\n", d.ExperimentName)
	return nil
}
