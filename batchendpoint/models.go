package batchendpoint

import (
	"fmt"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Workspace identifies an Azure Machine Learning workspace.
type Workspace struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
}

// ID returns the workspace's ARM id.
func (w Workspace) ID() string { return w.arm().ID() }

func (w Workspace) arm() armid.Workspace {
	return armid.Workspace{Subscription: w.SubscriptionID, ResourceGroup: w.ResourceGroup, Name: w.Name}
}

// ParseWorkspaceID parses a workspace ARM id
// (/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>).
func ParseWorkspaceID(id string) (Workspace, error) {
	r, ok := armid.Parse(strings.TrimRight(id, "/"))
	if !ok || len(r.Rest) != 0 {
		return Workspace{}, &ValidationError{Field: "workspace", Value: id, Problem: "not a workspace ARM id",
			Fix: "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>"}
	}
	return Workspace{r.Workspace.Subscription, r.Workspace.ResourceGroup, r.Workspace.Name}, nil
}

// JobDetails is what the service reports about a batch job.
type JobDetails struct {
	// Name identifies the job in every later call (batchjob-<uuid> or pipelinejob-<uuid>).
	Name string
	// ID is the job's resource id as the service returned it.
	ID string
	// DisplayName is the job's display name.
	DisplayName string
	// Status is the job's status when it was read.
	Status JobStatus
	// StudioURL opens the job in Azure ML Studio.
	StudioURL string
	// TrackingURL is the MLflow tracking URI of the job.
	TrackingURL string
	// ExperimentName is the experiment the job belongs to (known from the ARM job).
	ExperimentName string
	// Deployment is the deployment that ran the job (tag azureml.deploymentname).
	Deployment string
	// Inputs are the job's inputs as the service recorded them.
	Inputs map[string]JobInput
	// Outputs are the job's output locations; the service fills in default locations.
	Outputs map[string]JobOutput
	// Tags and Properties are the job's tags and properties: the service's
	// (azureml.*), the caller's, and the SDK's tag recording the repeatability id.
	Tags       map[string]string
	Properties map[string]string
	// Description is the job's description.
	Description string
	// RepeatabilityID is the repeatability_request-id of the invoke that created
	// the job, as recorded in its tags ("" for a job invoked otherwise).
	RepeatabilityID string
	// CreatedAt, CreatedBy, LastModifiedAt and LastModifiedBy come from systemData.
	CreatedAt      time.Time
	CreatedBy      string
	LastModifiedAt time.Time
	LastModifiedBy string
	// Error is why the job failed, when the service says (the job's
	// properties.error, else its Run History); nil otherwise.
	Error *JobError
	// JobType is the ARM job's type (Pipeline for batch jobs, Command, Sweep,
	// ...) when the job was read from Resource Manager; "" otherwise.
	JobType string
}

// JobError is a failed job's error as the service reports it. Code and Message
// are stored redacted: they often quote the job's inputs (storage URLs with
// their SAS) and what it logged.
type JobError struct {
	// Code is the service's error code, such as UserError.
	Code string
	// Message says what went wrong.
	Message string
	// Details are the errors that led to this one, in the same shape.
	Details []JobError
}

// JobInput is an input as recorded on a job.
type JobInput struct {
	// Kind is uri_folder, uri_file, a literal kind (reported as string) or a model kind.
	Kind inputs.Kind
	// URI is the data location; Value the literal value.
	URI, Value string
	// Mode is the input mode as the service reports it.
	Mode string
}

// JobOutput is an output location as recorded on a job.
type JobOutput struct {
	// Kind is uri_folder or uri_file.
	Kind inputs.Kind
	// URI is the location: a datastore ARM id or azureml:// URI followed by /paths/<path>.
	URI string
	// Mode is the output mode as the service reports it.
	Mode string
}

// Datastore describes a datastore registered in the workspace.
type Datastore struct {
	// Name is the datastore's name; ID its ARM id.
	Name, ID string
	// Type is the datastore type: AzureBlob, AzureDataLakeGen2, AzureDataLakeGen1, AzureFile, ...
	Type string
	// AccountName, Container and Endpoint locate the storage (Container is the
	// file system for ADLS Gen2, the file share for Azure Files). Endpoint is
	// the storage suffix, e.g. core.windows.net.
	AccountName, Container, Endpoint, Protocol string
	// IsDefault reports whether this is the workspace's default datastore.
	IsDefault bool
	// CredentialsType is how the workspace reaches the storage: AccountKey, Sas, None (identity), ...
	CredentialsType string
}

// DataAsset describes a version of a registered data asset.
type DataAsset struct {
	// Name, Version and ID identify the version.
	Name, Version, ID string
	// Kind is uri_file, uri_folder or mltable.
	Kind string
	// Path is the data location (dataUri).
	Path string
	// Description of the asset version.
	Description string
	// Tags of the asset version.
	Tags map[string]string
	// CreatedAt is when the version was created.
	CreatedAt time.Time
}

// DataAssetSpec describes a data asset version to create with CreateDataAsset.
type DataAssetSpec struct {
	// Name of the data asset, e.g. heart-data.
	Name string
	// Version to create; "" creates the next integer version after the most
	// recently created one ("1" for a new asset).
	Version string
	// Description of the version.
	Description string
	// Kind is inputs.KindURIFolder or inputs.KindURIFile. Empty: what a local
	// path is on disk, else uri_folder.
	Kind inputs.Kind
	// Path is the data: a local file or folder (uploaded to the default datastore
	// first, as for a local job input), an https:// storage URL without a SAS, or a
	// datastore path (azureml://datastores/<ds>/paths/<p> or a datastore ARM id
	// followed by /paths/<p>), kept as given.
	Path string
	// Tags of the version.
	Tags map[string]string
}

// InvokeFile is a job described the way az ml batch-endpoint invoke --file and
// --set describe one: an inputs.yml / inputs-and-outputs.yml document (top-level
// keys inputs, outputs, deployment, endpoint) with key=value assignments applied
// on top, such as "inputs.heart_data.type=uri_folder",
// "inputs.score_mode.default=append" or "output_file_name=out.csv".
type InvokeFile struct {
	// Endpoint is the file's endpoint key ("" when absent); the CLI uses it when
	// no endpoint name is given.
	Endpoint string
	// Request is the job. Request.Deployment comes from the file's deployment key.
	Request InvokeRequest
}

// Endpoint describes a batch endpoint.
type Endpoint struct {
	// Name of the endpoint.
	Name string
	// ScoringURI is where jobs are POSTed (InvokeOptions.ScoringURI for data-plane-only callers).
	ScoringURI string
	// DefaultDeployment runs jobs that name no deployment ("" when none is set).
	DefaultDeployment string
	// ID is the endpoint's ARM id, Location its Azure region.
	ID, Location string
	// Description of the endpoint.
	Description string
	// AuthMode is how callers authenticate: AADToken for batch endpoints.
	AuthMode string
	// OpenAPIURI is the endpoint's OpenAPI (swagger) document.
	OpenAPIURI string
	// ProvisioningState is Succeeded once the endpoint can take jobs (Creating,
	// Updating, Deleting, Failed otherwise).
	ProvisioningState string
	// Tags and Properties of the endpoint.
	Tags, Properties map[string]string
	// Identity is the endpoint's managed identity; nil when it reports none.
	Identity *ManagedIdentity
	// SystemData says who created and last changed the endpoint, and when.
	SystemData SystemData
}

// Format prints the input with secrets in URI and Value redacted, for every
// verb: the service echoes storage URL inputs back with their SAS, a literal may
// hold one, and JobDetails values end up in logs. The fields keep the values.
func (i JobInput) Format(f fmt.State, verb rune) {
	type jobInput JobInput // same fields, no methods: printed as a plain struct
	c := i
	c.URI, c.Value, c.Mode = redact.String(c.URI), redact.String(c.Value), redact.String(c.Mode)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobInput(c))
}

// Format prints the output with secrets in URI redacted, for every verb.
func (o JobOutput) Format(f fmt.State, verb rune) {
	type jobOutput JobOutput
	c := o
	c.URI, c.Mode = redact.String(c.URI), redact.String(c.Mode)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobOutput(c))
}

// Format prints the details with every string redacted, for every verb: tags,
// properties and names are service text that may quote a secret.
func (d JobDetails) Format(f fmt.State, verb rune) {
	type jobDetails JobDetails
	c := d
	for _, s := range []*string{&c.Name, &c.ID, &c.DisplayName, &c.StudioURL, &c.TrackingURL, &c.ExperimentName,
		&c.Deployment, &c.CreatedBy, &c.LastModifiedBy, &c.Description, &c.RepeatabilityID} {
		*s = redact.String(*s)
	}
	c.Status = JobStatus(redact.String(string(c.Status)))
	c.Tags, c.Properties = redactMap(c.Tags), redactMap(c.Properties)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobDetails(c))
}

// Format prints the error with every string redacted, for every verb, as a
// plain struct (also where it is a field of JobDetails, which fmt would
// otherwise print as a pointer).
func (e JobError) Format(f fmt.State, verb rune) {
	type jobError JobError
	c := jobError{Code: redact.String(e.Code), Message: redact.String(e.Message), Details: e.Details}
	fmt.Fprintf(f, fmt.FormatString(f, verb), c)
}

// redactMap returns a copy of m with keys and values redacted (nil stays nil).
func redactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[redact.String(k)] = redact.String(v)
	}
	return out
}

// detailsOf copies what the codec decoded from a job body.
func detailsOf(w wire.Details) JobDetails {
	d := JobDetails{Name: w.Name, ID: w.ID, DisplayName: w.DisplayName, Status: JobStatus(w.Status), StudioURL: w.StudioURL,
		TrackingURL: w.TrackingURL, ExperimentName: w.ExperimentName, Deployment: w.Deployment, Tags: w.Tags, Properties: w.Properties,
		Description: w.Description, RepeatabilityID: w.RepeatabilityID, CreatedAt: w.CreatedAt, CreatedBy: w.CreatedBy, LastModifiedAt: w.LastModifiedAt, LastModifiedBy: w.LastModifiedBy,
		JobType: w.JobType}
	for k, v := range w.Inputs {
		if d.Inputs == nil {
			d.Inputs = make(map[string]JobInput, len(w.Inputs))
		}
		d.Inputs[k] = JobInput(v)
	}
	for k, v := range w.Outputs {
		if d.Outputs == nil {
			d.Outputs = make(map[string]JobOutput, len(w.Outputs))
		}
		d.Outputs[k] = JobOutput{Kind: v.Kind, URI: v.URI, Mode: v.Mode}
	}
	return d
}

// ChildJob is a child job of a batch job: a step of a pipeline component
// deployment's job, or the scoring child (module batchscoring) of a model
// deployment's job.
type ChildJob struct {
	// Name identifies the child job (its Run History run id); Client.GetJob attaches to it.
	Name string
	// DisplayName is the child's display name.
	DisplayName string
	// Status is the child's status when it was read.
	Status JobStatus
	// ModuleName is the child's azureml.moduleName property: batchscoring for
	// a model deployment's scoring child, the step's component otherwise.
	ModuleName string
	// Outputs are the child's outputs with their locations.
	Outputs map[string]JobOutput
	// Properties and Tags are the child's service-set properties and tags.
	Properties, Tags map[string]string
}

// LogFile is one log file of a job or of one of its child jobs.
type LogFile struct {
	// Job is the job that wrote the log: the job itself or one of its child jobs.
	Job string
	// Name is the log's name as the service gives it, a slash path such as
	// user_logs/std_log.txt or system_logs/lifecycler/execution-wrapper.log.
	Name string
	// Kind tells user logs from system logs, by the folder the service puts them in.
	Kind LogKind

	url string // the service's URL of the log, with its SAS; never shown
}

// LogLine is a line appended to a log while Job.Wait follows the job's logs.
type LogLine struct {
	// Job and File name the log (LogFile.Job and LogFile.Name).
	Job, File string
	// Text is the line without its line break, redacted (logs quote SAS URLs and tokens).
	Text string
}

// Format prints the child job with every string redacted, for every verb, as
// JobDetails prints.
func (c ChildJob) Format(f fmt.State, verb rune) {
	type childJob ChildJob
	r := c
	for _, s := range []*string{&r.Name, &r.DisplayName, &r.ModuleName} {
		*s = redact.String(*s)
	}
	r.Status = JobStatus(redact.String(string(r.Status)))
	r.Properties, r.Tags = redactMap(r.Properties), redactMap(r.Tags)
	fmt.Fprintf(f, fmt.FormatString(f, verb), childJob(r))
}

// Format prints the log file without its URL, whose SAS reads the log, for
// every verb.
func (l LogFile) Format(f fmt.State, verb rune) {
	type logFile struct {
		Job, Name string
		Kind      LogKind
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), logFile{Job: redact.String(l.Job), Name: redact.String(l.Name), Kind: l.Kind})
}

// SystemData says who created and last modified a resource, and when (ARM's
// systemData). Zero fields were not reported.
type SystemData struct {
	// CreatedAt and CreatedBy say when and by whom the resource was created;
	// CreatedByType is User, Application, ManagedIdentity or Key.
	CreatedAt                time.Time
	CreatedBy, CreatedByType string
	// LastModifiedAt, LastModifiedBy and LastModifiedByType are the same for
	// the last change.
	LastModifiedAt                     time.Time
	LastModifiedBy, LastModifiedByType string
}

// ManagedIdentity is a resource's managed identity.
type ManagedIdentity struct {
	// Type is SystemAssigned, UserAssigned, "SystemAssigned,UserAssigned" or None.
	Type string
	// PrincipalID and TenantID identify the system-assigned identity.
	PrincipalID, TenantID string
	// UserAssigned are the user-assigned identities, keyed by their ARM id.
	UserAssigned map[string]UserAssignedIdentity
}

// UserAssignedIdentity is one user-assigned identity of a ManagedIdentity.
type UserAssignedIdentity struct {
	// PrincipalID and ClientID identify the identity.
	PrincipalID, ClientID string
}

// AssetReference points at a registered asset (a model or a component).
type AssetReference struct {
	// ReferenceType is how the asset is named: Id (AssetID), DataPath or OutputPath.
	ReferenceType string
	// AssetID is the asset's ARM id when ReferenceType is Id.
	AssetID string
}

// CodeConfiguration is a model deployment's scoring code.
type CodeConfiguration struct {
	// CodeID is the ARM id of the code asset version.
	CodeID string
	// ScoringScript is the script, relative to the code's root, that scores mini-batches.
	ScoringScript string
}

// DeploymentResources is the compute a model deployment runs on.
type DeploymentResources struct {
	// InstanceCount is the number of nodes per job; nil when not reported.
	InstanceCount *int32
	// InstanceType is the VM size ("" for the cluster's).
	InstanceType string
	// Properties are further settings as the service reports them.
	Properties map[string]any
}

// RetrySettings is how a model deployment retries a failed mini-batch.
type RetrySettings struct {
	// MaxRetries is the number of tries per mini-batch; nil when not reported.
	MaxRetries *int32
	// Timeout is the time allowed per mini-batch, an ISO 8601 duration such as PT30S.
	Timeout string
}

// Deployment describes a batch deployment. Model deployments fill the fields
// from Model to RetrySettings; pipeline component deployments Component and Settings.
type Deployment struct {
	// Name of the deployment, Endpoint the endpoint it belongs to, ID its ARM id.
	Name, Endpoint, ID string
	// Kind tells model deployments from pipeline component deployments.
	Kind DeploymentKind
	// Location is the Azure region.
	Location string
	// Description of the deployment.
	Description string
	// Tags and Properties of the deployment.
	Tags, Properties map[string]string
	// ProvisioningState is Succeeded once the deployment can run jobs.
	ProvisioningState string
	// Compute is the ARM id of the compute cluster jobs run on.
	Compute string

	// Model is the model scored; nil for pipeline component deployments.
	Model *AssetReference
	// CodeConfiguration is the scoring code; nil when the model needs none (MLflow).
	CodeConfiguration *CodeConfiguration
	// EnvironmentID is the ARM id of the environment version.
	EnvironmentID string
	// EnvironmentVariables are set for the scoring script.
	EnvironmentVariables map[string]string
	// ErrorThreshold is how many failed files a job tolerates (-1: any); nil when not reported.
	ErrorThreshold *int32
	// LoggingLevel is the scoring script's log level (Info, Warning, Debug).
	LoggingLevel string
	// MaxConcurrencyPerInstance is the number of scoring processes per node.
	MaxConcurrencyPerInstance *int32
	// MiniBatchSize is the number of files per mini-batch.
	MiniBatchSize *int64
	// OutputAction is AppendRow (one output file) or SummaryOnly.
	OutputAction string
	// OutputFileName is the output file of AppendRow.
	OutputFileName string
	// Resources is the compute per job.
	Resources *DeploymentResources
	// RetrySettings is how mini-batches are retried.
	RetrySettings *RetrySettings

	// Component is the pipeline component run; nil for model deployments.
	Component *AssetReference
	// Settings are the pipeline component deployment's settings
	// (default_<input> values, continue_on_step_failure, ...).
	Settings map[string]string

	// SystemData says who created and last changed the deployment, and when.
	SystemData SystemData
}

// DataAssetContainer describes a registered data asset with all its versions.
type DataAssetContainer struct {
	// Name and ID identify the asset.
	Name, ID string
	// Kind is the data type of its versions (uri_file, uri_folder, mltable) when reported.
	Kind string
	// Description of the asset.
	Description string
	// LatestVersion is the most recent version; NextVersion the integer
	// version the service would assign next. Either may be "".
	LatestVersion, NextVersion string
	// Tags and Properties of the asset.
	Tags, Properties map[string]string
	// Archived reports an archived asset.
	Archived bool
	// SystemData says who created and last changed the asset, and when.
	SystemData SystemData
}

// JobEvent is a change of a watched job.
type JobEvent struct {
	// Name is the job's name.
	Name string
	// Status is the job's status now; Previous the status known before ("" at
	// the watcher's first sight of a job added by name).
	Status, Previous JobStatus
	// Job is the job as the list reported it (no failure details: Client.GetJob
	// reads them from Run History).
	Job JobDetails
	// Done reports the job's last event: its status is terminal, or Err is set.
	Done bool
	// Err is set when the job cannot be followed: the service does not know it
	// (a *NotFoundError wrapping its 404).
	Err error
}

// JobWatcherStats counts a watcher's requests.
type JobWatcherStats struct {
	// Requests is the number of ARM requests sent (list pages and reads by name).
	Requests int
	// Throttled is the number of answers 429.
	Throttled int
	// Rounds is the number of rounds through the list started.
	Rounds int
}
