package batchendpoint_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// scopeCred returns "tok:<scope>" so servers can check which audience a token is for.
type scopeCred struct{}

func (scopeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "tok:" + strings.Join(o.Scopes, ","), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

const (
	armToken = "Bearer tok:https://management.azure.com/.default"
	mlToken  = "Bearer tok:https://ml.azure.com/.default"
	testSub  = "00000000-1111-2222-3333-444444444444"
	testRG   = "rg1"
	testWSN  = "ws1"
)

var testWorkspace = batchendpoint.Workspace{SubscriptionID: testSub, ResourceGroup: testRG, Name: testWSN}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// fakeService is an ARM host and an inference host, both TLS, speaking the
// shapes of internal/wire/README.md. Handlers can be overridden per test.
//
// It is hand-written, beside the emulator (batchendpoint/fake), for tests that
// script the answers request by request (onPOST, onJobGET, a status sequence,
// a failure chosen per test: answers a real workspace, and so the emulator,
// does not give on demand) and for the benchmarks, which measure the client
// without an emulator's work in the numbers. Tests of what a workspace does
// run on the emulator (e2e_test.go, upload_fake_test.go, transfer_fake_test.go).
type fakeService struct {
	t        *testing.T
	arm, inf *httptest.Server

	mu       sync.Mutex
	armReqs  []recorded
	infReqs  []recorded
	statuses []string // job status sequence served by job GETs
	jobGets  int
	onPOST   func(w http.ResponseWriter, r *http.Request, n int) bool // return true if handled
	onJobGET func(w http.ResponseWriter, r *http.Request, n int) bool
	posts    int
	kind     string // "Model" or "PipelineComponent"
	jobName  string
	failErr  map[string]string
}

func newFakeService(t *testing.T) *fakeService {
	f := startFakeService()
	f.t = t
	t.Cleanup(f.close)
	return f
}

// startFakeService starts the fake without a test (examples, benchmarks); call close.
func startFakeService() *fakeService {
	f := &fakeService{kind: "Model", jobName: "batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21",
		statuses: []string{"Preparing", "Queued", "Running", "Completed"}}
	f.inf = httptest.NewTLSServer(http.HandlerFunc(f.serveInference))
	f.arm = httptest.NewTLSServer(http.HandlerFunc(f.serveARM))
	return f
}

func (f *fakeService) close() { f.arm.Close(); f.inf.Close() }

func (f *fakeService) scoringURI() string { return f.inf.URL + "/jobs" }

func (f *fakeService) options() *batchendpoint.ClientOptions {
	return &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: f.arm.Client(), // httptest servers share one certificate
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Endpoint: f.arm.URL, Audience: "https://management.azure.com"},
			batchendpoint.ServiceName: {Audience: "https://ml.azure.com"},
		}},
		Retry: policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
	}}
}

func (f *fakeService) client() *batchendpoint.Client {
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, f.options())
	require.NoError(f.t, err)
	return c
}

func record(r *http.Request) recorded {
	b, _ := io.ReadAll(r.Body)
	return recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b}
}

func (f *fakeService) counts() (arm, inf int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.armReqs), len(f.infReqs)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func armError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

const wsPath = "/subscriptions/" + testSub + "/resourceGroups/" + testRG + "/providers/Microsoft.MachineLearningServices/workspaces/" + testWSN

func (f *fakeService) serveARM(w http.ResponseWriter, r *http.Request) {
	rec := record(r)
	f.mu.Lock()
	f.armReqs = append(f.armReqs, rec)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != armToken {
		armError(w, 401, "InvalidAuthenticationTokenAudience", "wrong audience: "+r.Header.Get("Authorization"))
		return
	}
	if r.URL.Query().Get("api-version") != batchendpoint.DefaultAPIVersion {
		armError(w, 400, "InvalidApiVersionParameter", "bad api-version")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, wsPath)
	switch {
	case r.Method == http.MethodGet && p == "/batchEndpoints/heart-classifier":
		writeJSON(w, 200, map[string]any{"name": "heart-classifier", "properties": map[string]any{
			"scoringUri": f.scoringURI(), "defaults": map[string]any{"deploymentName": "classifier-xgboost"}, "provisioningState": "Succeeded"}})
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/batchEndpoints/heart-classifier/deployments/"):
		name := strings.TrimPrefix(p, "/batchEndpoints/heart-classifier/deployments/")
		if name != "classifier-xgboost" && name != "pipeline-dep" {
			armError(w, 404, "ResourceNotFound", "not found")
			return
		}
		props := map[string]any{"model": map[string]any{"referenceType": "Id", "assetId": "x"}}
		if name == "pipeline-dep" || f.kind == "PipelineComponent" {
			props = map[string]any{"deploymentConfiguration": map[string]any{"deploymentConfigurationType": "PipelineComponent"}}
		}
		writeJSON(w, 200, map[string]any{"name": name, "properties": props})
	case r.Method == http.MethodGet && p == "/batchEndpoints/missing-ep":
		armError(w, 404, "ResourceNotFound", "The Resource 'missing-ep' was not found.")
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"):
		f.mu.Lock()
		n := f.jobGets
		f.jobGets++
		h := f.onJobGET
		f.mu.Unlock()
		if h != nil && h(w, r, n) {
			return
		}
		f.mu.Lock()
		st := f.statuses[min(n, len(f.statuses)-1)]
		fe := f.failErr
		f.mu.Unlock()
		props := map[string]any{"status": st, "experimentName": "heart-classifier", "jobType": "Pipeline",
			"services": map[string]any{"Studio": map[string]any{"endpoint": "https://ml.azure.com/runs/" + f.jobName}},
			"outputs":  map[string]any{"score": map[string]any{"jobOutputType": "uri_file", "uri": "azureml://datastores/workspaceblobstore/paths/azureml/x/score/predictions.csv"}}}
		if fe != nil && st == "Failed" {
			props["error"] = map[string]any{"code": fe["code"], "message": fe["message"]}
		}
		writeJSON(w, 200, map[string]any{"name": strings.TrimPrefix(p, "/jobs/"), "properties": props})
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/cancel"):
		w.Header().Set("Location", f.arm.URL+"/operations/1")
		w.WriteHeader(202)
	case r.Method == http.MethodGet && p == "/datastores/workspaceblobstore":
		writeJSON(w, 200, map[string]any{"name": "workspaceblobstore", "id": wsPath + "/datastores/workspaceblobstore", "properties": map[string]any{"datastoreType": "AzureBlob", "isDefault": true}})
	case r.Method == http.MethodGet && p == "/datastores/adls":
		writeJSON(w, 200, map[string]any{"name": "adls", "properties": map[string]any{"datastoreType": "AzureDataLakeGen1"}})
	case r.Method == http.MethodGet && p == "/data/heart-data/versions":
		writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": wsPath + "/data/heart-data/versions/3", "name": "3", "properties": map[string]any{"dataType": "uri_folder", "dataUri": "azureml://datastores/workspaceblobstore/paths/heart"}}}})
	case r.Method == http.MethodGet && p == "/data/table-data/versions":
		writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": wsPath + "/data/table-data/versions/1", "name": "1", "properties": map[string]any{"dataType": "mltable", "dataUri": "x"}}}})
	default:
		armError(w, 404, "ResourceNotFound", fmt.Sprintf("no route %s %s", r.Method, p))
	}
}

func (f *fakeService) serveInference(w http.ResponseWriter, r *http.Request) {
	rec := record(r)
	f.mu.Lock()
	f.infReqs = append(f.infReqs, rec)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != mlToken {
		armError(w, 401, "Unauthorized", "wrong audience: "+r.Header.Get("Authorization"))
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/jobs" {
		f.mu.Lock()
		n := f.posts
		f.posts++
		h := f.onPOST
		f.mu.Unlock()
		if h != nil && h(w, r, n) {
			return
		}
		writeJSON(w, 201, map[string]any{"id": wsPath + "/batchEndpoints/heart-classifier/deployments/classifier-xgboost/jobs/" + f.jobName,
			"name": f.jobName, "properties": map[string]any{"status": "Preparing", "name": "lemon_yacht_26h5qxzs",
				"interactionEndpoints": map[string]any{"Studio": map[string]any{"endpoint": "https://ml.azure.com/runs/" + f.jobName}},
				"tags":                 map[string]any{"azureml.deploymentname": "classifier-xgboost"}}})
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/jobs/") {
		f.mu.Lock()
		n := f.jobGets
		f.jobGets++
		st := f.statuses[min(n, len(f.statuses)-1)]
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"name": strings.TrimPrefix(r.URL.Path, "/jobs/"), "properties": map[string]any{"status": st}})
		return
	}
	armError(w, 404, "NotFound", "no route")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
