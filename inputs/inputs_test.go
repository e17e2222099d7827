package inputs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

const sasURL = "https://acct.blob.core.windows.net/data/heart?sv=2022-11-02&ss=b&sp=rl&se=2030-01-01&sig=AbCdEf%2BSECRETsig%3D"

func TestStorageURLNeverShowsSignature(t *testing.T) {
	in := inputs.StorageURL(sasURL)
	wrapped := struct {
		A inputs.StorageURLInput
		B inputs.Input
		C []inputs.Input
		D map[string]inputs.Input
	}{in, in, []inputs.Input{in}, map[string]inputs.Input{"x": in}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		for _, v := range []any{in, &in, wrapped, inputs.Input(in)} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "SECRET", "%s of %T", verb, v)
			assert.NotContains(t, out, "AbCdEf", "%s of %T", verb, v)
		}
	}
	assert.Contains(t, in.String(), "sig=REDACTED")
	assert.Equal(t, sasURL, in.URL(), "the real URL is still available to send")
	assert.True(t, in.HasSAS())

	// errors about a SAS URL are redacted too
	bad := []inputs.StorageURLInput{
		inputs.StorageURL("http://acct.blob.core.windows.net/data/heart?sig=AbCdEf%2BSECRETsig%3D"),
		inputs.StorageURL("https://acct.blob.core.windows.net/?sig=AbCdEf%2BSECRETsig%3D"),
		inputs.StorageURL(sasURL + "#frag"),
		inputs.StorageURL(sasURL).WithMode("bogus"),
	}
	for _, b := range bad {
		err := b.Validate()
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "SECRET")
		assert.NotContains(t, fmt.Sprintf("%+v", err), "SECRET")
	}
	_, err := inputs.Parse("wasbs://c@acct.blob.core.windows.net/x?sig=AbCdEf%2BSECRETsig%3D", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET")
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "heart.csv")
	require.NoError(t, os.WriteFile(file, []byte("a,b\n1,2\n"), 0o600))
	wsID := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
	cases := []struct {
		in   string
		opts *inputs.ParseOptions
		typ  string
		kind inputs.Kind
		str  string
	}{
		{"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data", nil, "inputs.StorageURLInput", inputs.KindURIFolder, ""},
		{"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/heart.csv", &inputs.ParseOptions{Type: inputs.KindURIFile}, "inputs.StorageURLInput", inputs.KindURIFile, ""},
		{"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled", nil, "inputs.DatastoreInput", inputs.KindURIFolder, ""},
		{"azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/a/b.csv", &inputs.ParseOptions{Type: "uri_file"}, "inputs.DatastoreInput", inputs.KindURIFile, ""},
		{wsID + "/datastores/workspaceblobstore/paths/heart", nil, "inputs.DatastoreInput", inputs.KindURIFolder, ""},
		{wsID + "/data/heart-data/versions/1", nil, "inputs.DataAssetInput", inputs.KindURIFolder, ""},
		{"azureml:heart-data:1", nil, "inputs.DataAssetInput", inputs.KindURIFolder, "azureml:heart-data:1"},
		{"azureml:heart-data@latest", nil, "inputs.DataAssetInput", inputs.KindURIFolder, "azureml:heart-data@latest"},
		{"azureml:http-data:2", nil, "inputs.DataAssetInput", inputs.KindURIFolder, "azureml:http-data:2"},
		{"httpdata:2", nil, "inputs.DataAssetInput", inputs.KindURIFolder, "azureml:httpdata:2"},
		{"azureml://locations/westeurope/workspaces/ws/data/heart-data/versions/labels/latest", nil, "inputs.DataAssetInput", inputs.KindURIFolder, ""},
		{"azureml://registries/shared/data/heart-data/versions/4", nil, "inputs.DataAssetInput", inputs.KindURIFolder, ""},
		{"azureml://registries/azureml/models/bert/versions/2", &inputs.ParseOptions{Type: inputs.KindMLFlowModel}, "inputs.ModelInput", inputs.KindMLFlowModel, ""},
		{"azureml:my-model:3", &inputs.ParseOptions{Type: inputs.KindCustomModel}, "inputs.ModelInput", inputs.KindCustomModel, ""},
		{"append", &inputs.ParseOptions{Type: inputs.KindString}, "inputs.LiteralInput", inputs.KindString, "append"},
		{"TRUE", &inputs.ParseOptions{Type: inputs.KindBoolean}, "inputs.LiteralInput", inputs.KindBoolean, "True"},
		{"1e-5", &inputs.ParseOptions{Type: "float"}, "inputs.LiteralInput", inputs.KindNumber, "1e-05"},
		{"42", &inputs.ParseOptions{Type: inputs.KindInteger}, "inputs.LiteralInput", inputs.KindInteger, "42"},
		{file, nil, "inputs.LocalPathInput", inputs.KindURIFile, file},
		{dir, nil, "inputs.LocalPathInput", inputs.KindURIFolder, dir},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			in, err := inputs.Parse(c.in, c.opts)
			require.NoError(t, err)
			assert.Equal(t, c.typ, fmt.Sprintf("%T", in))
			assert.Equal(t, c.kind, in.Kind())
			if c.str != "" {
				assert.Equal(t, c.str, in.String())
			}
			assert.NoError(t, in.Validate())
		})
	}
}

func TestPythonFloat(t *testing.T) {
	cases := map[float64]string{0.5: "0.5", 1: "1.0", 1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001", 0.00001: "1e-05", -2.25: "-2.25", 0: "0.0", 123456789.125: "123456789.125"}
	for f, want := range cases {
		assert.Equal(t, want, inputs.Float(f).Value(), "%v", f) // the value sent, formatted as Python's repr(float)
	}
}

// TestAccessorsKeepRealValues: redaction is for display; what is sent stays intact.
func TestAccessorsKeepRealValues(t *testing.T) {
	assert.Equal(t, sasURL, inputs.CustomModel(sasURL).Ref())
	assert.Equal(t, sasURL, inputs.StorageURL(sasURL).URL())
	assert.NotContains(t, inputs.CustomModel(sasURL).String(), "SECRET")
	assert.NotContains(t, fmt.Sprintf("%d", inputs.CustomModel(sasURL)), "SECRET")
	p := "/tmp/x?sig=SECRET"
	assert.Equal(t, p, inputs.LocalPath(p).Path())
	assert.NotContains(t, fmt.Sprintf("%v %#v", inputs.LocalPath(p), inputs.LocalPath(p)), "SECRET")
}

func TestDataAssetKinds(t *testing.T) {
	tests := []struct {
		name    string
		in      inputs.DataAssetInput
		kind    inputs.Kind
		kindSet bool
	}{
		{name: "default", in: inputs.DataAsset("heart", "1"), kind: inputs.KindURIFolder},
		{name: "file", in: inputs.DataAsset("heart", "1").File(), kind: inputs.KindURIFile, kindSet: true},
		{name: "folder", in: inputs.DataAsset("heart", "latest").Folder(), kind: inputs.KindURIFolder, kindSet: true},
		{name: "table", in: inputs.DataAsset("heart", "1").Table(), kind: inputs.KindMLTable, kindSet: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.in.Validate(), "an MLTable asset is valid on its own; the deployment decides")
			assert.Equal(t, tc.kind, tc.in.Kind())
			assert.Equal(t, tc.kindSet, tc.in.KindSet())
		})
	}
}
