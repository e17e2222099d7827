package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// The local workspace for --emulator is the separate program
// examples/localworkspace: this binary links no emulator or Azurite code. It
// is found, in order, at $AZMLBATCH_LOCALWORKSPACE, next to this executable
// (azmlbatch-localworkspace or localworkspace), on PATH (localworkspace),
// or run with go run from the module.
const localWorkspacePkg = "github.com/azmlbatch/azmlbatch/examples/localworkspace"

// startEmulator starts a local workspace and returns its workspace.json once
// it listens, and the function that stops it.
func startEmulator(ctx context.Context, progress io.Writer) (string, func(), error) {
	dir, err := os.MkdirTemp("", "azmlbatch-emulator-")
	if err != nil {
		return "", nil, err
	}
	state := filepath.Join(dir, "workspace.json")
	name, args := localWorkspaceCommand()
	cmd := exec.Command(name, append(args, "-state", state)...)
	out := &tailWriter{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	fmt.Fprintf(progress, "Starting a local workspace (%s) ...\n", filepath.Base(name))
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("--emulator: start the local workspace: %w; build it with go build -o azmlbatch-localworkspace ./examples/localworkspace and put it next to azmlbatch, or set AZMLBATCH_LOCALWORKSPACE", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			// The whole process group: go run's child as well.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
			_ = os.RemoveAll(dir)
		})
	}
	t0 := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(5 * time.Minute)
	defer deadline.Stop()
	for {
		if _, err := os.Stat(state); err == nil {
			fmt.Fprintf(progress, "Local workspace ready in %s\n", time.Since(t0).Round(100*time.Millisecond))
			return state, stop, nil
		}
		select {
		case <-exited:
			stop()
			return "", nil, fmt.Errorf("--emulator: the local workspace exited before it was ready:\n%s", out.String())
		case <-ctx.Done():
			stop()
			return "", nil, ctx.Err()
		case <-deadline.C:
			stop()
			return "", nil, errors.New("--emulator: the local workspace was not ready within 5 minutes")
		case <-tick.C:
		}
	}
}

func localWorkspaceCommand() (string, []string) {
	if p := os.Getenv("AZMLBATCH_LOCALWORKSPACE"); p != "" {
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		for _, n := range []string{"azmlbatch-localworkspace", "localworkspace"} {
			p := filepath.Join(filepath.Dir(exe), n)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath("localworkspace"); err == nil {
		return p, nil
	}
	return "go", []string{"run", localWorkspacePkg}
}

// tailWriter keeps the last max bytes written, for an error message.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > t.max {
		b := t.buf.Bytes()[t.buf.Len()-t.max:]
		t.buf = *bytes.NewBuffer(append([]byte(nil), b...))
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
