package wire_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

func ptr[T any](v T) *T { return &v }

// TestMarshalInvocationIsJSONMarshal: the same bytes as encoding/json, for
// every field EncodeInvocation sets, for strings that need escaping, and for
// bodies outside that shape (which take encoding/json itself).
func TestMarshalInvocationIsJSONMarshal(t *testing.T) {
	odd := "a\"b\\c\n\r\t\b\f\x00\x1f\x7f<>&é\u2028\u2029\xff\xc3(😀"
	tests := []struct {
		name string
		body wire.BatchJobResource
	}{
		{"empty", wire.BatchJobResource{}},
		{"single input", wire.BatchJobResource{Properties: wire.BatchJob{InputData: map[string]wire.JobInput{"UriFolder": {URI: "https://x.blob.core.windows.net/c/d?sv=1&sig=2", JobInputType: "UriFolder"}}}}},
		{"every field", wire.BatchJobResource{Properties: wire.BatchJob{
			Compute:        &wire.Compute{InstanceCount: ptr[int32](2), IsLocal: ptr(true)},
			Description:    "nightly scoring",
			ErrorThreshold: ptr[int32](-1),
			InputData: map[string]wire.JobInput{
				"b": {URI: "azureml://datastores/ws/paths/x", Mode: "ReadOnlyMount", JobInputType: "UriFolder"},
				"a": {Value: ptr("5"), JobInputType: "Literal"},
				"c": {JobInputType: "UriFile"},
			},
			MiniBatchSize: ptr[int64](1 << 40),
			Name:          "my-job-1",
			OutputData: map[string]wire.JobOutput{
				"score": {URI: "azureml://datastores/ws/paths/out", Mode: "Upload", JobOutputType: "UriFile"},
				"other": {JobOutputType: "UriFolder"},
			},
			OutputFileName: "predictions.csv",
			Properties:     map[string]string{"experimentName": "e", "batch": "42"},
			RetrySettings:  &wire.RetrySettings{MaxRetries: ptr[int32](3), Timeout: "PT30S"},
			Tags:           map[string]string{"z": "1", "A": "2", "azmlbatch.repeatability-id": "3f2b1c1e"},
		}}},
		{"empty compute and retry settings", wire.BatchJobResource{Properties: wire.BatchJob{Compute: &wire.Compute{}, RetrySettings: &wire.RetrySettings{}}}},
		{"compute without instance count", wire.BatchJobResource{Properties: wire.BatchJob{Compute: &wire.Compute{IsLocal: ptr(false)}}}},
		{"retry timeout only", wire.BatchJobResource{Properties: wire.BatchJob{RetrySettings: &wire.RetrySettings{Timeout: "PT1M"}}}},
		{"empty maps", wire.BatchJobResource{Properties: wire.BatchJob{InputData: map[string]wire.JobInput{}, Tags: map[string]string{}, Properties: map[string]string{}}}},
		{"escaping", wire.BatchJobResource{Properties: wire.BatchJob{Description: odd, Name: odd, OutputFileName: odd,
			InputData:  map[string]wire.JobInput{odd: {URI: odd, Mode: odd, Value: &odd, JobInputType: odd}},
			OutputData: map[string]wire.JobOutput{odd: {URI: odd, Mode: odd, JobOutputType: odd}},
			Tags:       map[string]string{odd: odd, "<": "&"}, Properties: map[string]string{odd: odd},
			RetrySettings: &wire.RetrySettings{Timeout: odd}}}},
		{"a service answer (encoding/json)", wire.BatchJobResource{ID: "id", Name: "n", Properties: wire.BatchJob{Status: "Running", Compute: &wire.Compute{Target: "local"},
			InputData: map[string]wire.JobInput{"x": {Description: ptr("d"), JobInputType: "UriFile"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(&tt.body)
			require.NoError(t, err)
			got, err := wire.MarshalInvocation(&tt.body)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		})
	}
}

// TestMarshalInvocationGoldens: batchendpoint's golden invoke bodies, read
// through the wire types, come out of MarshalInvocation as from encoding/json.
func TestMarshalInvocationGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "batchendpoint", "testdata", "golden", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			var r wire.BatchJobResource
			require.NoError(t, json.Unmarshal(b, &r))
			want, err := json.Marshal(&r)
			require.NoError(t, err)
			got, err := wire.MarshalInvocation(&r)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		})
	}
}

func FuzzMarshalInvocation(f *testing.F) {
	f.Add("k", "https://x/y?a=1&b=<2>", "ReadOnlyMount", "v", "d", int64(3), true)
	f.Add("\xff", "\u2028", "\x00", "\"\\", strings.Repeat("é", 3), int64(-1), false)
	f.Fuzz(func(t *testing.T, key, uri, mode, value, desc string, n int64, flag bool) {
		body := wire.BatchJobResource{Properties: wire.BatchJob{
			Description: desc, Name: value, OutputFileName: mode, MiniBatchSize: &n,
			InputData:  map[string]wire.JobInput{key: {URI: uri, Mode: mode, JobInputType: "UriFolder"}, value: {Value: &uri, JobInputType: "Literal"}},
			OutputData: map[string]wire.JobOutput{key: {URI: uri, JobOutputType: mode}},
			Tags:       map[string]string{key: value, uri: desc}, Properties: map[string]string{mode: key},
		}}
		if flag {
			i := int32(n)
			body.Properties.Compute = &wire.Compute{InstanceCount: &i, IsLocal: &flag}
			body.Properties.RetrySettings = &wire.RetrySettings{MaxRetries: &i, Timeout: desc}
		}
		want, err := json.Marshal(&body)
		require.NoError(t, err)
		got, err := wire.MarshalInvocation(&body)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}

func TestKindTypeIsNormalizeInputType(t *testing.T) {
	for _, k := range []inputs.Kind{inputs.KindURIFolder, inputs.KindURIFile, inputs.KindMLTable, inputs.KindMLFlowModel, inputs.KindCustomModel, inputs.KindTritonModel, inputs.KindString, "Uri_Folder", "UriFile", ""} {
		body, err := wire.EncodeInvocation(&wire.Invocation{Input: inputs.StorageURL("https://x.blob.core.windows.net/c/d")}, armid.Workspace{}, map[string]wire.Resolved{"": {URI: "https://x.blob.core.windows.net/c/d", Kind: k}})
		require.NoError(t, err)
		require.Len(t, body.Properties.InputData, 1)
		for _, in := range body.Properties.InputData {
			require.Equal(t, wire.NormalizeInputType(string(k)), in.JobInputType, string(k))
		}
	}
}
