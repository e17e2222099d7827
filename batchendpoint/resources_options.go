package batchendpoint

import "time"

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
