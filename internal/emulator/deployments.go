package emulator

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Input and output types, as PipelineInput.Type reports them and
// PipelineOutput.Type declares them.
const (
	TypeURIFolder = "UriFolder"
	TypeURIFile   = "UriFile"
	TypeLiteral   = "Literal"
)

// MiniBatch is the work a ScoreFunc gets: some of the job's input files,
// downloaded to local disk.
type MiniBatch struct {
	// Index numbers the mini-batch from 0, in file-name order.
	Index int
	// Attempt is 1 on the first try and grows with each retry.
	Attempt int
	// Files are local paths of the input files, in blob-name order.
	Files []string
}

// ScoreFunc plays a model deployment's scoring script. Each returned row becomes
// one line of the output file (predictions.csv) when the deployment's output
// action is AppendRow; rows should not contain newlines. An error fails the
// attempt: the mini-batch is retried up to MaxRetries times and then counts its
// files against ErrorThreshold.
type ScoreFunc func(ctx context.Context, batch MiniBatch) (rows []string, err error)

// ModelDeployment registers a model deployment whose scoring script is a Go
// function. Zero fields take the service's defaults, noted on each.
type ModelDeployment struct {
	// Name must be 3-32 characters: letters, digits and '-', starting with a letter.
	Name string
	// MiniBatchSize is the number of files per mini-batch; 10 when zero.
	MiniBatchSize int
	// MaxConcurrencyPerInstance is the number of mini-batches scored in parallel; 1 when zero.
	MaxConcurrencyPerInstance int
	// ErrorThreshold is the number of failed input files tolerated; nil means -1
	// (failures never fail the job).
	ErrorThreshold *int
	// MaxRetries is the number of attempts per mini-batch; nil means 3.
	MaxRetries *int
	// Timeout bounds one attempt; 30 s when zero.
	Timeout time.Duration
	// OutputAction is AppendRow (default) or SummaryOnly.
	OutputAction OutputAction
	// OutputFileName names the output file; "predictions.csv" when empty.
	OutputFileName string
	// InstanceCount is the deployment's instance count; 1 when zero.
	InstanceCount int
	// Score scores mini-batches; when nil every input file yields one row, its base name.
	Score ScoreFunc
	// Simulate, when set, replaces running Score: jobs pass through their
	// statuses on timers without reading inputs or writing outputs and logs.
	Simulate *Simulation
}

func (d *ModelDeployment) validate() error {
	if d.MiniBatchSize < 0 || d.MaxConcurrencyPerInstance < 0 || d.InstanceCount < 0 || d.Timeout < 0 {
		return errors.New("emulator: negative deployment setting")
	}
	if d.OutputAction != "" && d.OutputAction != AppendRow && d.OutputAction != SummaryOnly {
		return fmt.Errorf("emulator: invalid output action %q", d.OutputAction)
	}
	if d.MiniBatchSize == 0 {
		d.MiniBatchSize = 10
	}
	if d.MaxConcurrencyPerInstance == 0 {
		d.MaxConcurrencyPerInstance = 1
	}
	if d.ErrorThreshold == nil {
		d.ErrorThreshold = Ptr(-1)
	}
	if d.MaxRetries == nil {
		d.MaxRetries = Ptr(3)
	}
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	if d.OutputAction == "" {
		d.OutputAction = AppendRow
	}
	if d.OutputFileName == "" {
		d.OutputFileName = "predictions.csv"
	}
	if d.InstanceCount == 0 {
		d.InstanceCount = 1
	}
	if d.Score == nil {
		d.Score = func(_ context.Context, b MiniBatch) ([]string, error) {
			rows := make([]string, len(b.Files))
			for i, f := range b.Files {
				rows[i] = filepath.Base(f)
			}
			return rows, nil
		}
	}
	return nil
}

// PipelineInput is one named input of a pipeline job.
type PipelineInput struct {
	// Type is "UriFolder", "UriFile" or "Literal".
	Type string
	// URI is a data input's uri as the request sent it.
	URI string
	// Path is the local copy of a data input: a folder for UriFolder, a file
	// for UriFile.
	Path string
	// Value is a literal's value as a string ("append", "5", "True", "0.5").
	Value string
}

// PipelineRun is what a PipelineFunc gets.
type PipelineRun struct {
	// JobName is the job's name (pipelinejob-<uuid>).
	JobName string
	// Inputs are the job's inputs by name, including declared literal defaults
	// the request did not send.
	Inputs map[string]PipelineInput
	// Outputs maps each output name to the local path the function writes: a
	// folder (already created) for uri_folder outputs, a file path for uri_file
	// outputs. Their content is uploaded to the output locations afterwards.
	Outputs map[string]string
}

// PipelineFunc plays a pipeline component deployment's job. A returned error
// fails the job; return a *JobError to choose its code and message.
type PipelineFunc func(ctx context.Context, run *PipelineRun) error

// PipelineOutput declares an output of a pipeline component.
type PipelineOutput struct {
	// Type is "UriFolder" (default) or "UriFile".
	Type string
	// FileName names a uri_file output's file at its default location
	// azureml/<job-guid>/<output>/<FileName>; the output's name when empty.
	FileName string
}

// PipelineDeployment registers a pipeline component deployment run by a Go function.
type PipelineDeployment struct {
	// Name must be 3-32 characters: letters, digits and '-', starting with a letter.
	Name string
	// ComponentID is reported in the deployment's configuration;
	// "azureml:<Name>@latest" when empty.
	ComponentID string
	// Inputs, when non-nil, declares the component's inputs: requests naming
	// other inputs are rejected. A non-empty value is a literal input's default.
	Inputs map[string]string
	// Outputs declares the component's outputs. Declared outputs a request does
	// not name go to their default location; requests naming undeclared outputs
	// are rejected. Nil accepts any output name.
	Outputs map[string]PipelineOutput
	// Run runs the job; when nil the job completes without writing anything.
	Run PipelineFunc
	// Steps names the component's steps: each becomes a child run of the job
	// (properties["azureml.moduleName"]), in order. One step named after the
	// component when empty.
	Steps []string
	// Simulate, when set, replaces Run: jobs pass through their statuses on
	// timers without reading inputs or writing outputs and logs.
	Simulate *Simulation
}

func (d *PipelineDeployment) validate() error {
	if d.ComponentID == "" {
		d.ComponentID = "azureml:" + d.Name + "@latest"
	}
	if len(d.Steps) == 0 {
		name := strings.TrimPrefix(d.ComponentID, "azureml:")
		if i := strings.IndexAny(name, "@:"); i > 0 {
			name = name[:i]
		}
		d.Steps = []string{name}
	} else {
		d.Steps = append([]string(nil), d.Steps...)
	}
	if d.Inputs != nil {
		in := make(map[string]string, len(d.Inputs))
		for k, v := range d.Inputs {
			in[k] = v
		}
		d.Inputs = in
	}
	if d.Outputs != nil {
		out := make(map[string]PipelineOutput, len(d.Outputs))
		for k, v := range d.Outputs {
			out[k] = v
		}
		d.Outputs = out
	}
	for n, o := range d.Outputs {
		switch o.Type {
		case "":
			o.Type = "UriFolder"
		case "UriFolder", "UriFile":
		default:
			return fmt.Errorf("emulator: output %s: invalid type %q", n, o.Type)
		}
		if o.FileName == "" {
			o.FileName = n
		}
		d.Outputs[n] = o
	}
	return nil
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }
