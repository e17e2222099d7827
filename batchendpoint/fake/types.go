package fake

import (
	"context"
	"errors"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// Endpoint registers a batch endpoint. Its scoring URI is Workspace.ScoringURI(Name).
type Endpoint struct {
	// Name must be 3-32 characters: letters, digits and '-', starting with a letter.
	Name string
	// DefaultDeployment runs when a request names no deployment; it may be
	// registered after the endpoint.
	DefaultDeployment string
	// Description is the endpoint's description.
	Description string
}

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

// OutputAction is a model deployment's outputAction.
type OutputAction string

// Output actions.
const (
	// AppendRow writes every row returned by the ScoreFunc to the output file.
	AppendRow OutputAction = "AppendRow"
	// SummaryOnly writes no output file.
	SummaryOnly OutputAction = "SummaryOnly"
)

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
}

// Pipeline input types, as PipelineInput.Type reports them.
const (
	InputURIFolder = "UriFolder"
	InputURIFile   = "UriFile"
	InputLiteral   = "Literal"
)

// PipelineInput is one named input of a pipeline job.
type PipelineInput struct {
	// Type is InputURIFolder, InputURIFile or InputLiteral.
	Type string
	// URI is a data input's uri as the request sent it.
	URI string
	// Path is the local copy of a data input: a folder for InputURIFolder, a file
	// for InputURIFile.
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

// Pipeline output types, for PipelineOutput.Type.
const (
	OutputURIFolder = "UriFolder"
	OutputURIFile   = "UriFile"
)

// PipelineOutput declares an output of a pipeline component.
type PipelineOutput struct {
	// Type is OutputURIFolder (default) or OutputURIFile.
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
}

// JobError is a job's failure: the code and message a client reads back.
type JobError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *JobError) Error() string { return e.Code + ": " + e.Message }

// DatastoreType is a datastore's datastoreType.
type DatastoreType string

// Datastore types. Only AzureBlob datastores receive job outputs.
const (
	DatastoreAzureBlob         DatastoreType = "AzureBlob"
	DatastoreAzureDataLakeGen2 DatastoreType = "AzureDataLakeGen2"
	// DatastoreAzureFile datastores have no storage behind them in the fake;
	// they exist to test that they are rejected.
	DatastoreAzureFile DatastoreType = "AzureFile"
)

// CredentialsType is how a datastore reaches its storage (credentials.credentialsType).
type CredentialsType string

// Datastore credentials.
const (
	// CredentialsAccountKey stores the account key: listSecrets returns it.
	CredentialsAccountKey CredentialsType = "AccountKey"
	// CredentialsSAS stores a container SAS token: listSecrets returns it.
	CredentialsSAS CredentialsType = "Sas"
)

// Datastore registers a datastore backed by a container in the fake's Azurite.
type Datastore struct {
	// Name of the datastore, e.g. workspaceblobstore.
	Name string
	// Type defaults to DatastoreAzureBlob.
	Type DatastoreType
	// Container is the blob container (created if missing); a unique name when empty.
	Container string
	// Default makes it the workspace's default datastore.
	Default bool
	// Credentials defaults to CredentialsAccountKey.
	Credentials CredentialsType
	// Description is the datastore's description.
	Description string
}

// DataAsset registers a data asset version.
type DataAsset struct {
	// Name and Version identify the version.
	Name, Version string
	// Type is inputs.KindURIFolder (default), inputs.KindURIFile or inputs.KindMLTable.
	Type inputs.Kind
	// Path is the data's uri (dataUri), e.g. azureml://datastores/workspaceblobstore/paths/heart/.
	Path string
	// Description and Tags of the version.
	Description string
	Tags        map[string]string
	// CreatedAt orders versions for "latest"; now when zero.
	CreatedAt time.Time
}

func (d ModelDeployment) toEmulator() emulator.ModelDeployment {
	m := emulator.ModelDeployment{Name: d.Name, MiniBatchSize: d.MiniBatchSize, MaxConcurrencyPerInstance: d.MaxConcurrencyPerInstance,
		ErrorThreshold: d.ErrorThreshold, MaxRetries: d.MaxRetries, Timeout: d.Timeout, OutputAction: emulator.OutputAction(d.OutputAction),
		OutputFileName: d.OutputFileName, InstanceCount: d.InstanceCount}
	if f := d.Score; f != nil {
		m.Score = func(ctx context.Context, b emulator.MiniBatch) ([]string, error) {
			return f(ctx, MiniBatch{Index: b.Index, Attempt: b.Attempt, Files: b.Files})
		}
	}
	return m
}

func (d PipelineDeployment) toEmulator() emulator.PipelineDeployment {
	p := emulator.PipelineDeployment{Name: d.Name, ComponentID: d.ComponentID, Inputs: d.Inputs}
	if d.Outputs != nil {
		p.Outputs = make(map[string]emulator.PipelineOutput, len(d.Outputs))
		for k, o := range d.Outputs {
			p.Outputs[k] = emulator.PipelineOutput{Type: o.Type, FileName: o.FileName}
		}
	}
	if f := d.Run; f != nil {
		p.Run = func(ctx context.Context, r *emulator.PipelineRun) error {
			run := &PipelineRun{JobName: r.JobName, Inputs: make(map[string]PipelineInput, len(r.Inputs)), Outputs: r.Outputs}
			for k, in := range r.Inputs {
				run.Inputs[k] = PipelineInput{Type: in.Type, URI: in.URI, Path: in.Path, Value: in.Value}
			}
			err := f(ctx, run)
			var je *JobError
			if errors.As(err, &je) {
				return &emulator.JobError{Code: je.Code, Message: je.Message}
			}
			return err
		}
	}
	return p
}
