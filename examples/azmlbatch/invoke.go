package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// cli holds the flags of batch-endpoint invoke.
type cli struct {
	name, deployment, input, inputType, file  string
	inputsJSON, outputsJSON                   string
	sets                                      []string
	experiment, jobName, outputPath, download string
	miniBatchSize, instanceCount              intFlag
	wait                                      bool
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

func (f *intFlag) Type() string { return "int" }

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

func (a *app) invokeCommand() *cobra.Command {
	var c cli
	cmd := &cobra.Command{
		Use:   "invoke",
		Short: "Invoke an endpoint.",
		Long: `Invoke an endpoint: start a batch scoring job on the endpoint's default deployment,
or on --deployment-name, and print the job. Inputs come from --input (one data input,
model deployments), --set inputs.<name>.type=... inputs.<name>.path=..., --inputs (JSON)
or --file inputs.yml. Everything that can be checked offline is checked before any
request (exit 2).`,
		Example: `  azmlbatch batch-endpoint invoke --name heart-classifier --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
  azmlbatch batch-endpoint invoke -n heart-classifier --input azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled --input-type uri_folder
  azmlbatch batch-endpoint invoke -n heart-classifier -d uci-classifier-prepros-xgb --set inputs.heart_data.type=uri_folder inputs.heart_data.path=$DATA_ASSET_ID
  azmlbatch batch-endpoint invoke -n heart-classifier --file inputs-and-outputs.yml --wait`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.describe = c.describe
			if err := c.check(a.g.emulator); err != nil {
				return err
			}
			// Everything that can be checked offline is, before a workspace is
			// opened (--emulator starts one) or any request is made.
			if err := c.validate(); err != nil {
				return err
			}
			a.started()
			ws, err := a.workspace(cmd.Context())
			if err != nil {
				return err
			}
			return a.invoke(cmd.Context(), c, ws)
		},
	}
	bindInvokeFlags(cmd.Flags(), &c)
	return cmd
}

// check applies the rules between flags.
func (c *cli) check(emulator bool) error {
	if emulator {
		c.wait = true // the workspace stops with the command
	}
	if c.download != "" && !c.wait {
		return usagef("--download needs --wait: the outputs exist once the job has ended")
	}
	return nil
}

func bindInvokeFlags(f *pflag.FlagSet, c *cli) {
	c.miniBatchSize = intFlag{name: "mini-batch-size", bits: 64}
	c.instanceCount = intFlag{name: "instance-count", bits: 32}
	f.SortFlags = false
	f.StringVarP(&c.name, "name", "n", "", "Name of the batch endpoint (required, or endpoint in --file).")
	f.StringVarP(&c.deployment, "deployment-name", "d", "", "Name of the deployment to invoke; the endpoint's default deployment when not given.")
	f.StringVar(&c.input, "input", "", "The data to score: a storage URL, azureml://datastores/<ds>/paths/<p>, a data asset (azureml:<name>:<version>, azureml:<name>@latest or its id) or a local folder or file (uploaded first).")
	f.StringVar(&c.inputType, "input-type", "", "Type of --input: uri_folder (the default) or uri_file.")
	f.StringVarP(&c.file, "file", "f", "", "Local path to a YAML file with the job's inputs, outputs and optionally deployment and endpoint (inputs.yml).")
	f.StringVar(&c.inputsJSON, "inputs", "", `The job's inputs as JSON: {"<name>": {"type": "uri_folder", "path": "..."}, "<literal>": {"type": "string", "default": "..."}}.`)
	f.StringVar(&c.outputsJSON, "outputs", "", `The job's outputs as JSON: {"<name>": {"type": "uri_file", "path": "azureml://datastores/<ds>/paths/<p>"}}.`)
	f.StringVar(&c.outputPath, "output-path", "", "Model deployments: the folder of the output file, azureml://datastores/<datastore>/paths/<path>.")
	f.VarP(&c.miniBatchSize, "mini-batch-size", "m", "Model deployments: number of files per mini-batch.")
	f.VarP(&c.instanceCount, "instance-count", "c", "Model deployments: number of compute instances.")
	f.StringVar(&c.jobName, "job-name", "", "Display name of the job.")
	f.StringVar(&c.experiment, "experiment-name", "", "Name of the experiment for pipeline component deployments.")
	f.StringArrayVar(&c.sets, "set", nil, "Update the job with key=value assignments, several after one --set: inputs.<name>.type=uri_folder inputs.<name>.path=<path>, output_file_name=, mini_batch_size=, compute.instance_count=, error_threshold=, retry_settings.max_retries=, retry_settings.timeout=.")
	f.BoolVar(&c.wait, "wait", false, "Wait for the job to end, with a status line (exit 3 if it fails or is canceled).")
	f.StringVar(&c.download, "download", "", "With --wait: download the job's outputs into this folder.")
}

// request builds the job from --file/--set/--inputs and the other flags.
func (c cli) request() (endpoint string, req batchendpoint.InvokeRequest, err error) {
	var f batchendpoint.InvokeFile
	var inline []byte
	if c.inputsJSON != "" || c.outputsJSON != "" {
		if c.file != "" {
			return "", req, usagef("use either --file or --inputs/--outputs, not both")
		}
		doc := map[string]json.RawMessage{}
		for flag, v := range map[string]string{"inputs": c.inputsJSON, "outputs": c.outputsJSON} {
			if v == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				return "", req, usagef("--%s is not a JSON object (%v): give {\"<name>\": {\"type\": ..., \"path\": ...}}", flag, err)
			}
			doc[flag] = json.RawMessage(v)
		}
		inline, _ = json.Marshal(doc)
	}
	switch {
	case c.file != "":
		f, err = batchendpoint.LoadInvokeFile(c.file, &batchendpoint.LoadInvokeFileOptions{Sets: c.sets})
	case inline != nil:
		f, err = batchendpoint.ParseInvokeFile(inline, &batchendpoint.ParseInvokeFileOptions{Filename: "--inputs/--outputs", Sets: c.sets})
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
		return "", req, usagef("--name/-n is required (or an endpoint key in --file)")
	}
	if c.deployment != "" {
		req.Deployment = c.deployment
	}
	if c.input != "" {
		if len(req.Inputs) > 0 {
			return "", req, usagef("use either --input or inputs in --file/--set/--inputs, not both")
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
		return "", req, usagef("--input-type needs --input: it gives the type of that one input")
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
			return "", req, usagef("not a valid --output-path, it should start with 'azureml:' (azureml://datastores/<datastore>/paths/<folder>)")
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

func (a *app) invoke(ctx context.Context, c cli, ws *workspace) error {
	c.input = ws.expand(c.input)
	c.sets = slices.Clone(c.sets)
	for i, s := range c.sets {
		c.sets[i] = ws.expand(s)
	}
	endpoint, req, err := c.request()
	if err != nil {
		return err
	}
	var opts batchendpoint.InvokeOptions
	if len(req.Inputs) > 0 || req.Input != nil {
		opts.UploadProgress = uploadProgress(a.progress())
	}
	job, err := ws.client.Invoke(ctx, endpoint, req, &opts)
	if err != nil {
		return err
	}
	if !c.wait {
		return a.print(jobDict(job.Details()))
	}
	d, waitErr := a.waitJob(ctx, ws, job)
	if waitErr == nil && c.download != "" {
		if _, err := a.downloadJob(ctx, job, c.download, "", false); err != nil {
			return err
		}
	}
	if err := a.print(jobDict(d)); err != nil {
		return err
	}
	return waitErr
}
