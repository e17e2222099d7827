package wire_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

func TestDecode201(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "invoke_201.json"))
	require.NoError(t, err)
	var res wire.BatchJobResource
	require.NoError(t, json.Unmarshal(b, &res))
	d := res.Details()
	assert.Equal(t, "batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21", d.Name)
	assert.Equal(t, "Preparing", d.Status)
	assert.Equal(t, "lemon_yacht_26h5qxzs", d.DisplayName)
	assert.Equal(t, "https://ml.azure.com/runs/batchjob-4ed2bbdb-a43c-4180-902b-7f46ac621d21?wsid=/subscriptions/00000000-0000-0000-0000-000000000/resourcegroups/00000/workspaces/00000", d.StudioURL)
	assert.Contains(t, d.TrackingURL, "azureml://master.api.azureml-test.ms/mlflow/v1.0/")
	assert.Equal(t, "batch-dpm-8c7fa87f5ded4e0", d.Deployment)
	assert.Equal(t, "true", d.Tags["azureml.batchrun"])
	assert.Equal(t, "azureml.batchjob", d.Tags["azureml.jobtype"])
	assert.Equal(t, "HTTP", d.Properties["runType"])
	assert.Contains(t, d.Properties["azureml.parameters"], `"mini_batch_size":"10"`)
	assert.Equal(t, "Diondra Peck", d.CreatedBy)
	assert.Equal(t, "Diondra Peck", d.LastModifiedBy)
	assert.Equal(t, time.Date(2023, 4, 9, 0, 28, 23, 448758300, time.UTC), d.CreatedAt.UTC())
	require.Contains(t, d.Inputs, "UriFolder")
	assert.Equal(t, wire.IO{Kind: inputs.KindURIFolder, URI: "https://pipelinedata.blob.core.windows.net/sampledata/mnist", Mode: "ReadOnlyMount"}, d.Inputs["UriFolder"])
	assert.Equal(t, "Succeeded", res.Properties.ProvisioningState)
	require.NotNil(t, res.Properties.RetrySettings)
	assert.Equal(t, "PT30S", res.Properties.RetrySettings.Timeout)
}
