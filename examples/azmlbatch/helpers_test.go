package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// moduleRoot is the repository root (two folders up from this package).
func moduleRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// binaries builds azmlbatch and azmlbatch-localworkspace once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "azmlbatch-bin-")
		if buildErr != nil {
			return
		}
		root := moduleRoot(t)
		for out, pkg := range map[string]string{"azmlbatch": "./examples/azmlbatch", "azmlbatch-localworkspace": "./examples/localworkspace"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, out), pkg)
			cmd.Dir = root
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = &buildError{pkg: pkg, out: string(b), err: err}
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return buildDir
}

type buildError struct {
	pkg, out string
	err      error
}

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.err.Error() + "\n" + e.out }

// useLocalWorkspaceBinary points --emulator at the built local workspace.
func useLocalWorkspaceBinary(t *testing.T) {
	t.Setenv("AZMLBATCH_LOCALWORKSPACE", filepath.Join(binaries(t), "azmlbatch-localworkspace"))
}
