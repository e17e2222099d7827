package localdata

import (
	"context"
	"github.com/azmlbatch/azmlbatch/internal/localdata/localdatatest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// TestUploadHashPinned pins the hash against values computed with a Python
// re-implementation of azure-ai-ml's get_object_hash (pathlib iterdir sorted by
// str(path).lower(), name then content or recursion), so the LocalUpload/<md5>
// folders match what az ml produces for the same data.
func TestUploadHashPinned(t *testing.T) {
	known := map[string]string{
		"tree/_u.txt":      "under",
		"tree/a.txt":       "alpha",
		"tree/B.txt":       "bee", // upper case sorts after "_" once lower-cased
		"tree/sub/c.csv":   "1,2\n",
		"tree/sub/D/e.bin": "\x00\x01",
		"one.txt":          "single file\n",
		// .amlignore: *.tmp excluded, keep.tmp re-included, folder logs excluded.
		"ign/.amlignore":  "*.tmp\n!keep.tmp\nlogs\n",
		"ign/a.txt":       "a",
		"ign/x.tmp":       "x",
		"ign/keep.tmp":    "k",
		"ign/logs/l.txt":  "l",
		"ign/data/d.csv":  "d",
		"git/.gitignore":  "*.tmp\n!keep.tmp\nlogs\n",
		"git/a.txt":       "a",
		"git/keep.tmp":    "k",
		"git/logs/l.txt":  "l",
		"both/.amlignore": "nothing-matches\n",
		"both/.gitignore": "*.txt\n",
		"both/a.txt":      "a",
	}
	root := localdatatest.WriteTree(t, known)
	tests := []struct {
		path      string
		hash      string
		base      string
		isDir     bool
		files     []string
		bytes     int64
		skipCheck bool
	}{
		{path: "tree", hash: "692cf00a9fbcbd9145b15e5421041149", base: "tree", isDir: true,
			files: []string{"B.txt", "_u.txt", "a.txt", "sub/D/e.bin", "sub/c.csv"}, bytes: 5 + 5 + 3 + 4 + 2},
		{path: "tree/sub", hash: "ebc08ee569b1b2f4ee365e5c12f3336d", base: "sub", isDir: true,
			files: []string{"D/e.bin", "c.csv"}, bytes: 6},
		{path: "one.txt", hash: "ebd65183cea80d0dc11949bfee2293e0", base: "one.txt", files: []string{"one.txt"}, bytes: 12},
		{path: "ign", hash: "c7250e8513ffc2cbfbdb6bd9e4753d97", base: "ign", isDir: true,
			files: []string{".amlignore", "a.txt", "data/d.csv", "keep.tmp"}, bytes: 21 + 3},
		{path: "git", base: "git", isDir: true, skipCheck: true,
			files: []string{".gitignore", "a.txt", "keep.tmp"}, bytes: 21 + 2},
		{path: "both", base: "both", isDir: true, skipCheck: true, // .amlignore wins over .gitignore
			files: []string{".amlignore", ".gitignore", "a.txt"}, bytes: 16 + 6 + 1},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			tree, err := Scan(context.Background(), filepath.Join(root, tc.path))
			require.NoError(t, err)
			if !tc.skipCheck {
				assert.Equal(t, tc.hash, tree.Hash)
			}
			assert.Equal(t, tc.base, tree.Base)
			assert.Equal(t, tc.isDir, tree.IsDir)
			var rels []string
			for _, f := range tree.Files {
				rels = append(rels, f.Rel)
			}
			assert.Equal(t, tc.files, rels)
			assert.Equal(t, tc.bytes, tree.Bytes)
		})
	}
}

func TestUploadHashEdgeCases(t *testing.T) {
	t.Run("content change changes the hash", func(t *testing.T) {
		a := localdatatest.WriteTree(t, map[string]string{"d/x.txt": "1"})
		b := localdatatest.WriteTree(t, map[string]string{"d/x.txt": "2"})
		ta, err := Scan(context.Background(), filepath.Join(a, "d"))
		require.NoError(t, err)
		tb, err := Scan(context.Background(), filepath.Join(b, "d"))
		require.NoError(t, err)
		assert.NotEqual(t, ta.Hash, tb.Hash)
	})
	t.Run("the folder's own name is not hashed", func(t *testing.T) {
		root := localdatatest.WriteTree(t, map[string]string{"one/x.txt": "1", "two/x.txt": "1"})
		ta, err := Scan(context.Background(), filepath.Join(root, "one"))
		require.NoError(t, err)
		tb, err := Scan(context.Background(), filepath.Join(root, "two"))
		require.NoError(t, err)
		assert.Equal(t, ta.Hash, tb.Hash)
		assert.NotEqual(t, ta.Base, tb.Base)
	})
	t.Run("symlinked file is hashed and uploaded by content", func(t *testing.T) {
		root := localdatatest.WriteTree(t, map[string]string{"target.txt": "T", "d/real.txt": "R"})
		require.NoError(t, os.Symlink(filepath.Join(root, "target.txt"), filepath.Join(root, "d", "link.txt")))
		tree, err := Scan(context.Background(), filepath.Join(root, "d"))
		require.NoError(t, err)
		require.Len(t, tree.Files, 2)
		assert.Equal(t, "link.txt", tree.Files[0].Rel)
		assert.Equal(t, int64(1), tree.Files[0].Size)
	})
	t.Run("symlink cycle is an error", func(t *testing.T) {
		root := localdatatest.WriteTree(t, map[string]string{"d/x.txt": "1"})
		require.NoError(t, os.Symlink(filepath.Join(root, "d"), filepath.Join(root, "d", "loop")))
		_, err := Scan(context.Background(), filepath.Join(root, "d"))
		var ve *inputs.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, filepath.Join(root, "d", "loop"), ve.Value)
		assert.Contains(t, ve.Problem, "(a cycle)")
	})
	t.Run("everything ignored is an error", func(t *testing.T) {
		root := localdatatest.WriteTree(t, map[string]string{"d/.amlignore": "*\n", "d/x.txt": "1"})
		_, err := Scan(context.Background(), filepath.Join(root, "d"))
		var ve *inputs.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, filepath.Join(root, "d"), ve.Value)
		assert.Contains(t, ve.Problem, "every file in the local folder is excluded by its ignore file "+filepath.Join(root, "d", ".amlignore"))
	})
}

func TestIgnorePatterns(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"*.tmp", "a.tmp", true},
		{"*.tmp", "deep/dir/a.tmp", true},
		{"*.tmp", "a.tmpx", false},
		{"logs", "logs", true},
		{"logs", "logs/x.txt", true},
		{"logs", "sub/logs/x.txt", true},
		{"logs/", "logs", false}, // a folder pattern matches what lies below it
		{"logs/", "logs/x.txt", true},
		{"/top.txt", "top.txt", true},
		{"/top.txt", "sub/top.txt", false},
		{"a/b", "a/b", true},
		{"a/b", "x/a/b", false}, // an inner slash anchors the pattern
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"**/c.txt", "x/y/c.txt", true},
		{"data/**", "data/x/y", true},
		{"data/**", "data", false},
		{"?.csv", "a.csv", true},
		{"?.csv", "ab.csv", false},
		{"[ab].csv", "b.csv", true},
		{"[!ab].csv", "b.csv", false},
		{"[!ab].csv", "c.csv", true},
		{`\#hash`, "#hash", true},
		{"# comment", "# comment", false},
		{"", "x", false},
		{"*", "anything/at/all", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.path, func(t *testing.T) {
			assert.Equal(t, tc.want, parseIgnore(tc.pattern).excluded(tc.path))
		})
	}
	t.Run("last match wins", func(t *testing.T) {
		r := parseIgnore("*.tmp\n!keep.tmp\n")
		assert.True(t, r.excluded("x.tmp"))
		assert.False(t, r.excluded("keep.tmp"))
		r = parseIgnore("!keep.tmp\n*.tmp\n")
		assert.True(t, r.excluded("keep.tmp"))
	})
}

// setHashHook installs Hooks.HashChunk for one test.
func setHashHook(t *testing.T, fn func(n int)) {
	t.Helper()
	Hooks.HashChunk = fn
	t.Cleanup(func() { Hooks.HashChunk = nil })
}

// runBounded runs fn and fails the test if it takes longer than a bound that
// only a hang reaches (this is no latency assertion: that is logged).
func runBounded(t *testing.T, fn func() error) error {
	t.Helper()
	_, err := withHangGuardFor(t, 10*time.Second, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

// TestScanLocalCancel hashes 192 MiB (the size in the issue): a ctx cancelled
// beforehand hashes nothing; a cancel during hashing stops it within the chunk
// being hashed. The latency from cancel to return is logged, not asserted.
func TestScanLocalCancel(t *testing.T) {
	dir := localdatatest.BigTree(t, 3, 64<<20)

	t.Run("cancelled beforehand hashes nothing", func(t *testing.T) {
		var chunks atomic.Int64
		setHashHook(t, func(int) { chunks.Add(1) })
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err := Scan(ctx, dir)
		t.Logf("returned %v after the call with a cancelled ctx", time.Since(start))
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, chunks.Load())
	})
	t.Run("cancel at a chunk stops before the next", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var chunks atomic.Int64
		setHashHook(t, func(int) {
			if chunks.Add(1) == 5 {
				cancel()
			}
		})
		_, err := Scan(ctx, dir)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, int64(5), chunks.Load())
	})
	t.Run("cancel from another goroutine", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var chunks, afterCancel atomic.Int64
		var cancelled atomic.Bool
		started := make(chan struct{})
		setHashHook(t, func(int) {
			if chunks.Add(1) == 20 {
				close(started)
			}
			if cancelled.Load() {
				afterCancel.Add(1)
			}
		})
		var cancelAt time.Time
		go func() {
			<-started
			cancelAt = time.Now()
			cancel()
			cancelled.Store(true)
		}()
		err := runBounded(t, func() error { _, err := Scan(ctx, dir); return err })
		latency := time.Since(cancelAt)
		require.ErrorIs(t, err, context.Canceled)
		assert.LessOrEqual(t, afterCancel.Load(), int64(1), "at most the chunk in flight is hashed after cancel")
		assert.Less(t, chunks.Load(), int64(192), "the scan stopped before the end")
		t.Logf("hashing 192 MiB: returned %v after cancel (%d MiB hashed)", latency, chunks.Load())
	})
}

// TestScanLocalChangeWhileHashing: a file written to while it is hashed is
// reported, naming it, instead of yielding a hash of mixed content.
func TestScanLocalChangeWhileHashing(t *testing.T) {
	dir := localdatatest.BigTree(t, 1, 3<<20)
	file := filepath.Join(dir, "part0.bin")
	var once sync.Once
	setHashHook(t, func(int) {
		once.Do(func() {
			f, err := os.OpenFile(file, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteAt([]byte("changed"), 2<<20)
			require.NoError(t, err)
			require.NoError(t, f.Close())
			// Make the change visible even on a coarse mtime clock.
			require.NoError(t, os.Chtimes(file, time.Now(), time.Now().Add(time.Hour)))
		})
	})
	_, err := Scan(context.Background(), dir)
	var ce *ChangedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, file, ce.Path)
	assert.Contains(t, err.Error(), file+" changed while it was being hashed")
	assert.Contains(t, err.Error(), "retry")
}

// withHangGuard runs fn and fails the test if it has not returned after a
// minute: a blocked open of a FIFO would otherwise hang the whole run.
func withHangGuard[T any](t *testing.T, fn func() (T, error)) (T, error) {
	t.Helper()
	return withHangGuardFor(t, time.Minute, fn)
}

// withHangGuardFor is withHangGuard with another bound.
func withHangGuardFor[T any](t *testing.T, bound time.Duration, fn func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(bound):
		t.Fatal("the call blocked")
		var zero T
		return zero, nil
	}
}

// BenchmarkScanLocalCancelLatency measures how long a scan of 192 MiB takes to
// return once its ctx is cancelled from another goroutine (after 20 MiB), as
// the metric cancel-ns/op.
func BenchmarkScanLocalCancelLatency(b *testing.B) {
	dir := localdatatest.BigTree(b, 3, 64<<20)
	defer func() { Hooks.HashChunk = nil }()
	var total time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		var chunks atomic.Int64
		var at atomic.Pointer[time.Time]
		Hooks.HashChunk = func(int) {
			if chunks.Add(1) == 20 {
				go func() {
					now := time.Now()
					at.Store(&now)
					cancel()
				}()
			}
		}
		_, err := Scan(ctx, dir)
		require.ErrorIs(b, err, context.Canceled)
		total += time.Since(*at.Load())
		cancel()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "cancel-ns/op")
}
