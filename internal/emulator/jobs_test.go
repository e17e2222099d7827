package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

func statuses(info emulator.JobInfo) []string {
	var out []string
	for _, h := range info.History {
		out = append(out, h.Status)
	}
	return out
}

func TestStatusProgression(t *testing.T) {
	e := newEnv(t, envOpts{})
	name := e.invokeOK("pipe", body(map[string]any{}, nil), nil)
	assert.True(t, strings.HasPrefix(name, "pipelinejob-"), name)
	info := e.wait(name)
	assert.Equal(t, []string{"Preparing", "Queued", "Running", "Finalizing", "Completed"}, statuses(info))
	assert.Nil(t, info.Error)
	m := e.arm(http.MethodGet, "/jobs/"+name, nil).json(t)
	assert.Equal(t, "Completed", dig(m, "properties", "status"))
	m = e.do(http.MethodGet, e.ws.ScoringURI("pipe")+"/"+name, emulator.AudienceML, nil, nil).json(t)
	assert.Equal(t, "Completed", dig(m, "properties", "status"))
	assert.Equal(t, "azureml.pipelinejob", dig(m, "properties", "tags", "azureml.jobtype"))
	d := e.do(http.MethodGet, e.s.ARMEndpoint()+"/history/v1.0"+e.ws.ID()+"/runs/"+name+"/details", emulator.AudienceARM, nil, nil).json(t)
	assert.Equal(t, "Completed", d["status"])
	assert.Nil(t, d["error"])
}

func TestRepeatability(t *testing.T) {
	e := newEnv(t, envOpts{})
	b := body(map[string]any{}, nil)
	id := map[string]string{"repeatability_request-id": "6f1c6a0e-7d55-4f3e-9a59-3a6b3f0cbd11"}
	r1 := e.invoke("pipe", b, id)
	require.Equal(t, http.StatusCreated, r1.status)
	r2 := e.invoke("pipe", b, id)
	require.Equal(t, http.StatusCreated, r2.status)
	assert.Equal(t, string(r1.body), string(r2.body))
	assert.Equal(t, "accepted", r2.header.Get("Repeatability-Result"))
	r3 := e.invoke("pipe", b, map[string]string{"repeatability_request-id": "another"})
	n4 := e.invokeOK("pipe", b, nil)
	n5 := e.invokeOK("pipe", b, nil)
	names := map[string]bool{r1.json(t)["name"].(string): true, r3.json(t)["name"].(string): true, n4: true, n5: true}
	assert.Len(t, names, 4)
	assert.Len(t, e.s.Jobs(), 4)
	info, ok := e.s.Job(r1.json(t)["name"].(string))
	require.True(t, ok)
	assert.Equal(t, id["repeatability_request-id"], info.RepeatabilityID)
	// The same id on another endpoint is another request.
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "hello"}))
	require.NoError(t, e.ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "pipe2", DefaultDeployment: "hello"}))
	require.NoError(t, e.ws.AddPipelineDeployment("pipe2", emulator.PipelineDeployment{Name: "hello"}))
	r6 := e.invoke("pipe2", b, id)
	assert.NotEqual(t, r1.json(t)["name"], r6.json(t)["name"])
}

// A model deployment over a folder of CSVs in Azurite: mini-batches, concurrency,
// predictions.csv at the default location; a second job onto an existing output fails.
func TestModelJobOverAzurite(t *testing.T) {
	e := newEnv(t, envOpts{storage: true})
	files := map[string]string{}
	for i := range 7 {
		files[fmt.Sprintf("heart/part-%02d.csv", i)] = fmt.Sprintf("age,chol\n%d,200\n%d,210\n", 40+i, 50+i)
	}
	files["heart/sub/extra.csv"] = "age,chol\n70,300\n"
	e.upload("workspaceblobstore", files)

	var inFlight, peak atomic.Int32
	var mu sync.Mutex
	var sizes []int
	score := func(ctx context.Context, b emulator.MiniBatch) ([]string, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		sizes = append(sizes, len(b.Files))
		mu.Unlock()
		var rows []string
		for _, f := range b.Files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
			for _, l := range lines {
				rows = append(rows, filepath.Base(f)+","+strings.Split(l, ",")[0]+",1")
			}
		}
		return rows, nil
	}
	require.NoError(t, e.ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "xgb", MiniBatchSize: 3, MaxConcurrencyPerInstance: 2, Score: score}))
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "1", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/heart/"}))

	name := e.invokeOK("heart", body(map[string]any{"heart_data": input("UriFolder", e.ws.DataVersionID("heart-data", "1"))}, nil),
		map[string]string{"azureml-model-deployment": "xgb"})
	info := e.wait(name)
	require.Equal(t, emulator.StatusCompleted, info.Status, "%+v", info.Error)
	assert.Equal(t, 3, info.MiniBatches)
	assert.Equal(t, int32(2), peak.Load())
	sort.Ints(sizes)
	assert.Equal(t, []int{2, 3, 3}, sizes)
	guid := strings.TrimPrefix(name, "batchjob-")
	out := e.download("workspaceblobstore", "azureml/"+guid+"/score/predictions.csv")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 15)
	assert.Equal(t, "part-00.csv,40,1", lines[0])
	assert.Equal(t, "part-00.csv,50,1", lines[1])
	assert.Equal(t, "extra.csv,70,1", lines[14])
	wantURI := e.ws.DatastoreID("workspaceblobstore") + "/paths/azureml/" + guid + "/score/predictions.csv"
	assert.Equal(t, wantURI, info.Outputs["score"].URI)
	m := e.arm(http.MethodGet, "/jobs/"+name, nil).json(t)
	assert.Equal(t, wantURI, dig(m, "properties", "outputs", "score", "uri"))

	// Explicit output file: first job writes it, a second job onto it fails.
	outBody := body(map[string]any{"heart_data": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/heart")},
		map[string]any{"outputData": map[string]any{"score": map[string]any{"jobOutputType": "UriFile", "uri": "azureml://datastores/otherblob/paths/batch-jobs/unique/preds.csv"}}})
	first := e.wait(e.invokeOK("heart", outBody, nil))
	require.Equal(t, emulator.StatusCompleted, first.Status, "%+v", first.Error)
	assert.Equal(t, "part-00.csv\npart-01.csv\n", e.download("otherblob", "batch-jobs/unique/preds.csv")[:24])
	folderOut := body(map[string]any{"heart_data": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/heart")},
		map[string]any{"outputData": map[string]any{"score": map[string]any{"jobOutputType": "UriFile", "uri": "azureml://datastores/otherblob/paths/batch-jobs/folder/"}}, "outputFileName": "out.csv"})
	require.Equal(t, emulator.StatusCompleted, e.wait(e.invokeOK("heart", folderOut, nil)).Status)
	assert.Contains(t, e.download("otherblob", "batch-jobs/folder/out.csv"), "part-00.csv")
	second := e.wait(e.invokeOK("heart", outBody, nil))
	require.Equal(t, emulator.StatusFailed, second.Status)
	assert.Equal(t, "UserError", second.Error.Code)
	assert.Contains(t, second.Error.Message, "already contains")
	d := e.do(http.MethodGet, e.s.ARMEndpoint()+"/history/v1.0"+e.ws.ID()+"/runs/"+second.Name+"/details", emulator.AudienceARM, nil, nil).json(t)
	assert.Contains(t, dig(d, "error", "error", "message"), "already contains")
}

func TestModelJobInputKinds(t *testing.T) {
	e := newEnv(t, envOpts{storage: true})
	e.upload("workspaceblobstore", map[string]string{"data/a.csv": "1\n", "data/b.csv": "2\n", "single/one.csv": "x\n"})
	cc, err := e.ws.ContainerClient("workspaceblobstore")
	require.NoError(t, err)
	sasURL, err := cc.NewBlobClient("single/one.csv").GetSASURL(sas.BlobPermissions{Read: true}, time.Now().Add(time.Hour), nil)
	require.NoError(t, err)
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "d", Version: "1", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/nothing/"}))
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "d", Version: "2", Type: "uri_folder",
		Path: "azureml://subscriptions/" + sub + "/resourcegroups/" + rg + "/workspaces/" + wsName + "/datastores/workspaceblobstore/paths/data/"}))
	tests := []struct {
		name, typ, uri string
		status         string
		rows           []string
		errContains    string
	}{
		{"datastore folder", "UriFolder", "azureml://datastores/workspaceblobstore/paths/data/", "Completed", []string{"a.csv", "b.csv"}, ""},
		{"datastore id path", "UriFolder", e.ws.DatastoreID("workspaceblobstore") + "/paths/data", "Completed", []string{"a.csv", "b.csv"}, ""},
		{"asset latest", "UriFolder", "azureml://locations/westus2/workspaces/" + wsName + "/data/d/versions/labels/latest", "Completed", []string{"a.csv", "b.csv"}, ""},
		{"file", "UriFile", "azureml://datastores/workspaceblobstore/paths/single/one.csv", "Completed", []string{"one.csv"}, ""},
		{"storage URL with key", "UriFolder", e.az.BlobURL() + "/" + e.container + "/data", "Completed", []string{"a.csv", "b.csv"}, ""},
		{"storage URL with SAS", "UriFile", sasURL, "Completed", []string{"one.csv"}, ""},
		{"gen2 datastore (read through blob)", "UriFolder", "azureml://datastores/gen2/paths/x/", "Failed", nil, "No files were found"},
		{"empty folder", "UriFolder", "azureml://datastores/workspaceblobstore/paths/nothing/", "Failed", nil, "No files were found"},
		{"missing file", "UriFile", "azureml://datastores/workspaceblobstore/paths/data/zzz.csv", "Failed", nil, "There is no file"},
		{"internet host", "UriFolder", "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data", "Failed", nil, "not a storage account known to the local emulator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := e.wait(e.invokeOK("heart", body(map[string]any{"in": input(tc.typ, tc.uri)}, nil), nil))
			require.Equal(t, tc.status, info.Status, "%+v", info.Error)
			if tc.errContains != "" {
				assert.Contains(t, info.Error.Message, tc.errContains)
				assert.NotContains(t, info.Error.Message, "sig=")
				return
			}
			got := e.download("workspaceblobstore", strings.TrimPrefix(info.Outputs["score"].URI, e.ws.DatastoreID("workspaceblobstore")+"/paths/"))
			assert.Equal(t, strings.Join(tc.rows, "\n")+"\n", got)
		})
	}
}

func TestModelRetriesAndErrorThreshold(t *testing.T) {
	e := newEnv(t, envOpts{storage: true})
	e.upload("workspaceblobstore", map[string]string{"in/a.csv": "a", "in/b.csv": "b", "in/c.csv": "c", "in/bad.csv": "bad"})
	var attempts sync.Map
	score := func(_ context.Context, b emulator.MiniBatch) ([]string, error) {
		f := filepath.Base(b.Files[0])
		n, _ := attempts.LoadOrStore(f, new(atomic.Int32))
		k := n.(*atomic.Int32).Add(1)
		switch {
		case f == "bad.csv":
			return nil, errors.New("cannot score")
		case f == "a.csv" && k == 1:
			return nil, errors.New("transient")
		case f == "c.csv" && b.Attempt == 1:
			panic("boom")
		}
		return []string{f}, nil
	}
	require.NoError(t, e.ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "flaky", MiniBatchSize: 1, Score: score, MaxRetries: emulator.Ptr(2)}))
	hdr := map[string]string{"azureml-model-deployment": "flaky"}
	in := map[string]any{"in": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/in/")}

	info := e.wait(e.invokeOK("heart", body(in, nil), hdr))
	require.Equal(t, emulator.StatusCompleted, info.Status, "%+v", info.Error)
	assert.Equal(t, 4, info.MiniBatches)
	assert.Equal(t, 1, info.FailedMiniBatches)
	assert.Equal(t, 1, info.FailedFiles)
	n, _ := attempts.Load("bad.csv")
	assert.Equal(t, int32(2), n.(*atomic.Int32).Load(), "maxRetries bounds the attempts")
	out := e.download("workspaceblobstore", strings.TrimPrefix(info.Outputs["score"].URI, e.ws.DatastoreID("workspaceblobstore")+"/paths/"))
	assert.Equal(t, "a.csv\nb.csv\nc.csv\n", out)

	// errorThreshold 0 in the request overrides the deployment's -1.
	info = e.wait(e.invokeOK("heart", body(in, map[string]any{"errorThreshold": 0}), hdr))
	require.Equal(t, emulator.StatusFailed, info.Status)
	assert.Contains(t, info.Error.Message, "exceeded the error threshold (0)")

	// A per-attempt timeout.
	require.NoError(t, e.ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "slow", MaxRetries: emulator.Ptr(1), ErrorThreshold: emulator.Ptr(0),
		Timeout: 50 * time.Millisecond, Score: func(ctx context.Context, _ emulator.MiniBatch) ([]string, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}))
	info = e.wait(e.invokeOK("heart", body(in, nil), map[string]string{"azureml-model-deployment": "slow"}))
	require.Equal(t, emulator.StatusFailed, info.Status)

	// SummaryOnly writes no output file.
	require.NoError(t, e.ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "summary", OutputAction: emulator.SummaryOnly}))
	info = e.wait(e.invokeOK("heart", body(in, nil), map[string]string{"azureml-model-deployment": "summary"}))
	require.Equal(t, emulator.StatusCompleted, info.Status)
	cc, _ := e.ws.ContainerClient("workspaceblobstore")
	_, err := cc.NewBlobClient(strings.TrimPrefix(info.Outputs["score"].URI, e.ws.DatastoreID("workspaceblobstore")+"/paths/")).GetProperties(context.Background(), nil)
	require.Error(t, err)
}

func TestPipelineJob(t *testing.T) {
	e := newEnv(t, envOpts{storage: true})
	e.upload("workspaceblobstore", map[string]string{"heart/a.csv": "1\n2\n", "heart/b.csv": "3\n"})
	var got *emulator.PipelineRun
	run := func(_ context.Context, r *emulator.PipelineRun) error {
		got = r
		var n int
		entries, err := os.ReadDir(r.Inputs["heart_data"].Path)
		if err != nil {
			return err
		}
		for _, en := range entries {
			b, _ := os.ReadFile(filepath.Join(r.Inputs["heart_data"].Path, en.Name()))
			n += strings.Count(string(b), "\n")
		}
		if err := os.WriteFile(r.Outputs["score"], []byte(fmt.Sprintf("rows=%d mode=%s\n", n, r.Inputs["score_mode"].Value)), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(r.Outputs["stats"], "summary.txt"), []byte("ok"), 0o644)
	}
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "scorer", Run: run,
		Inputs:  map[string]string{"heart_data": "", "score_mode": "", "threshold": "0.5"},
		Outputs: map[string]emulator.PipelineOutput{"score": {Type: "UriFile", FileName: "predictions.csv"}, "stats": {}}}))
	b := body(map[string]any{
		"heart_data": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/heart/"),
		"score_mode": literal("append"),
	}, map[string]any{
		"outputData": map[string]any{"score": map[string]any{"jobOutputType": "UriFile", "uri": e.ws.DatastoreID("workspaceblobstore") + "/paths/batch-jobs/my-unique-path/out.csv"}},
		"properties": map[string]any{"experimentName": "my-batch-job-experiment"},
	})
	name := e.invokeOK("pipe", b, map[string]string{"azureml-model-deployment": "scorer"})
	info := e.wait(name)
	require.Equal(t, emulator.StatusCompleted, info.Status, "%+v", info.Error)
	assert.Equal(t, "my-batch-job-experiment", info.ExperimentName)
	assert.Equal(t, "rows=3 mode=append\n", e.download("workspaceblobstore", "batch-jobs/my-unique-path/out.csv"))
	guid := strings.TrimPrefix(name, "pipelinejob-")
	assert.Equal(t, "ok", e.download("workspaceblobstore", "azureml/"+guid+"/stats/summary.txt"))
	assert.Equal(t, "0.5", got.Inputs["threshold"].Value, "declared defaults are passed")
	assert.Equal(t, "Literal", got.Inputs["score_mode"].Type)

	m := e.arm(http.MethodGet, "/jobs/"+name, nil).json(t)
	p := m["properties"].(map[string]any)
	assert.Equal(t, "my-batch-job-experiment", p["experimentName"])
	assert.Equal(t, map[string]any{"jobInputType": "literal", "value": "append"}, dig(p, "inputs", "score_mode"))
	assert.Equal(t, "uri_folder", dig(p, "inputs", "heart_data", "jobInputType"))
	assert.Equal(t, e.ws.DatastoreID("workspaceblobstore")+"/paths/batch-jobs/my-unique-path/out.csv", dig(p, "outputs", "score", "uri"))
	assert.Equal(t, e.ws.DatastoreID("workspaceblobstore")+"/paths/azureml/"+guid+"/stats/", dig(p, "outputs", "stats", "uri"))
	assert.Equal(t, "uri_folder", dig(p, "outputs", "stats", "jobOutputType"))

	// Literal values keep their JSON type's string form; a failing run fails the job.
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "failing", Run: func(_ context.Context, r *emulator.PipelineRun) error {
		if r.Inputs["flag"].Value != "True" || r.Inputs["n"].Value != "5" {
			return fmt.Errorf("unexpected literals %+v", r.Inputs)
		}
		return &emulator.JobError{Code: "ScriptExecution.UserError", Message: "component exploded"}
	}}))
	info = e.wait(e.invokeOK("pipe", body(map[string]any{"flag": literal(true), "n": literal(5)}, nil), map[string]string{"azureml-model-deployment": "failing"}))
	require.Equal(t, emulator.StatusFailed, info.Status)
	assert.Equal(t, &emulator.JobError{Code: "ScriptExecution.UserError", Message: "component exploded"}, info.Error)
}

// Azurite over HTTPS (its own certificate): with Options.TrustedCAs the emulator
// and clients built from HTTPClient reach both.
func TestHTTPSStorage(t *testing.T) {
	inst, cert := azuritetest.StartHTTPST(t, nil)
	s, err := emulator.New(&emulator.Options{TrustedCAs: [][]byte{cert.CertPEM}, Logf: t.Logf})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Start())
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName})
	require.NoError(t, err)
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "workspaceblobstore", ServiceURL: inst.BlobURL(), AccountName: inst.AccountName(), AccountKey: inst.AccountKey(), Container: "data", Default: true}))
	require.NoError(t, ws.EnsureContainers(context.Background()))
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "heart", DefaultDeployment: "main"}))
	require.NoError(t, ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "main"}))
	e := &env{t: t, s: s, ws: ws, hc: s.HTTPClient()}
	m := e.arm(http.MethodGet, "/datastores/workspaceblobstore", nil).json(t)
	assert.Equal(t, "core.windows.net", dig(m, "properties", "endpoint"), "the endpoint is the DNS suffix, as the real service answers")
	assert.Equal(t, inst.AccountName(), dig(m, "properties", "accountName"))
	assert.Equal(t, "https", dig(m, "properties", "protocol"))
	res, err := s.HTTPClient().Get(inst.BlobURL() + "?comp=list")
	require.NoError(t, err, "HTTPClient trusts Azurite's certificate")
	res.Body.Close()
	res, err = s.HTTPClient().Get("https://" + inst.AccountName() + ".blob.core.windows.net/?comp=list")
	require.NoError(t, err, "HTTPClient reaches the production-style host through the storage proxy")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", b)
	assert.Contains(t, string(b), "<Code>AuthorizationFailure</Code>", "Azurite answered the anonymous request")
	e.upload("workspaceblobstore", map[string]string{"in/x.csv": "1"})
	info := e.wait(e.invokeOK("heart", body(map[string]any{"d": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/in")}, nil), nil))
	require.Equal(t, emulator.StatusCompleted, info.Status, "%+v", info.Error)
	assert.Equal(t, "x.csv\n", e.download("workspaceblobstore", strings.TrimPrefix(info.Outputs["score"].URI, ws.DatastoreID("workspaceblobstore")+"/paths/")))
}
