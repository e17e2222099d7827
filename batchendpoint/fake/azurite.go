package fake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

// azuriteStartBudget covers a first npm install on a cold cache plus startup.
const azuriteStartBudget = 10 * time.Minute

// storage is one running Azurite (HTTPS, --oauth basic) and the certificate it serves.
type storage struct {
	inst    *azurite.Instance
	certPEM []byte
	dir     string // holds the certificate and key files
}

func (s *storage) stop() error {
	err := s.inst.Stop()
	_ = os.RemoveAll(s.dir)
	return err
}

// shared is the Azurite shared by every Workspace of the process: started by
// the first Workspace, stopped when the last one is closed (or, under
// RunTests, when the tests end).
var shared struct {
	mu   sync.Mutex
	st   *storage
	refs int
	keep int // RunTests calls in progress
}

func acquireStorage(ctx context.Context) (*storage, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.st == nil {
		st, err := startStorage(ctx)
		if err != nil {
			return nil, err
		}
		shared.st = st
	}
	shared.refs++
	return shared.st, nil
}

func releaseStorage() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.refs--
	return stopIfUnusedLocked()
}

func stopIfUnusedLocked() error {
	if shared.refs > 0 || shared.keep > 0 || shared.st == nil {
		return nil
	}
	st := shared.st
	shared.st = nil
	return st.stop()
}

// RunTests runs m with one Azurite shared by every Workspace of the test binary,
// started on first use and stopped when the tests end, so sequential tests don't
// pay Azurite's start-up (about half a second) each. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(fake.RunTests(m)) }
//
// Without it, Workspaces alive at the same time still share one Azurite, and
// it stops when the last of them is cleaned up.
func RunTests(m *testing.M) int {
	shared.mu.Lock()
	shared.keep++
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.keep--
	if err := stopIfUnusedLocked(); err != nil {
		fmt.Fprintln(os.Stderr, "fake: stopping Azurite:", err)
		// A kill after a slow SIGTERM still stopped the process: not a test failure.
		if code == 0 && !errors.Is(err, azurite.ErrKilled) {
			code = 1
		}
	}
	return code
}

// startStorage starts Azurite over HTTPS with a fresh self-signed certificate:
// batchendpoint accepts https storage URLs only, and --oauth basic (which needs
// HTTPS) lets identity-style bearer tokens work besides shared key and SAS.
func startStorage(ctx context.Context) (*storage, error) {
	dir, err := os.MkdirTemp("", "azmlbatch-fake-")
	if err != nil {
		return nil, err
	}
	lc, err := azurite.WriteLoopbackCert(dir, "azmlbatch fake Azurite")
	certPEM, certFile, keyFile := lc.PEM, lc.CertFile, lc.KeyFile
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, azuriteStartBudget)
	defer cancel()
	inst, err := azurite.Start(ctx, &azurite.Options{CertFile: certFile, KeyFile: keyFile, OAuth: true})
	if err != nil {
		_ = os.RemoveAll(dir)
		if errors.Is(err, azurite.ErrNodeNotFound) {
			return nil, fmt.Errorf("fake: Azurite needs Node.js on PATH (or set Options.NoStorage): %w", err)
		}
		return nil, fmt.Errorf("fake: %w", err)
	}
	return &storage{inst: inst, certPEM: certPEM, dir: dir}, nil
}
