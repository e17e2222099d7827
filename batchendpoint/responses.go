package batchendpoint

// DownloadOutputsResponse describes what Job.DownloadOutputs wrote.
type DownloadOutputsResponse struct {
	// Output is the output's name and Location its URI as the job reports it.
	Output, Location string
	// Datastore and Path locate the output in the workspace's storage.
	Datastore, Path string
	// Files are the local files written, sorted.
	Files []string
	// Bytes is the total size of Files.
	Bytes int64
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
