//go:build unix

package fake

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Azurite is shared while in use and stopped with its last user (outside RunTests).
func TestSharedStorageStopsWithLastUser(t *testing.T) {
	shared.mu.Lock()
	keep := shared.keep
	shared.keep = 0 // act as if RunTests were not in use
	shared.mu.Unlock()
	t.Cleanup(func() {
		shared.mu.Lock()
		shared.keep = keep
		shared.mu.Unlock()
	})

	a, err := acquireStorage(context.Background())
	require.NoError(t, err)
	b, err := acquireStorage(context.Background())
	require.NoError(t, err)
	assert.Same(t, a, b, "one Azurite for concurrent users")
	pid := a.inst.PID()

	require.NoError(t, releaseStorage())
	assert.NoError(t, syscall.Kill(pid, 0), "still running for the second user")
	require.NoError(t, releaseStorage())
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "stopped with the last user")

	c, err := acquireStorage(context.Background())
	require.NoError(t, err)
	assert.NotSame(t, a, c, "started again on demand")
	require.NoError(t, releaseStorage())
}
