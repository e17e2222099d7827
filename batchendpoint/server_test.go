package batchendpoint_test

// What stays on hand-written servers, and why. Everything a workspace does is
// tested on the fake workspace (batchendpoint/fake: the emulator, in-process
// or over TLS, with fault injection and request inspection); client_test.go
// and invoke_options_test.go run there. Only these remain here:
//
//   - benchService: the TLS ARM and inference hosts BenchmarkInvoke and
//     BenchmarkRawPOST share. It answers one lookup and the POST with fixed
//     bodies and nothing else, so that BENCHMARKS.md's ratio compares the
//     client with a raw POST and not with the emulator's job creation.
//   - TestNoTokenToHTTPScoringURI: an endpoint whose scoringUri is plain http,
//     which the emulator never answers (it serves only its own https URI).
//
// Answers no workspace gives on demand (bodies that are not a job or break off,
// Retry-After and transport errors at exact instants) are scripted in memory
// on a fake clock instead: scriptedService (job_wait_test.go) and scripted
// (resend_test.go). TestNoTokenOverHTTP's plain-http host only counts what
// reaches it.

import (
	"context"
	"encoding/json"
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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// benchService is an ARM host and an inference host, both TLS: GET of the
// endpoint heart-classifier and its deployment classifier-xgboost, and POST
// {scoringUri}, which answers 201 with a fixed job. It records every POST, as
// the server BENCHMARKS.md was measured with did.
type benchService struct {
	arm, inf *httptest.Server

	mu      sync.Mutex
	infReqs []recorded
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// startBenchService starts the service; call close.
func startBenchService() *benchService {
	f := &benchService{}
	f.inf = httptest.NewTLSServer(http.HandlerFunc(f.serveInference))
	f.arm = httptest.NewTLSServer(http.HandlerFunc(f.serveARM))
	return f
}

func (f *benchService) close() { f.arm.Close(); f.inf.Close() }

func (f *benchService) scoringURI() string { return f.inf.URL + "/jobs" }

func (f *benchService) options() *batchendpoint.ClientOptions {
	return handOptions(f.arm)
}

// handOptions points a client's Resource Manager at arm, a hand-written server
// (httptest servers share one certificate, so arm's client reaches them all).
func handOptions(arm *httptest.Server) *batchendpoint.ClientOptions {
	return &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: arm.Client(),
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Endpoint: arm.URL, Audience: "https://management.azure.com"},
			batchendpoint.ServiceName: {Audience: "https://ml.azure.com"},
		}},
		Retry: policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
	}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

const benchJob = "batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21"

var benchWSPath = "/subscriptions/" + testSub + "/resourceGroups/" + testRG + "/providers/Microsoft.MachineLearningServices/workspaces/" + testWSN

func (f *benchService) serveARM(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, benchWSPath) {
	case "/batchEndpoints/heart-classifier":
		writeJSON(w, 200, map[string]any{"name": "heart-classifier", "properties": map[string]any{
			"scoringUri": f.scoringURI(), "defaults": map[string]any{"deploymentName": "classifier-xgboost"}, "provisioningState": "Succeeded"}})
	case "/batchEndpoints/heart-classifier/deployments/classifier-xgboost":
		writeJSON(w, 200, map[string]any{"name": "classifier-xgboost", "properties": map[string]any{"model": map[string]any{"referenceType": "Id", "assetId": "x"}}})
	default:
		writeJSON(w, 404, map[string]any{"error": map[string]any{"code": "ResourceNotFound", "message": "no route"}})
	}
}

func (f *benchService) serveInference(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b}
	f.mu.Lock()
	f.infReqs = append(f.infReqs, rec)
	f.mu.Unlock()
	writeJSON(w, 201, map[string]any{"id": benchWSPath + "/batchEndpoints/heart-classifier/deployments/classifier-xgboost/jobs/" + benchJob,
		"name": benchJob, "properties": map[string]any{"status": "Preparing", "name": "lemon_yacht_26h5qxzs",
			"interactionEndpoints": map[string]any{"Studio": map[string]any{"endpoint": "https://ml.azure.com/runs/" + benchJob}},
			"tags":                 map[string]any{"azureml.deploymentname": "classifier-xgboost"}}})
}

// TestNoTokenToHTTPScoringURI: a scoring URI over plain http from the service
// gets no data-plane token and no request.
func TestNoTokenToHTTPScoringURI(t *testing.T) {
	var mu sync.Mutex
	var total int
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		total++
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer plain.Close()
	arm := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"name": "heart-classifier", "properties": map[string]any{
			"scoringUri": plain.URL + "/jobs", "defaults": map[string]any{"deploymentName": "d"}}})
	}))
	defer arm.Close()
	// Both ways the endpoint reaches Invoke's cache: Invoke's own lookup, and
	// GetEndpoint before it.
	for _, getFirst := range []bool{false, true} {
		cred := &recordingCredential{TokenCredential: scopeCred{}}
		c, err := batchendpoint.NewClient(testWorkspace, cred, handOptions(arm))
		require.NoError(t, err)
		if getFirst {
			_, err := c.GetEndpoint(context.Background(), "heart-classifier", nil)
			require.NoError(t, err)
		}
		_, err = c.Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
		require.Error(t, err, "GetEndpoint first: %v", getFirst)
		assert.Contains(t, err.Error(), "not https")
		assert.Contains(t, err.Error(), "not sending the data-plane token")
		assert.NotContains(t, cred.scopesAsked(), mlScope, "no data-plane token was even asked for")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, total, "nothing reached the plain-http host")
}
