package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azmlbatch/azmlbatch/auth"
)

func ExampleScope() {
	fmt.Println(auth.Scope(auth.AudienceMLPublic))
	fmt.Println(auth.Scope("https://ml.azure.com/"))
	fmt.Println(auth.Scope(auth.AudienceResourceManager))
	fmt.Println(auth.Scope(auth.AudienceStorage))
	// Output:
	// https://ml.azure.com/.default
	// https://ml.azure.com/.default
	// https://management.azure.com/.default
	// https://storage.azure.com/.default
}

func ExampleMLAudience() {
	for _, c := range []cloud.Configuration{cloud.AzurePublic, cloud.AzureChina, cloud.AzureGovernment} {
		fmt.Println(auth.Scope(auth.MLAudience(c)))
	}
	// Output:
	// https://ml.azure.com/.default
	// https://ml.azure.cn/.default
	// https://ml.azure.us/.default
}

// A REST-style caller brings a token from elsewhere, for example
// TOKEN=$(az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv).
// Binding it to the ML audience makes a Resource Manager call fail with a clear error.
func ExampleNewStaticToken() {
	token := "token-from-az-account-get-access-token" // e.g. os.Getenv("TOKEN")
	cred, err := auth.NewStaticToken(token, time.Now().Add(time.Hour),
		&auth.StaticTokenOptions{Audience: auth.AudienceMLPublic})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tk, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{auth.Scope(auth.AudienceMLPublic)}})
	fmt.Println(tk.Token == token, err)

	_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{auth.Scope(auth.AudienceResourceManager)}})
	fmt.Println(errors.Is(err, auth.ErrWrongAudience))

	// Printing the credential never shows the token.
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", cred), token))
	// Output:
	// true <nil>
	// true
	// false
}

func ExampleNewAzureCLI() {
	// The account signed in with "az login".
	cred, err := auth.NewAzureCLI(nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred // pass to batchendpoint.NewClient
}

func ExampleNewManagedIdentity() {
	// "" selects the system-assigned identity. A user-assigned identity is selected by
	// its client id, the only form Azure ML compute accepts.
	cred, err := auth.NewManagedIdentity(os.Getenv("UAI_CLIENT_ID"), nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewServicePrincipalSecret() {
	// The same cloud goes to the credential and to the batchendpoint client.
	opts := &auth.Options{ClientOptions: azcore.ClientOptions{Cloud: cloud.AzureGovernment}}
	cred, err := auth.NewServicePrincipalSecret(os.Getenv("TENANT_ID"), os.Getenv("CLIENT_ID"), os.Getenv("CLIENT_SECRET"), opts)
	if err != nil {
		log.Fatal(err) // names the empty or malformed argument
	}
	_ = cred
}

func ExampleNewServicePrincipalCertificateFile() {
	cred, err := auth.NewServicePrincipalCertificateFile(os.Getenv("TENANT_ID"), os.Getenv("CLIENT_ID"), "sp.pem", nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewDeviceCode() {
	cred, err := auth.NewDeviceCode(func(_ context.Context, message string) error {
		fmt.Fprintln(os.Stderr, message) // "To sign in, use a web browser to open ..."
		return nil
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewWorkloadIdentity() {
	// Reads AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE, set by the
	// AKS workload identity webhook; the error lists whichever are missing.
	cred, err := auth.NewWorkloadIdentity(nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewDefault() {
	cred, err := auth.NewDefault(nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}
