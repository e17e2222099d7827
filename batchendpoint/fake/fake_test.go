package fake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// TestMain shares one Azurite across the tests and then fails the run if any
// goroutine is left behind: Azurite, the emulator and every client they served
// must have ended by then.
func TestMain(m *testing.M) {
	code := fake.RunTests(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

var fastWait = &batchendpoint.WaitOptions{MinDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Timeout: 30 * time.Second}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rowsPerFile scores each file as "<base name>,<line count>".
func rowsPerFile(_ context.Context, b fake.MiniBatch) ([]string, error) {
	rows := make([]string, 0, len(b.Files))
	for _, f := range b.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rows = append(rows, filepath.Base(f)+","+itoa(strings.Count(string(data), "\n")))
	}
	return rows, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func modelWorkspace(t *testing.T, o *fake.Options) *fake.Workspace {
	t.Helper()
	w := fake.NewWorkspace(t, o)
	w.AddEndpoint(fake.Endpoint{Name: "heart", DefaultDeployment: "classifier"})
	w.AddModelDeployment("heart", fake.ModelDeployment{Name: "classifier", MiniBatchSize: 2, Score: rowsPerFile})
	return w
}

func TestModelJobOverNetworkAndInProcess(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		t.Run(map[bool]string{false: "network", true: "in-process"}[inProcess], func(t *testing.T) {
			w := modelWorkspace(t, &fake.Options{InProcess: inProcess})
			w.WriteBlob(fake.DefaultDatastore, "heart/a.csv", []byte("h\n1\n"))
			w.WriteBlob(fake.DefaultDatastore, "heart/b.csv", []byte("h\n1\n2\n"))
			w.WriteBlob(fake.DefaultDatastore, "heart/c.csv", []byte("h\n"))
			ctx := ctxT(t)

			job, err := w.Client().Invoke(ctx, "heart", batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, "heart")}, nil)
			require.NoError(t, err)
			d, err := job.Wait(ctx, fastWait)
			require.NoError(t, err)
			assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)

			info, ok := w.Job(job.Name())
			require.True(t, ok)
			assert.Equal(t, []batchendpoint.JobStatus{"Preparing", "Queued", "Running", "Finalizing", "Completed"}, info.History)
			assert.Equal(t, 2, info.MiniBatches)
			assert.Equal(t, "heart", info.Endpoint)
			assert.Equal(t, "classifier", info.Deployment)
			files := w.OutputFiles(job.Name(), "score")
			assert.Equal(t, map[string][]byte{"predictions.csv": []byte("a.csv,2\nb.csv,3\nc.csv,1\n")}, files)
			assert.Equal(t, []string{"azureml/" + strings.TrimPrefix(job.Name(), "batchjob-") + "/score/predictions.csv"},
				w.ListBlobs(fake.DefaultDatastore, "azureml/"))

			invs := w.Invocations()
			require.Len(t, invs, 1)
			assert.Equal(t, "heart", invs[0].Endpoint)
			assert.Equal(t, "", invs[0].Deployment)
			assert.Equal(t, job.RepeatabilityID(), invs[0].RepeatabilityID)
			require.NoError(t, invs[0].ParseError)
			assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/heart", invs[0].Request.Input.(inputs.DatastoreInput).URI())
			assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke))
			for _, r := range w.Requests(fake.RouteInvoke, fake.RouteGetJob) {
				assert.Equal(t, "Bearer <redacted>", r.Header.Get("Authorization"))
			}
		})
	}
}

func TestNoStorage(t *testing.T) {
	w := fake.NewWorkspace(t, &fake.Options{NoStorage: true, InProcess: true})
	w.AddEndpoint(fake.Endpoint{Name: "hello", DefaultDeployment: "pipe"})
	got := make(chan string, 1)
	w.AddPipelineDeployment("hello", fake.PipelineDeployment{Name: "pipe", Run: func(_ context.Context, run *fake.PipelineRun) error {
		got <- run.Inputs["score_mode"].Value
		return nil
	}})
	w.AddModelDeployment("hello", fake.ModelDeployment{Name: "model"})
	ctx := ctxT(t)
	job, err := w.Client().Invoke(ctx, "hello", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"score_mode": inputs.String("append")}}, nil)
	require.NoError(t, err)
	d, err := job.Wait(ctx, fastWait)
	require.NoError(t, err)
	assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	assert.Equal(t, "append", <-got)

	// Data needs storage: the job fails.
	job, err = w.Client().Invoke(ctx, "hello", batchendpoint.InvokeRequest{Deployment: "model", Input: inputs.Datastore(fake.DefaultDatastore, "x")}, nil)
	require.NoError(t, err)
	d, err = job.Wait(ctx, fastWait)
	var jf *batchendpoint.JobFailedError
	require.ErrorAs(t, err, &jf)
	assert.Equal(t, batchendpoint.JobStatusFailed, d.Status)
	assert.NotEmpty(t, jf.Message)
}

func TestScriptedOutcomes(t *testing.T) {
	w := modelWorkspace(t, &fake.Options{InProcess: true})
	w.WriteBlob(fake.DefaultDatastore, "in/x.csv", []byte("1\n"))
	ctx := ctxT(t)
	c := w.Client()
	req := batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, "in")}

	t.Run("fail next job", func(t *testing.T) {
		w.FailNextJob("ModelError", "the model could not be loaded")
		job, err := c.Invoke(ctx, "heart", req, nil)
		require.NoError(t, err)
		_, err = job.Wait(ctx, fastWait)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Equal(t, "ModelError", jf.Code)
		assert.Equal(t, "the model could not be loaded", jf.Message)
		info, _ := w.Job(job.Name())
		assert.Equal(t, &fake.JobError{Code: "ModelError", Message: "the model could not be loaded"}, info.Error)
	})
	t.Run("hold and release", func(t *testing.T) {
		hold := w.HoldJobs(batchendpoint.JobStatusRunning)
		job, err := c.Invoke(ctx, "heart", req, nil)
		require.NoError(t, err)
		_, err = w.WaitJobStatus(ctx, job.Name(), batchendpoint.JobStatusRunning)
		require.NoError(t, err)
		d, err := job.Poll(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusRunning, d.Status)
		hold.Release()
		d, err = job.Wait(ctx, fastWait)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
	})
	t.Run("fail held job", func(t *testing.T) {
		hold := w.HoldJobs(batchendpoint.JobStatusQueued)
		defer hold.Release()
		job, err := c.Invoke(ctx, "heart", req, nil)
		require.NoError(t, err)
		require.NoError(t, w.FailJob(job.Name(), "Quota", "no nodes"))
		info, err := w.WaitJob(ctx, job.Name())
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusFailed, info.Status)
		assert.Error(t, w.FailJob(job.Name(), "x", "y"), "finished jobs cannot fail again")
	})
	t.Run("cancel", func(t *testing.T) {
		hold := w.HoldJobs(batchendpoint.JobStatusPreparing)
		defer hold.Release()
		job, err := c.Invoke(ctx, "heart", req, nil)
		require.NoError(t, err)
		require.NoError(t, w.CancelJob(job.Name()))
		d, err := job.Wait(ctx, fastWait)
		require.Error(t, err)
		assert.Equal(t, batchendpoint.JobStatusCanceled, d.Status)
	})
}

func TestFaults(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		t.Run(map[bool]string{false: "network", true: "in-process"}[inProcess], func(t *testing.T) {
			w := fake.NewWorkspace(t, &fake.Options{NoStorage: true, InProcess: inProcess})
			w.AddEndpoint(fake.Endpoint{Name: "hello", DefaultDeployment: "pipe"})
			w.AddPipelineDeployment("hello", fake.PipelineDeployment{Name: "pipe"})
			ctx := ctxT(t)
			req := batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"n": inputs.Integer(1)}}
			c := w.Client()

			h := w.FailRequests(fake.RouteInvoke, 1, http.StatusTooManyRequests, "0")
			job, err := c.Invoke(ctx, "hello", req, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, h.Hits())
			invs := w.Invocations()
			require.Len(t, invs, 2)
			assert.Equal(t, []int{429, 201}, []int{invs[0].Status, invs[1].Status})
			assert.Equal(t, invs[0].RepeatabilityID, invs[1].RepeatabilityID)
			_, err = job.Wait(ctx, fastWait)
			require.NoError(t, err)

			w.ClearRequests()
			w.ResetConnections(fake.RouteInvoke, 1, true)
			_, err = c.Invoke(ctx, "hello", req, nil)
			var amb *batchendpoint.AmbiguousInvokeError
			require.ErrorAs(t, err, &amb)
			if inProcess {
				assert.True(t, errors.Is(err, syscall.ECONNRESET))
			}
			assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke), "not resent")
			assert.Len(t, w.Jobs(), 2, "the reset came after the job was created")

			w.InjectFault(fake.Fault{Route: fake.RouteGetJob, Times: 2, Status: http.StatusServiceUnavailable})
			_, err = c.GetJob(ctx, job.Name(), nil)
			require.NoError(t, err, "azcore's retry policy rides over two 503s")

			w.InjectFault(fake.Fault{Route: fake.RouteGetBatchEndpoint, PathContains: "/batchEndpoints/other", Times: -1, Status: 404, Code: "NotFound"})
			_, err = c.Invoke(ctx, "other", req, nil)
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 404, re.StatusCode)
			w.ClearFaults()
		})
	}
}

func TestDatastoresAndAssets(t *testing.T) {
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true})
	w.AddDatastore(fake.Datastore{Name: "sasstore", Credentials: fake.CredentialsSAS})
	w.AddDatastore(fake.Datastore{Name: "files", Type: fake.DatastoreAzureFile})
	w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: "1", Path: "azureml://datastores/sasstore/paths/heart/"})
	w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: "2", Path: "azureml://datastores/sasstore/paths/heart2/"})
	w.AddEndpoint(fake.Endpoint{Name: "heart", DefaultDeployment: "classifier"})
	w.AddModelDeployment("heart", fake.ModelDeployment{Name: "classifier"})
	ctx := ctxT(t)
	c := w.Client()

	ds, err := c.GetDatastore(ctx, "sasstore", nil)
	require.NoError(t, err)
	assert.Equal(t, "Sas", ds.CredentialsType)
	assert.Equal(t, w.DatastoreID("sasstore"), ds.ID)
	def, err := c.GetDefaultDatastore(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, fake.DefaultDatastore, def.Name)
	da, err := c.GetDataAsset(ctx, "heart-data", "latest", nil)
	require.NoError(t, err)
	assert.Equal(t, "2", da.Version)
	assert.Equal(t, w.DataAssetID("heart-data", "2"), da.ID)

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "b.csv"), []byte("b"), 0o644))
	assert.Equal(t, []string{"heart2/a.csv", "heart2/sub/b.csv"}, w.UploadFiles("sasstore", "heart2", dir))
	assert.Equal(t, []string{"one/a.csv"}, w.UploadFiles("sasstore", "/one/", filepath.Join(dir, "a.csv")))
	assert.Equal(t, []byte("b"), w.ReadBlob("sasstore", "heart2/sub/b.csv"))

	// A SAS datastore's data reaches the job; outputs can't go to AzureFile.
	job, err := c.Invoke(ctx, "heart", batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest")}, nil)
	require.NoError(t, err)
	_, err = job.Wait(ctx, fastWait)
	require.NoError(t, err)
	assert.Equal(t, "a.csv\nb.csv\n", string(w.OutputFiles(job.Name(), "score")["predictions.csv"]))
	_, err = c.Invoke(ctx, "heart", batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "1"),
		Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("files", "out.csv").File()}}, nil)
	var ve *batchendpoint.ValidationError
	require.ErrorAs(t, err, &ve)

	assert.Contains(t, string(w.CACertPEM()), "BEGIN CERTIFICATE")
	assert.True(t, strings.HasPrefix(w.ARMEndpoint(), "https://127.0.0.1:"))
	assert.Equal(t, w.ScoringURI("heart"), strings.TrimRight(w.ScoringURI("heart"), "/"))
	assert.NotContains(t, w.String(), "Eby8")
}

// TestStartWorkspace covers the constructor for use outside go test: the
// workspace serves until Close, Close is idempotent and stops it, and the
// methods that fail a test panic instead.
func TestStartWorkspace(t *testing.T) {
	tests := []struct {
		name    string
		options *fake.Options
	}{
		{"network, no storage", &fake.Options{NoStorage: true}},
		{"in-process, no storage", &fake.Options{NoStorage: true, InProcess: true}},
		{"with storage", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			w, err := fake.StartWorkspace(ctx, tc.options)
			require.NoError(t, err)
			w.AddEndpoint(fake.Endpoint{Name: "hello", DefaultDeployment: "pipe"})
			w.AddPipelineDeployment("hello", fake.PipelineDeployment{Name: "pipe"})
			job, err := w.Client().Invoke(ctx, "hello", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"mode": inputs.String("a")}}, nil)
			require.NoError(t, err)
			d, err := job.Wait(ctx, fastWait)
			require.NoError(t, err)
			assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)

			assert.PanicsWithValue(t, `fake: emulator: invalid endpoint name "-x" (3-32 characters, ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)`,
				func() { w.AddEndpoint(fake.Endpoint{Name: "-x"}) })

			require.NoError(t, w.Close())
			require.NoError(t, w.Close(), "Close is idempotent")
			_, err = w.Client().GetJob(ctx, job.Name(), nil)
			assert.ErrorIs(t, err, syscall.ECONNREFUSED, "the workspace no longer serves after Close")
		})
	}
}
