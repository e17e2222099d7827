package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

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
