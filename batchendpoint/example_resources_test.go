package batchendpoint_test

import (
	"context"
	"fmt"
	"log"

	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
)

// List the deployments of an endpoint, as az ml batch-deployment list does.
func ExampleClient_NewListDeploymentsPager() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, &fake.Options{NoStorage: true}) // a local stand-in for the workspace
	if err != nil {
		log.Fatal(err) // TODO: handle error
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "classifier-xgboost"})
	w.AddPipelineDeployment("heart-classifier", fake.PipelineDeployment{Name: "uci-classifier-prepros-xgb"})
	client := w.Client() // against Azure: batchendpoint.NewClient, as in ExampleNewClient

	pager := client.NewListDeploymentsPager("heart-classifier", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			log.Fatal(err) // TODO: handle error
		}
		for _, d := range page.Deployments {
			fmt.Println(d.Name, d.Kind, d.ProvisioningState)
		}
	}
	// Output:
	// classifier-xgboost Model Succeeded
	// uci-classifier-prepros-xgb PipelineComponent Succeeded
}
