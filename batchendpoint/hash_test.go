package batchendpoint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	root := writeTree(t, known)
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
			tree, err := scanLocal(context.Background(), filepath.Join(root, tc.path))
			require.NoError(t, err)
			if !tc.skipCheck {
				assert.Equal(t, tc.hash, tree.hash)
			}
			assert.Equal(t, tc.base, tree.base)
			assert.Equal(t, tc.isDir, tree.isDir)
			var rels []string
			for _, f := range tree.files {
				rels = append(rels, f.rel)
			}
			assert.Equal(t, tc.files, rels)
			assert.Equal(t, tc.bytes, tree.bytes)
		})
	}
}

func TestUploadHashEdgeCases(t *testing.T) {
	t.Run("content change changes the hash", func(t *testing.T) {
		a := writeTree(t, map[string]string{"d/x.txt": "1"})
		b := writeTree(t, map[string]string{"d/x.txt": "2"})
		ta, err := scanLocal(context.Background(), filepath.Join(a, "d"))
		require.NoError(t, err)
		tb, err := scanLocal(context.Background(), filepath.Join(b, "d"))
		require.NoError(t, err)
		assert.NotEqual(t, ta.hash, tb.hash)
	})
	t.Run("the folder's own name is not hashed", func(t *testing.T) {
		root := writeTree(t, map[string]string{"one/x.txt": "1", "two/x.txt": "1"})
		ta, err := scanLocal(context.Background(), filepath.Join(root, "one"))
		require.NoError(t, err)
		tb, err := scanLocal(context.Background(), filepath.Join(root, "two"))
		require.NoError(t, err)
		assert.Equal(t, ta.hash, tb.hash)
		assert.NotEqual(t, ta.base, tb.base)
	})
	t.Run("symlinked file is hashed and uploaded by content", func(t *testing.T) {
		root := writeTree(t, map[string]string{"target.txt": "T", "d/real.txt": "R"})
		require.NoError(t, os.Symlink(filepath.Join(root, "target.txt"), filepath.Join(root, "d", "link.txt")))
		tree, err := scanLocal(context.Background(), filepath.Join(root, "d"))
		require.NoError(t, err)
		require.Len(t, tree.files, 2)
		assert.Equal(t, "link.txt", tree.files[0].rel)
		assert.Equal(t, int64(1), tree.files[0].size)
	})
	t.Run("symlink cycle is an error", func(t *testing.T) {
		root := writeTree(t, map[string]string{"d/x.txt": "1"})
		require.NoError(t, os.Symlink(filepath.Join(root, "d"), filepath.Join(root, "d", "loop")))
		_, err := scanLocal(context.Background(), filepath.Join(root, "d"))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, filepath.Join(root, "d", "loop"), ve.Value)
		assert.Contains(t, ve.Problem, "(a cycle)")
	})
	t.Run("everything ignored is an error", func(t *testing.T) {
		root := writeTree(t, map[string]string{"d/.amlignore": "*\n", "d/x.txt": "1"})
		_, err := scanLocal(context.Background(), filepath.Join(root, "d"))
		var ve *ValidationError
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
