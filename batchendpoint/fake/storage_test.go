package fake_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// The datastores answer as the real service and batchendpoint, unchanged,
// reaches Azurite at https://devstoreaccount1.blob.core.windows.net through the
// storage proxy, over the network and in-process; the earlier shape (endpoint
// = Azurite's URL) stays available.
func TestStorageEndpoints(t *testing.T) {
	cases := []struct {
		name      string
		opts      fake.Options
		endpoint  func(w *fake.Workspace) string
		urlPrefix string
	}{
		{"network", fake.Options{}, func(*fake.Workspace) string { return "core.windows.net" }, "https://devstoreaccount1.blob.core.windows.net/"},
		{"in-process", fake.Options{InProcess: true}, func(*fake.Workspace) string { return "core.windows.net" }, "https://devstoreaccount1.blob.core.windows.net/"},
		{"service URL endpoints", fake.Options{ServiceURLDatastoreEndpoints: true}, func(w *fake.Workspace) string {
			return strings.TrimSuffix(strings.SplitAfter(w.BlobURL(fake.DefaultDatastore, ""), "/devstoreaccount1")[0], "/")
		}, "https://127.0.0.1:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := modelWorkspace(t, &tc.opts)
			ctx := ctxT(t)
			ds, err := w.Client().GetDatastore(ctx, fake.DefaultDatastore, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.endpoint(w), ds.Endpoint)
			assert.True(t, strings.HasPrefix(w.BlobURL(fake.DefaultDatastore, "x"), tc.urlPrefix), w.BlobURL(fake.DefaultDatastore, "x"))
			assert.Equal(t, "devstoreaccount1", ds.AccountName)
			assert.True(t, strings.HasPrefix(w.StorageProxyURL(), "http://127.0.0.1:"))

			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a.csv"), []byte("h\n1\n"), 0o644))
			job, err := w.Client().Invoke(ctx, "heart", batchendpoint.InvokeRequest{Input: inputs.LocalPath(dir)}, nil)
			require.NoError(t, err, "the upload goes to the production-style host")
			_, err = job.Wait(ctx, fastWait)
			require.NoError(t, err)
			out := t.TempDir()
			res, err := job.DownloadOutputs(ctx, out, nil)
			require.NoError(t, err, "the download reads the production-style host")
			require.Equal(t, []string{filepath.Join(out, "predictions.csv")}, res.Files)
			got, err := os.ReadFile(res.Files[0])
			require.NoError(t, err)
			assert.Equal(t, "a.csv,2\n", string(got))
			assert.NotEmpty(t, w.Requests(fake.RouteListDatastoreSecrets))
		})
	}
}

func TestChildRunsAndLogs(t *testing.T) {
	w := fake.NewWorkspace(t, nil)
	w.AddEndpoint(fake.Endpoint{Name: "heart", DefaultDeployment: "classifier"})
	w.AddModelDeployment("heart", fake.ModelDeployment{Name: "classifier", MiniBatchSize: 1, MaxRetries: fakePtr(1),
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) {
			if strings.HasSuffix(b.Files[0], "bad.csv") {
				return nil, errors.New("bad input row")
			}
			return []string{"ok"}, nil
		}})
	w.AddPipelineDeployment("heart", fake.PipelineDeployment{Name: "steps", Steps: []string{"prep", "score"}})
	w.WriteBlob(fake.DefaultDatastore, "in/a.csv", []byte("1\n"))
	w.WriteBlob(fake.DefaultDatastore, "in/bad.csv", []byte("x\n"))
	ctx := ctxT(t)
	job, err := w.Client().Invoke(ctx, "heart", batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, "in")}, nil)
	require.NoError(t, err)
	_, err = job.Wait(ctx, fastWait)
	require.NoError(t, err, "the error threshold is -1: a failed mini-batch does not fail the job")
	kids := w.ChildRuns(job.Name())
	require.Len(t, kids, 1)
	assert.Equal(t, fake.ChildRun{ID: kids[0].ID, Module: "batchscoring", Status: "Completed"}, kids[0])
	std := w.JobLogs(job.Name())[kids[0].ID]["user_logs/std_log.txt"]
	assert.Contains(t, std, "ERROR Mini-batch 1 (1 files), attempt 1 of 1, failed: bad input row\nTraceback (most recent call last):\n")
	assert.Contains(t, std, "\nException: bad input row\n")
	assert.Contains(t, w.JobLogs(job.Name())[job.Name()]["logs/azureml/executionlogs.txt"], "finished with status Completed")

	pj, err := w.Client().Invoke(ctx, "heart", batchendpoint.InvokeRequest{Deployment: "steps"}, nil)
	require.NoError(t, err)
	_, err = pj.Wait(ctx, fastWait)
	require.NoError(t, err)
	steps := w.ChildRuns(pj.Name())
	require.Len(t, steps, 2)
	assert.Equal(t, []string{"prep", "score"}, []string{steps[0].Module, steps[1].Module})
	assert.Nil(t, w.ChildRuns("no-such-job"))
}

func fakePtr(n int) *int { return &n }
