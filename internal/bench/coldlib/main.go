// Command coldlib builds a batchendpoint client and invokes a batch endpoint
// once, for BenchmarkColdProcess: the library side of a cold process. Its
// configuration comes from the environment (see package bench); the TLS roots
// from SSL_CERT_FILE, as any Go program's.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/bench"
)

// tokens hands out a fixed token per audience.
type tokens struct{ arm, ml string }

func (t tokens) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok := t.arm
	if len(o.Scopes) == 1 && strings.HasPrefix(o.Scopes[0], "https://ml.azure.com") {
		tok = t.ml
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldlib:", err)
		os.Exit(1)
	}
}

func run() error {
	parts := strings.Split(os.Getenv(bench.EnvWorkspace), "/")
	if len(parts) != 3 {
		return fmt.Errorf("%s: want subscription/resourceGroup/workspace", bench.EnvWorkspace)
	}
	ws := batchendpoint.Workspace{SubscriptionID: parts[0], ResourceGroup: parts[1], Name: parts[2]}
	opts := &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{
		ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Endpoint: os.Getenv(bench.EnvARM), Audience: "https://management.azure.com"},
			batchendpoint.ServiceName: {Audience: "https://ml.azure.com"},
		},
	}}}
	c, err := batchendpoint.NewClient(ws, tokens{arm: os.Getenv(bench.EnvARMToken), ml: os.Getenv(bench.EnvMLToken)}, opts)
	if err != nil {
		return err
	}
	job, err := c.Invoke(context.Background(), os.Getenv(bench.EnvEndpoint), batchendpoint.InvokeRequest{Input: inputs.StorageURL(os.Getenv(bench.EnvInput))}, nil)
	if err != nil {
		return err
	}
	fmt.Println(job.Name())
	return nil
}
