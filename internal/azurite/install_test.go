package azurite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPinnedVersionMatchesLock(t *testing.T) {
	assert.Equal(t, "3.35.0", PinnedVersion())
	// The lock must resolve azurite to the same exact version.
	b, err := npmFiles.ReadFile("npm/package-lock.json")
	require.NoError(t, err)
	assert.Contains(t, string(b), `"node_modules/azurite": {
      "version": "3.35.0"`)
}

func TestDefaultDir(t *testing.T) {
	root, ok := findModuleRoot(mustWd(t))
	require.True(t, ok, "tests run inside the module")

	tests := []struct {
		name string
		env  string
		wd   string
		want string
	}{
		{name: "env override", env: "/tmp/az-override", wd: mustWd(t), want: "/tmp/az-override"},
		{name: "module root", wd: filepath.Join(root, "internal", "azurite"), want: filepath.Join(root, ".azurite")},
		{name: "outside module", wd: t.TempDir(), want: func() string {
			c, err := os.UserCacheDir()
			require.NoError(t, err)
			return filepath.Join(c, "azmlbatch", "azurite")
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(DirEnv, tc.env)
			t.Chdir(tc.wd)
			got, err := DefaultDir()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDeclaresModule(t *testing.T) {
	tests := []struct {
		gomod string
		want  bool
	}{
		{"module github.com/azmlbatch/azmlbatch\n\ngo 1.26\n", true},
		{"// comment\nmodule \"github.com/azmlbatch/azmlbatch\"\n", true},
		{"module github.com/azmlbatch/azmlbatch/v2\n", false},
		{"module example.com/other\n", false},
		{"go 1.26\n", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, declaresModule([]byte(tc.gomod)), tc.gomod)
	}
}

// fakeInstall lays out what a finished install leaves behind, without npm.
func fakeInstall(t *testing.T, dir, version, stamp string) {
	t.Helper()
	pkg := filepath.Join(dir, "node_modules", "azurite")
	require.NoError(t, os.MkdirAll(filepath.Join(pkg, "dist", "src", "blob"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"name":"azurite","version":"`+version+`"}`), 0o644))
	require.NoError(t, os.WriteFile(mainJS(dir), []byte("// fake\n"), 0o644))
	if stamp != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "node_modules", stampName), []byte(stamp), 0o644))
	}
}

func TestInstallSkipsOrNeedsNode(t *testing.T) {
	tests := []struct {
		name    string
		version string
		stamp   string
		wantErr bool
	}{
		{name: "pinned version installed", version: PinnedVersion(), stamp: lockHash()},
		{name: "other version installed", version: "3.34.0", stamp: lockHash(), wantErr: true},
		{name: "stamp from another lock", version: PinnedVersion(), stamp: "stale", wantErr: true},
		{name: "interrupted install (no stamp)", version: PinnedVersion(), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeInstall(t, dir, tc.version, tc.stamp)
			// With no node or npm on PATH, anything but a skip must fail with a clear hint.
			t.Setenv("PATH", t.TempDir())
			err := Install(context.Background(), dir)
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNodeNotFound)
			assert.Contains(t, err.Error(), "install Node.js 20+")
		})
	}
}

func TestInstallCanceledWhileLocked(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(context.Background(), filepath.Join(dir, ".install.lock"))
	require.NoError(t, err)
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Install(ctx, dir)
	require.ErrorIs(t, err, context.Canceled)
}

func mustWd(t *testing.T) string {
	wd, err := os.Getwd()
	require.NoError(t, err)
	return wd
}
