package batchendpoint

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/localdata"
	"github.com/azmlbatch/azmlbatch/internal/wire"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/azmlbatch/azmlbatch/inputs"
)

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

func withPolicy(o ClientOptions, p policy.Policy) *ClientOptions {
	o.ClientOptions = azcore.ClientOptions{PerCallPolicies: []policy.Policy{p}}
	return &o
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

// markedBlobs counts blobs under prefix that carry upload_status=completed.
func markedBlobs(t *testing.T, st *stStorage, cont, prefix string) int {
	n := 0
	for _, md := range st.blobs(t, cont, prefix) {
		if md["upload_status"] == "completed" {
			n++
		}
	}
	return n
}

// testUploadCancel cancels an Invoke while it uploads 300 files, after 30 Put
// Blobs: Invoke returns context.Canceled, at most one file per worker starts
// after the cancel, no marker is written, no job is posted, and a retry
// completes the upload and the invoke.
func testUploadCancel(t *testing.T, st *stStorage) {
	const workers = 4
	cont := st.newContainer(t)
	f := newSTFake(t)
	f.addDatastore(st.datastore("workspaceblobstore", cont, "AccountKey", true), st.keySecret())
	root := filepath.Join(t.TempDir(), "data")
	writeFiles(t, root, 300, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &cancelAfter{n: 30, cancel: cancel, match: func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Host == st.host }}
	c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, withPolicy(ClientOptions{UploadConcurrency: workers}, p))

	invoke := func(ctx context.Context) error {
		_, err := c.Invoke(ctx, "heart-ep", InvokeRequest{Input: inputs.LocalPath(root)}, nil)
		return err
	}
	err := runBounded(t, func() error { return invoke(ctx) })
	latency := p.latency()
	require.ErrorIs(t, err, context.Canceled)
	f.mu.Lock()
	assert.Empty(t, f.posts, "no job is posted")
	f.mu.Unlock()
	assert.LessOrEqual(t, p.after.Load(), int64(workers), "files started after the cancel")
	blobs := st.blobs(t, cont, "LocalUpload/")
	assert.Less(t, len(blobs), 300)
	assert.Zero(t, markedBlobs(t, st, cont, "LocalUpload/"), "a cancelled upload is never marked completed")
	t.Logf("Invoke uploading 300 files (%d workers): returned %v after cancel; %d Put Blob started after it; %d blobs stored", workers, latency, p.after.Load(), len(blobs))

	// A retry uploads everything, marks it and creates the job.
	require.NoError(t, invoke(context.Background()))
	f.mu.Lock()
	assert.Len(t, f.posts, 1)
	f.mu.Unlock()
	assert.Len(t, st.blobs(t, cont, "LocalUpload/"), 300)
	assert.Equal(t, 1, markedBlobs(t, st, cont, "LocalUpload/"))
}

// testUploadCancelLargeFile cancels the upload of one 48 MiB file (a single
// Put Blob) once 8 MiB are sent: the call returns context.Canceled, no blob is
// committed and no marker is written.
func testUploadCancelLargeFile(t *testing.T, st *stStorage) {
	cont := st.newContainer(t)
	f := newSTFake(t)
	f.addDatastore(st.datastore("workspaceblobstore", cont, "AccountKey", true), st.keySecret())
	c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, nil)
	dir := bigTree(t, 1, 48<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at time.Time
	var sentAtCancel int64
	progress := func(p UploadProgress) { // called from one goroutine at a time
		if at.IsZero() && p.BytesDone >= 8<<20 {
			at, sentAtCancel = time.Now(), p.BytesDone
			cancel()
		}
	}
	err := runBounded(t, func() error {
		_, err := c.uploadLocal(ctx, inputs.LocalPath(filepath.Join(dir, "part0.bin")), progress)
		return err
	})
	latency := time.Since(at)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, at.IsZero())
	assert.Empty(t, st.blobs(t, cont, "LocalUpload/"), "no blob is committed")
	t.Logf("upload of one 48 MiB file: returned %v after cancel at %d MiB sent", latency, sentAtCancel>>20)
}

// testUploadChangedFile: a file that changes between hashing and upload (or
// during it) fails the upload naming the file; the upload is not marked
// completed under the old hash, and a retry uploads the new content under its
// own hash.
func testUploadChangedFile(t *testing.T, st *stStorage) {
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
			cont := st.newContainer(t)
			f := newSTFake(t)
			f.addDatastore(st.datastore("workspaceblobstore", cont, "AccountKey", true), st.keySecret())
			c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, &ClientOptions{UploadConcurrency: 1})
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
			_, err = c.uploadLocal(context.Background(), inputs.LocalPath(root), nil)
			localdata.Hooks.UploadOpen, localdata.Hooks.UploadSent = nil, nil
			var ce *localdata.ChangedError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, target, ce.Path)
			assert.Contains(t, err.Error(), "the local file "+target+" changed while")
			assert.Contains(t, err.Error(), "retry")
			assert.Zero(t, markedBlobs(t, st, cont, "LocalUpload/"), "nothing is marked completed under the old hash")
			if !tc.sent {
				assert.NotContains(t, st.blobs(t, cont, "LocalUpload/"), "LocalUpload/"+before.Hash+"/data/f0002.csv", "the changed file is not sent")
			}

			uri, err := c.uploadLocal(context.Background(), inputs.LocalPath(root), nil)
			require.NoError(t, err)
			assert.NotContains(t, uri, before.Hash, "the retry uploads under the new content's hash")
			assert.Equal(t, 1, markedBlobs(t, st, cont, "LocalUpload/"))
		})
	}
}

// testDownloadCancel cancels a download of 1,200 files after 200 blob GETs:
// DownloadOutputs returns context.Canceled, at most one file per worker starts
// after the cancel, and every file on disk is complete (no temporary or
// partial file is left).
func testDownloadCancel(t *testing.T, st *stStorage) {
	const (
		files   = 1200
		workers = 8
	)
	ctx := context.Background()
	cont := st.newContainer(t)
	want := map[string]string{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range files {
		rel := fmt.Sprintf("part%02d/f%04d.csv", i%10, i)
		content := strings.Repeat(fmt.Sprintf("%04d,", i), 200) + "\n"
		want[rel] = content
		g.Go(func() error {
			_, err := st.admin.UploadBuffer(gctx, cont, "azureml/jobc/score/"+rel, []byte(content), nil)
			return err
		})
	}
	require.NoError(t, g.Wait())
	f := newSTFake(t)
	f.addDatastore(st.datastore("workspaceblobstore", st.newContainer(t), "AccountKey", true), st.keySecret())
	f.addDatastore(st.datastore("outstore", cont, "AccountKey", false), st.keySecret())
	job := stJob("job-big", "heart-ep", "d1")
	job.Properties.Outputs = stOutputs("score", "uri_folder", "azureml://datastores/outstore/paths/azureml/jobc/score/")
	f.addJob(job)

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &cancelAfter{n: 200, cancel: cancel, match: func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Host == st.host && !strings.Contains(r.URL.RawQuery, "comp=list")
	}}
	c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, withPolicy(ClientOptions{}, p))
	h, err := c.Job(ctx, "job-big", nil)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "out")
	var res DownloadOutputsResponse
	err = runBounded(t, func() error {
		var err error
		res, err = h.DownloadOutputs(cctx, dir, &DownloadOutputsOptions{OutputName: "score", Concurrency: workers})
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
	assert.Equal(t, sortedStrings(onDisk), res.Files, "the response lists exactly the complete files")
	assert.Less(t, len(onDisk), files)
	t.Logf("download of %d files (%d workers): returned %v after cancel; %d blob GETs started after it; %d files complete", files, workers, latency, p.after.Load(), len(onDisk))

	t.Run("a failed download keeps the earlier file", func(t *testing.T) {
		store, err := c.openBlobStore(ctx, Datastore{Name: "outstore", Type: "AzureBlob", AccountName: st.az.AccountName(), Container: cont,
			Endpoint: st.az.BlobURL(), Protocol: "https", CredentialsType: "AccountKey"})
		require.NoError(t, err)
		dest := filepath.Join(t.TempDir(), "f.csv")
		require.NoError(t, os.WriteFile(dest, []byte("earlier"), 0o644))
		cctx, cancel := context.WithCancel(ctx)
		var tmp string
		localdata.Hooks.DownloadTemp = func(p string) { tmp = p; cancel() }
		defer func() { localdata.Hooks.DownloadTemp = nil }()
		one := []localdata.Blob{{Name: "azureml/jobc/score/part00/f0000.csv", Rel: filepath.Base(dest)}}
		_, _, err = store.Download(cctx, one, filepath.Dir(dest), 1)
		require.ErrorIs(t, err, context.Canceled)
		b, err := os.ReadFile(dest)
		require.NoError(t, err)
		assert.Equal(t, "earlier", string(b))
		require.NotEmpty(t, tmp)
		assert.NoFileExists(t, tmp)
		entries, err := os.ReadDir(filepath.Dir(dest))
		require.NoError(t, err)
		assert.Len(t, entries, 1)

		_, n, err := store.Download(ctx, one, filepath.Dir(dest), 1)
		require.NoError(t, err)
		b, err = os.ReadFile(dest)
		require.NoError(t, err)
		assert.Equal(t, want["part00/f0000.csv"], string(b))
		assert.Equal(t, int64(len(b)), n)
	})
}

// TestInvokeCancelDuringHashing: Invoke with a 128 MiB local folder, cancelled
// while hashing, returns context.Canceled having hashed at most the chunk in
// flight after the cancel, with no storage request and no job POST.
func TestInvokeCancelDuringHashing(t *testing.T) {
	dir := bigTree(t, 2, 64<<20)
	f := newSTFake(t)
	// The default datastore is looked up before hashing (the resolve stage); the
	// cancel must land before its credentials are read, so no storage is needed.
	f.addDatastore(wire.Datastore{Name: "workspaceblobstore", Properties: wire.DatastoreProperties{DatastoreType: "AzureBlob", AccountName: "devstoreaccount1",
		ContainerName: "c", Endpoint: "https://127.0.0.1:1/devstoreaccount1", Protocol: "https", IsDefault: true,
		Credentials: &wire.DatastoreCredentials{CredentialsType: "AccountKey"}}}, nil)
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)

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
			setHashHook(t, func(int) {
				if cancelled.Load() {
					afterCancel.Add(1)
				}
				if chunks.Add(1) == 10 && !beforehand {
					cancelAt = time.Now()
					go func() { cancel(); cancelled.Store(true) }()
				}
			})
			f.mu.Lock()
			posts := len(f.posts)
			f.mu.Unlock()
			err := runBounded(t, func() error {
				_, err := c.Invoke(ctx, "heart-ep", InvokeRequest{Input: inputs.LocalPath(dir)}, nil)
				return err
			})
			latency := time.Since(cancelAt)
			require.ErrorIs(t, err, context.Canceled)
			assert.LessOrEqual(t, afterCancel.Load(), int64(1))
			if beforehand {
				assert.Zero(t, chunks.Load(), "nothing is hashed with a ctx cancelled beforehand")
			}
			f.mu.Lock()
			assert.Equal(t, posts, len(f.posts), "no job POST")
			f.mu.Unlock()
			assert.Zero(t, f.count("POST", "/listSecrets"), "no storage access")
			t.Logf("Invoke hashing 128 MiB, cancelled beforehand=%v: returned %v after cancel (%d MiB hashed)", beforehand, latency, chunks.Load())
		})
	}
}
