package auth

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/stretchr/testify/assert"
)

func TestScope(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{AudienceMLPublic, "https://ml.azure.com/.default"},
		{"https://ml.azure.com/", "https://ml.azure.com/.default"},
		{"https://ml.azure.com//", "https://ml.azure.com/.default"},
		{" https://ml.azure.com ", "https://ml.azure.com/.default"},
		{AudienceMLChina, "https://ml.azure.cn/.default"},
		{AudienceMLGovernment, "https://ml.azure.us/.default"},
		{AudienceResourceManager, "https://management.azure.com/.default"},
		{"https://management.core.windows.net/", "https://management.core.windows.net/.default"},
		{AudienceStorage, "https://storage.azure.com/.default"},
		{"https://ml.azure.com/.default", "https://ml.azure.com/.default"},
		{"api://00000000-0000-0000-0000-000000000001", "api://00000000-0000-0000-0000-000000000001/.default"},
		{"", ""},
		{"   ", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Scope(c.in), "Scope(%q)", c.in)
	}
}

func TestAudienceOf(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"https://ml.azure.com/.default", "https://ml.azure.com"},
		{"https://ml.azure.com//.default", "https://ml.azure.com"},
		{"HTTPS://ML.AZURE.COM/.default", "https://ml.azure.com"},
		{"https://ml.azure.com", "https://ml.azure.com"},
		{"https://ml.azure.com/", "https://ml.azure.com"},
		{"https://management.azure.com/.default", "https://management.azure.com"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, audienceOf(c.in), "audienceOf(%q)", c.in)
	}
}

func TestMLAudience(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   cloud.Configuration
		want string
	}{
		{"public", cloud.AzurePublic, AudienceMLPublic},
		{"china", cloud.AzureChina, AudienceMLChina},
		{"government", cloud.AzureGovernment, AudienceMLGovernment},
		{"zero value is public", cloud.Configuration{}, AudienceMLPublic},
		{"no trailing slash", cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.us"}, AudienceMLGovernment},
		{"upper case", cloud.Configuration{ActiveDirectoryAuthorityHost: "HTTPS://LOGIN.CHINACLOUDAPI.CN/"}, AudienceMLChina},
		{"private cloud", cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.contoso.local/"}, ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, MLAudience(c.in), c.name)
	}
}
