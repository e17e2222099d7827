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

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
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
