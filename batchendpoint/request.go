package batchendpoint

import (
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// InvokeRequest describes one batch job, independent of the endpoint it is sent to.
//
// Model deployments take exactly one data input (Input, or one entry in Inputs; the
// name is ignored by the service) and at most one output, and no literals or
// experiment name. Pipeline component deployments take any number of named data,
// literal and model inputs and named outputs.
type InvokeRequest struct {
	// Deployment is the deployment to run; "" runs the endpoint's default deployment.
	// Deployment names are 3-32 letters, digits and '-', starting with a letter.
	Deployment string
	// Input is the single unnamed input of a model deployment. It is sent under the
	// key UriFolder or UriFile, as azure-ai-ml does. Use either Input or Inputs.
	Input inputs.Input
	// Inputs are named inputs. Names contain letters, digits and underscores.
	Inputs map[string]inputs.Input
	// Outputs are named outputs on Blob datastores.
	Outputs map[string]outputs.DataOutput
	// ExperimentName groups the job in Studio (pipeline component deployments only);
	// the service's default is the endpoint name. Letters, digits, '_' and '-',
	// starting with a letter or digit, at most 255 characters.
	ExperimentName string
	// JobName is the job's display name (properties.name); the service generates one when empty.
	// One line of text, at most 255 characters, without control characters.
	JobName string
	// Settings override a model deployment's settings for this job.
	Settings *JobSettings
	// Tags are set on the job (properties.tags of the invoke body) next to the
	// service's own; at most MaxJobTags, names up to 512 characters without
	// < > % & \ ? / = , and not starting with azureml. or azmlbatch., values up
	// to 256 characters. They can be changed later with Client.UpdateJobTags
	// and filter job lists (ListJobsOptions.Tag). How the service keeps
	// client-sent tags is not documented; see the README ("Jobs at scale").
	Tags map[string]string
	// Description is the job's description (properties.description).
	Description string
	// Properties are set on the job (properties.properties, where the
	// experiment name also goes) and cannot be changed later. The service
	// accepts job properties only from pipeline component deployments. Same
	// name and value rules as Tags; experimentName is ExperimentName's.
	Properties map[string]string
	// DeploymentKind, when known, lets Validate apply that kind's rules offline.
	// The client looks the deployment up and applies them in any case.
	DeploymentKind DeploymentKind
}

// JobSettings override a model deployment's settings for one job, as
// az ml batch-endpoint invoke --set / --mini-batch-size / --instance-count do.
// Nil fields keep the deployment's values.
type JobSettings struct {

	// OutputFileName is the name of the output file (default predictions.csv).
	OutputFileName string
	// MiniBatchSize is the number of files per mini-batch.
	MiniBatchSize *int64
	// InstanceCount is the number of compute instances.
	InstanceCount *int32
	// ErrorThreshold is the number of failed mini-batches tolerated; -1 ignores failures.
	ErrorThreshold *int32
	// MaxRetries is the number of retries of a failed mini-batch.
	MaxRetries *int32
	// RetryTimeout is the timeout of one mini-batch run.
	RetryTimeout *time.Duration
}

// ioName: "Keys can contain only alphanumeric characters and underscore
// characters" (Azure ML batch endpoint docs); azure-ai-ml's parameter name
// pattern also forbids a leading digit.
var ioName = names.Rule{First: func(c rune) bool { return c == '_' || names.ASCIIAlnum(c) && (c < '0' || c > '9') }, Rest: names.ASCIIAlnumOr("_")}

// validateIOName checks an input or output name.
func validateIOName(field, name string) error {
	if ioName.MatchString(name) {
		return nil
	}
	e := &ValidationError{Field: printable(field), Value: printable(name), Problem: "names may contain only letters, digits and underscores and must not start with a digit"}
	switch fixed := regexp.MustCompile(`[^A-Za-z0-9_]`).ReplaceAllString(name, "_"); {
	case name == "":
		e.Problem = "the name is empty"
		e.Fix = "give the input or output a name such as heart_data"
	case fixed != name && ioName.MatchString(fixed):
		e.Fix = fmt.Sprintf("use %s (hyphens and other characters become underscores)", fixed)
	case fixed != name:
		e.Fix = fmt.Sprintf("use %s", "_"+fixed)
	default:
		e.Fix = "use " + "_" + name
	}
	return e
}

// Validate checks the request without network I/O: the deployment, job,
// experiment, input and output names, every input and output, the settings'
// ranges, and, when DeploymentKind is set, that deployment kind's rules.
// Errors are *ValidationError naming the offending field and the fix.
func (r *InvokeRequest) Validate() error { return r.validate(r.DeploymentKind) }

func (r *InvokeRequest) validate(kind DeploymentKind) error {
	switch kind {
	case "", DeploymentKindModel, DeploymentKindPipelineComponent:
	default:
		return &ValidationError{Field: "DeploymentKind", Value: string(kind), Problem: "unknown deployment kind", Fix: "use DeploymentKindModel or DeploymentKindPipelineComponent, or leave it empty"}
	}
	if r.Deployment != "" {
		if err := validateDeploymentName("Deployment", r.Deployment); err != nil {
			return err
		}
	}
	if r.JobName != "" {
		if err := validateJobName(r.JobName); err != nil {
			return err
		}
	}
	if r.ExperimentName != "" {
		if err := validateExperimentName(r.ExperimentName); err != nil {
			return err
		}
	}
	if err := validateKeyValues("tags", "tag", r.Tags, MaxJobTags); err != nil {
		return err
	}
	if err := validateKeyValues("properties", "property", r.Properties, 0); err != nil {
		return err
	}
	if err := validateDescription("Description", r.Description); err != nil {
		return err
	}
	if r.Input != nil && isNilInput(r.Input) {
		return &ValidationError{Field: "Input", Problem: "the input is a nil pointer", Fix: "give a value such as inputs.StorageURL(url), or leave Input unset"}
	}
	if r.Input != nil && len(r.Inputs) > 0 {
		return &ValidationError{Field: "Input", Problem: "both Input and Inputs are set", Fix: "put the single input in Input (model deployments) or name every input in Inputs, not both"}
	}
	if r.Input == nil && len(r.Inputs) == 0 && kind == DeploymentKindModel {
		return &ValidationError{Field: "Input", Problem: "a model deployment needs exactly one data input and none is given", Fix: "set Input to the data to score"}
	}
	seen := map[string]string{}
	for _, name := range sortedKeys(r.Inputs) {
		if err := checkName("inputs", name, seen); err != nil {
			return err
		}
		in := r.Inputs[name]
		if in == nil || isNilInput(in) {
			return &ValidationError{Field: "inputs." + name, Problem: "the input is nil", Fix: "give a value or remove the entry"}
		}
		if err := in.Validate(); err != nil {
			return withField(err, "inputs."+name)
		}
	}
	if r.Input != nil {
		if err := r.Input.Validate(); err != nil {
			return withField(err, "Input")
		}
		if !r.Input.Kind().IsData() {
			if r.Input.Kind() == inputs.KindMLTable {
				// The single input is a model deployment's, which takes no MLTable.
				return withField(errMLTable(r.Input.String()), "Input")
			}
			return &ValidationError{Field: "Input", Value: string(r.Input.Kind()), Problem: "the single unnamed input must be uri_folder or uri_file data", Fix: "put literals and models in Inputs, under a name, for a pipeline component deployment"}
		}
	}
	for _, name := range sortedKeys(r.Outputs) {
		if err := checkName("outputs", name, seen); err != nil {
			return err
		}
		if err := r.Outputs[name].Validate(); err != nil {
			return withField(err, "outputs."+name)
		}
	}
	if s := r.Settings; s != nil {
		if err := s.validate(); err != nil {
			return err
		}
	}
	return r.validateKind(kind)
}

// validateKind applies a deployment kind's rules (after validate's checks).
func (r *InvokeRequest) validateKind(kind DeploymentKind) error {
	switch kind {
	case DeploymentKindModel:
		return r.validateModel()
	case DeploymentKindPipelineComponent:
		return r.validatePipeline()
	}
	return nil
}

func (r *InvokeRequest) validateModel() error {
	data := 0
	if r.Input != nil {
		data++
	}
	for _, name := range sortedKeys(r.Inputs) {
		k := r.Inputs[name].Kind()
		switch {
		case k.IsLiteral():
			return &ValidationError{Field: "inputs." + name, Value: r.Inputs[name].String(), Problem: "model deployments don't accept literal inputs (the service answers \"The specified job input type 'LiteralJobInput' is not supported\")",
				Fix: "remove the literal, or invoke a pipeline component deployment that declares it"}
		case k.IsModel():
			return &ValidationError{Field: "inputs." + name, Problem: "model deployments don't accept model inputs", Fix: "remove it; the deployment already has its model"}
		case k == inputs.KindMLTable:
			return withField(errMLTable(r.Inputs[name].String()), "inputs."+name)
		}
		data++
	}
	if data != 1 {
		return &ValidationError{Field: "inputs", Value: fmt.Sprint(data), Problem: "a model deployment takes exactly one data input", Fix: "send one uri_folder or uri_file input; put several files in one folder"}
	}
	if len(r.Outputs) > 1 {
		return &ValidationError{Field: "outputs", Value: strings.Join(sortedKeys(r.Outputs), ","), Problem: "a model deployment writes at most one output", Fix: "keep one output (its name is ignored by the service)"}
	}
	for name, o := range r.Outputs {
		if o.Kind() != inputs.KindURIFile {
			// The service: "Job output type must be 'uri_file'." (MicrosoftDocs/azure-docs#118447)
			return &ValidationError{Field: "outputs." + name, Value: string(o.Kind()), Problem: "a model deployment writes its output as one file (uri_file)",
				Fix: "call File() on the output; its path names the file, e.g. batch-jobs/run-1/predictions.csv"}
		}
	}
	if r.ExperimentName != "" {
		return &ValidationError{Field: "ExperimentName", Value: r.ExperimentName, Problem: "job properties such as the experiment name are only accepted by pipeline component deployments", Fix: "leave ExperimentName empty for a model deployment (its jobs go to the experiment named after the endpoint)"}
	}
	if len(r.Properties) > 0 {
		return &ValidationError{Field: "properties." + sortedKeys(r.Properties)[0], Problem: "job properties are only accepted by pipeline component deployments", Fix: "use Tags for a model deployment's job"}
	}
	return nil
}

func (r *InvokeRequest) validatePipeline() error {
	if r.Input != nil {
		return &ValidationError{Field: "Input", Value: r.Input.String(), Problem: "a pipeline component deployment needs named inputs", Fix: "put the input in Inputs under the name the pipeline component declares"}
	}
	if s := r.Settings; s != nil && !s.empty() {
		return &ValidationError{Field: "Settings", Problem: "mini-batch, instance, retry and output-file settings apply to model deployments only", Fix: "set them in the pipeline component or pass them as literal inputs it declares"}
	}
	return nil
}

// The codec converts JobSettings to and from wire.Settings, so both keep the same
// fields in the same order; this fails to compile when they drift apart.
var _ = (*wire.Settings)((*JobSettings)(nil))

func (s *JobSettings) empty() bool { return (*wire.Settings)(s).Empty() }

// encodeRequest is the codec's body of r, with the locations the client resolved.
func encodeRequest(r *InvokeRequest, ws armid.Workspace, resolved map[string]wire.Resolved) (*wire.BatchJobResource, error) {
	return encodeInvoke(r, "", ws, resolved)
}

// encodeInvoke is the encode stage's call into the codec: the body of r, with the
// locations the client resolved and the repeatability id recorded as a tag.
func encodeInvoke(r *InvokeRequest, repeatabilityID string, ws armid.Workspace, resolved map[string]wire.Resolved) (*wire.BatchJobResource, error) {
	return wire.EncodeInvocation(&wire.Invocation{Input: r.Input, Inputs: r.Inputs, Outputs: r.Outputs,
		ExperimentName: r.ExperimentName, JobName: r.JobName, Settings: (*wire.Settings)(r.Settings),
		Tags: r.Tags, Properties: r.Properties, Description: r.Description, RepeatabilityID: repeatabilityID}, ws, resolved)
}

func (s *JobSettings) validate() error {
	if s.OutputFileName != "" && (strings.ContainsAny(s.OutputFileName, "/\\") || s.OutputFileName == "." || s.OutputFileName == ".." ||
		strings.IndexFunc(s.OutputFileName, unicode.IsControl) >= 0 || !utf8.ValidString(s.OutputFileName) || len(s.OutputFileName) > 255) {
		return &ValidationError{Field: "Settings.OutputFileName", Value: printable(s.OutputFileName), Problem: "the output file name must be a plain file name", Fix: "give a name such as predictions.csv; choose the folder with an output"}
	}
	if s.MiniBatchSize != nil && *s.MiniBatchSize < 1 {
		return &ValidationError{Field: "Settings.MiniBatchSize", Value: fmt.Sprint(*s.MiniBatchSize), Problem: "the mini-batch size must be at least 1", Fix: "give a positive number of files per mini-batch"}
	}
	if s.InstanceCount != nil && *s.InstanceCount < 1 {
		return &ValidationError{Field: "Settings.InstanceCount", Value: fmt.Sprint(*s.InstanceCount), Problem: "the instance count must be at least 1", Fix: "give a positive number of instances"}
	}
	if s.ErrorThreshold != nil && *s.ErrorThreshold < -1 {
		return &ValidationError{Field: "Settings.ErrorThreshold", Value: fmt.Sprint(*s.ErrorThreshold), Problem: "the error threshold must be -1 (ignore failures) or more", Fix: "give -1 or a non-negative count"}
	}
	if s.MaxRetries != nil && *s.MaxRetries < 0 {
		return &ValidationError{Field: "Settings.MaxRetries", Value: fmt.Sprint(*s.MaxRetries), Problem: "max retries must not be negative", Fix: "give 0 or more"}
	}
	if s.RetryTimeout != nil && *s.RetryTimeout < time.Second {
		return &ValidationError{Field: "Settings.RetryTimeout", Value: s.RetryTimeout.String(), Problem: "the mini-batch timeout must be at least one second", Fix: "give a duration such as 30*time.Second"}
	}
	return nil
}

func checkName(section, name string, seen map[string]string) error {
	if err := validateIOName(section+"."+name, name); err != nil {
		return err
	}
	low := strings.ToLower(name)
	if prev, ok := seen[low]; ok {
		return &ValidationError{Field: section + "." + name, Value: name, Problem: fmt.Sprintf("the name collides with %s (names are compared ignoring case)", prev), Fix: "give each input and output a distinct name"}
	}
	seen[low] = section + "." + name
	return nil
}

func withField(err error, field string) error {
	if ve, ok := err.(*ValidationError); ok {
		return ve.WithField(field)
	}
	return fmt.Errorf("%s: %w", field, err)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isNilInput reports a nil pointer inside a non-nil Input interface (a
// var x *inputs.StorageURLInput put in the map): calling its methods would panic.
func isNilInput(in inputs.Input) bool {
	v := reflect.ValueOf(in)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// errMLTable refuses an MLTable input to a model deployment (the seed's rule:
// batch endpoints' model deployments don't read table assets).
func errMLTable(v string) *ValidationError {
	return &ValidationError{Value: v, Problem: "MLTable data isn't supported by batch endpoints",
		Fix: "register the data as a uri_folder or uri_file asset, or point at the folder itself"}
}
