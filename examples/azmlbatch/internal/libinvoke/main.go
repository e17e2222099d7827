// Libinvoke is the second benchmark baseline of azmlbatch batch-endpoint
// invoke: the smallest Go program that invokes through the library
// (batchendpoint.Client.Invoke with one storage URL input) on a local
// workspace and prints the job's name. Next to it, the CLI's own cost (command
// tree, flags, output) shows apart from the library's.
//
//	libinvoke workspace.json heart-classifier https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/examples/azmlbatch/internal/benchstate"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// fileCred returns the local workspace's token files by audience.
type fileCred struct{ st benchstate.State }

func (f fileCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	kind := "arm"
	if strings.HasPrefix(o.Scopes[0], "https://ml.azure.com") {
		kind = "ml"
	}
	tok, err := f.st.Token(kind)
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, err
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: libinvoke workspace.json ENDPOINT INPUT_URL")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "libinvoke:", err)
		os.Exit(1)
	}
}

func run(stateFile, endpoint, input string) error {
	st, hc, err := benchstate.Load(stateFile)
	if err != nil {
		return err
	}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: st.SubscriptionID, ResourceGroup: st.ResourceGroup, Name: st.Workspace},
		fileCred{st}, &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager:     {Audience: "https://management.azure.com", Endpoint: st.ARMEndpoint},
				batchendpoint.ServiceName: {Audience: "https://ml.azure.com"},
			}},
			Transport: hc,
		}})
	if err != nil {
		return err
	}
	job, err := client.Invoke(context.Background(), endpoint, batchendpoint.InvokeRequest{Input: inputs.StorageURL(input)}, nil)
	if err != nil {
		return err
	}
	fmt.Println(job.Name())
	return nil
}
