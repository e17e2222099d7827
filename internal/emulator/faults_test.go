package emulator_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// rawPost sends an invoke POST and returns the transport error, if any.
func (e *env) rawPost(endpoint string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, e.ws.ScoringURI(endpoint), strings.NewReader(`{"properties":{}}`))
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.token(emulator.AudienceML))
	req.Header.Set("Content-Type", "application/json")
	res, err := e.hc.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return res, err
}

func TestFaultRespond(t *testing.T) {
	e := newEnv(t, envOpts{})
	f := e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Times: 2, Status: 429, RetryAfter: "3"})
	for range 2 {
		r := e.invoke("pipe", body(map[string]any{}, nil), nil)
		require.Equal(t, 429, r.status)
		assert.Equal(t, "3", r.header.Get("Retry-After"))
		code, _ := r.errCode(t)
		assert.Equal(t, "TooManyRequests", code)
	}
	assert.Equal(t, 2, f.Hits())
	assert.Empty(t, e.s.Jobs())
	e.invokeOK("pipe", body(map[string]any{}, nil), nil)

	// Custom body, method + path pattern selector, unlimited until removed.
	f = e.s.InjectFault(emulator.Fault{Method: http.MethodGet, PathPattern: `/batchEndpoints/heart$`, Times: -1, Status: 503, Body: `{"error":{"code":"Busy","message":"try later"}}`})
	for range 3 {
		r := e.arm(http.MethodGet, "/batchEndpoints/heart", nil)
		require.Equal(t, 503, r.status)
		code, msg := r.errCode(t)
		assert.Equal(t, "Busy", code)
		assert.Equal(t, "try later", msg)
	}
	assert.Equal(t, 200, e.arm(http.MethodGet, "/batchEndpoints/pipe", nil).status, "other paths unaffected")
	f.Remove()
	assert.Equal(t, 200, e.arm(http.MethodGet, "/batchEndpoints/heart", nil).status)

	// A substring selector, alone or with a pattern (both must match).
	f = e.s.InjectFault(emulator.Fault{PathContains: "/batchEndpoints/he", Times: -1, Status: 503})
	assert.Equal(t, 503, e.arm(http.MethodGet, "/batchEndpoints/heart", nil).status)
	assert.Equal(t, 200, e.arm(http.MethodGet, "/batchEndpoints/pipe", nil).status, "other paths unaffected")
	f.Remove()
	f = e.s.InjectFault(emulator.Fault{PathContains: "/batchEndpoints/", PathPattern: `pipe$`, Times: -1, Status: 503})
	assert.Equal(t, 200, e.arm(http.MethodGet, "/batchEndpoints/heart", nil).status, "the pattern does not match")
	assert.Equal(t, 503, e.arm(http.MethodGet, "/batchEndpoints/pipe", nil).status)
	f.Remove()

	// Faults fire before authentication, like a front door.
	e.s.InjectFault(emulator.Fault{Route: emulator.RouteGetJob, Status: 500, Code: "InternalServerError", Message: "boom"})
	r := e.do(http.MethodGet, e.armURL("/jobs/x"), "", nil, nil)
	require.Equal(t, 500, r.status)
	code, msg := r.errCode(t)
	assert.Equal(t, "InternalServerError", code)
	assert.Equal(t, "boom", msg)
	rec := e.s.Requests(emulator.RouteGetJob)
	require.Len(t, rec, 1)
	assert.Equal(t, 500, rec[0].Status)
}

func TestFaultResets(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultResetBefore})
	_, err := e.rawPost("pipe")
	require.Error(t, err)
	assert.Empty(t, e.s.Jobs(), "reset before the handler creates no job")

	e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultResetAfter})
	_, err = e.rawPost("pipe")
	require.Error(t, err)
	require.Len(t, e.s.Jobs(), 1, "reset after the handler: the job exists")
	rec := e.s.Requests(emulator.RouteInvoke)
	require.Len(t, rec, 2)
	assert.Equal(t, 0, rec[1].Status)

	res, err := e.rawPost("pipe")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, res.StatusCode)
}

func TestFaultDelay(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.s.InjectFault(emulator.Fault{Route: emulator.RouteGetBatchEndpoint, Delay: 150 * time.Millisecond})
	start := time.Now()
	r := e.arm(http.MethodGet, "/batchEndpoints/heart", nil)
	assert.Equal(t, 200, r.status)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	// Delay then respond.
	e.s.InjectFault(emulator.Fault{Route: emulator.RouteGetBatchEndpoint, Delay: 50 * time.Millisecond, Status: 502})
	assert.Equal(t, 502, e.arm(http.MethodGet, "/batchEndpoints/heart", nil).status)

	// A client timeout shorter than the delay fails.
	e.s.InjectFault(emulator.Fault{Route: emulator.RouteGetBatchEndpoint, Delay: 2 * time.Second})
	hc := e.s.HTTPClient()
	hc.Timeout = 100 * time.Millisecond
	req, _ := http.NewRequest(http.MethodGet, e.armURL("/batchEndpoints/heart"), nil)
	req.Header.Set("Authorization", "Bearer "+e.token(emulator.AudienceARM))
	_, err := hc.Do(req)
	if err == nil {
		for _, r := range e.s.Requests() {
			t.Logf("%s %s %d %s", r.Time.Format("15:04:05.000"), r.Route, r.Status, r.Header.Get("User-Agent"))
		}
	}
	require.Error(t, err)
	e.s.ClearFaults()
}

func TestHoldReleaseAndFail(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusQueued)
	name := e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.s.WaitStatus(ctx, name, emulator.StatusQueued)
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	info, _ := e.s.Job(name)
	assert.Equal(t, emulator.StatusQueued, info.Status, "held")
	hold.Release()
	hold.Release()
	assert.Equal(t, emulator.StatusCompleted, e.wait(name).Status)

	// Hold only one job by name; fail it while held.
	h2 := e.s.HoldJobs(emulator.StatusRunning)
	defer h2.Release()
	name = e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	_, err = e.s.WaitStatus(ctx, name, emulator.StatusRunning)
	require.NoError(t, err)
	require.NoError(t, e.s.FailJob(name, "SystemError", "node lost"))
	info = e.wait(name)
	assert.Equal(t, emulator.StatusFailed, info.Status)
	assert.Equal(t, &emulator.JobError{Code: "SystemError", Message: "node lost"}, info.Error)
	require.Error(t, e.s.FailJob(name, "x", "y"), "terminal jobs cannot fail again")
	d := e.do(http.MethodGet, e.s.ARMEndpoint()+"/history/v1.0"+e.ws.ID()+"/runs/"+name+"/details", emulator.AudienceARM, nil, nil).json(t)
	assert.Equal(t, "Failed", d["status"])
	assert.Equal(t, "node lost", dig(d, "error", "error", "message"))
	h2.Release()

	// Scripted failures for the next jobs.
	e.s.FailNextJobs(1, "UserError", "scripted failure")
	info = e.wait(e.invokeOK("pipe", body(map[string]any{}, nil), nil))
	assert.Equal(t, emulator.StatusFailed, info.Status)
	assert.Equal(t, "scripted failure", info.Error.Message)
	assert.Equal(t, []string{"Preparing", "Queued", "Running", "Failed"}, statuses(info))
	assert.Equal(t, emulator.StatusCompleted, e.wait(e.invokeOK("pipe", body(map[string]any{}, nil), nil)).Status)
}

func TestCancel(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusRunning)
	defer hold.Release()
	name := e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.s.WaitStatus(ctx, name, emulator.StatusRunning)
	require.NoError(t, err)

	r := e.arm(http.MethodPost, "/jobs/"+name+"/cancel", nil)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	loc := r.header.Get("Location")
	require.Contains(t, loc, "/providers/Microsoft.MachineLearningServices/locations/westus2/mfeOperationResults/jc:")
	info := e.wait(name)
	assert.Equal(t, emulator.StatusCanceled, info.Status)
	assert.Equal(t, []string{"Preparing", "Queued", "Running", "CancelRequested", "Canceled"}, statuses(info))
	r = e.do(http.MethodGet, loc, emulator.AudienceARM, nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "Canceled", dig(e.arm(http.MethodGet, "/jobs/"+name, nil).json(t), "properties", "status"))

	// Cancel of a finished job: 200.
	assert.Equal(t, http.StatusOK, e.arm(http.MethodPost, "/jobs/"+name+"/cancel", nil).status)
	assert.Equal(t, 404, e.arm(http.MethodPost, "/jobs/nope/cancel", nil).status)

	// The operation answers 202 while the job is still winding down.
	h2 := e.s.HoldJobs(emulator.StatusPreparing)
	name = e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	require.NoError(t, e.s.CancelJob(name))
	assert.Equal(t, emulator.StatusCanceled, e.wait(name).Status)
	h2.Release()

	// A running scoring function sees its context canceled.
	started := make(chan struct{})
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "long", Run: func(ctx context.Context, _ *emulator.PipelineRun) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}}))
	hold.Release()
	name = e.invokeOK("pipe", body(map[string]any{}, nil), map[string]string{"azureml-model-deployment": "long"})
	<-started
	r = e.arm(http.MethodPost, "/jobs/"+name+"/cancel", nil)
	require.Equal(t, http.StatusAccepted, r.status)
	assert.Equal(t, emulator.StatusCanceled, e.wait(name).Status)
}

func TestOperationResultPending(t *testing.T) {
	e := newEnv(t, envOpts{})
	block := make(chan struct{})
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "stubborn", Run: func(context.Context, *emulator.PipelineRun) error {
		<-block // ignores cancellation for a while
		return nil
	}}))
	name := e.invokeOK("pipe", body(map[string]any{}, nil), map[string]string{"azureml-model-deployment": "stubborn"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.s.WaitStatus(ctx, name, emulator.StatusRunning)
	require.NoError(t, err)
	r := e.arm(http.MethodPost, "/jobs/"+name+"/cancel", nil)
	require.Equal(t, http.StatusAccepted, r.status)
	loc := r.header.Get("Location")
	r = e.do(http.MethodGet, loc, emulator.AudienceARM, nil, nil)
	assert.Equal(t, http.StatusAccepted, r.status)
	assert.Equal(t, "CancelRequested", dig(e.arm(http.MethodGet, "/jobs/"+name, nil).json(t), "properties", "status"))
	close(block)
	assert.Equal(t, emulator.StatusCanceled, e.wait(name).Status)
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, loc, emulator.AudienceARM, nil, nil).status)
}

func TestJobsListPaging(t *testing.T) {
	e := newEnv(t, envOpts{opts: &emulator.Options{JobsPageSize: 2}})
	hold := e.s.HoldJobs(emulator.StatusPreparing)
	defer hold.Release()
	var names []string
	for range 3 {
		names = append(names, e.invokeOK("pipe", body(map[string]any{}, nil), nil))
	}
	names = append(names, e.invokeOK("heart", body(map[string]any{"d": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/x/")}, nil), nil))
	var got []string
	url := e.armURL("/jobs")
	pages := 0
	for url != "" {
		r := e.do(http.MethodGet, url, emulator.AudienceARM, nil, nil)
		require.Equal(t, 200, r.status, "%s", r.body)
		m := r.json(t)
		for _, v := range m["value"].([]any) {
			got = append(got, v.(map[string]any)["name"].(string))
		}
		url, _ = m["nextLink"].(string)
		pages++
	}
	assert.Equal(t, 2, pages)
	assert.Equal(t, []string{names[3], names[2], names[1], names[0]}, got, "newest first")

	m := e.arm(http.MethodGet, "/jobs", nil, "tag=azureml.deploymentname%3Dclassifier").json(t)
	require.Len(t, m["value"], 1)
	assert.Equal(t, names[3], m["value"].([]any)[0].(map[string]any)["name"])
	m = e.arm(http.MethodGet, "/jobs", nil, "jobType=Command").json(t)
	assert.Empty(t, m["value"])
}

func TestCloseStopsJobs(t *testing.T) {
	s, err := emulator.New(nil)
	require.NoError(t, err)
	require.NoError(t, s.Start())
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName})
	require.NoError(t, err)
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "pipe", DefaultDeployment: "hello"}))
	require.NoError(t, ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "hello", Run: func(ctx context.Context, _ *emulator.PipelineRun) error {
		<-ctx.Done()
		return ctx.Err()
	}}))
	tok, _ := emulator.MintToken("", emulator.AudienceML, time.Hour)
	req, _ := http.NewRequest(http.MethodPost, ws.ScoringURI("pipe"), strings.NewReader(`{"properties":{}}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	done := make(chan struct{})
	go func() { _ = s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
	_, err = s.HTTPClient().Get(s.ARMEndpoint() + "/discovery")
	require.Error(t, err)
	require.Error(t, s.Start())
}

func TestInProcessTransport(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.hc = &http.Client{Transport: e.s.InProcessTransport()}
	assert.Equal(t, 200, e.arm(http.MethodGet, "/batchEndpoints/heart", nil).status)
	name := e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	assert.Equal(t, emulator.StatusCompleted, e.wait(name).Status)
	assert.Equal(t, 401, e.do(http.MethodGet, e.armURL(""), "", nil, nil).status)

	e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultResetAfter})
	_, err := e.rawPost("pipe")
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	assert.Len(t, e.s.Jobs(), 2)

	_, err = e.hc.Get("https://example.com/")
	require.Error(t, err)
}
