package spec

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

const (
	wsID        = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-batch"
	dataAssetID = wsID + "/data/heart-data/versions/1"
	datastoreID = wsID + "/datastores/workspaceblobstore"
	heartURL    = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
	secretSig   = "c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ%3D%3D"
	sasURL      = "https://acct.blob.core.windows.net/data/heart-disease-uci/heart.csv?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=" + secretSig
)

func ptr[T any](v T) *T { return &v }

// want describes one expected input by its observable properties.
type want struct {
	kind      inputs.Kind
	str       string // String()
	assetName string // DataAssetInput
	latest    bool
	mode      inputs.Mode
	literal   string // LiteralInput Value()
}

type wantOut struct {
	kind      inputs.Kind
	datastore string
	path      string
	isDefault bool
	mode      outputs.Mode
}

func checkSpec(t *testing.T, s *Spec, ins map[string]want, outs map[string]wantOut) {
	t.Helper()
	require.Len(t, s.Inputs, len(ins))
	for name, w := range ins {
		in, ok := s.Inputs[name]
		require.True(t, ok, "input %s missing", name)
		assert.Equal(t, w.kind, in.Kind(), name)
		if w.str != "" {
			assert.Equal(t, w.str, in.String(), name)
		}
		switch x := in.(type) {
		case inputs.LiteralInput:
			assert.Equal(t, w.literal, x.Value(), name)
		case inputs.DataAssetInput:
			assert.Equal(t, w.assetName, x.Name(), name)
			assert.Equal(t, w.latest, x.IsLatest(), name)
			assert.Equal(t, w.mode, x.Mode(), name)
		case inputs.DatastoreInput:
			assert.Equal(t, w.mode, x.Mode(), name)
		case inputs.StorageURLInput:
			assert.Equal(t, w.mode, x.Mode(), name)
		case inputs.LocalPathInput:
			assert.Equal(t, w.mode, x.Mode(), name)
		}
	}
	require.Len(t, s.Outputs, len(outs))
	for name, w := range outs {
		o, ok := s.Outputs[name]
		require.True(t, ok, "output %s missing", name)
		assert.Equal(t, w.kind, o.Kind(), name)
		assert.Equal(t, w.datastore, o.DatastoreName(), name)
		assert.Equal(t, w.path, o.Path(), name)
		assert.Equal(t, w.isDefault, o.IsDefault(), name)
		assert.Equal(t, w.mode, o.Mode(), name)
		require.NoError(t, o.Validate())
	}
}

// The YAML files of contract section 5 and the seed scenarios S8-S12.
func TestLoadFiles(t *testing.T) {
	// score-mode.yml names the local folder data/unlabeled, relative to the working directory.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data", "unlabeled"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "unlabeled", "heart.csv"), []byte("age,sex\n63,1\n"), 0o644))
	testdata, err := filepath.Abs("testdata")
	require.NoError(t, err)
	t.Chdir(dir)

	tests := []struct {
		file       string
		ins        map[string]want
		outs       map[string]wantOut
		endpoint   string
		deployment string
	}{
		{
			file: "heart-data-id.yml", // S8 --file inputs.yml with the data asset's ARM id
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: dataAssetID, assetName: "heart-data"}},
		},
		{
			file: "score-mode.yml", // S11 / S14: local folder, string literal, output at the default location
			ins: map[string]want{
				"input_data": {kind: inputs.KindURIFolder, str: filepath.Join(dir, "data", "unlabeled")},
				"score_mode": {kind: inputs.KindString, literal: "append"},
			},
			outs: map[string]wantOut{"scores": {kind: inputs.KindURIFolder, isDefault: true, mode: outputs.ModeUpload}},
		},
		{
			file: "inputs-and-outputs.yml", // S12
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: heartURL}},
			outs: map[string]wantOut{"score": {kind: inputs.KindURIFile, datastore: "workspaceblobstore", path: "batch-jobs/my-unique-path"}},
		},
		{
			file: "training-asset.yml", // S14 training-with-components
			ins: map[string]want{"input_data": {kind: inputs.KindURIFolder, str: "azureml:heart-classifier-train@latest",
				assetName: "heart-classifier-train", latest: true}},
			endpoint: "heart-classifier-batch", deployment: "uci-classifier-prepros-xgb",
		},
		{
			file: "datastore-file.yml", // S9 with uri_file
			ins: map[string]want{"heart_data": {kind: inputs.KindURIFile,
				str: "azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled/heart.csv", mode: inputs.ModeDownload}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := LoadFile(filepath.Join(testdata, tt.file), nil)
			require.NoError(t, err)
			checkSpec(t, s, tt.ins, tt.outs)
			assert.Equal(t, tt.endpoint, s.Endpoint)
			assert.Equal(t, tt.deployment, s.Deployment)
		})
	}
}

// The --set forms of S8-S12 and the model-deployment overrides.
func TestFromSets(t *testing.T) {
	tests := []struct {
		name     string
		sets     []string
		ins      map[string]want
		outs     map[string]wantOut
		settings Settings
		jobName  string
	}{
		{
			name: "S8 data asset id",
			sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + dataAssetID},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: dataAssetID, assetName: "heart-data"}},
		},
		{
			name: "S8 asset at latest",
			sets: []string{"inputs.heart_data.path=azureml:heart-data@latest"},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: "azureml:heart-data@latest", assetName: "heart-data", latest: true}},
		},
		{
			name: "S9 datastore folder",
			sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled"},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: "azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled"}},
		},
		{
			name: "S9 datastore file",
			sets: []string{"inputs.heart_data.type=uri_file", "inputs.heart_data.path=azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled/heart.csv"},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFile, str: "azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled/heart.csv"}},
		},
		{
			name: "S10 public storage folder",
			sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + heartURL},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: heartURL}},
		},
		{
			name: "S10 private storage file with SAS (values contain '=')",
			sets: []string{"inputs.heart_data.type=uri_file", "inputs.heart_data.path=" + sasURL},
			ins: map[string]want{"heart_data": {kind: inputs.KindURIFile,
				str: "https://acct.blob.core.windows.net/data/heart-disease-uci/heart.csv?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=REDACTED"}},
		},
		{
			name: "S11 string literal",
			sets: []string{"inputs.score_mode.type=string", "inputs.score_mode.default=append"},
			ins:  map[string]want{"score_mode": {kind: inputs.KindString, literal: "append"}},
		},
		{
			name: "literal types from strings",
			sets: []string{"inputs.n.type=integer", "inputs.n.default=5", "inputs.r.type=float", "inputs.r.default=0.5",
				"inputs.b.type=boolean", "inputs.b.default=true", "inputs.plain=5"},
			ins: map[string]want{
				"n":     {kind: inputs.KindInteger, literal: "5"},
				"r":     {kind: inputs.KindNumber, literal: "0.5"},
				"b":     {kind: inputs.KindBoolean, literal: "True"},
				"plain": {kind: inputs.KindString, literal: "5"}, // --set values are strings, as in az ml
			},
		},
		{
			name: "S12 output to a datastore id",
			sets: []string{"inputs.heart_data.path=" + heartURL, "outputs.score.type=uri_file", "outputs.score.path=" + datastoreID + "/paths/batch-jobs/my-unique-path"},
			ins:  map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: heartURL}},
			outs: map[string]wantOut{"score": {kind: inputs.KindURIFile, datastore: "workspaceblobstore", path: "batch-jobs/my-unique-path"}},
		},
		{
			name: "output short datastore uri with mode",
			sets: []string{"outputs.scores.path=azureml://datastores/workspaceblobstore/paths/batch/out/", "outputs.scores.mode=rw_mount"},
			outs: map[string]wantOut{"scores": {kind: inputs.KindURIFolder, datastore: "workspaceblobstore", path: "batch/out/", mode: outputs.ModeReadWriteMount}},
		},
		{
			name: "model input for a pipeline deployment",
			sets: []string{"inputs.model.type=mlflow_model", "inputs.model.path=azureml://registries/azureml/models/heart-classifier/versions/3"},
			ins:  map[string]want{"model": {kind: inputs.KindMLFlowModel, str: "azureml://registries/azureml/models/heart-classifier/versions/3"}},
		},
		{
			name: "overrides",
			sets: []string{"inputs.heart_data.path=" + heartURL, "output_file_name=predictions.csv", "mini_batch_size=20",
				"compute.instance_count=2", "error_threshold=-1", "retry_settings.max_retries=3", "retry_settings.timeout=300",
				"name=my-batch-job", "deployment=dpl-xgb", "endpoint=heart-classifier-batch"},
			ins: map[string]want{"heart_data": {kind: inputs.KindURIFolder, str: heartURL}},
			settings: Settings{OutputFileName: "predictions.csv", MiniBatchSize: ptr[int64](20), InstanceCount: ptr[int32](2),
				ErrorThreshold: ptr[int32](-1), MaxRetries: ptr[int32](3), RetryTimeout: ptr(300 * time.Second)},
			jobName: "my-batch-job",
		},
		{
			name:     "timeout as ISO-8601",
			sets:     []string{"retry_settings.timeout=PT1M30S"},
			settings: Settings{RetryTimeout: ptr(90 * time.Second)},
		},
		{
			name:     "timeout as Go duration, later assignment wins",
			sets:     []string{"retry_settings.timeout=10", "retry_settings.timeout=5m"},
			settings: Settings{RetryTimeout: ptr(5 * time.Minute)},
		},
		{
			name: "no assignments",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := FromSets(tt.sets)
			require.NoError(t, err)
			checkSpec(t, s, tt.ins, tt.outs)
			assert.Equal(t, tt.settings, s.Settings)
			assert.Equal(t, tt.jobName, s.JobName)
		})
	}
}

func TestLoadMergesSets(t *testing.T) {
	data := []byte(`
inputs:
  heart_data:
    type: uri_folder
    path: ` + heartURL + `
  score_mode: append
outputs:
deployment: from-file
`)
	s, err := Load(data, "inputs.yml", []string{
		"inputs.heart_data.path=azureml://datastores/workspaceblobstore/paths/other", // overrides the file's path, keeps its type
		"inputs.heart_data.mode=download",
		"inputs.score_mode=insert", // replaces the file's literal
		"outputs.score.type=uri_file", "outputs.score.path=azureml://datastores/workspaceblobstore/paths/out/pred.csv",
		"deployment=from-set",
	})
	require.NoError(t, err)
	checkSpec(t, s, map[string]want{
		"heart_data": {kind: inputs.KindURIFolder, str: "azureml://datastores/workspaceblobstore/paths/other", mode: inputs.ModeDownload},
		"score_mode": {kind: inputs.KindString, literal: "insert"},
	}, map[string]wantOut{"score": {kind: inputs.KindURIFile, datastore: "workspaceblobstore", path: "out/pred.csv"}})
	assert.Equal(t, "from-set", s.Deployment)
}

// Plain scalars are typed as PyYAML (and so az ml) types them: YAML 1.1.
func TestScalarLiterals(t *testing.T) {
	tests := []struct {
		yaml    string
		kind    inputs.Kind
		literal string
	}{
		{`append`, inputs.KindString, "append"},
		{`"5"`, inputs.KindString, "5"},
		{`'true'`, inputs.KindString, "true"},
		{`!!str 5`, inputs.KindString, "5"},
		{`true`, inputs.KindBoolean, "True"},
		{`False`, inputs.KindBoolean, "False"},
		{`yes`, inputs.KindBoolean, "True"},
		{`off`, inputs.KindBoolean, "False"},
		{`5`, inputs.KindInteger, "5"},
		{`-12`, inputs.KindInteger, "-12"},
		{`1_000`, inputs.KindInteger, "1000"},
		{`0x1F`, inputs.KindInteger, "31"},
		{`012`, inputs.KindInteger, "10"},
		{`0b101`, inputs.KindInteger, "5"},
		{`1:30`, inputs.KindInteger, "90"},
		{`!!int "7"`, inputs.KindInteger, "7"},
		{`0.5`, inputs.KindNumber, "0.5"},
		{`1.`, inputs.KindNumber, "1.0"},
		{`1.5e+3`, inputs.KindNumber, "1500.0"},
		{`.25`, inputs.KindNumber, "0.25"},
		{`!!float 2`, inputs.KindNumber, "2.0"},
		{`1e3`, inputs.KindString, "1e3"},   // no dot: a string in YAML 1.1
		{`0o17`, inputs.KindString, "0o17"}, // YAML 1.2 octal: a string in YAML 1.1
		{`09`, inputs.KindString, "09"},
		{`2024-01-31`, inputs.KindString, "2024-01-31"},
		{`|` + "\n    two\n    lines", inputs.KindString, "two\nlines\n"},
		{`&a here`, inputs.KindString, "here"},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			s, err := Load([]byte("inputs:\n  x: "+tt.yaml+"\n"), "inputs.yml", nil)
			require.NoError(t, err)
			l, ok := s.Inputs["x"].(inputs.LiteralInput)
			require.True(t, ok, "%T", s.Inputs["x"])
			assert.Equal(t, tt.kind, l.Kind())
			assert.Equal(t, tt.literal, l.Value())
		})
	}
}

func TestTypedLiteralDefaults(t *testing.T) {
	tests := []struct {
		typ, def string
		kind     inputs.Kind
		literal  string
	}{
		{"string", "append", inputs.KindString, "append"},
		{"string", "5", inputs.KindString, "5"},
		{"string", "yes", inputs.KindString, "yes"},
		{"string", `""`, inputs.KindString, ""},
		{"boolean", "true", inputs.KindBoolean, "True"},
		{"boolean", `"FALSE"`, inputs.KindBoolean, "False"},
		{"boolean", "on", inputs.KindBoolean, "True"},
		{"integer", "5", inputs.KindInteger, "5"},
		{"integer", `"42"`, inputs.KindInteger, "42"},
		{"number", "5", inputs.KindNumber, "5.0"},
		{"number", "0.25", inputs.KindNumber, "0.25"},
		{"float", `"1e-5"`, inputs.KindNumber, "1e-05"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"="+tt.def, func(t *testing.T) {
			data := "inputs:\n  x:\n    type: " + tt.typ + "\n    default: " + tt.def + "\n    min: 0\n    description: ignored\n"
			s, err := Load([]byte(data), "inputs.yml", nil)
			require.NoError(t, err)
			l, ok := s.Inputs["x"].(inputs.LiteralInput)
			require.True(t, ok, "%T", s.Inputs["x"])
			assert.Equal(t, tt.kind, l.Kind())
			assert.Equal(t, tt.literal, l.Value())
		})
	}
}

func TestYAMLFeatures(t *testing.T) {
	data := []byte(`
$schema: https://azuremlschemas.azureedge.net/latest/batchJob.schema.json
x-base: &base
  type: uri_file
  mode: download
`)
	_, err := Load(data, "inputs.yml", nil)
	require.Error(t, err, "x-base is not a key we read")

	data = []byte(`
inputs:
  a: &a
    type: uri_file
    path: azureml://datastores/workspaceblobstore/paths/a.csv
  b:
    <<: *a
    path: azureml://datastores/workspaceblobstore/paths/b.csv
  c: {type: string, default: "x"}
outputs: {}
`)
	s, err := Load(data, "inputs.yml", nil)
	require.NoError(t, err)
	require.Len(t, s.Inputs, 3)
	assert.Equal(t, inputs.KindURIFile, s.Inputs["b"].Kind())
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/b.csv", s.Inputs["b"].String())
	assert.Nil(t, s.Outputs)

	// A file without inputs would start a job with none: an error naming the file.
	for _, empty := range []string{"", "# only a comment\n", "---\n", "~\n", "inputs:\noutputs:\n", "inputs: {}\n", "deployment: dep-1\n"} {
		_, err := Load([]byte(empty), "inputs.yml", nil)
		var ve *inputs.ValidationError
		require.ErrorAs(t, err, &ve, "%q", empty)
		assert.Equal(t, "inputs.yml: inputs", ve.Field, "%q", empty)
		assert.NotEmpty(t, ve.Fix)
	}
	// Inputs given by --set on top of an empty file make it complete.
	s, err = Load(nil, "inputs.yml", []string{"inputs.x.type=string", "inputs.x.default=a"})
	require.NoError(t, err)
	assert.Len(t, s.Inputs, 1)
}

func TestParseSet(t *testing.T) {
	tests := []struct {
		in    string
		path  []string
		value string
	}{
		{"inputs.heart_data.type=uri_folder", []string{"inputs", "heart_data", "type"}, "uri_folder"},
		{"inputs.x.path=" + sasURL, []string{"inputs", "x", "path"}, sasURL},
		{"name=", []string{"name"}, ""},
		{"a=b=c", []string{"a"}, "b=c"},
		{"inputs.x= spaced value ", []string{"inputs", "x"}, " spaced value "},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, v, err := ParseSet(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.path, p)
			assert.Equal(t, tt.value, v)
		})
	}
}

func TestParseTimeout(t *testing.T) {
	good := map[string]time.Duration{"30": 30 * time.Second, "0": 0, "30s": 30 * time.Second, "1h2m": time.Hour + 2*time.Minute,
		"PT30S": 30 * time.Second, "pt0.5s": 500 * time.Millisecond, "P1DT2H": 26 * time.Hour, "PT1H30M": 90 * time.Minute}
	for in, d := range good {
		got, err := parseTimeout(in)
		require.NoError(t, err, in)
		assert.Equal(t, d, got, in)
	}
	for _, in := range []string{"", "P", "PT", "P1DT", "p", "-5", "-5s", "P1Y", "P8D", "99999999999999", "PT99999999999S", "abc", "1.5"} {
		_, err := parseTimeout(in)
		assert.Error(t, err, in)
	}
}

// TestMLTableInput: type: mltable on a data asset reads it as a table (pipeline
// component deployments take tables; the client refuses them for model deployments).
func TestMLTableInput(t *testing.T) {
	for _, src := range []string{
		"inputs:\n  t:\n    type: mltable\n    path: azureml:tbl:1\n",
		"inputs:\n  t:\n    type: mltable\n    path: azureml:tbl@latest\n",
	} {
		s, err := Load([]byte(src), "inputs.yml", nil)
		require.NoError(t, err, src)
		in, ok := s.Inputs["t"].(inputs.DataAssetInput)
		require.True(t, ok, "%T", s.Inputs["t"])
		assert.Equal(t, inputs.KindMLTable, in.Kind())
	}
}
