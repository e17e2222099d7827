package main

import (
	"errors"

	"strings"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// describe formats err for the command line: a *ValidationError's Field, which
// names the Go API (Input, Settings.MiniBatchSize, JobName), becomes the flag or
// key the user typed, and Go-only advice (call File(), set Input) becomes
// advice in terms of flags and YAML keys.
func (c cli) describe(err error) string {
	var ve *inputs.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	e := *ve
	e.Field = c.flagFor(e.Field)
	e.Problem = goAdvice.Replace(e.Problem)
	e.Fix = goAdvice.Replace(e.Fix)
	return e.Error()
}

// flagFor maps a ValidationError.Field to the flag, or the --file/--set key, it came from.
func (c cli) flagFor(field string) string {
	head, rest, _ := strings.Cut(field, ".")
	suffix := func(s string) string {
		if rest == "" {
			return s
		}
		return s + " (" + rest + ")"
	}
	source := "--set"
	if c.file != "" {
		source = "--file " + c.file
	}
	switch {
	case strings.HasPrefix(field, "--") || strings.Contains(field, " line ") || (c.file != "" && strings.HasPrefix(field, c.file)):
		return field // already a location the user can find (--set #2 ..., inputs.yml line 4: ...)
	case head == "endpoint":
		return "--name/-n"
	case head == "Deployment":
		if c.deployment == "" && c.file != "" {
			return source + ": deployment"
		}
		return "--deployment-name/-d"
	case head == "Input":
		return suffix("--input")
	case head == "ExperimentName":
		return "--experiment-name"
	case head == "JobName":
		if c.jobName != "" {
			return "--job-name"
		}
		return source + ": name"
	case field == "Settings.MiniBatchSize" && c.miniBatchSize.set:
		return "--mini-batch-size"
	case field == "Settings.InstanceCount" && c.instanceCount.set:
		return "--instance-count"
	case head == "Settings":
		if key, ok := settingKeys[field]; ok {
			return source + ": " + key
		}
		var given []string
		if c.miniBatchSize.set {
			given = append(given, "--mini-batch-size")
		}
		if c.instanceCount.set {
			given = append(given, "--instance-count")
		}
		if len(c.sets) > 0 || c.file != "" || len(given) == 0 {
			given = append(given, source)
		}
		return strings.Join(given, ", ")
	case head == "outputs" && c.outputPath != "":
		return "--output-path"
	case head == "inputs" && rest == "" && c.input != "":
		return "--input"
	case head == "inputs", head == "outputs":
		return source + ": " + field
	case head == "Workspace":
		return map[string]string{"SubscriptionID": "--subscription", "ResourceGroup": "--resource-group/-g", "Name": "--workspace-name/-w"}[rest]
	}
	return field
}

// settingKeys are the --set keys of JobSettings' fields.
var settingKeys = map[string]string{
	"Settings.OutputFileName": "output_file_name",
	"Settings.MiniBatchSize":  "mini_batch_size",
	"Settings.InstanceCount":  "compute.instance_count",
	"Settings.ErrorThreshold": "error_threshold",
	"Settings.MaxRetries":     "retry_settings.max_retries",
	"Settings.RetryTimeout":   "retry_settings.timeout",
}

// goAdvice rewrites the Go API's advice; longer phrases first.
var goAdvice = strings.NewReplacer(
	"call File() on the output; its path names the file", "set the output's type to uri_file; its path names the file",
	"call File() or Folder(), or use a literal constructor for literal values", "use type uri_folder or uri_file, or string, boolean, integer or number for a literal",
	"call File() or Folder()", "use type uri_file or uri_folder",
	"use Folder()/uri_folder", "use uri_folder",
	"use File()/uri_file", "use uri_file",
	"or use Folder()", "or use type uri_folder",
	"File()", "type uri_file",
	"Folder()", "type uri_folder",
	"both Input and Inputs are set", "both --input and inputs are given",
	"put the single input in Input (model deployments) or name every input in Inputs, not both", "give --input alone (model deployments) or name every input in --file/--set, not both",
	"set Input to the data to score", "give the data to score with --input",
	"put literals and models in Inputs, under a name,", "give literals and models as named inputs (--set inputs.<name>.type=string ...)",
	"put the input in Inputs under the name the pipeline component declares", "name the input as the pipeline component declares it: --set inputs.<name>.type=uri_folder inputs.<name>.path=<path>",
	"leave ExperimentName empty", "leave out --experiment-name",
	"name the deployment in InvokeRequest.Deployment", "name the deployment with --deployment-name/-d",
	"give a duration such as 30*time.Second", "give whole seconds such as retry_settings.timeout=30",
	"or use outputs.Default() for the service's default location", "or leave the output's path out for the service's default location",
	"build literals with inputs.String, Bool, Float or Integer", "give a literal type: string, boolean, integer or number",
	"use MLflowModel, CustomModel or TritonModel", "use type mlflow_model, custom_model or triton_model",
	"use inputs.KindURIFolder or inputs.KindURIFile", "use uri_folder or uri_file",
	"use DeploymentKindModel or DeploymentKindPipelineComponent, or leave it empty", "leave the deployment kind to the service",
	"InvokeOptions.RepeatabilityID", "the repeatability id",
)
