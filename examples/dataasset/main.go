// Dataasset uses a registered data asset as the job input (case S8 in
// examples/README.md): it creates heart-data from heart-data.yml and a local
// folder, looks up the latest version's id, and invokes the endpoint with it
// three ways.
//
//	az ml data create -f heart-data.yml
//	DATA_ASSET_ID=$(az ml data show -n heart-data --label latest | jq -r .id)
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$DATA_ASSET_ID
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --input $DATA_ASSET_ID
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func main() { demo.Main(run) }

const heartDataYML = `$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
name: heart-data
description: An unlabeled data asset for heart classification.
type: uri_folder
path: data
`

func run(ctx context.Context, e *demo.Env) error {
	// heart-data.yml next to its data/ folder.
	if _, _, err := e.HeartDataDir("data"); err != nil {
		return err
	}
	ymlPath := filepath.Join(e.Dir, "heart-data.yml")
	if err := os.WriteFile(ymlPath, []byte(heartDataYML), 0o644); err != nil {
		return err
	}

	// az ml data create -f heart-data.yml
	spec, err := batchendpoint.LoadDataAssetSpec(ymlPath)
	if err != nil {
		return err
	}
	created, err := e.Client.CreateDataAsset(ctx, spec, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "created %s version %s at %s\n", created.Name, created.Version, created.Path)

	// az ml data show -n heart-data --label latest
	latest, err := e.Client.GetDataAsset(ctx, demo.DataAsset, inputs.Latest, nil)
	if err != nil {
		return err
	}
	id := latest.ID
	fmt.Fprintf(e.Out, "DATA_ASSET_ID=%s\n", id)

	// 1. --set: the input key is heart_data (hyphens become underscores).
	withSet, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{
		"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + id,
	}})
	if err != nil {
		return err
	}
	// 2. --input: a model deployment's single input.
	asset, err := inputs.DataAssetID(id)
	if err != nil {
		return err
	}
	// 3. --file inputs.yml
	inputsYML := filepath.Join(e.Dir, "inputs.yml")
	if err := os.WriteFile(inputsYML, []byte("inputs:\n  heart_data:\n    type: uri_folder\n    path: "+id+"\n"), 0o644); err != nil {
		return err
	}
	withFile, err := batchendpoint.LoadInvokeFile(inputsYML, nil)
	if err != nil {
		return err
	}

	for _, c := range []struct {
		name string
		req  batchendpoint.InvokeRequest
	}{
		{"--set", withSet.Request},
		{"--input", batchendpoint.InvokeRequest{Input: asset}},
		{"--file inputs.yml", withFile.Request},
		{"by name, @latest", batchendpoint.InvokeRequest{Input: inputs.DataAsset(demo.DataAsset, inputs.Latest)}},
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
