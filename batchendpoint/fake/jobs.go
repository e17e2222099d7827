package fake

import (
	"context"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// JobInfo is a snapshot of a job as the fake sees it.
type JobInfo struct {
	// Name is the job's name (batchjob-<uuid> or pipelinejob-<uuid>).
	Name string
	// DisplayName is the job's display name.
	DisplayName string
	// ExperimentName is the job's experiment (the endpoint's name unless a
	// pipeline job set it).
	ExperimentName string
	// Endpoint and Deployment ran the job.
	Endpoint, Deployment string
	// Pipeline is true for jobs of pipeline component deployments.
	Pipeline bool
	// Status is the current status and History every status so far, in order.
	Status  batchendpoint.JobStatus
	History []batchendpoint.JobStatus
	// Error is why the job failed.
	Error *JobError
	// Inputs and Outputs are as the job recorded them; Outputs hold the final
	// locations (default locations filled in).
	Inputs  map[string]batchendpoint.JobInput
	Outputs map[string]batchendpoint.JobOutput
	// RepeatabilityID is the repeatability_request-id the job was created with.
	RepeatabilityID string
	// CreatedAt is when the job was created.
	CreatedAt time.Time
	// MiniBatches, FailedMiniBatches and FailedFiles count a model deployment
	// job's mini-batches.
	MiniBatches, FailedMiniBatches, FailedFiles int
}

// jobInfo puts the emulator's snapshot in batchendpoint's terms (statuses,
// inputs and outputs as a client reads them back); the emulator cannot use
// batchendpoint's types, as batchendpoint's own tests run against it.
func jobInfo(i emulator.JobInfo) JobInfo {
	j := JobInfo{Name: i.Name, DisplayName: i.DisplayName, ExperimentName: i.ExperimentName, Endpoint: i.Endpoint,
		Deployment: i.Deployment, Pipeline: i.Pipeline, Status: batchendpoint.JobStatus(i.Status), RepeatabilityID: i.RepeatabilityID,
		CreatedAt: i.CreatedAt, MiniBatches: i.MiniBatches, FailedMiniBatches: i.FailedMiniBatches, FailedFiles: i.FailedFiles,
		Inputs: map[string]batchendpoint.JobInput{}, Outputs: map[string]batchendpoint.JobOutput{}}
	for _, h := range i.History {
		j.History = append(j.History, batchendpoint.JobStatus(h.Status))
	}
	j.Error = i.Error
	for k, in := range i.Inputs {
		j.Inputs[k] = batchendpoint.JobInput{Kind: in.Kind, URI: in.URI, Value: in.Value, Mode: in.Mode}
	}
	for k, o := range i.Outputs {
		j.Outputs[k] = batchendpoint.JobOutput{Kind: o.Kind, URI: o.URI, Mode: o.Mode}
	}
	return j
}

// Job returns a snapshot of the named job.
func (w *Workspace) Job(name string) (JobInfo, bool) {
	i, ok := w.srv.Job(name)
	if !ok {
		return JobInfo{}, false
	}
	return jobInfo(i), true
}

// Jobs returns snapshots of every job, oldest first.
func (w *Workspace) Jobs() []JobInfo {
	all := w.srv.Jobs()
	out := make([]JobInfo, len(all))
	for i, j := range all {
		out[i] = jobInfo(j)
	}
	return out
}

// WaitJob waits until the named job ends and returns its final snapshot.
func (w *Workspace) WaitJob(ctx context.Context, name string) (JobInfo, error) {
	i, err := w.srv.WaitJob(ctx, name)
	return jobInfo(i), err
}

// WaitJobStatus waits until the named job has reached status (now or earlier).
// It fails if the job ends without reaching it.
func (w *Workspace) WaitJobStatus(ctx context.Context, name string, status batchendpoint.JobStatus) (JobInfo, error) {
	i, err := w.srv.WaitStatus(ctx, name, string(status))
	return jobInfo(i), err
}

// FailNextJob makes the next job created fail, when it starts running, with
// code and message (which the client reads back as JobFailedError.Code and Message).
func (w *Workspace) FailNextJob(code, message string) { w.srv.FailNextJobs(1, code, message) }

// FailNextJobs is FailNextJob for the next n jobs.
func (w *Workspace) FailNextJobs(n int, code, message string) { w.srv.FailNextJobs(n, code, message) }

// FailJob fails a job that has not ended yet with code and message (a held job
// fails at once). It returns an error for unknown or finished jobs.
func (w *Workspace) FailJob(name, code, message string) error {
	return w.srv.FailJob(name, code, message)
}

// CancelJob cancels a job as the service's cancel operation does. It returns an
// error for unknown or finished jobs.
func (w *Workspace) CancelJob(name string) error { return w.srv.CancelJob(name) }

// Hold keeps jobs in a status until released; Release is idempotent.
type Hold = emulator.Hold

// HoldJobs makes jobs (every job, or only the named ones) stay in status until
// the returned Hold is released, the job is canceled or failed, or the
// workspace is cleaned up. status is JobStatusPreparing, JobStatusQueued,
// JobStatusRunning (before the deployment's function runs) or
// JobStatusFinalizing.
func (w *Workspace) HoldJobs(status batchendpoint.JobStatus, jobNames ...string) *Hold {
	return w.srv.HoldJobs(string(status), jobNames...)
}

// ChildRun is a child run (step) of a job as Run History reports it: a model
// deployment's job has one, Module "batchscoring", which holds the "score"
// output and the scoring logs; a pipeline deployment's job has one per
// PipelineDeployment.Steps entry.
type ChildRun = emulator.ChildRun

// ChildRuns returns the child runs of the named job in step order (nil for an
// unknown job).
func (w *Workspace) ChildRuns(job string) []ChildRun { return w.srv.ChildRuns(job) }

// JobLogs returns the log files the job's runs have written so far: run id
// (the job's name, or a ChildRun's ID) -> log name (user_logs/std_log.txt,
// logs/user/error.txt, logs/job_progress_overview.txt,
// logs/sys/master_role.txt, logs/azureml/executionlogs.txt) -> content. The
// same files are in the workspace's artifact container, listed in each run's
// logFiles. A failed mini-batch attempt appears in user_logs/std_log.txt as
// the service's driver writes it: an ERROR line followed by a Python traceback.
func (w *Workspace) JobLogs(job string) map[string]map[string]string { return w.srv.JobLogs(job) }
