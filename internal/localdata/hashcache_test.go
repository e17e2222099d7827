package localdata

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/localdata/localdatatest"
)

// TestHashCache: a second scan of an unchanged file or folder reads no
// content and gives the same hash; every kind of change is seen, and the
// hash after it is the one a plain Scan computes.
func TestHashCache(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name   string
		files  map[string]string
		file   string                                   // the input: this file below the root ("" = the root folder)
		change func(t *testing.T, root string)          // between the scans; nil = none
		want   func(t *testing.T, before, after string) // compares the hashes
		hit    bool
	}{
		{name: "unchanged folder", files: map[string]string{"a.csv": "1,2", "sub/b.csv": "3,4"}, hit: true},
		{name: "unchanged file", files: map[string]string{"a.csv": "1,2"}, file: "a.csv", hit: true},
		{name: "content changed, same size, new mtime", files: map[string]string{"a.csv": "1,2"}, file: "a.csv",
			change: func(t *testing.T, root string) {
				writeAt(t, filepath.Join(root, "a.csv"), "9,9", past.Add(time.Minute))
			}},
		{name: "replaced by rename, same size and mtime", files: map[string]string{"a.csv": "1,2", "x": "9,9"},
			change: func(t *testing.T, root string) {
				writeAt(t, filepath.Join(root, "x"), "9,9", past)
				require.NoError(t, os.Rename(filepath.Join(root, "x"), filepath.Join(root, "a.csv")))
				writeAt(t, filepath.Join(root, "x"), "9,9", past) // the folder lists the same names again
			}},
		{name: "rewritten in place, same size and mtime", files: map[string]string{"a.csv": "1,2"}, file: "a.csv",
			change: func(t *testing.T, root string) { writeAt(t, filepath.Join(root, "a.csv"), "9,9", past) }},
		{name: "file added", files: map[string]string{"a.csv": "1,2"},
			change: func(t *testing.T, root string) { writeAt(t, filepath.Join(root, "b.csv"), "3", past) }},
		{name: "file renamed", files: map[string]string{"a.csv": "1,2"},
			change: func(t *testing.T, root string) {
				require.NoError(t, os.Rename(filepath.Join(root, "a.csv"), filepath.Join(root, "c.csv")))
			}},
		{name: "ignore file changed", files: map[string]string{"a.csv": "1,2", "b.tmp": "x", ".amlignore": "*.tmp\n"},
			change: func(t *testing.T, root string) { writeAt(t, filepath.Join(root, ".amlignore"), "*.csv\n", past) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := localdatatest.WriteTree(t, tc.files)
			for rel := range tc.files {
				require.NoError(t, os.Chtimes(filepath.Join(root, filepath.FromSlash(rel)), past, past))
			}
			path := filepath.Join(root, filepath.FromSlash(tc.file))
			c := NewHashCache(0)
			c.RacyWindow = time.Nanosecond // the files' change times are from just now
			first, err := c.Scan(context.Background(), path)
			require.NoError(t, err)
			if tc.change != nil {
				tc.change(t, root)
			}
			var hashed atomic.Int64
			setHashHook(t, func(n int) { hashed.Add(int64(n)) })
			second, err := c.Scan(context.Background(), path)
			require.NoError(t, err)
			plain, err := Scan(context.Background(), path)
			require.NoError(t, err)
			assert.Equal(t, plain.Hash, second.Hash, "the cached scan's hash is a plain scan's")
			assert.Equal(t, plain.Files[0].Rel, second.Files[0].Rel)
			assert.Equal(t, len(plain.Files), len(second.Files))
			st := c.Stats()
			switch {
			case tc.hit && !statKeyRead:
				// No file identity on this system: nothing is cached, every scan hashes.
				assert.Equal(t, CacheStats{Misses: 2}, st)
				assert.Equal(t, first.Hash, second.Hash)
			case tc.hit:
				assert.Equal(t, CacheStats{Hits: 1, Misses: 1, Stored: 1}, st)
				assert.Equal(t, first.Hash, second.Hash)
				// Only the plain Scan read content.
				assert.Equal(t, plain.Bytes, hashed.Load(), "bytes hashed by the two scans after the change")
			default:
				assert.Equal(t, 0, st.Hits, "a changed tree is hashed again")
				assert.Equal(t, 2, st.Misses)
				assert.NotEqual(t, first.Hash, second.Hash)
			}
		})
	}
}

// writeAt writes content to p and sets its modification time to at.
func writeAt(t *testing.T, p, content string, at time.Time) {
	t.Helper()
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	require.NoError(t, os.Chtimes(p, at, at))
}

// TestHashCacheRacy: a tree with a file modified (or changed) within the racy
// window of the hashing is hashed but not stored, so the next scan hashes it
// again: a write in the same timestamp tick could otherwise go unseen.
func TestHashCacheRacy(t *testing.T) {
	cases := []struct {
		name   string
		window time.Duration
		stored bool
	}{
		{"written just now, default window", 0, false},
		{"written just now, an hour's window", time.Hour, false},
		{"window shorter than the file's age", time.Nanosecond, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := localdatatest.WriteTree(t, map[string]string{"a.csv": "1,2"})
			c := NewHashCache(0)
			c.RacyWindow = tc.window
			for range 2 {
				_, err := c.Scan(context.Background(), root)
				require.NoError(t, err)
			}
			if tc.stored {
				assert.Equal(t, CacheStats{Hits: 1, Misses: 1, Stored: 1}, c.Stats())
			} else {
				assert.Equal(t, CacheStats{Misses: 2}, c.Stats())
			}
		})
	}
}

// TestHashCacheBounded: the least recently used entry goes first.
func TestHashCacheBounded(t *testing.T) {
	c := NewHashCache(2)
	c.RacyWindow = time.Nanosecond
	var roots []string
	for i := range 3 {
		roots = append(roots, localdatatest.WriteTree(t, map[string]string{"f": fmt.Sprint(i)}))
	}
	scan := func(i int) {
		_, err := c.Scan(context.Background(), roots[i])
		require.NoError(t, err)
	}
	scan(0)
	scan(1)
	scan(0) // hit: 0 is now the most recent
	scan(2) // evicts 1
	assert.Equal(t, CacheStats{Hits: 1, Misses: 3, Stored: 3}, c.Stats())
	scan(0) // still there
	scan(1) // evicted: hashed again
	assert.Equal(t, CacheStats{Hits: 2, Misses: 4, Stored: 4}, c.Stats())
	assert.Len(t, c.entries, 2)
}

// TestHashCacheConcurrent: scans of the same and of different trees from
// many goroutines (run with -race) agree with a plain Scan.
func TestHashCacheConcurrent(t *testing.T) {
	c := NewHashCache(0)
	c.RacyWindow = time.Nanosecond
	roots := []string{
		localdatatest.WriteTree(t, map[string]string{"a": "1", "b/c": "2"}),
		localdatatest.WriteTree(t, map[string]string{"x": "3"}),
	}
	var want []string
	for _, r := range roots {
		tr, err := Scan(context.Background(), r)
		require.NoError(t, err)
		want = append(want, tr.Hash)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				k := (g + i) % len(roots)
				tr, err := c.Scan(context.Background(), roots[k])
				if assert.NoError(t, err) {
					assert.Equal(t, want[k], tr.Hash)
				}
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	assert.Equal(t, 160, st.Hits+st.Misses)
	assert.GreaterOrEqual(t, st.Hits, 160-16, "at most one miss per goroutine and tree")
}

// TestHashCacheErrors: a failing scan is not cached and reports as Scan does.
func TestHashCacheErrors(t *testing.T) {
	c := NewHashCache(0)
	_, err := c.Scan(context.Background(), filepath.Join(t.TempDir(), "missing"))
	_, plainErr := Scan(context.Background(), filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
	assert.IsType(t, plainErr, err)
	assert.Equal(t, CacheStats{Misses: 1}, c.Stats())
	var nilCache *HashCache
	tr, err := nilCache.Scan(context.Background(), localdatatest.WriteTree(t, map[string]string{"a": "1"}))
	require.NoError(t, err)
	assert.NotEmpty(t, tr.Hash)
}
