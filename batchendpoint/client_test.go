package batchendpoint_test

// The client against the fake workspace (the emulator in-process, without
// storage): the requests an invoke makes and caches, validation before any
// request, POST resend rules, waiting, resuming, cancelling, data-plane-only
// clients, lookups and redaction. What the emulator cannot answer is in
// server_test.go.

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
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
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const heartURL = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Scopes the client asks its credential for.
const (
	armScope = "https://management.azure.com/.default"
	mlScope  = "https://ml.azure.com/.default"
)

// clientEnv is the workspace of the client tests, in-process and without
// storage: heart-classifier with the model deployment classifier-xgboost (its
// default) and the pipeline deployment pipeline-dep, whose literal-only jobs
// (literalReq) run to Completed; datastore adls (Data Lake Gen2, not Blob); data
// assets heart-data (versions 1-3, 3 the newest) and table-data (MLTable).
// Jobs with a storage URL input are created and then fail: the fake reads no
// host but its Azurite.
func clientEnv(t *testing.T) *fake.Workspace {
	t.Helper()
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true, NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost"})
	w.AddPipelineDeployment(e2eModelEP, fake.PipelineDeployment{Name: "pipeline-dep"})
	w.AddDatastore(fake.Datastore{Name: "adls", Type: fake.DatastoreAzureDataLakeGen2})
	created := time.Now().Add(-time.Hour)
	for v := 1; v <= 3; v++ {
		w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: strconv.Itoa(v), CreatedAt: created.Add(time.Duration(v) * time.Minute),
			Path: "azureml://datastores/workspaceblobstore/paths/heart"})
	}
	w.AddDataAsset(fake.DataAsset{Name: "table-data", Version: "1", Type: inputs.KindMLTable, Path: "azureml://datastores/workspaceblobstore/paths/table"})
	return w
}

// literalReq runs pipeline-dep on a literal: a job that completes without storage.
var literalReq = batchendpoint.InvokeRequest{Deployment: "pipeline-dep", Inputs: map[string]inputs.Input{"score_mode": inputs.String("append")}}

// wsPathOf is the ARM path of w's workspace.
func wsPathOf(w *fake.Workspace) string {
	id := w.Workspace()
	return "/subscriptions/" + id.SubscriptionID + "/resourceGroups/" + id.ResourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + id.Name
}

func urlOf(t *testing.T, r fake.Request) *url.URL {
	t.Helper()
	u, err := url.Parse(r.URL)
	require.NoError(t, err)
	return u
}

// armCount is the number of ARM requests w received: all but the data plane's.
func armCount(w *fake.Workspace) int {
	return w.RequestCount() - w.RequestCount(fake.RouteInvoke, fake.RouteGetBatchJob, fake.RouteListBatchJobs)
}

func TestInvokeRequestsAndCache(t *testing.T) {
	w := clientEnv(t)
	cred := &recordingCredential{TokenCredential: w.Credential()}
	c, err := batchendpoint.NewClient(w.Workspace(), cred, w.ClientOptions())
	require.NoError(t, err)
	ctx := context.Background()
	req := batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}

	job, err := c.Invoke(ctx, e2eModelEP, req, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, armCount(w), "first invoke: GET endpoint + GET deployment")
	assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke), "first invoke: one POST")
	jobs := w.Jobs()
	require.Len(t, jobs, 1)
	assert.Equal(t, jobs[0].Name, job.Name())
	assert.Regexp(t, `^batchjob-[0-9a-f-]{36}$`, job.Name())
	assert.Equal(t, batchendpoint.JobStatusPreparing, job.Status())
	id := w.Workspace()
	assert.Equal(t, "https://ml.azure.com/runs/"+job.Name()+"?wsid=/subscriptions/"+id.SubscriptionID+"/resourcegroups/"+id.ResourceGroup+"/workspaces/"+id.Name, job.StudioURL())

	reqs := w.Requests()
	require.Len(t, reqs, 3)
	a0, a1, post := reqs[0], reqs[1], reqs[2]
	assert.Equal(t, fake.RouteGetBatchEndpoint, a0.Route)
	assert.Equal(t, "GET", a0.Method)
	assert.Equal(t, wsPathOf(w)+"/batchEndpoints/heart-classifier", urlOf(t, a0).Path)
	assert.Equal(t, "api-version=2025-12-01", urlOf(t, a0).RawQuery)
	assert.Equal(t, "https://management.azure.com", a0.Audience)
	assert.Equal(t, wsPathOf(w)+"/batchEndpoints/heart-classifier/deployments/classifier-xgboost", urlOf(t, a1).Path)
	assert.Equal(t, "https://management.azure.com", a1.Audience)
	assert.Equal(t, fake.RouteInvoke, post.Route)
	assert.Equal(t, "POST", post.Method)
	assert.Equal(t, w.ScoringURI(e2eModelEP), post.URL, "no api-version on the data-plane POST")
	assert.Equal(t, "https://ml.azure.com", post.Audience)
	assert.Equal(t, "application/json", post.Header.Get("Content-Type"))
	assert.Equal(t, "classifier-xgboost", post.Header.Get("azureml-model-deployment"))
	assert.Regexp(t, uuidRE, post.Header.Get("repeatability_request-id"))
	assert.Contains(t, post.Header.Get("User-Agent"), "azsdk-go-batchendpoint/v0.1.0")
	rid := post.Header.Get("repeatability_request-id")
	// Every invoke records its repeatability id in a tag (FindJob lists by it).
	assert.JSONEq(t, `{"properties":{"inputData":{"UriFolder":{"uri":"`+heartURL+`","jobInputType":"UriFolder"}},"tags":{"azmlbatch.rid.`+rid+`":"`+rid+`"}}}`, string(post.Body))

	for i := 0; i < 3; i++ {
		_, err = c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, 2, armCount(w), "later invokes use the cache")
	assert.Equal(t, 4, w.RequestCount(fake.RouteInvoke), "later invokes: exactly one request each")
	ids := map[string]bool{}
	for _, inv := range w.Invocations() {
		ids[inv.RepeatabilityID] = true
	}
	assert.Len(t, ids, 4, "one repeatability id per invoke")
	assert.Equal(t, []string{armScope, mlScope}, cred.scopesAsked(), "one token per audience, each for its own scope")
}

func TestInvokeDefaultDeploymentOmitsHeader(t *testing.T) {
	w := clientEnv(t)
	_, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	invs := w.Invocations()
	require.Len(t, invs, 1)
	assert.Empty(t, invs[0].Deployment)
	_, sent := http.Header(w.Requests(fake.RouteInvoke)[0].Header)["Azureml-Model-Deployment"]
	assert.False(t, sent, "no azureml-model-deployment header")
	deps := w.Requests(fake.RouteGetDeployment)
	require.Len(t, deps, 1)
	assert.Equal(t, wsPathOf(w)+"/batchEndpoints/heart-classifier/deployments/classifier-xgboost", urlOf(t, deps[0]).Path, "the default deployment's kind is looked up")
	assert.Equal(t, "classifier-xgboost", w.Jobs()[0].Deployment, "the service ran the default")
}

func TestInvokeValidationBeforeAnyRequest(t *testing.T) {
	w := clientEnv(t)
	c := w.Client()
	cases := []struct {
		name string
		ep   string
		req  batchendpoint.InvokeRequest
		want []string
		arm  int // ARM requests allowed (lookups) before the error
	}{
		{"bad endpoint name", "x", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, []string{"endpoint", "3-32"}, 0},
		{"hyphen name", e2eModelEP, batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart-data": inputs.StorageURL(heartURL)}}, []string{"inputs.heart-data", "use heart_data"}, 0},
		{"literal on model deployment", e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Inputs: map[string]inputs.Input{
			"heart_data": inputs.StorageURL(heartURL), "score_mode": inputs.String("append")}}, []string{"inputs.score_mode", "LiteralJobInput", "pipeline component"}, 2},
		{"experiment on model deployment", e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL), ExperimentName: "e"}, []string{"ExperimentName", "pipeline component"}, 2},
		{"mltable latest on a model deployment", e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.DataAsset("table-data", "latest")}, []string{"Input", "MLTable"}, 3},
		{"mltable single input", e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.DataAsset("table-data", "1").Table()}, []string{"Input", "MLTable data isn't supported by batch endpoints"}, 0},
		{"mltable asset on a model deployment", e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Inputs: map[string]inputs.Input{"t": inputs.DataAsset("table-data", "1").Table()}}, []string{"inputs.t", "MLTable data isn't supported by batch endpoints"}, 2},
		{"output to non-blob datastore", e2eModelEP, batchendpoint.InvokeRequest{Deployment: "pipeline-dep", Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(heartURL)},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("adls", "out/x.csv").File()}}, []string{"outputs.score", "Blob"}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			c2 := newClient(t, w) // fresh cache so lookups are counted
			if tc.arm == 0 {
				c2 = c
			}
			_, err := c2.Invoke(context.Background(), tc.ep, tc.req, nil)
			require.Error(t, err)
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
			var ve *batchendpoint.ValidationError
			assert.True(t, errors.As(err, &ve), "%T", err)
			assert.Equal(t, 0, w.RequestCount(fake.RouteInvoke), "no POST")
			assert.LessOrEqual(t, armCount(w), tc.arm)
		})
	}
	assert.Empty(t, w.Jobs())
}

func TestInvokeDeploymentNotFound(t *testing.T) {
	w := clientEnv(t)
	_, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Deployment: "nope", Input: inputs.StorageURL(heartURL)}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `deployment "nope" not found in batch endpoint "heart-classifier"`)
	var nf *batchendpoint.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, batchendpoint.ResourceDeployment, nf.ResourceType)
	var re *azcore.ResponseError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, 404, re.StatusCode)
	assert.Equal(t, "UserError", re.ErrorCode, "the service's code, as answered")
	assert.Zero(t, w.RequestCount(fake.RouteInvoke))
}

func TestInvokePOSTNotResentWhenAmbiguous(t *testing.T) {
	cases := []struct {
		name   string
		status int // 0 = reset the connection after the request arrived
	}{{"500", 500}, {"502", 502}, {"504", 504}, {"503 without Retry-After", 503}, {"reset after body", 0}}
	// Over TLS, so that the reset is a real connection's.
	w := fake.NewWorkspace(t, &fake.Options{NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			if tc.status == 0 {
				w.ResetConnections(fake.RouteInvoke, 1, false)
			} else {
				w.FailRequests(fake.RouteInvoke, 1, tc.status, "")
			}
			_, err := newClient(t, w).Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}, nil)
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
			invs := w.Invocations()
			require.Len(t, invs, 1, "the POST is never resent")
			assert.Equal(t, amb.RepeatabilityID, invs[0].RepeatabilityID)
		})
	}
	assert.Empty(t, w.Jobs(), "every fault answered before a job was created")
}

// TestInvokePOSTResentOnRetryAfter: a 429 or 503 with Retry-After is resent
// with the same repeatability id. That the wait is the Retry-After is checked
// on a fake clock in TestInvokeResendEdge; here it is 0.
func TestInvokePOSTResentOnRetryAfter(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			w := clientEnv(t)
			f := w.FailRequests(fake.RouteInvoke, 1, status, "0")
			job, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, f.Hits())
			invs := w.Invocations()
			require.Len(t, invs, 2)
			assert.Equal(t, []int{status, 201}, []int{invs[0].Status, invs[1].Status})
			id := invs[0].RepeatabilityID
			assert.Equal(t, id, invs[1].RepeatabilityID, "same repeatability id on resend")
			assert.Equal(t, id, job.RepeatabilityID())
			assert.Len(t, w.Jobs(), 1)
		})
	}
}

func TestInvokeResendsWhenConnectionRefused(t *testing.T) {
	w := clientEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	counter := &hostCounter{count: map[string]int{}}
	o := w.ClientOptions()
	o.PerRetryPolicies = append(o.PerRetryPolicies, counter)
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
	require.NoError(t, err)
	_, err = c.Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)},
		&batchendpoint.InvokeOptions{ScoringURI: "https://" + addr + "/jobs", MaxResends: 1})
	require.Error(t, err)
	var amb *batchendpoint.AmbiguousInvokeError
	assert.False(t, errors.As(err, &amb), "a refused connection sent nothing: not ambiguous")
	assert.Contains(t, err.Error(), "refused")
	assert.Equal(t, 2, counter.get(http.MethodPost, addr), "the POST and one resend (MaxResends 1)")
	assert.Zero(t, w.RequestCount(fake.RouteInvoke))
	assert.Empty(t, w.Jobs())
}

func TestWaitFailedCarriesCodeAndMessage(t *testing.T) {
	w := clientEnv(t)
	w.FailNextJob("UserError", "mini-batch error threshold exceeded")
	job, err := w.Client().Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.Error(t, err)
	assert.Equal(t, batchendpoint.JobStatusFailed, d.Status)
	var jf *batchendpoint.JobFailedError
	require.True(t, errors.As(err, &jf))
	assert.Equal(t, "UserError", jf.Code)
	assert.Equal(t, "mini-batch error threshold exceeded", jf.Message)
	assert.Equal(t, &batchendpoint.JobError{Code: "UserError", Message: "mini-batch error threshold exceeded"}, d.Error, "the failure the service reports")
	assert.Equal(t, d.Error, jf.Job.Error)
	assert.NotContains(t, d.Properties, "azmlbatch.errorCode", "the failure is not mixed into the service's properties")
	var re *azcore.ResponseError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "UserError", re.ErrorCode)
	assert.Contains(t, err.Error(), "mini-batch error threshold exceeded")
}

func TestWaitSurvivesTransientErrors(t *testing.T) {
	w := clientEnv(t)
	job, err := w.Client().Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	// Eight polls in a row answered 503: Wait polls again (its own retry loop; the pipeline does not retry its polls).
	f := w.FailRequests(fake.RouteGetJob, 8, http.StatusServiceUnavailable, "")
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.Equal(t, 8, f.Hits(), "eight polls failed with 503")
	gets := w.Requests(fake.RouteGetJob)
	require.Greater(t, len(gets), 8)
	for i, r := range gets {
		want := http.StatusOK
		if i < 8 {
			want = http.StatusServiceUnavailable
		}
		assert.Equal(t, want, r.Status, "GET %d: one GET per poll", i)
	}
}

func TestResumeTokenInFreshClient(t *testing.T) {
	w := clientEnv(t)
	hold := w.HoldJobs(batchendpoint.JobStatusRunning)
	defer hold.Release()
	cred := &recordingCredential{TokenCredential: w.Credential()}
	c, err := batchendpoint.NewClient(w.Workspace(), cred, w.ClientOptions())
	require.NoError(t, err)
	job, err := c.Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	tok, err := job.ResumeToken()
	require.NoError(t, err)
	require.NotEmpty(t, cred.issued())
	for _, bearer := range cred.issued() {
		assert.NotContains(t, tok, bearer, "no bearer token in a resume token")
	}

	fresh := newClient(t, w)
	resumed, err := fresh.ResumeJob(tok, nil)
	require.NoError(t, err)
	assert.Equal(t, job.Name(), resumed.Name())
	hold.Release()
	d, err := resumed.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	_, err = resumed.ResumeToken()
	assert.Error(t, err, "no token for an ended job")

	other, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: "s", ResourceGroup: "r", Name: "w-other"}, w.Credential(), w.ClientOptions())
	require.NoError(t, err)
	_, err = other.ResumeJob(tok, nil)
	assert.ErrorContains(t, err, "another workspace")
}

func TestCancelAndAttach(t *testing.T) {
	w := clientEnv(t)
	hold := w.HoldJobs(batchendpoint.JobStatusPreparing)
	defer hold.Release()
	created, err := w.Client().Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	c := newClient(t, w)
	w.ClearRequests()
	job, err := c.GetJob(context.Background(), created.Name(), nil)
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusPreparing, job.Status())
	require.NoError(t, job.Cancel(context.Background(), nil))
	cancels := w.Requests(fake.RouteCancelJob)
	require.Len(t, cancels, 1)
	assert.Equal(t, "POST", cancels[0].Method)
	assert.Equal(t, wsPathOf(w)+"/jobs/"+created.Name()+"/cancel", urlOf(t, cancels[0]).Path)
	info, _ := w.Job(created.Name())
	assert.Contains(t, info.History, batchendpoint.JobStatusCancelRequested, "the service got the cancel")
}

func TestDataPlanePolling(t *testing.T) {
	w := clientEnv(t)
	o := w.ClientOptions()
	o.DataPlaneOnly = true
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
	require.NoError(t, err)
	job, err := c.Invoke(context.Background(), e2eModelEP, literalReq, &batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)})
	require.NoError(t, err)
	d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.Zero(t, armCount(w), "no ARM request at all")
	reqs := w.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, fake.RouteGetBatchJob, last.Route)
	assert.Equal(t, w.ScoringURI(e2eModelEP)+"/"+job.Name(), last.URL)
	assert.Equal(t, "https://ml.azure.com", last.Audience)
	assert.Error(t, job.Cancel(context.Background(), nil))
	assert.Zero(t, w.RequestCount(fake.RouteCancelJob))
}

func TestLatestDataAssetResolved(t *testing.T) {
	w := clientEnv(t)
	_, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest")}, nil)
	require.NoError(t, err)
	lists := w.Requests(fake.RouteListDataVersions)
	require.Len(t, lists, 1)
	assert.Equal(t, "$orderBy=createdtime+desc&$top=1&api-version=2025-12-01", urlOf(t, lists[0]).RawQuery)
	var body map[string]any
	invs := w.Invocations()
	require.Len(t, invs, 1)
	require.NoError(t, json.Unmarshal(invs[0].Body, &body))
	in := body["properties"].(map[string]any)["inputData"].(map[string]any)["UriFolder"].(map[string]any)
	assert.Equal(t, w.DataAssetID("heart-data", "3"), in["uri"])
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
	w := clientEnv(t)
	cred := &recordingCredential{TokenCredential: w.Credential()}
	c, err := batchendpoint.NewClient(w.Workspace(), cred, w.ClientOptions())
	require.NoError(t, err)
	sas := "https://acct.blob.core.windows.net/data/heart?sv=2022-11-02&sp=rl&sig=S3CR3TSIGNATUREabc%2Bdef%3D"
	_, err = c.Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(sas)}, nil)
	require.NoError(t, err)
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	require.Contains(t, out, "/jobs", "logging captured the requests")
	assert.NotContains(t, out, "S3CR3TSIGNATURE")
	require.NotEmpty(t, cred.issued())
	for _, bearer := range cred.issued() {
		assert.NotContains(t, out, bearer)
	}
	invs := w.Invocations()
	require.Len(t, invs, 1)
	assert.Contains(t, string(invs[0].Body), "sig=S3CR3TSIGNATUREabc%2Bdef%3D", "the signature is sent to the service")
}

func TestGetEndpoint(t *testing.T) {
	w := clientEnv(t)
	c := w.Client()
	ep, err := c.GetEndpoint(context.Background(), e2eModelEP, nil)
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.Endpoint{Name: e2eModelEP, ScoringURI: w.ScoringURI(e2eModelEP), DefaultDeployment: "classifier-xgboost"},
		batchendpoint.Endpoint{Name: ep.Name, ScoringURI: ep.ScoringURI, DefaultDeployment: ep.DefaultDeployment})
	assert.Equal(t, w.Workspace().ID()+"/batchEndpoints/"+e2eModelEP, ep.ID)
	assert.Equal(t, "Succeeded", ep.ProvisioningState)
	_, err = c.Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, w.RequestCount(fake.RouteGetBatchEndpoint), "Invoke reuses the endpoint GetEndpoint read")
	_, err = c.GetEndpoint(context.Background(), "missing-ep", nil)
	assert.True(t, errors.As(err, new(*azcore.ResponseError)))
}

// TestNoTokenOverHTTP: no bearer token goes to a plain-http host, a URL with
// user info or a scoring URI the caller got wrong; each is refused with a clear
// error before any request. A scoring URI over http from the service is
// TestNoTokenToHTTPScoringURI (server_test.go): the emulator never answers one.
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
	w := clientEnv(t)
	req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)}
	t.Run("NewClient", func(t *testing.T) {
		for _, tc := range []struct{ name, endpoint, want string }{
			{"ARM over http", plain.URL, "not https"},
			{"ARM with user info", strings.Replace(w.ARMEndpoint(), "https://", "https://user:hunter2@", 1), "user info"},
			{"ARM without host", "https://", "no host"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), withARM(w.ClientOptions(), tc.endpoint))
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
			{"user info", strings.Replace(w.ScoringURI(e2eModelEP), "https://", "https://user:hunter2@", 1), "user info"},
			{"not a URL", "jobs", "no host"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := w.RequestCount()
				_, err := newClient(t, w).Invoke(context.Background(), e2eModelEP, req, &batchendpoint.InvokeOptions{ScoringURI: tc.uri})
				var ve *batchendpoint.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "InvokeOptions.ScoringURI", ve.Field)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "hunter2")
				assert.Equal(t, before, w.RequestCount(), "no request")
			})
		}
	})
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, total, "nothing reached the plain-http host")
	assert.Zero(t, withAuth)
}

// TestPollUntilDone: the azcore poller behind a Job behaves like other Azure Go SDKs'.
func TestPollUntilDone(t *testing.T) {
	w := clientEnv(t)
	job, err := w.Client().Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	d, err := job.Poller().PollUntilDone(context.Background(), &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.True(t, job.Poller().Done())
	assert.Equal(t, batchendpoint.JobStatusCompleted, job.Status())

	hold := w.HoldJobs(batchendpoint.JobStatusRunning)
	defer hold.Release()
	job, err = w.Client().Invoke(context.Background(), e2eModelEP, literalReq, nil)
	require.NoError(t, err)
	_, err = w.WaitJobStatus(context.Background(), job.Name(), batchendpoint.JobStatusRunning)
	require.NoError(t, err)
	require.NoError(t, w.CancelJob(job.Name()))
	_, err = job.Poller().PollUntilDone(context.Background(), &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	var jf *batchendpoint.JobFailedError
	require.ErrorAs(t, err, &jf)
	assert.Equal(t, "JobCanceled", jf.Code)
	assert.Nil(t, jf.Job.Error, "a canceled job reports no error; Code comes from the status")
}

// TestServiceErrorsRedactSAS: a 400 that echoes the input (as the service's
// validation errors do) comes back without the signature.
func TestServiceErrorsRedactSAS(t *testing.T) {
	w := clientEnv(t)
	w.InjectFault(fake.Fault{Route: fake.RouteInvoke, Action: fake.FaultRespond, Status: 400, Code: "UserError",
		Message: "Errors: [{\"PropertyName\":\"InputData.Values[0]\",\"AttemptedValue\":{\"Uri\":\"https://acct.blob.core.windows.net/c/d?sp=r&sig=T0PSECRET\"}}]"})
	_, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{
		Input: inputs.StorageURL("https://acct.blob.core.windows.net/c/d?sp=r&sig=T0PSECRET")}, nil)
	require.Error(t, err)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "UserError", re.ErrorCode)
	assert.Equal(t, 400, re.StatusCode)
	assert.NotContains(t, err.Error(), "T0PSECRET")
	assert.Contains(t, err.Error(), "sig=REDACTED")
	assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke))
}

// withARM returns o with Resource Manager at endpoint.
func withARM(o *batchendpoint.ClientOptions, endpoint string) *batchendpoint.ClientOptions {
	services := maps.Clone(o.Cloud.Services)
	services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: endpoint, Audience: services[cloud.ResourceManager].Audience}
	o.Cloud.Services = services
	return o
}

// TestInvokeMLTableOnPipelineDeployment: pipeline component deployments take
// MLTable inputs, a registered mltable asset as well as DataAssetInput.Table;
// they go out as jobInputType MLTable with the asset's id.
func TestInvokeMLTableOnPipelineDeployment(t *testing.T) {
	tests := []struct {
		name string
		in   inputs.Input
		want string // the input's JSON; WS stands for the workspace's ARM path
	}{
		{name: "registered mltable asset, latest", in: inputs.DataAsset("table-data", "latest"),
			want: `{"uri":"WS/data/table-data/versions/1","jobInputType":"MLTable"}`},
		{name: "Table by version", in: inputs.DataAsset("tbl", "2").Table(),
			want: `{"uri":"WS/data/tbl/versions/2","jobInputType":"MLTable"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := clientEnv(t)
			w.AddDataAsset(fake.DataAsset{Name: "tbl", Version: "2", Type: inputs.KindMLTable, Path: "azureml://datastores/workspaceblobstore/paths/tbl"})
			_, err := w.Client().Invoke(context.Background(), e2eModelEP, batchendpoint.InvokeRequest{Deployment: "pipeline-dep", Inputs: map[string]inputs.Input{"t": tc.in}}, nil)
			require.NoError(t, err)
			posts := w.Requests(fake.RouteInvoke)
			require.Len(t, posts, 1)
			body := posts[0].Body
			var sent struct {
				Properties struct {
					InputData map[string]json.RawMessage `json:"inputData"`
				} `json:"properties"`
			}
			require.NoError(t, json.Unmarshal(body, &sent))
			assert.JSONEq(t, strings.ReplaceAll(tc.want, "WS", wsPathOf(w)), string(sent.Properties.InputData["t"]))
		})
	}
}
