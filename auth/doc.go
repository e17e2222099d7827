// Package auth holds what azmlbatch adds to Microsoft Entra authentication: a
// credential for a token obtained elsewhere, and the token audiences and scopes of
// Azure Machine Learning per cloud.
//
// A batchendpoint client takes any azcore.TokenCredential. For signing in, pass an
// azidentity credential straight to batchendpoint.NewClient, as the Azure SDK's own
// clients are used; azidentity's constructors already report missing settings:
//
//	cred, err := azidentity.NewDefaultAzureCredential(nil) // or NewAzureCLICredential, NewManagedIdentityCredential, ...
//	if err != nil {
//		return err
//	}
//	client, err := batchendpoint.NewClient(ws, cred, nil)
//
// The client asks the credential for two scopes: Azure Resource Manager for
// lookups, polling and cancel, and Azure ML for the invoke POST. [Scope],
// [MLAudience] and the Audience constants give them per cloud:
//
//	fmt.Println(auth.Scope(auth.MLAudience(cloud.AzureGovernment))) // https://ml.azure.us/.default
//
// In a sovereign cloud give the same cloud.Configuration to the azidentity
// credential (azidentity's ClientOptions.Cloud) and to the client
// (batchendpoint.ClientOptions.Cloud).
//
// [NewStaticToken] is for a token obtained elsewhere, as REST callers do with
// "az account get-access-token --resource https://ml.azure.com". It never prints
// the token, fails clearly once the token expires, and can be bound to one
// audience so a Resource Manager call fails with a message naming the fix instead
// of a 401 from the service.
package auth
