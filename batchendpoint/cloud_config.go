package batchendpoint

import "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

// ServiceName identifies the Azure ML data plane (batch endpoint scoring URIs) in a
// cloud.Configuration. Its Audience is the token audience of invoke requests; set it
// in ClientOptions.Cloud.Services for a private cloud.
const ServiceName cloud.ServiceName = "azmlbatch/batchendpoint"

// Data-plane token audiences of the public clouds (azure-ai-ml's _azure_environments).
const (
	AudiencePublic     = "https://ml.azure.com"
	AudienceChina      = "https://ml.azure.cn"
	AudienceGovernment = "https://ml.azure.us"
)

func init() {
	cloud.AzurePublic.Services[ServiceName] = cloud.ServiceConfiguration{Audience: AudiencePublic}
	cloud.AzureChina.Services[ServiceName] = cloud.ServiceConfiguration{Audience: AudienceChina}
	cloud.AzureGovernment.Services[ServiceName] = cloud.ServiceConfiguration{Audience: AudienceGovernment}
}
