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
	"github.com/azmlbatch/azmlbatch/internal/armid"
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

func TestKindOf(t *testing.T) {
	cases := map[string]inputs.Kind{
		"UriFolder": inputs.KindURIFolder, "uri_folder": inputs.KindURIFolder, "URIFOLDER": inputs.KindURIFolder,
		"UriFile": inputs.KindURIFile, "uri_file": inputs.KindURIFile,
		"Literal": inputs.KindString, "literal": inputs.KindString,
		"MLFlowModel": inputs.KindMLFlowModel, "mlflow_model": inputs.KindMLFlowModel,
		"CustomModel": inputs.KindCustomModel, "triton_model": inputs.KindTritonModel,
		"MLTable": "", "unknown": "", "": "",
	}
	for in, want := range cases {
		assert.Equal(t, want, wire.KindOf(in), in)
	}
}

func TestDecodeInvocationErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"not json", `{`, []string{"invoke body"}},
		{"mltable input", `{"properties":{"inputData":{"d":{"jobInputType":"MLTable","uri":"azureml:t:1"}}}}`, []string{"inputs.d", "MLTable"}},
		{"unknown output type", `{"properties":{"outputData":{"o":{"jobOutputType":"Table","uri":"azureml://datastores/ws/paths/p"}}}}`, []string{"outputs.o", "unknown job input/output type"}},
		{"literal without value", `{"properties":{"inputData":{"n":{"jobInputType":"Literal"}}}}`, []string{"inputs.n", "no value"}},
		{"bad retry timeout", `{"properties":{"retrySettings":{"timeout":"30s"}}}`, []string{"retrySettings.timeout", "ISO-8601"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := wire.DecodeInvocation([]byte(c.body))
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestInvocationRoundTrip: what EncodeInvocation writes, DecodeInvocation reads back.
func TestInvocationRoundTrip(t *testing.T) {
	n, timeout := int64(10), 90*time.Second
	inv := &wire.Invocation{
		Inputs:         map[string]inputs.Input{"heart_data": inputs.StorageURL("https://a.blob.core.windows.net/c/d"), "mode": inputs.String("append")},
		ExperimentName: "exp", JobName: "job-1",
		Settings: &wire.Settings{MiniBatchSize: &n, RetryTimeout: &timeout},
	}
	body, err := wire.EncodeInvocation(inv, testWorkspace, nil)
	require.NoError(t, err)
	assert.Equal(t, "PT90S", body.Properties.RetrySettings.Timeout)
	b, err := json.Marshal(body)
	require.NoError(t, err)
	got, err := wire.DecodeInvocation(b)
	require.NoError(t, err)
	assert.Equal(t, inv, got)
}

var testWorkspace = armid.Workspace{Subscription: "SUB", ResourceGroup: "RG", Name: "WS"}

// TestTagsRoundTrip: tags, description, properties and the repeatability tag
// encode into the body and decode back, the tag into RepeatabilityID.
func TestTagsRoundTrip(t *testing.T) {
	ws := armid.Workspace{Subscription: "s", ResourceGroup: "rg", Name: "ws"}
	inv := &wire.Invocation{Inputs: map[string]inputs.Input{"n": inputs.String("1")}, ExperimentName: "exp",
		Tags: map[string]string{"team": "a"}, Properties: map[string]string{"batch": "7"}, Description: "d", RepeatabilityID: "id-1"}
	body, err := wire.EncodeInvocation(inv, ws, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "a", "azmlbatch.rid.id-1": "id-1"}, body.Properties.Tags)
	assert.Equal(t, map[string]string{"batch": "7", "experimentName": "exp"}, body.Properties.Properties)
	b, err := json.Marshal(body)
	require.NoError(t, err)
	back, err := wire.DecodeInvocation(b)
	require.NoError(t, err)
	assert.Equal(t, inv, back)
	assert.Equal(t, "id-1", body.Details().RepeatabilityID)
}

func TestRepeatabilityTag(t *testing.T) {
	cases := []struct{ id, key string }{
		{"0b8e9a4c-1f2d-4e5b-9a7c-3d2e1f0a9b8c", "azmlbatch.rid.0b8e9a4c-1f2d-4e5b-9a7c-3d2e1f0a9b8c"},
		{"a.b_c-d", "azmlbatch.rid.a.b_c-d"},
		{"a/b", ""}, {"a=b", ""}, {"sha256-x", ""}, {string(make([]byte, 201)), ""},
	}
	for _, c := range cases {
		k, v := wire.RepeatabilityTag(c.id)
		assert.Equal(t, c.id, v)
		if c.key != "" {
			assert.Equal(t, c.key, k)
		} else {
			assert.Regexp(t, `^azmlbatch\.rid\.sha256-[0-9a-f]{32}$`, k)
		}
		id, ok := wire.RepeatabilityIDOf(k, v)
		assert.True(t, ok)
		assert.Equal(t, c.id, id)
		_, ok = wire.RepeatabilityIDOf(k, v+"x")
		assert.False(t, ok, "the value must name the key's id")
	}
	_, ok := wire.RepeatabilityIDOf("team", "a")
	assert.False(t, ok)
	assert.Equal(t, "x", wire.RepeatabilityIDIn(map[string]string{"AZMLBATCH.RID.x": "x", "team": "a"}))
}
