// Outputs shows where batch jobs write (case S7 in examples/README.md): every
// named output gets a unique default location unless the request gives a path,
// paths are on Blob datastores only, and an existing output file makes the job
// fail, so each run writes under a new path.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

func main() { demo.Main(run) }

func run(ctx context.Context, e *demo.Env) error {
	url, err := e.ExampleDataURL("")
	if err != nil {
		return err
	}
	data := inputs.StorageURL(url)
	unique := "batch-jobs/outputs-example-" + time.Now().UTC().Format("20060102-150405.000")

	cases := []struct {
		name string
		req  batchendpoint.InvokeRequest
	}{
		{"pipeline, default location", batchendpoint.InvokeRequest{
			Deployment: demo.PipelineDeployment,
			Inputs:     map[string]inputs.Input{"heart_data": data},
			Outputs:    map[string]outputs.DataOutput{"score": outputs.Default()},
		}},
		{"pipeline, custom path", batchendpoint.InvokeRequest{
			Deployment: demo.PipelineDeployment,
			Inputs:     map[string]inputs.Input{"heart_data": data},
			Outputs:    map[string]outputs.DataOutput{"score": outputs.Datastore(demo.Datastore, unique+"/score.csv").File()},
		}},
		{"model deployment, default location, own file name", batchendpoint.InvokeRequest{
			Input:    data,
			Settings: &batchendpoint.JobSettings{OutputFileName: "heart-scores.csv"}, // --set output_file_name=...
		}},
		{"model deployment, custom path (it names the file)", batchendpoint.InvokeRequest{
			Input:   data,
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(demo.Datastore, unique+"/model/predictions.csv").File()},
		}},
	}
	for _, c := range cases {
		fmt.Fprintf(e.Out, "\n%s\n", c.name)
		job, err := e.Client.Invoke(ctx, demo.Endpoint, c.req, nil)
		if err != nil {
			return err
		}
		if _, err := e.Follow(ctx, job, ""); err != nil {
			return err
		}
	}

	// Outputs go to Blob datastores only; a file share datastore is refused.
	if e.Local != nil {
		_, err = e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{
			Deployment: demo.PipelineDeployment,
			Inputs:     map[string]inputs.Input{"heart_data": data},
			Outputs:    map[string]outputs.DataOutput{"score": outputs.Datastore(demo.FileDatastore, unique+"/score.csv").File()},
		}, nil)
		var ve *batchendpoint.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("expected the client to refuse %s, got %v", demo.FileDatastore, err)
		}
		fmt.Fprintf(e.Out, "\noutput on %s: %v\n", demo.FileDatastore, err)
	}
	return nil
}
