package emulator

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// MiniBatch is the work a ScoreFunc gets: a slice of the job's input files,
// downloaded to local disk.
type MiniBatch struct {
	// Index of the mini-batch, from 0, in file-name order.
	Index int
	// Attempt is 1 on the first try and grows with each retry.
	Attempt int
	// Files are local paths of the input files, in the order the service would
	// list them (blob name order).
	Files []string
}

// ScoreFunc scores one mini-batch. Each returned row becomes one line of the
// output file when the deployment's outputAction is AppendRow (it should not
// contain a newline). An error fails the attempt; the mini-batch is retried up to
// the deployment's maxRetries and then counts its files against errorThreshold.
type ScoreFunc func(ctx context.Context, batch MiniBatch) (rows []string, err error)

// ModelDeployment registers a model deployment whose scoring script is a Go func.
// Zero fields take the service defaults noted on each.
type ModelDeployment struct {
	Name string
	// MiniBatchSize is the number of files per mini-batch; 10 when zero.
	MiniBatchSize int
	// MaxConcurrencyPerInstance is the number of mini-batches scored in parallel; 1 when zero.
	MaxConcurrencyPerInstance int
	// ErrorThreshold is the number of failed input files tolerated; -1 (ignore all
	// failures) when nil.
	ErrorThreshold *int
	// MaxRetries is the number of attempts per mini-batch (retrySettings.maxRetries); 3 when nil.
	MaxRetries *int
	// Timeout bounds one attempt (retrySettings.timeout); 30 s when zero.
	Timeout time.Duration
	// OutputAction is AppendRow (default) or SummaryOnly.
	OutputAction OutputAction
	// OutputFileName is the name of the output file; "predictions.csv" when empty.
	OutputFileName string
	// InstanceCount is resources.instanceCount; 1 when zero.
	InstanceCount int
	// Score scores mini-batches; when nil each file yields one row with its base name.
	Score ScoreFunc
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

// PipelineInput is one named input handed to a PipelineFunc.
type PipelineInput struct {
	// Type is "UriFolder", "UriFile" or "Literal".
	Type string
	// URI is the input's uri as sent (data inputs).
	URI string
	// Path is the local copy of a data input: a folder for UriFolder, a file for UriFile.
	Path string
	// Value is a literal's value in its string form ("append", "5", "True").
	Value string
}

// PipelineRun is what a PipelineFunc gets.
type PipelineRun struct {
	// JobName is the job's name (pipelinejob-<uuid>).
	JobName string
	// Inputs are the job's inputs by name, including declared defaults not sent.
	Inputs map[string]PipelineInput
	// Outputs maps each output name to the local path the function writes:
	// a folder (created) for UriFolder outputs, a file path for UriFile outputs.
	// The emulator uploads them to the output locations after the function returns.
	Outputs map[string]string
}

// PipelineFunc runs a pipeline component deployment's job. A returned error fails
// the job (with *JobError's code and message when it is one).
type PipelineFunc func(ctx context.Context, run *PipelineRun) error

// PipelineOutput declares a pipeline component output.
type PipelineOutput struct {
	// Type is "UriFolder" (default) or "UriFile".
	Type string
	// FileName names the file of a UriFile output at its default location
	// azureml/<job-guid>/<output>/<FileName>; the output name when empty.
	FileName string
}

// PipelineDeployment registers a pipeline component deployment run by a Go func.
type PipelineDeployment struct {
	Name string
	// ComponentID is the component's asset id reported in deploymentConfiguration;
	// "azureml:<Name>@latest" when empty.
	ComponentID string
	// Inputs, when non-nil, declares the component's inputs; requests naming any
	// other input are rejected. A non-empty value is the default of a literal input.
	Inputs map[string]string
	// Outputs declares the component's outputs. Declared outputs a request does
	// not name are written to their default location; requests naming undeclared
	// outputs are rejected. Nil accepts any output name.
	Outputs map[string]PipelineOutput
	// Run runs the job; when nil the job completes without writing anything.
	Run PipelineFunc
}

func (d *PipelineDeployment) validate() error {
	if d.ComponentID == "" {
		d.ComponentID = "azureml:" + d.Name + "@latest"
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
