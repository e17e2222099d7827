package batchendpoint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

const yamlWS = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-batch"

// TestGoldenYAML loads the inputs.yml files of Microsoft's batch endpoint how-to
// (and the --set forms of its cases S8-S11) and compares the encoded bodies with goldens.
// Inputs that need the workspace (a local folder upload, a data asset's latest
// version) are given the locations the client would find.
func TestGoldenYAML(t *testing.T) {
	ws := armid.Workspace{Subscription: "00000000-1111-2222-3333-444444444444", ResourceGroup: "rg-ml", Name: "ws-batch"}
	abs, err := filepath.Abs("testdata/yaml")
	require.NoError(t, err)
	t.Chdir(t.TempDir()) // score-mode.yml names a relative local folder
	require.NoError(t, os.MkdirAll("data/unlabeled", 0o755))
	require.NoError(t, os.WriteFile("data/unlabeled/1.csv", []byte("age,sex\n63,1\n"), 0o600))
	goldenDir := filepath.Join(filepath.Dir(abs), "golden")

	cases := []struct {
		name, file string
		sets       []string
		golden     string
		resolved   map[string]wire.Resolved
		endpoint   string
		deployment string
	}{
		{name: "heart_data ARM id (S8 --file)", file: "heart-data-id.yml", golden: "yaml_heart_data_id.json"},
		{name: "input_data + score_mode + scores", file: "score-mode.yml", golden: "yaml_score_mode.json",
			resolved: map[string]wire.Resolved{"input_data": {URI: "azureml://datastores/workspaceblobstore/paths/LocalUpload/0123456789abcdef0123456789abcdef/unlabeled/", Kind: inputs.KindURIFolder}}},
		{name: "inputs-and-outputs (S12)", file: "inputs-and-outputs.yml", golden: "yaml_inputs_and_outputs.json"},
		{name: "azureml:name@latest", file: "training-asset.yml", golden: "yaml_training_asset.json", endpoint: "heart-classifier-batch", deployment: "uci-classifier-prepros-xgb",
			resolved: map[string]wire.Resolved{"input_data": {URI: yamlWS + "/data/heart-classifier-train/versions/7", Kind: inputs.KindURIFolder}}},
		{name: "datastore file (S9 uri_file)", file: "datastore-file.yml", golden: "yaml_datastore_file.json"},
		{name: "--set data asset id (S8)", sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + yamlWS + "/data/heart-data/versions/1"}, golden: "yaml_heart_data_id.json"},
		{name: "--set storage URL + datastore output (S10, S12)", sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data",
			"outputs.score.type=uri_file", "outputs.score.path=" + yamlWS + "/datastores/workspaceblobstore/paths/batch-jobs/my-unique-path"}, golden: "yaml_inputs_and_outputs.json"},
		{name: "--set literal (S11) + datastore (S9)", sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled",
			"inputs.score_mode.type=string", "inputs.score_mode.default=append"}, golden: "set_literal_and_file_name.json"},
		{name: "--set on top of a file", file: "datastore-file.yml", sets: []string{"inputs.score_mode=append"}, golden: "set_on_file.json"},
		{name: "--set model overrides", sets: []string{"inputs.heart_data.type=uri_file", "inputs.heart_data.path=https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/heart.csv",
			"output_file_name=scores.csv", "mini_batch_size=64", "compute.instance_count=2", "error_threshold=5", "retry_settings.max_retries=2", "retry_settings.timeout=45"}, golden: "set_model_overrides.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var (
				f   InvokeFile
				err error
			)
			if c.file != "" {
				f, err = LoadInvokeFile(filepath.Join(abs, c.file), &LoadInvokeFileOptions{Sets: c.sets})
			} else {
				f, err = ParseInvokeFile(nil, &ParseInvokeFileOptions{Sets: c.sets})
			}
			require.NoError(t, err)
			assert.Equal(t, c.endpoint, f.Endpoint)
			assert.Equal(t, c.deployment, f.Request.Deployment)
			require.NoError(t, f.Request.Validate())
			body, err := encodeRequest(&f.Request, ws, c.resolved)
			require.NoError(t, err)
			got, err := json.Marshal(body)
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(goldenDir, c.golden))
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(got))
		})
	}
}
