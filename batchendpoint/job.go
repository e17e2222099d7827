package batchendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Job is a handle on a batch job. It is safe for concurrent use. Poll reads the
// status once, Wait until the job ends, Cancel asks the service to stop it, and
// ResumeToken lets another process or client attach to it with Client.ResumeJob.
type Job struct {
	c *Client
	h *jobHandler
	// turn holds a token while a GET of the job is in flight: one poll at a
	// time per handle (Poll, Wait and every Poller share it), and a caller whose
	// ctx ends stops waiting for its turn at once.
	turn     chan struct{}
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

	mu       sync.Mutex // guards Status, details, pending, lastResp and logLines
	details  JobDetails
	pending  []byte // the invoke's 201 body, decoded into details on first use (detailsLocked)
	lastResp *http.Response
	logLines []string // a failed job's first error lines of its logs, redacted
}

func (c *Client) newJob(d JobDetails, endpoint, scoringURI, repeatID string) (*Job, error) {
	// One allocation for the Job and its handler: Invoke makes one per call.
	jh := &struct {
		j Job
		h jobHandler
	}{}
	jh.h = jobHandler{c: c, Name: d.Name, Endpoint: endpoint, ScoringURI: scoringURI, DataPlane: c.opts.DataPlaneOnly, Workspace: c.ws, Status: d.Status, details: d}
	jh.j = Job{c: c, h: &jh.h, turn: make(chan struct{}, 1), repeatID: repeatID}
	return &jh.j, nil
}

// detailsLocked returns the details, first decoding the invoke's answer in
// full if it is still pending. Invoke decodes only the fields a Job needs at
// once (invokeAnswer); the rest (inputs, outputs, tags, properties, system
// data) is decoded here, the first time anyone asks. A body whose optional
// parts do not decode leaves what Invoke decoded. h.mu is held.
func (h *jobHandler) detailsLocked() JobDetails {
	if h.pending != nil {
		var res wire.BatchJobResource
		if json.Unmarshal(h.pending, &res) == nil {
			d := detailsOf(res.Details())
			d.Name, d.Status = h.details.Name, h.details.Status
			h.details = d
		}
		h.pending = nil
	}
	return h.details
}

// Name returns the job's name (batchjob-<uuid> or pipelinejob-<uuid>).
func (j *Job) Name() string { return j.h.Name }

// ID returns the job's ARM id in the workspace.
func (j *Job) ID() string { return j.h.Workspace.ID() + "/jobs/" + j.h.Name }

// StudioURL returns the Azure ML Studio link of the job.
func (j *Job) StudioURL() string {
	j.h.mu.Lock()
	defer j.h.mu.Unlock()
	return j.h.details.StudioURL // decoded at once: no need for the rest
}

// Status returns the last known status without a request.
func (j *Job) Status() JobStatus {
	j.h.mu.Lock()
	defer j.h.mu.Unlock()
	return j.h.details.Status
}

// Details returns the last known details without a request.
func (j *Job) Details() JobDetails {
	j.h.mu.Lock()
	defer j.h.mu.Unlock()
	return j.h.detailsLocked()
}

// RepeatabilityID returns the repeatability_request-id the job was created with
// ("" for a job attached with Client.Job or ResumeJob).
func (j *Job) RepeatabilityID() string { return j.repeatID }

// Poller returns an azcore poller of the job, for PollUntilDone and the other
// runtime.Poller methods. Every call returns a new poller over the Job's state:
// its polls take turns with the Job's Poll and Wait, so pollers and the Job may
// be used from different goroutines. One poller, like any runtime.Poller, is for
// one goroutine at a time. Unlike Wait, a poller ends at the first failed poll.
func (j *Job) Poller() *runtime.Poller[JobDetails] {
	// NewPoller fails only when it has to pick a handler from a response; it is given one.
	p, _ := runtime.NewPoller[JobDetails](nil, j.c.armPL, &runtime.NewPollerOptions[JobDetails]{Handler: jobPolling{j}, Tracer: j.c.tracer})
	return p
}

// jobPolling is the handler of the pollers Job.Poller returns: the Job's
// handler, polled in the Job's turn.
type jobPolling struct{ j *Job }

func (p jobPolling) Done() bool { return p.j.h.Done() }

func (p jobPolling) Poll(ctx context.Context) (*http.Response, error) { return p.j.poll(ctx) }

func (p jobPolling) Result(ctx context.Context, out *JobDetails) error {
	return p.j.h.Result(ctx, out)
}

// MarshalJSON writes the resume token's state (runtime.Poller.ResumeToken).
func (p jobPolling) MarshalJSON() ([]byte, error) { return p.j.h.MarshalJSON() }

// MarshalJSON writes the handler's exported fields, read under its lock, so a
// resume token can be taken while another goroutine polls.
func (h *jobHandler) MarshalJSON() ([]byte, error) {
	type state jobHandler // no methods: no recursion
	h.mu.Lock()
	s := state{Name: h.Name, Endpoint: h.Endpoint, ScoringURI: h.ScoringURI, DataPlane: h.DataPlane, Workspace: h.Workspace, Status: h.Status}
	h.mu.Unlock()
	return json.Marshal(&s)
}

// poll makes one GET of the job in the Job's turn; a job that has ended is not
// polled again and its last answer is returned.
func (j *Job) poll(ctx context.Context) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case j.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-j.turn }()
	if j.h.Done() {
		j.h.mu.Lock()
		defer j.h.mu.Unlock()
		return j.h.lastResp, nil
	}
	return j.h.Poll(ctx)
}

// ResumeToken returns a token from which Client.ResumeJob rebuilds this handle,
// in this process or another. It fails once the job has ended.
func (j *Job) ResumeToken() (string, error) {
	return j.Poller().ResumeToken()
}

// Poll reads the job's status once (one GET, none once the job has ended) and
// returns the details. The client's retry policy (ClientOptions.Retry) applies
// to the GET.
func (j *Job) Poll(ctx context.Context, _ *PollOptions) (d JobDetails, err error) {
	ctx, end := j.c.span(ctx, "Job.Poll")
	defer func() { end(err) }()
	if _, err := j.poll(ctx); err != nil {
		return j.Details(), fmt.Errorf("polling job %s: %w", j.h.Name, err)
	}
	return j.Details(), nil
}

// DefaultMaxTransientErrors is how many polls in a row may fail with a
// transient error before Job.Wait gives up (WaitOptions.MaxTransientErrors).
const DefaultMaxTransientErrors = 10

// waitPoll marks the ctx of Wait's polls: Wait retries them itself, so the
// pipeline's retry policy is turned off for the job GET (see jobHandler.Poll).
type waitPoll struct{}

// Wait polls until the job ends and returns its final details. A job that ends
// in any status but Completed is returned as a *JobFailedError together with the
// details.
//
// Wait is the only retry loop of its polls (the pipeline's retry policy is off
// for them): a transient failure (a connection error, 408, 429, 500, 502, 503,
// 504) is polled again after a growing delay, and after
// WaitOptions.MaxTransientErrors of them in a row the last is returned, wrapped.
// Any other failure, such as 403, 404 or an answer that is not a job, ends the
// wait at once. A Retry-After (seconds or HTTP date), retry-after-ms or
// x-ms-retry-after-ms on any answer is a floor for the next delay. When the next
// poll would come at or after the deadline (ctx's or Timeout), Wait returns at
// once with an error wrapping context.DeadlineExceeded. Cancelling ctx ends the
// wait promptly but never cancels the job.
func (j *Job) Wait(ctx context.Context, options *WaitOptions) (d JobDetails, err error) {
	ctx, end := j.c.span(ctx, "Job.Wait")
	defer func() { end(err) }()
	o := j.waitOptions(options)
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	pctx := context.WithValue(ctx, waitPoll{}, true)
	last := j.Status()
	if o.OnStatus != nil {
		o.OnStatus(j.Details())
	}
	var logs *logFollower
	if o.OnLog != nil && !j.h.DataPlane {
		logs = newLogFollower(j, o.OnLog)
	}
	followLogs := func(final bool) {
		if logs != nil {
			logs.step(ctx, final)
		}
	}
	delay, fails := o.MinDelay, 0
	for {
		if j.Status().IsTerminal() {
			followLogs(true)
			return j.result(ctx)
		}
		resp, perr := j.poll(pctx)
		if perr != nil {
			if cerr := ctx.Err(); cerr != nil {
				return j.Details(), fmt.Errorf("waiting for job %s: %w", j.h.Name, cerr)
			}
			if !transient(perr) {
				return j.Details(), fmt.Errorf("waiting for job %s: %w", j.h.Name, perr)
			}
			if fails++; fails >= o.MaxTransientErrors {
				return j.Details(), fmt.Errorf("waiting for job %s: %d polls in a row failed (WaitOptions.MaxTransientErrors is %d), the last with: %w",
					j.h.Name, fails, o.MaxTransientErrors, perr)
			}
			var re *azcore.ResponseError
			if errors.As(perr, &re) {
				resp = re.RawResponse
			}
		} else {
			fails = 0
			if d := j.Details(); d.Status != last {
				last = d.Status
				if o.OnStatus != nil {
					o.OnStatus(d)
				}
				delay = o.MinDelay // a moving job is polled closely again
			}
			if last.IsTerminal() {
				followLogs(true)
				return j.result(ctx)
			}
			followLogs(false)
		}
		next := delay
		ra, hasRA := time.Duration(0), false
		if resp != nil {
			ra, hasRA = retryAfter(resp)
		}
		if hasRA && ra > next {
			next = ra // the service's word is a floor: never sooner
		}
		if dl, ok := ctx.Deadline(); ok && !time.Now().Add(next).Before(dl) {
			// Sleeping would end in the deadline with nothing learnt: say so now.
			why := "the next poll is due in " + next.String()
			if hasRA && ra >= next {
				why = "the service asked for the next poll in " + ra.String()
			}
			if perr != nil {
				return j.Details(), fmt.Errorf("waiting for job %s: %s, past the deadline: %w; the last poll failed: %w", j.h.Name, why, context.DeadlineExceeded, perr)
			}
			return j.Details(), fmt.Errorf("waiting for job %s: %s, past the deadline: %w", j.h.Name, why, context.DeadlineExceeded)
		}
		if err := pause(ctx, next); err != nil {
			if perr != nil {
				return j.Details(), fmt.Errorf("waiting for job %s: %w; the last poll failed: %w", j.h.Name, err, perr)
			}
			return j.Details(), fmt.Errorf("waiting for job %s: %w", j.h.Name, err)
		}
		delay = min(delay*2, o.MaxDelay)
	}
}

// waitOptions fills in Wait's defaults.
func (j *Job) waitOptions(options *WaitOptions) WaitOptions {
	o := WaitOptions{MinDelay: 2 * time.Second, MaxDelay: time.Minute, MaxTransientErrors: DefaultMaxTransientErrors}
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
		switch n := options.MaxTransientErrors; {
		case n > 0:
			o.MaxTransientErrors = n
		case n < 0:
			o.MaxTransientErrors = 1
		}
		o.Timeout, o.OnStatus, o.OnLog = options.Timeout, options.OnStatus, options.OnLog
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	return o
}

func (j *Job) result(ctx context.Context) (JobDetails, error) {
	var d JobDetails
	if err := j.h.Result(ctx, &d); err != nil {
		return j.Details(), err
	}
	return d, nil
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

// Done implements runtime.PollingHandler.
func (h *jobHandler) Done() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Status.IsTerminal()
}

// Poll implements runtime.PollingHandler: one GET of the job. Under Job.Wait the
// pipeline's retry policy is off for it (Wait retries, and honours Retry-After,
// itself); elsewhere ClientOptions.Retry applies.
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
	getCtx := ctx
	if ctx.Value(waitPoll{}) != nil {
		ro := c.opts.Retry // keeps TryTimeout
		ro.MaxRetries = -1
		getCtx = policy.WithRetryOptions(ctx, ro)
	}
	req, err := runtime.NewRequest(getCtx, http.MethodGet, rawURL)
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
	body, err := runtime.Payload(resp)
	if err != nil {
		return nil, fmt.Errorf("reading the job GET's answer: %w", err) // the connection broke mid-answer
	}
	var d JobDetails
	var failure *wire.ErrorDetail
	var lines []string
	if h.DataPlane {
		var r wire.BatchJobResource
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, &notAJobError{resp: resp, err: err}
		}
		d = detailsOf(r.Details())
	} else {
		var r wire.Job
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, &notAJobError{resp: resp, err: err}
		}
		var fe propertiesError
		_ = json.Unmarshal(body, &fe) // optional
		d, failure = detailsOf(r.Details()), fe.Properties.Error
		if d.Status.IsTerminal() && !d.Status.IsSuccess() {
			// The ARM job carries no failure details; Run History does (as az ml
			// job stream reads them), and the logs say where it failed.
			if rd, err := c.runDetails(ctx, h.Name); err == nil {
				if failure == nil {
					failure = runFailure(rd)
				}
				lines = c.failureLines(ctx, h.Name, rd)
			}
		}
	}
	if d.Status == "" {
		return nil, &notAJobError{resp: resp, err: errors.New("no properties.status")}
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
	h.details, h.Status, h.lastResp, h.logLines, h.pending = d, d.Status, resp, lines, nil
	if failure != nil {
		h.details.Error = jobErrorOf(failure)
	}
	return resp, nil
}

// propertiesError reads an error object some service versions (and the
// local emulator) put in properties.error; the ARM JobBase schema has no failure
// details, azure-ai-ml reads them from Run History.
type propertiesError struct {
	Properties struct {
		Error *wire.ErrorDetail `json:"error,omitempty"`
	} `json:"properties"`
}

// jobErrorOf copies a reported failure, redacted: the message often quotes the
// job's inputs (storage URLs with their SAS).
func jobErrorOf(e *wire.ErrorDetail) *JobError {
	je := &JobError{Code: redact.String(e.Code), Message: redact.String(e.Message)}
	for i := range e.Details {
		je.Details = append(je.Details, *jobErrorOf(&e.Details[i]))
	}
	return je
}

// Result implements runtime.PollingHandler.
func (h *jobHandler) Result(_ context.Context, out *JobDetails) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.detailsLocked()
	if d.Status.IsSuccess() {
		*out = d
		return nil
	}
	var code, msg string
	if d.Error != nil {
		code, msg = d.Error.Code, d.Error.Message
	}
	if code == "" {
		code = "Job" + string(d.Status)
	}
	e := &JobFailedError{Job: d, Code: code, Message: msg, LogLines: slices.Clone(h.logLines)}
	if h.lastResp != nil {
		if re, ok := runtime.NewResponseErrorWithErrorCode(redactResponse(h.lastResp), code).(*azcore.ResponseError); ok {
			e.resp = re
		}
	}
	*out = d
	return e
}

// GetJob attaches to an existing job by name: one GET of the job, then a handle
// like the one Invoke returns.
func (c *Client) GetJob(ctx context.Context, name string, options *GetJobOptions) (job *Job, err error) {
	ctx, end := c.span(ctx, "Client.GetJob")
	defer func() { end(err) }()
	if err := validateJobResourceName("name", name); err != nil {
		return nil, err
	}
	var o GetJobOptions
	if options != nil {
		o = *options
	}
	if c.opts.DataPlaneOnly && o.ScoringURI == "" {
		return nil, &ValidationError{Field: "GetJobOptions.ScoringURI", Problem: "a DataPlaneOnly client polls through the scoring URI", Fix: "set GetJobOptions.ScoringURI to the endpoint's scoring URI"}
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
	// The poller is built only to check and decode the token into h.
	_, err := runtime.NewPollerFromResumeToken[JobDetails](token, c.armPL, &runtime.NewPollerFromResumeTokenOptions[JobDetails]{Handler: h, Tracer: c.tracer})
	if err != nil {
		return nil, fmt.Errorf("resume token: %w", err)
	}
	if h.Name == "" {
		return nil, &ValidationError{Field: "token", Problem: "the resume token names no job", Fix: "pass a token from Job.ResumeToken"}
	}
	if err := validateJobResourceName("token", h.Name); err != nil {
		return nil, err
	}
	if h.ScoringURI != "" {
		if _, err := checkTokenURL(h.ScoringURI, c.opts.InsecureAllowCredentialWithHTTP); err != nil {
			return nil, &ValidationError{Field: "token", Value: shownURL(h.ScoringURI), Problem: "the resume token's scoring URI " + err.Error(), Fix: "pass a token from Job.ResumeToken unchanged"}
		}
	}
	if h.Workspace != c.ws {
		return nil, &ValidationError{Field: "token", Value: h.Workspace.ID(), Problem: "the job belongs to another workspace", Fix: "resume it with a client of workspace " + h.Workspace.ID()}
	}
	h.details = JobDetails{Name: h.Name, Status: h.Status}
	return &Job{c: c, h: h, turn: make(chan struct{}, 1)}, nil
}
