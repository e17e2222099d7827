// Package demotest runs the example programs from their tests, on the local workspace.
package demotest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
)

// Run runs an example's run function against a fresh local workspace (never
// Azure: the workspace environment variables are cleared) and returns its output.
func Run(t *testing.T, run func(ctx context.Context, e *demo.Env) error) string {
	t.Helper()
	for _, v := range []string{demo.EnvSubscription, demo.EnvResourceGroup, demo.EnvWorkspace} {
		t.Setenv(v, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a cold Azurite install included
	defer cancel()
	var out lockedBuffer
	err := demo.RunWith(ctx, &out, run)
	t.Log(out.String())
	if err != nil {
		t.Fatalf("example failed: %v", err)
	}
	return out.String()
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of progress callbacks.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
