package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// historyURL is a Run History (or data) URL under the discovery document's api base.
func (e *env) historyURL(service, path string) string {
	return e.s.ARMEndpoint() + "/" + service + "/v1.0" + e.ws.ID() + path
}

func TestRunHistoryRoutes(t *testing.T) {
	e := newHTTPSEnv(t)
	require.NoError(t, e.ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "pipe", DefaultDeployment: "steps"}))
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "steps", Steps: []string{"preprocess_job", "score_job"},
		Outputs: map[string]emulator.PipelineOutput{"score": {Type: emulator.TypeURIFile, FileName: "scores.csv"}},
		Run: func(_ context.Context, r *emulator.PipelineRun) error {
			return writeFile(r.Outputs["score"], "s\n")
		}}))
	e.upload("workspaceblobstore", map[string]string{"in/a.csv": "1", "in/b.csv": "2", "in/c.csv": "3"})
	in := body(map[string]any{"d": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/in")}, nil)
	model := e.wait(e.invokeOK("heart", in, nil))
	require.Equal(t, emulator.StatusCompleted, model.Status, "%+v", model.Error)
	pipe := e.wait(e.invokeOK("pipe", in, nil))
	require.Equal(t, emulator.StatusCompleted, pipe.Status, "%+v", pipe.Error)
	scoring := e.s.ChildRuns(model.Name)
	require.Len(t, scoring, 1)
	assert.Equal(t, "batchscoring", scoring[0].Module)
	steps := e.s.ChildRuns(pipe.Name)
	require.Len(t, steps, 2)
	assert.Equal(t, []string{"preprocess_job", "score_job"}, []string{steps[0].Module, steps[1].Module})

	scoreAsset := "azureml://locations/westus2/workspaces/"
	cases := []struct {
		name   string
		method string
		url    string
		aud    string
		body   any
		status int
		check  func(t *testing.T, m map[string]any)
	}{
		{"children of a model job", http.MethodGet, e.historyURL("history", "/runs/"+model.Name+"/children"), emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			v := m["value"].([]any)
			require.Len(t, v, 1)
			c := v[0].(map[string]any)
			assert.Equal(t, scoring[0].ID, c["runId"])
			assert.Equal(t, model.Name, c["parentRunId"])
			assert.Equal(t, "batchscoring", dig(c, "properties", "azureml.moduleName"))
			assert.Equal(t, "Completed", c["status"])
			assert.Contains(t, c["logFiles"], "user_logs/std_log.txt")
		}},
		{"children of a pipeline job", http.MethodGet, e.historyURL("history", "/runs/"+pipe.Name+"/children"), emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			v := m["value"].([]any)
			require.Len(t, v, 2)
			assert.Equal(t, "preprocess_job", dig(v[0].(map[string]any), "properties", "azureml.moduleName"))
			assert.Equal(t, "score_job", dig(v[1].(map[string]any), "properties", "azureml.moduleName"))
		}},
		{"children of a child", http.MethodGet, e.historyURL("history", "/runs/"+scoring[0].ID+"/children"), emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			assert.Empty(t, m["value"])
		}},
		{"children of an unknown run", http.MethodGet, e.historyURL("history", "/runs/nope/children"), emulator.AudienceARM, nil, 404, nil},
		{"children with an ML token", http.MethodGet, e.historyURL("history", "/runs/"+model.Name+"/children"), emulator.AudienceML, nil, 401, nil},
		{"rundata of a model job: no outputs", http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{"runId": model.Name, "selectRunMetadata": true}, 200, func(t *testing.T, m map[string]any) {
			assert.Equal(t, model.Name, dig(m, "runMetadata", "runId"))
			assert.Empty(t, dig(m, "runMetadata", "outputs"))
		}},
		{"rundata of batchscoring: score, PascalCase", http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{"runId": scoring[0].ID}, 200, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "UriFile", dig(m, "runMetadata", "outputs", "score", "type"))
			id := dig(m, "runMetadata", "outputs", "score", "assetId").(string)
			assert.True(t, strings.HasPrefix(id, scoreAsset), id)
			assert.True(t, strings.HasSuffix(id, "/data/azureml_"+scoring[0].ID+"_output_data_score/versions/1"), id)
		}},
		{"rundata of a pipeline job: its outputs", http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{"runId": pipe.Name}, 200, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "UriFile", dig(m, "runMetadata", "outputs", "score", "type"))
		}},
		{"rundata without runId", http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{}, 400, nil},
		{"rundata of an unknown run", http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{"runId": "nope"}, 404, nil},
		{"resolve an unknown asset", http.MethodPost, e.historyURL("data", "/dataversion/batchGetResolvedUris"), emulator.AudienceARM, map[string]any{"values": []string{"azureml://locations/x/workspaces/y/data/azureml_nope_output_data_score/versions/1"}}, 404, nil},
		{"details carry logFiles", http.MethodGet, e.historyURL("history", "/runs/"+model.Name+"/details"), emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			lf := m["logFiles"].(map[string]any)
			assert.Contains(t, lf, "logs/azureml/executionlogs.txt")
			assert.Equal(t, "true", dig(m, "tags", "azureml.batchrun"))
		}},
		{"details of a child", http.MethodGet, e.historyURL("history", "/runs/"+scoring[0].ID+"/details"), emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			lf := m["logFiles"].(map[string]any)
			assert.Contains(t, lf, "user_logs/std_log.txt")
			assert.Contains(t, lf, "logs/job_progress_overview.txt")
		}},
		{"endpoint jobs", http.MethodGet, e.s.ARMEndpoint() + "/mferp/managementfrontend" + e.ws.ID() + "/batchEndpoints/heart/jobs?api-version=2020-09-01-dataplanepreview", emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			v := m["value"].([]any)
			require.Len(t, v, 1)
			assert.Equal(t, model.Name, v[0].(map[string]any)["name"])
			assert.Equal(t, "Completed", dig(v[0].(map[string]any), "properties", "status"))
		}},
		{"deployment jobs", http.MethodGet, e.s.ARMEndpoint() + "/mferp/managementfrontend" + e.ws.ID() + "/batchEndpoints/pipe/deployments/steps/jobs?api-version=2020-09-01-dataplanepreview", emulator.AudienceARM, nil, 200, func(t *testing.T, m map[string]any) {
			v := m["value"].([]any)
			require.Len(t, v, 1)
			assert.Equal(t, pipe.Name, v[0].(map[string]any)["name"])
		}},
		{"endpoint jobs of an unknown deployment", http.MethodGet, e.s.ARMEndpoint() + "/mferp/managementfrontend" + e.ws.ID() + "/batchEndpoints/pipe/deployments/nope/jobs?api-version=2020-09-01-dataplanepreview", emulator.AudienceARM, nil, 404, nil},
		{"endpoint jobs with an ARM api-version", http.MethodGet, e.s.ARMEndpoint() + "/mferp/managementfrontend" + e.ws.ID() + "/batchEndpoints/heart/jobs?api-version=2025-12-01", emulator.AudienceARM, nil, 400, nil},
		{"endpoint jobs of an unknown endpoint", http.MethodGet, e.s.ARMEndpoint() + "/mferp/managementfrontend" + e.ws.ID() + "/batchEndpoints/nope/jobs?api-version=2020-09-01-dataplanepreview", emulator.AudienceARM, nil, 404, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.url, tc.aud, tc.body, nil)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			if tc.check != nil {
				tc.check(t, r.json(t))
			}
		})
	}

	t.Run("resolve the score of batchscoring", func(t *testing.T) {
		rd := e.do(http.MethodPost, e.historyURL("history", "/rundata"), emulator.AudienceARM, map[string]any{"runId": scoring[0].ID}, nil).json(t)
		id := dig(rd, "runMetadata", "outputs", "score", "assetId").(string)
		r := e.do(http.MethodPost, e.historyURL("data", "/dataversion/batchGetResolvedUris"), emulator.AudienceARM, map[string]any{"values": []string{id}}, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		uri := dig(r.json(t), "values", id, "uri").(string)
		path := strings.TrimPrefix(model.Outputs["score"].URI, e.ws.DatastoreID("workspaceblobstore")+"/paths/")
		assert.Equal(t, "azureml://subscriptions/"+sub+"/resourcegroups/"+rg+"/workspaces/"+wsName+"/datastores/workspaceblobstore/paths/"+path, uri)
		assert.Equal(t, "a.csv\nb.csv\nc.csv\n", e.download("workspaceblobstore", path), "the resolved path holds the scores")
	})
}

// A failed mini-batch appears in the batchscoring child's logs as the
// service's driver writes it: the attempt, then a Python traceback.
func TestFailedMiniBatchLogs(t *testing.T) {
	e := newHTTPSEnv(t)
	require.NoError(t, e.ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "flaky", MiniBatchSize: 1, MaxRetries: emulator.Ptr(2), ErrorThreshold: emulator.Ptr(0),
		Score: func(_ context.Context, b emulator.MiniBatch) ([]string, error) {
			if strings.HasSuffix(b.Files[0], "bad.csv") {
				return nil, errors.New("could not convert string to float: 'x'")
			}
			return []string{"ok"}, nil
		}}))
	e.upload("workspaceblobstore", map[string]string{"mb/a.csv": "1", "mb/bad.csv": "x"})
	info := e.wait(e.invokeOK("heart", body(map[string]any{"d": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/mb")}, nil),
		map[string]string{"azureml-model-deployment": "flaky"}))
	require.Equal(t, emulator.StatusFailed, info.Status)
	child := e.s.ChildRuns(info.Name)[0]
	assert.Equal(t, emulator.StatusFailed, child.Status)

	d := e.do(http.MethodGet, e.historyURL("history", "/runs/"+child.ID+"/details"), emulator.AudienceARM, nil, nil).json(t)
	assert.Equal(t, "UserError", dig(d, "error", "error", "code"))
	logFiles := d["logFiles"].(map[string]any)
	read := func(name string) string {
		t.Helper()
		u, ok := logFiles[name].(string)
		require.True(t, ok, "log %s listed: %v", name, logFiles)
		assert.Contains(t, u, "sig=", "a SAS URL")
		assert.Contains(t, u, "https://"+e.az.AccountName()+".blob.core.windows.net/azureml/ExperimentRun/dcid."+child.ID+"/")
		res, err := proxyClient(t, e.s).Get(u) // as azure-ai-ml reads it: HTTPS_PROXY + CA bundle, no token
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
		return string(b)
	}
	std := read("user_logs/std_log.txt")
	lines := strings.Split(strings.TrimSpace(std), "\n")
	var failed []int
	for i, l := range lines {
		if strings.Contains(l, "ERROR Mini-batch 1 (1 files), attempt") {
			failed = append(failed, i)
		}
	}
	require.Len(t, failed, 2, "two attempts of the bad mini-batch:\n%s", std)
	i := failed[0]
	assert.Contains(t, lines[i], "attempt 1 of 2, failed: could not convert string to float: 'x'")
	assert.Equal(t, "Traceback (most recent call last):", lines[i+1])
	assert.Equal(t, `  File "score.py", line 1, in run`, lines[i+2])
	assert.Equal(t, "Exception: could not convert string to float: 'x'", lines[i+3])
	assert.NotContains(t, std, "Mini-batch 0 (1 files), attempt", "the good mini-batch did not fail")
	assert.Contains(t, std, "ERROR UserError: The number of failed items (1, in 1 of 2 mini-batches) exceeded the error threshold (0)")
	assert.Contains(t, read("logs/user/error.txt"), "Exception: could not convert string to float: 'x'")
	assert.Contains(t, read("logs/job_progress_overview.txt"), "2 mini-batches were processed; 1 succeeded, 1 failed.")
	assert.Equal(t, std, e.s.JobLogs(info.Name)[child.ID]["user_logs/std_log.txt"], "JobLogs shows what was uploaded")
}

func writeFile(p, content string) error { return os.WriteFile(p, []byte(content), 0o644) }
