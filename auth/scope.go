package auth

import (
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/azmlbatch/azmlbatch/internal/cloudcfg"
)

// Token audiences (resource ids) used by azmlbatch. Pass one to [Scope] to get the
// OAuth scope a credential is asked for.
const (
	// AudienceMLPublic, https://ml.azure.com, is the Azure Machine Learning data-plane
	// audience in Azure public cloud; batch endpoint invocations (the scoring URI POST) need a token for it.
	AudienceMLPublic = cloudcfg.MLPublic
	// AudienceMLChina, https://ml.azure.cn, is the Azure Machine Learning audience in
	// Azure China (21Vianet).
	AudienceMLChina = cloudcfg.MLChina
	// AudienceMLGovernment, https://ml.azure.us, is the Azure Machine Learning audience
	// in Azure US Government.
	AudienceMLGovernment = cloudcfg.MLGovernment
	// AudienceResourceManager, https://management.azure.com, is the Azure Resource Manager
	// audience in public cloud, used for endpoint, deployment, data asset and job lookups.
	// A static token bound to it also serves azcore's equivalent scope
	// https://management.core.windows.net//.default. Sovereign clouds use the value azcore
	// registers in cloud.Configuration.Services[cloud.ResourceManager].
	AudienceResourceManager = cloudcfg.ResourceManagerPublic
	// AudienceStorage, https://storage.azure.com, is the Azure Storage audience (the same
	// in every cloud), used to read and write blobs with Microsoft Entra auth.
	AudienceStorage = cloudcfg.Storage
)

const defaultSuffix = "/.default"

// Scope returns the OAuth 2 scope for an audience: trailing slashes are removed and
// "/.default" is appended, so "https://ml.azure.com/" becomes "https://ml.azure.com/.default".
// A value that already ends in "/.default" is returned unchanged; an empty audience
// gives "".
func Scope(audience string) string {
	a := strings.TrimSpace(audience)
	if a == "" {
		return ""
	}
	if strings.HasSuffix(a, defaultSuffix) {
		return a
	}
	return strings.TrimRight(a, "/") + defaultSuffix
}

// audienceOf is the inverse of Scope, normalised for comparison: "/.default" and
// trailing slashes removed, lower case.
func audienceOf(scope string) string {
	s := strings.TrimSpace(scope)
	s = strings.TrimSuffix(s, defaultSuffix)
	return strings.ToLower(strings.TrimRight(s, "/"))
}

// MLAudience returns the Azure Machine Learning audience for a cloud, chosen by its
// ActiveDirectoryAuthorityHost: cloud.AzurePublic (and the zero Configuration, which
// azcore treats as public) gives [AudienceMLPublic], cloud.AzureChina [AudienceMLChina]
// and cloud.AzureGovernment [AudienceMLGovernment]. Any other authority (a private
// cloud) gives "": pass that cloud's audience explicitly.
func MLAudience(c cloud.Configuration) string {
	a, _ := cloudcfg.MLAudience(c)
	return a
}
