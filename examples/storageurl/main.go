// Storageurl reads the job input from a storage account URL (case S10 in
// examples/README.md), a folder (uri_folder) and a single file (uri_file).
// Against the local workspace the URLs carry a read-only SAS, as a private
// account would need; the library prints them with sig=REDACTED.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --input $INPUT_DATA --input-type uri_folder
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml   # type: uri_file for .../heart.csv
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
	folderURL, err := e.ExampleDataURL("")
	if err != nil {
		return err
	}
	file := "heart-01.csv"
	if e.Local == nil {
		file = "heart.csv" // the public dataset's file
	}
	fileURL, err := e.ExampleDataURL(file)
	if err != nil {
		return err
	}
	for _, in := range []inputs.StorageURLInput{
		inputs.StorageURL(folderURL),      // uri_folder
		inputs.StorageURL(fileURL).File(), // uri_file
	} {
		fmt.Fprintf(e.Out, "\n%s %s\n", in.Kind(), in)
		job, err := e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{Input: in}, nil)
		if err != nil {
			return err
		}
		if _, err := e.Follow(ctx, job, ""); err != nil {
			return err
		}
	}
	return nil
}
