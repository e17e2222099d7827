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

// SameAudience reports whether two audiences (or scopes) name the same resource:
// equal once "/.default", trailing slashes and letter case are ignored, or the
// Resource Manager endpoint and azcore's Resource Manager audience of one cloud
// (https://management.azure.com and https://management.core.windows.net/ in the
// public cloud). Both are identifiers of the one Resource Manager application, and
// Resource Manager accepts tokens for either; az account get-access-token hands out
// the second by default.
func SameAudience(a, b string) bool {
	na, nb := normAudience(a), normAudience(b)
	if na == "" || nb == "" {
		return false
	}
	if na == nb {
		return true
	}
	for _, row := range Clouds() {
		arm := row.Config.Services[cloud.ResourceManager]
		e, au := normAudience(arm.Endpoint), normAudience(arm.Audience)
		if (na == e && nb == au) || (na == au && nb == e) {
			return true
		}
	}
	return false
}

func normAudience(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/.default")
	return strings.ToLower(strings.TrimRight(s, "/"))
}
