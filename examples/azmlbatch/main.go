// Azmlbatch is a small command line that invokes a batch endpoint the way
// az ml batch-endpoint invoke does, with the same flags, and prints the job as JSON.
//
//	azmlbatch -n heart-classifier --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
//	azmlbatch -n heart-classifier -d classifier-xgboost --input azureml:heart-data@latest --wait
//	azmlbatch -n heart-classifier --file inputs.yml --set inputs.score_mode.default=replace --experiment-name my-batch-job-experiment
//
// The workspace comes from --subscription, --resource-group/-g and
// --workspace-name/-w (or AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP,
// AZUREML_WORKSPACE_NAME) with DefaultAzureCredential; --emulator starts the
// local workspace for the duration of the command (so it waits for the job), and
// --local workspace.json uses one started by examples/localworkspace. On a local
// workspace the input "@example-data" (or "@example-data/heart-01.csv") names the
// example dataset.
//
// --set takes one or more assignments, as az does (--set a=1 b=2, or --set
// repeated). Status changes go to stderr; stdout gets only the JSON.
//
// Exit codes: 2 for flags or input found invalid before anything is sent (the
// workspace is not opened, --emulator starts nothing), 1 for errors from the
// service or the job, 0 on success. Messages name the flag or the --file/--set
// key to change.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli holds the flags.
type cli struct {
	name, deployment, input, inputType, file  string
	sets                                      []string
	experiment, jobName, outputPath, download string
	miniBatchSize, instanceCount              intFlag
	wait, emulator                            bool
	subscription, resourceGroup, workspace    string
	local                                     string
}

// intFlag is a positive integer flag that remembers whether it was given, so
// that a value the service would refuse is an error instead of "not set".
type intFlag struct {
	name string // the long flag name, for messages
	bits int    // 64 or 32: the width of the setting it fills
	set  bool
	n    int64
}

func (f *intFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatInt(f.n, 10)
}

func (f *intFlag) Set(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, f.bits)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("--%s %s is out of range: give a number from 1 to %d", f.name, v, int64(1)<<(f.bits-1)-1)
	case err != nil:
		return fmt.Errorf("--%s %q is not a whole number: give a positive number such as 10", f.name, v)
	case n < 1:
		return fmt.Errorf("--%s %d must be at least 1: give a positive number, or leave the flag out for the deployment's setting", f.name, n)
	}
	f.set, f.n = true, n
	return nil
}

type setFlag struct{ sets *[]string }

func (s setFlag) String() string { return "" }
func (s setFlag) Set(v string) error {
	*s.sets = append(*s.sets, v)
	return nil
}

func parse(args []string, stderr io.Writer) (c cli, err error) {
	fs := flag.NewFlagSet("azmlbatch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, def, usage string, names ...string) {
		for _, n := range names {
			fs.StringVar(p, n, def, usage)
		}
	}
	str(&c.name, "", "batch endpoint name", "name", "n")
	str(&c.deployment, "", "deployment name (default: the endpoint's default deployment)", "deployment-name", "d")
	str(&c.input, "", "the single input: URL, azureml:// path, data asset, datastore path or local path", "input")
	str(&c.inputType, "", "type of --input: uri_folder (default) or uri_file", "input-type")
	str(&c.file, "", "inputs.yml / inputs-and-outputs.yml", "file", "f")
	str(&c.experiment, "", "experiment name (pipeline component deployments)", "experiment-name")
	str(&c.jobName, "", "job display name", "job-name")
	str(&c.outputPath, "", "model deployments: output folder azureml://datastores/<ds>/paths/<p>", "output-path")
	str(&c.download, "", "with --wait: download the job's output into this folder", "download")
	str(&c.subscription, os.Getenv("AZURE_SUBSCRIPTION_ID"), "subscription id", "subscription")
	str(&c.resourceGroup, os.Getenv("AZURE_RESOURCE_GROUP"), "resource group", "resource-group", "g")
	str(&c.workspace, os.Getenv("AZUREML_WORKSPACE_NAME"), "workspace", "workspace-name", "w")
	str(&c.local, "", "workspace.json of a running examples/localworkspace", "local")
	c.miniBatchSize = intFlag{name: "mini-batch-size", bits: 64}
	c.instanceCount = intFlag{name: "instance-count", bits: 32}
	for _, n := range []string{"mini-batch-size", "m"} {
		fs.Var(&c.miniBatchSize, n, "files per mini-batch (model deployments)")
	}
	for _, n := range []string{"instance-count", "c"} {
		fs.Var(&c.instanceCount, n, "compute instances (model deployments)")
	}
	fs.Var(setFlag{&c.sets}, "set", "key=value assignment(s) such as inputs.heart_data.path=... (repeatable)")
	fs.BoolVar(&c.wait, "wait", false, "wait for the job to end")
	fs.BoolVar(&c.emulator, "emulator", false, "run on a local workspace started for this command (implies --wait)")

	// az lets one --set take several assignments; Go's flag stops at the first
	// positional argument, so absorb assignments and parse the rest again.
	for {
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if len(c.sets) == 0 || !strings.Contains(args[0], "=") || strings.HasPrefix(args[0], "-") {
			return c, fmt.Errorf("unexpected argument %q", args[0])
		}
		for len(args) > 0 && !strings.HasPrefix(args[0], "-") && strings.Contains(args[0], "=") {
			c.sets, args = append(c.sets, args[0]), args[1:]
		}
	}
	if c.emulator {
		c.wait = true
	}
	if c.emulator && c.local != "" {
		return c, errors.New("use either --emulator or --local")
	}
	if c.download != "" && !c.wait {
		return c, errors.New("--download needs --wait")
	}
	return c, nil
}

// request builds the job from --file/--set and the other flags.
func (c cli) request() (endpoint string, req batchendpoint.InvokeRequest, err error) {
	var f batchendpoint.InvokeFile
	switch {
	case c.file != "":
		f, err = batchendpoint.LoadInvokeFile(c.file, &batchendpoint.LoadInvokeFileOptions{Sets: c.sets})
	case len(c.sets) > 0:
		f, err = batchendpoint.ParseInvokeFile(nil, &batchendpoint.ParseInvokeFileOptions{Sets: c.sets})
	}
	if err != nil {
		return "", req, err
	}
	endpoint, req = c.name, f.Request
	if endpoint == "" {
		endpoint = f.Endpoint
	}
	if endpoint == "" {
		return "", req, errors.New("--name/-n is required (or an endpoint key in --file)")
	}
	if c.deployment != "" {
		req.Deployment = c.deployment
	}
	if c.input != "" {
		if len(req.Inputs) > 0 {
			return "", req, errors.New("use either --input or inputs in --file/--set")
		}
		var kind inputs.Kind
		if c.inputType != "" {
			if kind, err = inputs.ParseKind(c.inputType); err != nil {
				return "", req, err
			}
		}
		if req.Input, err = inputs.Parse(c.input, &inputs.ParseOptions{Type: kind}); err != nil {
			var ve *inputs.ValidationError
			if errors.As(err, &ve) {
				err = ve.WithField("Input")
			}
			return "", req, err
		}
	} else if c.inputType != "" {
		return "", req, errors.New("--input-type needs --input")
	}
	if c.experiment != "" {
		req.ExperimentName = c.experiment
	}
	if c.jobName != "" {
		req.JobName = c.jobName
	}
	if c.miniBatchSize.set || c.instanceCount.set {
		if req.Settings == nil {
			req.Settings = &batchendpoint.JobSettings{}
		}
		if c.miniBatchSize.set {
			n := c.miniBatchSize.n
			req.Settings.MiniBatchSize = &n
		}
		if c.instanceCount.set {
			n := int32(c.instanceCount.n) // parsed with bitSize 32
			req.Settings.InstanceCount = &n
		}
	}
	if c.outputPath != "" {
		// az: --output-path is the folder; the file in it is output_file_name
		// (default predictions.csv). Model deployments write that one file.
		if !strings.HasPrefix(c.outputPath, "azureml:") {
			return "", req, errors.New("not a valid --output-path, it should start with 'azureml:'")
		}
		name := "predictions.csv"
		if req.Settings != nil && req.Settings.OutputFileName != "" {
			name = req.Settings.OutputFileName
		}
		o, err := outputs.Parse(strings.TrimSuffix(c.outputPath, "/") + "/" + name)
		if err != nil {
			return "", req, err
		}
		req.Outputs = map[string]outputs.DataOutput{"score": o.File()}
	}
	return endpoint, req, nil
}

// jobJSON is what the command prints.
type jobJSON struct {
	Name           string            `json:"name"`
	Status         string            `json:"status"`
	Endpoint       string            `json:"endpoint"`
	Deployment     string            `json:"deployment,omitempty"`
	ExperimentName string            `json:"experiment_name,omitempty"`
	StudioURL      string            `json:"studio_url"`
	Outputs        map[string]string `json:"outputs,omitempty"`
	Error          string            `json:"error,omitempty"`
	Downloaded     []string          `json:"downloaded,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "azmlbatch:", err)
		}
		return 2
	}
	// Everything that can be checked offline is, before a workspace is opened
	// (--emulator starts one) or any request is made.
	if err := c.validate(); err != nil {
		fmt.Fprintln(stderr, "azmlbatch:", c.describe(err))
		return 2
	}
	ws, err := openWorkspace(ctx, c, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "azmlbatch:", c.describe(err))
		return 1
	}
	defer ws.close()
	if err := invoke(ctx, c, ws, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "azmlbatch:", c.describe(err))
		return 1
	}
	return 0
}

// openWorkspace opens the workspace the flags name; tests replace it.
var openWorkspace = open

// validate builds the request as invoke will and checks it without network
// I/O. The local example-data placeholder stands for an https URL only known
// once the workspace runs, so a well-formed stand-in takes its place here.
func (c cli) validate() error {
	const standIn = "https://127.0.0.1/example-data"
	c.input = strings.ReplaceAll(c.input, exampleData, standIn)
	c.sets = slices.Clone(c.sets)
	for i, s := range c.sets {
		c.sets[i] = strings.ReplaceAll(s, exampleData, standIn)
	}
	endpoint, req, err := c.request()
	if err != nil {
		return err
	}
	if err := batchendpoint.ValidateEndpointName(endpoint); err != nil {
		return err
	}
	return req.Validate()
}

func invoke(ctx context.Context, c cli, ws *workspace, stdout, stderr io.Writer) error {
	c.input = ws.expand(c.input)
	for i, s := range c.sets {
		c.sets[i] = ws.expand(s)
	}
	endpoint, req, err := c.request()
	if err != nil {
		return err
	}
	job, err := ws.client.Invoke(ctx, endpoint, req, nil)
	if err != nil {
		return err
	}
	d := job.Details()
	var waitErr error
	if c.wait {
		opts := ws.wait
		opts.OnStatus = func(d batchendpoint.JobDetails) { fmt.Fprintf(stderr, "%s %s\n", d.Name, d.Status) }
		d, waitErr = job.Wait(ctx, &opts)
	}
	out := jobJSON{Name: d.Name, Status: string(d.Status), Endpoint: endpoint, Deployment: d.Deployment,
		ExperimentName: d.ExperimentName, StudioURL: d.StudioURL}
	if out.Deployment == "" {
		out.Deployment = req.Deployment
	}
	for name, o := range d.Outputs {
		if out.Outputs == nil {
			out.Outputs = map[string]string{}
		}
		out.Outputs[name] = o.URI
	}
	if waitErr != nil {
		out.Error = waitErr.Error()
	} else if c.download != "" {
		dl, err := job.DownloadOutputs(ctx, c.download, nil)
		if err != nil {
			return err
		}
		out.Downloaded = dl.Files
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if waitErr != nil {
		return fmt.Errorf("job %s ended %s", d.Name, d.Status)
	}
	return nil
}
