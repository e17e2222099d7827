package batchendpoint_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

type in = map[string]inputs.Input
type out = map[string]outputs.DataOutput

// TestInvalidRequests checks that every kind of mistake is caught offline with a
// message naming the offending input and saying how to fix it.
func TestInvalidRequests(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	file := filepath.Join(dir, "heart.csv")
	require.NoError(t, os.WriteFile(file, []byte("a\n"), 0o600))
	url := inputs.StorageURL(heartURL)
	model := batchendpoint.DeploymentKindModel
	pipe := batchendpoint.DeploymentKindPipelineComponent
	dsID := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/workspaceblobstore"

	type tc struct {
		name string
		req  batchendpoint.InvokeRequest
		want []string // substrings: the offending field/value and the fix
	}
	cases := []tc{
		// names
		{"hyphenated name", batchendpoint.InvokeRequest{Inputs: in{"heart-data": url}}, []string{"inputs.heart-data", "use heart_data"}},
		{"name starting with digit", batchendpoint.InvokeRequest{Inputs: in{"1data": url}}, []string{"inputs.1data", "use _1data"}},
		{"name with space", batchendpoint.InvokeRequest{Inputs: in{"heart data": url}}, []string{`inputs.heart data`, "use heart_data"}},
		{"name with dot", batchendpoint.InvokeRequest{Outputs: out{"score.csv": outputs.Default()}}, []string{"outputs.score.csv", "use score_csv"}},
		{"empty name", batchendpoint.InvokeRequest{Inputs: in{"": url}}, []string{"the name is empty", "heart_data"}},
		{"case-insensitive duplicate", batchendpoint.InvokeRequest{Inputs: in{"Data": url, "data": url}}, []string{"inputs.data", "collides with inputs.Data", "distinct name"}},
		{"input and output share a name", batchendpoint.InvokeRequest{Inputs: in{"score": url}, Outputs: out{"SCORE": outputs.Default()}}, []string{"SCORE", "collides", "distinct"}},
		{"nil input", batchendpoint.InvokeRequest{Inputs: in{"x": nil}}, []string{"inputs.x", "remove the entry"}},
		{"both Input and Inputs", batchendpoint.InvokeRequest{Input: url, Inputs: in{"x": url}}, []string{"Input", "not both"}},
		// storage URLs
		{"http URL", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.StorageURL("http://a.blob.core.windows.net/c/d")}}, []string{"inputs.d", "https://"}},
		{"URL without path", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.StorageURL("https://a.blob.core.windows.net/")}}, []string{"inputs.d", "container and path"}},
		{"URL with fragment", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.StorageURL("https://a.blob.core.windows.net/c/d#x")}}, []string{"inputs.d", "remove the part after #"}},
		{"ftp URL", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.StorageURL("ftp://a/c/d")}}, []string{"inputs.d", "ftp", "https://"}},
		{"empty URL", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.StorageURL("")}}, []string{"inputs.d", "empty", "https URL"}},
		{"bad input mode", batchendpoint.InvokeRequest{Inputs: in{"d": url.WithMode("mount")}}, []string{"inputs.d", "mount", "ro_mount"}},
		// datastores
		{"empty datastore path", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.Datastore("workspaceblobstore", "")}}, []string{"inputs.d", "path inside the datastore is empty"}},
		{"datastore path with ..", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.Datastore("workspaceblobstore", "a/../b")}}, []string{"inputs.d", ".."}},
		{"datastore name with hyphen", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.Datastore("my-store", "a")}}, []string{"inputs.d", "my-store", "registered name"}},
		{"empty datastore name", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.Datastore("", "a")}}, []string{"inputs.d", "workspaceblobstore"}},
		// data assets
		{"asset without version", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.DataAsset("heart-data", "")}}, []string{"inputs.d", "heart-data", `"latest"`}},
		{"asset bad version", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.DataAsset("heart-data", "v 1")}}, []string{"inputs.d", "v 1", "50 characters"}},
		{"asset bad name", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.DataAsset("-heart", "1")}}, []string{"inputs.d", "-heart", "az ml data list"}},
		{"asset empty name", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.DataAsset("", "1")}}, []string{"inputs.d", "heart-data"}},
		// local paths
		{"missing local path", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.LocalPath(filepath.Join(dir, "nope"))}}, []string{"inputs.d", "nope", "check the path"}},
		{"empty local folder", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.LocalPath(empty)}}, []string{"inputs.d", "holds no files", "put the input files"}},
		{"file asked as folder", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.LocalPath(file).Folder()}}, []string{"inputs.d", "is a file", "File()"}},
		{"folder asked as file", batchendpoint.InvokeRequest{Inputs: in{"d": inputs.LocalPath(dir).File()}}, []string{"inputs.d", "is a folder", "Folder()"}},
		// literals and models
		{"NaN literal", batchendpoint.InvokeRequest{Inputs: in{"r": inputs.Float(math.NaN())}}, []string{"inputs.r", "finite"}},
		{"model without version", batchendpoint.InvokeRequest{Inputs: in{"m": inputs.MLflowModel("azureml:bert@latest")}}, []string{"inputs.m", "explicit version", "azureml:<name>:<version>"}},
		{"bad registry URI", batchendpoint.InvokeRequest{Inputs: in{"m": inputs.TritonModel("azureml://registries/r/models/m")}}, []string{"inputs.m", "registry", "azureml://registries/<registry>/models/<name>/versions/<version>"}},
		// outputs
		{"output path without datastore", batchendpoint.InvokeRequest{Outputs: out{"o": outputs.Datastore("", "a/b")}}, []string{"outputs.o", "no datastore", "workspaceblobstore"}},
		{"output datastore without path", batchendpoint.InvokeRequest{Outputs: out{"o": outputs.Datastore("workspaceblobstore", "")}}, []string{"outputs.o", "no path", "outputs.Default()"}},
		{"bad output mode", batchendpoint.InvokeRequest{Outputs: out{"o": outputs.Default().WithMode("download")}}, []string{"outputs.o", "download", "rw_mount or upload"}},
		{"mltable output", batchendpoint.InvokeRequest{Outputs: out{"o": outputs.Default().WithKind(inputs.KindMLTable)}}, []string{"outputs.o", "MLTable", "uri_folder"}},
		// model-deployment rules
		{"model: literal", batchendpoint.InvokeRequest{DeploymentKind: model, Inputs: in{"d": url, "score_mode": inputs.String("append")}}, []string{"inputs.score_mode", "LiteralJobInput", "pipeline component deployment"}},
		{"model: two data inputs", batchendpoint.InvokeRequest{DeploymentKind: model, Inputs: in{"a": url, "b": url}}, []string{"inputs", "exactly one data input", "one folder"}},
		{"model: no input", batchendpoint.InvokeRequest{DeploymentKind: model}, []string{"Input", "set Input"}},
		{"model: two outputs", batchendpoint.InvokeRequest{DeploymentKind: model, Input: url, Outputs: out{"a": outputs.Default().File(), "b": outputs.Default().File()}}, []string{"outputs", "at most one output"}},
		{"model: folder output", batchendpoint.InvokeRequest{DeploymentKind: model, Input: url, Outputs: out{"score": outputs.Datastore(dsID, "x")}}, []string{"outputs.score", "uri_file", "File()"}},
		{"model: experiment name", batchendpoint.InvokeRequest{DeploymentKind: model, Input: url, ExperimentName: "e"}, []string{"ExperimentName", "leave ExperimentName empty"}},
		{"model: model input", batchendpoint.InvokeRequest{DeploymentKind: model, Inputs: in{"m": inputs.MLflowModel("azureml:m:1")}}, []string{"inputs.m", "model inputs"}},
		{"model: literal as single input", batchendpoint.InvokeRequest{Input: inputs.Integer(3)}, []string{"Input", "uri_folder or uri_file", "Inputs"}},
		{"pipeline: unnamed input", batchendpoint.InvokeRequest{DeploymentKind: pipe, Input: url}, []string{"Input", "named inputs", "Inputs"}},
		{"pipeline: model settings", batchendpoint.InvokeRequest{DeploymentKind: pipe, Inputs: in{"d": url}, Settings: &batchendpoint.JobSettings{MiniBatchSize: to.Ptr[int64](5)}}, []string{"Settings", "model deployments only"}},
		// settings
		{"mini batch 0", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{MiniBatchSize: to.Ptr[int64](0)}}, []string{"Settings.MiniBatchSize", "positive"}},
		{"instances 0", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{InstanceCount: to.Ptr[int32](0)}}, []string{"Settings.InstanceCount", "positive"}},
		{"error threshold -2", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{ErrorThreshold: to.Ptr[int32](-2)}}, []string{"Settings.ErrorThreshold", "-1"}},
		{"negative retries", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{MaxRetries: to.Ptr[int32](-1)}}, []string{"Settings.MaxRetries", "0 or more"}},
		{"tiny timeout", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{RetryTimeout: to.Ptr(10 * time.Millisecond)}}, []string{"Settings.RetryTimeout", "30*time.Second"}},
		{"output file with slash", batchendpoint.InvokeRequest{Input: url, Settings: &batchendpoint.JobSettings{OutputFileName: "a/b.csv"}}, []string{"Settings.OutputFileName", "predictions.csv"}},
		{"bad deployment name", batchendpoint.InvokeRequest{Deployment: "my deployment", Input: url}, []string{"Deployment", "my deployment", "batch-deployment list"}},
		{"unknown deployment kind", batchendpoint.InvokeRequest{DeploymentKind: "Batch", Input: url}, []string{"DeploymentKind", "DeploymentKindModel"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.req.Validate()
			require.Error(t, err)
			var ve *batchendpoint.ValidationError
			require.True(t, errors.As(err, &ve), "%T: %v", err, err)
			assert.NotEmpty(t, ve.Fix, "every error says how to fix it: %v", err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}

	// YAML and --set mistakes, through the public loader.
	yamlCases := []struct {
		name, yaml string
		sets       []string
		want       []string
	}{
		{"unknown top-level key", "inputs:\n  d:\n    type: uri_folder\n    path: https://a.blob.core.windows.net/c/d\njobs: 1\n", nil, []string{"line 5", "jobs", "inputs, outputs, deployment"}},
		{"typo in input key", "inputs:\n  d:\n    type: uri_folder\n    pth: https://a.blob.core.windows.net/c/d\n", nil, []string{"line 4", "inputs.d.pth", "path"}},
		{"mltable type on a datastore path", "inputs:\n  d:\n    type: mltable\n    path: azureml://datastores/workspaceblobstore/paths/t/\n", nil, []string{"line 4", "inputs.d.path", "registered data asset"}},
		{"literal without default", "inputs:\n  n:\n    type: integer\n", nil, []string{"inputs.n", "default"}},
		{"integer literal not a number", "inputs:\n  n:\n    type: integer\n    default: many\n", nil, []string{"inputs.n", "many", "whole number"}},
		{"list instead of mapping", "inputs:\n  - d\n", nil, []string{"line 2", "inputs", "dictionary"}},
		{"hyphen in yaml name", "inputs:\n  heart-data:\n    type: uri_folder\n    path: https://a.blob.core.windows.net/c/d\n", nil, []string{"line 2", "heart-data", "heart_data"}},
		{"syntax error", "inputs:\n  d: [\n", nil, []string{"inputs.yml"}},
		{"set without =", "", []string{"inputs.d.path"}, []string{"--set #1", "key=value"}},
		{"set bad mini batch", "", []string{"inputs.d=x", "mini_batch_size=many"}, []string{"--set #2", "mini_batch_size", "many"}},
		{"set unknown key", "", []string{"inputs.d.type=uri_folder", "inputs.d.path=https://a.blob.core.windows.net/c/d", "inputs.d.typo=1"}, []string{"--set #3", "inputs.d.typo"}},
		{"set empty key segment", "", []string{"inputs..path=x"}, []string{"--set #1", "inputs..path"}},
		{"set http URL", "", []string{"inputs.d.type=uri_folder", "inputs.d.path=http://a.blob.core.windows.net/c/d"}, []string{"--set #2", "inputs.d", "https://"}},
	}
	for _, c := range yamlCases {
		t.Run("yaml/"+c.name, func(t *testing.T) {
			_, err := batchendpoint.ParseInvokeFile([]byte(c.yaml), &batchendpoint.ParseInvokeFileOptions{Filename: "inputs.yml", Sets: c.sets})
			require.Error(t, err)
			var ve *batchendpoint.ValidationError
			require.True(t, errors.As(err, &ve), "%T: %v", err, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	assert.GreaterOrEqual(t, len(cases)+len(yamlCases), 40)
}

// TestValidateTypedNilInputs: a nil pointer stored in an Input is a
// ValidationError naming the field, not a panic.
func TestValidateTypedNilInputs(t *testing.T) {
	var storage *inputs.StorageURLInput
	var literal *inputs.LiteralInput
	cases := []struct {
		name  string
		req   batchendpoint.InvokeRequest
		field string
	}{
		{"single input", batchendpoint.InvokeRequest{Input: storage}, "Input"},
		{"named data input", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": storage}}, "inputs.heart_data"},
		{"named literal", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"score_mode": literal}}, "inputs.score_mode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = tc.req.Validate() })
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotEmpty(t, ve.Fix)
		})
	}
}
