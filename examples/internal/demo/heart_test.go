package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

func TestGenerateHeartDataIsDeterministic(t *testing.T) {
	a, err := GenerateHeartData(t.TempDir(), 0, 0)
	require.NoError(t, err)
	b, err := GenerateHeartData(t.TempDir(), 0, 0)
	require.NoError(t, err)
	require.Len(t, a, DefaultFiles)
	for i := range a {
		x, _ := os.ReadFile(a[i])
		y, _ := os.ReadFile(b[i])
		assert.Equal(t, string(x), string(y))
		assert.Equal(t, DefaultRowsPerFile+1, strings.Count(string(x), "\n"), "header + rows")
		assert.Equal(t, filepath.Base(a[i]), filepath.Base(b[i]))
	}
}

func TestScores(t *testing.T) {
	dir := t.TempDir()
	files, err := GenerateHeartData(filepath.Join(dir, "in"), 2, 10)
	require.NoError(t, err)
	rows, err := ModelScore(context.Background(), emulator.MiniBatch{Files: files})
	require.NoError(t, err)
	require.Len(t, rows, 20)
	model := filepath.Join(dir, "model.csv")
	require.NoError(t, os.WriteFile(model, []byte(strings.Join(rows, "\n")+"\n"), 0o644))
	want, err := Summarize(model)
	require.NoError(t, err)
	require.Equal(t, 20, want.Rows)

	lit := func(kv ...string) map[string]emulator.PipelineInput {
		m := map[string]emulator.PipelineInput{"heart_data": {Type: "UriFolder", Path: filepath.Join(dir, "in")}}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = emulator.PipelineInput{Type: "Literal", Value: kv[i+1]}
		}
		return m
	}
	tests := []struct {
		name      string
		inputs    map[string]emulator.PipelineInput
		header    string // first line prefix
		same      bool   // same labels as the model deployment
		wantError string
	}{
		{name: "defaults", inputs: lit(), header: "age,sex", same: true},
		{name: "append", inputs: lit("score_mode", "append"), header: "age,sex", same: true},
		{name: "replace without header", inputs: lit("score_mode", "replace", "header", "False"), header: "heart-01.csv,0,", same: true},
		{name: "threshold 1 labels nothing", inputs: lit("threshold", "1"), header: "age,sex"},
		{name: "bad mode", inputs: lit("score_mode", "overwrite"), wantError: "score_mode must be append or replace"},
		{name: "bad decimals", inputs: lit("decimals", "x"), wantError: "decimals"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out", string(rune('a'+i))+".csv")
			require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
			err := PipelineScore(context.Background(), &emulator.PipelineRun{Inputs: tc.inputs, Outputs: map[string]string{"score": out}})
			if tc.wantError != "" {
				var je *emulator.JobError
				require.ErrorAs(t, err, &je)
				assert.Contains(t, je.Message, tc.wantError)
				return
			}
			require.NoError(t, err)
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(b), tc.header), string(b[:40]))
			got, err := Summarize(out)
			require.NoError(t, err)
			assert.Equal(t, 20, got.Rows)
			if tc.same {
				assert.Equal(t, want, got)
			} else {
				assert.Equal(t, map[string]int{"0": 20}, got.Labels)
			}
		})
	}
}

func TestSummaryString(t *testing.T) {
	assert.Equal(t, "3 rows: 0=1 1=2", Summary{Rows: 3, Labels: map[string]int{"1": 2, "0": 1}}.String())
}
