//go:build linux

package azurite_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

const childEnv = "AZMLBATCH_AZURITE_PDEATHSIG_CHILD"

// TestPdeathsigChild is the child half of TestParentDeathKillsAzurite: it starts
// Azurite, prints its pid and waits to be killed without running any cleanup.
func TestPdeathsigChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		return // only meaningful when run as the child process
	}
	inst, err := azurite.Start(t.Context(), nil)
	require.NoError(t, err)
	fmt.Printf("AZURITE_PID=%d\n", inst.PID())
	time.Sleep(time.Minute)
}

func TestParentDeathKillsAzurite(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPdeathsigChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	pid := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "AZURITE_PID="); ok {
			pid, err = strconv.Atoi(v)
			require.NoError(t, err)
			break
		}
	}
	require.NotZero(t, pid, "child did not report azurite's pid")
	require.True(t, alive(pid))
	t.Cleanup(func() { // don't leak azurite if the assertion below fails
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 20*time.Millisecond,
		"azurite pid %d outlived its parent", pid)
}

// alive reports whether pid exists and is not a zombie awaiting its reaper.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Format: pid (comm) state ...; comm may contain spaces, so split after ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}
