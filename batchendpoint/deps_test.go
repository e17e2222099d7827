package batchendpoint_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program importing batchendpoint links only azblob's blob, blockblob, sas
// and bloberror packages: azblob's container and service packages (and the
// root package, which imports them) link Apache Arrow and its compression,
// JSON and hashing dependencies, ~6 MB of binary and ~0.8 ms of package init.
func TestDepsLinkNoArrow(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/azmlbatch/azmlbatch/batchendpoint").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob", "the list is batchendpoint's dependencies")
	const azblob = "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	for _, d := range deps {
		for _, forbidden := range []string{"github.com/apache/arrow-go/", "github.com/klauspost/compress", "github.com/goccy/go-json", "github.com/zeebo/xxh3", "github.com/google/flatbuffers"} {
			assert.False(t, strings.HasPrefix(d, forbidden), "batchendpoint links %s", d)
		}
		assert.NotContains(t, []string{azblob, azblob + "/container", azblob + "/service"}, d, "batchendpoint links %s", d)
	}
}
