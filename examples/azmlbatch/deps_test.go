package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The normal build links no emulator, Azurite or fake workspace code:
// --emulator runs the local workspace as a separate program.
func TestDefaultBuildLinksNoEmulator(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./examples/azmlbatch")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/azmlbatch/azmlbatch/batchendpoint", "the list is the CLI's dependencies")
	for _, forbidden := range []string{
		"github.com/azmlbatch/azmlbatch/internal/emulator",
		"github.com/azmlbatch/azmlbatch/internal/azurite",
		"github.com/azmlbatch/azmlbatch/batchendpoint/fake",
		"github.com/azmlbatch/azmlbatch/examples/internal/demo",
	} {
		assert.NotContains(t, deps, forbidden)
	}
}
