package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// TestMain shares one Azurite across the tests, removes the binaries built
// for them, and fails the run if any goroutine is left behind.
func TestMain(m *testing.M) {
	code := fake.RunTests(m)
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// goName matches Go API names that must not reach a command-line user.
var goName = regexp.MustCompile(`\b[A-Z][A-Za-z]*\(\)|\b(InvokeRequest|JobSettings|Settings\.\w+|Input|Inputs|ExperimentName|JobName|DeploymentKind\w*|InvokeOptions)\b|\binputs\.[A-Z]|\boutputs\.[A-Z]|time\.Second`)

// badRow is one bad invocation. Exactly one of req, yaml/sets, args is used:
//   - req: a library value sent with Client.Invoke to endpoint (default "heart-classifier");
//   - yaml (a file written to a temp dir, read by LoadInvokeFile) and/or sets
//     (--set assignments; ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: sets}) when there is no yaml),
//     the resulting request then sent with Invoke;
//   - args: the azmlbatch command line, run in-process.
type badRow struct {
	name     string
	endpoint string
	req      *batchendpoint.InvokeRequest
	yaml     *string
	sets     []string
	args     []string
	field    string // substring of ValidationError.Field (or of the CLI message)
	line     int    // the file line the error names, 0 when none
	fix      string // CLI rows: substring of the advice
	requests int    // requests that reach the emulator (0: found offline)
	code     int    // CLI rows: the exit code; 0 means 2 (usage: invalid offline)
}

func str(s string) *string { return &s }

const goodURL = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"

func badRows() []badRow {
	var rows []badRow
	lib := func(name, field string, r batchendpoint.InvokeRequest) {
		rows = append(rows, badRow{name: "lib/" + name, req: &r, field: field})
	}
	yml := func(name, field string, line int, y string) {
		rows = append(rows, badRow{name: "yaml/" + name, yaml: str(y), field: field, line: line})
	}
	set := func(name, field string, sets ...string) {
		rows = append(rows, badRow{name: "set/" + name, sets: sets, field: field})
	}
	cli := func(name, flag, fix string, args ...string) {
		rows = append(rows, badRow{name: "cli/" + name, args: args, field: flag, fix: fix})
	}
	in := inputs.StorageURL(goodURL)
	withIn := func(r batchendpoint.InvokeRequest) batchendpoint.InvokeRequest { r.Input = in; return r }

	// Item 1 / 10: job names (display name) with control characters, outer spaces, too long.
	for i, jn := range []string{"a\nb", "a\rb", "tab\tname", "nul\x00", " lead", "trail ", "   ", strings.Repeat("x", 256), "line\u2028sep", "zero\u200bwidth", "bell\a"} {
		lib(fmt.Sprintf("job name %d %q", i, jn), "JobName", withIn(batchendpoint.InvokeRequest{JobName: jn}))
		set(fmt.Sprintf("job name %d", i), "--set #3 name", "inputs.x.type=uri_folder", "inputs.x.path="+goodURL, "name="+jn)
		if !strings.ContainsRune(jn, 0) { // exec-style argv cannot carry NUL
			cli(fmt.Sprintf("job name %d", i), "--job-name", "", "-n", "heart-classifier", "--input", goodURL, "--job-name", jn)
		}
	}
	// Experiment names: '/', spaces, '!', leading '-', too long, non-ASCII.
	for i, en := range []string{"a/b", "my experiment", "wow!", "-lead", "_lead", strings.Repeat("e", 256), "exp\n", "ünï", "a.b", "a:b"} {
		lib(fmt.Sprintf("experiment %d %q", i, en), "ExperimentName", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"x": inputs.String("v")}, ExperimentName: en})
		cli(fmt.Sprintf("experiment %d", i), "--experiment-name", "", "-n", "heart-classifier", "-d", "pipe-dep", "--set", "inputs.x.type=string", "inputs.x.default=v", "--experiment-name", en)
	}
	// Endpoint names (3-32, letters/digits/'-', starts with a letter, no trailing '-').
	for i, ep := range []string{"ab", strings.Repeat("e", 33), "1abc", "abc-", "a_bc", "ab c", "a/b/c", "abc?x", "ab%2F", "abc\n", "../etc"} {
		rows = append(rows, badRow{name: fmt.Sprintf("lib/endpoint %d %q", i, ep), endpoint: ep, req: ptr(withIn(batchendpoint.InvokeRequest{})), field: "endpoint"})
		cli(fmt.Sprintf("endpoint %d", i), "--name/-n", "az ml batch-endpoint list", "-n", ep, "--input", goodURL)
	}
	// Deployment names: same rule; end up in a URL path and a header.
	for i, dep := range []string{"ab", "my deployment", "dep/../x", "dep\r\nX-Evil: 1", "dep_1", "-dep", "dep-", strings.Repeat("d", 33), "dep?x=1", "dép"} {
		lib(fmt.Sprintf("deployment %d %q", i, dep), "Deployment", withIn(batchendpoint.InvokeRequest{Deployment: dep}))
		cli(fmt.Sprintf("deployment %d", i), "--deployment-name/-d", "batch-deployment list", "-n", "heart-classifier", "-d", dep, "--input", goodURL)
	}
	yml("deployment key", "deployment", 1, "deployment: my_dep\ninputs:\n  x: {type: uri_folder, path: "+goodURL+"}\n")
	yml("deployment key line 3", "deployment", 3, "inputs:\n  x: {type: uri_folder, path: "+goodURL+"}\ndeployment: ab\n")
	// Storage URLs: user info (password never echoed), schemes, services, spaces, ports.
	for i, u := range []string{
		"https://user:hunter2@acct.blob.core.windows.net/c/p",
		"https://user@acct.blob.core.windows.net/c/p",
		"ftp://acct.blob.core.windows.net/c/p",
		"file:///etc/passwd",
		"http://acct.blob.core.windows.net/c/p",
		"wasbs://c@acct.blob.core.windows.net/p",
		"abfss://fs@acct.dfs.core.windows.net/p",
		"https://acct.file.core.windows.net/share/p",
		"https://acct.queue.core.windows.net/q",
		"https://acct.blob.core.windows.net/c/with space",
		"https://acct.blob.core.windows.net/c/p\nq",
		"https://acct.blob.core.windows.net:99999/c/p",
		"https://acct.blob.core.windows.net/",
		"https://acct.blob.core.windows.net/c/p#frag",
		"https:///c/p",
	} {
		lib(fmt.Sprintf("storage url %d", i), "Input", batchendpoint.InvokeRequest{Input: inputs.StorageURL(u)})
		set(fmt.Sprintf("storage url %d", i), "--set #2 inputs.x.path", "inputs.x.type=uri_folder", "inputs.x.path="+u)
		yml(fmt.Sprintf("storage url %d", i), "inputs.x", 4, fmt.Sprintf("inputs:\n  x:\n    type: uri_folder\n    path: %q\n", u))
		cli(fmt.Sprintf("storage url %d", i), "--input", "", "-n", "heart-classifier", "--input", u)
	}
	// Data asset names and versions; datastore names and paths.
	for i, r := range []struct{ name, version string }{{"-bad", "1"}, {"a b", "1"}, {"ok", "v/1"}, {"ok", strings.Repeat("9", 51)}, {"ok", ""}, {"", "1"}, {"na\nme", "1"}} {
		lib(fmt.Sprintf("data asset %d", i), "Input", batchendpoint.InvokeRequest{Input: inputs.DataAsset(r.name, r.version)})
	}
	for i, r := range []struct{ ds, path string }{{"work-space", "p"}, {"", "p"}, {"ds", ""}, {"ds", "../up"}, {"ds", "a?b"}, {"ds", "a\nb"}, {"ds", `a\b`}} {
		lib(fmt.Sprintf("datastore input %d", i), "Input", batchendpoint.InvokeRequest{Input: inputs.Datastore(r.ds, r.path)})
		lib(fmt.Sprintf("datastore output %d", i), "outputs.o", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore(r.ds, r.path)}}))
	}
	// Input and output names (letters, digits, '_'; no leading digit; case-insensitive collisions).
	for i, n := range []string{"heart-data", "1st", "a b", "", "x.y", "ünï"} {
		lib(fmt.Sprintf("input name %d", i), "inputs.", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{n: inputs.String("v")}})
		lib(fmt.Sprintf("output name %d", i), "outputs.", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{n: outputs.Default()}}))
	}
	lib("names collide", "inputs.", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"Score": inputs.String("a"), "score": inputs.String("b")}})
	set("input name hyphen", "--set #1", "inputs.heart-data.type=uri_folder", "inputs.heart-data.path="+goodURL)
	// Integer settings: ranges, no wrap-around above int32/int64.
	i64 := func(v int64) *int64 { return &v }
	i32 := func(v int32) *int32 { return &v }
	d := func(v time.Duration) *time.Duration { return &v }
	for name, s := range map[string]*batchendpoint.JobSettings{
		"mini batch 0": {MiniBatchSize: i64(0)}, "mini batch -1": {MiniBatchSize: i64(-1)}, "instances 0": {InstanceCount: i32(0)},
		"error threshold -2": {ErrorThreshold: i32(-2)}, "max retries -1": {MaxRetries: i32(-1)}, "timeout 0": {RetryTimeout: d(0)},
		"output file with slash": {OutputFileName: "a/b.csv"}, "output file ..": {OutputFileName: ".."},
	} {
		lib("settings "+name, "Settings.", withIn(batchendpoint.InvokeRequest{Settings: s}))
	}
	for i, s := range []string{"mini_batch_size=0", "mini_batch_size=-5", "mini_batch_size=9223372036854775808", "mini_batch_size=ten", "mini_batch_size=1.5",
		"compute.instance_count=0", "compute.instance_count=2147483648", "compute.instance_count=99999999999999999999",
		"error_threshold=-2", "error_threshold=2147483648", "retry_settings.max_retries=-1", "retry_settings.max_retries=4294967296",
		"retry_settings.timeout=0", "retry_settings.timeout=forever", "output_file_name=a/b.csv"} {
		key, _, _ := strings.Cut(s, "=")
		set(fmt.Sprintf("setting %d %s", i, s), "--set #3 "+key, "inputs.x.type=uri_folder", "inputs.x.path="+goodURL, s)
		cli(fmt.Sprintf("setting %d %s", i, s), "--set #1 "+key, "", "-n", "heart-classifier", "--input", goodURL, "--set", s)
	}
	for i, v := range []string{"0", "-1", "ten", "9223372036854775808", "1.5", ""} {
		cli(fmt.Sprintf("mini-batch-size %d %q", i, v), "mini-batch-size", "", "-n", "heart-classifier", "--input", goodURL, "--mini-batch-size", v)
		cli(fmt.Sprintf("instance-count %d %q", i, v), "instance-count", "", "-n", "heart-classifier", "--input", goodURL, "-c", v)
	}
	cli("instance-count above int32", "instance-count", "1 to 2147483647", "-n", "heart-classifier", "--input", goodURL, "--instance-count", "2147483648")
	// YAML files: empty, no inputs, syntax errors on the right line, wrong keys.
	yml("empty file", "inputs", 0, "")
	yml("comment only", "inputs", 0, "# nothing here\n")
	yml("no inputs", "inputs", 0, "outputs:\n  score: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/o.csv}\n")
	yml("empty inputs", "inputs", 0, "inputs: {}\n")
	yml("misindented key line 4", "line 4", 4, "inputs:\n  heart_data:\n    type: uri_folder\n   path: x\n")
	yml("over-indented key line 4", "line 4", 4, "inputs:\n  heart_data:\n    type: uri_folder\n      path: x\n")
	yml("misindented key line 6", "line 6", 6, "inputs:\n  a:\n    type: uri_folder\n    path: "+goodURL+"\n  b:\n type: string\n")
	yml("tab line 3", "line 3", 3, "inputs:\n  a:\n\ttype: uri_folder\n")
	yml("unclosed flow line 2", "line 2", 2, "inputs:\n  a: {type: uri_folder, path: x\n")
	yml("duplicate key line 4", "line 4", 4, "inputs:\n  a: {type: string, default: x}\noutputs: {}\ninputs: {}\n")
	yml("unknown key line 2", "line 2", 2, "inputs:\n  a: {type: string, default: x, pth: y}\n")
	yml("mini_batch_size in file", "line 3", 3, "inputs:\n  a: {type: string, default: x}\nmini_batch_size: 0\n")
	yml("bad type line 3", "line 3", 3, "inputs:\n  a:\n    type: uri_foldr\n    path: "+goodURL+"\n")
	yml("mltable on a storage URL line 4", "line 4", 4, "inputs:\n  a:\n    type: mltable\n    path: "+goodURL+"\n")
	yml("output on url line 4", "line 4", 4, "inputs:\n  a: {type: string, default: x}\noutputs:\n  o: {type: uri_file, path: "+goodURL+"}\n")
	yml("literal wrong type line 4", "line 4", 4, "inputs:\n  a:\n    type: integer\n    default: abc\n")
	yml("two documents line 2", "line 2", 2, "inputs: {a: {type: string, default: x}}\n---\ninputs: {}\n")
	yml("endpoint key line 1", "endpoint", 1, "endpoint: a_b\ninputs: {a: {type: string, default: x}}\n")
	// Request shape.
	lib("both Input and Inputs", "Input", batchendpoint.InvokeRequest{Input: in, Inputs: map[string]inputs.Input{"x": in}})
	lib("nil input in Inputs", "inputs.x", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"x": nil}})
	lib("literal as single Input", "Input", batchendpoint.InvokeRequest{Input: inputs.String("v")})
	lib("unknown deployment kind", "DeploymentKind", batchendpoint.InvokeRequest{Input: in, DeploymentKind: "Online"})
	lib("model kind: literal", "inputs.s", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"d": in, "s": inputs.String("v")}, DeploymentKind: batchendpoint.DeploymentKindModel})
	lib("model kind: experiment", "ExperimentName", batchendpoint.InvokeRequest{Input: in, ExperimentName: "exp", DeploymentKind: batchendpoint.DeploymentKindModel})
	lib("model kind: no input", "Input", batchendpoint.InvokeRequest{DeploymentKind: batchendpoint.DeploymentKindModel})
	lib("model kind: folder output", "outputs.o", batchendpoint.InvokeRequest{Input: in, DeploymentKind: batchendpoint.DeploymentKindModel, Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore("workspaceblobstore", "p")}})
	lib("pipeline kind: settings", "Settings", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"x": in}, DeploymentKind: batchendpoint.DeploymentKindPipelineComponent, Settings: &batchendpoint.JobSettings{MiniBatchSize: i64(5)}})
	lib("pipeline kind: unnamed input", "Input", batchendpoint.InvokeRequest{Input: in, DeploymentKind: batchendpoint.DeploymentKindPipelineComponent})
	lib("input name with line break", "inputs.", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"a\nb": inputs.String("v")}})
	lib("output file name with line break", "Settings.OutputFileName", withIn(batchendpoint.InvokeRequest{Settings: &batchendpoint.JobSettings{OutputFileName: "a\nb.csv"}}))
	// Found only after lookups (the deployment kind, an asset's latest version, a
	// datastore's type): the requests those lookups make, and still nothing created.
	after := func(name, field string, requests int, r batchendpoint.InvokeRequest) {
		rows = append(rows, badRow{name: "lib/after lookups/" + name, req: &r, field: field, requests: requests})
	}
	after("model deployment: literal", "inputs.s", 2, batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"d": in, "s": inputs.String("v")}})
	after("model deployment: experiment name", "ExperimentName", 2, withIn(batchendpoint.InvokeRequest{ExperimentName: "exp"}))
	after("pipeline deployment: settings", "Settings", 2, batchendpoint.InvokeRequest{Deployment: "pipe-dep", Inputs: map[string]inputs.Input{"x": in}, Settings: &batchendpoint.JobSettings{MiniBatchSize: i64(2)}})
	after("pipeline deployment: unnamed input", "Input", 2, withIn(batchendpoint.InvokeRequest{Deployment: "pipe-dep"}))
	// The contract's other rules (service contract sections 5 and 6).
	lib("model kind: two outputs", "outputs", batchendpoint.InvokeRequest{Input: in, DeploymentKind: batchendpoint.DeploymentKindModel, Outputs: map[string]outputs.DataOutput{
		"a": outputs.Datastore("workspaceblobstore", "a.csv").File(), "b": outputs.Datastore("workspaceblobstore", "b.csv").File()}})
	lib("mltable output", "outputs.o", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore("workspaceblobstore", "p").WithKind(inputs.KindMLTable)}}))
	lib("output mode", "outputs.o", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore("workspaceblobstore", "p").WithMode("ro_mount")}}))
	lib("uri_file output ends with /", "outputs.o", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore("workspaceblobstore", "p/").File()}}))
	lib("output datastore id with a space", "outputs.o", withIn(batchendpoint.InvokeRequest{Outputs: map[string]outputs.DataOutput{"o": outputs.Datastore(
		"/subscriptions/s/resourceGroups/r g/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/workspaceblobstore", "p.csv").File()}}))
	lib("input mode", "Input", batchendpoint.InvokeRequest{Input: inputs.StorageURL(goodURL).WithMode("rw_mount")})
	const sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
	for i, p := range []string{
		"", "   ", sub + "/datasets/x/versions/1", sub + "/data/x", sub + "/datastores/d", sub + "/computes/c",
		"azureml:heart-data", "azureml:heart-data@prod", "azureml://datastores/d", "azureml://datasets/x/versions/1",
		"azureml://registries/r/models/m/versions/1", "azureml://locations/l/workspaces/w/data/d", "azureml://unknown/x",
		"azureml://datastores/d/paths/p?sv=1&sig=abc", "s3://bucket/key", "azureml://datastores/work-space/paths/p",
		"azureml://subscriptions/s s/resourcegroups/rg/workspaces/ws/datastores/d/paths/p",
		"azureml://locations/west europe/workspaces/ws/data/d/versions/1", "azureml://locations/l/workspaces/ws/data/-d/versions/1",
		sub + "/data/x/versions/1\tb", "/subscriptions/s/resourceGroups/r g/providers/Microsoft.MachineLearningServices/workspaces/ws/data/x/versions/1",
	} {
		set(fmt.Sprintf("input path %d %q", i, p), "--set #2 inputs.x.path", "inputs.x.type=uri_folder", "inputs.x.path="+p)
	}
	set("inputs not a mapping", "--set #1", "inputs=x")
	set("literal type unknown", "--set #1 inputs.x.type", "inputs.x.type=decimal", "inputs.x.default=1")
	set("integer literal not a number", "--set #2 inputs.x.default", "inputs.x.type=integer", "inputs.x.default=abc")
	set("mltable on a storage URL", "--set #2 inputs.x.path", "inputs.x.type=mltable", "inputs.x.path="+goodURL)
	set("output type literal", "--set #1 outputs.o.type", "outputs.o.type=string", "inputs.x.type=string", "inputs.x.default=v")
	set("unknown output key", "--set #1", "outputs.o.pth=azureml://datastores/workspaceblobstore/paths/p", "inputs.x.type=string", "inputs.x.default=v")
	set("no '='", "--set #1", "mini_batch_size")
	set("empty key part", "--set #1", "inputs..x=1")
	// Errors only the deployment's kind reveals (after lookups): the CLI still
	// names the flag and gives advice in its own terms (exit 2: a validation
	// error, nothing created).
	afterCLI := func(name, flag, fix string, args ...string) {
		rows = append(rows, badRow{name: "cli/after lookups/" + name, args: args, field: flag, fix: fix, requests: 2, code: 2})
	}
	afterCLI("literal to model deployment", "--set: inputs.s", "", "-n", "heart-classifier", "--set", "inputs.d.type=uri_folder", "inputs.d.path="+goodURL, "inputs.s.type=string", "inputs.s.default=v")
	afterCLI("experiment name on model deployment", "--experiment-name", "leave out --experiment-name", "-n", "heart-classifier", "--input", goodURL, "--experiment-name", "exp")
	afterCLI("folder output on model deployment", "--set: outputs.o", "uri_file", "-n", "heart-classifier", "--input", goodURL, "--set", "outputs.o.type=uri_folder", "outputs.o.path=azureml://datastores/workspaceblobstore/paths/p")
	rows[len(rows)-1].requests = 3 // the output's datastore is looked up too: every lookup comes before the kind check
	afterCLI("mini batch on pipeline deployment", "--mini-batch-size", "", "-n", "heart-classifier", "-d", "pipe-dep", "--set", "inputs.x.type=string", "inputs.x.default=v", "-m", "3")
	afterCLI("unnamed input on pipeline deployment", "--input", "--set inputs.<name>", "-n", "heart-classifier", "-d", "pipe-dep", "--input", goodURL)
	// Command-line shape, all rejected before --emulator starts anything.
	cli("no endpoint", "--name/-n", "", "--input", goodURL)
	cli("input-type without input", "--input-type", "", "-n", "heart-classifier", "--input-type", "uri_file")
	cli("bad input-type", "uri_foldr", "", "-n", "heart-classifier", "--input", goodURL, "--input-type", "uri_foldr")
	cli("output-path not azureml", "--output-path", "azureml:", "-n", "heart-classifier", "--input", goodURL, "--output-path", "https://x/y")
	cli("emulator + bad experiment", "--experiment-name", "", "--emulator", "-n", "heart-classifier", "--set", "inputs.x.type=string", "inputs.x.default=v", "--experiment-name", "a/b")
	cli("emulator + bad mini batch", "mini-batch-size", "", "--emulator", "-n", "heart-classifier", "--input", goodURL, "-m", "0")
	cli("emulator + user info URL", "--input", "SAS", "--emulator", "-n", "heart-classifier", "--input", "https://u:hunter2@acct.blob.core.windows.net/c/p")
	cli("emulator + bad job name", "--job-name", "", "--emulator", "-n", "heart-classifier", "--input", goodURL, "--job-name", "two\nlines")
	cli("unknown --set key", "--set #1", "", "-n", "heart-classifier", "--input", goodURL, "--set", "job_name=x")
	cli("input and set inputs", "--input", "", "-n", "heart-classifier", "--input", goodURL, "--set", "inputs.x.type=string", "inputs.x.default=v")
	cli("--file empty", "inputs", "add an inputs", "-n", "heart-classifier", "--file", "EMPTYFILE")
	cli("--file syntax error line 4", "line 4", "", "-n", "heart-classifier", "--file", "BADFILE")
	cli("--file missing", "--file", "", "-n", "heart-classifier", "--file", "/nonexistent/inputs.yml")
	cli("set output on url", "--set #3", "", "-n", "heart-classifier", "-d", "pipe-dep", "--set", "inputs.x.type=string", "inputs.x.default=v", "outputs.o.path="+goodURL)
	cli("local path missing", "--input", "no file or folder", "-n", "heart-classifier", "--input", "/nonexistent/data")
	return rows
}

func ptr[T any](v T) *T { return &v }

// TestBadInput sends every bad invocation of badRows to a fake workspace and
// checks the promise: a typed error naming the offending input (and its file
// line) with a fix, the exact number of requests (0 when found offline), and
// no job or blob created.
func TestBadInput(t *testing.T) {
	opts := &fake.Options{StepDelay: -1, ClientOptions: &batchendpoint.ClientOptions{EndpointCacheTTL: -1}}
	w := fake.NewWorkspace(t, opts)
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "xgb"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{Name: "xgb"})
	w.AddPipelineDeployment("heart-classifier", fake.PipelineDeployment{Name: "pipe-dep"})
	before := w.ListBlobs(fake.DefaultDatastore, "")

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yml")
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	require.NoError(t, os.WriteFile(bad, []byte("inputs:\n  heart_data:\n    type: uri_folder\n   path: x\n"), 0o600))

	opened := 0
	restore := openWorkspace
	openWorkspace = func(ctx context.Context, g globals, progress io.Writer) (*workspace, error) {
		opened++
		return &workspace{client: w.Client(), close: func() {}}, nil
	}
	t.Cleanup(func() { openWorkspace = restore })

	rows := badRows()
	require.GreaterOrEqual(t, len(rows), 150)
	for i, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			w.ClearRequests()
			opened = 0
			if r.args != nil {
				args := []string{"batch-endpoint", "invoke"}
				for _, a := range r.args {
					args = append(args, strings.NewReplacer("EMPTYFILE", empty, "BADFILE", bad).Replace(a))
				}
				var stdout, stderr bytes.Buffer
				code := run(ctx, args, &stdout, &stderr)
				msg := stderr.String()
				t.Log(msg)
				want := r.code
				if want == 0 {
					want = 2
				}
				assert.Equal(t, want, code, msg)
				if r.requests == 0 {
					assert.Equal(t, 0, opened, "the workspace was opened for input that is invalid offline")
				}
				assert.Contains(t, msg, r.field)
				assert.Contains(t, msg, r.fix)
				assert.Empty(t, stdout.String())
				assert.NotRegexp(t, goName, firstLine(msg), "the CLI message names Go API identifiers")
				assert.NotContains(t, msg, "hunter2")
			} else {
				err := libError(ctx, w.Client(), dir, i, r)
				t.Log(err)
				var ve *inputs.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Contains(t, ve.Field, r.field)
				if r.line > 0 {
					assert.Contains(t, ve.Field, fmt.Sprintf(" line %d", r.line))
				}
				assert.NotEmpty(t, ve.Problem)
				assert.NotEmpty(t, ve.Fix, "no fix in %v", err)
				for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					assert.NotContains(t, s, "hunter2")
				}
				assert.NotContains(t, err.Error(), "\n", "a value's line break reached the error text")
				assert.NotContains(t, err.Error(), "\r", "a value's line break reached the error text")
			}
			assert.Equal(t, r.requests, w.RequestCount(), "requests that reached the emulator")
			assert.Empty(t, w.Jobs(), "jobs created")
			assert.Equal(t, before, w.ListBlobs(fake.DefaultDatastore, ""), "blobs created")
		})
	}
}

// libError runs a library row: parse the file/--set lines if any, then Invoke.
func libError(ctx context.Context, client *batchendpoint.Client, dir string, i int, r badRow) error {
	req := batchendpoint.InvokeRequest{}
	switch {
	case r.req != nil:
		req = *r.req
	case r.yaml != nil:
		p := filepath.Join(dir, fmt.Sprintf("inputs-%d.yml", i))
		if err := os.WriteFile(p, []byte(*r.yaml), 0o600); err != nil {
			return err
		}
		f, err := batchendpoint.LoadInvokeFile(p, &batchendpoint.LoadInvokeFileOptions{Sets: r.sets})
		if err != nil {
			return err
		}
		req = f.Request
	default:
		f, err := batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: r.sets})
		if err != nil {
			return err
		}
		req = f.Request
	}
	ep := r.endpoint
	if ep == "" {
		ep = "heart-classifier"
	}
	job, err := client.Invoke(ctx, ep, req, nil)
	if err == nil {
		return fmt.Errorf("invoke succeeded: job %s", job.Name())
	}
	return err
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

var _ = errors.As
