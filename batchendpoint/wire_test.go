package batchendpoint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

var testWS = armid.Workspace{Subscription: "SUB", ResourceGroup: "RG", Name: "WS"}

const wsID = "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/WS"

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	require.NoError(t, err)
	return b
}

func mustInput(t *testing.T, s string, o *inputs.ParseOptions) inputs.Input {
	t.Helper()
	in, err := inputs.Parse(s, o)
	require.NoError(t, err)
	return in
}

// TestGoldenBodies reproduces the request bodies of internal/wire/README.md
// ("Invoke body"): those azure-ai-ml sends and those the REST docs show.
func TestGoldenBodies(t *testing.T) {
	heart := "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
	mnist := "https://pipelinedata.blob.core.windows.net/sampledata/mnist"
	assetID, err := inputs.DataAssetID(wsID + "/data/heart-data/versions/1")
	require.NoError(t, err)
	out, err := outputs.Parse(wsID + "/datastores/workspaceblobstore/paths/batch-jobs/my-unique-path")
	require.NoError(t, err)
	cases := []struct {
		golden string
		req    InvokeRequest
	}{
		{"a_single_uri_folder.json", InvokeRequest{Input: inputs.StorageURL(mnist)}},
		{"a_named_input1.json", InvokeRequest{Inputs: map[string]inputs.Input{"input1": inputs.StorageURL(mnist)}}},
		{"a_docs_pascal.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(heart)}}},
		{"a_heart_data.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": mustInput(t, heart, nil)}}},
		{"b_single_uri_file.json", InvokeRequest{Input: inputs.StorageURL(heart + "/heart.csv").File()}},
		{"b_docs_pascal.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": mustInput(t, heart+"/heart.csv", &inputs.ParseOptions{Type: inputs.KindURIFile})}}},
		{"c_data_asset_id.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.DataAsset("heart-data", "1")}}},
		{"c_data_asset_id.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": assetID}}},
		{"c_data_asset_id.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": mustInput(t, "azureml:heart-data:1", nil)}}},
		{"c_locations_latest.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": mustInput(t, "azureml://locations/westeurope/workspaces/WS/data/heart-data/versions/labels/latest", nil)}}},
		{"d_datastore_short.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.Datastore("workspaceblobstore", "heart-disease-uci-unlabeled")}}},
		{"d_datastore_short.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": mustInput(t, "azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled", nil)}}},
		{"d_datastore_id_docs_pascal.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.Datastore(wsID+"/datastores/workspaceblobstore", "heart-disease-uci-unlabeled")}}},
		{"e_literal_docs_pascal.json", InvokeRequest{Inputs: map[string]inputs.Input{"score_mode": inputs.String("append")}}},
		{"e_literals.json", InvokeRequest{Inputs: map[string]inputs.Input{
			"score_mode": inputs.String("append"), "flag": inputs.Bool(true), "n": inputs.Integer(5), "ratio": inputs.Float(0.5)}}},
		{"f_named_output.json", InvokeRequest{
			Inputs:  map[string]inputs.Input{"heart_data": inputs.StorageURL("https://x.blob.core.windows.net/c/d")},
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("workspaceblobstore", "batch-jobs/my-unique-path").File()}}},
		{"f_docs_pascal.json", InvokeRequest{
			Inputs:  map[string]inputs.Input{"heart_data": inputs.StorageURL(heart)},
			Outputs: map[string]outputs.DataOutput{"score": out.File()}}},
		{"g_experiment.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(heart)}, ExperimentName: "my-batch-job-experiment"}},
		{"i_tags_description_properties.json", InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.StorageURL(heart)}, ExperimentName: "my-batch-job-experiment",
			Tags: map[string]string{"owner": "risk-team", "run": "nightly"}, Description: "nightly scoring", Properties: map[string]string{"batch": "42"}}},
		{"h_overrides.json", InvokeRequest{Input: inputs.StorageURL("https://x.blob.core.windows.net/c/d"), JobName: "my-job-1",
			Settings: &JobSettings{MiniBatchSize: to.Ptr[int64](64), InstanceCount: to.Ptr[int32](2)}}},
		{"h_all_settings.json", InvokeRequest{Input: inputs.StorageURL("https://x.blob.core.windows.net/c/d"),
			Settings: &JobSettings{OutputFileName: "predictions.csv", MiniBatchSize: to.Ptr[int64](10), InstanceCount: to.Ptr[int32](2),
				ErrorThreshold: to.Ptr[int32](-1), MaxRetries: to.Ptr[int32](3), RetryTimeout: to.Ptr(30 * time.Second)}}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			require.NoError(t, c.req.Validate())
			body, err := encodeRequest(&c.req, testWS, nil)
			require.NoError(t, err)
			got, err := json.Marshal(body)
			require.NoError(t, err)
			want := golden(t, c.golden)
			// The golden files are the documented bodies; PascalCase ones are
			// compared after a decode/encode round trip, which is what the
			// service's case-insensitive binding does.
			require.JSONEq(t, string(camel(t, want)), string(got))
		})
	}
}

// parseInvokeBody decodes a body with the codec into the request it describes,
// as batchendpoint/fake does for the invocations it records.
func parseInvokeBody(t *testing.T, b []byte) *InvokeRequest {
	t.Helper()
	inv, err := wire.DecodeInvocation(b)
	require.NoError(t, err)
	return &InvokeRequest{Input: inv.Input, Inputs: inv.Inputs, Outputs: inv.Outputs, ExperimentName: inv.ExperimentName,
		JobName: inv.JobName, Settings: (*JobSettings)(inv.Settings), Tags: inv.Tags, Description: inv.Description, Properties: inv.Properties}
}

// camel re-encodes a body through the wire types, which turns PascalCase keys into
// the camelCase the tools send and leaves camelCase bodies unchanged.
func camel(t *testing.T, b []byte) []byte {
	t.Helper()
	var r wire.BatchJobResource
	require.NoError(t, json.Unmarshal(b, &r))
	out, err := json.Marshal(r)
	require.NoError(t, err)
	return out
}

// TestGoldenCamelUnchanged checks that camel() is the identity on camelCase golden
// files, so the comparison above is key for key and value for value.
func TestGoldenCamelUnchanged(t *testing.T) {
	for _, f := range []string{"a_single_uri_folder.json", "c_data_asset_id.json", "e_literals.json", "f_named_output.json", "g_experiment.json", "h_overrides.json", "i_tags_description_properties.json"} {
		b := golden(t, f)
		assert.JSONEq(t, string(b), string(camel(t, b)), f)
	}
}

// TestPascalDecodesToSameRequest decodes the docs' PascalCase bodies and the tools'
// camelCase bodies of the same request and compares the typed results.
func TestPascalDecodesToSameRequest(t *testing.T) {
	pairs := [][2]string{
		{"a_docs_pascal.json", "a_heart_data.json"},
		{"d_datastore_id_docs_pascal.json", ""},
		{"e_literal_docs_pascal.json", ""},
		{"f_docs_pascal.json", ""},
	}
	for _, p := range pairs {
		t.Run(p[0], func(t *testing.T) {
			pascal := golden(t, p[0])
			camelBody := camel(t, pascal)
			if p[1] != "" {
				camelBody = golden(t, p[1])
			}
			r1 := parseInvokeBody(t, pascal)
			r2 := parseInvokeBody(t, camelBody)
			require.Equal(t, r2, r1)
			// and the decoded request encodes back to the same body
			body, err := encodeRequest(r1, testWS, nil)
			require.NoError(t, err)
			got, _ := json.Marshal(body)
			require.JSONEq(t, string(camelBody), string(got))
		})
	}
	// Fully PascalCase, including the top-level key, as the .NET sample sends.
	r := parseInvokeBody(t, []byte(`{"Properties":{"InputData":{"UriFolder":{"JobInputType":"UriFolder","Uri":"https://a.blob.core.windows.net/c/d"}},"Properties":{"ExperimentName":"x"}}}`))
	require.NotNil(t, r.Input)
	assert.Equal(t, "https://a.blob.core.windows.net/c/d", r.Input.(inputs.StorageURLInput).URL())
	assert.Equal(t, "x", r.ExperimentName)
}

// TestDetailsOf: JobDetails carries every field the codec decoded, typed.
func TestDetailsOf(t *testing.T) {
	body := `{"id":"/jobs/batchjob-1","name":"batchjob-1","properties":{"name":"lemon","status":"Preparing",
		"inputData":{"UriFolder":{"jobInputType":"UriFolder","uri":"https://a.blob.core.windows.net/c/d","mode":"ReadOnlyMount"},
		"n":{"jobInputType":"Literal","value":"5"}},
		"outputData":{"score":{"jobOutputType":"UriFile","uri":"azureml://datastores/ws/paths/p.csv"}},
		"tags":{"azureml.deploymentname":"dep"},"properties":{"experimentName":"exp"}},
		"systemData":{"createdAt":"2023-04-09T00:28:23.4487583Z","createdBy":"me","lastModifiedBy":"you"}}`
	var res wire.BatchJobResource
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	d := detailsOf(res.Details())
	assert.Equal(t, JobStatusPreparing, d.Status)
	assert.False(t, d.Status.IsTerminal())
	assert.Equal(t, "batchjob-1", d.Name)
	assert.Equal(t, "/jobs/batchjob-1", d.ID)
	assert.Equal(t, "lemon", d.DisplayName)
	assert.Equal(t, "dep", d.Deployment)
	assert.Equal(t, "exp", d.ExperimentName)
	assert.Equal(t, map[string]JobInput{
		"UriFolder": {Kind: inputs.KindURIFolder, URI: "https://a.blob.core.windows.net/c/d", Mode: "ReadOnlyMount"},
		"n":         {Kind: inputs.KindString, Value: "5"}}, d.Inputs)
	assert.Equal(t, map[string]JobOutput{"score": {Kind: inputs.KindURIFile, URI: "azureml://datastores/ws/paths/p.csv"}}, d.Outputs)
	assert.Equal(t, time.Date(2023, 4, 9, 0, 28, 23, 448758300, time.UTC), d.CreatedAt.UTC())
	assert.Equal(t, "me", d.CreatedBy)
	assert.Equal(t, "you", d.LastModifiedBy)
	assert.Nil(t, d.Error, "a body carries no failure; the poller adds it")
	assert.Nil(t, detailsOf(wire.Details{}).Inputs, "no inputs: nil, as before")
}
