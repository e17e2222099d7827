package batchendpoint

import (
	"bytes"
	"context"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// A job's logs are the logFiles of its Run History details and of its child
// runs' (README of internal/wire, "Run History"): names mapped to URLs that
// carry their own SAS, so they are read without a bearer token.

// ListLogs lists the log files of the job and of its child jobs (Run History
// details of each). The list changes while the job runs.
func (j *Job) ListLogs(ctx context.Context, _ *ListLogsOptions) (resp ListLogsResponse, err error) {
	err = j.runHistoryOp(ctx, "Job.ListLogs", "listing the logs", func(ctx context.Context) error {
		own, err := j.c.runDetails(ctx, j.h.Name)
		if err != nil {
			return err
		}
		resp.Logs, err = j.c.jobLogs(ctx, j.h.Name, own)
		return err
	})
	return resp, err
}

// DownloadLogs writes the job's log files into dir: the job's own at their
// names below dir, a child job's below dir/<child job name>/. A file is
// written to a temporary name and renamed once complete.
func (j *Job) DownloadLogs(ctx context.Context, dir string, options *DownloadLogsOptions) (resp DownloadLogsResponse, err error) {
	ctx, end := j.c.span(ctx, "Job.DownloadLogs")
	defer func() { end(err) }()
	if dir == "" {
		return resp, &ValidationError{Field: "dir", Problem: "the destination folder is empty", Fix: "give a folder to download into"}
	}
	var o DownloadLogsOptions
	if options != nil {
		o = *options
	}
	list, err := j.ListLogs(ctx, nil)
	if err != nil {
		return resp, err
	}
	pl := j.c.logPipeline()
	for _, l := range list.Logs {
		if o.Kind != "" && l.Kind != o.Kind {
			continue
		}
		rel := filepath.FromSlash(l.Name)
		if l.Job != j.h.Name {
			rel = filepath.Join(l.Job, rel)
		}
		if !filepath.IsLocal(rel) {
			return resp, fmt.Errorf("log %q of job %s would be written outside %s", l.Name, l.Job, dir)
		}
		data, err := readLog(ctx, pl, l.url, 0, 0)
		if err != nil {
			return resp, fmt.Errorf("downloading log %s of job %s: %w", l.Name, l.Job, err)
		}
		dest := filepath.Join(dir, rel)
		if err := writeFileAtomic(dest, data); err != nil {
			return resp, err
		}
		resp.Files = append(resp.Files, dest)
		resp.Bytes += int64(len(data))
	}
	sort.Strings(resp.Files)
	return resp, nil
}

func writeFileAtomic(dest string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+"."+uuid.NewString()[:8]+".partial")
	if err := os.WriteFile(tmp, data, 0o666); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// jobLogs returns the logs of job (whose details are own) and of its children.
func (c *Client) jobLogs(ctx context.Context, job string, own wire.RunDetails) ([]LogFile, error) {
	logs := logFilesOf(job, own)
	children, err := c.runChildren(ctx, job)
	if err != nil {
		return logs, err
	}
	for _, ch := range children {
		d, err := c.runDetails(ctx, ch.RunID)
		if err != nil {
			return logs, err
		}
		logs = append(logs, logFilesOf(ch.RunID, d)...)
	}
	return logs, nil
}

func logFilesOf(job string, d wire.RunDetails) []LogFile {
	names := make([]string, 0, len(d.LogFiles))
	for n := range d.LogFiles {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]LogFile, 0, len(names))
	for _, n := range names {
		out = append(out, LogFile{Job: job, Name: n, Kind: logKindOf(n), url: d.LogFiles[n]})
	}
	return out
}

// logKindOf classifies a log by its folder, as the service names them.
func logKindOf(name string) LogKind {
	n := strings.ToLower(strings.TrimLeft(name, "/"))
	for _, p := range []string{"user_logs/", "logs/user/"} {
		if strings.HasPrefix(n, p) {
			return LogKindUser
		}
	}
	for _, p := range []string{"system_logs/", "logs/sys/", "azureml-logs/"} {
		if strings.HasPrefix(n, p) {
			return LogKindSystem
		}
	}
	return LogKindOther
}

// logPipeline reads log URLs: the client's transport, retry and logging, and
// no bearer token (the URLs carry their own SAS).
func (c *Client) logPipeline() runtime.Pipeline {
	return runtime.NewPipeline(moduleName, moduleVersion, runtime.PipelineOptions{}, &c.storageOptions().ClientOptions)
}

// readLog reads a log from byte offset on (a Range request), at most limit
// bytes when limit > 0. A server that ignores Range (200) is read past offset;
// 416 (nothing past offset yet) is an empty read.
func readLog(ctx context.Context, pl runtime.Pipeline, rawURL string, offset, limit int64) ([]byte, error) {
	if _, err := checkTokenURL(rawURL, false); err != nil {
		return nil, fmt.Errorf("the log URL %s %w", shownURL(rawURL), err)
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, rawURL)
	if err != nil {
		return nil, fmt.Errorf("the log URL %s is not usable", shownURL(rawURL))
	}
	switch {
	case limit > 0:
		req.Raw().Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+limit-1))
	case offset > 0:
		req.Raw().Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	runtime.SkipBodyDownload(req)
	resp, err := pl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusRequestedRangeNotSatisfiable:
		return nil, nil
	case http.StatusPartialContent:
		return readLimited(resp.Body, limit)
	case http.StatusOK:
		if offset > 0 {
			if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
				return nil, nil // shorter than what was read already
			}
		}
		return readLimited(resp.Body, limit)
	}
	return nil, serviceError(resp)
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if limit > 0 {
		r = io.LimitReader(r, limit)
	}
	return io.ReadAll(r)
}

// maxLogLine bounds a line the follower holds back waiting for its line break.
const maxLogLine = 64 << 10

// logFollower reads a job's logs incrementally for Job.Wait: each step reads
// every log from where the last step stopped and reports the complete lines.
type logFollower struct {
	j    *Job
	on   func(LogLine)
	pl   runtime.Pipeline
	off  map[string]int64
	rest map[string][]byte
}

func newLogFollower(j *Job, on func(LogLine)) *logFollower {
	return &logFollower{j: j, on: on, pl: j.c.logPipeline(), off: map[string]int64{}, rest: map[string][]byte{}}
}

// step reports the lines appended since the last step; final also reports a
// last line without a line break. Failures to read are skipped: the next step
// reads again from the same offset, and logs never fail the wait.
func (f *logFollower) step(ctx context.Context, final bool) {
	own, err := f.j.c.runDetails(ctx, f.j.h.Name)
	if err != nil {
		return
	}
	logs, _ := f.j.c.jobLogs(ctx, f.j.h.Name, own) // what could be listed
	for _, l := range logs {
		k := l.Job + "\x00" + l.Name
		data, err := readLog(ctx, f.pl, l.url, f.off[k], 0)
		if err != nil {
			continue
		}
		f.off[k] += int64(len(data))
		buf := append(f.rest[k], data...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			f.emit(l, buf[:i])
			buf = buf[i+1:]
		}
		if len(buf) > 0 && (final || len(buf) > maxLogLine) {
			f.emit(l, buf)
			buf = nil
		}
		f.rest[k] = bytes.Clone(buf)
	}
}

func (f *logFollower) emit(l LogFile, line []byte) {
	f.on(LogLine{Job: l.Job, File: l.Name, Text: redact.String(strings.TrimSuffix(string(line), "\r"))})
}

// Error lines of a failed job's logs, for JobFailedError.LogLines.
const (
	maxErrorLines    = 20
	maxErrorLineLen  = 500
	maxErrorLogBytes = 1 << 20
)

// errorStart marks where a failure begins in a log that is not an error log.
var errorStart = names.NewPattern(`Traceback \(most recent call last\)|\b[A-Za-z]*(Error|Exception)\b|\bERROR\b`, 0)

// failureLines returns the first error lines of the logs of a failed job
// (whose details are own), redacted: the lines of the error logs (a log whose
// name says error, such as the mini-batch error logs), else the lines of a
// user log, then any other log, from its first traceback or error on. Nil when
// there are none or the logs cannot be read.
func (c *Client) failureLines(ctx context.Context, job string, own wire.RunDetails) []string {
	logs, _ := c.jobLogs(ctx, job, own)
	if len(logs) == 0 {
		return nil
	}
	pl := c.logPipeline()
	texts := make(map[int]string, len(logs))
	read := func(i int) string {
		if t, ok := texts[i]; ok {
			return t
		}
		data, err := readLog(ctx, pl, logs[i].url, 0, maxErrorLogBytes)
		if err != nil {
			data = nil
		}
		texts[i] = string(data)
		return texts[i]
	}
	var out []string
	add := func(text string, fromFirstError bool) {
		started := !fromFirstError
		for line := range strings.Lines(text) {
			line = strings.TrimRight(line, "\r\n")
			if !started {
				if !errorStart.MatchString(line) {
					continue
				}
				started = true
			}
			if strings.TrimSpace(line) == "" || len(out) >= maxErrorLines {
				continue
			}
			if len(line) > maxErrorLineLen {
				line = line[:maxErrorLineLen] + "..."
			}
			out = append(out, redact.String(line))
		}
	}
	for i, l := range logs {
		if strings.Contains(strings.ToLower(l.Name), "error") {
			add(read(i), false)
		}
	}
	for _, kind := range []LogKind{LogKindUser, LogKindOther, LogKindSystem} {
		for i, l := range logs {
			if len(out) == 0 && l.Kind == kind && !strings.Contains(strings.ToLower(l.Name), "error") {
				add(read(i), true)
			}
		}
	}
	return out
}
