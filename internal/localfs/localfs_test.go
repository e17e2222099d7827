//go:build unix

package localfs

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFile: regular files (and links to them) are read; a FIFO, a device,
// a socket and a folder are refused without being opened, so nothing blocks.
func TestReadFile(t *testing.T) {
	dir, err := os.MkdirTemp("", "lfs") // short: socket paths are limited
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, os.WriteFile(p("a.txt"), []byte("hello"), 0o644))
	require.NoError(t, os.Symlink(p("a.txt"), p("link")))
	require.NoError(t, syscall.Mkfifo(p("fifo"), 0o644))
	l, err := net.Listen("unix", p("sock"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	require.NoError(t, os.Mkdir(p("dir"), 0o755))

	tests := []struct {
		path string
		want string
		kind string // "" for a regular file
	}{
		{path: p("a.txt"), want: "hello"},
		{path: p("link"), want: "hello"},
		{path: p("fifo"), kind: "a named pipe (FIFO)"},
		{path: p("sock"), kind: "a socket"},
		{path: "/dev/null", kind: "a character device"},
		{path: p("dir"), kind: "a folder"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			done := make(chan struct{})
			var b []byte
			var err error
			go func() { defer close(done); b, err = ReadFile(tc.path) }()
			select {
			case <-done:
			case <-time.After(time.Minute): // only a hang gets here
				t.Fatal("ReadFile blocked")
			}
			if tc.kind == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(b))
				return
			}
			var se *SpecialFileError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.path, se.Path)
			assert.Equal(t, tc.kind, Describe(se.Mode))
			assert.Contains(t, err.Error(), tc.path+" is "+tc.kind)
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := ReadFile(p("nope"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}
