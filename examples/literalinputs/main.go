// Literalinputs passes literal inputs of every type batch endpoints accept —
// string, boolean, float and integer — to a pipeline component deployment
// (cases S6 and S11 in examples/README.md), first as typed Go values, then as
// the how-to's inputs.yml and --set assignments.
//
//	inputs:
//	  score_mode:
//	    type: string
//	    default: append
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --set inputs.score_mode.type="string" inputs.score_mode.default="append"
package main

import (
	"context"
	"fmt"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func main() { demo.Main(run) }

const inputsYML = `inputs:
  score_mode:
    type: string
    default: append
`

func run(ctx context.Context, e *demo.Env) error {
	url, err := e.ExampleDataURL("")
	if err != nil {
		return err
	}
	data := inputs.StorageURL(url)

	// Typed values: one literal of each type.
	typed := batchendpoint.InvokeRequest{
		Deployment: demo.PipelineDeployment,
		Inputs: map[string]inputs.Input{
			"heart_data": data,
			"score_mode": inputs.String("replace"), // string
			"threshold":  inputs.Float(0.65),       // float
			"decimals":   inputs.Integer(2),        // integer
			"header":     inputs.Bool(false),       // boolean
		},
	}

	// The same kind of request from inputs.yml, and from --set alone.
	fromFile, err := batchendpoint.ParseInvokeFile([]byte(inputsYML), &batchendpoint.ParseInvokeFileOptions{Filename: "inputs.yml"})
	if err != nil {
		return err
	}
	fromSet, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{
		`inputs.score_mode.type=string`, `inputs.score_mode.default=append`,
	}})
	if err != nil {
		return err
	}

	for _, c := range []struct {
		name string
		req  batchendpoint.InvokeRequest
	}{
		{"typed literals", typed},
		{"--file inputs.yml", withData(fromFile.Request, data)},
		{"--set", withData(fromSet.Request, data)},
	} {
		fmt.Fprintf(e.Out, "\n%s: %v\n", c.name, c.req.Inputs)
		job, err := e.Client.Invoke(ctx, demo.Endpoint, c.req, nil)
		if err != nil {
			return err
		}
		if _, err := e.Follow(ctx, job, "score"); err != nil {
			return err
		}
	}
	return nil
}

// withData adds the data input and names the pipeline deployment.
func withData(r batchendpoint.InvokeRequest, data inputs.Input) batchendpoint.InvokeRequest {
	r.Deployment = demo.PipelineDeployment
	r.Inputs["heart_data"] = data
	return r
}
