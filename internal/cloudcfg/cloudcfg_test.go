package cloudcfg

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMLAudience(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   cloud.Configuration
		want string
		ok   bool
	}{
		{"public", cloud.AzurePublic, MLPublic, true},
		{"china", cloud.AzureChina, MLChina, true},
		{"government", cloud.AzureGovernment, MLGovernment, true},
		{"zero value is public", cloud.Configuration{}, MLPublic, true},
		{"no trailing slash", cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.us"}, MLGovernment, true},
		{"upper case and spaces", cloud.Configuration{ActiveDirectoryAuthorityHost: " HTTPS://LOGIN.CHINACLOUDAPI.CN/ "}, MLChina, true},
		{"private cloud", cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.contoso.local/"}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := MLAudience(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.ok, ok)
		})
	}
}

// The table takes each cloud's Resource Manager settings from azcore: every row
// has them, and they are azcore's own map, not a copy.
func TestCloudsCarryAzcoreResourceManager(t *testing.T) {
	t.Parallel()
	rows := Clouds()
	require.Len(t, rows, 3)
	seen := map[string]bool{}
	for _, row := range rows {
		arm, ok := row.Config.Services[cloud.ResourceManager]
		require.True(t, ok, row.Name)
		assert.NotEmpty(t, arm.Endpoint, row.Name)
		assert.NotEmpty(t, arm.Audience, row.Name)
		assert.NotEmpty(t, row.MLAudience, row.Name)
		assert.False(t, seen[row.MLAudience], "audience %s listed twice", row.MLAudience)
		seen[row.MLAudience] = true
	}
	// ResourceManagerPublic is a constant (auth exports it); it must stay the
	// public cloud's ARM host as azcore has it.
	assert.Equal(t, cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint, ResourceManagerPublic)
}

func TestSameAudience(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want bool
	}{
		{MLPublic, MLPublic, true},
		{MLPublic, "HTTPS://ML.AZURE.COM/", true},
		{MLPublic, "https://ml.azure.com/.default", true},
		{MLPublic, MLChina, false},
		{MLPublic, ResourceManagerPublic, false},
		{ResourceManagerPublic, "https://management.core.windows.net/", true},
		{"https://management.core.windows.net//.default", ResourceManagerPublic, true},
		{"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/", true},
		{"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/", true},
		{ResourceManagerPublic, "https://management.core.chinacloudapi.cn/", false},
		{"", "", false},
		{Storage, Storage + "/", true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, SameAudience(c.a, c.b), "SameAudience(%q, %q)", c.a, c.b)
		assert.Equal(t, c.want, SameAudience(c.b, c.a), "SameAudience(%q, %q)", c.b, c.a)
	}
}
