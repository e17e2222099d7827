package fake

import (
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// Most types below are the local emulator's own, declared once there and
// named here: the fields and their documentation are the emulator's.

// Endpoint registers a batch endpoint: Name (3-32 characters: letters, digits
// and '-', starting with a letter), DefaultDeployment (it may be registered
// after the endpoint), Description and ProvisioningState ("Succeeded" when
// empty; "Creating" reports a null scoringUri). Its scoring URI is
// Workspace.ScoringURI(Name).
type Endpoint = emulator.BatchEndpoint

// MiniBatch is the work a ScoreFunc gets: Index (from 0, in file-name order),
// Attempt (1 on the first try, growing with each retry) and Files, local paths
// of the input files downloaded for it, in blob-name order.
type MiniBatch = emulator.MiniBatch

// ScoreFunc plays a model deployment's scoring script. Each returned row becomes
// one line of the output file (predictions.csv) when the deployment's output
// action is AppendRow; rows should not contain newlines. An error fails the
// attempt: the mini-batch is retried up to MaxRetries times and then counts its
// files against ErrorThreshold.
type ScoreFunc = emulator.ScoreFunc

// OutputAction is a model deployment's outputAction.
type OutputAction = emulator.OutputAction

// Output actions.
const (
	// AppendRow writes every row returned by the ScoreFunc to the output file.
	AppendRow = emulator.AppendRow
	// SummaryOnly writes no output file.
	SummaryOnly = emulator.SummaryOnly
)

// ModelDeployment registers a model deployment whose scoring script is a Go
// function (Score). Zero fields take the service's defaults: MiniBatchSize 10,
// MaxConcurrencyPerInstance 1, ErrorThreshold -1 (nil: failures never fail the
// job), MaxRetries 3 (nil), Timeout 30 s, OutputAction AppendRow,
// OutputFileName predictions.csv, InstanceCount 1; a nil Score yields one row
// per input file, its base name. Simulate (a *Simulation) replaces Score for
// load tests.
type ModelDeployment = emulator.ModelDeployment

// Pipeline input types, as PipelineInput.Type reports them.
const (
	InputURIFolder = emulator.TypeURIFolder
	InputURIFile   = emulator.TypeURIFile
	InputLiteral   = emulator.TypeLiteral
)

// PipelineInput is one named input of a pipeline job: its Type (InputURIFolder,
// InputURIFile or InputLiteral), the URI a data input was sent with, Path (the
// local copy of a data input: a folder or a file) and a literal's Value as a
// string ("append", "5", "True", "0.5").
type PipelineInput = emulator.PipelineInput

// PipelineRun is what a PipelineFunc gets: the JobName, the Inputs by name
// (with declared literal defaults the request did not send) and Outputs, the
// local path to write for each output (a folder, already created, for
// uri_folder; a file path for uri_file), uploaded to the output locations
// afterwards.
type PipelineRun = emulator.PipelineRun

// PipelineFunc plays a pipeline component deployment's job. A returned error
// fails the job; return a *JobError to choose its code and message.
type PipelineFunc = emulator.PipelineFunc

// Pipeline output types, for PipelineOutput.Type.
const (
	OutputURIFolder = emulator.TypeURIFolder
	OutputURIFile   = emulator.TypeURIFile
)

// PipelineOutput declares an output of a pipeline component: Type
// (OutputURIFolder, the default, or OutputURIFile) and, for a uri_file output,
// FileName, its file at the default location azureml/<job-guid>/<output>/
// (the output's name when empty).
type PipelineOutput = emulator.PipelineOutput

// PipelineDeployment registers a pipeline component deployment run by a Go
// function (Run; nil completes without writing anything). Inputs, when
// non-nil, declares the component's inputs (a non-empty value is a literal's
// default) and Outputs its outputs; requests naming others are rejected, and
// declared outputs a request does not name go to their default location.
// Simulate (a *Simulation) replaces Run for load tests.
type PipelineDeployment = emulator.PipelineDeployment

// JobError is a job's failure: the Code and Message a client reads back.
type JobError = emulator.JobError

// DatastoreType is a datastore's datastoreType.
type DatastoreType = emulator.DatastoreType

// Datastore types. Only AzureBlob datastores receive job outputs.
const (
	DatastoreAzureBlob         = emulator.DatastoreAzureBlob
	DatastoreAzureDataLakeGen2 = emulator.DatastoreAzureDataLakeGen2
	// DatastoreAzureFile datastores have no storage behind them in the fake;
	// they exist to test that they are rejected.
	DatastoreAzureFile = emulator.DatastoreAzureFile
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
// The fake fills in the account, key or SAS token, so a test names only what it
// cares about.
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

// DataAsset registers a data asset version: Name and Version, Type
// (inputs.KindURIFolder, the default, inputs.KindURIFile or inputs.KindMLTable),
// Path (its dataUri, e.g. azureml://datastores/workspaceblobstore/paths/heart/),
// Description, Tags and CreatedAt (which orders versions for "latest"; now
// when zero).
type DataAsset = emulator.DataAsset

// ThrottleOptions configures ARM throttling (Options.ARMThrottle): Off, the
// per-principal Reads, Writes and Deletes buckets (zero fields take ARM's
// defaults) and GlobalFactor, the size of the subscription-wide bucket
// relative to them (15 when zero).
type ThrottleOptions = emulator.ThrottleOptions

// BucketLimit is a token bucket: Capacity requests at once, refilled at
// RefillPerSecond.
type BucketLimit = emulator.BucketLimit

// OpType is the kind of ARM operation a bucket counts: OpReads (GET, HEAD),
// OpWrites (PUT, PATCH, POST) or OpDeletes (DELETE).
type OpType = emulator.OpType

// ARM operation types.
const (
	OpReads   = emulator.OpReads
	OpWrites  = emulator.OpWrites
	OpDeletes = emulator.OpDeletes
)

// ThrottleStats counts ARM requests served and throttled, in total and per
// principal.
type ThrottleStats = emulator.ThrottleStats

// PrincipalStats counts the ARM requests of one (subscription, principal).
type PrincipalStats = emulator.PrincipalStats

// Simulation makes a deployment's jobs cheap, for load tests
// (ModelDeployment.Simulate, PipelineDeployment.Simulate): each job passes
// through Preparing, Queued, Running (for Duration) and Finalizing on timers,
// without running Score or Run, touching storage or writing logs, and ends as
// Outcome says (nil: Completed; a *JobError: Failed with its code). Holds,
// FailJob, FailNextJobs and cancel apply as to other jobs.
type Simulation = emulator.Simulation

// SimulatedJob is what a Simulation's functions get: the job's Name, its
// Index among the workspace's jobs (from 0, in creation order), Tags and Inputs.
type SimulatedJob = emulator.SimulatedJob
