package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
)

// A client that knows only what localworkspace prints (CA bundle, token files,
// URLs) looks up the endpoint, invokes it and follows the job, as curl would.
func TestServeForOtherClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	type ready struct {
		st   State
		file string
	}
	readyc := make(chan ready, 1)
	done := make(chan error, 1)
	var out lockedWriter
	go func() {
		done <- serve(ctx, &out, nil, func(st State, file string) { readyc <- ready{st, file} })
	}()
	var r ready
	select {
	case r = <-readyc:
	case err := <-done:
		t.Fatalf("serve ended early: %v\n%s", err, out.String())
	}
	fromFile, err := os.ReadFile(r.file)
	require.NoError(t, err)
	var st State
	require.NoError(t, json.Unmarshal(fromFile, &st))
	assert.Equal(t, r.st, st, "workspace.json holds the state")
	text := out.String()
	for _, want := range []string{st.ARMEndpoint, st.CABundle, st.ScoringURIs[demo.Endpoint], "curl --cacert", "Press Ctrl-C"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "eyJ", "no token is printed")

	pem, err := os.ReadFile(st.CABundle)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	do := func(method, url, tokenName, body string) map[string]any {
		tok, err := os.ReadFile(st.TokenFiles[tokenName])
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+string(tok))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Less(t, res.StatusCode, 300, "%s %s", method, url)
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return m
	}
	wsID := "/subscriptions/" + st.SubscriptionID + "/resourceGroups/" + st.ResourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + st.Workspace
	ep := do(http.MethodGet, st.ARMEndpoint+wsID+"/batchEndpoints/"+demo.Endpoint+"?api-version="+batchendpoint.DefaultAPIVersion, "arm", "")
	assert.Equal(t, st.ScoringURIs[demo.Endpoint], ep["properties"].(map[string]any)["scoringUri"])

	job := do(http.MethodPost, st.ScoringURIs[demo.Endpoint], "ml",
		`{"properties":{"inputData":{"UriFolder":{"jobInputType":"UriFolder","uri":"`+st.ExampleDataURL+`"}}}}`)
	name, _ := job["name"].(string)
	require.True(t, strings.HasPrefix(name, "batchjob-"), name)
	var status any
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		m := do(http.MethodGet, st.ARMEndpoint+wsID+"/jobs/"+name+"?api-version="+batchendpoint.DefaultAPIVersion, "arm", "")
		if status = m["properties"].(map[string]any)["status"]; status == "Completed" || status == "Failed" {
			break
		}
	}
	assert.Equal(t, "Completed", status)

	// Storage as the real service addresses it: through HTTPS_PROXY, by the production host name.
	assert.Equal(t, map[string]string{"HTTPS_PROXY": st.HTTPSProxy, "REQUESTS_CA_BUNDLE": st.CABundle, "SSL_CERT_FILE": st.CABundle,
		"AZUREML_DEV_URL_MFE": st.ARMEndpoint}, st.Env)
	assert.Contains(t, text, "HTTPS_PROXY       "+st.HTTPSProxy)
	ds := do(http.MethodGet, st.ARMEndpoint+wsID+"/datastores/"+demo.Datastore+"?api-version="+batchendpoint.DefaultAPIVersion, "arm", "")
	props := ds["properties"].(map[string]any)
	assert.Equal(t, "core.windows.net", props["endpoint"])
	assert.Equal(t, st.BlobEndpoint, "https://"+props["accountName"].(string)+".blob."+props["endpoint"].(string))
	proxy, err := url.Parse(st.HTTPSProxy)
	require.NoError(t, err)
	pc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	storageTok, err := os.ReadFile(st.TokenFiles["storage"])
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.BlobEndpoint+"/"+demo.ExampleDataContainer+"?restype=container&comp=list", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+string(storageTok))
	req.Header.Set("x-ms-version", "2021-12-02")
	res, err := pc.Do(req)
	require.NoError(t, err)
	listing, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", listing)
	assert.Contains(t, string(listing), "<Name>"+demo.ExampleDataPrefix)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, out.String(), "stopped the workspace emulator and Azurite")
	assert.NoFileExists(t, st.CABundle, "temporary files removed")
}

// -state hands scripts a complete copy of workspace.json, or an error.
func TestCopyAtomic(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "workspace.json")
	require.NoError(t, os.WriteFile(src, []byte(`{"workspace":"w"}`), 0o644))
	tests := []struct {
		name, src, dst string
		wantErr        bool
	}{
		{name: "copies", src: src, dst: filepath.Join(dir, "copy.json")},
		{name: "replaces", src: src, dst: src + ".old"},
		{name: "missing source", src: filepath.Join(dir, "none.json"), dst: filepath.Join(dir, "x.json"), wantErr: true},
		{name: "missing folder", src: src, dst: filepath.Join(dir, "no", "x.json"), wantErr: true},
	}
	require.NoError(t, os.WriteFile(src+".old", []byte("old"), 0o644))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := copyAtomic(tc.src, tc.dst)
			if tc.wantErr {
				require.Error(t, err)
				assert.NoFileExists(t, tc.dst)
				return
			}
			require.NoError(t, err)
			got, err := os.ReadFile(tc.dst)
			require.NoError(t, err)
			assert.JSONEq(t, `{"workspace":"w"}`, string(got))
			left, err := filepath.Glob(filepath.Join(filepath.Dir(tc.dst), ".workspace-*.json"))
			require.NoError(t, err)
			assert.Empty(t, left, "no temporary file is left")
		})
	}
}
