package batchendpoint_test

import (
	"context"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/localdata/localdatatest"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// Cancelled and disturbed uploads through Invoke, against the emulator
// (in-process) and Azurite.

// cancelAfter is a per-call policy: on the n-th request that match accepts it
// cancels the caller's ctx, then counts the matching requests still started.
type cancelAfter struct {
	match  func(*http.Request) bool
	n      int64
	cancel context.CancelFunc

	seen, after atomic.Int64
	cancelled   atomic.Bool
	at          atomic.Pointer[time.Time]
}

func (p *cancelAfter) Do(req *policy.Request) (*http.Response, error) {
	if r := req.Raw(); p.match(r) {
		if p.cancelled.Load() {
			p.after.Add(1)
		}
		if p.seen.Add(1) == p.n {
			now := time.Now()
			p.at.Store(&now)
			p.cancel()
			p.cancelled.Store(true)
		}
	}
	return req.Next()
}

func (p *cancelAfter) latency() time.Duration {
	if at := p.at.Load(); at != nil {
		return time.Since(*at)
	}
	return 0
}

// writeFiles writes n files of about size bytes below dir and returns their
// contents by slash path.
func writeFiles(t *testing.T, dir string, n, size int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		rel := fmt.Sprintf("f%04d.csv", i)
		if i%3 == 0 {
			rel = fmt.Sprintf("sub/f%04d.csv", i)
		}
		content := strings.Repeat(fmt.Sprintf("%04d,", i), size/5) + "\n"
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		want[rel] = content
	}
	return want
}

// runBounded runs fn and fails the test if it takes longer than a bound that
// only a hang reaches (this is no latency assertion: that is logged).
func runBounded(t *testing.T, fn func() error) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the call blocked")
		return nil
	}
}

// TestUploadCancel cancels an Invoke while it uploads 300 files, after 30 Put
// Blobs: Invoke returns context.Canceled, at most one file per worker starts
// after the cancel, no marker is written, no job is posted, and a retry
// completes the upload and the invoke.
func TestUploadCancel(t *testing.T) {
	const workers = 4
	root := filepath.Join(t.TempDir(), "data")
	writeFiles(t, root, 300, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var storageHost atomic.Value
	p := &cancelAfter{n: 30, cancel: cancel, match: func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Host == storageHost.Load()
	}}
	u := newUploadWorkspace(t, &batchendpoint.ClientOptions{UploadConcurrency: workers, ClientOptions: azcore.ClientOptions{PerCallPolicies: []policy.Policy{p}}})
	storageHost.Store(u.storage)
	c := u.c

	invoke := func(ctx context.Context) error {
		_, err := c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(root)}, nil)
		return err
	}
	err := runBounded(t, func() error { return invoke(ctx) })
	latency := p.latency()
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, u.w.RequestCount(fake.RouteInvoke), "no job is posted")
	assert.LessOrEqual(t, p.after.Load(), int64(workers), "files started after the cancel")
	blobs := u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/")
	assert.Less(t, len(blobs), 300)
	assert.Zero(t, u.marked(t, "LocalUpload/"), "a cancelled upload is never marked completed")
	t.Logf("Invoke uploading 300 files (%d workers): returned %v after cancel; %d Put Blob started after it; %d blobs stored", workers, latency, p.after.Load(), len(blobs))

	// A retry uploads everything, marks it and creates the job.
	require.NoError(t, invoke(context.Background()))
	assert.Equal(t, 1, u.w.RequestCount(fake.RouteInvoke))
	assert.Len(t, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), 300)
	assert.Equal(t, 1, u.marked(t, "LocalUpload/"))
}

// TestUploadCancelLargeFile cancels the Invoke upload of one 48 MiB file (a single
// Put Blob) once 8 MiB are sent: the call returns context.Canceled, no blob is
// committed and no marker is written.
func TestUploadCancelLargeFile(t *testing.T) {
	u := newUploadWorkspace(t, nil)
	dir := localdatatest.BigTree(t, 1, 48<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at time.Time
	var sentAtCancel int64
	progress := func(p batchendpoint.UploadProgress) { // called from one goroutine at a time
		if at.IsZero() && p.BytesDone >= 8<<20 {
			at, sentAtCancel = time.Now(), p.BytesDone
			cancel()
		}
	}
	err := runBounded(t, func() error {
		_, err := u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(filepath.Join(dir, "part0.bin"))},
			&batchendpoint.InvokeOptions{UploadProgress: progress})
		return err
	})
	latency := time.Since(at)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, at.IsZero())
	assert.Empty(t, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), "no blob is committed")
	t.Logf("upload of one 48 MiB file: returned %v after cancel at %d MiB sent", latency, sentAtCancel>>20)
}

// TestUploadChangedFile: a file that changes between hashing and upload (or
// during it) fails the upload naming the file; the upload is not marked
// completed under the old hash, and a retry uploads the new content under its
// own hash.
func TestUploadChangedFile(t *testing.T) {
	tests := []struct {
		name        string
		sent        bool // change after the content was sent, not before the open
		change      func(t *testing.T, path string)
		sameContent bool
	}{
		{name: "appended before its upload", change: func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString("more\n")
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}},
		{name: "rewritten in place during its upload, same size", sent: true, change: func(t *testing.T, p string) {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "0", "9")), 0o644))
			// A coarse mtime clock could miss the write; the test is about the check.
			require.NoError(t, os.Chtimes(p, time.Now(), time.Now().Add(time.Hour)))
		}},
		{name: "replaced by a file of the same size and time", change: func(t *testing.T, p string) {
			fi, err := os.Stat(p)
			require.NoError(t, err)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			tmp := p + ".new"
			require.NoError(t, os.WriteFile(tmp, []byte(strings.ReplaceAll(string(b), "0", "9")), 0o644))
			require.NoError(t, os.Chtimes(tmp, fi.ModTime(), fi.ModTime()))
			require.NoError(t, os.Rename(tmp, p))
		}},
		{name: "deleted before its upload", change: func(t *testing.T, p string) { require.NoError(t, os.Remove(p)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUploadWorkspace(t, &batchendpoint.ClientOptions{UploadConcurrency: 1})
			root := filepath.Join(t.TempDir(), "data")
			writeFiles(t, root, 6, 100)
			target := filepath.Join(root, "f0002.csv")
			before, err := localdata.Scan(context.Background(), root)
			require.NoError(t, err)

			hook := func(p string) {
				if p == target {
					tc.change(t, p)
				}
			}
			if tc.sent {
				localdata.Hooks.UploadSent = hook
			} else {
				localdata.Hooks.UploadOpen = hook
			}
			_, err = u.c.Invoke(context.Background(), "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(root)}, nil)
			localdata.Hooks.UploadOpen, localdata.Hooks.UploadSent = nil, nil
			var ce *localdata.ChangedError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, target, ce.Path)
			assert.Contains(t, err.Error(), "the local file "+target+" changed while")
			assert.Contains(t, err.Error(), "retry")
			assert.Zero(t, u.marked(t, "LocalUpload/"), "nothing is marked completed under the old hash")
			if !tc.sent {
				assert.NotContains(t, u.w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), "LocalUpload/"+before.Hash+"/data/f0002.csv", "the changed file is not sent")
			}

			job, err := u.c.Invoke(context.Background(), "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(root)}, nil)
			require.NoError(t, err)
			uri := u.inputURI(t, job.Name())
			assert.NotContains(t, uri, before.Hash, "the retry uploads under the new content's hash")
			assert.Equal(t, 1, u.marked(t, "LocalUpload/"))
		})
	}
}

// TestInvokeCancelDuringHashing: Invoke with a 128 MiB local folder, cancelled
// while hashing, returns context.Canceled having hashed at most the chunk in
// flight after the cancel, with no storage request and no job POST.
func TestInvokeCancelDuringHashing(t *testing.T) {
	dir := localdatatest.BigTree(t, 2, 64<<20)
	// The default datastore is looked up before hashing (the resolve stage); the
	// cancel must land before its credentials are read, so no storage is needed.
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true, NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: "heart-ep", DefaultDeployment: "dep-one"})
	w.AddModelDeployment("heart-ep", fake.ModelDeployment{Name: "dep-one"})
	c := w.Client()

	for _, beforehand := range []bool{true, false} {
		t.Run(fmt.Sprintf("cancelled beforehand=%v", beforehand), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var chunks, afterCancel atomic.Int64
			var cancelled atomic.Bool
			var cancelAt time.Time
			if beforehand {
				cancel()
				cancelAt = time.Now()
				cancelled.Store(true)
			}
			localdata.Hooks.HashChunk = func(int) {
				if cancelled.Load() {
					afterCancel.Add(1)
				}
				if chunks.Add(1) == 10 && !beforehand {
					cancelAt = time.Now()
					go func() { cancel(); cancelled.Store(true) }()
				}
			}
			defer func() { localdata.Hooks.HashChunk = nil }()
			err := runBounded(t, func() error {
				_, err := c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(dir)}, nil)
				return err
			})
			latency := time.Since(cancelAt)
			require.ErrorIs(t, err, context.Canceled)
			assert.LessOrEqual(t, afterCancel.Load(), int64(1))
			if beforehand {
				assert.Zero(t, chunks.Load(), "nothing is hashed with a ctx cancelled beforehand")
			}
			assert.Zero(t, w.RequestCount(fake.RouteInvoke), "no job POST")
			assert.Zero(t, w.RequestCount(fake.RouteListDatastoreSecrets), "no storage access")
			t.Logf("Invoke hashing 128 MiB, cancelled beforehand=%v: returned %v after cancel (%d MiB hashed)", beforehand, latency, chunks.Load())
		})
	}
}

// TestDownloadCancel cancels a download of 1,200 files after 200 blob GETs:
// DownloadOutputs returns context.Canceled, at most one file per worker starts
// after the cancel, and every file on disk is complete (no temporary or
// partial file is left). A download cancelled inside a file keeps the earlier
// file of that name.
func TestDownloadCancel(t *testing.T) {
	const (
		files   = 1200
		workers = 8
	)
	ctx := context.Background()
	want := map[string]string{}
	var total int64
	for i := range files {
		rel := fmt.Sprintf("part%02d/f%04d.csv", i%10, i)
		want[rel] = strings.Repeat(fmt.Sprintf("%04d,", i), 200) + "\n"
		total += int64(len(want[rel]))
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var storageHost atomic.Value
	p := &cancelAfter{n: 200, cancel: cancel, match: func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Host == storageHost.Load() && !strings.Contains(r.URL.RawQuery, "comp=list")
	}}
	u := newUploadWorkspace(t, &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{PerCallPolicies: []policy.Policy{p}}})
	storageHost.Store(u.storage)
	// A pipeline job whose folder output holds the files.
	u.w.AddEndpoint(fake.Endpoint{Name: "writer-ep", DefaultDeployment: "writer"})
	u.w.AddPipelineDeployment("writer-ep", fake.PipelineDeployment{Name: "writer",
		Outputs: map[string]fake.PipelineOutput{"score": {Type: fake.OutputURIFolder}},
		Run: func(_ context.Context, run *fake.PipelineRun) error {
			for rel, content := range want {
				p := filepath.Join(run.Outputs["score"], filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					return err
				}
			}
			return nil
		}})
	h, err := u.c.Invoke(ctx, "writer-ep", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"n": inputs.Integer(1)},
		Outputs: map[string]outputs.DataOutput{"score": outputs.Default()}}, nil)
	require.NoError(t, err)
	d, err := h.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Timeout: time.Minute})
	require.NoError(t, err)
	require.Equal(t, batchendpoint.JobStatusCompleted, d.Status)

	dir := filepath.Join(t.TempDir(), "out")
	var res batchendpoint.DownloadOutputsResponse
	err = runBounded(t, func() error {
		var err error
		res, err = h.DownloadOutputs(cctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "score", Concurrency: workers})
		return err
	})
	latency := p.latency()
	require.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, p.after.Load(), int64(workers), "files started after the cancel")

	var onDisk []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		require.NoError(t, err)
		content, ok := want[filepath.ToSlash(rel)]
		require.True(t, ok, "unexpected file %s (a partial download?)", rel)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, string(b), rel)
		onDisk = append(onDisk, path)
		return nil
	}))
	sort.Strings(onDisk)
	assert.Equal(t, onDisk, res.Files, "the response lists exactly the complete files")
	assert.Less(t, len(onDisk), files)
	t.Logf("download of %d files (%d workers): returned %v after cancel; %d blob GETs started after it; %d files complete", files, workers, latency, p.after.Load(), len(onDisk))

	t.Run("a failed download keeps the earlier file", func(t *testing.T) {
		dir := t.TempDir()
		dest := filepath.Join(dir, "part00", "f0000.csv") // the first blob listed
		require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
		require.NoError(t, os.WriteFile(dest, []byte("earlier"), 0o644))
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var tmp string
		localdata.Hooks.DownloadTemp = func(p string) { tmp = p; cancel() }
		_, err := h.DownloadOutputs(cctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "score", Concurrency: 1})
		localdata.Hooks.DownloadTemp = nil
		require.ErrorIs(t, err, context.Canceled)
		b, err := os.ReadFile(dest)
		require.NoError(t, err)
		assert.Equal(t, "earlier", string(b))
		require.NotEmpty(t, tmp)
		assert.NoFileExists(t, tmp)
		entries, err := os.ReadDir(filepath.Dir(dest))
		require.NoError(t, err)
		assert.Len(t, entries, 1)

		res, err := h.DownloadOutputs(ctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: "score"})
		require.NoError(t, err)
		b, err = os.ReadFile(dest)
		require.NoError(t, err)
		assert.Equal(t, want["part00/f0000.csv"], string(b))
		assert.Len(t, res.Files, files)
		assert.Equal(t, total, res.Bytes)
	})
}
