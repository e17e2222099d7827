// Datastoreinput reads the job input straight from a datastore (case S9 in
// examples/README.md): the data is uploaded to workspaceblobstore under
// heart-disease-uci-unlabeled (the how-to does it with Storage Explorer or
// AzCopy) and referenced as
// azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled, as
// a folder and, with uri_file, a single file.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$INPUT_PATH
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --input $INPUT_PATH --input-type uri_folder
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
	// Upload the data (what AzCopy would do), to the datastore's container.
	dir, _, err := e.HeartDataDir("heart")
	if err != nil {
		return err
	}
	ds, err := e.Client.GetDatastore(ctx, demo.Datastore, nil)
	if err != nil {
		return err
	}
	cc, err := demo.DatastoreContainer(ds.Datastore, e.Cred, e.StorageOptions)
	if err != nil {
		return err
	}
	if err := demo.UploadFolder(ctx, cc, dir, demo.DatastorePath); err != nil {
		return err
	}

	inputPath := "azureml://datastores/" + demo.Datastore + "/paths/" + demo.DatastorePath
	fmt.Fprintf(e.Out, "INPUT_PATH=%s\n", inputPath)

	// --set inputs.heart_data.type=uri_folder inputs.heart_data.path=$INPUT_PATH
	withSet, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{
		"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + inputPath,
	}})
	if err != nil {
		return err
	}
	// --input $INPUT_PATH --input-type uri_folder
	folder, err := inputs.Parse(inputPath, &inputs.ParseOptions{Type: inputs.KindURIFolder})
	if err != nil {
		return err
	}
	// One file: the typed constructor with File().
	file := inputs.Datastore(demo.Datastore, demo.DatastorePath+"/heart-01.csv").File()

	for _, c := range []struct {
		name string
		req  batchendpoint.InvokeRequest
	}{
		{"--set (folder)", withSet.Request},
		{"--input --input-type uri_folder", batchendpoint.InvokeRequest{Input: folder}},
		{"uri_file", batchendpoint.InvokeRequest{Input: file}},
	} {
		fmt.Fprintf(e.Out, "\n%s\n", c.name)
		job, err := e.Client.Invoke(ctx, demo.Endpoint, c.req, nil)
		if err != nil {
			return err
		}
		if _, err := e.Follow(ctx, job, ""); err != nil {
			return err
		}
	}
	return nil
}
