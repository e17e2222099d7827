package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// Each case names the offending key (and where it is) and the fix.
func TestInvalid(t *testing.T) {
	asset, err := os.ReadFile(filepath.Join("testdata", "heart-data-asset.yml"))
	require.NoError(t, err)
	deep := "inputs:\n" + strings.Repeat("  ", 1) + "x:\n"
	for i := 2; i < 40; i++ {
		deep += strings.Repeat("  ", i) + fmt.Sprintf("k%d:\n", i)
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'h'; i++ {
		p := string(i - 1)
		bomb += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, p, p, p, p, p, p, p, p, p, p)
	}
	bomb += "inputs: *h\n"
	manySets := make([]string, MaxSets+1)
	for i := range manySets {
		manySets[i] = "name=x"
	}

	tests := []struct {
		name string
		yaml string   // file content; "" means FromSets
		sets []string // --set assignments
		want []string // substrings of the error message
	}{
		// ---- YAML files ----
		{name: "misspelt top-level key", yaml: "input:\n  x: 1\n",
			want: []string{"inputs.yml line 1: input", `did you mean "inputs"`, "may contain only inputs, outputs, deployment and endpoint"}},
		{name: "override in the file", yaml: "mini_batch_size: 10\n",
			want: []string{"inputs.yml line 1: mini_batch_size", "not read from the file", "--set mini_batch_size=10"}},
		{name: "compute in the file", yaml: "compute:\n  instance_count: 2\n",
			want: []string{"line 1: compute", "--set compute.instance_count=<n>"}},
		{name: "asset definition as --file", yaml: string(asset),
			want: []string{"line 4: type", "data asset definition", "azureml:<asset name>@latest"}},
		{name: "inputs is a list", yaml: "inputs:\n  - heart_data\n",
			want: []string{"line 2: inputs", "Unsupported 'inputs' type, it should be a dictionary", "inputs: {heart_data:"}},
		{name: "hyphenated input name", yaml: "inputs:\n  heart-data:\n    path: " + heartURL + "\n",
			want: []string{"line 2: inputs.heart-data", `"heart-data" is not a valid input name`, "use heart_data instead"}},
		{name: "name starts with a digit", yaml: "inputs:\n  1data: x\n",
			want: []string{"inputs.1data", "not a valid input name", "letters, digits and underscores"}},
		{name: "names differ in case", yaml: "inputs:\n  heart_data: a\n  Heart_Data: b\n",
			want: []string{"line 3: inputs.Heart_Data", "differ only in case", "inputs.yml line 2", "rename or remove one"}},
		{name: "duplicate key", yaml: "inputs:\n  x: a\n  x: b\n",
			want: []string{"line 3: inputs.x", "duplicate key (first at line 2)", "keep one"}},
		{name: "unknown key in input", yaml: "inputs:\n  heart_data:\n    typ: uri_folder\n    path: " + heartURL + "\n",
			want: []string{"line 3: inputs.heart_data.typ", `did you mean "type"`, "takes only type, path, mode, description"}},
		{name: "data input without path", yaml: "inputs:\n  heart_data:\n    type: uri_folder\n",
			want: []string{"line 3: inputs.heart_data", "has no path", "add path:"}},
		{name: "path is a mapping", yaml: "inputs:\n  heart_data:\n    type: uri_folder\n    path:\n      uri: x\n",
			want: []string{"line 5: inputs.heart_data.path", "expected a single value, not a mapping", "azureml://datastores/<datastore>/paths/<path>"}},
		{name: "MLTable input that is not a data asset", yaml: "inputs:\n  t:\n    type: mltable\n    path: azureml://datastores/workspaceblobstore/paths/t/\n",
			want: []string{"line 4: inputs.t.path", "MLTable input names a registered data asset", "azureml:<name>:<version>"}},
		{name: "unknown input type", yaml: "inputs:\n  t:\n    type: uri_foldr\n    path: x\n",
			want: []string{"line 3: inputs.t.type", "unknown input type", "use uri_folder or uri_file for data"}},
		{name: "literal without default", yaml: "inputs:\n  score_mode:\n    type: string\n",
			want: []string{"line 3: inputs.score_mode", "has no default", "add default:"}},
		{name: "literal with path", yaml: "inputs:\n  score_mode:\n    type: string\n    path: append\n",
			want: []string{"line 4: inputs.score_mode.path", `unknown key "path"`, "carries its value in default"}},
		{name: "default without type", yaml: "inputs:\n  score_mode:\n    default: append\n",
			want: []string{"line 3: inputs.score_mode.default", "has a default but no type", "add type: string"}},
		{name: "integer default", yaml: "inputs:\n  n:\n    type: integer\n    default: abc\n",
			want: []string{"line 4: inputs.n.default", "not an integer", "whole number"}},
		{name: "float default for an integer", yaml: "inputs:\n  n:\n    type: integer\n    default: 1.5\n",
			want: []string{"inputs.n.default", "not an integer"}},
		{name: "boolean default", yaml: "inputs:\n  b:\n    type: boolean\n    default: maybe\n",
			want: []string{"line 4: inputs.b.default", "not a boolean", "use true or false"}},
		{name: "literal default is null", yaml: "inputs:\n  s:\n    type: string\n    default:\n",
			want: []string{"line 4: inputs.s.default: the value is missing", `quote it ("") for an empty string`}},
		{name: "input mode", yaml: "inputs:\n  d:\n    path: " + heartURL + "\n    mode: mount\n",
			want: []string{"line 4: inputs.d.mode", "unknown input mode", "use ro_mount, download"}},
		{name: "output mode", yaml: "outputs:\n  score:\n    mode: ro_mount\n",
			want: []string{"line 3: outputs.score.mode", "unknown output mode", "rw_mount or upload"}},
		{name: "output type", yaml: "outputs:\n  score:\n    type: string\n",
			want: []string{"line 3: outputs.score.type", "must be uri_folder or uri_file"}},
		{name: "output as a single value", yaml: "outputs:\n  score: azureml://datastores/workspaceblobstore/paths/x\n",
			want: []string{"line 2: outputs.score", "an output is a mapping", "outputs.score.path"}},
		{name: "output with a default", yaml: "outputs:\n  score:\n    default: x\n",
			want: []string{"line 3: outputs.score.default", `unknown key "default"`, "takes only type, path, mode"}},
		{name: "output path not on a datastore", yaml: "outputs:\n  score:\n    path: " + heartURL + "\n",
			want: []string{"line 3: outputs.score.path", "not a datastore output path", "Blob datastores"}},
		{name: "output path empty", yaml: "outputs:\n  score:\n    path: ''\n",
			want: []string{"line 3: outputs.score.path", "output path is empty", "remove path"}},
		{name: "output null", yaml: "outputs:\n  score:\n",
			want: []string{"outputs.score", "has no value", "write {} for the service's default location"}},
		{name: "tab indentation", yaml: "inputs:\n\theart_data: x\n",
			want: []string{"inputs.yml line", "YAML syntax error", "indent with spaces"}},
		{name: "two documents", yaml: "inputs: {}\n---\noutputs: {}\n",
			want: []string{"inputs.yml line", "more than one YAML document", "keep one document"}},
		{name: "file is a list", yaml: "- inputs\n",
			want: []string{"inputs.yml line 1", "not a mapping", "inputs: {heart_data:"}},
		{name: "input without value", yaml: "inputs:\n  heart_data:\n",
			want: []string{"line 2: inputs.heart_data", "has no value", "type and path"}},
		{name: "input is a list", yaml: "inputs:\n  x: [1, 2]\n",
			want: []string{"line 2: inputs.x", "can't be a list", "type and path"}},
		{name: "integer too large", yaml: "inputs:\n  x: 99999999999999999999\n",
			want: []string{"line 2: inputs.x", "does not fit in 64 bits", "quote the value"}},
		{name: "infinite number", yaml: "inputs:\n  x: .inf\n",
			want: []string{"line 2: inputs.x", "not finite", "quote the value"}},
		{name: "value does not fit its tag", yaml: "inputs:\n  x: !!int abc\n",
			want: []string{"line 2: inputs.x", "does not fit its YAML tag !!int", "remove the tag"}},
		{name: "custom tag", yaml: "inputs:\n  x: !secret abc\n",
			want: []string{"line 2: inputs.x", "!secret", "remove the tag"}},
		{name: "alias bomb", yaml: bomb,
			want: []string{"expands to more than", "without nested aliases"}},
		{name: "self-referencing alias", yaml: "inputs: &a\n  x: *a\n",
			want: []string{"inputs.x", "refers to a value that contains it", "remove the self-referencing alias"}},
		{name: "too deep", yaml: deep,
			want: []string{"nested too deeply", "at most four levels"}},
		{name: "file too large", yaml: "inputs: {}\n" + strings.Repeat("#", MaxFileSize),
			want: []string{"larger than", "--file names the right file"}},
		{name: "endpoint name", yaml: "endpoint: 1-bad_name\n",
			want: []string{"line 1: endpoint", "not a valid batch endpoint name", "3 to 32 letters"}},
		{name: "deployment is a mapping", yaml: "deployment:\n  name: x\n",
			want: []string{"line 2: deployment", "expected a single value, not a mapping", "name the batch deployment"}},
		{name: "V1 dataset", yaml: "inputs:\n  d:\n    path: " + wsID + "/datasets/heart/versions/1\n",
			want: []string{"line 3: inputs.d.path", "V1 datasets", "V2 uri_folder or uri_file data asset"}},
		{name: "http URL", yaml: "inputs:\n  d:\n    path: http://example.com/data/x\n",
			want: []string{"line 3: inputs.d.path", "plain http", "https://"}},
		{name: "asset without version", yaml: "inputs:\n  d:\n    path: azureml:heart-data\n",
			want: []string{"line 3: inputs.d.path", "no version", "azureml:<name>@latest"}},

		// ---- --set ----
		{name: "set without =", sets: []string{"inputs.heart_data.type"},
			want: []string{"--set #1 inputs.heart_data.type", "has no '='", "write key=value"}},
		{name: "set empty key", sets: []string{"name=a", "=x"},
			want: []string{"--set #2", "key before '=' is empty", "write key=value"}},
		{name: "set empty part", sets: []string{"inputs..x=1"},
			want: []string{"--set #1 inputs..x", "empty part", "single dots"}},
		{name: "set space in key", sets: []string{"inputs.x.type =string"},
			want: []string{"--set #1 inputs.x.type", `(got "inputs.x.type ")`, "space", "without spaces"}},
		{name: "set too deep", sets: []string{"a.b.c.d.e.f.g.h.i=1"},
			want: []string{"--set #1 a.b.c.d.e.f.g.h.i", "more than 8 parts", "inputs.<name>.<field>"}},
		{name: "set inputs scalar", sets: []string{"inputs=foo"},
			want: []string{"--set #1 inputs", "Unsupported 'inputs' type, it should be a dictionary", "Example: inputs.keyName=value"}},
		{name: "set outputs scalar", sets: []string{"outputs=foo"},
			want: []string{"--set #1 outputs", "Unsupported 'outputs' type, it should be a dictionary", "Example: outputs.keyName=value"}},
		{name: "set misspelt field", sets: []string{"inputs.heart_data.path=" + heartURL, "inputs.heart_data.typ=uri_folder"},
			want: []string{"--set #2 inputs.heart_data.typ", `did you mean "type"`}},
		{name: "set hyphenated name", sets: []string{"inputs.heart-data.path=" + heartURL},
			want: []string{"--set #1 inputs.heart-data.path: inputs.heart-data", "use heart_data instead"}},
		{name: "set literal without default", sets: []string{"inputs.score_mode.type=string"},
			want: []string{"--set #1 inputs.score_mode.type: inputs.score_mode", "has no default", "add default:"}},
		{name: "set integer default", sets: []string{"inputs.n.type=integer", "inputs.n.default=five"},
			want: []string{"--set #2 inputs.n.default", "not an integer", "whole number"}},
		{name: "set empty input path", sets: []string{"inputs.heart_data.type=uri_folder", "inputs.heart_data.path="},
			want: []string{"--set #2 inputs.heart_data.path", "input path is empty", "give a storage URL"}},
		{name: "set empty output path", sets: []string{"outputs.score.path="},
			want: []string{"--set #1 outputs.score.path", "output path is empty", "remove path"}},
		{name: "set missing local path", sets: []string{"inputs.d.path=./no/such/folder"},
			want: []string{"--set #1 inputs.d.path", "no file or folder", "check the path"}},
		{name: "set inside a scalar", sets: []string{"inputs.x=5", "inputs.x.type=string"},
			want: []string{"--set #2 inputs.x.type", "inputs.x is a string (from --set #1 inputs.x)", "replace the whole value with inputs.x=<value>"}},
		{name: "set inside a file scalar", yaml: "inputs:\n  x: 5\n", sets: []string{"inputs.x.path=y"},
			want: []string{"--set #1 inputs.x.path", "inputs.x is an integer (from inputs.yml line 2)", "inputs.x=<value>"}},
		{name: "mini_batch_size not a number", sets: []string{"mini_batch_size=ten"},
			want: []string{"--set #1 mini_batch_size", "not a whole number", "mini_batch_size=10"}},
		{name: "mini_batch_size zero", sets: []string{"mini_batch_size=0"},
			want: []string{"--set #1 mini_batch_size", "between 1 and", "mini_batch_size=10"}},
		{name: "instance_count not a number", sets: []string{"compute.instance_count=two"},
			want: []string{"--set #1 compute.instance_count", "not a whole number", "compute.instance_count=2"}},
		{name: "compute is a value", sets: []string{"compute=2"},
			want: []string{"--set #1 compute", "group of settings", "compute.instance_count=2"}},
		{name: "compute unknown field", sets: []string{"compute.instance_type=Standard_DS3_v2"},
			want: []string{"--set #1 compute.instance_type", `unknown key "instance_type"`, "compute takes only instance_count"}},
		{name: "error_threshold", sets: []string{"error_threshold=-2"},
			want: []string{"--set #1 error_threshold", "between -1 and", "-1 for no limit"}},
		{name: "max_retries", sets: []string{"retry_settings.max_retries=-1"},
			want: []string{"--set #1 retry_settings.max_retries", "between 0 and", "retry_settings.max_retries=3"}},
		{name: "timeout", sets: []string{"retry_settings.timeout=forever"},
			want: []string{"--set #1 retry_settings.timeout", "not a valid timeout", "PT5M"}},
		{name: "timeout zero", sets: []string{"retry_settings.timeout=0"},
			want: []string{"--set #1 retry_settings.timeout", "not a valid timeout", "more than 0"}},
		{name: "retry unknown field", sets: []string{"retry_settings.timout=3"},
			want: []string{"--set #1 retry_settings.timout", `did you mean "timeout"`, "retry_settings takes only max_retries, timeout"}},
		{name: "job_name", sets: []string{"job_name=x"},
			want: []string{"--set #1 job_name", "did you mean name?", "use inputs.<name>.<field>"}},
		{name: "experiment_name", sets: []string{"experiment_name=x"},
			want: []string{"--set #1 experiment_name", "--experiment-name", "use inputs.<name>.<field>"}},
		{name: "unknown set key", sets: []string{"mini_bach_size=3"},
			want: []string{"--set #1 mini_bach_size", `did you mean "mini_batch_size"`, "use inputs.<name>.<field>"}},
		{name: "empty name", sets: []string{"name="},
			want: []string{"--set #1 name", "name: the value is empty", "display name"}},
		{name: "endpoint with underscore", sets: []string{"endpoint=my_endpoint"},
			want: []string{"--set #1 endpoint", "not a valid batch endpoint name", "letters, digits and hyphens"}},
		{name: "output type mltable", sets: []string{"outputs.t.type=mltable"},
			want: []string{"--set #1 outputs.t.type", "uri_folder or uri_file"}},
		{name: "too many assignments", sets: manySets,
			want: []string{"more than 1000 --set assignments", "--file"}},
	}
	require.GreaterOrEqual(t, len(tests), 25)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.yaml == "" {
				_, err = FromSets(tt.sets)
			} else {
				_, err = Load([]byte(tt.yaml), "inputs.yml", tt.sets)
			}
			require.Error(t, err)
			var ve *inputs.ValidationError
			require.True(t, errors.As(err, &ve), "%T", err)
			assert.NotEmpty(t, ve.Field, "Field")
			assert.NotEmpty(t, ve.Fix, "Fix")
			if testing.Verbose() {
				t.Log(err)
			}
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestInvalidParseSet(t *testing.T) {
	for _, in := range []string{"", "noequals", "=v", ".a=1", "a.=1", "a b=1", "a\tb=1", "inputs.x\n=1", "\xff=1"} {
		_, _, err := ParseSet(in)
		var ve *inputs.ValidationError
		require.True(t, errors.As(err, &ve), "%q: %v", in, err)
		assert.True(t, strings.HasPrefix(ve.Field, "--set"), ve.Field)
		assert.NotEmpty(t, ve.Fix)
	}
}

// No error shows a SAS signature, wherever the URL appears.
func TestErrorsRedactSAS(t *testing.T) {
	cases := [][]string{
		{"outputs.score.path=" + sasURL},                                  // outputs.Parse echoes its input
		{"inputs.x.type=uri_folder", "inputs.x.path=" + sasURL + "#frag"}, // inputs rejects the fragment
		{sasURL},                      // no key at all
		{"endpoint=" + sasURL},        // not an endpoint name
		{"inputs.x.mode=" + sasURL},   // not a mode
		{"mini_batch_size=" + sasURL}, // not a number
		{"inputs.x.type=integer", "inputs.x.default=" + sasURL},
	}
	for _, sets := range cases {
		_, err := FromSets(sets)
		require.Error(t, err, sets)
		assert.NotContains(t, err.Error(), secretSig)
		assert.NotContains(t, fmt.Sprintf("%+v", err), secretSig)
	}
	_, err := Load([]byte("outputs:\n  score:\n    path: "+sasURL+"\n"), "inputs.yml", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secretSig)
}
