package batchendpoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const heartURL = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestInvokeRequestsAndCache(t *testing.T) {
	f := newFakeService(t)
	c := f.client()
	ctx := context.Background()
	req := batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}

	job, err := c.Invoke(ctx, "heart-classifier", req, nil)
	require.NoError(t, err)
	arm, inf := f.counts()
	assert.Equal(t, 2, arm, "first invoke: GET endpoint + GET deployment")
	assert.Equal(t, 1, inf, "first invoke: one POST")
	assert.Equal(t, "batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21", job.Name())
	assert.Equal(t, batchendpoint.JobStatusPreparing, job.Status())
	assert.Equal(t, "https://ml.azure.com/runs/"+job.Name(), job.StudioURL())

	f.mu.Lock()
	a0, a1, post := f.armReqs[0], f.armReqs[1], f.infReqs[0]
	f.mu.Unlock()
	assert.Equal(t, "GET", a0.Method)
	assert.Equal(t, wsPath+"/batchEndpoints/heart-classifier", a0.Path)
	assert.Equal(t, "api-version=2025-12-01", a0.Query)
	assert.Equal(t, armToken, a0.Header.Get("Authorization"))
	assert.Equal(t, wsPath+"/batchEndpoints/heart-classifier/deployments/classifier-xgboost", a1.Path)
	assert.Equal(t, "POST", post.Method)
	assert.Equal(t, "/jobs", post.Path)
	assert.Empty(t, post.Query, "no api-version on the data-plane POST")
	assert.Equal(t, mlToken, post.Header.Get("Authorization"))
	assert.Equal(t, "application/json", post.Header.Get("Content-Type"))
	assert.Equal(t, "classifier-xgboost", post.Header.Get("azureml-model-deployment"))
	assert.Regexp(t, uuidRE, post.Header.Get("repeatability_request-id"))
	assert.Contains(t, post.Header.Get("User-Agent"), "azsdk-go-batchendpoint/v0.1.0")
	assert.JSONEq(t, `{"properties":{"inputData":{"UriFolder":{"uri":"`+heartURL+`","jobInputType":"UriFolder"}}}}`, string(post.Body))

	for i := 0; i < 3; i++ {
		_, err = c.Invoke(ctx, "heart-classifier", req, nil)
		require.NoError(t, err)
	}
	arm, inf = f.counts()
	assert.Equal(t, 2, arm, "later invokes use the cache")
	assert.Equal(t, 4, inf, "later invokes: exactly one request each")
	f.mu.Lock()
	ids := map[string]bool{}
	for _, r := range f.infReqs {
		ids[r.Header.Get("repeatability_request-id")] = true
	}
	f.mu.Unlock()
	assert.Len(t, ids, 4, "one repeatability id per invoke")
}

func TestInvokeDefaultDeploymentOmitsHeader(t *testing.T) {
	f := newFakeService(t)
	_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.infReqs[0].Header.Get("azureml-model-deployment"))
	assert.Equal(t, wsPath+"/batchEndpoints/heart-classifier/deployments/classifier-xgboost", f.armReqs[1].Path, "the default deployment's kind is looked up")
}

func TestInvokeValidationBeforeAnyRequest(t *testing.T) {
	f := newFakeService(t)
	c := f.client()
	cases := []struct {
		name string
		ep   string
		req  batchendpoint.InvokeRequest
		want []string
		arm  int // ARM requests allowed (lookups) before the error
	}{
		{"bad endpoint name", "x", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, []string{"endpoint", "3-32"}, 0},
		{"hyphen name", "heart-classifier", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart-data": inputs.StorageURL(heartURL)}}, []string{"inputs.heart-data", "use heart_data"}, 0},
		{"literal on model deployment", "heart-classifier", batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Inputs: map[string]inputs.Input{
			"heart_data": inputs.StorageURL(heartURL), "score_mode": inputs.String("append")}}, []string{"inputs.score_mode", "LiteralJobInput", "pipeline component"}, 2},
		{"experiment on model deployment", "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL), ExperimentName: "e"}, []string{"ExperimentName", "pipeline component"}, 2},
		{"mltable latest on a model deployment", "heart-classifier", batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.DataAsset("table-data", "latest")}, []string{"Input", "MLTable"}, 3},
		{"mltable single input", "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.DataAsset("table-data", "1").Table()}, []string{"Input", "MLTable data isn't supported by batch endpoints"}, 0},
		{"mltable asset on a model deployment", "heart-classifier", batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Inputs: map[string]inputs.Input{"t": inputs.DataAsset("table-data", "1").Table()}}, []string{"inputs.t", "MLTable data isn't supported by batch endpoints"}, 2},
		{"output to non-blob datastore", "heart-classifier", batchendpoint.InvokeRequest{Deployment: "pipeline-dep", Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(heartURL)},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("adls", "out/x.csv").File()}}, []string{"outputs.score", "Blob"}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.mu.Lock()
			f.armReqs, f.infReqs = nil, nil
			f.mu.Unlock()
			c2 := f.client() // fresh cache so lookups are counted
			if tc.arm == 0 {
				c2 = c
			}
			_, err := c2.Invoke(context.Background(), tc.ep, tc.req, nil)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			var ve *batchendpoint.ValidationError
			assert.True(t, errors.As(err, &ve), "%T", err)
			arm, inf := f.counts()
			assert.Equal(t, 0, inf, "no POST")
			assert.LessOrEqual(t, arm, tc.arm)
		})
	}
}

func TestInvokeDeploymentNotFound(t *testing.T) {
	f := newFakeService(t)
	_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Deployment: "nope", Input: inputs.StorageURL(heartURL)}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `deployment "nope" not found in batch endpoint "heart-classifier"`)
	var nf *batchendpoint.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, batchendpoint.ResourceDeployment, nf.ResourceType)
	var re *azcore.ResponseError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, 404, re.StatusCode)
	assert.Equal(t, "ResourceNotFound", re.ErrorCode)
}

func TestInvokePOSTNotResentWhenAmbiguous(t *testing.T) {
	cases := []struct {
		name   string
		status int // 0 = reset the connection after reading the body
	}{{"500", 500}, {"502", 502}, {"504", 504}, {"503 without Retry-After", 503}, {"reset after body", 0}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			f.onPOST = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if tc.status == 0 {
					conn, _, err := w.(http.Hijacker).Hijack()
					require.NoError(t, err)
					if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
						if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
							_ = tcp.SetLinger(0)
						}
					}
					_ = conn.Close()
					return true
				}
				armError(w, tc.status, "ServiceError", "Received 500 from a service request")
				return true
			}
			_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}, nil)
			require.Error(t, err)
			var amb *batchendpoint.AmbiguousInvokeError
			require.True(t, errors.As(err, &amb), "%T %v", err, err)
			assert.Regexp(t, uuidRE, amb.RepeatabilityID)
			assert.Contains(t, err.Error(), "may have created a job")
			assert.Contains(t, err.Error(), amb.RepeatabilityID)
			if tc.status != 0 {
				var re *azcore.ResponseError
				require.True(t, errors.As(err, &re))
				assert.Equal(t, tc.status, re.StatusCode)
			}
			_, inf := f.counts()
			assert.Equal(t, 1, inf, "the POST is never resent")
		})
	}
}

func TestInvokePOSTResentOnRetryAfter(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFakeService(t)
			f.onPOST = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n == 0 {
					w.Header().Set("Retry-After", "1")
					armError(w, status, "TooManyRequests", "slow down")
					return true
				}
				return false
			}
			start := time.Now()
			job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}, nil)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After honoured")
			f.mu.Lock()
			defer f.mu.Unlock()
			require.Len(t, f.infReqs, 2)
			id := f.infReqs[0].Header.Get("repeatability_request-id")
			assert.Equal(t, id, f.infReqs[1].Header.Get("repeatability_request-id"), "same repeatability id on resend")
			assert.Equal(t, id, job.RepeatabilityID())
		})
	}
}

func TestInvokeResendsWhenConnectionRefused(t *testing.T) {
	f := newFakeService(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	c := f.client()
	_, err = c.Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)},
		&batchendpoint.InvokeOptions{ScoringURI: "https://" + addr + "/jobs", MaxResends: 1})
	require.Error(t, err)
	var amb *batchendpoint.AmbiguousInvokeError
	assert.False(t, errors.As(err, &amb), "a refused connection sent nothing: not ambiguous")
	assert.Contains(t, err.Error(), "refused")
}

func TestWaitProgression(t *testing.T) {
	f := newFakeService(t)
	c := f.client()
	job, err := c.Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	var seen []batchendpoint.JobStatus
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
		OnStatus: func(d batchendpoint.JobDetails) { seen = append(seen, d.Status) }})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.Equal(t, []batchendpoint.JobStatus{"Preparing", "Queued", "Running", "Completed"}, seen)
	assert.Equal(t, "heart-classifier", d.ExperimentName)
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/azureml/x/score/predictions.csv", d.Outputs["score"].URI)
	f.mu.Lock()
	last := f.armReqs[len(f.armReqs)-1]
	f.mu.Unlock()
	assert.Equal(t, wsPath+"/jobs/"+job.Name(), last.Path)
	assert.Equal(t, armToken, last.Header.Get("Authorization"))
}

func TestWaitFailedCarriesCodeAndMessage(t *testing.T) {
	f := newFakeService(t)
	f.statuses = []string{"Running", "Failed"}
	f.failErr = map[string]string{"code": "UserError", "message": "mini-batch error threshold exceeded"}
	job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.Error(t, err)
	assert.Equal(t, batchendpoint.JobStatusFailed, d.Status)
	var jf *batchendpoint.JobFailedError
	require.True(t, errors.As(err, &jf))
	assert.Equal(t, "UserError", jf.Code)
	assert.Equal(t, "mini-batch error threshold exceeded", jf.Message)
	assert.Equal(t, &batchendpoint.JobError{Code: "UserError", Message: "mini-batch error threshold exceeded"}, d.Error, "the failure from the job's properties.error")
	assert.Equal(t, d.Error, jf.Job.Error)
	assert.NotContains(t, d.Properties, "azmlbatch.errorCode", "the failure is not mixed into the service's properties")
	var re *azcore.ResponseError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "UserError", re.ErrorCode)
	assert.Contains(t, err.Error(), "mini-batch error threshold exceeded")
}

func TestWaitSurvivesTransientErrors(t *testing.T) {
	f := newFakeService(t)
	var mu sync.Mutex
	fails := 0
	f.onJobGET = func(w http.ResponseWriter, r *http.Request, n int) bool {
		mu.Lock()
		defer mu.Unlock()
		// Eight polls in a row answered 503: Wait polls again (its own retry loop; the pipeline does not retry its polls).
		if n < 8 && fails < 8 {
			fails++
			armError(w, 503, "ServiceUnavailable", "try later")
			return true
		}
		return false
	}
	f.statuses = []string{"Completed"}
	job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.Equal(t, 8, fails, "eight polls failed with 503, one GET each")
}

func TestWaitStopsOnCancel(t *testing.T) {
	f := newFakeService(t)
	f.statuses = []string{"Running"}
	job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time)
	go func() {
		_, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Second})
		assert.ErrorIs(t, err, context.Canceled)
		done <- time.Now()
	}()
	time.Sleep(100 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	select {
	case at := <-done:
		assert.Less(t, at.Sub(cancelled), 100*time.Millisecond)
	case <-time.After(2 * time.Second):
		t.Fatal("Wait did not return after cancel")
	}
}

func TestResumeTokenInFreshClient(t *testing.T) {
	f := newFakeService(t)
	f.statuses = []string{"Running", "Running", "Completed"}
	job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	tok, err := job.ResumeToken()
	require.NoError(t, err)
	assert.NotContains(t, tok, "tok:")

	fresh := f.client()
	resumed, err := fresh.ResumeJob(tok, nil)
	require.NoError(t, err)
	assert.Equal(t, job.Name(), resumed.Name())
	d, err := resumed.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	_, err = resumed.ResumeToken()
	assert.Error(t, err, "no token for an ended job")

	other, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "s", ResourceGroup: "r", Name: "w-other"}, scopeCred{}, f.options())
	require.NoError(t, err)
	_, err = other.ResumeJob(tok, nil)
	assert.ErrorContains(t, err, "another workspace")
}

func TestCancelAndAttach(t *testing.T) {
	f := newFakeService(t)
	c := f.client()
	job, err := c.GetJob(context.Background(), "batchjob-1", nil)
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusPreparing, job.Status())
	require.NoError(t, job.Cancel(context.Background(), nil))
	f.mu.Lock()
	last := f.armReqs[len(f.armReqs)-1]
	f.mu.Unlock()
	assert.Equal(t, "POST", last.Method)
	assert.Equal(t, wsPath+"/jobs/batchjob-1/cancel", last.Path)
}

func TestDataPlanePolling(t *testing.T) {
	f := newFakeService(t)
	o := f.options()
	o.DataPlaneOnly = true
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, o)
	require.NoError(t, err)
	job, err := c.Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, &batchendpoint.InvokeOptions{ScoringURI: f.scoringURI()})
	require.NoError(t, err)
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	arm, _ := f.counts()
	assert.Zero(t, arm, "no ARM request at all")
	f.mu.Lock()
	last := f.infReqs[len(f.infReqs)-1]
	f.mu.Unlock()
	assert.Equal(t, "/jobs/"+job.Name(), last.Path)
	assert.Equal(t, mlToken, last.Header.Get("Authorization"))
	assert.Error(t, job.Cancel(context.Background(), nil))
}

func TestLatestDataAssetResolved(t *testing.T) {
	f := newFakeService(t)
	_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest")}, nil)
	require.NoError(t, err)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, "$orderBy=createdtime+desc&$top=1&api-version=2025-12-01", f.armReqs[2].Query)
	var body map[string]any
	require.NoError(t, json.Unmarshal(f.infReqs[0].Body, &body))
	in := body["properties"].(map[string]any)["inputData"].(map[string]any)["UriFolder"].(map[string]any)
	assert.Equal(t, wsPath+"/data/heart-data/versions/3", in["uri"])
}

// TestLogsHaveNoSecrets runs an invoke with a SAS URL input and azcore logging on.
func TestLogsHaveNoSecrets(t *testing.T) {
	t.Setenv("AZURE_SDK_GO_LOGGING", "all")
	var mu sync.Mutex
	var logs strings.Builder
	azlog.SetListener(func(_ azlog.Event, msg string) {
		mu.Lock()
		logs.WriteString(msg + "\n")
		mu.Unlock()
	})
	t.Cleanup(func() { azlog.SetListener(nil) })
	f := newFakeService(t)
	sas := "https://acct.blob.core.windows.net/data/heart?sv=2022-11-02&sp=rl&sig=S3CR3TSIGNATUREabc%2Bdef%3D"
	_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(sas)}, nil)
	require.NoError(t, err)
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	require.Contains(t, out, "/jobs", "logging captured the requests")
	assert.NotContains(t, out, "S3CR3TSIGNATURE")
	assert.NotContains(t, out, "tok:")
	f.mu.Lock()
	assert.Contains(t, string(f.infReqs[0].Body), "sig=S3CR3TSIGNATUREabc%2Bdef%3D", "the signature is sent to the service")
	f.mu.Unlock()
}

func TestGetEndpoint(t *testing.T) {
	f := newFakeService(t)
	c := f.client()
	ep, err := c.GetEndpoint(context.Background(), "heart-classifier", nil)
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.Endpoint{Name: "heart-classifier", ScoringURI: f.scoringURI(), DefaultDeployment: "classifier-xgboost"}, ep.Endpoint)
	_, err = c.Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	f.mu.Lock()
	n := 0
	for _, r := range f.armReqs {
		if strings.HasSuffix(r.Path, "/batchEndpoints/heart-classifier") {
			n++
		}
	}
	f.mu.Unlock()
	assert.Equal(t, 1, n, "Invoke reuses the endpoint GetEndpoint read")
	_, err = c.GetEndpoint(context.Background(), "missing-ep", nil)
	assert.True(t, errors.As(err, new(*azcore.ResponseError)))
}

// TestNoTokenOverHTTP: no bearer token goes to a plain-http host, a URL with
// user info or a scoring URI the caller got wrong; each is refused with a clear
// error before any request.
func TestNoTokenOverHTTP(t *testing.T) {
	var mu sync.Mutex
	var withAuth, total int
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		total++
		if r.Header.Get("Authorization") != "" {
			withAuth++
		}
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer plain.Close()
	f := newFakeService(t)
	req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}
	withARM := func(endpoint string) *batchendpoint.ClientOptions {
		o := f.options()
		o.Cloud.Services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: endpoint, Audience: "https://management.azure.com"}
		return o
	}
	t.Run("NewClient", func(t *testing.T) {
		for _, tc := range []struct{ name, endpoint, want string }{
			{"ARM over http", plain.URL, "not https"},
			{"ARM with user info", strings.Replace(f.arm.URL, "https://", "https://user:hunter2@", 1), "user info"},
			{"ARM without host", "https://", "no host"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, withARM(tc.endpoint))
				var ve *batchendpoint.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "ClientOptions.Cloud", ve.Field)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "hunter2")
			})
		}
	})
	t.Run("InvokeOptions.ScoringURI", func(t *testing.T) {
		for _, tc := range []struct{ name, uri, want string }{
			{"http", plain.URL + "/jobs", "not https"},
			{"user info", strings.Replace(f.scoringURI(), "https://", "https://user:hunter2@", 1), "user info"},
			{"not a URL", "jobs", "no host"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				armBefore, infBefore := f.counts()
				_, err := f.client().Invoke(context.Background(), "heart-classifier", req, &batchendpoint.InvokeOptions{ScoringURI: tc.uri})
				var ve *batchendpoint.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "InvokeOptions.ScoringURI", ve.Field)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "hunter2")
				arm, inf := f.counts()
				assert.Equal(t, [2]int{armBefore, infBefore}, [2]int{arm, inf}, "no request")
			})
		}
	})
	t.Run("scoring URI from the service over http", func(t *testing.T) {
		arm := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"name": "heart-classifier", "properties": map[string]any{
				"scoringUri": plain.URL + "/jobs", "defaults": map[string]any{"deploymentName": "d"}}})
		}))
		defer arm.Close()
		o := withARM(arm.URL)
		o.Transport = arm.Client()
		c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, o)
		require.NoError(t, err)
		_, err = c.Invoke(context.Background(), "heart-classifier", req, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not https")
		assert.Contains(t, err.Error(), "not sending the data-plane token")
	})
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, total, "nothing reached the plain-http host")
	assert.Zero(t, withAuth)
}

// TestPollUntilDone: the azcore poller behind a Job behaves like other Azure Go SDKs'.
func TestPollUntilDone(t *testing.T) {
	f := newFakeService(t)
	job, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	d, err := job.Poller().PollUntilDone(context.Background(), &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.True(t, job.Poller().Done())
	assert.Equal(t, batchendpoint.JobStatusCompleted, job.Status())

	f2 := newFakeService(t)
	f2.statuses = []string{"Running", "Canceled"}
	job, err = f2.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	_, err = job.Poller().PollUntilDone(context.Background(), &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	var jf *batchendpoint.JobFailedError
	require.ErrorAs(t, err, &jf)
	assert.Equal(t, "JobCanceled", jf.Code)
	assert.Nil(t, jf.Job.Error, "a canceled job reports no error; Code comes from the status")
}

// TestServiceErrorsRedactSAS: a 400 that echoes the input (as the service's
// validation errors do) comes back without the signature.
func TestServiceErrorsRedactSAS(t *testing.T) {
	f := newFakeService(t)
	f.onPOST = func(w http.ResponseWriter, r *http.Request, n int) bool {
		body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "UserError",
			"message": "Errors: [{\"PropertyName\":\"InputData.Values[0]\",\"AttemptedValue\":{\"Uri\":\"https://acct.blob.core.windows.net/c/d?sp=r&sig=T0PSECRET\"}}]"}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write(body)
		return true
	}
	_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.StorageURL("https://acct.blob.core.windows.net/c/d?sp=r&sig=T0PSECRET")}, nil)
	require.Error(t, err)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "UserError", re.ErrorCode)
	assert.Equal(t, 400, re.StatusCode)
	assert.NotContains(t, err.Error(), "T0PSECRET")
	assert.Contains(t, err.Error(), "sig=REDACTED")
}

// TestInvokeMLTableOnPipelineDeployment: pipeline component deployments take
// MLTable inputs, a registered mltable asset as well as DataAssetInput.Table;
// they go out as jobInputType MLTable with the asset's id.
func TestInvokeMLTableOnPipelineDeployment(t *testing.T) {
	tests := []struct {
		name string
		in   inputs.Input
		want string // the input's JSON
	}{
		{name: "registered mltable asset, latest", in: inputs.DataAsset("table-data", "latest"),
			want: `{"uri":"` + wsPath + `/data/table-data/versions/1","jobInputType":"MLTable"}`},
		{name: "Table by version", in: inputs.DataAsset("tbl", "2").Table(),
			want: `{"uri":"` + wsPath + `/data/tbl/versions/2","jobInputType":"MLTable"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t)
			_, err := f.client().Invoke(context.Background(), "heart-classifier", batchendpoint.InvokeRequest{Deployment: "pipeline-dep", Inputs: map[string]inputs.Input{"t": tc.in}}, nil)
			require.NoError(t, err)
			f.mu.Lock()
			require.Len(t, f.infReqs, 1)
			body := f.infReqs[0].Body
			f.mu.Unlock()
			var sent struct {
				Properties struct {
					InputData map[string]json.RawMessage `json:"inputData"`
				} `json:"properties"`
			}
			require.NoError(t, json.Unmarshal(body, &sent))
			assert.JSONEq(t, tc.want, string(sent.Properties.InputData["t"]))
		})
	}
}
