package batchendpoint_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
)

// Uploads of local inputs through Invoke, against the emulator (in-process) and
// Azurite: what the folder and file uploads write, the completed marker, the
// progress reports, and that a second upload of the same data sends nothing.

// hostCounter counts the requests a client sends, by method and host.
type hostCounter struct {
	mu    sync.Mutex
	count map[string]int // "METHOD host"
	total int
}

func (c *hostCounter) Do(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	c.mu.Lock()
	c.count[r.Method+" "+r.URL.Host]++
	c.total++
	c.mu.Unlock()
	return req.Next()
}

func (c *hostCounter) get(method, host string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[method+" "+host]
}

func (c *hostCounter) sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *hostCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count = map[string]int{}
	c.total = 0
}

// uploadWorkspace is a fake workspace with endpoint heart-ep (model
// deployment dep-one) whose client counts its requests.
type uploadWorkspace struct {
	w       *fake.Workspace
	c       *batchendpoint.Client
	counter *hostCounter
	storage string // Azurite's host
}

func newUploadWorkspace(t *testing.T, opts *batchendpoint.ClientOptions) *uploadWorkspace {
	t.Helper()
	counter := &hostCounter{count: map[string]int{}}
	var o batchendpoint.ClientOptions
	if opts != nil {
		o = *opts
	}
	o.PerRetryPolicies = append(o.PerRetryPolicies, counter)
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true, ClientOptions: &o})
	w.AddEndpoint(fake.Endpoint{Name: "heart-ep", DefaultDeployment: "dep-one"})
	w.AddModelDeployment("heart-ep", fake.ModelDeployment{Name: "dep-one"})
	u, err := url.Parse(w.BlobURL(fake.DefaultDatastore, ""))
	require.NoError(t, err)
	return &uploadWorkspace{w: w, c: w.Client(), counter: counter, storage: u.Host}
}

// metadata reads a blob's metadata in the default datastore, keys lower-cased.
func (u *uploadWorkspace) metadata(t *testing.T, name string) map[string]string {
	t.Helper()
	bc, err := blob.NewClientWithNoCredential(u.w.SASURL(fake.DefaultDatastore, name),
		&blob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: u.w.ClientOptions().Transport}})
	require.NoError(t, err)
	props, err := bc.GetProperties(context.Background(), nil)
	require.NoError(t, err)
	md := map[string]string{}
	for k, v := range props.Metadata {
		if v != nil {
			md[strings.ToLower(k)] = *v
		}
	}
	return md
}

// marked counts the blobs under prefix in the default datastore that carry
// upload_status=completed.
func (u *uploadWorkspace) marked(t *testing.T, prefix string) int {
	t.Helper()
	n := 0
	for _, name := range u.w.ListBlobs(fake.DefaultDatastore, prefix) {
		if u.metadata(t, name)["upload_status"] == "completed" {
			n++
		}
	}
	return n
}

// inputURI is the uri of the only input of the job.
func (u *uploadWorkspace) inputURI(t *testing.T, job string) string {
	t.Helper()
	info, ok := u.w.Job(job)
	require.True(t, ok, job)
	require.Len(t, info.Inputs, 1)
	for _, in := range info.Inputs {
		return in.URI
	}
	return ""
}

// progressEvents collects progress events; it is deliberately unsynchronized so
// the race detector catches a callback that runs concurrently.
type progressEvents struct {
	events []batchendpoint.UploadProgress
}

func (p *progressEvents) add(e batchendpoint.UploadProgress) { p.events = append(p.events, e) }

func (p *progressEvents) last() batchendpoint.UploadProgress {
	if len(p.events) == 0 {
		return batchendpoint.UploadProgress{}
	}
	return p.events[len(p.events)-1]
}

// TestUploadFolderOnce: a folder of 200 files is uploaded once (every file,
// then the marker on the first in sorted order); a second invoke of the same
// folder finds the marker and sends nothing.
func TestUploadFolderOnce(t *testing.T) {
	ctx := context.Background()
	u := newUploadWorkspace(t, nil)

	root := filepath.Join(t.TempDir(), "batch")
	want := map[string]string{}
	for i := range 200 {
		rel := fmt.Sprintf("f%03d.csv", i)
		if i >= 150 {
			rel = fmt.Sprintf("sub/f%03d.csv", i)
		}
		want[rel] = fmt.Sprintf("row,%d\n", i)
	}
	var total int64
	for rel, content := range want {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		total += int64(len(content))
	}
	tree, err := localdata.Scan(ctx, root)
	require.NoError(t, err)
	prefix := "LocalUpload/" + tree.Hash + "/batch/"
	wantURI := "azureml://datastores/workspaceblobstore/paths/" + prefix

	// First invoke: every file is uploaded, then the marker is set.
	var p1 progressEvents
	job, err := u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(root)}, &batchendpoint.InvokeOptions{UploadProgress: p1.add})
	require.NoError(t, err)
	assert.Equal(t, wantURI, u.inputURI(t, job.Name()))
	assert.Equal(t, 201, u.counter.get("PUT", u.storage), "200 Put Blob + 1 Set Metadata")

	got := u.w.ListBlobs(fake.DefaultDatastore, prefix)
	require.Len(t, got, 200)
	for rel := range want {
		assert.Contains(t, got, prefix+rel)
	}
	md := u.metadata(t, prefix+"f000.csv") // the first file in sorted order is the indicator
	assert.Equal(t, "completed", md["upload_status"])
	assert.Len(t, md["name"], 36)
	assert.Len(t, md["version"], 36)
	assert.Empty(t, u.metadata(t, prefix+"f001.csv"))
	assert.Empty(t, u.metadata(t, prefix+"sub/f199.csv"))
	assert.Equal(t, "row,7\n", string(u.w.ReadBlob(fake.DefaultDatastore, prefix+"f007.csv")))
	assert.Equal(t, "row,199\n", string(u.w.ReadBlob(fake.DefaultDatastore, prefix+"sub/f199.csv")))
	require.NotEmpty(t, p1.events)
	assert.Equal(t, batchendpoint.UploadProgress{Path: root, FilesTotal: 200, BytesTotal: total}, p1.events[0])
	assert.Equal(t, batchendpoint.UploadProgress{Path: root, FilesDone: 200, FilesTotal: 200, BytesDone: total, BytesTotal: total}, p1.last())

	// Second invoke of the same folder: the marker is found, nothing is uploaded.
	u.counter.reset()
	u.w.ClearRequests()
	var p2 progressEvents
	job, err = u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(root)}, &batchendpoint.InvokeOptions{UploadProgress: p2.add})
	require.NoError(t, err)
	assert.Equal(t, wantURI, u.inputURI(t, job.Name()))
	assert.Equal(t, 0, u.counter.get("PUT", u.storage))
	assert.Equal(t, 1, u.counter.get("HEAD", u.storage), "one Get Blob Properties of the indicator")
	assert.Equal(t, []batchendpoint.UploadProgress{{Path: root, FilesTotal: 200, BytesTotal: total, Skipped: true}}, p2.events)
	assert.Equal(t, 1, u.w.RequestCount(fake.RouteListDatastoreSecrets), "the secrets are read for each upload")
	assert.Zero(t, u.w.RequestCount(fake.RouteListDatastores, fake.RouteGetDatastore), "the upload datastore lookup is cached")
}

// TestUploadFile: a file input is uploaded as LocalUpload/<hash>/<name> (one
// Put Blob, one Set Metadata); asserting the wrong kind fails before any request.
func TestUploadFile(t *testing.T) {
	ctx := context.Background()
	u := newUploadWorkspace(t, &batchendpoint.ClientOptions{UploadConcurrency: 2})
	file := filepath.Join(t.TempDir(), "heart.csv")
	require.NoError(t, os.WriteFile(file, []byte("age,sex\n63,1\n"), 0o644))
	tree, err := localdata.Scan(ctx, file)
	require.NoError(t, err)

	var p progressEvents
	job, err := u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(file)}, &batchendpoint.InvokeOptions{UploadProgress: p.add})
	require.NoError(t, err)
	name := "LocalUpload/" + tree.Hash + "/heart.csv"
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/"+name, u.inputURI(t, job.Name()))
	assert.Equal(t, 2, u.counter.get("PUT", u.storage))
	assert.Equal(t, []string{name}, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"))
	assert.Equal(t, "completed", u.metadata(t, name)["upload_status"])
	assert.Equal(t, "age,sex\n63,1\n", string(u.w.ReadBlob(fake.DefaultDatastore, name)))
	assert.Equal(t, batchendpoint.UploadProgress{Path: file, FilesDone: 1, FilesTotal: 1, BytesDone: 13, BytesTotal: 13}, p.last())

	// Asserting the wrong kind fails before any request.
	before := u.counter.sent()
	_, err = u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(file).Folder()}, nil)
	require.ErrorContains(t, err, "uri_folder was asked for")
	assert.Equal(t, before, u.counter.sent())
}

// TestCreateDataAssetLocal: a data asset whose path is a local folder uploads
// it once; the second version reuses the upload.
func TestCreateDataAssetLocal(t *testing.T) {
	ctx := context.Background()
	u := newUploadWorkspace(t, nil)
	const yml = `$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
name: heart-data
description: An unlabeled data asset for heart classification.
type: uri_folder
path: data
`
	dir := t.TempDir()
	for rel, content := range map[string]string{"heart-data.yml": yml, "data/heart-1.csv": "age\n63\n", "data/heart-2.csv": "age\n37\n"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	spec, err := batchendpoint.LoadDataAssetSpec(filepath.Join(dir, "heart-data.yml"))
	require.NoError(t, err)
	tree, err := localdata.Scan(ctx, filepath.Join(dir, "data"))
	require.NoError(t, err)
	wantURI := "azureml://datastores/workspaceblobstore/paths/LocalUpload/" + tree.Hash + "/data/"

	for i, version := range []string{"1", "2"} {
		var p progressEvents
		da, err := u.c.CreateDataAsset(ctx, spec, &batchendpoint.CreateDataAssetOptions{UploadProgress: p.add})
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.DataAsset{Name: "heart-data", Version: version, ID: u.w.DataAssetID("heart-data", version),
			Kind: "uri_folder", Path: wantURI, Description: "An unlabeled data asset for heart classification.", Tags: da.Tags, CreatedAt: da.CreatedAt}, da.DataAsset)
		assert.Empty(t, da.Tags, "the service answers tags {}")
		assert.Equal(t, i == 1, p.last().Skipped, "the second create reuses the upload")
	}
	puts := u.w.Requests(fake.RoutePutDataVersion)
	require.Len(t, puts, 2)
	assert.JSONEq(t, `{"properties":{"dataType":"uri_folder","dataUri":"`+wantURI+`","description":"An unlabeled data asset for heart classification.","isAnonymous":false}}`, string(puts[0].Body))
	assert.Len(t, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"+tree.Hash+"/data/"), 2)
	assert.Equal(t, 3, u.counter.get("PUT", u.storage), "2 files + marker, once")
}

// TestUploadDatastoreTypes: local data goes to an ADLS Gen2 default datastore
// through the blob endpoint; a file-share default datastore is refused with
// azure-ai-ml's message before its secrets are read. (An ADLS Gen1 default,
// which the emulator does not serve, is in TestAzuriteStorage.)
func TestUploadDatastoreTypes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d", "a.txt"), []byte("a"), 0o644))
	tests := []struct {
		typ     fake.DatastoreType
		wantErr string
	}{
		{typ: fake.DatastoreAzureDataLakeGen2},
		{typ: fake.DatastoreAzureFile, wantErr: "Datastore type AzureFile is not supported for uploads. Supported types are AzureBlob and AzureDataLakeGen2."},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			u := newUploadWorkspace(t, nil)
			u.w.AddDatastore(fake.Datastore{Name: fake.DefaultDatastore, Type: tc.typ, Default: true})
			da, err := u.c.CreateDataAsset(ctx, batchendpoint.DataAssetSpec{Name: "d", Path: filepath.Join(dir, "d")}, nil)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Zero(t, u.w.RequestCount(fake.RouteListDatastoreSecrets))
				assert.Zero(t, u.w.RequestCount(fake.RoutePutDataVersion))
				return
			}
			require.NoError(t, err)
			assert.Len(t, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), 1)
			assert.Contains(t, da.Path, "azureml://datastores/workspaceblobstore/paths/LocalUpload/")
		})
	}
}
