package batchendpoint_test

// End-to-end tests of what a Go user does after an invoke, as az ml job
// download/stream/list --parent-job-name do: outputs, child jobs and logs of
// batch jobs, read through Run History of the local workspace emulator
// (batchendpoint/fake) with Azurite behind the datastores; and where local data
// is uploaded. Public API only.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const (
	rhModelEP = "rh-model"
	rhPipeEP  = "rh-pipe"
	// rhSig is the signature of the SAS URL failing scoring functions quote:
	// it must never reach an error, a log line or a downloaded error line.
	rhSig = "c2VjcmV0U0lHbmF0dXJlMTIzNDU2Nzg5MA"
	rhSAS = "https://devstoreaccount1.blob.core.windows.net/data/in/b.csv?sv=2024-08-04&sr=b&sp=r&sig=" + rhSig
)

// rhInputs are the model jobs' input files (rh/in on workspaceblobstore).
var rhInputs = map[string]string{"a.csv": "1\n", "b.csv": "22\n", "c.csv": "333\n"}

// rhScore is a model's score: "<file>,<content>" per file.
func rhScore(files []string) ([]string, error) {
	rows := make([]string, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rows = append(rows, filepath.Base(f)+","+strings.TrimSpace(string(data)))
	}
	return rows, nil
}

// rhPredictions is predictions.csv of a successful model job on rhInputs.
const rhPredictions = "a.csv,1\nb.csv,22\nc.csv,333\n"

// newRH starts a workspace with:
//   - rh-model: model deployments "scorer" (default; mini-batches of 2),
//     "flaky" (the mini-batch of b.csv fails once, quoting a SAS URL; it is
//     retried and succeeds) and "failing" (that mini-batch always fails; error
//     threshold 0 fails the job);
//   - rh-pipe: pipeline deployments "steps" (default; steps prep, train and
//     score; outputs scores, a folder, and summary, a file), "broken" (the same
//     outputs; fails quoting a SAS URL) and "table" (input t, output rows: the
//     type and files of t).
func newRH(t *testing.T) (*fake.Workspace, *batchendpoint.Client) {
	t.Helper()
	w := fake.NewWorkspace(t, nil)
	for name, content := range rhInputs {
		w.WriteBlob(fake.DefaultDatastore, "rh/in/"+name, []byte(content))
	}
	w.AddEndpoint(fake.Endpoint{Name: rhModelEP, DefaultDeployment: "scorer"})
	w.AddModelDeployment(rhModelEP, fake.ModelDeployment{Name: "scorer", MiniBatchSize: 2,
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) { return rhScore(b.Files) }})
	failB := func(always bool) fake.ScoreFunc {
		return func(_ context.Context, b fake.MiniBatch) ([]string, error) {
			if filepath.Base(b.Files[0]) == "b.csv" && (always || b.Attempt == 1) {
				return nil, fmt.Errorf("cannot read %s: 403 AuthorizationFailure", rhSAS)
			}
			return rhScore(b.Files)
		}
	}
	w.AddModelDeployment(rhModelEP, fake.ModelDeployment{Name: "flaky", MiniBatchSize: 1, MaxRetries: to.Ptr(2), Score: failB(false)})
	w.AddModelDeployment(rhModelEP, fake.ModelDeployment{Name: "failing", MiniBatchSize: 1, MaxRetries: to.Ptr(1),
		ErrorThreshold: to.Ptr(0), Score: failB(true)})

	outs := map[string]fake.PipelineOutput{"scores": {}, "summary": {Type: fake.OutputURIFile, FileName: "summary.txt"}}
	w.AddEndpoint(fake.Endpoint{Name: rhPipeEP, DefaultDeployment: "steps"})
	w.AddPipelineDeployment(rhPipeEP, fake.PipelineDeployment{Name: "steps", Steps: []string{"prep", "train", "score"}, Outputs: outs,
		Run: func(_ context.Context, run *fake.PipelineRun) error {
			if err := os.WriteFile(filepath.Join(run.Outputs["scores"], "part-0.csv"), []byte("0.9\n0.1\n"), 0o644); err != nil {
				return err
			}
			return os.WriteFile(run.Outputs["summary"], []byte("2 rows\n"), 0o644)
		}})
	w.AddPipelineDeployment(rhPipeEP, fake.PipelineDeployment{Name: "broken", Steps: []string{"prep", "score"}, Outputs: outs,
		Run: func(context.Context, *fake.PipelineRun) error {
			return &fake.JobError{Code: "UserError", Message: "score step: cannot read " + rhSAS}
		}})
	w.AddPipelineDeployment(rhPipeEP, fake.PipelineDeployment{Name: "table", Inputs: map[string]string{"t": ""},
		Outputs: map[string]fake.PipelineOutput{"rows": {Type: fake.OutputURIFile, FileName: "rows.txt"}},
		Run: func(_ context.Context, run *fake.PipelineRun) error {
			in := run.Inputs["t"]
			entries, err := os.ReadDir(in.Path)
			if err != nil {
				return err
			}
			names := []string{in.Type}
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return os.WriteFile(run.Outputs["rows"], []byte(strings.Join(names, "\n")+"\n"), 0o644)
		}})
	return w, w.Client()
}

// rhInvoke invokes and waits for the job to end; Wait's error is returned.
func rhInvoke(t *testing.T, c *batchendpoint.Client, endpoint string, req batchendpoint.InvokeRequest) (*batchendpoint.Job, error) {
	t.Helper()
	ctx := e2eCtx(t)
	job, err := c.Invoke(ctx, endpoint, req, nil)
	require.NoError(t, err)
	_, err = job.Wait(ctx, e2eWait)
	return job, err
}

var rhModelInput = inputs.Datastore(fake.DefaultDatastore, "rh/in")

// rhHideParentOutputs makes the job's ARM GET answer without outputs, as the
// service may for a batch job whose outputs only its batchscoring child reports
// (azure-ai-ml's jobs.download reads them there for every batch job).
func rhHideParentOutputs(t *testing.T, w *fake.Workspace, job string) {
	t.Helper()
	ws := w.Workspace()
	u := fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s/jobs/%s?api-version=%s",
		w.ARMEndpoint(), ws.SubscriptionID, ws.ResourceGroup, ws.Name, job, batchendpoint.DefaultAPIVersion)
	req, err := http.NewRequestWithContext(e2eCtx(t), http.MethodGet, u, nil)
	require.NoError(t, err)
	tok, err := w.Credential().GetToken(req.Context(), policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := w.ClientOptions().Transport.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	props := body["properties"].(map[string]any)
	require.NotEmpty(t, props["outputs"], "the emulator's job reports its outputs")
	props["outputs"] = map[string]any{}
	data, err := json.Marshal(body)
	require.NoError(t, err)
	w.InjectFault(fake.Fault{Route: fake.RouteGetJob, PathContains: job, Times: -1, Action: fake.FaultRespond, Status: http.StatusOK, Body: string(data)})
}

// rhFiles reads every file below dir (slash paths relative to dir).
func rhFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		got[filepath.ToSlash(rel)] = string(data)
		return err
	}))
	return got
}

func TestRunHistoryDownloadOutputs(t *testing.T) {
	w, c := newRH(t)
	completed := func(endpoint string, req batchendpoint.InvokeRequest) func(*testing.T) *batchendpoint.Job {
		return func(t *testing.T) *batchendpoint.Job {
			job, err := rhInvoke(t, c, endpoint, req)
			require.NoError(t, err)
			return job
		}
	}
	modelNoParentOutputs := func(t *testing.T) *batchendpoint.Job {
		job := completed(rhModelEP, batchendpoint.InvokeRequest{Input: rhModelInput})(t)
		rhHideParentOutputs(t, w, job.Name())
		// Attached by name, as az ml job download -n is: the handle reads the job anew.
		job, err := c.GetJob(e2eCtx(t), job.Name(), nil)
		require.NoError(t, err)
		require.Empty(t, job.Details().Outputs)
		return job
	}
	tests := []struct {
		name      string
		job       func(t *testing.T) *batchendpoint.Job
		opts      *batchendpoint.DownloadOutputsOptions
		fromChild bool              // the files come from the batchscoring child
		want      map[string]string // files below dir
		status    batchendpoint.JobStatus
		missing   []string // outputs reported Missing
		wantErr   []string
	}{
		{name: "model job, parent reports no outputs: the batchscoring child's score", job: modelNoParentOutputs, fromChild: true,
			want: map[string]string{"predictions.csv": rhPredictions}, status: batchendpoint.JobStatusCompleted},
		{name: "model job, parent reports no outputs, OutputName score", job: modelNoParentOutputs, fromChild: true,
			opts: &batchendpoint.DownloadOutputsOptions{OutputName: "score"},
			want: map[string]string{"predictions.csv": rhPredictions}, status: batchendpoint.JobStatusCompleted},
		{name: "model job, parent reports no outputs, All", job: modelNoParentOutputs, fromChild: true,
			opts: &batchendpoint.DownloadOutputsOptions{All: true},
			want: map[string]string{"named-outputs/score/predictions.csv": rhPredictions}, status: batchendpoint.JobStatusCompleted},
		{name: "model job whose parent reports score", job: completed(rhModelEP, batchendpoint.InvokeRequest{Input: rhModelInput}),
			want: map[string]string{"predictions.csv": rhPredictions}, status: batchendpoint.JobStatusCompleted},
		{name: "pipeline job, OutputName summary", job: completed(rhPipeEP, batchendpoint.InvokeRequest{}),
			opts: &batchendpoint.DownloadOutputsOptions{OutputName: "summary"},
			want: map[string]string{"summary.txt": "2 rows\n"}, status: batchendpoint.JobStatusCompleted},
		{name: "pipeline job, OutputName scores (a folder)", job: completed(rhPipeEP, batchendpoint.InvokeRequest{}),
			opts: &batchendpoint.DownloadOutputsOptions{OutputName: "scores"},
			want: map[string]string{"part-0.csv": "0.9\n0.1\n"}, status: batchendpoint.JobStatusCompleted},
		{name: "pipeline job, All", job: completed(rhPipeEP, batchendpoint.InvokeRequest{}),
			opts:   &batchendpoint.DownloadOutputsOptions{All: true},
			want:   map[string]string{"named-outputs/scores/part-0.csv": "0.9\n0.1\n", "named-outputs/summary/summary.txt": "2 rows\n"},
			status: batchendpoint.JobStatusCompleted},
		{name: "pipeline job with two outputs and no name", job: completed(rhPipeEP, batchendpoint.InvokeRequest{}),
			wantErr: []string{"scores", "summary"}},
		{name: "pipeline job, unknown output", job: completed(rhPipeEP, batchendpoint.InvokeRequest{}),
			opts: &batchendpoint.DownloadOutputsOptions{OutputName: "nope"}, wantErr: []string{`no output "nope"`, "scores, summary"}},
		{name: "failed job: what exists, Incomplete", job: func(t *testing.T) *batchendpoint.Job {
			// The step wrote part of scores before it failed; summary never came.
			p := "rh/partial/" + uuid.NewString() + "/"
			w.WriteBlob(fake.DefaultDatastore, p+"part-0.csv", []byte("0.5\n"))
			job, err := rhInvoke(t, c, rhPipeEP, batchendpoint.InvokeRequest{Deployment: "broken",
				Outputs: map[string]outputs.DataOutput{"scores": outputs.Datastore(fake.DefaultDatastore, p)}})
			var jf *batchendpoint.JobFailedError
			require.ErrorAs(t, err, &jf)
			return job
		}, opts: &batchendpoint.DownloadOutputsOptions{All: true},
			want: map[string]string{"named-outputs/scores/part-0.csv": "0.5\n"}, status: batchendpoint.JobStatusFailed, missing: []string{"summary"}},
		{name: "canceled job: nothing written, Incomplete", job: func(t *testing.T) *batchendpoint.Job {
			hold := w.HoldJobs(batchendpoint.JobStatusQueued)
			defer hold.Release()
			ctx := e2eCtx(t)
			job, err := c.Invoke(ctx, rhPipeEP, batchendpoint.InvokeRequest{}, nil)
			require.NoError(t, err)
			require.NoError(t, job.Cancel(ctx, nil))
			_, err = job.Wait(ctx, e2eWait)
			require.Error(t, err)
			return job
		}, opts: &batchendpoint.DownloadOutputsOptions{All: true},
			want: map[string]string{}, status: batchendpoint.JobStatusCanceled, missing: []string{"scores", "summary"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job(t)
			dir := t.TempDir()
			res, err := job.DownloadOutputs(e2eCtx(t), dir, tc.opts)
			if tc.wantErr != nil {
				require.Error(t, err)
				for _, s := range tc.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				assert.Empty(t, rhFiles(t, dir))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, rhFiles(t, dir))
			assert.Equal(t, tc.status, res.Status)
			assert.Equal(t, tc.status != batchendpoint.JobStatusCompleted, res.Incomplete)
			assert.Len(t, res.Files, len(tc.want))
			for _, f := range res.Files {
				rel, err := filepath.Rel(dir, f)
				require.NoError(t, err)
				assert.Contains(t, tc.want, filepath.ToSlash(rel))
			}
			wantChild := ""
			if tc.fromChild {
				children := w.ChildRuns(job.Name())
				require.Len(t, children, 1)
				require.Equal(t, "batchscoring", children[0].Module)
				wantChild = children[0].ID
			}
			assert.Equal(t, wantChild, res.ChildJob)
			var missing []string
			for _, o := range res.Outputs {
				assert.Equal(t, wantChild, o.ChildJob, o.Name)
				if o.Missing {
					missing = append(missing, o.Name)
					assert.Empty(t, o.Files, o.Name)
				}
			}
			assert.Equal(t, tc.missing, missing)
		})
	}
}

func TestRunHistoryChildren(t *testing.T) {
	w, c := newRH(t)
	type child struct {
		module  string
		status  batchendpoint.JobStatus
		outputs []string
	}
	tests := []struct {
		name     string
		endpoint string
		req      batchendpoint.InvokeRequest
		failed   bool
		want     []child
	}{
		{name: "model job: the batchscoring child holds score", endpoint: rhModelEP, req: batchendpoint.InvokeRequest{Input: rhModelInput},
			want: []child{{"batchscoring", batchendpoint.JobStatusCompleted, []string{"score"}}}},
		{name: "pipeline job: its steps in order", endpoint: rhPipeEP,
			want: []child{{"prep", batchendpoint.JobStatusCompleted, nil}, {"train", batchendpoint.JobStatusCompleted, nil}, {"score", batchendpoint.JobStatusCompleted, nil}}},
		{name: "failed pipeline job: its last step failed", endpoint: rhPipeEP, req: batchendpoint.InvokeRequest{Deployment: "broken"}, failed: true,
			want: []child{{"prep", batchendpoint.JobStatusCompleted, nil}, {"score", batchendpoint.JobStatusFailed, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job, err := rhInvoke(t, c, tc.endpoint, tc.req)
			if tc.failed {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			resp, err := job.Children(e2eCtx(t), nil)
			require.NoError(t, err)
			runs := w.ChildRuns(job.Name())
			require.Len(t, resp.Children, len(tc.want))
			require.Len(t, runs, len(tc.want))
			for i, ch := range resp.Children {
				assert.Equal(t, runs[i].ID, ch.Name)
				assert.Equal(t, tc.want[i].module, ch.ModuleName)
				assert.Equal(t, tc.want[i].status, ch.Status)
				var names []string
				for n := range ch.Outputs {
					names = append(names, n)
				}
				slices.Sort(names)
				assert.Equal(t, tc.want[i].outputs, names)
			}
			if len(tc.want[0].outputs) > 0 {
				// The child's score is where the job's predictions are.
				score := resp.Children[0].Outputs["score"]
				assert.Equal(t, inputs.KindURIFile, score.Kind)
				assert.True(t, strings.HasSuffix(score.URI, "/predictions.csv"), score.URI)
				assert.Equal(t, rhPredictions, string(w.OutputFiles(job.Name(), "score")["predictions.csv"]))
				assert.Contains(t, score.URI, "datastores/"+fake.DefaultDatastore+"/paths/azureml/")
			}
		})
	}
}

func TestRunHistoryLogs(t *testing.T) {
	w, c := newRH(t)
	job, err := rhInvoke(t, c, rhModelEP, batchendpoint.InvokeRequest{Deployment: "flaky", Input: rhModelInput})
	require.NoError(t, err)
	ctx := e2eCtx(t)
	child := w.ChildRuns(job.Name())[0].ID
	written := w.JobLogs(job.Name())

	list, err := job.ListLogs(ctx, nil)
	require.NoError(t, err)
	type key struct {
		job, name string
		kind      batchendpoint.LogKind
	}
	var got []key
	for _, l := range list.Logs {
		got = append(got, key{l.Job, l.Name, l.Kind})
	}
	assert.Equal(t, []key{
		{job.Name(), "logs/azureml/executionlogs.txt", batchendpoint.LogKindOther},
		{child, "logs/job_progress_overview.txt", batchendpoint.LogKindOther},
		{child, "logs/sys/master_role.txt", batchendpoint.LogKindSystem},
		{child, "logs/user/error.txt", batchendpoint.LogKindUser},
		{child, "user_logs/std_log.txt", batchendpoint.LogKindUser},
	}, got)

	tests := []struct {
		name string
		kind batchendpoint.LogKind
		want map[string]string // file below dir -> run id and log name
	}{
		{name: "all", want: map[string]string{
			"logs/azureml/executionlogs.txt":          job.Name() + " logs/azureml/executionlogs.txt",
			child + "/logs/job_progress_overview.txt": child + " logs/job_progress_overview.txt",
			child + "/logs/sys/master_role.txt":       child + " logs/sys/master_role.txt",
			child + "/logs/user/error.txt":            child + " logs/user/error.txt",
			child + "/user_logs/std_log.txt":          child + " user_logs/std_log.txt",
		}},
		{name: "system", kind: batchendpoint.LogKindSystem, want: map[string]string{
			child + "/logs/sys/master_role.txt": child + " logs/sys/master_role.txt"}},
		{name: "user", kind: batchendpoint.LogKindUser, want: map[string]string{
			child + "/logs/user/error.txt":   child + " logs/user/error.txt",
			child + "/user_logs/std_log.txt": child + " user_logs/std_log.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var o *batchendpoint.DownloadLogsOptions
			if tc.kind != "" {
				o = &batchendpoint.DownloadLogsOptions{Kind: tc.kind}
			}
			resp, err := job.DownloadLogs(ctx, dir, o)
			require.NoError(t, err)
			files := rhFiles(t, dir)
			want := map[string]string{}
			var n int64
			for f, src := range tc.want {
				run, name, _ := strings.Cut(src, " ")
				want[f] = written[run][name]
				require.NotEmpty(t, want[f], src)
				n += int64(len(want[f]))
			}
			assert.Equal(t, want, files)
			assert.Len(t, resp.Files, len(want))
			assert.Equal(t, n, resp.Bytes)
		})
	}
	// What the logs say: the retried mini-batch with its traceback, redacted by the emulator's driver.
	std := written[child]["user_logs/std_log.txt"]
	assert.Contains(t, std, "ERROR Mini-batch 1 (1 files), attempt 1 of 2, failed: cannot read")
	assert.Contains(t, std, "Traceback (most recent call last):")
	assert.NotContains(t, std, rhSig)
}

func TestRunHistoryWaitOnLog(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		req      batchendpoint.InvokeRequest
		hold     batchendpoint.JobStatus // held there until the first marker line arrives
		failed   bool
		markers  []string // lines (substrings) that arrive, in this order, in one log
		file     string
	}{
		{name: "model job with a retried mini-batch", endpoint: rhModelEP, req: batchendpoint.InvokeRequest{Deployment: "flaky", Input: rhModelInput},
			hold: batchendpoint.JobStatusFinalizing, file: "user_logs/std_log.txt", markers: []string{
				"INFO Starting batchscoring",
				"ERROR Mini-batch 1 (1 files), attempt 1 of 2, failed: cannot read https://devstoreaccount1.blob.core.windows.net/data/in/b.csv?",
				"Traceback (most recent call last):",
				"Exception: cannot read",
				"INFO Run batchscoring finished: Completed",
			}},
		{name: "failed pipeline job: the error line quotes a SAS", endpoint: rhPipeEP, req: batchendpoint.InvokeRequest{Deployment: "broken"},
			hold: batchendpoint.JobStatusRunning, failed: true, file: "user_logs/std_log.txt", markers: []string{
				"INFO Starting score",
				"ERROR UserError: score step: cannot read https://devstoreaccount1.blob.core.windows.net/data/in/b.csv?",
				"Exception: score step: cannot read",
				"INFO Run score finished: Failed",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, c := newRH(t)
			hold := w.HoldJobs(tc.hold)
			defer hold.Release()
			ctx := e2eCtx(t)
			job, err := c.Invoke(ctx, tc.endpoint, tc.req, nil)
			require.NoError(t, err)
			var (
				mu       sync.Mutex
				lines    []batchendpoint.LogLine
				statuses []batchendpoint.JobStatus
				early    bool // a marker arrived while the job was held: lines come as they are written
			)
			o := *e2eWait
			o.OnStatus = func(d batchendpoint.JobDetails) { mu.Lock(); statuses = append(statuses, d.Status); mu.Unlock() }
			o.OnLog = func(l batchendpoint.LogLine) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, l)
				if strings.Contains(l.Text, tc.markers[0]) && !slices.Contains(statuses, batchendpoint.JobStatusCompleted) &&
					!slices.Contains(statuses, batchendpoint.JobStatusFailed) {
					early = true
					hold.Release() // the job finishes only once its log was followed
				}
			}
			_, err = job.Wait(ctx, &o)
			if tc.failed {
				var jf *batchendpoint.JobFailedError
				require.ErrorAs(t, err, &jf)
			} else {
				require.NoError(t, err)
			}
			mu.Lock()
			defer mu.Unlock()
			assert.True(t, early, "no log line arrived before the job ended")
			var texts []string
			for _, l := range lines {
				assert.NotContains(t, l.Text, rhSig)
				if l.File == tc.file {
					texts = append(texts, l.Text)
				}
			}
			next := 0
			for _, s := range texts {
				if next < len(tc.markers) && strings.Contains(s, tc.markers[next]) {
					next++
				}
			}
			assert.Equal(t, len(tc.markers), next, "markers in order; got %d of %q in:\n%s", next, tc.markers, strings.Join(texts, "\n"))
			for _, s := range texts {
				if strings.Contains(s, "core.windows.net") {
					assert.Contains(t, s, "sig=REDACTED", s)
				}
			}
			// Every line of the log arrived once, as written (but redacted).
			child := w.ChildRuns(job.Name())
			run := child[len(child)-1].ID
			var want []string
			for _, l := range strings.Split(strings.TrimSuffix(w.JobLogs(job.Name())[run][tc.file], "\n"), "\n") {
				want = append(want, strings.ReplaceAll(l, rhSig, "REDACTED"))
			}
			var fromRun []string
			for _, l := range lines {
				if l.Job == run && l.File == tc.file {
					fromRun = append(fromRun, l.Text)
				}
			}
			assert.Equal(t, want, fromRun)
		})
	}
}

func TestRunHistoryFailedJobLogLines(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		req      batchendpoint.InvokeRequest
		want     []string // substrings of LogLines, in order
		code     string
	}{
		{name: "model job: a failed mini-batch beyond the error threshold", endpoint: rhModelEP,
			req:  batchendpoint.InvokeRequest{Deployment: "failing", Input: rhModelInput},
			code: "UserError",
			want: []string{
				"ERROR Mini-batch 1 (1 files), attempt 1 of 1, failed: cannot read https://devstoreaccount1.blob.core.windows.net/data/in/b.csv?",
				"Traceback (most recent call last):",
				"Exception: cannot read",
			}},
		{name: "pipeline job: the failed step's error", endpoint: rhPipeEP, req: batchendpoint.InvokeRequest{Deployment: "broken"},
			code: "UserError",
			want: []string{"ERROR UserError: score step: cannot read https://devstoreaccount1.blob.core.windows.net/", "Traceback (most recent call last):"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newRH(t)
			_, err := rhInvoke(t, c, tc.endpoint, tc.req)
			var jf *batchendpoint.JobFailedError
			require.ErrorAs(t, err, &jf)
			assert.Equal(t, tc.code, jf.Code)
			require.NotEmpty(t, jf.LogLines)
			next := 0
			for _, l := range jf.LogLines {
				assert.NotContains(t, l, rhSig)
				if next < len(tc.want) && strings.Contains(l, tc.want[next]) {
					next++
				}
				if strings.Contains(l, "core.windows.net") {
					assert.Contains(t, l, "sig=REDACTED", l)
				}
			}
			assert.Equal(t, len(tc.want), next, "LogLines:\n%s", strings.Join(jf.LogLines, "\n"))
			assert.Contains(t, err.Error(), tc.want[0])
			assert.NotContains(t, err.Error(), rhSig)
			assert.NotContains(t, fmt.Sprintf("%+v", jf), rhSig)
		})
	}
}

func TestRunHistoryUploadDatastore(t *testing.T) {
	local := t.TempDir()
	for name, content := range rhInputs {
		require.NoError(t, os.WriteFile(filepath.Join(local, name), []byte(content), 0o644))
	}
	tests := []struct {
		name   string
		upload string // InvokeOptions/CreateDataAssetOptions.UploadDatastore
		deny   bool   // listSecrets answers 403 (an identity-based datastore)
		asset  bool   // CreateDataAsset instead of Invoke
		want   string // where the files go
	}{
		{name: "invoke: workspaceblobstore, though another datastore is the default", want: fake.DefaultDatastore},
		{name: "invoke: UploadDatastore chooses another", upload: "uploads", want: "uploads"},
		{name: "invoke: listSecrets denied, uploaded with the caller's token", deny: true, want: fake.DefaultDatastore},
		{name: "data asset: workspaceblobstore", asset: true, want: fake.DefaultDatastore},
		{name: "data asset: UploadDatastore chooses another", asset: true, upload: "uploads", want: "uploads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, c := newRH(t)
			w.AddDatastore(fake.Datastore{Name: "primary", Default: true})
			w.AddDatastore(fake.Datastore{Name: "uploads"})
			ctx := e2eCtx(t)
			def, err := c.GetDefaultDatastore(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, "primary", def.Name)
			var denied *fake.FaultHandle
			if tc.deny {
				denied = w.FailRequests(fake.RouteListDatastoreSecrets, 0, http.StatusForbidden, "")
			}
			var uri string
			var job *batchendpoint.Job
			if tc.asset {
				a, err := c.CreateDataAsset(ctx, batchendpoint.DataAssetSpec{Name: "uploaded", Version: "1", Path: local},
					&batchendpoint.CreateDataAssetOptions{UploadDatastore: tc.upload})
				require.NoError(t, err)
				uri = a.Path
			} else {
				job, err = c.Invoke(ctx, rhModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)},
					&batchendpoint.InvokeOptions{UploadDatastore: tc.upload})
				require.NoError(t, err)
				info, ok := w.Job(job.Name())
				require.True(t, ok)
				require.Len(t, info.Inputs, 1)
				for _, v := range info.Inputs {
					uri = v.URI
				}
			}
			assert.Contains(t, uri, "/datastores/"+tc.want+"/paths/", uri)
			if denied != nil {
				assert.Positive(t, denied.Hits(), "listSecrets was asked")
			}
			for _, ds := range []string{fake.DefaultDatastore, "primary", "uploads"} {
				var uploaded []string
				for _, b := range w.ListBlobs(ds, "") {
					if n := filepath.Base(b); rhInputs[n] != "" && !strings.HasPrefix(b, "rh/in/") {
						uploaded = append(uploaded, n)
					}
				}
				slices.Sort(uploaded)
				if ds == tc.want {
					assert.Equal(t, []string{"a.csv", "b.csv", "c.csv"}, uploaded, ds)
				} else {
					assert.Empty(t, uploaded, ds)
				}
			}
			if job != nil {
				// The job read the upload; its output went to the default datastore.
				d, err := job.Wait(ctx, e2eWait)
				require.NoError(t, err)
				assert.Contains(t, d.Outputs["score"].URI, "/datastores/primary/")
				assert.Equal(t, rhPredictions, string(w.OutputFiles(job.Name(), "score")["predictions.csv"]))
			}
		})
	}
}

func TestRunHistoryMLTableInput(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		req      batchendpoint.InvokeRequest
		wantErr  []string
		want     string // the rows output of the table deployment
	}{
		{name: "pipeline deployment takes a registered mltable asset (latest: looked up)", endpoint: rhPipeEP,
			req:  batchendpoint.InvokeRequest{Deployment: "table", Inputs: map[string]inputs.Input{"t": inputs.DataAsset("tbl", "latest")}},
			want: "MLTable\nMLTable\npart-1.csv\n"},
		{name: "pipeline deployment takes Table()", endpoint: rhPipeEP,
			req:  batchendpoint.InvokeRequest{Deployment: "table", Inputs: map[string]inputs.Input{"t": inputs.DataAsset("tbl", "1").Table()}},
			want: "MLTable\nMLTable\npart-1.csv\n"},
		{name: "model deployment still refuses it", endpoint: rhModelEP,
			req:     batchendpoint.InvokeRequest{Input: inputs.DataAsset("tbl", "1").Table()},
			wantErr: []string{"MLTable data isn't supported by batch endpoints"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, c := newRH(t)
			w.WriteBlob(fake.DefaultDatastore, "rh/table/MLTable", []byte("paths:\n  - pattern: ./*.csv\n"))
			w.WriteBlob(fake.DefaultDatastore, "rh/table/part-1.csv", []byte("x\n1\n"))
			w.AddDataAsset(fake.DataAsset{Name: "tbl", Version: "1", Type: inputs.KindMLTable, Path: "azureml://datastores/workspaceblobstore/paths/rh/table/"})
			ctx := e2eCtx(t)
			job, err := c.Invoke(ctx, tc.endpoint, tc.req, nil)
			if tc.wantErr != nil {
				require.Error(t, err)
				for _, s := range tc.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				assert.Zero(t, w.RequestCount(fake.RouteInvoke))
				return
			}
			require.NoError(t, err)
			_, err = job.Wait(ctx, e2eWait)
			require.NoError(t, err)
			info, _ := w.Job(job.Name())
			assert.Equal(t, inputs.KindMLTable, info.Inputs["t"].Kind)
			dir := t.TempDir()
			_, err = job.DownloadOutputs(ctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "rows"})
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"rows.txt": tc.want}, rhFiles(t, dir))
		})
	}
}
