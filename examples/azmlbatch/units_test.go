package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/jmespath/go-jmespath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func TestExpandSets(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"-n", "e", "--set", "a=1", "b=2", "--wait"}, []string{"-n", "e", "--set", "a=1", "--set", "b=2", "--wait"}},
		{[]string{"--set", "a=1", "now"}, []string{"--set", "a=1", "now"}},
		{[]string{"--set", "novalue", "b=2"}, []string{"--set", "novalue", "--set", "b=2"}},
		{[]string{"--set"}, []string{"--set"}},
		{[]string{"--", "--set", "a=1", "b=2"}, []string{"--", "--set", "a=1", "b=2"}},
		{[]string{"--set", "a=1", "-d", "x=y"}, []string{"--set", "a=1", "-d", "x=y"}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, expandSets(tc.in), "%q", tc.in)
	}
}

func TestOutputFormats(t *testing.T) {
	v := normalize([]any{
		map[string]any{"name": "a", "status": "Completed", "count": 2, "ok": true, "tags": map[string]any{"x": "y"}},
		map[string]any{"name": "b", "status": "Failed", "count": 1.5, "ok": false, "tags": map[string]any{}},
	})
	tests := []struct{ format, query, want string }{
		{"json", "[0].name", "\"a\"\n"},
		{"tsv", "", "2\ta\tTrue\tCompleted\n1.5\tb\tFalse\tFailed\n"},
		{"tsv", "[].name", "a\nb\n"},
		{"tsv", "[0].name", "a\n"},
		{"tsv", "[].[name, status]", "a\tCompleted\nb\tFailed\n"},
		{"table", "[].{name:name, status:status}", "Name  Status\n----  ---------\na     Completed\nb     Failed\n"},
		{"yaml", "[1]", "count: 1.5\nname: b\nok: false\nstatus: Failed\ntags: {}\n"},
		{"none", "", ""},
		{"json", "[?status=='Failed'].name | [0]", "\"b\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.format+" "+tc.query, func(t *testing.T) {
			var out bytes.Buffer
			a := &app{stdout: &out, g: globals{output: tc.format, query: tc.query}}
			if tc.query != "" {
				a.g.compiled = jmespath.MustCompile(tc.query)
			}
			require.NoError(t, a.print(v))
			assert.Equal(t, tc.want, out.String())
		})
	}
	// jsonc is json with colours: the same text once the escapes are removed.
	var plain, color bytes.Buffer
	require.NoError(t, writeOutput(&plain, "json", v))
	require.NoError(t, writeOutput(&color, "jsonc", v))
	assert.Contains(t, color.String(), "\x1b[")
	stripped := strings.NewReplacer("\x1b[94m", "", "\x1b[32m", "", "\x1b[36m", "", "\x1b[0m", "").Replace(color.String())
	assert.Equal(t, plain.String(), stripped)
}

// The printed job has az ml job show's field names, which scripts query.
func TestJobDictFieldNames(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := batchendpoint.JobDetails{Name: "batchjob-1", ID: "/subscriptions/s/jobs/batchjob-1", DisplayName: "run-1", Status: batchendpoint.JobStatusRunning,
		StudioURL: "https://ml.azure.com/runs/batchjob-1", ExperimentName: "heart-classifier",
		Inputs: map[string]batchendpoint.JobInput{"heart_data": {Kind: inputs.KindURIFolder, URI: "https://a/b", Mode: "ReadOnlyMount"},
			"score_mode": {Kind: inputs.KindString, Value: "append"}},
		Outputs:   map[string]batchendpoint.JobOutput{"score": {Kind: inputs.KindURIFile, URI: "azureml://datastores/d/paths/p.csv", Mode: "ReadWriteMount"}},
		CreatedAt: created, CreatedBy: "someone"}
	b, err := json.Marshal(jobDict(d))
	require.NoError(t, err)
	for q, want := range map[string]any{
		"id": d.ID, "name": "batchjob-1", "status": "Running", "display_name": "run-1", "experiment_name": "heart-classifier",
		"type": "pipeline", "services.Studio.endpoint": d.StudioURL, "creation_context.created_at": "2026-01-02T03:04:05Z",
		"creation_context.created_by": "someone", "inputs.heart_data.type": "uri_folder", "inputs.heart_data.mode": "ro_mount",
		"inputs.score_mode": "append", "outputs.score.path": "azureml://datastores/d/paths/p.csv", "outputs.score.mode": "rw_mount",
	} {
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		got, err := jmespath.Search(q, v)
		require.NoError(t, err)
		assert.Equal(t, want, got, q)
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"UriFolder": "uri_folder", "scoringUri": "scoring_uri", "AADToken": "aad_token",
		"provisioningState": "provisioning_state", "AzureDataLakeGen2": "azure_data_lake_gen2", "name": "name", "": ""} {
		assert.Equal(t, want, snake(in), in)
	}
}

// The workspace comes from flags, then the environment, then az's own files.
func TestResolveWorkspace(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config"), []byte("[cloud]\nname = AzureCloud\n\n[defaults]\ngroup = rg-config\nworkspace = ws-config\n"), 0o600))
	profile := `{"subscriptions": [{"id": "sub-other", "isDefault": false}, {"id": "sub-profile", "isDefault": true}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "azureProfile.json"), append([]byte("\xef\xbb\xbf"), profile...), 0o600))
	tests := []struct {
		name string
		g    globals
		env  map[string]string
		want batchendpoint.Workspace
		err  string
	}{
		{name: "az files", want: batchendpoint.Workspace{SubscriptionID: "sub-profile", ResourceGroup: "rg-config", Name: "ws-config"}},
		{name: "environment over files", env: map[string]string{"AZURE_SUBSCRIPTION_ID": "sub-env", "AZURE_DEFAULTS_GROUP": "rg-env", "AZUREML_WORKSPACE_NAME": "ws-env"},
			want: batchendpoint.Workspace{SubscriptionID: "sub-env", ResourceGroup: "rg-env", Name: "ws-env"}},
		{name: "flags over environment", g: globals{subscription: "sub-flag", resourceGroup: "rg-flag", workspace: "ws-flag"},
			env:  map[string]string{"AZURE_SUBSCRIPTION_ID": "sub-env", "AZURE_RESOURCE_GROUP": "rg-env", "AZURE_DEFAULTS_WORKSPACE": "ws-env"},
			want: batchendpoint.Workspace{SubscriptionID: "sub-flag", ResourceGroup: "rg-flag", Name: "ws-flag"}},
		{name: "nothing", env: map[string]string{"AZURE_CONFIG_DIR": t.TempDir()}, err: "--resource-group/-g"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			t.Setenv("AZURE_CONFIG_DIR", dir)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ws, err := resolveWorkspace(tc.g)
			if tc.err != "" {
				var ue *usageError
				require.ErrorAs(t, err, &ue)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, ws)
		})
	}
}

func TestTokenFileCredential(t *testing.T) {
	dir := t.TempDir()
	tok := func(exp time.Time) string {
		c, _ := json.Marshal(map[string]any{"exp": exp.Unix()})
		return "e30." + base64.RawURLEncoding.EncodeToString(c) + ".sig"
	}
	files := map[string]string{}
	for kind, exp := range map[string]time.Time{"arm": time.Now().Add(time.Hour), "ml": time.Now().Add(-time.Minute)} {
		files[kind] = filepath.Join(dir, kind+".token")
		require.NoError(t, os.WriteFile(files[kind], []byte(tok(exp)+"\n"), 0o600))
	}
	c := &tokenFileCredential{files: files}
	ctx := context.Background()
	at, err := c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com//.default"}})
	require.NoError(t, err)
	assert.NotContains(t, at.Token, "\n")
	assert.WithinDuration(t, time.Now().Add(time.Hour), at.ExpiresOn, 2*time.Second)
	_, err = c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://ml.azure.com/.default"}})
	assert.ErrorContains(t, err, "expired")
	_, err = c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://storage.azure.com/.default"}})
	assert.ErrorContains(t, err, "no token file")
	_, err = c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"a", "b"}})
	assert.Error(t, err)
}

// On a terminal the status line is redrawn in place; elsewhere each status is
// one plain line.
func TestStatusLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	d := func(s batchendpoint.JobStatus) batchendpoint.JobDetails {
		return batchendpoint.JobDetails{Name: "j", Status: s}
	}

	var plain bytes.Buffer
	s := newStatusLine(&plain, false, "j", "https://studio/j", clock)
	s.update(d(batchendpoint.JobStatusPreparing))
	now = now.Add(65 * time.Second)
	s.redraw()
	s.update(d(batchendpoint.JobStatusPreparing))
	s.update(d(batchendpoint.JobStatusCompleted))
	s.finish()
	assert.Equal(t, "Job j: https://studio/j\n00:00  j  Preparing\n01:05  j  Completed\n", plain.String())

	now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var tty bytes.Buffer
	s = newStatusLine(&tty, true, "j", "https://studio/j", clock)
	s.update(d(batchendpoint.JobStatusRunning))
	now = now.Add(3 * time.Second)
	s.redraw()
	s.finish()
	assert.Equal(t, "\r\x1b[K00:00  Running      j  https://studio/j\r\x1b[K00:03  Running      j  https://studio/j\n", tty.String())

	// A line wider than the terminal is cut, so that \r rewrites it in place.
	tty.Reset()
	s = newStatusLine(&tty, true, "j", "https://studio/j", clock)
	s.width = 20
	s.update(d(batchendpoint.JobStatusRunning))
	assert.Equal(t, "\r\x1b[K00:00  Running     ", tty.String(), "19 columns: one fewer than the terminal")
}

// A service error prints as az does: the code, the status and the message.
func TestResponseSummary(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"error": {"code": "UserError", "message": "Job \"x\" was not found."}}`, `(UserError) the service answered 404: Job "x" was not found.`},
		{`{"error":{"code":"NotFound","message":"gone","details":[{"message":"inner"}]}}`, `(NotFound) the service answered 404: gone`},
		{`not json`, `the service answered 404`},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1/jobs/x", nil)
		require.NoError(t, err)
		resp := &http.Response{StatusCode: 404, Status: "404 Not Found", Header: http.Header{}, Request: req,
			Body: io.NopCloser(strings.NewReader(tc.body))}
		if strings.HasPrefix(tc.body, "{") {
			resp.Header.Set("Content-Type", "application/json")
		}
		err = runtime.NewResponseError(resp)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, tc.want, responseSummary(re, err.Error()))
		assert.Equal(t, "polling job x: "+tc.want, responseSummary(re, "polling job x: "+err.Error()))
	}
	assert.Equal(t, "a message of our own", responseSummary(&azcore.ResponseError{StatusCode: 404}, "a message of our own"))
}

// TestLocalProxy: only non-loopback hosts (the production-style blob hosts the
// local workspace serves) go through its proxy.
func TestLocalProxy(t *testing.T) {
	proxy, err := url.Parse("http://127.0.0.1:9")
	require.NoError(t, err)
	pick := localProxy(proxy)
	for _, tc := range []struct {
		url   string
		proxy bool
	}{
		{"https://127.0.0.1:8443/subscriptions/x", false},
		{"https://[::1]:8443/x", false},
		{"https://localhost:1/x", false},
		{"https://devstoreaccount1.blob.core.windows.net/c/b", true},
		{"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data", true},
	} {
		r, err := http.NewRequest(http.MethodGet, tc.url, nil)
		require.NoError(t, err)
		got, err := pick(r)
		require.NoError(t, err)
		if tc.proxy {
			assert.Equal(t, proxy, got, tc.url)
		} else {
			assert.Nil(t, got, tc.url)
		}
	}
}
