package batchendpoint

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/azmlbatch/azmlbatch/internal/cloudcfg"
)

// ServiceName identifies the Azure ML data plane (batch endpoint scoring URIs) in a
// cloud.Configuration. Its Audience is the token audience of invoke requests; set it
// in ClientOptions.Cloud.Services for a private cloud. The public clouds' values
// are registered already (auth.AudienceMLPublic, AudienceMLChina, AudienceMLGovernment).
const ServiceName cloud.ServiceName = "azmlbatch/batchendpoint"

// init registers the data-plane audience of each known cloud in azcore's
// configurations, so cloud.AzureChina and cloud.AzureGovernment work as given.
func init() {
	for _, c := range cloudcfg.Clouds() {
		c.Config.Services[ServiceName] = cloud.ServiceConfiguration{Audience: c.MLAudience}
	}
}
