package batchendpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Job is a handle on a batch job. It is safe for concurrent use. Poll reads the
// status once, Wait until the job ends, Cancel asks the service to stop it, and
// ResumeToken lets another process or client attach to it with Client.ResumeJob.
type Job struct {
	c        *Client
	h        *jobHandler
	poller   *runtime.Poller[JobDetails]
	pollMu   sync.Mutex // runtime.Poller is not safe for concurrent use
	repeatID string
}

// jobHandler is the runtime.PollingHandler behind a Job. Its exported fields are
// the resume token's state; they hold no secrets.
type jobHandler struct {
	c *Client

	Name       string    `json:"name"`
	Endpoint   string    `json:"endpoint,omitempty"`
	ScoringURI string    `json:"scoringUri,omitempty"`
	DataPlane  bool      `json:"dataPlane,omitempty"`
	Workspace  Workspace `json:"workspace"`
	Status     JobStatus `json:"status"`

	mu       sync.Mutex
	details  JobDetails
	lastResp *http.Response
}

func (c *Client) newJob(d JobDetails, endpoint, scoringURI, repeatID string) (*Job, error) {
	h := &jobHandler{c: c, Name: d.Name, Endpoint: endpoint, ScoringURI: scoringURI, DataPlane: c.opts.DataPlaneOnly, Workspace: c.ws, Status: d.Status, details: d}
	p, err := runtime.NewPoller[JobDetails](nil, c.armPL, &runtime.NewPollerOptions[JobDetails]{Handler: h, Tracer: c.tracer})
	if err != nil {
		return nil, err
	}
	return &Job{c: c, h: h, poller: p, repeatID: repeatID}, nil
}

// Name returns the job's name (batchjob-<uuid> or pipelinejob-<uuid>).
func (j *Job) Name() string { return j.h.Name }

// ID returns the job's ARM id in the workspace.
func (j *Job) ID() string { return j.h.Workspace.ID() + "/jobs/" + j.h.Name }

// StudioURL returns the Azure ML Studio link of the job.
func (j *Job) StudioURL() string { return j.Details().StudioURL }

// Status returns the last known status without a request.
func (j *Job) Status() JobStatus { return j.Details().Status }

// Details returns the last known details without a request.
func (j *Job) Details() JobDetails {
	j.h.mu.Lock()
	defer j.h.mu.Unlock()
	return j.h.details
}

// RepeatabilityID returns the repeatability_request-id the job was created with
// ("" for a job attached with Client.Job or ResumeJob).
func (j *Job) RepeatabilityID() string { return j.repeatID }

// Poller returns the azcore poller behind the job, for PollUntilDone and the
// other runtime.Poller methods. Don't use it concurrently with the Job's methods.
func (j *Job) Poller() *runtime.Poller[JobDetails] { return j.poller }

// ResumeToken returns a token from which Client.ResumeJob rebuilds this handle,
// in this process or another. It fails once the job has ended.
func (j *Job) ResumeToken() (string, error) {
	j.pollMu.Lock()
	defer j.pollMu.Unlock()
	return j.poller.ResumeToken()
}

// Poll reads the job's status once (one GET) and returns the details.
func (j *Job) Poll(ctx context.Context, _ *PollOptions) (d JobDetails, err error) {
	ctx, end := j.c.span(ctx, "Job.Poll")
	defer func() { end(err) }()
	j.pollMu.Lock()
	defer j.pollMu.Unlock()
	if _, err := j.poller.Poll(ctx); err != nil {
		return j.Details(), err
	}
	return j.Details(), nil
}

// Wait polls until the job ends and returns its final details. A job that ends
// in any status but Completed is returned as a *JobFailedError together with the
// details. Transient polling failures (connection errors, 408, 429, 5xx) do not
// end the wait; other service errors do. Cancelling ctx or reaching Timeout ends
// the wait promptly but never cancels the job.
func (j *Job) Wait(ctx context.Context, options *WaitOptions) (d JobDetails, err error) {
	ctx, end := j.c.span(ctx, "Job.Wait")
	defer func() { end(err) }()
	o := WaitOptions{MinDelay: 2 * time.Second, MaxDelay: time.Minute}
	if pi := j.c.opts.PollInterval; pi > 0 {
		o.MinDelay = pi
	}
	if options != nil {
		if options.MinDelay > 0 {
			o.MinDelay = options.MinDelay
		}
		if options.MaxDelay > 0 {
			o.MaxDelay = options.MaxDelay
		}
		o.Timeout, o.OnStatus = options.Timeout, options.OnStatus
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	last := j.Status()
	if o.OnStatus != nil {
		o.OnStatus(j.Details())
	}
	delay := o.MinDelay
	for {
		if st := j.Status(); st.IsTerminal() {
			return j.result(ctx)
		}
		j.pollMu.Lock()
		resp, perr := j.poller.Poll(ctx)
		j.pollMu.Unlock()
		next := delay
		if perr != nil {
			if ctx.Err() != nil {
				return j.Details(), ctx.Err()
			}
			if !transient(perr) {
				return j.Details(), perr
			}
		} else {
			if ra, ok := retryAfter(resp); ok {
				next = max(ra, o.MinDelay)
			}
			if d := j.Details(); d.Status != last {
				last = d.Status
				if o.OnStatus != nil {
					o.OnStatus(d)
				}
				delay = o.MinDelay // a moving job is polled closely again
				next = min(next, delay)
			}
			if last.IsTerminal() {
				return j.result(ctx)
			}
		}
		if next > o.MaxDelay {
			next = o.MaxDelay
		}
		if err := sleepCtx(ctx, next); err != nil {
			return j.Details(), err
		}
		delay = min(delay*2, o.MaxDelay)
	}
}

func (j *Job) result(ctx context.Context) (JobDetails, error) {
	j.pollMu.Lock()
	defer j.pollMu.Unlock()
	d, err := j.poller.Result(ctx)
	if err != nil {
		return j.Details(), err
	}
	return d, nil
}

// transient reports polling errors worth another try.
func transient(err error) bool {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests:
			return true
		}
		return re.StatusCode >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Cancel asks the service to cancel the job (ARM POST .../jobs/{name}/cancel,
// answered 200 or 202). The job then moves through CancelRequested to Canceled;
// use Wait to see it end.
func (j *Job) Cancel(ctx context.Context, _ *CancelOptions) (err error) {
	ctx, end := j.c.span(ctx, "Job.Cancel")
	defer func() { end(err) }()
	if j.h.DataPlane {
		return errors.New("cancel needs ARM access: the data plane has no cancel operation; create the client without DataPlaneOnly")
	}
	_, err = j.c.armDo(ctx, http.MethodPost, j.c.armURL("/jobs/"+url.PathEscape(j.h.Name)+"/cancel", nil), nil, nil, http.StatusOK, http.StatusAccepted)
	return err
}

// JobFailedError is returned by Wait and Result for a job that ended in any
// status but Completed. It unwraps to the *azcore.ResponseError of the last poll,
// whose ErrorCode is Code.
type JobFailedError struct {
	// Job is the job's final details.
	Job JobDetails
	// Code and Message are the service's error code and message when it reports
	// them, else a code derived from the status (JobFailed, JobCanceled, ...).
	Code, Message string
	resp          *azcore.ResponseError
}

// Error names the job, its status, code and message, and where to read more.
func (e *JobFailedError) Error() string {
	msg := fmt.Sprintf("batch job %s ended %s (%s)", e.Job.Name, e.Job.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Job.StudioURL != "" {
		msg += "; details: " + e.Job.StudioURL
	}
	return msg
}

// Unwrap returns the underlying *azcore.ResponseError.
func (e *JobFailedError) Unwrap() error {
	if e.resp == nil {
		return nil
	}
	return e.resp
}

// Done implements runtime.PollingHandler.
func (h *jobHandler) Done() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Status.IsTerminal()
}

// Poll implements runtime.PollingHandler: one GET of the job.
func (h *jobHandler) Poll(ctx context.Context) (*http.Response, error) {
	c := h.c
	var (
		rawURL string
		pl     runtime.Pipeline
	)
	if h.DataPlane {
		rawURL, pl = strings.TrimRight(h.ScoringURI, "/")+"/"+url.PathEscape(h.Name), c.dataPL
	} else {
		q := url.Values{"api-version": {c.apiVersion}}
		rawURL, pl = c.armEndpoint+h.Workspace.ID()+"/jobs/"+url.PathEscape(h.Name)+"?"+q.Encode(), c.armPL
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, rawURL)
	if err != nil {
		return nil, err
	}
	resp, err := pl.Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, serviceError(resp)
	}
	var d JobDetails
	var failure *wire.ErrorDetail
	if h.DataPlane {
		var r wire.BatchJobResource
		if err := decodeJSON(resp, &r); err != nil {
			return nil, fmt.Errorf("decoding job %s: %w", h.Name, err)
		}
		d = jobFromDataPlane(&r)
	} else {
		var r wire.Job
		if err := decodeJSON(resp, &r); err != nil {
			return nil, fmt.Errorf("decoding job %s: %w", h.Name, err)
		}
		var fe jobError
		_ = decodeJSON(resp, &fe) // optional
		d, failure = jobFromARM(&r), fe.Properties.Error
		if failure == nil && d.Status.IsTerminal() && !d.Status.IsSuccess() {
			// The ARM job carries no failure details; Run History does (as az ml job stream reads them).
			failure = c.runFailure(ctx, h.Name)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if d.Name == "" {
		d.Name = h.Name
	}
	// The ARM job lacks the data-plane's display fields; keep what we knew.
	if d.StudioURL == "" {
		d.StudioURL = h.details.StudioURL
	}
	h.details, h.Status, h.lastResp = d, d.Status, resp
	if failure != nil {
		h.details.Properties = withFailure(h.details.Properties, failure)
	}
	return resp, nil
}

// jobError reads an error object some service versions (and the
// local emulator) put in properties.error; the ARM JobBase schema has no failure
// details, azure-ai-ml reads them from Run History.
type jobError struct {
	Properties struct {
		Error *wire.ErrorDetail `json:"error,omitempty"`
	} `json:"properties"`
}

const (
	failureCodeKey    = "azmlbatch.errorCode"
	failureMessageKey = "azmlbatch.errorMessage"
)

func withFailure(props map[string]string, e *wire.ErrorDetail) map[string]string {
	out := make(map[string]string, len(props)+2)
	for k, v := range props {
		out[k] = v
	}
	out[failureCodeKey], out[failureMessageKey] = e.Code, e.Message
	return out
}

// Result implements runtime.PollingHandler.
func (h *jobHandler) Result(_ context.Context, out *JobDetails) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.details
	if d.Status.IsSuccess() {
		*out = d
		return nil
	}
	code, msg := d.Properties[failureCodeKey], d.Properties[failureMessageKey]
	if code == "" {
		code = "Job" + string(d.Status)
	}
	e := &JobFailedError{Job: d, Code: code, Message: msg}
	if h.lastResp != nil {
		if re, ok := runtime.NewResponseErrorWithErrorCode(redactedResponse(h.lastResp), code).(*azcore.ResponseError); ok {
			e.resp = re
		}
	}
	*out = d
	return e
}

// redactedResponse returns a copy of resp whose body has SAS signatures
// redacted: a ResponseError prints the body, and a job's body echoes its storage
// URL inputs with their SAS.
func redactedResponse(resp *http.Response) *http.Response {
	body, err := runtime.Payload(resp)
	if err != nil {
		return resp
	}
	c := *resp
	// JSON encoders write & as \u0026; unescape it (still valid JSON) so the
	// signature parameter is recognised.
	red := []byte(redact.URL(strings.ReplaceAll(string(body), `\u0026`, "&")))
	c.Body, c.ContentLength = io.NopCloser(bytes.NewReader(red)), int64(len(red))
	return &c
}

// Job attaches to an existing job by name: one GET of the job, then a handle like
// the one Invoke returns.
func (c *Client) Job(ctx context.Context, name string, options *JobOptions) (job *Job, err error) {
	ctx, end := c.span(ctx, "Client.Job")
	defer func() { end(err) }()
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "/?#") {
		return nil, &ValidationError{Field: "name", Value: name, Problem: "not a job name", Fix: "give the job's name, e.g. batchjob-<uuid>"}
	}
	var o JobOptions
	if options != nil {
		o = *options
	}
	if c.opts.DataPlaneOnly && o.ScoringURI == "" {
		return nil, &ValidationError{Field: "JobOptions.ScoringURI", Problem: "a DataPlaneOnly client polls through the scoring URI", Fix: "set JobOptions.ScoringURI to the endpoint's scoring URI"}
	}
	j, err := c.newJob(JobDetails{Name: name}, o.Endpoint, o.ScoringURI, "")
	if err != nil {
		return nil, err
	}
	if _, err := j.Poll(ctx, nil); err != nil {
		return nil, err
	}
	return j, nil
}

// ResumeJob rebuilds a Job handle from Job.ResumeToken, in any process. The job
// must belong to this client's workspace. No request is made.
func (c *Client) ResumeJob(token string, _ *ResumeJobOptions) (*Job, error) {
	h := &jobHandler{c: c}
	p, err := runtime.NewPollerFromResumeToken[JobDetails](token, c.armPL, &runtime.NewPollerFromResumeTokenOptions[JobDetails]{Handler: h, Tracer: c.tracer})
	if err != nil {
		return nil, fmt.Errorf("resume token: %w", err)
	}
	if h.Name == "" {
		return nil, &ValidationError{Field: "token", Problem: "the resume token names no job", Fix: "pass a token from Job.ResumeToken"}
	}
	if h.Workspace != c.ws {
		return nil, &ValidationError{Field: "token", Value: h.Workspace.ID(), Problem: "the job belongs to another workspace", Fix: "resume it with a client of workspace " + h.Workspace.ID()}
	}
	h.details = JobDetails{Name: h.Name, Status: h.Status}
	return &Job{c: c, h: h, poller: p}, nil
}
