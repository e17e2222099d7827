package batchendpoint

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Helpers for the internal tests that drive local data through a Client on
// the hand-written ARM fake; scanning and hashing are tested in
// internal/localdata, uploads through Invoke in upload_fake_test.go.

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
