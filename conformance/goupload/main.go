// Goupload creates a data asset version from a local file or folder with this
// module's SDK, against a running local workspace, and prints what the upload
// did as one JSON object. The conformance suite runs it next to azure-ai-ml to
// check that an upload by either tool is reused by the other.
//
//	goupload -workspace workspace.json -name NAME -version 1 -path ./heart
//
// It is set up as a Go user would set up a program: the ARM URL of
// workspace.json in the cloud configuration, and the environment for the rest
// (HTTPS_PROXY for the production-style blob host, SSL_CERT_FILE for the CA
// bundle; Go's default transport reads both).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// result is what goupload prints.
type result struct {
	// Path is the data asset's path: the datastore URI of the upload.
	Path string `json:"path"`
	// Skipped, FilesDone and FilesTotal are the last UploadProgress reported.
	Skipped    bool `json:"skipped"`
	FilesDone  int  `json:"filesDone"`
	FilesTotal int  `json:"filesTotal"`
	// Reports counts the UploadProgress calls.
	Reports int `json:"reports"`
}

func main() {
	ws := flag.String("workspace", "", "workspace.json of a running examples/localworkspace")
	name := flag.String("name", "", "data asset name")
	version := flag.String("version", "1", "data asset version")
	path := flag.String("path", "", "local file or folder")
	flag.Parse()
	if err := run(context.Background(), *ws, batchendpoint.DataAssetSpec{Name: *name, Version: *version, Path: *path}); err != nil {
		fmt.Fprintln(os.Stderr, "goupload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, wsFile string, spec batchendpoint.DataAssetSpec) error {
	b, err := os.ReadFile(wsFile)
	if err != nil {
		return err
	}
	var st struct {
		ARMEndpoint    string `json:"armEndpoint"`
		SubscriptionID string `json:"subscriptionId"`
		ResourceGroup  string `json:"resourceGroup"`
		Workspace      string `json:"workspace"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", wsFile, err)
	}
	client, err := batchendpoint.NewClient(
		batchendpoint.Workspace{SubscriptionID: st.SubscriptionID, ResourceGroup: st.ResourceGroup, Name: st.Workspace},
		&emulator.Credential{},
		&batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager:     {Audience: emulator.AudienceARM, Endpoint: st.ARMEndpoint},
				batchendpoint.ServiceName: {Audience: emulator.AudienceML},
			}}}})
	if err != nil {
		return err
	}
	var res result
	resp, err := client.CreateDataAsset(ctx, spec, &batchendpoint.CreateDataAssetOptions{
		UploadProgress: func(p batchendpoint.UploadProgress) {
			res.Reports++
			res.Skipped, res.FilesDone, res.FilesTotal = p.Skipped, p.FilesDone, p.FilesTotal
		},
	})
	if err != nil {
		return err
	}
	res.Path = resp.Path
	return json.NewEncoder(os.Stdout).Encode(res)
}
