package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// Job statuses (the service's JobStatus values the emulator uses).
const (
	StatusPreparing       = "Preparing"
	StatusQueued          = "Queued"
	StatusRunning         = "Running"
	StatusFinalizing      = "Finalizing"
	StatusCancelRequested = "CancelRequested"
	StatusCompleted       = "Completed"
	StatusFailed          = "Failed"
	StatusCanceled        = "Canceled"
)

// IsTerminal reports whether status is final (Completed, Failed, Canceled,
// NotResponding or Paused, as azure-ai-ml counts them).
func IsTerminal(status string) bool {
	switch status {
	case StatusCompleted, StatusFailed, StatusCanceled, "NotResponding", "Paused":
		return true
	}
	return false
}

// JobError is a job's failure: the code and message a client reads back. A
// PipelineFunc may return one to choose them.
type JobError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *JobError) Error() string { return e.Code + ": " + e.Message }

var (
	errCanceled = errors.New("job canceled")
	errShutdown = errors.New("emulator closed")
)

// StatusChange is one entry of a job's status history.
type StatusChange struct {
	Status string
	Time   time.Time
}

// JobInput describes an input of a job as received.
type JobInput struct {
	// Type is UriFolder, UriFile or Literal, and Kind the same as an inputs.Kind
	// (a literal's is inputs.KindString: the service keeps literals as strings).
	Type  string
	Kind  inputs.Kind
	URI   string
	Mode  string
	Value string
}

// JobOutput describes an output of a job; URI is its final location.
type JobOutput struct {
	// Type is UriFile or UriFolder, and Kind the same as an inputs.Kind.
	Type string
	Kind inputs.Kind
	URI  string
	Mode string
}

// kindOfType maps the data-plane type of a job's input or output to its kind.
func kindOfType(t string) inputs.Kind {
	switch t {
	case TypeURIFolder:
		return inputs.KindURIFolder
	case TypeURIFile:
		return inputs.KindURIFile
	case TypeLiteral:
		return inputs.KindString
	case "MLTable":
		return inputs.KindMLTable
	}
	return inputs.Kind(t)
}

// JobInfo is a snapshot of a job.
type JobInfo struct {
	Name           string
	DisplayName    string
	ExperimentName string
	Workspace      WorkspaceConfig
	Endpoint       string
	Deployment     string
	// Pipeline is true for pipeline component deployment jobs.
	Pipeline bool
	Status   string
	History  []StatusChange
	Error    *JobError
	Inputs   map[string]JobInput
	Outputs  map[string]JobOutput
	// Tags are the system tags and the caller's; Properties likewise.
	Tags        map[string]string
	Properties  map[string]string
	Description string
	// Archived is the job's isArchived (set by an ARM job update).
	Archived        bool
	RepeatabilityID string
	CreatedAt       time.Time
	// Model deployments: mini-batch counts and files of failed mini-batches.
	MiniBatches       int
	FailedMiniBatches int
	FailedFiles       int
}

type jobInput struct {
	name    string
	typ     string // UriFolder, UriFile, Literal
	uri     string
	mode    string
	value   string
	ref     *dataRef
	literal bool
}

type jobOutput struct {
	name string
	typ  string // UriFile, UriFolder
	uri  string // final uri
	mode string
	loc  blobLoc
	dsID string
}

type modelSettings struct {
	miniBatchSize  int
	concurrency    int
	errorThreshold int
	maxRetries     int
	timeout        time.Duration
	outputAction   OutputAction
	outputFileName string
	instanceCount  int
}

type job struct {
	s          *Server
	name       string
	guid       string
	ws         *Workspace
	endpoint   string
	deployment string
	dep        *deploymentState
	pipeline   bool

	displayName    string
	experimentName string
	description    string
	userTags       map[string]string
	userProps      map[string]string
	seq            int64 // position in s.jobOrder, from 1; orders job lists
	inputs         []*jobInput
	outputs        []*jobOutput
	settings       modelSettings
	created        time.Time
	createdBy      string
	repeatID       string
	scripted       *JobError
	children       []*childRun

	ctx      context.Context
	cancelFn context.CancelCauseFunc
	done     chan struct{}

	// guarded by s.mu
	archived    bool
	status      string
	history     []StatusChange
	err         *JobError
	ended       time.Time
	changed     chan struct{}
	miniBatches int
	failedMB    int
	failedFiles int
	logs        *jobLogs
}

func (j *job) cancel(cause error) { j.cancelFn(cause) }

// setStatusLocked records a status change and wakes waiters.
func (j *job) setStatusLocked(status string) {
	if j.status == status {
		return
	}
	j.status = status
	j.history = append(j.history, StatusChange{Status: status, Time: time.Now().UTC()})
	close(j.changed)
	j.changed = make(chan struct{})
}

func (s *Server) setStatus(j *job, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.status == StatusCancelRequested || IsTerminal(j.status) {
		return false
	}
	j.setStatusLocked(status)
	s.logf("job %s: %s", j.name, status)
	return true
}

// Hold keeps jobs from leaving a status until Release.
type Hold struct {
	s      *Server
	status string
	jobs   map[string]bool
	ch     chan struct{}
	once   sync.Once
}

// HoldJobs makes jobs (all of them, or only the named ones) wait when they reach
// status (Preparing, Queued, Running before the deployment runs, or Finalizing)
// until the hold is released, canceled or failed.
func (s *Server) HoldJobs(status string, jobNames ...string) *Hold {
	h := &Hold{s: s, status: status, ch: make(chan struct{})}
	if len(jobNames) > 0 {
		h.jobs = map[string]bool{}
		for _, n := range jobNames {
			h.jobs[n] = true
		}
	}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	return h
}

// Release lets held jobs continue. It is idempotent.
func (h *Hold) Release() {
	h.once.Do(func() {
		h.s.mu.Lock()
		for i, o := range h.s.holds {
			if o == h {
				h.s.holds = append(h.s.holds[:i], h.s.holds[i+1:]...)
				break
			}
		}
		h.s.mu.Unlock()
		close(h.ch)
	})
}

// pause waits the step delay and any hold on status.
func (s *Server) pause(j *job, status string, delay bool) error {
	if delay && s.opts.StepDelay > 0 {
		t := time.NewTimer(s.opts.StepDelay)
		select {
		case <-t.C:
		case <-j.ctx.Done():
			t.Stop()
			return context.Cause(j.ctx)
		}
	}
	for {
		var wait *Hold
		s.mu.Lock()
		for _, h := range s.holds {
			if h.status == status && (h.jobs == nil || h.jobs[j.name]) {
				wait = h
				break
			}
		}
		s.mu.Unlock()
		if wait == nil {
			return j.ctx.Err()
		}
		select {
		case <-wait.ch:
		case <-j.ctx.Done():
			return context.Cause(j.ctx)
		}
	}
}

// FailNextJobs makes the next n jobs created fail when they start running, with
// code and message.
func (s *Server) FailNextJobs(n int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, JobError{Code: code, Message: message})
	}
}

// FailJob fails a job that has not finished yet with code and message (a held
// job fails at once).
func (s *Server) FailJob(name, code, message string) error {
	j, err := s.activeJob(name)
	if err != nil {
		return err
	}
	j.cancel(&JobError{Code: code, Message: message})
	return nil
}

// CancelJob cancels a job as the ARM cancel operation does.
func (s *Server) CancelJob(name string) error {
	j, err := s.activeJob(name)
	if err != nil {
		return err
	}
	s.requestCancel(j)
	return nil
}

func (s *Server) activeJob(name string) (*job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[name]
	if j == nil {
		return nil, fmt.Errorf("emulator: no job %q", name)
	}
	if IsTerminal(j.status) {
		return nil, fmt.Errorf("emulator: job %q already %s", name, j.status)
	}
	return j, nil
}

func (s *Server) requestCancel(j *job) {
	s.mu.Lock()
	if !IsTerminal(j.status) {
		j.setStatusLocked(StatusCancelRequested)
	}
	s.mu.Unlock()
	j.cancel(errCanceled)
}

// Job returns a snapshot of a job.
func (s *Server) Job(name string) (JobInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[name]
	if j == nil {
		return JobInfo{}, false
	}
	return j.infoLocked(), true
}

// Jobs returns snapshots of all jobs, oldest first.
func (s *Server) Jobs() []JobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobInfo, len(s.jobOrder))
	for i, j := range s.jobOrder {
		out[i] = j.infoLocked()
	}
	return out
}

// WaitJob waits until a job is terminal and returns its snapshot.
func (s *Server) WaitJob(ctx context.Context, name string) (JobInfo, error) {
	return s.waitFor(ctx, name, func(i *JobInfo) bool { return IsTerminal(i.Status) })
}

// WaitStatus waits until a job has reached status (now or earlier in its history).
func (s *Server) WaitStatus(ctx context.Context, name, status string) (JobInfo, error) {
	return s.waitFor(ctx, name, func(i *JobInfo) bool {
		for _, h := range i.History {
			if h.Status == status {
				return true
			}
		}
		return false
	})
}

func (s *Server) waitFor(ctx context.Context, name string, ok func(*JobInfo) bool) (JobInfo, error) {
	for {
		s.mu.Lock()
		j := s.jobs[name]
		if j == nil {
			s.mu.Unlock()
			return JobInfo{}, fmt.Errorf("emulator: no job %q", name)
		}
		info := j.infoLocked()
		ch := j.changed
		s.mu.Unlock()
		if ok(&info) {
			return info, nil
		}
		if IsTerminal(info.Status) {
			return info, fmt.Errorf("emulator: job %s ended %s", name, info.Status)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return info, ctx.Err()
		}
	}
}

func (j *job) infoLocked() JobInfo {
	i := JobInfo{
		Name: j.name, DisplayName: j.displayName, ExperimentName: j.experimentName, Workspace: j.ws.cfg,
		Endpoint: j.endpoint, Deployment: j.deployment, Pipeline: j.pipeline, Status: j.status,
		History: append([]StatusChange(nil), j.history...), Inputs: map[string]JobInput{}, Outputs: map[string]JobOutput{},
		Tags: j.tags(), Properties: j.allProperties(), Description: j.description, Archived: j.archived, RepeatabilityID: j.repeatID, CreatedAt: j.created,
		MiniBatches: j.miniBatches, FailedMiniBatches: j.failedMB, FailedFiles: j.failedFiles,
	}
	if j.err != nil {
		e := *j.err
		i.Error = &e
	}
	for _, in := range j.inputs {
		i.Inputs[in.name] = JobInput{Type: in.typ, Kind: kindOfType(in.typ), URI: in.uri, Mode: in.mode, Value: in.value}
	}
	for _, o := range j.outputs {
		i.Outputs[o.name] = JobOutput{Type: o.typ, Kind: kindOfType(o.typ), URI: o.uri, Mode: o.mode}
	}
	return i
}

// runJob drives a job from Preparing to a terminal status.
func (s *Server) runJob(j *job) {
	defer s.jobsWG.Done()
	defer close(j.done)
	scratch := filepath.Join(s.tmpDir, "jobs", j.name)
	defer os.RemoveAll(scratch)
	err := s.progress(j, scratch)
	status, je := s.outcome(j, err)
	s.logEnd(j, status, je)
	// The logs are written before the final status shows, so a client that sees it can read them;
	// not when the server is closing: nobody can read them then, and a hundred jobs writing to
	// storage at once held Close for its whole timeout.
	if !errors.Is(context.Cause(j.ctx), errShutdown) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.flushLogs(ctx, j)
		cancel()
	}
	s.finish(j, status, je)
}

func (s *Server) progress(j *job, scratch string) error {
	if err := s.pause(j, StatusPreparing, true); err != nil {
		return err
	}
	if !s.setStatus(j, StatusQueued) {
		return context.Cause(j.ctx)
	}
	if err := s.pause(j, StatusQueued, true); err != nil {
		return err
	}
	if !s.setStatus(j, StatusRunning) {
		return context.Cause(j.ctx)
	}
	s.logStart(j)
	s.flushLogs(j.ctx, j)
	if err := s.pause(j, StatusRunning, false); err != nil {
		return err
	}
	if j.scripted != nil {
		return j.scripted
	}
	var uploads []pendingUpload
	var err error
	if j.pipeline {
		uploads, err = s.runPipeline(j, scratch)
	} else {
		uploads, err = s.runModel(j, scratch)
	}
	if err != nil {
		return err
	}
	if !s.setStatus(j, StatusFinalizing) {
		return context.Cause(j.ctx)
	}
	for _, u := range uploads {
		if err := s.uploadBlob(j.ctx, u.loc, u.name, u.data); err != nil {
			if c := context.Cause(j.ctx); c != nil {
				return c
			}
			return &JobError{Code: "SystemError", Message: fmt.Sprintf("Failed to upload output to %s: %v", u.uri, redactErr(err))}
		}
	}
	return s.pause(j, StatusFinalizing, true)
}

// outcome maps the result of progress to the job's final status and error.
func (s *Server) outcome(j *job, err error) (string, *JobError) {
	if c := context.Cause(j.ctx); c != nil && j.ctx.Err() != nil {
		err = c
	}
	var je *JobError
	switch {
	case err == nil:
		return StatusCompleted, nil
	case errors.Is(err, errCanceled) || errors.Is(err, errShutdown):
		return StatusCanceled, nil
	case errors.As(err, &je):
		return StatusFailed, je
	}
	return StatusFailed, &JobError{Code: "SystemError", Message: redactErr(err)}
}

func (s *Server) finish(j *job, status string, je *JobError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.err = je
	j.setStatusLocked(status)
	j.ended = time.Now().UTC()
	j.cancelFn(nil)
	msg := ""
	if j.err != nil {
		msg = " (" + j.err.Code + ")"
	}
	s.logf("job %s: %s%s", j.name, j.status, msg)
}

// pendingUpload is an output blob written in Finalizing.
type pendingUpload struct {
	loc  blobLoc
	name string
	uri  string
	data []byte
}

var sigRE = regexp.MustCompile(`sig=[^&"\s]+`)

// redactErr renders an error without SAS signatures.
func redactErr(err error) string {
	return sigRE.ReplaceAllString(err.Error(), "sig=REDACTED")
}
