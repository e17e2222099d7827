// Package localdatatest builds local folders for the tests of local-data code
// (internal/localdata and the client that uploads through it).
package localdatatest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// WriteTree creates files (slash paths → content) under a new temp dir and
// returns it.
func WriteTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

// BigTree writes n files of size bytes (sparse: reading them costs MD5 time,
// not disk) in a new folder "big" and returns its path.
func BigTree(t testing.TB, n int, size int64) string {
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
