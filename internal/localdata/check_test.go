//go:build unix

package localdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// TestCheckLocalInput: every local path that cannot be uploaded is a
// *ValidationError naming the offending path, with a fix, found offline by
// Check and, the same, by the hashing scan. Nothing blocks: a FIFO is
// never opened (the hang guard below fails the test instead of hanging).
func TestCheckLocalInput(t *testing.T) {
	asRoot := os.Geteuid() == 0
	tests := []struct {
		name string
		// setup builds the case under root and returns the input path and the
		// path the error must name ("" for no error).
		setup       func(t *testing.T, root string) (path, want string)
		problem     string
		fix         string
		skipAsRoot  bool // permission bits don't stop root: checked as nobody
		files       []string
		scanDiffers bool
	}{
		{name: "missing path", problem: "there is no file or folder", fix: "check the path",
			setup: func(t *testing.T, root string) (string, string) {
				p := filepath.Join(root, "nope")
				return p, p
			}},
		{name: "empty folder", problem: "holds no files", fix: "put the input files in it",
			setup: func(t *testing.T, root string) (string, string) {
				p := mkdirs(t, root, "d/sub/deeper")
				return filepath.Dir(filepath.Dir(p)), filepath.Dir(filepath.Dir(p))
			}},
		{name: "every file excluded by .amlignore", problem: "every file in the local folder is excluded by its ignore file", fix: ".amlignore",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.amlignore": "*.csv\n", "d/a.csv": "a", "d/sub/b.csv": "b"})
				return d, d
			}},
		{name: "every file excluded by .gitignore", problem: "excluded by its ignore file " + "%ROOT%/d/.gitignore", fix: "remove or narrow the patterns in %ROOT%/d/.gitignore",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.gitignore": "*\n", "d/a.csv": "a"})
				return d, d
			}},
		{name: "excluded folder", problem: "every file in the local folder is excluded", fix: "!pattern",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.amlignore": ".amlignore\ndata/\n", "d/data/a.csv": "a"})
				return d, d
			}},
		{name: "only the ignore file", problem: "holds no files but its ignore file", fix: "put the input files in it",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.amlignore": "# nothing\n"})
				return d, d
			}},
		{name: "symlink cycle", problem: "leads back to a folder that contains it", fix: "remove the link",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				link := filepath.Join(d, "sub", "loop")
				require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
				require.NoError(t, os.Symlink(d, link))
				return d, link
			}},
		{name: "symlinks pointing at each other", problem: "its chain of links loops", fix: "remove the link",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				require.NoError(t, os.Symlink(filepath.Join(d, "y"), filepath.Join(d, "x")))
				require.NoError(t, os.Symlink(filepath.Join(d, "x"), filepath.Join(d, "y")))
				return d, filepath.Join(d, "x")
			}},
		{name: "FIFO inside the folder", problem: "is a named pipe (FIFO)", fix: "exclude it in the folder's .amlignore",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				p := mkfifo(t, mkdirs(t, d, "sub"), "pipe")
				return d, p
			}},
		{name: "FIFO as the path", problem: "the local path is a named pipe (FIFO)", fix: "remove it",
			setup: func(t *testing.T, root string) (string, string) {
				p := mkfifo(t, root, "pipe")
				return p, p
			}},
		{name: "symlink to a FIFO", problem: "is a named pipe (FIFO)", fix: "exclude it",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				p := mkfifo(t, root, "pipe")
				link := filepath.Join(d, "z-link")
				require.NoError(t, os.Symlink(p, link))
				return d, link
			}},
		{name: ".amlignore is a FIFO", problem: "the ignore file is a named pipe (FIFO)", fix: "remove it",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				return d, mkfifo(t, d, ".amlignore")
			}},
		{name: "character device (link to /dev/null)", problem: "is a character device", fix: "exclude it",
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				link := filepath.Join(d, "null")
				require.NoError(t, os.Symlink("/dev/null", link))
				return d, link
			}},
		{name: "socket", problem: "is a socket", fix: "exclude it",
			setup: func(t *testing.T, _ string) (string, string) {
				// Socket paths are limited to ~100 bytes: a short temp folder.
				d, err := os.MkdirTemp("", "sk")
				require.NoError(t, err)
				t.Cleanup(func() { os.RemoveAll(d) })
				require.NoError(t, os.WriteFile(filepath.Join(d, "a.csv"), []byte("a"), 0o644))
				p := filepath.Join(d, "s")
				l, err := net.Listen("unix", p)
				require.NoError(t, err)
				t.Cleanup(func() { l.Close() })
				return d, p
			}},
		{name: "unreadable file", problem: "cannot read this local file", fix: "make it readable", skipAsRoot: true,
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a", "d/b.csv": "b"})
				p := filepath.Join(d, "b.csv")
				require.NoError(t, os.Chmod(p, 0))
				return d, p
			}},
		{name: "unreadable folder", problem: "cannot list this local folder", fix: "make it readable", skipAsRoot: true,
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a", "d/sub/b.csv": "b"})
				p := filepath.Join(d, "sub")
				require.NoError(t, os.Chmod(p, 0))
				t.Cleanup(func() { os.Chmod(p, 0o755) })
				return d, p
			}},
		// What can be uploaded passes, special files the ignore file excludes included.
		{name: "excluded FIFO and device are skipped", files: []string{".amlignore", "a.csv"},
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.amlignore": "pipe\nnull\n", "d/a.csv": "a"})
				mkfifo(t, d, "pipe")
				require.NoError(t, os.Symlink("/dev/null", filepath.Join(d, "null")))
				return d, ""
			}},
		{name: "dangling symlink is skipped", files: []string{"a.csv"},
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/a.csv": "a"})
				require.NoError(t, os.Symlink(filepath.Join(root, "gone"), filepath.Join(d, "dangling")))
				return d, ""
			}},
		{name: "some files excluded", files: []string{".amlignore", "keep.csv"},
			setup: func(t *testing.T, root string) (string, string) {
				d := write(t, root, map[string]string{"d/.amlignore": "*.tmp\n", "d/keep.csv": "k", "d/x.tmp": "x"})
				return d, ""
			}},
		{name: "a file", files: []string{"f.csv"},
			setup: func(t *testing.T, root string) (string, string) {
				return write(t, root, map[string]string{"f.csv": "f"}), ""
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.skipAsRoot && asRoot {
				// Permission bits don't stop root: run the checks as nobody.
				root = worldReadableDir(t)
			}
			path, want := tc.setup(t, root)
			if tc.skipAsRoot && asRoot {
				for _, got := range checkAsNobody(t, path) {
					assert.Equal(t, want, got.Value)
					assert.Contains(t, got.Problem, tc.problem)
					assert.Contains(t, got.Fix, tc.fix)
				}
				return
			}
			for name, run := range map[string]func() (*Tree, error){
				"Check": func() (*Tree, error) { return nil, Check(context.Background(), path) },
				"Scan":  func() (*Tree, error) { return Scan(context.Background(), path) },
			} {
				t.Run(name, func(t *testing.T) {
					tree, err := withHangGuard(t, run)
					if want == "" {
						require.NoError(t, err)
						if tree != nil {
							var rels []string
							for _, f := range tree.Files {
								rels = append(rels, f.Rel)
							}
							assert.Equal(t, tc.files, rels)
						}
						return
					}
					var ve *inputs.ValidationError
					require.ErrorAs(t, err, &ve)
					assert.Empty(t, ve.Field, "the caller names the input")
					assert.Equal(t, want, ve.Value)
					assert.Contains(t, ve.Problem, replaceRoot(tc.problem, root))
					assert.Contains(t, ve.Fix, replaceRoot(tc.fix, root))
					assert.Contains(t, err.Error(), want)
				})
			}
		})
	}
}

func replaceRoot(s, root string) string {
	return filepath.FromSlash(strings.ReplaceAll(s, "%ROOT%", root))
}

// write creates files (slash paths below root, all under one top element)
// and returns the path of that top element.
func write(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	top := ""
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		first, _, _ := strings.Cut(rel, "/")
		require.True(t, top == "" || top == first, "one top folder")
		top = first
	}
	return filepath.Join(root, top)
}

func mkdirs(t *testing.T, root, rel string) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(p, 0o755))
	return p
}

func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	return p
}

// worldReadableDir is a temp folder that the user nobody can enter.
func worldReadableDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "unr")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(d) })
	require.NoError(t, os.Chmod(d, 0o755))
	return d
}

// checkAsNobody runs Check and Scan on path in a copy of the
// test binary running as the user nobody (checkChild, entered from TestMain)
// and returns the two ValidationErrors it reports.
func checkAsNobody(t *testing.T, path string) []inputs.ValidationError {
	t.Helper()
	bin := filepath.Join(worldReadableDir(t), "check.test")
	self, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bin, self, 0o755))
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "AZMLBATCH_CHECK_PATH="+path)
	cmd.Dir = filepath.Dir(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got []inputs.ValidationError
	for _, line := range strings.Split(string(out), "\n") {
		if j, ok := strings.CutPrefix(line, "RESULT "); ok {
			var ve inputs.ValidationError
			require.NoError(t, json.Unmarshal([]byte(j), &ve), j)
			got = append(got, ve)
		}
	}
	require.Len(t, got, 2, "%s", out)
	return got
}

// checkChild is checkAsNobody's child process (see TestMain): it runs Check
// and Scan on path and prints their ValidationErrors for the parent to read.
func checkChild(path string) int {
	_, scanErr := Scan(context.Background(), path)
	for _, err := range []error{Check(context.Background(), path), scanErr} {
		var ve *inputs.ValidationError
		if !errors.As(err, &ve) {
			fmt.Printf("NOT A VALIDATION ERROR %v\n", err)
			return 1
		}
		b, err := json.Marshal(ve)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Printf("RESULT %s\n", b)
	}
	return 0
}

// TestCheckLocalInputCancel: the check stops at the next entry once ctx is done.
func TestCheckLocalInputCancel(t *testing.T) {
	root := t.TempDir()
	d := mkdirs(t, root, "d")
	for i := range 50 {
		require.NoError(t, os.WriteFile(filepath.Join(d, fmt.Sprintf("f%02d", i)), nil, 0o644))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, Check(ctx, d), context.Canceled)
	require.NoError(t, Check(context.Background(), d))
}
