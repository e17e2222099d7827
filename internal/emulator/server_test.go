package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

func TestTLSAndAccessors(t *testing.T) {
	e := newEnv(t, envOpts{})
	require.True(t, strings.HasPrefix(e.s.ARMEndpoint(), "https://127.0.0.1:"))
	require.True(t, strings.HasPrefix(e.ws.ScoringURI("heart"), e.s.InferenceEndpoint()+"/heart/jobs"))

	pem, err := os.ReadFile(e.s.CACertFile())
	require.NoError(t, err)
	assert.Equal(t, e.s.CACertPEM(), pem)
	assert.Contains(t, string(pem), "BEGIN CERTIFICATE")

	// The default transport does not trust the emulator.
	_, err = http.Get(e.s.ARMEndpoint() + "/discovery")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")

	// localhost is in the certificate too.
	r := e.do(http.MethodGet, strings.Replace(e.s.ARMEndpoint(), "127.0.0.1", "localhost", 1)+"/discovery", "", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, e.s.ARMEndpoint(), r.json(t)["api"])

	c := e.s.Cloud()
	assert.Equal(t, e.s.ARMEndpoint(), c.Services[cloud.ResourceManager].Endpoint)
	assert.Equal(t, "https://management.azure.com", c.Services[cloud.ResourceManager].Audience)
	assert.Equal(t, "https://ml.azure.com", c.Services[emulator.ServiceName].Audience)
	assert.Equal(t, cloud.ServiceName("azmlbatch/batchendpoint"), emulator.ServiceName)
	require.NotNil(t, e.s.ClientOptions().Transport)
}

func TestCredentialMintsAudienceToken(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, tc := range []struct{ scope, aud string }{
		{"https://management.azure.com/.default", "https://management.azure.com"},
		{"https://ml.azure.com/.default", "https://ml.azure.com"},
		{"https://storage.azure.com/.default", "https://storage.azure.com"},
	} {
		tok, err := e.s.Credential().GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{tc.scope}})
		require.NoError(t, err)
		parts := strings.Split(tok.Token, ".")
		require.Len(t, parts, 3)
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var claims map[string]any
		require.NoError(t, json.Unmarshal(raw, &claims))
		assert.Equal(t, tc.aud, claims["aud"])
		assert.Equal(t, "https://sts.windows.net/"+emulator.DefaultTenantID+"/", claims["iss"])
		now := float64(time.Now().Unix())
		assert.Less(t, claims["nbf"].(float64), now)
		assert.Greater(t, claims["exp"].(float64), now)
		assert.True(t, tok.ExpiresOn.After(time.Now()))
	}
	assert.Len(t, e.s.Credential().Scopes(), 3)
	_, err := e.s.Credential().GetToken(context.Background(), policy.TokenRequestOptions{})
	require.Error(t, err)
}

func TestTokenChecks(t *testing.T) {
	e := newEnv(t, envOpts{})
	expired, _ := emulator.MintToken("", emulator.AudienceARM, -time.Minute)
	tests := []struct {
		name     string
		url      string
		authz    string
		status   int
		code     string
		contains string
	}{
		{"arm no token", e.armURL(""), "", 401, "AuthenticationFailed", "'Authorization' header is missing"},
		{"arm garbage", e.armURL(""), "Bearer not-a-jwt", 401, "InvalidAuthenticationToken", "invalid"},
		{"arm basic scheme", e.armURL(""), "Basic dXNlcjpwYXNz", 401, "InvalidAuthenticationToken", "invalid"},
		{"arm expired", e.armURL(""), "Bearer " + expired, 401, "ExpiredAuthenticationToken", "expiry"},
		{"arm with ml token", e.armURL(""), "Bearer " + e.token(emulator.AudienceML), 401, "InvalidAuthenticationTokenAudience",
			"The access token has been obtained for wrong audience or resource 'https://ml.azure.com'. It should exactly match with one of the allowed audiences"},
		{"arm with storage token", e.armURL(""), "Bearer " + e.token(emulator.AudienceStorage), 401, "InvalidAuthenticationTokenAudience", "wrong audience"},
		{"arm management.azure.com", e.armURL(""), "Bearer " + e.token("https://management.azure.com"), 200, "", ""},
		{"arm management.azure.com/", e.armURL(""), "Bearer " + e.token("https://management.azure.com/"), 200, "", ""},
		{"arm management.core.windows.net", e.armURL(""), "Bearer " + e.token("https://management.core.windows.net"), 200, "", ""},
		{"arm management.core.windows.net/", e.armURL(""), "Bearer " + e.token("https://management.core.windows.net/"), 200, "", ""},
		{"data plane no token", e.ws.ScoringURI("heart"), "", 401, "AuthenticationFailed", "missing"},
		{"data plane with arm token", e.ws.ScoringURI("heart"), "Bearer " + e.token(emulator.AudienceARM), 401, "InvalidAuthenticationTokenAudience", "'https://ml.azure.com'"},
		{"data plane ml token", e.ws.ScoringURI("heart"), "Bearer " + e.token(emulator.AudienceML), 200, "", ""},
		{"discovery is anonymous", e.s.ARMEndpoint() + "/discovery", "", 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.authz != "" {
				hdr["Authorization"] = tc.authz
			}
			r := e.do(http.MethodGet, tc.url, "", nil, hdr)
			require.Equal(t, tc.status, r.status, "body: %s", r.body)
			if tc.status == 401 {
				assert.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer "), r.header.Get("WWW-Authenticate"))
				assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
				code, msg := r.errCode(t)
				assert.Equal(t, tc.code, code)
				assert.Contains(t, msg, tc.contains)
			}
		})
	}
}

func TestAPIVersions(t *testing.T) {
	e := newEnv(t, envOpts{})
	base := e.s.ARMEndpoint() + e.ws.ID() + "/batchEndpoints/heart"
	tests := []struct {
		version string
		status  int
		code    string
	}{
		{"2022-05-01", 200, ""},
		{"2022-10-01-preview", 200, ""},
		{"2023-04-01", 200, ""},
		{"2023-10-01", 200, ""},
		{"2024-01-01-preview", 200, ""},
		{"2025-06-01", 200, ""},
		{"2025-12-01", 200, ""},
		{"2026-01-15-preview", 200, ""},
		{"2026-03-01", 200, ""},
		{"2021-10-01", 400, "NoRegisteredProviderFound"},
		{"2022-02-01-preview", 400, "NoRegisteredProviderFound"},
		{"2026-04-01", 400, "NoRegisteredProviderFound"},
		{"2020-09-01-dataplanepreview", 400, "NoRegisteredProviderFound"},
		{"2025-12-01-beta", 400, "NoRegisteredProviderFound"},
		{"latest", 400, "InvalidApiVersionParameter"},
		{"", 400, "MissingApiVersionParameter"},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			u := base
			if tc.version != "" {
				u += "?api-version=" + tc.version
			}
			r := e.do(http.MethodGet, u, emulator.AudienceARM, nil, nil)
			require.Equal(t, tc.status, r.status, "body: %s", r.body)
			assert.Equal(t, tc.status == 200, emulator.SupportedAPIVersion(tc.version))
			if tc.code != "" {
				code, msg := r.errCode(t)
				assert.Equal(t, tc.code, code)
				if tc.code == "NoRegisteredProviderFound" {
					assert.Contains(t, msg, "No registered resource provider found for location 'westus2' and API version '"+tc.version+"' for type 'workspaces/batchEndpoints'")
				}
				// ARM's own errors use the lean envelope.
				assert.Equal(t, []string{"error"}, keys(r.json(t)))
			}
		})
	}
	// The data plane takes no api-version and ignores one.
	r := e.do(http.MethodGet, e.ws.ScoringURI("heart")+"?api-version=1999-01-01", emulator.AudienceML, nil, nil)
	assert.Equal(t, 200, r.status)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRequestsRecorded(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.arm(http.MethodGet, "/batchEndpoints/heart", nil)
	e.do(http.MethodGet, e.ws.ScoringURI("heart")+"/nope", emulator.AudienceML, nil, map[string]string{"x-ms-client-request-id": "abc"})
	all := e.s.Requests()
	require.Len(t, all, 2)
	assert.Equal(t, emulator.RouteGetBatchEndpoint, all[0].Route)
	assert.Equal(t, "Bearer <redacted>", all[0].Header.Get("Authorization"))
	assert.Equal(t, "https://management.azure.com", all[0].Audience)
	assert.Equal(t, 200, all[0].Status)
	assert.Contains(t, all[0].URL, "api-version=2025-12-01")
	assert.Equal(t, emulator.RouteGetBatchJob, all[1].Route)
	assert.Equal(t, "https://ml.azure.com", all[1].Audience)
	assert.Equal(t, 404, all[1].Status)
	assert.Equal(t, "abc", all[1].Header.Get("x-ms-client-request-id"))
	for _, r := range all {
		assert.NotContains(t, r.Header.Get("Authorization"), "ey")
	}
	assert.Len(t, e.s.Requests(emulator.RouteGetBatchJob), 1)
	e.s.ClearRequests()
	assert.Empty(t, e.s.Requests())
}
