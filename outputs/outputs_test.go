package outputs_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const dsID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/workspaceblobstore"

func TestParse(t *testing.T) {
	cases := []struct {
		in, ds, path, id string
	}{
		{"azureml://datastores/workspaceblobstore/paths/batch-jobs/my-unique-path", "workspaceblobstore", "batch-jobs/my-unique-path", ""},
		{dsID + "/paths/batch-jobs/my-unique-path", "workspaceblobstore", "batch-jobs/my-unique-path", dsID},
		{"azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/store2/paths/out/p.csv", "store2", "out/p.csv", ""},
	}
	for _, c := range cases {
		o, err := outputs.Parse(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.ds, o.DatastoreName())
		assert.Equal(t, c.path, o.Path())
		assert.Equal(t, c.id, o.DatastoreID())
		assert.Equal(t, c.in, o.URI())
		assert.Equal(t, inputs.KindURIFolder, o.Kind())
		require.NoError(t, o.Validate())
	}
	o, err := outputs.Parse("")
	require.NoError(t, err)
	assert.True(t, o.IsDefault())
	for _, bad := range []string{"https://a.blob.core.windows.net/c/d", dsID, "azureml://datastores/x", "out/p.csv"} {
		_, err := outputs.Parse(bad)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "Blob datastores only")
	}
}

func TestBuilders(t *testing.T) {
	o := outputs.Datastore(dsID, "a/b.csv").File().WithMode(outputs.ModeUpload)
	assert.Equal(t, "workspaceblobstore", o.DatastoreName())
	assert.Equal(t, dsID, o.DatastoreID())
	assert.Equal(t, inputs.KindURIFile, o.Kind())
	assert.Equal(t, outputs.ModeUpload, o.Mode())
	assert.Equal(t, dsID+"/paths/a/b.csv", o.String())
	assert.Equal(t, "azureml://datastores/ws1/paths/x", outputs.Datastore("ws1", "x").String())
	assert.Equal(t, "(default location)", fmt.Sprint(outputs.Default()))
	assert.NoError(t, outputs.Default().WithMode(outputs.ModeUpload).Validate())
}

func TestFileOutputNeedsFileName(t *testing.T) {
	err := outputs.Datastore("workspaceblobstore", "jobs/run-1/").File().Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "jobs/run-1/predictions.csv")
	assert.NoError(t, outputs.Datastore("workspaceblobstore", "jobs/run-1/").Validate(), "a folder may end with /")
}
