package batchendpoint

import (
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
)

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
	// Tags and Properties are the job's service-set tags and properties.
	Tags       map[string]string
	Properties map[string]string
	// CreatedAt, CreatedBy, LastModifiedAt and LastModifiedBy come from systemData.
	CreatedAt      time.Time
	CreatedBy      string
	LastModifiedAt time.Time
	LastModifiedBy string
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
	// file system for ADLS Gen2). Endpoint is the storage suffix, e.g. core.windows.net.
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
