package batchendpoint

import "time"

// CreateDataAssetOptions contains the optional parameters of Client.CreateDataAsset.
type CreateDataAssetOptions struct {
	// UploadProgress, if set, is called as a local Path is uploaded.
	UploadProgress func(UploadProgress)
	// UploadDatastore names the datastore a local Path is uploaded to
	// (default workspaceblobstore, where az ml and azure-ai-ml upload, so an
	// upload by either tool is reused by the other).
	UploadDatastore string
}

// DownloadOutputsOptions contains the optional parameters of Job.DownloadOutputs.
type DownloadOutputsOptions struct {
	// OutputName is the output to download. "" picks the job's only output (a
	// job with several outputs then needs a name; the error lists them).
	OutputName string
	// All downloads every output, each into <dir>/named-outputs/<name>, as
	// az ml job download --all does. It excludes OutputName.
	All bool
	// Concurrency is the number of files downloaded in parallel (default
	// ClientOptions.UploadConcurrency, else 8).
	Concurrency int
}

// LoadInvokeFileOptions contains the optional parameters of LoadInvokeFile.
type LoadInvokeFileOptions struct {
	// Sets are --set assignments applied, in order, after the file is read.
	Sets []string
}

// ParseInvokeFileOptions contains the optional parameters of ParseInvokeFile.
type ParseInvokeFileOptions struct {
	// Filename names the data in messages ("" with no data: Sets alone describe the job).
	Filename string
	// Sets are --set assignments applied, in order, after the data is read.
	Sets []string
}

// InvokeOptions contains the optional parameters of Client.Invoke.
type InvokeOptions struct {
	// RepeatabilityID is sent as repeatability_request-id. Empty: a new UUID per
	// call. Pass the id of an AmbiguousInvokeError to retry without creating a second job.
	RepeatabilityID string
	// RepeatabilityFirstSent is when the request under RepeatabilityID was first
	// sent (AmbiguousInvokeError.FirstSent); it goes out as Repeatability-First-Sent
	// so the service can tell a late resend from a new request, as Azure's REST API
	// guidelines for repeatable requests describe. Zero: the time of this call's
	// first attempt.
	RepeatabilityFirstSent time.Time
	// ScoringURI skips the endpoint lookup and posts to this URI (for callers that
	// hold only a data-plane token). The deployment lookup is skipped too, so the
	// deployment kind's rules apply only if InvokeRequest.DeploymentKind is set.
	ScoringURI string
	// MaxResends bounds resends after 429/503 with Retry-After and after failures to
	// connect (default 3; negative: never resend).
	MaxResends int
	// MaxRetryAfter is the longest Retry-After honoured (default 60 s); a longer one
	// ends the call with the service's error.
	MaxRetryAfter time.Duration
	// UploadProgress, if set, is called as local inputs are uploaded.
	UploadProgress func(UploadProgress)
	// UploadDatastore names the datastore local inputs are uploaded to
	// (default workspaceblobstore, where az ml and azure-ai-ml upload, so an
	// upload by either tool is reused by the other).
	UploadDatastore string
}

// PollOptions contains the optional parameters of Job.Poll.
type PollOptions struct {
	// placeholder for future optional parameters
}

// WaitOptions contains the optional parameters of Job.Wait.
type WaitOptions struct {
	// MinDelay is the first delay between polls (default ClientOptions.PollInterval, else 2 s).
	MinDelay time.Duration
	// MaxDelay caps the delay, which doubles after every poll (default 60 s). It
	// does not cap the service's Retry-After: Wait never polls sooner than that.
	MaxDelay time.Duration
	// Timeout bounds the whole wait (0: no bound other than ctx). Wait returns
	// at once when the next poll would come after it.
	Timeout time.Duration
	// MaxTransientErrors is how many polls in a row may fail with a transient
	// error (connection, 408, 429, 500, 502, 503, 504) before Wait returns the
	// last (default DefaultMaxTransientErrors; negative: the first ends the wait).
	// A successful poll starts the count again.
	MaxTransientErrors int
	// OnStatus, if set, is called with the details whenever the status changes.
	OnStatus func(JobDetails)
	// OnLog, if set, follows the logs of the job and of its child jobs: after
	// every poll it is called, in order, with each line appended to a log since
	// the last poll (read with Range requests from where the last read ended),
	// and once more after the job ends. Lines are redacted. A log that cannot
	// be read is read again after the next poll; logs never fail the wait.
	// Each poll then costs the Run History requests of Job.ListLogs as well.
	OnLog func(LogLine)
}

// CancelOptions contains the optional parameters of Job.Cancel.
type CancelOptions struct {
	// placeholder for future optional parameters
}

// GetJobOptions contains the optional parameters of Client.GetJob.
type GetJobOptions struct {
	// Endpoint and ScoringURI, when known, let a DataPlaneOnly client poll the job.
	Endpoint, ScoringURI string
}

// ResumeJobOptions contains the optional parameters of Client.ResumeJob.
type ResumeJobOptions struct {
	// placeholder for future optional parameters
}

// ListJobsOptions contains the optional parameters of Client.NewListJobsPager.
//
// JobType, Tag, ListViewType and Properties are sent to the service, which
// filters before it pages; Deployment, Statuses, CreatedAfter, CreatedBefore
// and Limit are applied by the client to what the service returns.
type ListJobsOptions struct {
	// Deployment, if set, keeps only the jobs this deployment ran (job tag
	// azureml.deploymentname).
	Deployment string
	// JobType is sent as jobType ("Pipeline" for batch jobs, as far as is
	// known; not sent by default, so a different type cannot hide every job).
	JobType string
	// Tag is sent as tag: only jobs that have a tag with this key are listed.
	// Default TagBatchRun, which the service sets on every batch job.
	Tag string
	// ListViewType is sent as listViewType (default: not sent, which the
	// service reads as ListViewTypeActiveOnly).
	ListViewType ListViewType
	// Properties is sent as properties: only jobs with each property are
	// listed; a non-empty value must match too. Names may not contain = or ,
	// and values may not contain ,.
	Properties map[string]string
	// Statuses, if set, keeps only jobs in one of these statuses.
	Statuses []JobStatus
	// CreatedAfter and CreatedBefore, if set, keep only jobs created in that
	// window (systemData.createdAt; After is inclusive, Before exclusive).
	CreatedAfter, CreatedBefore time.Time
	// Limit, if positive, ends the listing after that many jobs.
	Limit int
}

// FindJobOptions contains the optional parameters of Client.FindJob.
type FindJobOptions struct {
	// Deployment, if set, finds the job only if this deployment ran it.
	Deployment string
}

// UpdateJobTagsOptions contains the optional parameters of Client.UpdateJobTags.
type UpdateJobTagsOptions struct {
	// Merge keeps the job's other caller tags; the tags given are added or
	// replaced. Without it they replace every caller tag.
	Merge bool
}

// GetDatastoreOptions contains the optional parameters of Client.GetDatastore.
type GetDatastoreOptions struct {
	// placeholder for future optional parameters
}

// GetDefaultDatastoreOptions contains the optional parameters of Client.GetDefaultDatastore.
type GetDefaultDatastoreOptions struct {
	// placeholder for future optional parameters
}

// GetDataAssetOptions contains the optional parameters of Client.GetDataAsset.
type GetDataAssetOptions struct {
	// placeholder for future optional parameters
}

// GetEndpointOptions contains the optional parameters of Client.GetEndpoint.
type GetEndpointOptions struct {
	// placeholder for future optional parameters
}

// ListChildJobsOptions contains the optional parameters of Job.Children.
type ListChildJobsOptions struct {
	// placeholder for future optional parameters
}

// ListLogsOptions contains the optional parameters of Job.ListLogs.
type ListLogsOptions struct {
	// placeholder for future optional parameters
}

// DownloadLogsOptions contains the optional parameters of Job.DownloadLogs.
type DownloadLogsOptions struct {
	// Kind, if set, downloads only the logs of this kind (LogKindUser, LogKindSystem).
	Kind LogKind
}

// ListEndpointsOptions contains the optional parameters of Client.NewListEndpointsPager.
type ListEndpointsOptions struct {
	// placeholder for future optional parameters
}

// GetDeploymentOptions contains the optional parameters of Client.GetDeployment.
type GetDeploymentOptions struct {
	// placeholder for future optional parameters
}

// ListDeploymentsOptions contains the optional parameters of Client.NewListDeploymentsPager.
type ListDeploymentsOptions struct {
	// placeholder for future optional parameters
}

// ListDatastoresOptions contains the optional parameters of Client.NewListDatastoresPager.
type ListDatastoresOptions struct {
	// placeholder for future optional parameters
}

// ListDataAssetsOptions contains the optional parameters of Client.NewListDataAssetsPager.
type ListDataAssetsOptions struct {
	// ListViewType is sent as listViewType (default: not sent, which the
	// service reads as ListViewTypeActiveOnly).
	ListViewType ListViewType
	// Limit, if positive, ends the listing after that many assets.
	Limit int
}

// ListDataAssetVersionsOptions contains the optional parameters of Client.NewListDataAssetVersionsPager.
type ListDataAssetVersionsOptions struct {
	// ListViewType is sent as listViewType (default: not sent, which the
	// service reads as ListViewTypeActiveOnly).
	ListViewType ListViewType
	// Limit, if positive, ends the listing after that many versions (and is
	// sent as $top, so the service reads no more).
	Limit int
}

// ListWorkspaceJobsOptions contains the optional parameters of
// Client.NewListWorkspaceJobsPager. JobType, Tag, ListViewType and Properties
// are sent to the service, which filters before it pages; Statuses,
// CreatedAfter, CreatedBefore and Limit are applied by the client to what the
// service returns.
type ListWorkspaceJobsOptions struct {
	// JobType is sent as jobType (Pipeline, Command, Sweep, ...).
	JobType string
	// Tag is sent as tag: only jobs that have a tag with this key are listed
	// (TagBatchRun: batch jobs only). Default: every job.
	Tag string
	// ListViewType is sent as listViewType (default: not sent, which the
	// service reads as ListViewTypeActiveOnly).
	ListViewType ListViewType
	// Properties is sent as properties: only jobs with each property are
	// listed; a non-empty value must match too. Names may not contain = or ,
	// and values may not contain ,.
	Properties map[string]string
	// Statuses, if set, keeps only jobs in one of these statuses.
	Statuses []JobStatus
	// CreatedAfter and CreatedBefore, if set, keep only jobs created in that
	// window (systemData.createdAt; After is inclusive, Before exclusive).
	CreatedAfter, CreatedBefore time.Time
	// Limit, if positive, ends the listing after that many jobs.
	Limit int
}

// JobWatcherOptions contains the optional parameters of Client.NewJobWatcher.
type JobWatcherOptions struct {
	// OnEvent, if set, is called with each status change of a watched job and
	// once with its terminal status (JobEvent.Done). Calls come from Run's
	// goroutine, one at a time, in the order the watcher learns of them; a
	// slow OnEvent slows the watcher, not the budget. It may call Add.
	OnEvent func(JobEvent)
	// ReadsPerSecond caps the watcher's average ARM request rate (default
	// DefaultWatcherReadsPerSecond).
	ReadsPerSecond float64
	// ReserveReads: when an answer's x-ms-ratelimit-remaining-subscription-reads
	// is below it the watcher spaces its requests out further, up to four
	// times at none left (default DefaultWatcherReserveReads; negative: never).
	ReserveReads int
	// Interval is the time from the start of one round through the list to
	// the start of the next (default DefaultWatcherInterval). A round reads
	// pages until every watched job has been seen.
	Interval time.Duration
	// NotFoundAfter is how long a job may be missing from the list (since it
	// was added, or since it was last listed) before the watcher reads it by
	// name; a job the service does not know then ends with a *NotFoundError
	// event (default DefaultWatcherNotFoundAfter).
	NotFoundAfter time.Duration
	// Tag and Properties are sent as the list's tag and properties filters,
	// so pages hold only jobs that may be watched: a tag every watched job
	// carries (InvokeRequest.Tags) keeps pages dense. Default tag
	// TagBatchRun. The list view is always ListViewTypeAll.
	Tag        string
	Properties map[string]string
	// ExitWhenDone makes Run return nil once no added job is still running;
	// otherwise Run waits for more until ctx ends.
	ExitWhenDone bool
}
