package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got, "differs from %s (go test -run %s -update rewrites it)", path, t.Name())
}

// isolate clears the environment the command line reads, so goldens don't
// depend on the machine.
func isolate(t *testing.T) {
	for _, k := range []string{"AZURE_SUBSCRIPTION_ID", "AZURE_DEFAULTS_GROUP", "AZURE_RESOURCE_GROUP", "AZURE_DEFAULTS_WORKSPACE",
		"AZUREML_WORKSPACE_NAME", "AZMLBATCH_LOCAL", "AZMLBATCH_EMULATOR"} {
		t.Setenv(k, "")
	}
	t.Setenv("AZURE_CONFIG_DIR", t.TempDir())
}

// commandPaths lists every command of the tree, root first.
func commandPaths(c *cobra.Command, prefix []string) [][]string {
	out := [][]string{prefix}
	for _, s := range c.Commands() {
		if s.Name() == "help" {
			continue
		}
		out = append(out, commandPaths(s, append(append([]string(nil), prefix...), s.Name()))...)
	}
	return out
}

func TestHelpGolden(t *testing.T) {
	isolate(t)
	paths := commandPaths((&app{}).rootCommand(), nil)
	require.GreaterOrEqual(t, len(paths), 22, "root, 5 groups and 16 commands")
	for _, p := range paths {
		name := strings.Join(append([]string{"azmlbatch"}, p...), "_")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append(append([]string(nil), p...), "--help"), &stdout, &stderr)
			assert.Equal(t, 0, code)
			assert.Empty(t, stderr.String())
			golden(t, filepath.Join("help", name+".txt"), stdout.String())
		})
	}
}

// TestErrorGolden runs wrong command lines: each exits 2 with a message that
// names the flag, opens no workspace and prints nothing on stdout.
func TestErrorGolden(t *testing.T) {
	const url = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
	inv := func(args ...string) []string { return append([]string{"batch-endpoint", "invoke"}, args...) }
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown command", []string{"foo"}, nil},
		{"unknown subcommand", []string{"job", "foo"}, nil},
		{"misspelled subcommand", []string{"batch-endpoint", "invok", "-n", "e"}, nil},
		{"unknown flag", []string{"job", "show", "-n", "x", "--bogus"}, nil},
		{"unknown shorthand", []string{"job", "show", "-n", "x", "-z"}, nil},
		{"job show without -n", []string{"job", "show"}, nil},
		{"job wait without -n", []string{"job", "wait"}, nil},
		{"batch-endpoint show without -n", []string{"batch-endpoint", "show"}, nil},
		{"batch-deployment show without -n -e", []string{"batch-deployment", "show"}, nil},
		{"batch-deployment list without -e", []string{"batch-deployment", "list"}, nil},
		{"data create without -f", []string{"data", "create"}, nil},
		{"data create missing file", []string{"data", "create", "-f", "/nonexistent/heart-data.yml"}, nil},
		{"bad -o", []string{"job", "show", "-n", "x", "-o", "xml"}, nil},
		{"-o without value", []string{"job", "show", "-n", "x", "-o"}, nil},
		{"bad --query", []string{"job", "show", "-n", "x", "--query", "[.name"}, nil},
		{"emulator and local", []string{"job", "show", "-n", "x", "--emulator", "--local", "ws.json"}, nil},
		{"bad AZMLBATCH_EMULATOR", []string{"job", "show", "-n", "x"}, map[string]string{"AZMLBATCH_EMULATOR": "maybe"}},
		{"no workspace", []string{"job", "show", "-n", "x"}, nil},
		{"local file missing", []string{"job", "show", "-n", "x", "--local", "/nonexistent/workspace.json"}, nil},
		{"data show version and label", []string{"data", "show", "-n", "heart-data", "-v", "1", "-l", "latest"}, nil},
		{"data show neither version nor label", []string{"data", "show", "-n", "heart-data"}, nil},
		{"data show unknown label", []string{"data", "show", "-n", "heart-data", "--label", "prod"}, nil},
		{"job download all and output-name", []string{"job", "download", "-n", "x", "--all", "--output-name", "score"}, nil},
		{"list-jobs bad max-results", []string{"batch-endpoint", "list-jobs", "-n", "e", "--max-results", "many"}, nil},
		{"invoke without -n", inv("--input", url), nil},
		{"invoke bad endpoint name", inv("-n", "1abc", "--input", url), nil},
		{"show bad endpoint name", []string{"batch-endpoint", "show", "-n", "a_b"}, nil},
		{"invoke bad deployment name", inv("-n", "heart-classifier", "-d", "my deployment", "--input", url), nil},
		{"invoke stray argument", inv("-n", "heart-classifier", "now"), nil},
		{"invoke --set without =", inv("-n", "heart-classifier", "--set", "mini_batch_size"), nil},
		{"invoke --set unknown key", inv("-n", "heart-classifier", "--input", url, "--set", "job_name=x"), nil},
		{"invoke --set without value", inv("-n", "heart-classifier", "--input", url, "--set"), nil},
		{"invoke --set hyphen in input name", inv("-n", "heart-classifier", "--set", "inputs.heart-data.type=uri_folder", "inputs.heart-data.path="+url), nil},
		{"invoke --set bad integer", inv("-n", "heart-classifier", "--input", url, "--set", "mini_batch_size=ten"), nil},
		{"invoke --mini-batch-size not a number", inv("-n", "heart-classifier", "--input", url, "--mini-batch-size", "ten"), nil},
		{"invoke --instance-count zero", inv("-n", "heart-classifier", "--input", url, "-c", "0"), nil},
		{"invoke --instance-count above int32", inv("-n", "heart-classifier", "--input", url, "--instance-count", "2147483648"), nil},
		{"invoke --input-type without --input", inv("-n", "heart-classifier", "--input-type", "uri_file"), nil},
		{"invoke bad --input-type", inv("-n", "heart-classifier", "--input", url, "--input-type", "uri_foldr"), nil},
		{"invoke --input and --set inputs", inv("-n", "heart-classifier", "--input", url, "--set", "inputs.x.type=string", "inputs.x.default=v"), nil},
		{"invoke --output-path not azureml", inv("-n", "heart-classifier", "--input", url, "--output-path", "https://x/y"), nil},
		{"invoke --download without --wait", inv("-n", "heart-classifier", "--input", url, "--download", "out"), nil},
		{"invoke --file and --inputs", inv("-n", "heart-classifier", "--file", "inputs.yml", "--inputs", "{}"), nil},
		{"invoke --inputs not JSON", inv("-n", "heart-classifier", "--inputs", "heart_data=x"), nil},
		{"invoke --file missing", inv("-n", "heart-classifier", "--file", "/nonexistent/inputs.yml"), nil},
		{"invoke storage URL with password", inv("-n", "heart-classifier", "--input", "https://user:hunter2@acct.blob.core.windows.net/c/p"), nil},
		{"invoke bad experiment name", inv("-n", "heart-classifier", "-d", "pipe-dep", "--set", "inputs.x.type=string", "inputs.x.default=v", "--experiment-name", "a/b"), nil},
		{"invoke job name with line break", inv("-n", "heart-classifier", "--input", url, "--job-name", "two\nlines"), nil},
	}
	require.GreaterOrEqual(t, len(tests), 30)
	opened := 0
	restore := openWorkspace
	openWorkspace = func(ctx context.Context, g globals, progress io.Writer) (*workspace, error) {
		opened++
		return restore(ctx, g, progress)
	}
	t.Cleanup(func() { openWorkspace = restore })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opened = 0
			var stdout, stderr bytes.Buffer
			code := run(ctx, tc.args, &stdout, &stderr)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout.String())
			assert.NotContains(t, stderr.String(), "hunter2")
			if tc.name != "no workspace" && tc.name != "local file missing" {
				assert.Zero(t, opened, "a workspace was opened")
			}
			name := strings.NewReplacer(" ", "_", "/", "_").Replace(tc.name)
			golden(t, filepath.Join("errors", name+".txt"),
				fmt.Sprintf("$ azmlbatch %s\nexit %d\n%s", quoteArgs(tc.args), code, stderr.String()))
		})
	}
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$[]{}") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
