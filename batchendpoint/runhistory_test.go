package batchendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Run History on the hand-written fake (storagefake_test.go): children,
// rundata, batchGetResolvedUris, run details with logFiles, and the log files
// themselves, as internal/wire/README.md ("Run History") writes them down.
// The emulator serves these routes too once it has them; these tests script
// what a real workspace gives only in some runs (a log growing between polls,
// a mini-batch's traceback, a half-written line).

const stLogSig = "LOGSIGs3cr3t"

type stRun struct {
	id, parent, status, display, module string
	outputs                             map[string]wire.TypedAssetReference
	inlineOutputs                       bool // in the children list entry; else only through rundata
	logs                                map[string]string
	errCode, errMsg                     string
}

// stStep is one job GET of a scripted job: its status, and text appended to
// logs (key run + "/" + log name) before it is answered.
type stStep struct {
	status  string
	appends map[string]string
}

type stRunHistory struct {
	runs       map[string]*stRun
	order      []string
	assets     map[string]string // asset id → resolved URI
	script     map[string][]stStep
	gets       map[string]int
	logHeaders []http.Header
}

func (f *stFake) addRun(r *stRun) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rh.runs == nil {
		f.rh.runs, f.rh.assets, f.rh.script, f.rh.gets = map[string]*stRun{}, map[string]string{}, map[string][]stStep{}, map[string]int{}
	}
	if r.logs == nil {
		r.logs = map[string]string{}
	}
	f.rh.runs[r.id] = r
	f.rh.order = append(f.rh.order, r.id)
}

func (f *stFake) addAsset(id, uri string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rh.assets[id] = uri
}

func (f *stFake) logRequests() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.rh.logHeaders...)
}

func (f *stFake) serveRunHistory(w http.ResponseWriter, r *http.Request, body []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.URL.Path
	if f.rh.runs == nil || strings.HasPrefix(p, "/score/") {
		return false
	}
	if rest, ok := strings.CutPrefix(p, "/logs/"); ok {
		f.rh.logHeaders = append(f.rh.logHeaders, r.Header.Clone())
		run, name, _ := strings.Cut(rest, "/")
		content, ok := f.rh.runs[run].logsOf(name)
		if r.URL.Query().Get("sig") != stLogSig || r.Header.Get("Authorization") != "" || !ok {
			stError(w, http.StatusForbidden, "AuthenticationFailed", "log URLs take their SAS and no token")
			return true
		}
		http.ServeContent(w, r, name, time.Time{}, strings.NewReader(content))
		return true
	}
	if r.Header.Get("Authorization") != "Bearer scope:"+stARMScope {
		stError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Run History wants the ARM-scoped token")
		return true
	}
	hist := "/history/v1.0" + stWorkspace
	switch {
	case r.Method == http.MethodGet && p == stWorkspace:
		stWriteJSON(w, http.StatusOK, map[string]any{"properties": map[string]any{"discoveryUrl": f.srv.URL + "/discovery"}})
	case r.Method == http.MethodGet && p == "/discovery":
		stWriteJSON(w, http.StatusOK, map[string]string{"api": f.srv.URL, "history": f.srv.URL})
	case r.Method == http.MethodGet && strings.HasPrefix(p, hist+"/runs/"):
		run, what, _ := strings.Cut(strings.TrimPrefix(p, hist+"/runs/"), "/")
		if f.rh.runs[run] == nil && f.jobIndex(run) < 0 {
			stError(w, http.StatusNotFound, "RunNotFound", "no run "+run)
			return true
		}
		switch what {
		case "children":
			out := wire.RunList{Value: []wire.Run{}}
			for _, id := range f.rh.order {
				if c := f.rh.runs[id]; c.parent == run {
					wr := wire.Run{RunID: c.id, ParentRunID: c.parent, DisplayName: c.display, Status: c.status, Properties: map[string]string{"azureml.moduleName": c.module}}
					if c.inlineOutputs {
						wr.Outputs = c.outputs
					}
					out.Value = append(out.Value, wr)
				}
			}
			stWriteJSON(w, http.StatusOK, out)
		case "details":
			d := wire.RunDetails{RunID: run, LogFiles: map[string]string{}}
			if c := f.rh.runs[run]; c != nil {
				for name := range c.logs {
					d.LogFiles[name] = f.srv.URL + "/logs/" + run + "/" + name + "?sv=2021&sig=" + stLogSig
				}
				if c.errCode != "" {
					d.Error = &wire.RunError{Error: wire.ErrorDetail{Code: c.errCode, Message: c.errMsg}}
				}
			}
			stWriteJSON(w, http.StatusOK, d)
		default:
			stError(w, http.StatusNotFound, "NotFound", p)
		}
	case r.Method == http.MethodPost && p == hist+"/rundata":
		var req wire.GetRunDataRequest
		_ = json.Unmarshal(body, &req)
		c := f.rh.runs[req.RunID]
		if c == nil {
			stError(w, http.StatusNotFound, "RunNotFound", "no run "+req.RunID)
			return true
		}
		stWriteJSON(w, http.StatusOK, map[string]any{"runMetadata": wire.Run{RunID: c.id, Outputs: c.outputs}})
	case r.Method == http.MethodPost && p == "/data/v1.0"+stWorkspace+"/dataversion/batchGetResolvedUris":
		var req wire.BatchGetResolvedURIs
		_ = json.Unmarshal(body, &req)
		out := wire.BatchDataURIResponse{Values: map[string]wire.DataURI{}}
		for _, id := range req.Values {
			if u, ok := f.rh.assets[id]; ok {
				out.Values[id] = wire.DataURI{URI: u}
			}
		}
		stWriteJSON(w, http.StatusOK, out)
	case r.Method == http.MethodGet && strings.HasPrefix(p, stWorkspace+"/jobs/"):
		name := strings.TrimPrefix(p, stWorkspace+"/jobs/")
		steps := f.rh.script[name]
		if len(steps) == 0 {
			return false
		}
		st := steps[min(f.rh.gets[name], len(steps)-1)]
		f.rh.gets[name]++
		for k, text := range st.appends {
			run, log, _ := strings.Cut(k, "/")
			f.rh.runs[run].logs[log] += text
		}
		f.jobs[f.jobIndex(name)].Properties.Status = st.status
		return false // the job GET itself is answered by serve
	default:
		return false
	}
	return true
}

func (r *stRun) logsOf(name string) (string, bool) {
	if r == nil {
		return "", false
	}
	s, ok := r.logs[name]
	return s, ok
}

// jobIndex returns the index of job name in f.jobs, or -1; f.mu held.
func (f *stFake) jobIndex(name string) int {
	for i, j := range f.jobs {
		if j.Name == name {
			return i
		}
	}
	return -1
}

func asset(name string) string {
	return "azureml://locations/eastus/workspaces/w/data/" + name + "/versions/1"
}

// rhFake is a workspace with three jobs: a model deployment's job whose
// outputs are on its batchscoring child, a pipeline job with two steps, and a
// job without children.
func rhFake(t *testing.T) *stFake {
	f := newSTFake(t)
	f.addJob(stJob("batchjob-model", "heart-ep", "xgb"))
	f.addJob(stJob("pipelinejob-p", "heart-ep", "pipe"))
	f.addJob(stJob("batchjob-alone", "heart-ep", "xgb"))
	f.addRun(&stRun{id: "batchjob-model", status: "Completed", logs: map[string]string{"system_logs/lifecycler/lifecycler.log": "started\n"}})
	f.addRun(&stRun{id: "child-score", parent: "batchjob-model", status: "Completed", display: "batchscoring", module: "batchscoring", inlineOutputs: true,
		outputs: map[string]wire.TypedAssetReference{"score": {AssetID: asset("score"), Type: "UriFile"}},
		logs:    map[string]string{"user_logs/std_log.txt": "scoring\n", "logs/sys/job_report/processed_mini-batches.csv": "1,ok\n"}})
	f.addRun(&stRun{id: "step-prep", parent: "pipelinejob-p", status: "Completed", display: "prepare", module: "prep_component",
		outputs: map[string]wire.TypedAssetReference{"prepared": {AssetID: asset("prepared"), Type: "UriFolder"}}})
	f.addRun(&stRun{id: "step-score", parent: "pipelinejob-p", status: "Failed", display: "score", module: "score_component"})
	f.addRun(&stRun{id: "batchjob-alone", status: "Completed"})
	f.addAsset(asset("score"), "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/outstore/paths/azureml/child-score/score/predictions.csv")
	f.addAsset(asset("prepared"), "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/outstore/paths/azureml/step-prep/prepared/")
	return f
}

func TestJobChildren(t *testing.T) {
	ctx := context.Background()
	f := rhFake(t)
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	tests := []struct {
		job  string
		want []ChildJob
	}{
		{job: "batchjob-model", want: []ChildJob{{Name: "child-score", DisplayName: "batchscoring", Status: JobStatusCompleted, ModuleName: "batchscoring",
			Properties: map[string]string{"azureml.moduleName": "batchscoring"},
			Outputs: map[string]JobOutput{"score": {Kind: inputs.KindURIFile,
				URI: "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/outstore/paths/azureml/child-score/score/predictions.csv"}}}}},
		{job: "pipelinejob-p", want: []ChildJob{
			{Name: "step-prep", DisplayName: "prepare", Status: JobStatusCompleted, ModuleName: "prep_component",
				Properties: map[string]string{"azureml.moduleName": "prep_component"},
				Outputs: map[string]JobOutput{"prepared": {Kind: inputs.KindURIFolder,
					URI: "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/outstore/paths/azureml/step-prep/prepared/"}}},
			{Name: "step-score", DisplayName: "score", Status: JobStatusFailed, ModuleName: "score_component",
				Properties: map[string]string{"azureml.moduleName": "score_component"}}}},
		{job: "batchjob-alone", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.job, func(t *testing.T) {
			job, err := c.GetJob(ctx, tc.job, nil)
			require.NoError(t, err)
			res, err := job.Children(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Children)
		})
	}
	t.Run("outputs in the list entry need no rundata", func(t *testing.T) {
		before := f.count(http.MethodPost, "/rundata")
		job, err := c.GetJob(ctx, "batchjob-model", nil)
		require.NoError(t, err)
		_, err = job.Children(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, before, f.count(http.MethodPost, "/rundata"))
	})
	t.Run("unknown job", func(t *testing.T) {
		j, err := c.newJob(JobDetails{Name: "nope"}, "", "", "")
		require.NoError(t, err)
		_, err = j.Children(ctx, nil)
		require.True(t, isNotFound(err), "%v", err)
	})
}

func TestJobLogs(t *testing.T) {
	ctx := context.Background()
	f := rhFake(t)
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	job, err := c.GetJob(ctx, "batchjob-model", nil)
	require.NoError(t, err)

	res, err := job.ListLogs(ctx, nil)
	require.NoError(t, err)
	type named struct {
		Job, Name string
		Kind      LogKind
	}
	var got []named
	for _, l := range res.Logs {
		got = append(got, named{l.Job, l.Name, l.Kind})
	}
	assert.Equal(t, []named{
		{"batchjob-model", "system_logs/lifecycler/lifecycler.log", LogKindSystem},
		{"child-score", "logs/sys/job_report/processed_mini-batches.csv", LogKindSystem},
		{"child-score", "user_logs/std_log.txt", LogKindUser},
	}, got)

	tests := []struct {
		name string
		kind LogKind
		want map[string]string // path below dir → content
	}{
		{name: "all", want: map[string]string{
			"system_logs/lifecycler/lifecycler.log":                      "started\n",
			"child-score/logs/sys/job_report/processed_mini-batches.csv": "1,ok\n",
			"child-score/user_logs/std_log.txt":                          "scoring\n",
		}},
		{name: "user logs", kind: LogKindUser, want: map[string]string{"child-score/user_logs/std_log.txt": "scoring\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dl, err := job.DownloadLogs(ctx, dir, &DownloadLogsOptions{Kind: tc.kind})
			require.NoError(t, err)
			assertFiles(t, dir, tc.want, dl.Files, dl.Bytes)
		})
	}
	for _, h := range f.logRequests() {
		assert.Empty(t, h.Get("Authorization"), "no bearer token goes to a log URL")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, res), stLogSig, "a log's SAS is never printed")
		assert.NotContains(t, fmt.Sprintf(verb, res.Logs[0]), stLogSig)
	}
	t.Run("empty dir", func(t *testing.T) {
		_, err := job.DownloadLogs(ctx, "", nil)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
	})
}

func TestWaitOnLog(t *testing.T) {
	ctx := context.Background()
	f := rhFake(t)
	f.addJob(stJob("batchjob-follow", "heart-ep", "xgb"))
	f.addRun(&stRun{id: "batchjob-follow", status: "Running", logs: map[string]string{"system_logs/a.log": ""}})
	f.addRun(&stRun{id: "follow-score", parent: "batchjob-follow", module: "batchscoring", logs: map[string]string{"user_logs/std_log.txt": ""}})
	f.mu.Lock()
	f.rh.script["batchjob-follow"] = []stStep{
		{status: "Running", appends: map[string]string{"batchjob-follow/system_logs/a.log": "sys 1\n"}},
		{status: "Running", appends: map[string]string{"follow-score/user_logs/std_log.txt": "reading https://acct.blob.core.windows.net/c/x?sv=1&sig=SASs3cr3t\nhalf a li"}},
		{status: "Running", appends: map[string]string{"follow-score/user_logs/std_log.txt": "ne\r\n"}},
		{status: "Completed", appends: map[string]string{"batchjob-follow/system_logs/a.log": "sys 2\nno newline at the end"}},
	}
	f.mu.Unlock()
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	job, err := c.newJob(JobDetails{Name: "batchjob-follow", Status: JobStatusRunning}, "", "", "")
	require.NoError(t, err)
	var lines []LogLine
	d, err := job.Wait(ctx, &WaitOptions{MinDelay: time.Millisecond, MaxDelay: time.Millisecond, OnLog: func(l LogLine) { lines = append(lines, l) }})
	require.NoError(t, err)
	assert.Equal(t, JobStatusCompleted, d.Status)
	assert.Equal(t, []LogLine{
		{Job: "batchjob-follow", File: "system_logs/a.log", Text: "sys 1"},
		{Job: "follow-score", File: "user_logs/std_log.txt", Text: "reading https://acct.blob.core.windows.net/c/x?sv=1&sig=REDACTED"},
		{Job: "follow-score", File: "user_logs/std_log.txt", Text: "half a line"},
		{Job: "batchjob-follow", File: "system_logs/a.log", Text: "sys 2"},
		{Job: "batchjob-follow", File: "system_logs/a.log", Text: "no newline at the end"},
	}, lines)
	var ranged int
	for _, h := range f.logRequests() {
		assert.Empty(t, h.Get("Authorization"))
		if strings.HasPrefix(h.Get("Range"), "bytes=") && h.Get("Range") != "bytes=0-" {
			ranged++
		}
	}
	assert.Positive(t, ranged, "logs are read on from the last offset")
}

func TestJobFailedErrorLogLines(t *testing.T) {
	ctx := context.Background()
	traceback := "2026-12-01 08:00:00 INFO starting\n" +
		"Traceback (most recent call last):\n" +
		"  File \"score.py\", line 12, in run\n" +
		"    pd.read_csv(\"https://acct.blob.core.windows.net/c/x.csv?sv=1&sig=SASs3cr3t\")\n" +
		"ValueError: could not convert string to float: 'abc'\n"
	tests := []struct {
		name     string
		own      map[string]string
		child    map[string]string
		want     []string
		wantCode string
	}{
		{name: "mini-batch error log of the scoring child",
			own:   map[string]string{"system_logs/lifecycler/lifecycler.log": "ERROR lifecycler: the job failed\n"},
			child: map[string]string{"logs/user/error/10.0.0.4/process000.txt": "mini-batch 3 failed:\n\nValueError: bad row\n", "user_logs/std_log.txt": "fine\n"},
			want:  []string{"mini-batch 3 failed:", "ValueError: bad row"}, wantCode: "UserError"},
		{name: "traceback in a user log, redacted",
			child: map[string]string{"user_logs/std_log.txt": traceback},
			want: []string{"Traceback (most recent call last):", "  File \"score.py\", line 12, in run",
				"    pd.read_csv(\"https://acct.blob.core.windows.net/c/x.csv?sv=1&sig=REDACTED\")", "ValueError: could not convert string to float: 'abc'"},
			wantCode: "UserError"},
		{name: "no error in the logs", child: map[string]string{"user_logs/std_log.txt": "all good\n"}, wantCode: "UserError"},
		{name: "no logs", wantCode: "UserError"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newSTFake(t)
			name := "batchjob-f" + string(rune('a'+i))
			j := stJob(name, "heart-ep", "xgb")
			j.Properties.Status = "Failed"
			f.addJob(j)
			f.addRun(&stRun{id: name, status: "Failed", logs: tc.own, errCode: "UserError", errMsg: "mini-batches failed"})
			f.addRun(&stRun{id: name + "-score", parent: name, module: "batchscoring", logs: tc.child})
			c, _ := newSTClient(t, f, &stCred{}, nil, nil)
			job, err := c.newJob(JobDetails{Name: name, Status: JobStatusRunning}, "", "", "")
			require.NoError(t, err)
			_, err = job.Wait(ctx, &WaitOptions{MinDelay: time.Millisecond})
			var fe *JobFailedError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tc.wantCode, fe.Code)
			assert.Equal(t, tc.want, fe.LogLines)
			assert.NotContains(t, err.Error(), "SASs3cr3t")
			for _, l := range tc.want {
				assert.Contains(t, err.Error(), l)
			}
		})
	}
}

// assertFiles checks that files (total size n) are exactly want (path below
// dir → content), sorted, with that content on disk.
func assertFiles(t *testing.T, dir string, want map[string]string, files []string, n int64) {
	t.Helper()
	var paths []string
	var size int64
	for rel, content := range want {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		paths = append(paths, p)
		size += int64(len(content))
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, content, string(b))
	}
	assert.Equal(t, sortedStrings(paths), files)
	assert.Equal(t, size, n)
}
