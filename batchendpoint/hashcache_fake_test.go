package batchendpoint_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
	"github.com/azmlbatch/azmlbatch/internal/localdata/localdatatest"
)

// TestReinvokeHashesNothing: invoking again with an unchanged local input
// hashes no byte (the client's hash cache answers) and uploads nothing; after
// the file changes (same size, new content) it is hashed and uploaded under
// its new hash.
func TestReinvokeHashesNothing(t *testing.T) {
	ctx := context.Background()
	u := newUploadWorkspace(t, nil)
	root := localdatatest.WriteTree(t, map[string]string{"data/a.csv": "1,2\n", "data/b.csv": "3,4\n"})
	dir := filepath.Join(root, "data")
	// The files were just written: the cache trusts only files older than its
	// racy window, so the test's clock runs ahead of the files' times.
	localdata.Hooks.Now = func() time.Time { return time.Now().Add(time.Hour) }
	t.Cleanup(func() { localdata.Hooks.Now = nil })
	var hashed atomic.Int64
	localdata.Hooks.HashChunk = func(n int) { hashed.Add(int64(n)) }
	t.Cleanup(func() { localdata.Hooks.HashChunk = nil })

	invoke := func() string {
		t.Helper()
		job, err := u.c.Invoke(ctx, "heart-ep", batchendpoint.InvokeRequest{Input: inputs.LocalPath(dir)}, nil)
		require.NoError(t, err)
		return u.inputURI(t, job.Name())
	}
	steps := []struct {
		name       string
		change     func()
		wantHashed int64
		wantPUTs   int
		sameURI    bool
	}{
		{name: "first invoke", wantHashed: 8, wantPUTs: 3},
		{name: "unchanged", wantHashed: 0, wantPUTs: 0, sameURI: true},
		{name: "unchanged again", wantHashed: 0, wantPUTs: 0, sameURI: true},
		{name: "a file rewritten, same size", change: func() {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a.csv"), []byte("9,9\n"), 0o644))
		}, wantHashed: 8, wantPUTs: 3},
		{name: "unchanged after the change", wantHashed: 0, wantPUTs: 0, sameURI: true},
	}
	var last string
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		hashed.Store(0)
		u.counter.reset()
		uri := invoke()
		assert.Equal(t, s.wantHashed, hashed.Load(), "%s: bytes hashed", s.name)
		assert.Equal(t, s.wantPUTs, u.counter.get("PUT", u.storage), "%s: PUTs to storage", s.name)
		if s.sameURI {
			assert.Equal(t, last, uri, s.name)
		} else {
			assert.NotEqual(t, last, uri, s.name)
		}
		last = uri
	}
}
