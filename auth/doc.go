// Package auth makes the Microsoft Entra credentials that azmlbatch clients need.
//
// A batchendpoint client takes any azcore.TokenCredential. This package offers a
// small, discoverable set of constructors over azidentity for the usual cases, each
// returning errors that name the missing argument or environment variable before any
// network call:
//
//   - [NewDefault]: azidentity's default chain (environment, workload identity,
//     managed identity, Azure CLI, ...), for development and samples.
//   - [NewAzureCLI]: the account signed in with "az login".
//   - [NewManagedIdentity]: system-assigned, or user-assigned by client id (the only
//     form Azure ML compute accepts).
//   - [NewServicePrincipalSecret], [NewServicePrincipalCertificate],
//     [NewServicePrincipalCertificateFile], [NewEnvironment]: app registrations.
//   - [NewWorkloadIdentity]: Kubernetes workload identity.
//   - [NewDeviceCode]: interactive sign-in from a terminal.
//   - [NewStaticToken]: a token obtained elsewhere, as REST callers do with
//     "az account get-access-token --resource https://ml.azure.com". It never prints
//     the token and can be bound to one audience.
//
// Invoking a batch endpoint needs a token for the Azure ML audience; looking things up
// in Azure Resource Manager needs another. [Scope], [MLAudience] and the Audience
// constants give the scopes per cloud:
//
//	cred, err := auth.NewAzureCLI(nil)
//	if err != nil {
//		return err
//	}
//	// cred gets https://ml.azure.com/.default and https://management.azure.com/.default
//	// tokens as the client needs them.
//	fmt.Println(auth.Scope(auth.MLAudience(cloud.AzurePublic))) // https://ml.azure.com/.default
//
// In sovereign clouds pass the same cloud to the credential and to the client:
//
//	opts := &auth.Options{ClientOptions: azcore.ClientOptions{Cloud: cloud.AzureGovernment}}
//	cred, err := auth.NewServicePrincipalSecret(tenantID, clientID, secret, opts)
package auth
