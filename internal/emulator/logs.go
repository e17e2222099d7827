package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// Job logs. The emulator writes the log files a batch job's runs have on the
// service, in the workspace's artifact container ("azureml" on the default
// datastore's account, path ExperimentRun/dcid.<run id>/<log name>), and lists
// them in each run's logFiles as read-only SAS URLs:
//
//   - the job (pipeline run): logs/azureml/executionlogs.txt;
//   - a model deployment's batchscoring child: user_logs/std_log.txt (the
//     driver's output: progress, and each failed mini-batch attempt with its
//     Python-style traceback), logs/user/error.txt (the tracebacks only),
//     logs/job_progress_overview.txt and logs/sys/master_role.txt;
//   - a pipeline deployment's steps: user_logs/std_log.txt (the last step
//     carries the component's error).
//
// Logs are uploaded when the job starts running, after scoring and when it
// ends (before its final status is visible). A workspace whose default
// datastore has no account key behind it gets no log files (logFiles is {}).

// Log names.
const (
	LogExecution       = "logs/azureml/executionlogs.txt"
	LogStd             = "user_logs/std_log.txt"
	LogUserError       = "logs/user/error.txt"
	LogProgress        = "logs/job_progress_overview.txt"
	LogMasterRole      = "logs/sys/master_role.txt"
	artifactsContainer = "azureml"
)

// jobLogs holds a job's log contents and where they were uploaded.
type jobLogs struct {
	mu      sync.Mutex
	content map[string]map[string]*strings.Builder // run id -> name -> content
	dirty   map[string]map[string]bool
	urls    map[string]map[string]string // run id -> name -> SAS URL of the uploaded blob
}

func newJobLogs() *jobLogs {
	return &jobLogs{content: map[string]map[string]*strings.Builder{}, dirty: map[string]map[string]bool{}, urls: map[string]map[string]string{}}
}

// add appends lines to a run's log.
func (l *jobLogs) add(run, name string, lines ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.content[run] == nil {
		l.content[run], l.dirty[run] = map[string]*strings.Builder{}, map[string]bool{}
	}
	b := l.content[run][name]
	if b == nil {
		b = &strings.Builder{}
		l.content[run][name] = b
	}
	for _, ln := range lines {
		b.WriteString(ln)
		b.WriteByte('\n')
	}
	l.dirty[run][name] = true
}

// logTime formats t as Python's logging module does.
func logTime(t time.Time) string {
	t = t.UTC()
	return t.Format("2006-01-02 15:04:05") + fmt.Sprintf(",%03d", t.Nanosecond()/1e6)
}

func (j *job) logf(run, name, level, format string, args ...any) {
	j.logs.add(run, name, logTime(time.Now())+" "+level+" "+fmt.Sprintf(format, args...))
}

// traceback renders err as the Python traceback the service's driver logs for
// a failed run() of the scoring script.
func traceback(err error) []string {
	msg := strings.ReplaceAll(redactErr(err), "\n", " ")
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "The run() function of the entry script timed out"
		return []string{"Traceback (most recent call last):", `  File "score.py", line 1, in run`, "TimeoutError: " + msg}
	}
	return []string{"Traceback (most recent call last):", `  File "score.py", line 1, in run`, "Exception: " + msg}
}

// logStart records that the job began running.
func (s *Server) logStart(j *job) {
	ids := make([]string, len(j.children))
	for i, c := range j.children {
		ids[i] = c.module + ":" + c.id
	}
	j.logf(j.name, LogExecution, "INFO", "Submitting %d runs, first five are: %s", len(ids), strings.Join(ids[:min(5, len(ids))], ","))
	for _, c := range j.children {
		j.logf(c.id, LogStd, "INFO", "Starting %s (run %s of pipeline run %s)", c.module, c.id, j.name)
	}
	if !j.pipeline {
		st := j.settings
		c := j.children[0].id
		j.logf(c, LogMasterRole, "INFO", "Start: mini_batch_size=%d, process_count_per_node=%d, node_count=%d, run_max_try=%d, run_invocation_timeout=%d, error_threshold=%d",
			st.miniBatchSize, st.concurrency, st.instanceCount, st.maxRetries, int(st.timeout/time.Second), st.errorThreshold)
	}
}

// logMiniBatchFailure records a failed attempt of a mini-batch.
func (s *Server) logMiniBatchFailure(j *job, idx, attempt, tries, files int, err error) {
	c := j.children[0].id
	head := fmt.Sprintf("%s ERROR Mini-batch %d (%d files), attempt %d of %d, failed: %s", logTime(time.Now()), idx, files, attempt, tries,
		strings.ReplaceAll(redactErr(err), "\n", " "))
	lines := append([]string{head}, traceback(err)...)
	j.logs.add(c, LogStd, lines...)
	j.logs.add(c, LogUserError, lines...)
}

// logScored records the mini-batch summary of a model deployment job.
func (s *Server) logScored(j *job, total, failedMB, failedFiles, files int) {
	c := j.children[0].id
	j.logs.add(c, LogProgress,
		fmt.Sprintf("%d mini-batches were processed; %d succeeded, %d failed.", total, total-failedMB, failedMB),
		fmt.Sprintf("%d of %d items failed (error_threshold %d).", failedFiles, files, j.settings.errorThreshold))
}

// logEnd records the job's outcome.
func (s *Server) logEnd(j *job, status string, je *JobError) {
	last := j.children[len(j.children)-1].id
	if je != nil {
		msg := strings.ReplaceAll(je.Message, "\n", " ")
		j.logf(last, LogStd, "ERROR", "%s: %s", je.Code, msg)
		if j.pipeline {
			j.logs.add(last, LogStd, traceback(errors.New(msg))...)
		}
	}
	for _, c := range j.children {
		j.logf(c.id, LogStd, "INFO", "Run %s finished: %s", c.module, status)
	}
	if !j.pipeline {
		j.logf(j.children[0].id, LogMasterRole, "INFO", "Job finished with status %s", status)
	}
	j.logf(j.name, LogExecution, "INFO", "Pipeline run %s finished with status %s", j.name, status)
}

// flushLogs uploads the logs that changed since the last flush.
func (s *Server) flushLogs(ctx context.Context, j *job) {
	s.mu.Lock()
	ds := j.ws.defaultDatastoreLocked()
	s.mu.Unlock()
	if ds == nil || ds.cfg.ServiceURL == "" || ds.cfg.AccountKey == "" {
		return
	}
	d := ds.cfg
	type pending struct{ run, name, data string }
	var todo []pending
	j.logs.mu.Lock()
	for run, names := range j.logs.dirty {
		for name := range names {
			todo = append(todo, pending{run, name, j.logs.content[run][name].String()})
			delete(names, name)
		}
	}
	j.logs.mu.Unlock()
	loc := blobLoc{serviceURL: d.ServiceURL, container: artifactsContainer, account: d.AccountName, key: d.AccountKey}
	for _, p := range todo {
		blob := "ExperimentRun/dcid." + p.run + "/" + p.name
		if err := s.uploadBlob(ctx, loc, blob, []byte(p.data)); err != nil {
			s.logf("job %s: writing log %s: %s", j.name, p.name, redactErr(err))
			j.logs.mu.Lock()
			j.logs.dirty[p.run][p.name] = true
			j.logs.mu.Unlock()
			continue
		}
		u, err := logURL(d, blob)
		if err != nil {
			continue
		}
		j.logs.mu.Lock()
		if j.logs.urls[p.run] == nil {
			j.logs.urls[p.run] = map[string]string{}
		}
		j.logs.urls[p.run][p.name] = u
		j.logs.mu.Unlock()
	}
}

// logURL is a read-only SAS URL of an artifact blob, addressed as clients
// address the datastore (the production-style host when its endpoint is a DNS
// suffix).
func logURL(d Datastore, blob string) (string, error) {
	cred, err := azblob.NewSharedKeyCredential(d.AccountName, d.AccountKey)
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	qp, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPSandHTTP, StartTime: now.Add(-5 * time.Minute), ExpiryTime: now.Add(7 * 24 * time.Hour),
		Permissions: (&sas.BlobPermissions{Read: true}).String(), ContainerName: artifactsContainer, BlobName: blob}.SignWithSharedKey(cred)
	if err != nil {
		return "", err
	}
	base := d.ServiceURL
	if !strings.Contains(d.Endpoint, "://") {
		base = d.Protocol + "://" + d.AccountName + ".blob." + d.Endpoint + "/"
	}
	return base + artifactsContainer + "/" + (&url.URL{Path: blob}).EscapedPath() + "?" + qp.Encode(), nil
}

// logFileURLsLocked returns a run's log files (name -> SAS URL); never nil.
func (s *Server) logFileURLsLocked(j *job, run string) map[string]string {
	out := map[string]string{}
	if j.logs == nil {
		return out
	}
	j.logs.mu.Lock()
	defer j.logs.mu.Unlock()
	for k, v := range j.logs.urls[run] {
		out[k] = v
	}
	return out
}

// JobLogs returns the log contents of a job's runs as written so far: run id
// (the job's name or a child run's id) -> log name -> text.
func (s *Server) JobLogs(job string) map[string]map[string]string {
	s.mu.Lock()
	j := s.jobs[job]
	s.mu.Unlock()
	out := map[string]map[string]string{}
	if j == nil || j.logs == nil {
		return out
	}
	j.logs.mu.Lock()
	defer j.logs.mu.Unlock()
	for run, names := range j.logs.content {
		out[run] = map[string]string{}
		for n, b := range names {
			out[run][n] = b.String()
		}
	}
	return out
}
