package batchendpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/localdata"
)

// Helpers for the tests that drive local data through a Client; the tests of
// scanning and hashing themselves are in internal/localdata.

// writeTree creates files (slash paths → content) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

// bigTree writes n files of size bytes (sparse: reading them costs MD5 time,
// not disk) in a new folder "big" and returns its path.
func bigTree(t testing.TB, n int, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.Mkdir(dir, 0o755))
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("part%d.bin", i)))
		require.NoError(t, err)
		require.NoError(t, f.Truncate(size))
		require.NoError(t, f.Close())
	}
	return dir
}

// setHashHook installs localdata.Hooks.HashChunk for one test.
func setHashHook(t *testing.T, fn func(n int)) {
	t.Helper()
	localdata.Hooks.HashChunk = fn
	t.Cleanup(func() { localdata.Hooks.HashChunk = nil })
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

func ptr[T any](v T) *T { return &v }
