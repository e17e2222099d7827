package batchendpoint

import (
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultTransportPool: a client built without a Transport uses the
// process-wide transport whose idle pool fits 64-way fan-out; a caller's
// Transport is used as given.
func TestDefaultTransportPool(t *testing.T) {
	ws := Workspace{SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg", Name: "ws-perf"}
	custom := &http.Client{}
	cases := []struct {
		name string
		opts *ClientOptions
		want *http.Client
	}{
		{"nil options", nil, defaultTransport()},
		{"nil Transport", &ClientOptions{}, defaultTransport()},
		{"custom Transport", &ClientOptions{ClientOptions: azcore.ClientOptions{Transport: custom}}, custom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(ws, nil, tc.opts)
			require.NoError(t, err)
			assert.Same(t, tc.want, c.opts.Transport)
		})
	}
	tr, ok := defaultTransport().Transport.(*http.Transport)
	require.True(t, ok)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	assert.GreaterOrEqual(t, tr.MaxIdleConns, 2*tr.MaxIdleConnsPerHost, "room for the ARM and scoring hosts at once")
	assert.NotNil(t, tr.Proxy, "HTTPS_PROXY is honoured as by azcore's default")
}
