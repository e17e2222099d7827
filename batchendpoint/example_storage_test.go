package batchendpoint_test

import (
	"context"
	"fmt"
	"log"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// Registers the heart-data asset of Microsoft's batch endpoint how-to from its YAML
// file: the local folder it names (data/, next to the file) is uploaded to the default datastore first.
func ExampleClient_CreateDataAsset() {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "<sub>", ResourceGroup: "<rg>", Name: "<ws>"}, cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	spec, err := batchendpoint.LoadDataAssetSpec("heart-data.yml")
	if err != nil {
		log.Fatal(err)
	}
	asset, err := client.CreateDataAsset(context.TODO(), spec, &batchendpoint.CreateDataAssetOptions{
		UploadProgress: func(p batchendpoint.UploadProgress) {
			if p.Skipped {
				fmt.Println("already uploaded")
				return
			}
			fmt.Printf("%d/%d files\n", p.FilesDone, p.FilesTotal)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(asset.ID) // .../data/heart-data/versions/<next version>
}

// Lists the jobs one deployment of an endpoint ran.
func ExampleClient_NewListJobsPager() {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "<sub>", ResourceGroup: "<rg>", Name: "<ws>"}, cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	pager := client.NewListJobsPager("heart-classifier", &batchendpoint.ListJobsOptions{Deployment: "classifier-xgboost"})
	for pager.More() {
		page, err := pager.NextPage(context.TODO())
		if err != nil {
			log.Fatal(err)
		}
		for _, j := range page.Jobs {
			fmt.Println(j.Name, j.Status, j.CreatedAt)
		}
	}
}

// Downloads the "score" output of a finished job into ./scores.
func ExampleJob_DownloadOutputs() {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "<sub>", ResourceGroup: "<rg>", Name: "<ws>"}, cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.TODO()
	job, err := client.Job(ctx, "batchjob-<uuid>", nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := job.Wait(ctx, nil); err != nil {
		log.Fatal(err)
	}
	res, err := job.DownloadOutputs(ctx, "scores", &batchendpoint.DownloadOutputsOptions{OutputName: "score"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Files), "files,", res.Bytes, "bytes from", res.Location)
}
