package batchendpoint

import "github.com/azmlbatch/azmlbatch/internal/wire"

// JobStatus is the status of a batch job as the service reports it.
type JobStatus string

// Job statuses (Azure ML JobStatus). Terminal: Completed, Failed, Canceled,
// NotResponding and Paused, as azure-ai-ml treats them.
const (
	JobStatusNotStarted      JobStatus = "NotStarted"
	JobStatusStarting        JobStatus = "Starting"
	JobStatusProvisioning    JobStatus = "Provisioning"
	JobStatusPreparing       JobStatus = "Preparing"
	JobStatusQueued          JobStatus = "Queued"
	JobStatusRunning         JobStatus = "Running"
	JobStatusFinalizing      JobStatus = "Finalizing"
	JobStatusCancelRequested JobStatus = "CancelRequested"
	JobStatusCompleted       JobStatus = "Completed"
	JobStatusFailed          JobStatus = "Failed"
	JobStatusCanceled        JobStatus = "Canceled"
	JobStatusNotResponding   JobStatus = "NotResponding"
	JobStatusPaused          JobStatus = "Paused"
	JobStatusUnknown         JobStatus = "Unknown"
	JobStatusScheduled       JobStatus = "Scheduled"
)

// PossibleJobStatusValues returns every job status.
func PossibleJobStatusValues() []JobStatus {
	return []JobStatus{JobStatusNotStarted, JobStatusStarting, JobStatusProvisioning, JobStatusPreparing,
		JobStatusQueued, JobStatusRunning, JobStatusFinalizing, JobStatusCancelRequested, JobStatusCompleted,
		JobStatusFailed, JobStatusCanceled, JobStatusNotResponding, JobStatusPaused, JobStatusUnknown, JobStatusScheduled}
}

// IsTerminal reports whether the job has stopped and its status will not change.
// "Succeeded", which some REST samples also test for, counts as terminal.
func (s JobStatus) IsTerminal() bool {
	switch s {
	case JobStatusCompleted, JobStatusFailed, JobStatusCanceled, JobStatusNotResponding, JobStatusPaused, "Succeeded":
		return true
	}
	return false
}

// IsSuccess reports whether the job completed successfully.
func (s JobStatus) IsSuccess() bool { return s == JobStatusCompleted || s == "Succeeded" }

// DeploymentKind tells model deployments from pipeline component deployments.
type DeploymentKind string

const (
	// DeploymentKindModel is a model deployment (a model and a scoring script).
	DeploymentKindModel DeploymentKind = "Model"
	// DeploymentKindPipelineComponent is a pipeline component deployment.
	DeploymentKindPipelineComponent DeploymentKind = "PipelineComponent"
)

// PossibleDeploymentKindValues returns the deployment kinds.
func PossibleDeploymentKindValues() []DeploymentKind {
	return []DeploymentKind{DeploymentKindModel, DeploymentKindPipelineComponent}
}

// ResourceType names the kind of resource a NotFoundError reports missing.
type ResourceType string

// Resource types named by NotFoundError.ResourceType.
const (
	ResourceBatchEndpoint ResourceType = "batch endpoint"
	ResourceDeployment    ResourceType = "deployment"
	ResourceDatastore     ResourceType = "datastore"
	ResourceDataAsset     ResourceType = "data asset"
	// ResourceJob is a job looked for by its repeatability id (Client.FindJob).
	ResourceJob ResourceType = "job with repeatability id"
)

// PossibleResourceTypeValues returns the resource types.
func PossibleResourceTypeValues() []ResourceType {
	return []ResourceType{ResourceBatchEndpoint, ResourceDeployment, ResourceDatastore, ResourceDataAsset, ResourceJob}
}

// LogKind tells user logs from system logs.
type LogKind string

// Log kinds, by the folder the service writes a log into.
const (
	// LogKindUser is what the scoring script or pipeline step wrote
	// (user_logs/, logs/user/, and the mini-batch error logs).
	LogKindUser LogKind = "user"
	// LogKindSystem is what the service's own processes wrote
	// (system_logs/, logs/sys/, azureml-logs/).
	LogKindSystem LogKind = "system"
	// LogKindOther is a log in neither folder.
	LogKindOther LogKind = "other"
)

// PossibleLogKindValues returns the log kinds.
func PossibleLogKindValues() []LogKind {
	return []LogKind{LogKindUser, LogKindSystem, LogKindOther}
}

// DefaultUploadDatastore is the datastore local data is uploaded to unless
// the caller names another (InvokeOptions.UploadDatastore,
// CreateDataAssetOptions.UploadDatastore): azure-ai-ml and az ml upload there
// too, so an upload by either tool is found, and not repeated, by the other.
const DefaultUploadDatastore = "workspaceblobstore"

// ListViewType selects active or archived jobs in a jobs list (the listViewType
// filter of the ARM jobs list).
type ListViewType string

// List view types of the ARM jobs list.
const (
	// ListViewTypeActiveOnly lists jobs that are not archived (the service's default).
	ListViewTypeActiveOnly ListViewType = "ActiveOnly"
	// ListViewTypeArchivedOnly lists archived jobs only.
	ListViewTypeArchivedOnly ListViewType = "ArchivedOnly"
	// ListViewTypeAll lists both.
	ListViewTypeAll ListViewType = "All"
)

// PossibleListViewTypeValues returns the list view types.
func PossibleListViewTypeValues() []ListViewType {
	return []ListViewType{ListViewTypeActiveOnly, ListViewTypeArchivedOnly, ListViewTypeAll}
}

// TagBatchRun is the tag key the service sets on every batch endpoint job
// (value "true"); job lists filter on it by default.
const TagBatchRun = wire.TagBatchRun

// RepeatabilityTagPrefix starts the key of the tag Client.Invoke sets on every
// job to record its repeatability_request-id: the key is the prefix followed by
// the id (or, for an id with other characters than letters, digits, '.', '_'
// and '-', by "sha256-" and part of its hash), the value is the id. Client.FindJob
// lists by this key.
const RepeatabilityTagPrefix = wire.RepeatabilityTagPrefix

// RepeatabilityTagKey returns the key of the tag that records the repeatability id on its job.
func RepeatabilityTagKey(repeatabilityID string) string {
	k, _ := wire.RepeatabilityTag(repeatabilityID)
	return k
}
