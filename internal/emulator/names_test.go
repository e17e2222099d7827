package emulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// Data versions follow the service's documented rule: alphanumeric characters,
// dashes, underscores and periods, at most 50 characters.
func TestDataVersionNames(t *testing.T) {
	e := newEnv(t, envOpts{})
	put := map[string]any{"properties": map[string]any{"dataType": "uri_folder", "dataUri": "azureml://datastores/workspaceblobstore/paths/x/"}}
	cases := []struct {
		version string
		ok      bool
	}{
		{"1", true},
		{"2026.12.01-rc_1", true},
		{strings.Repeat("9", 50), true},
		{strings.Repeat("9", 51), false},
		{"v%201", false}, // a space
		{"v!", false},
		{"v~1", false},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			r := e.arm(http.MethodPut, "/data/versions-test/versions/"+tc.version, put)
			if tc.ok {
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				return
			}
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			code, msg := r.errCode(t)
			assert.Equal(t, "UserError", code)
			assert.Contains(t, msg, "dataVersion is invalid")
			assert.Contains(t, msg, "50 characters")
		})
	}
	err := e.ws.AddDataAsset(emulator.DataAsset{Name: "go-api", Version: strings.Repeat("1", 51), Type: emulator.DataTypeURIFolder, Path: "azureml://datastores/workspaceblobstore/paths/x/"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dataVersion is invalid")
}
