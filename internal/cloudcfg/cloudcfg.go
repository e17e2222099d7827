// Package cloudcfg is the one table of the Azure clouds azmlbatch knows. For each
// cloud it pairs azcore's configuration (Microsoft Entra authority, Resource
// Manager endpoint and audience) with the Azure Machine Learning data-plane
// audience, which azcore does not carry. auth and batchendpoint both read it, so
// the audiences exist once and neither package imports the other.
//
// The ML audiences are those azure-ai-ml uses per cloud
// (sdk/ml/azure-ai-ml/azure/ai/ml/_azure_environments.py in Azure/azure-sdk-for-python);
// learn.microsoft.com's "Authorization on batch endpoints" names https://ml.azure.com
// for the public cloud.
package cloudcfg

import (
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	// Registers the Resource Manager endpoint and audience of each cloud in
	// cloud.AzurePublic, AzureChina and AzureGovernment.
	_ "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
)

// Azure Machine Learning data-plane audiences: a batch endpoint's invoke POST
// needs a token for the one of its cloud.
const (
	MLPublic     = "https://ml.azure.com"
	MLChina      = "https://ml.azure.cn"
	MLGovernment = "https://ml.azure.us"
)

// ResourceManagerPublic is the Resource Manager audience the public cloud's
// tools ask for (az, azure-ai-ml). azcore registers the equivalent
// https://management.core.windows.net/ for the public cloud; both are accepted.
const ResourceManagerPublic = "https://management.azure.com"

// Storage is the Azure Storage audience, the same in every cloud.
const Storage = "https://storage.azure.com"

// Cloud is one row of the table.
type Cloud struct {
	// Name is azcore's variable name: AzurePublic, AzureChina, AzureGovernment.
	Name string
	// Config is azcore's configuration of the cloud (the same map, not a copy).
	Config cloud.Configuration
	// MLAudience is the cloud's Azure ML data-plane audience.
	MLAudience string
}

// Clouds returns the table, public cloud first.
func Clouds() []Cloud {
	return []Cloud{
		{Name: "AzurePublic", Config: cloud.AzurePublic, MLAudience: MLPublic},
		{Name: "AzureChina", Config: cloud.AzureChina, MLAudience: MLChina},
		{Name: "AzureGovernment", Config: cloud.AzureGovernment, MLAudience: MLGovernment},
	}
}

// MLAudience returns the Azure ML audience of the cloud c's authority belongs to.
// A zero authority host is the public cloud, as azcore treats it. ok is false for
// any other authority (a private cloud), whose audience the caller must be given.
func MLAudience(c cloud.Configuration) (audience string, ok bool) {
	host := normHost(c.ActiveDirectoryAuthorityHost)
	if host == "" {
		return MLPublic, true
	}
	for _, row := range Clouds() {
		if normHost(row.Config.ActiveDirectoryAuthorityHost) == host {
			return row.MLAudience, true
		}
	}
	return "", false
}

func normHost(s string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), "/"))
}
