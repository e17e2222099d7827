package batchendpoint

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type guardCred struct{}

func (guardCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "tok:" + strings.Join(o.Scopes, ","), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// hostsTransport answers by host and records who got which Authorization header.
type hostsTransport struct {
	mu    sync.Mutex
	seen  []string // "host path auth"
	serve map[string]string
}

func (h *hostsTransport) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.seen = append(h.seen, r.URL.Host+" "+r.URL.EscapedPath()+" "+r.Header.Get("Authorization"))
	body, ok := h.serve[r.URL.Host]
	h.mu.Unlock()
	status := http.StatusOK
	if !ok {
		status, body = http.StatusNotFound, `{"error":{"code":"NotFound","message":"no"}}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

func (h *hostsTransport) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

func guardClient(t *testing.T, ws Workspace, tr *hostsTransport) *Client {
	c, err := NewClient(ws, guardCred{}, &ClientOptions{ClientOptions: azcore.ClientOptions{Transport: tr,
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: "https://management.example", Audience: "https://management.azure.com"}}},
		Retry: policy.RetryOptions{MaxRetries: -1}}})
	require.NoError(t, err)
	return c
}

// TestARMTokenHosts: the ARM token goes to the Resource Manager host and to the
// https hosts the workspace's discovery document names; nowhere else, and
// nothing is sent where it may not go.
func TestARMTokenHosts(t *testing.T) {
	const armAuth = "Bearer tok:https://management.azure.com/.default"
	ws := Workspace{SubscriptionID: "sub", ResourceGroup: "rg", Name: "ws1"}
	tr := &hostsTransport{serve: map[string]string{
		"management.example": `{"properties":{"discoveryUrl":"https://disc.example/discovery"}}`,
		"disc.example":       `{"history":"https://history.example","api":"http://plain.example","count":3}`,
		"history.example":    `{}`,
		"plain.example":      `{}`,
		"rogue.example":      `{}`,
	}}
	c := guardClient(t, ws, tr)
	ctx := context.Background()
	cases := []struct {
		name, url string
		sent      bool
		want      string
	}{
		{"a host nobody named, before discovery", "https://history.example/x", false, "only the configured Resource Manager endpoint"},
		{"the workspace GET names the discovery host", c.armURL("", nil), true, ""},
		{"the discovery host", "https://disc.example/discovery", true, ""},
		{"the history host it names", "https://history.example/x", true, ""},
		{"an http host it names", "http://plain.example/x", false, "is not https"},
		{"a host nobody named", "https://rogue.example/x", false, "only the configured Resource Manager endpoint"},
		{"user info on the ARM host", "https://u:hunter2@management.example/x", false, "user info"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(tr.requests())
			_, err := c.armDo(ctx, http.MethodGet, tc.url, nil, nil)
			after := tr.requests()
			if !tc.sent {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "not sending the Azure Resource Manager token")
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "hunter2")
				assert.Len(t, after, before, "nothing sent")
				return
			}
			require.NoError(t, err)
			require.Len(t, after, before+1)
			assert.True(t, strings.HasSuffix(after[before], " "+armAuth), after[before])
		})
	}
}

// TestARMURLsEscapeWorkspace: workspace segments are escaped in ARM URLs (names
// are validated too; escaping is the second line).
func TestARMURLsEscapeWorkspace(t *testing.T) {
	tr := &hostsTransport{serve: map[string]string{"management.example": `{"name":"x","properties":{"datastoreType":"AzureBlob"}}`}}
	c := guardClient(t, Workspace{SubscriptionID: "sub", ResourceGroup: "rg(été)", Name: "ws-1"}, tr)
	_, err := c.GetDatastore(context.Background(), "workspaceblobstore", nil)
	require.NoError(t, err)
	got := tr.requests()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "/subscriptions/sub/resourceGroups/rg%28%C3%A9t%C3%A9%29/providers/Microsoft.MachineLearningServices/workspaces/ws-1/datastores/workspaceblobstore")
}

func TestWorkspaceValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		ws   Workspace
		want string
	}{
		{"line break", Workspace{"sub", "rg", "ws\nx"}, "Workspace.Name"},
		{"space", Workspace{"sub", "my rg", "ws"}, "Workspace.ResourceGroup"},
		{"percent", Workspace{"sub%2F", "rg", "ws"}, "Workspace.SubscriptionID"},
		{"empty", Workspace{"sub", "", "ws"}, "Workspace.ResourceGroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(tc.ws, guardCred{}, nil)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.want, ve.Field)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
