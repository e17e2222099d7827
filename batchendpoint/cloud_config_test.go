package batchendpoint_test

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/auth"
	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// The data-plane audience registered in azcore's clouds is the one auth reports
// for the same cloud: both come from one table.
func TestCloudAudiencesRegistered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		c    cloud.Configuration
		want string
	}{
		{"public", cloud.AzurePublic, "https://ml.azure.com"},
		{"china", cloud.AzureChina, "https://ml.azure.cn"},
		{"government", cloud.AzureGovernment, "https://ml.azure.us"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.c.Services[batchendpoint.ServiceName].Audience
			assert.Equal(t, c.want, got)
			assert.Equal(t, auth.MLAudience(c.c), got)
		})
	}
}
