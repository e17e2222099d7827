package batchendpoint_test

// End-to-end tests: every case of Microsoft's how-to "Create jobs and input data
// for batch endpoints" (learn.microsoft.com/azure/machine-learning/how-to-access-data-batch-endpoints-jobs),
// numbered S2-S13 in the order the page presents them, through
// batchendpoint.Client against the local workspace emulator and Azurite, via
// batchendpoint/fake. Each asserts the final status and the output blobs' content.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const (
	e2eModelEP    = "heart-classifier"
	e2ePipelineEP = "heart-pipeline"
	// e2eExampleDS stands in for the public azuremlexampledata account (S2, S10).
	e2eExampleDS = "exampledata"
	e2eUnlabeled = "heart-disease-uci-unlabeled"
)

// e2eHeart are the input files of every scenario (heart-disease-uci style).
var e2eHeart = map[string]string{
	"heart-1.csv": "age,sex,cp,trestbps,chol\n63,1,1,145,233\n37,1,3,130,250\n",
	"heart-2.csv": "age,sex,cp,trestbps,chol\n41,0,2,130,204\n56,1,2,120,236\n57,0,4,120,354\n",
	"heart-3.csv": "age,sex,cp,trestbps,chol\n62,0,4,140,268\n",
}

var e2eWait = &batchendpoint.WaitOptions{MinDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Timeout: 30 * time.Second}

// e2ePredict is the "model": 1 when age >= 55.
func e2ePredict(row string) string {
	age, _ := strconv.Atoi(strings.SplitN(row, ",", 2)[0])
	if age >= 55 {
		return "1"
	}
	return "0"
}

// e2eRows scores files (local paths, in order) as "<tag>,<file>,<row>,<prediction>".
func e2eRows(tag string, files []string) ([]string, error) {
	var rows []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for i := 0; sc.Scan(); i++ {
			if i == 0 || sc.Text() == "" {
				continue // header
			}
			rows = append(rows, fmt.Sprintf("%s,%s,%d,%s", tag, filepath.Base(f), i, e2ePredict(sc.Text())))
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// e2eWant is predictions.csv for names (keys of e2eHeart, or a file renamed
// from one: rename maps the output name to the source name).
func e2eWant(tag string, names ...string) string {
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		src := n
		if _, ok := e2eHeart[n]; !ok {
			src = "heart-1.csv" // single-file scenarios copy heart-1.csv
		}
		for i, row := range strings.Split(strings.TrimSpace(e2eHeart[src]), "\n") {
			if i > 0 {
				fmt.Fprintf(&b, "%s,%s,%d,%s\n", tag, n, i, e2ePredict(row))
			}
		}
	}
	return b.String()
}

var e2eAll = []string{"heart-1.csv", "heart-2.csv", "heart-3.csv"}

// e2eEnv is the workspace every scenario runs in.
type e2eEnv struct {
	w   *fake.Workspace
	c   *batchendpoint.Client
	dir string // local copy of the data: <dir>/data/*.csv next to <dir>/heart-data.yml

	mu   sync.Mutex
	runs map[string]*fake.PipelineRun // pipeline runs by job name, with their output content
}

func (e *e2eEnv) run(name string) *fake.PipelineRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[name]
}

func newE2E(t *testing.T, o *fake.Options) *e2eEnv {
	t.Helper()
	w := fake.NewWorkspace(t, o)
	e := &e2eEnv{w: w, c: w.Client(), dir: t.TempDir(), runs: map[string]*fake.PipelineRun{}}

	// Data: the public example container, workspaceblobstore, a local folder.
	w.AddDatastore(fake.Datastore{Name: e2eExampleDS})
	w.AddDatastore(fake.Datastore{Name: "adls", Type: fake.DatastoreAzureDataLakeGen2})
	w.AddDatastore(fake.Datastore{Name: "fileshare", Type: fake.DatastoreAzureFile})
	require.NoError(t, os.MkdirAll(filepath.Join(e.dir, "data"), 0o755))
	for name, content := range e2eHeart {
		require.NoError(t, os.WriteFile(filepath.Join(e.dir, "data", name), []byte(content), 0o644))
	}
	w.UploadFiles(e2eExampleDS, "heart-disease-uci/data", filepath.Join(e.dir, "data"))
	w.WriteBlob(e2eExampleDS, "heart-disease-uci/heart.csv", []byte(e2eHeart["heart-1.csv"]))
	w.UploadFiles(fake.DefaultDatastore, e2eUnlabeled, filepath.Join(e.dir, "data"))

	// The model endpoint: two model deployments.
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost", MiniBatchSize: 2,
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) { return e2eRows("xgb", b.Files) }})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-lr", MaxConcurrencyPerInstance: 2,
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) { return e2eRows("lr", b.Files) }})

	// The pipeline endpoint: "scorer" declares heart_data, score_mode (default
	// append) and a uri_file output score; "multi" takes anything and writes a
	// summary of its inputs to every output.
	w.AddEndpoint(fake.Endpoint{Name: e2ePipelineEP, DefaultDeployment: "scorer"})
	w.AddPipelineDeployment(e2ePipelineEP, fake.PipelineDeployment{Name: "scorer",
		Inputs:  map[string]string{"heart_data": "", "score_mode": "append"},
		Outputs: map[string]fake.PipelineOutput{"score": {Type: fake.OutputURIFile, FileName: "predictions.csv"}},
		Run: func(_ context.Context, run *fake.PipelineRun) error {
			e.record(run)
			in := run.Inputs["heart_data"]
			files := []string{in.Path}
			if in.Type == fake.InputURIFolder {
				files = nil
				entries, err := os.ReadDir(in.Path)
				if err != nil {
					return err
				}
				for _, de := range entries {
					files = append(files, filepath.Join(in.Path, de.Name()))
				}
			}
			rows, err := e2eRows(run.Inputs["score_mode"].Value, files)
			if err != nil {
				return err
			}
			return os.WriteFile(run.Outputs["score"], []byte(strings.Join(rows, "\n")+"\n"), 0o644)
		}})
	w.AddPipelineDeployment(e2ePipelineEP, fake.PipelineDeployment{Name: "multi",
		Run: func(_ context.Context, run *fake.PipelineRun) error {
			e.record(run)
			summary := e2eSummary(run)
			for name, p := range run.Outputs {
				if fi, err := os.Stat(p); err == nil && fi.IsDir() {
					p = filepath.Join(p, "summary.txt")
				}
				if err := os.WriteFile(p, []byte(name+"\n"+summary), 0o644); err != nil {
					return err
				}
			}
			return nil
		}})
	return e
}

func (e *e2eEnv) record(run *fake.PipelineRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runs[run.JobName] = run
}

// e2eSummary lists a run's inputs: "name type value-or-file-count".
func e2eSummary(run *fake.PipelineRun) string {
	names := make([]string, 0, len(run.Inputs))
	for n := range run.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		in := run.Inputs[n]
		switch in.Type {
		case fake.InputLiteral:
			fmt.Fprintf(&b, "%s %s %s\n", n, in.Type, in.Value)
		case fake.InputURIFolder:
			entries, _ := os.ReadDir(in.Path)
			fmt.Fprintf(&b, "%s %s %d files\n", n, in.Type, len(entries))
		default:
			fmt.Fprintf(&b, "%s %s %s\n", n, in.Type, filepath.Base(in.Path))
		}
	}
	return b.String()
}

func (e *e2eEnv) newClient(t *testing.T) *batchendpoint.Client {
	t.Helper()
	c, err := batchendpoint.NewClient(e.w.Workspace(), e.w.Credential(), e.w.ClientOptions())
	require.NoError(t, err)
	return c
}

// invokeWait invokes, waits for Completed and returns the job.
func (e *e2eEnv) invokeWait(t *testing.T, endpoint string, req batchendpoint.InvokeRequest) (*batchendpoint.Job, batchendpoint.JobDetails) {
	t.Helper()
	ctx := e2eCtx(t)
	job, err := e.c.Invoke(ctx, endpoint, req, nil)
	require.NoError(t, err)
	d, err := job.Wait(ctx, e2eWait)
	require.NoError(t, err)
	require.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	return job, d
}

// predictions returns the job's output file content (its only file).
func (e *e2eEnv) predictions(t *testing.T, job, output, file string) string {
	t.Helper()
	files := e.w.OutputFiles(job, output)
	require.Len(t, files, 1, "output %s of %s", output, job)
	data, ok := files[file]
	require.True(t, ok, "output %s of %s has no %s: %v", output, job, file, files)
	return string(data)
}

func e2eCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// e2eSig returns the signature of a SAS URL.
func e2eSig(t *testing.T, u string) string {
	t.Helper()
	_, q, _ := strings.Cut(u, "?")
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "sig="); ok && v != "" {
			return v
		}
	}
	t.Fatalf("no sig in the SAS URL")
	return ""
}

func e2eGUID(job string) string {
	_, guid, _ := strings.Cut(job, "job-")
	return guid
}

// TestE2EScenarios runs the how-to's cases S2-S13 against the emulator.
func TestE2EScenarios(t *testing.T) {
	e := newE2E(t, nil)
	w := e.w
	exampleURL := w.BlobURL(e2eExampleDS, "heart-disease-uci/data")

	t.Run("S2 storage URL, default deployment", func(t *testing.T) {
		job, d := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(exampleURL)})
		assert.Equal(t, "classifier-xgboost", d.Deployment)
		assert.Equal(t, e2eModelEP, d.ExperimentName, "default experiment = endpoint name")
		assert.Regexp(t, `^batchjob-[0-9a-f-]{36}$`, job.Name())
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))
		// Default location: azureml/<job-guid>/score/predictions.csv on the default datastore.
		assert.Equal(t, []string{"azureml/" + e2eGUID(job.Name()) + "/score/predictions.csv"},
			w.ListBlobs(fake.DefaultDatastore, "azureml/"+e2eGUID(job.Name())))
		inv := w.Invocations()
		require.NotEmpty(t, inv)
		last := inv[len(inv)-1]
		assert.Empty(t, last.Deployment, "no azureml-model-deployment header for the default deployment")
		assert.Equal(t, exampleURL, last.Request.Input.(inputs.StorageURLInput).URL())
	})

	t.Run("S3 named deployment", func(t *testing.T) {
		job, d := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-lr", Input: inputs.StorageURL(exampleURL)})
		assert.Equal(t, "classifier-lr", d.Deployment)
		info, _ := w.Job(job.Name())
		assert.Equal(t, "classifier-lr", info.Deployment)
		assert.Equal(t, 1, info.MiniBatches, "default mini_batch_size 10")
		assert.Equal(t, e2eWant("lr", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))
		inv := w.Invocations()
		assert.Equal(t, "classifier-lr", inv[len(inv)-1].Deployment)
	})

	t.Run("S4 experiment name on a pipeline deployment", func(t *testing.T) {
		job, d := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{ExperimentName: "my-batch-job-experiment",
			Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(exampleURL)}})
		assert.Equal(t, "my-batch-job-experiment", d.ExperimentName)
		assert.Regexp(t, `^pipelinejob-`, job.Name())
		info, _ := w.Job(job.Name())
		assert.Equal(t, "my-batch-job-experiment", info.ExperimentName)
		// score_mode took its declared default; score went to its default location.
		assert.Equal(t, e2eWant("append", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))
		assert.Equal(t, []string{"azureml/" + e2eGUID(job.Name()) + "/score/predictions.csv"},
			w.ListBlobs(fake.DefaultDatastore, "azureml/"+e2eGUID(job.Name())))
	})

	t.Run("S5 model deployment rules", func(t *testing.T) {
		ctx := e2eCtx(t)
		url := inputs.StorageURL(exampleURL)
		cases := []struct {
			name string
			req  batchendpoint.InvokeRequest
			want string
		}{
			{"literal", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": url, "score_mode": inputs.String("append")}}, "LiteralJobInput"},
			{"two data inputs", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"a": url, "b": url}}, "exactly one data input"},
			{"experiment name", batchendpoint.InvokeRequest{Input: url, ExperimentName: "exp"}, "pipeline component"},
			{"two outputs", batchendpoint.InvokeRequest{Input: url, Outputs: map[string]outputs.DataOutput{
				"a": outputs.Datastore(fake.DefaultDatastore, "x/a.csv").File(), "b": outputs.Datastore(fake.DefaultDatastore, "x/b.csv").File()}}, "at most one output"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				// With the kind known, nothing is sent at all.
				w.ClearRequests()
				known := tc.req
				known.DeploymentKind = batchendpoint.DeploymentKindModel
				_, err := e.c.Invoke(ctx, e2eModelEP, known, nil)
				var ve *batchendpoint.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Contains(t, err.Error(), tc.want)
				assert.Zero(t, w.RequestCount(), "no request before the rule is applied")
				// Without it, a fresh client looks the deployment up (and, as
				// resolve does every lookup before check, the output datastores), but never POSTs.
				_, err = e.newClient(t).Invoke(ctx, e2eModelEP, tc.req, nil)
				require.ErrorAs(t, err, &ve)
				assert.Zero(t, w.RequestCount(fake.RouteInvoke))
				assert.Equal(t, 2, w.RequestCount(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment))
				assert.Equal(t, w.RequestCount(), 2+w.RequestCount(fake.RouteGetDatastore))
			})
		}
	})

	t.Run("S5 pipeline deployment with several inputs and outputs", func(t *testing.T) {
		custom := "batch-jobs/" + strings.ReplaceAll(t.Name(), "/", "-") + "/summary.txt"
		job, d := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{Deployment: "multi",
			Inputs: map[string]inputs.Input{
				"heart_data":  inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled),
				"single_file": inputs.StorageURL(w.BlobURL(e2eExampleDS, "heart-disease-uci/heart.csv")).File(),
				"score_mode":  inputs.String("append"),
			},
			Outputs: map[string]outputs.DataOutput{
				"summary":   outputs.Default(),
				"report":    outputs.Datastore(fake.DefaultDatastore, custom).File(),
				"no_writes": outputs.Default().File(),
			}})
		summary := "heart_data UriFolder 3 files\nscore_mode Literal append\nsingle_file UriFile heart.csv\n"
		assert.Equal(t, map[string][]byte{"summary.txt": []byte("summary\n" + summary)}, w.OutputFiles(job.Name(), "summary"))
		assert.Equal(t, "report\n"+summary, string(w.ReadBlob(fake.DefaultDatastore, custom)))
		assert.Equal(t, map[string][]byte{"no_writes": []byte("no_writes\n" + summary)}, w.OutputFiles(job.Name(), "no_writes"))
		require.Len(t, d.Outputs, 3)
		assert.Equal(t, inputs.KindURIFile, d.Outputs["report"].Kind)
	})

	t.Run("S6 literal types", func(t *testing.T) {
		job, _ := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{Deployment: "multi",
			Inputs: map[string]inputs.Input{
				"a_string": inputs.String("append"), "a_bool": inputs.Bool(true), "a_false": inputs.Bool(false),
				"a_float": inputs.Float(0.5), "a_whole_float": inputs.Float(2), "an_int": inputs.Integer(-42),
			}})
		run := e.run(job.Name())
		require.NotNil(t, run)
		got := map[string]string{}
		for n, in := range run.Inputs {
			assert.Equal(t, fake.InputLiteral, in.Type, n)
			got[n] = in.Value
		}
		// The values as Python's azure-ai-ml would send them (str(True), repr(2.0)).
		assert.Equal(t, map[string]string{"a_string": "append", "a_bool": "True", "a_false": "False", "a_float": "0.5",
			"a_whole_float": "2.0", "an_int": "-42"}, got)
		inv := w.Invocations()
		req := inv[len(inv)-1].Request
		assert.Equal(t, inputs.KindString, req.Inputs["an_int"].Kind(), "literals travel as strings")
	})

	t.Run("S7 named outputs: default path, custom path, blob datastores only", func(t *testing.T) {
		custom := "batch-jobs/s7-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "/predictions.csv"
		job, d := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{
			Inputs:  map[string]inputs.Input{"heart_data": inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Default().File()}})
		assert.Equal(t, w.DatastoreID(fake.DefaultDatastore)+"/paths/azureml/"+e2eGUID(job.Name())+"/score/predictions.csv", d.Outputs["score"].URI)
		assert.Equal(t, e2eWant("append", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))

		_, d = e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{
			Inputs:  map[string]inputs.Input{"heart_data": inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(fake.DefaultDatastore, custom).File()}})
		assert.Contains(t, d.Outputs["score"].URI, "/paths/"+custom)
		assert.Equal(t, e2eWant("append", e2eAll...), string(w.ReadBlob(fake.DefaultDatastore, custom)))

		// The same custom path again: the file exists, so the job fails (the service's rule).
		ctx := e2eCtx(t)
		job, err := e.c.Invoke(ctx, e2ePipelineEP, batchendpoint.InvokeRequest{
			Inputs:  map[string]inputs.Input{"heart_data": inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(fake.DefaultDatastore, custom).File()}}, nil)
		require.NoError(t, err)
		_, err = job.Wait(ctx, e2eWait)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Contains(t, jf.Message, "already contains")

		for _, ds := range []string{"adls", "fileshare"} {
			w.ClearRequests()
			_, err := e.c.Invoke(ctx, e2ePipelineEP, batchendpoint.InvokeRequest{
				Inputs:  map[string]inputs.Input{"heart_data": inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)},
				Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(ds, "out/x.csv").File()}}, nil)
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve, ds)
			assert.Contains(t, err.Error(), "Blob")
			assert.Zero(t, w.RequestCount(fake.RouteInvoke), ds)
		}
	})

	t.Run("S8 data asset", func(t *testing.T) {
		ctx := e2eCtx(t)
		yml := filepath.Join(e.dir, "heart-data.yml")
		require.NoError(t, os.WriteFile(yml, []byte("$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\n"+
			"name: heart-data\ndescription: An unlabeled data asset for heart classification.\ntype: uri_folder\npath: data\n"), 0o644))
		spec, err := batchendpoint.LoadDataAssetSpec(yml)
		require.NoError(t, err)
		da, err := e.c.CreateDataAsset(ctx, spec, nil)
		require.NoError(t, err)
		assert.Equal(t, "1", da.Version)
		assert.Equal(t, w.DataAssetID("heart-data", "1"), da.ID)
		assert.Regexp(t, `^azureml://datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{32}/data/$`, da.Path)

		latest, err := e.c.GetDataAsset(ctx, "heart-data", "latest", nil)
		require.NoError(t, err)
		assert.Equal(t, da.ID, latest.ID, "DATA_ASSET_ID=$(az ml data show -n heart-data --label latest | jq -r .id)")

		byLabel, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest")})
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, byLabel.Name(), "score", "predictions.csv"))
		inv := w.Invocations()
		assert.Equal(t, da.ID, inv[len(inv)-1].Request.Input.(inputs.DataAssetInput).ARMID(), "@latest resolved by the client")

		// --input $DATA_ASSET_ID
		in, err := inputs.Parse(latest.ID, nil)
		require.NoError(t, err)
		byID, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: in})
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, byID.Name(), "score", "predictions.csv"))

		// --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$DATA_ASSET_ID
		f, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + latest.ID}})
		require.NoError(t, err)
		bySet, _ := e.invokeWait(t, e2eModelEP, f.Request)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, bySet.Name(), "score", "predictions.csv"))

		// --file inputs.yml, on the pipeline deployment (which names its input heart_data).
		f, err = batchendpoint.ParseInvokeFile([]byte("inputs:\n  heart_data:\n    type: uri_folder\n    path: azureml:heart-data@latest\n"), &batchendpoint.ParseInvokeFileOptions{Filename: "inputs.yml"})
		require.NoError(t, err)
		byFile, _ := e.invokeWait(t, e2ePipelineEP, f.Request)
		assert.Equal(t, e2eWant("append", e2eAll...), e.predictions(t, byFile.Name(), "score", "predictions.csv"))
		info, _ := w.Job(byFile.Name())
		assert.Equal(t, da.ID, info.Inputs["heart_data"].URI)

		// MLTable assets: the client refuses @latest itself; an explicit version
		// goes out and the service refuses it.
		w.AddDataAsset(fake.DataAsset{Name: "heart-table", Version: "1", Type: inputs.KindMLTable, Path: "azureml://datastores/workspaceblobstore/paths/" + e2eUnlabeled})
		w.ClearRequests()
		_, err = e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-table", "latest")}, nil)
		var ve *batchendpoint.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, err.Error(), "MLTable")
		assert.Zero(t, w.RequestCount(fake.RouteInvoke))
		_, err = e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-table", "1")}, nil)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, http.StatusBadRequest, re.StatusCode)
		assert.Contains(t, err.Error(), "aren't currently supported by batch endpoints")
	})

	t.Run("S9 datastore path", func(t *testing.T) {
		folder, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)})
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, folder.Name(), "score", "predictions.csv"))

		// --input $INPUT_PATH --input-type uri_folder
		in, err := inputs.Parse("azureml://datastores/workspaceblobstore/paths/"+e2eUnlabeled, &inputs.ParseOptions{Type: inputs.KindURIFolder})
		require.NoError(t, err)
		parsed, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: in})
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, parsed.Name(), "score", "predictions.csv"))

		file, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled+"/heart-2.csv").File()})
		assert.Equal(t, e2eWant("xgb", "heart-2.csv"), e.predictions(t, file.Name(), "score", "predictions.csv"))
		info, _ := w.Job(file.Name())
		assert.Equal(t, inputs.KindURIFile, info.Inputs["UriFile"].Kind, "the single input is keyed by its type")
	})

	t.Run("S10 storage URL folder and single file with SAS", func(t *testing.T) {
		f, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + exampleURL}})
		require.NoError(t, err)
		folder, _ := e.invokeWait(t, e2eModelEP, f.Request)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, folder.Name(), "score", "predictions.csv"))

		sasURL := w.SASURL(e2eExampleDS, "heart-disease-uci/heart.csv")
		file, _ := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL).File()})
		assert.Equal(t, e2eWant("xgb", "heart.csv"), e.predictions(t, file.Name(), "score", "predictions.csv"))
		details, err := file.Poll(e2eCtx(t), nil)
		require.NoError(t, err)
		sig := e2eSig(t, sasURL)
		assert.Equal(t, sasURL, details.Inputs["UriFile"].URI, "the URI itself is kept")
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			assert.NotContains(t, fmt.Sprintf(format, details), sig, format)
		}

		// A failed job's error, and the service response it unwraps to, show no signature either.
		w.FailNextJob("UserError", "bad file")
		ctx := e2eCtx(t)
		failed, err := e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL).File()}, nil)
		require.NoError(t, err)
		_, err = failed.Wait(ctx, e2eWait)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.NotContains(t, fmt.Sprintf("%v %+v", err, re), sig)

		// The private folder with the same SAS (read+list on the container).
		private, _ := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{
			"heart_data": inputs.StorageURL(w.SASURL(e2eExampleDS, "heart-disease-uci/data"))}})
		assert.Equal(t, e2eWant("append", e2eAll...), e.predictions(t, private.Name(), "score", "predictions.csv"))
	})

	t.Run("S11 literal score_mode", func(t *testing.T) {
		heart := "azureml://datastores/workspaceblobstore/paths/" + e2eUnlabeled
		f, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + heart,
			"inputs.score_mode.type=string", "inputs.score_mode.default=overwrite"}})
		require.NoError(t, err)
		bySet, _ := e.invokeWait(t, e2ePipelineEP, f.Request)
		assert.Equal(t, e2eWant("overwrite", e2eAll...), e.predictions(t, bySet.Name(), "score", "predictions.csv"))

		f, err = batchendpoint.ParseInvokeFile([]byte("inputs:\n  heart_data:\n    type: uri_folder\n    path: "+heart+
			"\n  score_mode:\n    type: string\n    default: append\n"), &batchendpoint.ParseInvokeFileOptions{Filename: "inputs.yml"})
		require.NoError(t, err)
		byFile, _ := e.invokeWait(t, e2ePipelineEP, f.Request)
		assert.Equal(t, e2eWant("append", e2eAll...), e.predictions(t, byFile.Name(), "score", "predictions.csv"))
		assert.Equal(t, "append", e.run(byFile.Name()).Inputs["score_mode"].Value)
		info, _ := w.Job(byFile.Name())
		assert.Equal(t, "append", info.Inputs["score_mode"].Value, "sent, not defaulted")
	})

	t.Run("S12 inputs-and-outputs.yml with the datastore id", func(t *testing.T) {
		ctx := e2eCtx(t)
		ds, err := e.c.GetDatastore(ctx, fake.DefaultDatastore, nil)
		require.NoError(t, err)
		assert.Equal(t, w.DatastoreID(fake.DefaultDatastore), ds.ID, "DATA_STORE_ID=$(az ml datastore show -n workspaceblobstore | jq -r '.id')")
		path := "batch-jobs/my-unique-path-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		yml := "inputs:\n  heart_data:\n    type: uri_folder\n    path: " + exampleURL +
			"\noutputs:\n  score:\n    type: uri_file\n    path: " + ds.ID + "/paths/" + path + "\n"
		f, err := batchendpoint.ParseInvokeFile([]byte(yml), &batchendpoint.ParseInvokeFileOptions{Filename: "inputs-and-outputs.yml"})
		require.NoError(t, err)
		job, d := e.invokeWait(t, e2eModelEP, f.Request)
		assert.Equal(t, ds.ID+"/paths/"+path, d.Outputs["score"].URI)
		// A uri_file output names the file itself.
		assert.Equal(t, e2eWant("xgb", e2eAll...), string(w.ReadBlob(fake.DefaultDatastore, path)))
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", filepath.Base(path)))
	})

	t.Run("S13 local folder upload", func(t *testing.T) {
		ctx := e2eCtx(t)
		local := filepath.Join(t.TempDir(), "heart-local")
		require.NoError(t, os.MkdirAll(local, 0o755))
		for name, content := range e2eHeart {
			require.NoError(t, os.WriteFile(filepath.Join(local, name), []byte(content), 0o644))
		}
		var progress []batchendpoint.UploadProgress
		job, err := e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)},
			&batchendpoint.InvokeOptions{UploadProgress: func(p batchendpoint.UploadProgress) { progress = append(progress, p) }})
		require.NoError(t, err)
		d, err := job.Wait(ctx, e2eWait)
		require.NoError(t, err)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))
		in := d.Inputs["UriFolder"].URI
		assert.Regexp(t, `^azureml://datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{32}/heart-local/$`, in)
		prefix := strings.TrimPrefix(in, "azureml://datastores/workspaceblobstore/paths/")
		assert.Len(t, w.ListBlobs(fake.DefaultDatastore, prefix), 3)
		require.NotEmpty(t, progress)
		assert.Equal(t, 3, progress[len(progress)-1].FilesDone)

		// The same folder again: nothing is uploaded.
		progress = nil
		again, err := e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)},
			&batchendpoint.InvokeOptions{UploadProgress: func(p batchendpoint.UploadProgress) { progress = append(progress, p) }})
		require.NoError(t, err)
		require.NotEmpty(t, progress)
		assert.True(t, progress[len(progress)-1].Skipped)
		_, err = again.Wait(ctx, e2eWait)
		require.NoError(t, err)
	})
}

// TestE2EJobLifecycle covers waiting, failures, cancel, resume, POST faults and
// downloads against the emulator, in-process (storage still in Azurite).
func TestE2EJobLifecycle(t *testing.T) {
	e := newE2E(t, &fake.Options{InProcess: true})
	w := e.w
	req := batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)}

	t.Run("requests per invoke and token audiences", func(t *testing.T) {
		ctx := e2eCtx(t)
		c := e.newClient(t)
		w.ClearRequests()
		named := req
		named.Deployment = "classifier-lr"
		_, err := c.Invoke(ctx, e2eModelEP, named, nil)
		require.NoError(t, err)
		assert.LessOrEqual(t, w.RequestCount(), 3, "first invoke: GET endpoint, GET deployment, POST")
		for i := 2; i <= 4; i++ {
			_, err := c.Invoke(ctx, e2eModelEP, named, nil)
			require.NoError(t, err)
			assert.Equal(t, 2+i, w.RequestCount(), "later invokes: the POST only")
		}
		for _, r := range w.Requests() {
			want := "https://management.azure.com"
			if r.Route == fake.RouteInvoke {
				want = "https://ml.azure.com"
			}
			assert.Equal(t, want, r.Audience, "%s %s", r.Method, r.URL)
		}
	})

	t.Run("Wait through every status", func(t *testing.T) {
		ctx := e2eCtx(t)
		steps := []batchendpoint.JobStatus{batchendpoint.JobStatusPreparing, batchendpoint.JobStatusQueued, batchendpoint.JobStatusRunning, batchendpoint.JobStatusFinalizing}
		holds := map[batchendpoint.JobStatus]*fake.Hold{}
		for _, s := range steps {
			holds[s] = w.HoldJobs(s)
		}
		t.Cleanup(func() {
			for _, h := range holds {
				h.Release()
			}
		})
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		seen := make(chan batchendpoint.JobStatus, 10)
		type result struct {
			d   batchendpoint.JobDetails
			err error
		}
		done := make(chan result, 1)
		go func() {
			d, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 2 * time.Millisecond, MaxDelay: 10 * time.Millisecond,
				OnStatus: func(d batchendpoint.JobDetails) { seen <- d.Status }})
			done <- result{d, err}
		}()
		var got []batchendpoint.JobStatus
		for _, s := range steps {
			// Wait reports the status the client sees; release it only then.
			for st := range seen {
				got = append(got, st)
				if st == s {
					break
				}
			}
			holds[s].Release()
		}
		r := <-done
		require.NoError(t, r.err)
		close(seen)
		for st := range seen {
			got = append(got, st)
		}
		assert.Equal(t, append(steps, batchendpoint.JobStatusCompleted), got)
		assert.Equal(t, batchendpoint.JobStatusCompleted, r.d.Status)
		assert.Equal(t, e2eModelEP, r.d.ExperimentName)
		assert.Equal(t, w.DatastoreID(fake.DefaultDatastore)+"/paths/azureml/"+e2eGUID(job.Name())+"/score/predictions.csv", r.d.Outputs["score"].URI)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))
		gets := w.Requests(fake.RouteGetJob)
		require.NotEmpty(t, gets)
		last := gets[len(gets)-1]
		assert.Equal(t, w.ARMEndpoint()+wsPathOf(w)+"/jobs/"+job.Name()+"?api-version=2025-12-01", last.URL, "polled on ARM")
		assert.Equal(t, "https://management.azure.com", last.Audience)
	})

	t.Run("failed job's code and message from Run History", func(t *testing.T) {
		ctx := e2eCtx(t)
		w.ClearRequests()
		w.FailNextJob("ScoringScriptError", "init() raised: model file not found")
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		d, err := job.Wait(ctx, e2eWait)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Equal(t, batchendpoint.JobStatusFailed, d.Status)
		assert.Equal(t, "ScoringScriptError", jf.Code)
		assert.Equal(t, "init() raised: model file not found", jf.Message)
		require.NotNil(t, d.Error)
		assert.Equal(t, batchendpoint.JobError{Code: "ScoringScriptError", Message: "init() raised: model file not found"}, *d.Error, "JobDetails.Error carries the Run History failure")
		assert.Contains(t, jf.Error(), job.Name())
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "ScoringScriptError", re.ErrorCode)
		own := 0 // the job's own details; its children's are read for their logs
		for _, r := range w.Requests(fake.RouteRunDetails) {
			if strings.Contains(r.URL, "/runs/"+job.Name()+"/details") {
				own++
			}
		}
		assert.Equal(t, 1, own, "the failure comes from Run History, read once")
		assert.Empty(t, w.OutputFiles(job.Name(), "score"), "a failed job writes nothing")

		// A scoring function's errors beyond the error threshold fail the job too.
		threshold := 0
		w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "flaky", ErrorThreshold: &threshold, MaxRetries: new(int),
			Score: func(context.Context, fake.MiniBatch) ([]string, error) { return nil, errors.New("boom") }})
		named := req
		named.Deployment = "flaky"
		job, err = e.c.Invoke(ctx, e2eModelEP, named, nil)
		require.NoError(t, err)
		_, err = job.Wait(ctx, e2eWait)
		require.ErrorAs(t, err, &jf)
		assert.Contains(t, jf.Message, "error threshold")
	})

	t.Run("Cancel", func(t *testing.T) {
		ctx := e2eCtx(t)
		hold := w.HoldJobs(batchendpoint.JobStatusRunning)
		defer hold.Release()
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		_, err = w.WaitJobStatus(ctx, job.Name(), batchendpoint.JobStatusRunning)
		require.NoError(t, err)
		w.ClearRequests()
		require.NoError(t, job.Cancel(ctx, nil))
		cancels := w.Requests(fake.RouteCancelJob)
		require.Len(t, cancels, 1)
		assert.Contains(t, []int{200, 202}, cancels[0].Status)
		d, err := job.Wait(ctx, e2eWait)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Equal(t, batchendpoint.JobStatusCanceled, d.Status)
		info, _ := w.Job(job.Name())
		assert.Contains(t, info.History, batchendpoint.JobStatusCancelRequested)
		assert.Empty(t, w.OutputFiles(job.Name(), "score"))
	})

	t.Run("ResumeJob in a fresh client", func(t *testing.T) {
		ctx := e2eCtx(t)
		hold := w.HoldJobs(batchendpoint.JobStatusQueued)
		defer hold.Release()
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		token, err := job.ResumeToken()
		require.NoError(t, err)
		assert.NotContains(t, token, "Bearer")

		fresh := e.newClient(t)
		resumed, err := fresh.ResumeJob(token, nil)
		require.NoError(t, err)
		assert.Equal(t, job.Name(), resumed.Name())
		hold.Release()
		d, err := resumed.Wait(ctx, e2eWait)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, resumed.Name(), "score", "predictions.csv"))

		attached, err := fresh.GetJob(ctx, job.Name(), nil)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, attached.Status())
		_, err = attached.ResumeToken()
		assert.Error(t, err, "no resume token for an ended job")
	})

	t.Run("POST 500 is ambiguous and not resent", func(t *testing.T) {
		ctx := e2eCtx(t)
		w.ClearRequests()
		jobs := len(w.Jobs())
		w.FailRequests(fake.RouteInvoke, 1, http.StatusInternalServerError, "")
		_, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		var amb *batchendpoint.AmbiguousInvokeError
		require.ErrorAs(t, err, &amb)
		assert.Regexp(t, uuidRE, amb.RepeatabilityID)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 500, re.StatusCode)
		assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke), "not resent")
		assert.Len(t, w.Jobs(), jobs)
	})

	t.Run("reset after the job was created: retry with the same id finds it", func(t *testing.T) {
		ctx := e2eCtx(t)
		w.ClearRequests()
		jobs := len(w.Jobs())
		w.ResetConnections(fake.RouteInvoke, 1, true)
		_, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		var amb *batchendpoint.AmbiguousInvokeError
		require.ErrorAs(t, err, &amb)
		assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke), "not resent")
		require.Len(t, w.Jobs(), jobs+1, "the job exists")
		created := w.Jobs()[jobs]

		job, err := e.c.Invoke(ctx, e2eModelEP, req, &batchendpoint.InvokeOptions{RepeatabilityID: amb.RepeatabilityID})
		require.NoError(t, err)
		assert.Equal(t, created.Name, job.Name(), "de-duplicated by repeatability_request-id")
		assert.Len(t, w.Jobs(), jobs+1)
		_, err = job.Wait(ctx, e2eWait)
		require.NoError(t, err)
	})

	// The wait is the Retry-After: TestInvokeResendEdge checks that on a fake clock.
	t.Run("POST 429 with Retry-After is resent once", func(t *testing.T) {
		ctx := e2eCtx(t)
		w.ClearRequests()
		w.FailRequests(fake.RouteInvoke, 1, http.StatusTooManyRequests, "0")
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		invs := w.Invocations()
		require.Len(t, invs, 2)
		assert.Equal(t, []int{429, 201}, []int{invs[0].Status, invs[1].Status})
		assert.Equal(t, invs[0].RepeatabilityID, invs[1].RepeatabilityID)
		assert.Equal(t, job.RepeatabilityID(), invs[1].RepeatabilityID)
		_, err = job.Wait(ctx, e2eWait)
		require.NoError(t, err)
	})

	t.Run("Wait survives 503s while polling", func(t *testing.T) {
		ctx := e2eCtx(t)
		hold := w.HoldJobs(batchendpoint.JobStatusQueued)
		job, err := e.c.Invoke(ctx, e2eModelEP, req, nil)
		require.NoError(t, err)
		f := w.InjectFault(fake.Fault{Route: fake.RouteGetJob, Times: 2, Status: http.StatusServiceUnavailable})
		hold.Release()
		d, err := job.Wait(ctx, e2eWait)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		assert.Equal(t, 2, f.Hits())
	})

	t.Run("model settings override the deployment's", func(t *testing.T) {
		one, name := int64(1), "scores.csv"
		job, d := e.invokeWait(t, e2eModelEP, batchendpoint.InvokeRequest{Input: req.Input,
			Settings: &batchendpoint.JobSettings{MiniBatchSize: &one, OutputFileName: name}})
		info, _ := w.Job(job.Name())
		assert.Equal(t, 3, info.MiniBatches, "one file per mini-batch")
		assert.True(t, strings.HasSuffix(d.Outputs["score"].URI, "/score/"+name), d.Outputs["score"].URI)
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", name))
	})

	t.Run("unknown deployment and endpoint", func(t *testing.T) {
		ctx := e2eCtx(t)
		w.ClearRequests()
		_, err := e.c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Deployment: "nope", Input: req.Input}, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `deployment "nope" not found in batch endpoint "heart-classifier"`)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 404, re.StatusCode)
		_, err = e.c.Invoke(ctx, "no-such-endpoint", req, nil)
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 404, re.StatusCode)
		assert.Zero(t, w.RequestCount(fake.RouteInvoke))
	})

	t.Run("list the endpoint's jobs", func(t *testing.T) {
		ctx := e2eCtx(t)
		want := map[string]bool{}
		for _, j := range w.Jobs() {
			if j.Endpoint == e2eModelEP && j.Deployment == "classifier-lr" {
				want[j.Name] = true
			}
		}
		require.NotEmpty(t, want)
		got := map[string]bool{}
		pager := e.c.NewListJobsPager(e2eModelEP, &batchendpoint.ListJobsOptions{Deployment: "classifier-lr"})
		for pager.More() {
			page, err := pager.NextPage(ctx)
			require.NoError(t, err)
			for _, j := range page.Jobs {
				assert.Equal(t, "classifier-lr", j.Deployment)
				got[j.Name] = true
			}
		}
		assert.Equal(t, want, got)
	})

	t.Run("data-plane-only client", func(t *testing.T) {
		ctx := e2eCtx(t)
		o := w.ClientOptions()
		o.DataPlaneOnly = true
		c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
		require.NoError(t, err)
		w.ClearRequests()
		job, err := c.Invoke(ctx, e2eModelEP, req, &batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)})
		require.NoError(t, err)
		d, err := job.Wait(ctx, e2eWait)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		for _, r := range w.Requests() {
			assert.Equal(t, "https://ml.azure.com", r.Audience, "%s %s", r.Method, r.URL)
		}
		assert.NotZero(t, w.RequestCount(fake.RouteGetBatchJob))
		assert.Equal(t, e2eWant("xgb", e2eAll...), e.predictions(t, job.Name(), "score", "predictions.csv"))

		w.FailNextJob("UserError", "data-plane failure")
		job, err = c.Invoke(ctx, e2eModelEP, req, &batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)})
		require.NoError(t, err)
		_, err = job.Wait(ctx, e2eWait)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Equal(t, batchendpoint.JobStatusFailed, jf.Job.Status)
	})

	t.Run("concurrent invokes and waits on one client", func(t *testing.T) {
		ctx := e2eCtx(t)
		c := e.newClient(t) // cold cache: the lookups race too
		local := filepath.Join(e.dir, "data")
		reqs := []struct {
			ep  string
			req batchendpoint.InvokeRequest
			tag string
		}{
			{e2eModelEP, req, "xgb"},
			{e2eModelEP, batchendpoint.InvokeRequest{Deployment: "classifier-lr", Input: req.Input}, "lr"},
			{e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)}, "xgb"},
			{e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)}, "xgb"},
			{e2ePipelineEP, batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": req.Input}}, "append"},
			{e2ePipelineEP, batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.LocalPath(local), "score_mode": inputs.String("fast")}}, "fast"},
		}
		var wg sync.WaitGroup
		names := make([]string, len(reqs))
		errs := make([]error, len(reqs))
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				job, err := c.Invoke(ctx, r.ep, r.req, nil)
				if err != nil {
					errs[i] = err
					return
				}
				names[i] = job.Name()
				_, errs[i] = job.Wait(ctx, e2eWait)
			}()
		}
		wg.Wait()
		for i, r := range reqs {
			require.NoError(t, errs[i], i)
			assert.Equal(t, e2eWant(r.tag, e2eAll...), e.predictions(t, names[i], "score", "predictions.csv"), i)
		}
	})

	t.Run("DownloadOutputs of a finished job", func(t *testing.T) {
		ctx := e2eCtx(t)
		job, _ := e.invokeWait(t, e2eModelEP, req)
		dir := t.TempDir()
		res, err := job.DownloadOutputs(ctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "score"})
		require.NoError(t, err)
		assert.Equal(t, fake.DefaultDatastore, res.Datastore)
		assert.Equal(t, []string{filepath.Join(dir, "predictions.csv")}, res.Files)
		data, err := os.ReadFile(filepath.Join(dir, "predictions.csv"))
		require.NoError(t, err)
		assert.Equal(t, e2eWant("xgb", e2eAll...), string(data))

		// A folder output of a pipeline job, attached by name in a fresh client.
		pj, _ := e.invokeWait(t, e2ePipelineEP, batchendpoint.InvokeRequest{Deployment: "multi",
			Inputs:  map[string]inputs.Input{"n": inputs.Integer(7)},
			Outputs: map[string]outputs.DataOutput{"summary": outputs.Default()}})
		fresh := e.newClient(t)
		attached, err := fresh.GetJob(ctx, pj.Name(), nil)
		require.NoError(t, err)
		res, err = attached.DownloadOutputs(ctx, dir, nil)
		require.NoError(t, err)
		assert.Equal(t, "summary", res.Output)
		data, err = os.ReadFile(filepath.Join(dir, "summary.txt"))
		require.NoError(t, err)
		assert.Equal(t, "summary\nn Literal 7\n", string(data))
	})
}
