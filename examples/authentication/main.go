// Authentication shows the credentials a batch endpoint client can use. Every
// request needs a Microsoft Entra token: the client gets ARM tokens (lookups,
// polling) and Azure ML tokens (the invoke POST) from one credential. Sign-in
// credentials come straight from azidentity, as with any Azure SDK client:
//
//   - DefaultAzureCredential, what az login plus the SDK and CLI do: environment
//     variables, workload or managed identity, then the Azure CLI's account.
//   - A service principal (app registration) with a secret, here read from the
//     environment by azidentity's EnvironmentCredential.
//   - A token obtained elsewhere, as REST callers do with
//     az account get-access-token --resource https://ml.azure.com: it only holds
//     the Azure ML audience, so the client runs data-plane only.
//
// On the local workspace the emulator's credential stands in for Microsoft Entra
// (it mints tokens the emulator and Azurite accept); against Azure the example
// uses DefaultAzureCredential.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/auth"
	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func main() { demo.Main(run) }

func run(ctx context.Context, e *demo.Env) error {
	url, err := e.ExampleDataURL("")
	if err != nil {
		return err
	}
	req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(url)}

	// 1. DefaultAzureCredential. Constructing it signs nobody in; the first token
	// request walks the chain.
	if _, err := azidentity.NewDefaultAzureCredential(nil); err != nil {
		return err
	}
	fmt.Fprintln(e.Out, "1. DefaultAzureCredential: ready (signs in on first use)")
	if e.Local != nil {
		fmt.Fprintln(e.Out, "   the local workspace uses its own credential instead")
	}
	job, err := e.Client.Invoke(ctx, demo.Endpoint, req, nil)
	if err != nil {
		return err
	}
	if _, err := e.Follow(ctx, job, ""); err != nil {
		return err
	}

	// 2. A service principal, from AZURE_TENANT_ID, AZURE_CLIENT_ID and
	// AZURE_CLIENT_SECRET (azidentity.NewClientSecretCredential takes them as arguments).
	_, err = azidentity.NewEnvironmentCredential(nil)
	if err != nil {
		fmt.Fprintf(e.Out, "\n2. service principal: %v\n", err) // names what is missing
	} else {
		fmt.Fprintln(e.Out, "\n2. service principal: ready; pass it to batchendpoint.NewClient like any credential")
	}

	// 3. A token from elsewhere: only the Azure ML audience, so no ARM calls.
	if e.Local == nil {
		fmt.Fprintln(e.Out, "\n3. static token: run against the local workspace to see it")
		return nil
	}
	tok, err := e.Local.Credential().GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{auth.Scope(auth.AudienceMLPublic)}})
	if err != nil {
		return err
	}
	static, err := auth.NewStaticToken(tok.Token, tok.ExpiresOn, &auth.StaticTokenOptions{Audience: auth.AudienceMLPublic})
	if err != nil {
		return err
	}
	_, err = static.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{auth.Scope(auth.AudienceResourceManager)}})
	fmt.Fprintf(e.Out, "\n3. static token %v\n   asked for an ARM token: %v (ErrWrongAudience: %t)\n", static, err, errors.Is(err, auth.ErrWrongAudience))

	opts := e.Local.ClientOptions()
	opts.DataPlaneOnly = true // poll GET {scoringUri}/{job}; no ARM lookups
	client, err := batchendpoint.NewClient(e.Local.BatchWorkspace(), static, opts)
	if err != nil {
		return err
	}
	scoringURI := e.Local.Workspace.ScoringURI(demo.Endpoint) // from the endpoint's page in Studio
	job, err = client.Invoke(ctx, demo.Endpoint, req, &batchendpoint.InvokeOptions{ScoringURI: scoringURI})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "job %s\n", job.Name())
	d, err := demo.Wait(ctx, e.Out, job, e.Wait)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "   %s with an ML-only token\n", d.Status)
	return nil
}
