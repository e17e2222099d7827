package batchendpoint

// DownloadOutputsResponse describes what Job.DownloadOutputs wrote.
type DownloadOutputsResponse struct {
	// Output is the output's name and Location its URI as the job reports it;
	// both "" with DownloadOutputsOptions.All (see Outputs).
	Output, Location string
	// Datastore and Path locate that output in the workspace's storage.
	Datastore, Path string
	// ChildJob names the child job whose outputs were read, when the job
	// reports none itself (a model deployment's batchscoring child); "" otherwise.
	ChildJob string
	// Files are every local file written, sorted.
	Files []string
	// Bytes is the total size of Files.
	Bytes int64
	// Outputs are the outputs downloaded, one per output (sorted by name).
	Outputs []DownloadedOutput
	// Status is the job's final status.
	Status JobStatus
	// Incomplete reports a job that ended without completing (Failed,
	// Canceled, ...): what its outputs hold was downloaded, and may be partial;
	// an output without files is Missing rather than an error.
	Incomplete bool
}

// DownloadedOutput is one output written by Job.DownloadOutputs.
type DownloadedOutput struct {
	// Name is the output's name and Location its URI as reported.
	Name, Location string
	// Datastore and Path locate it in the workspace's storage.
	Datastore, Path string
	// ChildJob is the child job it belongs to ("" for the job's own output).
	ChildJob string
	// Files are the local files written, sorted; Bytes their total size.
	Files []string
	Bytes int64
	// Missing reports an output of an incomplete job that has no files (or no location).
	Missing bool
}

// ListJobsResponse is one page of Client.NewListJobsPager.
type ListJobsResponse struct {
	// Jobs of the endpoint on this page, as the ARM jobs list reports them.
	Jobs []JobDetails

	nextLink string
}

// CreateDataAssetResponse contains the response of Client.CreateDataAsset.
type CreateDataAssetResponse struct {
	// DataAsset is the version created.
	DataAsset
}

// GetEndpointResponse contains the response of Client.GetEndpoint.
type GetEndpointResponse struct {
	Endpoint
}

// GetDatastoreResponse contains the response of Client.GetDatastore.
type GetDatastoreResponse struct {
	Datastore
}

// GetDefaultDatastoreResponse contains the response of Client.GetDefaultDatastore.
type GetDefaultDatastoreResponse struct {
	Datastore
}

// GetDataAssetResponse contains the response of Client.GetDataAsset.
type GetDataAssetResponse struct {
	DataAsset
}

// ListChildJobsResponse contains the response of Job.Children.
type ListChildJobsResponse struct {
	// Children are the job's child jobs, in the order the service lists them.
	Children []ChildJob
}

// ListLogsResponse contains the response of Job.ListLogs.
type ListLogsResponse struct {
	// Logs are the log files of the job and of its child jobs, the job's own
	// first, each job's sorted by name.
	Logs []LogFile
}

// DownloadLogsResponse contains the response of Job.DownloadLogs.
type DownloadLogsResponse struct {
	// Files are the local files written, sorted.
	Files []string
	// Bytes is the total size of Files.
	Bytes int64
}

// UpdateJobTagsResponse contains the response of Client.UpdateJobTags.
type UpdateJobTagsResponse struct {
	// JobDetails is the job as the service answered the update.
	JobDetails
}

// ListEndpointsResponse is one page of Client.NewListEndpointsPager.
type ListEndpointsResponse struct {
	// Endpoints on this page.
	Endpoints []Endpoint
}

// GetDeploymentResponse contains the response of Client.GetDeployment.
type GetDeploymentResponse struct {
	Deployment
}

// ListDeploymentsResponse is one page of Client.NewListDeploymentsPager.
type ListDeploymentsResponse struct {
	// Deployments on this page.
	Deployments []Deployment
}

// ListDatastoresResponse is one page of Client.NewListDatastoresPager.
type ListDatastoresResponse struct {
	// Datastores on this page.
	Datastores []Datastore
}

// ListDataAssetsResponse is one page of Client.NewListDataAssetsPager.
type ListDataAssetsResponse struct {
	// DataAssets on this page, each with all its versions.
	DataAssets []DataAssetContainer
}

// ListDataAssetVersionsResponse is one page of Client.NewListDataAssetVersionsPager.
type ListDataAssetVersionsResponse struct {
	// Versions on this page, newest first.
	Versions []DataAsset
}

// ListWorkspaceJobsResponse is one page of Client.NewListWorkspaceJobsPager.
type ListWorkspaceJobsResponse struct {
	// Jobs on this page, as the ARM jobs list reports them.
	Jobs []JobDetails
}
