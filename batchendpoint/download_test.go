package batchendpoint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

func stOutputs(kv ...string) map[string]wire.ARMJobOutput {
	out := map[string]wire.ARMJobOutput{}
	for i := 0; i+2 < len(kv); i += 3 {
		out[kv[i]] = wire.ARMJobOutput{JobOutputType: kv[i+1], URI: kv[i+2], Mode: "ReadWriteMount"}
	}
	return out
}

// testDownloadOutputs runs inside TestAzuriteStorage.
func testDownloadOutputs(t *testing.T, st *stStorage) {
	ctx := context.Background()
	cont := st.newContainer(t)
	for name, content := range map[string]string{
		"azureml/job1/score/predictions.csv": "p1",
		"azureml/job1/score/part/b.csv":      "b",
		"azureml/job1/scoreX/other.csv":      "not below score/",
		"results/predictions.csv":            "file output",
	} {
		_, err := st.admin.UploadBuffer(ctx, cont, name, []byte(content), nil)
		require.NoError(t, err)
	}
	// An ADLS Gen2 folder marker: a zero-length blob with hdi_isfolder=true.
	_, err := st.admin.UploadBuffer(ctx, cont, "azureml/job1/score/part", nil, &azblob.UploadBufferOptions{Metadata: map[string]*string{"hdi_isfolder": ptr("true")}})
	require.NoError(t, err)

	f := newSTFake(t)
	f.addDatastore(st.datastore("workspaceblobstore", st.newContainer(t), "AccountKey", true), st.keySecret())
	f.addDatastore(st.datastore("outstore", cont, "AccountKey", false), st.keySecret())
	folderURI := "azureml://datastores/outstore/paths/azureml/job1/score/"
	fileURI := stWorkspace + "/datastores/outstore/paths/results/predictions.csv"
	done := stJob("job-done", "heart-ep", "d1")
	done.Properties.Outputs = stOutputs("score", "uri_folder", folderURI, "single", "uri_file", fileURI, "nolocation", "uri_folder", "",
		"elsewhere", "uri_folder", "azureml://subscriptions/S2/resourcegroups/RG/workspaces/WS2/datastores/x/paths/p")
	f.addJob(done)
	one := stJob("job-one", "heart-ep", "d1")
	one.Properties.Outputs = stOutputs("out", "uri_file", fileURI)
	f.addJob(one)
	running := stJob("job-running", "heart-ep", "d1")
	running.Properties.Status = "Running"
	running.Properties.Outputs = stOutputs("score", "uri_folder", folderURI)
	f.addJob(running)
	failed := stJob("job-failed", "heart-ep", "d1")
	failed.Properties.Status = "Failed"
	failed.Properties.Outputs = stOutputs("score", "uri_folder", folderURI)
	f.addJob(failed)
	empty := stJob("job-empty", "heart-ep", "d1")
	empty.Properties.Outputs = stOutputs("score", "uri_folder", "azureml://datastores/outstore/paths/nothing/here/")
	f.addJob(empty)
	// The job the invoke below creates: the POST answers Preparing without outputs,
	// the ARM job is already Completed.
	invoked := stJob("batchjob-0001", "heart-ep", "d1")
	invoked.Properties.Outputs = stOutputs("score", "uri_folder", folderURI)
	f.addJob(invoked)
	// A model deployment's job that reports no outputs: they are on its batchscoring child.
	f.addJob(stJob("job-parent", "heart-ep", "d1"))
	f.addRun(&stRun{id: "job-parent", status: "Completed"})
	f.addRun(&stRun{id: "job-parent-step", parent: "job-parent", module: "prep"}) // not the scoring child
	f.addRun(&stRun{id: "job-parent-score", parent: "job-parent", module: "batchscoring",
		outputs: map[string]wire.TypedAssetReference{"score": {AssetID: asset("parent-score"), Type: "UriFolder"}}})
	f.addAsset(asset("parent-score"), "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/outstore/paths/azureml/job1/score/")
	failedMissing := stJob("job-failed-missing", "heart-ep", "d1")
	failedMissing.Properties.Status = "Canceled"
	failedMissing.Properties.Outputs = stOutputs("score", "uri_folder", folderURI, "other", "uri_folder", "azureml://datastores/outstore/paths/nothing/here/", "nolocation", "uri_file", "")
	f.addJob(failedMissing)
	f.addRun(&stRun{id: "job-failed-missing", status: "Canceled"})
	c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, nil)

	tests := []struct {
		name      string
		job       string
		output    string
		wantFiles map[string]string // relative path → content
		wantPath  string
		wantErr   string
	}{
		{name: "folder output", job: "job-done", output: "score", wantPath: "azureml/job1/score/",
			wantFiles: map[string]string{"predictions.csv": "p1", "part/b.csv": "b"}},
		{name: "file output by datastore ARM id", job: "job-done", output: "single", wantPath: "results/predictions.csv",
			wantFiles: map[string]string{"predictions.csv": "file output"}},
		{name: "the only output when no name is given", job: "job-one", output: "", wantPath: "results/predictions.csv",
			wantFiles: map[string]string{"predictions.csv": "file output"}},
		{name: "unknown output lists the outputs", job: "job-done", output: "nope",
			wantErr: `job job-done has no output "nope"; its outputs are: elsewhere, nolocation, score, single`},
		{name: "running job", job: "job-running", output: "score", wantErr: "job job-running is Running, not completed"},
		{name: "failed job: what exists is downloaded", job: "job-failed", output: "score", wantPath: "azureml/job1/score/",
			wantFiles: map[string]string{"predictions.csv": "p1", "part/b.csv": "b"}},
		{name: "missing location", job: "job-done", output: "nolocation", wantErr: `reports no location for output "nolocation"`},
		{name: "another workspace", job: "job-done", output: "elsewhere", wantErr: "is in workspace WS2"},
		{name: "no files", job: "job-empty", output: "score", wantErr: "no files at"},
		{name: "from the batchscoring child", job: "job-parent", output: "score", wantPath: "azureml/job1/score/",
			wantFiles: map[string]string{"predictions.csv": "p1", "part/b.csv": "b"}},
		{name: "the child's only output when no name is given", job: "job-parent", output: "", wantPath: "azureml/job1/score/",
			wantFiles: map[string]string{"predictions.csv": "p1", "part/b.csv": "b"}},
		{name: "unknown output of the child", job: "job-parent", output: "nope", wantErr: `job job-parent has no output "nope"; its outputs are: score`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job, err := c.GetJob(ctx, tc.job, nil)
			require.NoError(t, err)
			dir := filepath.Join(t.TempDir(), "out")
			res, err := job.DownloadOutputs(ctx, dir, &DownloadOutputsOptions{OutputName: tc.output})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "outstore", res.Datastore)
			assert.Equal(t, tc.wantPath, res.Path)
			assertFiles(t, dir, tc.wantFiles, res.Files, res.Bytes)
			_, err = os.Stat(filepath.Join(dir, "other.csv"))
			assert.ErrorIs(t, err, os.ErrNotExist)
		})
	}

	t.Run("response says where the output came from", func(t *testing.T) {
		tests := []struct {
			job           string
			wantChild     string
			wantStatus    JobStatus
			wantIncomplet bool
		}{
			{job: "job-parent", wantChild: "job-parent-score", wantStatus: JobStatusCompleted},
			{job: "job-done", wantStatus: JobStatusCompleted},
			{job: "job-failed", wantStatus: JobStatusFailed, wantIncomplet: true},
		}
		for _, tc := range tests {
			job, err := c.GetJob(ctx, tc.job, nil)
			require.NoError(t, err)
			res, err := job.DownloadOutputs(ctx, t.TempDir(), &DownloadOutputsOptions{OutputName: "score"})
			require.NoError(t, err)
			assert.Equal(t, tc.wantChild, res.ChildJob, tc.job)
			assert.Equal(t, tc.wantStatus, res.Status, tc.job)
			assert.Equal(t, tc.wantIncomplet, res.Incomplete, tc.job)
			require.Len(t, res.Outputs, 1)
			assert.Equal(t, res.Files, res.Outputs[0].Files)
			assert.Equal(t, tc.wantChild, res.Outputs[0].ChildJob)
		}
	})
	t.Run("all outputs", func(t *testing.T) {
		tests := []struct {
			name        string
			job         string
			wantFiles   map[string]string
			wantMissing []string
			wantErr     string
		}{
			{name: "the job's own", job: "job-one", wantFiles: map[string]string{"named-outputs/out/predictions.csv": "file output"}},
			{name: "the batchscoring child's", job: "job-parent", wantFiles: map[string]string{
				"named-outputs/score/predictions.csv": "p1", "named-outputs/score/part/b.csv": "b"}},
			{name: "canceled job: what exists, the rest missing", job: "job-failed-missing", wantFiles: map[string]string{
				"named-outputs/score/predictions.csv": "p1", "named-outputs/score/part/b.csv": "b"}, wantMissing: []string{"nolocation", "other"}},
			{name: "a completed job's output elsewhere is an error", job: "job-done", wantErr: `output "elsewhere" of job job-done: location`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				job, err := c.GetJob(ctx, tc.job, nil)
				require.NoError(t, err)
				dir := t.TempDir()
				res, err := job.DownloadOutputs(ctx, dir, &DownloadOutputsOptions{All: true})
				if tc.wantErr != "" {
					require.ErrorContains(t, err, tc.wantErr)
					return
				}
				require.NoError(t, err)
				assertFiles(t, dir, tc.wantFiles, res.Files, res.Bytes)
				var missing []string
				for _, o := range res.Outputs {
					if o.Missing {
						missing = append(missing, o.Name)
						assert.Empty(t, o.Files)
					}
				}
				assert.Equal(t, tc.wantMissing, missing)
				assert.Empty(t, res.Output, "All names no single output")
			})
		}
		job, err := c.GetJob(ctx, "job-one", nil)
		require.NoError(t, err)
		_, err = job.DownloadOutputs(ctx, t.TempDir(), &DownloadOutputsOptions{All: true, OutputName: "out"})
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
	})
	t.Run("job handle from invoke is polled once", func(t *testing.T) {
		job, err := c.Invoke(ctx, "heart-ep", InvokeRequest{Input: inputs.StorageURL("https://acct.blob.core.windows.net/data/heart")}, nil)
		require.NoError(t, err)
		require.Equal(t, "batchjob-0001", job.Name())
		require.Equal(t, JobStatusPreparing, job.Status())
		res, err := job.DownloadOutputs(ctx, t.TempDir(), &DownloadOutputsOptions{OutputName: "score", Concurrency: 1})
		require.NoError(t, err)
		assert.Len(t, res.Files, 2)
		assert.Equal(t, folderURI, res.Location)
		assert.Equal(t, 1, f.count("GET", "/jobs/batchjob-0001"))
	})
	t.Run("validation", func(t *testing.T) {
		_, err := (*Job)(nil).DownloadOutputs(ctx, t.TempDir(), &DownloadOutputsOptions{OutputName: "score"})
		require.ErrorContains(t, err, "nil job")
		job, err := c.GetJob(ctx, "job-done", nil)
		require.NoError(t, err)
		_, err = job.DownloadOutputs(ctx, "", &DownloadOutputsOptions{OutputName: "score"})
		require.ErrorContains(t, err, "destination folder is empty")
	})
}

func TestParseOutputLocation(t *testing.T) {
	c := &Client{ws: Workspace{SubscriptionID: "SUB", ResourceGroup: "RG", Name: "WSX"}}
	tests := []struct {
		uri      string
		ds, path string
		wantErr  string
	}{
		{uri: "azureml://datastores/workspaceblobstore/paths/azureml/j/score/", ds: "workspaceblobstore", path: "azureml/j/score/"},
		{uri: stWorkspace + "/datastores/workspaceblobstore/paths/batch-jobs/p", ds: "workspaceblobstore", path: "batch-jobs/p"},
		{uri: "azureml://subscriptions/SUB/resourcegroups/RG/workspaces/WSX/datastores/ds/paths/a/b", ds: "ds", path: "a/b"},
		{uri: stWorkspace + "/datastores/workspaceblobstore", wantErr: "not a datastore path"},
		{uri: "https://acct.blob.core.windows.net/c/p", wantErr: "not a datastore path"},
		{uri: "azureml://datastores/ds/paths/", wantErr: "not a datastore path"},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			loc, err := c.parseOutputLocation(tc.uri)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.ds, loc.Datastore)
			assert.Equal(t, tc.path, loc.Path)
		})
	}
}
