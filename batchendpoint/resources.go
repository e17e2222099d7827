package batchendpoint

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Listing and reading the workspace's resources as az ml ... list and show do:
// one ARM list per pager, each nextLink followed on the ARM host only.

// NewListEndpointsPager lists the workspace's batch endpoints (az ml
// batch-endpoint list), in the order the service returns them.
func (c *Client) NewListEndpointsPager(_ *ListEndpointsOptions) *runtime.Pager[ListEndpointsResponse] {
	return newListPager(c, "Client.NewListEndpointsPager", listSpec[wire.BatchEndpoint, Endpoint]{
		path: "/batchEndpoints",
		conv: func(w *wire.BatchEndpoint) (Endpoint, bool) { return endpointFromWire(w), true },
	}, func(items []Endpoint) ListEndpointsResponse { return ListEndpointsResponse{Endpoints: items} })
}

// getEndpoint reads endpoint name afresh and refreshes Invoke's cache with it.
func (c *Client) getEndpoint(ctx context.Context, name string) (Endpoint, error) {
	if err := validateEndpointName(name); err != nil {
		return Endpoint{}, err
	}
	if c.opts.DataPlaneOnly {
		return Endpoint{}, errNeedsARMRead
	}
	var w wire.BatchEndpoint
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/batchEndpoints/"+url.PathEscape(name), nil), nil, &w); err != nil {
		if isNotFound(err) {
			c.forgetEndpoint(name)
			return Endpoint{}, c.notFound(ctx, ResourceBatchEndpoint, name, "", "", "/batchEndpoints", err)
		}
		return Endpoint{}, err
	}
	e := endpointFromWire(&w)
	if e.Name == "" {
		e.Name = name
	}
	if e.ScoringURI != "" {
		c.mu.Lock()
		c.eps[name] = c.newCachedEndpoint(e.ScoringURI, e.DefaultDeployment)
		c.mu.Unlock()
	}
	return e, nil
}

// GetDeployment returns deployment name of endpoint (az ml batch-deployment
// show): one ARM request, whose answer also refreshes Invoke's cache. A
// deployment that does not exist is a *NotFoundError listing the endpoint's
// deployments; so is an endpoint that does not exist (ResourceBatchEndpoint).
func (c *Client) GetDeployment(ctx context.Context, endpoint, name string, _ *GetDeploymentOptions) (resp GetDeploymentResponse, err error) {
	ctx, end := c.span(ctx, "Client.GetDeployment")
	defer func() { end(err) }()
	if err := validateEndpointName(endpoint); err != nil {
		return resp, err
	}
	if err := validateDeploymentName("name", name); err != nil {
		return resp, err
	}
	if c.opts.DataPlaneOnly {
		return resp, errNeedsARMRead
	}
	base := "/batchEndpoints/" + url.PathEscape(endpoint) + "/deployments"
	var w wire.BatchDeployment
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL(base+"/"+url.PathEscape(name), nil), nil, &w); err != nil {
		if isNotFound(err) {
			nf := c.notFound(ctx, ResourceDeployment, name, "", endpoint, base, err)
			if nf.Available == nil && c.endpointMissing(ctx, endpoint) {
				nf = c.notFound(ctx, ResourceBatchEndpoint, endpoint, "", "", "/batchEndpoints", err)
			}
			return resp, nf
		}
		return resp, err
	}
	resp.Deployment = deploymentFromWire(endpoint, &w)
	if resp.Name == "" {
		resp.Name = name
	}
	c.mu.Lock()
	c.deps[deploymentKey{endpoint, name}] = cachedDeployment{kind: resp.Kind, at: time.Now()}
	c.mu.Unlock()
	return resp, nil
}

// endpointMissing reports whether the endpoint's GET answers 404.
func (c *Client) endpointMissing(ctx context.Context, endpoint string) bool {
	_, err := c.armDo(ctx, http.MethodGet, c.armURL("/batchEndpoints/"+url.PathEscape(endpoint), nil), nil, nil)
	return isNotFound(err)
}

// NewListDeploymentsPager lists the deployments of endpoint (az ml
// batch-deployment list). An endpoint that does not exist is a
// *NotFoundError (ResourceBatchEndpoint), from NextPage.
func (c *Client) NewListDeploymentsPager(endpoint string, _ *ListDeploymentsOptions) *runtime.Pager[ListDeploymentsResponse] {
	return newListPager(c, "Client.NewListDeploymentsPager", listSpec[wire.BatchDeployment, Deployment]{
		check: func() error { return validateEndpointName(endpoint) },
		path:  "/batchEndpoints/" + url.PathEscape(endpoint) + "/deployments",
		conv: func(w *wire.BatchDeployment) (Deployment, bool) {
			return deploymentFromWire(endpoint, w), true
		},
		notFound: func(ctx context.Context, err error) error {
			return c.notFound(ctx, ResourceBatchEndpoint, endpoint, "", "", "/batchEndpoints", err)
		},
	}, func(items []Deployment) ListDeploymentsResponse { return ListDeploymentsResponse{Deployments: items} })
}

// NewListDatastoresPager lists the workspace's datastores (az ml datastore list).
func (c *Client) NewListDatastoresPager(_ *ListDatastoresOptions) *runtime.Pager[ListDatastoresResponse] {
	return newListPager(c, "Client.NewListDatastoresPager", listSpec[wire.Datastore, Datastore]{
		path: "/datastores",
		conv: func(w *wire.Datastore) (Datastore, bool) { return datastoreFromWire(w), true },
	}, func(items []Datastore) ListDatastoresResponse { return ListDatastoresResponse{Datastores: items} })
}

// NewListDataAssetsPager lists the workspace's data assets, each with all its
// versions (az ml data list).
func (c *Client) NewListDataAssetsPager(options *ListDataAssetsOptions) *runtime.Pager[ListDataAssetsResponse] {
	var o ListDataAssetsOptions
	if options != nil {
		o = *options
	}
	q := url.Values{}
	return newListPager(c, "Client.NewListDataAssetsPager", listSpec[wire.DataContainer, DataAssetContainer]{
		check: func() error { return listViewQuery(q, "ListDataAssetsOptions.ListViewType", o.ListViewType) },
		path:  "/data", query: q, limit: o.Limit,
		conv: func(w *wire.DataContainer) (DataAssetContainer, bool) { return dataContainerFromWire(w), true },
	}, func(items []DataAssetContainer) ListDataAssetsResponse {
		return ListDataAssetsResponse{DataAssets: items}
	})
}

// NewListDataAssetVersionsPager lists the versions of data asset name, newest
// first (az ml data list -n). The service lists no versions for a name that
// does not exist; the pager then asks for the asset and returns a
// *NotFoundError when it does not exist, from NextPage.
func (c *Client) NewListDataAssetVersionsPager(name string, options *ListDataAssetVersionsOptions) *runtime.Pager[ListDataAssetVersionsResponse] {
	var o ListDataAssetVersionsOptions
	if options != nil {
		o = *options
	}
	base := "/data/" + url.PathEscape(name)
	q := url.Values{"$orderBy": {"createdtime desc"}}
	if o.Limit > 0 {
		q.Set("$top", strconv.Itoa(o.Limit))
	}
	return newListPager(c, "Client.NewListDataAssetVersionsPager", listSpec[wire.DataVersion, DataAsset]{
		check: func() error {
			// The name's rule is the data asset input's; the version is a placeholder.
			if err := inputs.DataAsset(name, "1").Validate(); err != nil {
				return err
			}
			return listViewQuery(q, "ListDataAssetVersionsOptions.ListViewType", o.ListViewType)
		},
		path: base + "/versions", query: q, limit: o.Limit,
		conv: func(w *wire.DataVersion) (DataAsset, bool) { return dataAssetFromWire(w), true },
		empty: func(ctx context.Context) error {
			_, err := c.armDo(ctx, http.MethodGet, c.armURL(base, nil), nil, nil)
			if isNotFound(err) {
				return c.notFound(ctx, ResourceDataAsset, name, "", "", "/data", err)
			}
			return err
		},
	}, func(items []DataAsset) ListDataAssetVersionsResponse {
		return ListDataAssetVersionsResponse{Versions: items}
	})
}

// NewListWorkspaceJobsPager lists the workspace's jobs, newest first as the
// service orders them (az ml job list): every job by default, not only batch
// jobs (NewListJobsPager lists one endpoint's). Pages without a job left by
// the client-side filters are skipped, so every page but the last holds at
// least one job. Errors, including validation of options, come from NextPage.
// The child jobs of a job are Job.Children.
func (c *Client) NewListWorkspaceJobsPager(options *ListWorkspaceJobsOptions) *runtime.Pager[ListWorkspaceJobsResponse] {
	var o ListWorkspaceJobsOptions
	if options != nil {
		o = *options
	}
	// The endpoint listing's options, for its query and filters; the tag is
	// this listing's own (no default).
	lo := ListJobsOptions{JobType: o.JobType, Tag: o.Tag, ListViewType: o.ListViewType, Properties: o.Properties,
		Statuses: o.Statuses, CreatedAfter: o.CreatedAfter, CreatedBefore: o.CreatedBefore}
	q := url.Values{}
	return newListPager(c, "Client.NewListWorkspaceJobsPager", listSpec[wire.Job, JobDetails]{
		check: func() error {
			jq, err := jobsQuery(&lo)
			if err != nil {
				var ve *ValidationError
				if errors.As(err, &ve) {
					e := *ve
					if rest, ok := strings.CutPrefix(ve.Field, "ListJobsOptions"); ok {
						e.Field = "ListWorkspaceJobsOptions" + rest
					}
					return &e
				}
				return err
			}
			jq.Tag = o.Tag
			for k, v := range jq.Values() {
				q[k] = v
			}
			return nil
		},
		path: "/jobs", query: q, limit: o.Limit,
		conv: func(w *wire.Job) (JobDetails, bool) {
			d := detailsOf(w.Details())
			return d, keep(&lo, &d)
		},
	}, func(items []JobDetails) ListWorkspaceJobsResponse { return ListWorkspaceJobsResponse{Jobs: items} })
}

// listViewQuery validates v and sets it as listViewType in q when given.
func listViewQuery(q url.Values, field string, v ListViewType) error {
	switch v {
	case "":
	case ListViewTypeActiveOnly, ListViewTypeArchivedOnly, ListViewTypeAll:
		q.Set("listViewType", string(v))
	default:
		return &ValidationError{Field: field, Value: printable(string(v)), Problem: "unknown list view type", Fix: "use ListViewTypeActiveOnly, ListViewTypeArchivedOnly or ListViewTypeAll"}
	}
	return nil
}

// errNeedsARMRead is the error of a resource read on a DataPlaneOnly client.
var errNeedsARMRead = &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "reading workspace resources is an ARM operation", Fix: "use a client without DataPlaneOnly"}

// listSpec describes an ARM list of W resources read as T.
type listSpec[W, T any] struct {
	// check validates the arguments (and may fill query) before the first request.
	check func() error
	// path and query are the first page's, below the workspace.
	path  string
	query url.Values
	// conv reads one resource; false leaves it out (a client-side filter).
	conv func(*W) (T, bool)
	// limit, if positive, ends the listing after that many items.
	limit int
	// notFound, if set, maps a 404 of the first page.
	notFound func(context.Context, error) error
	// empty, if set, is asked when the whole listing is empty; its error is NextPage's.
	empty func(context.Context) error
}

// newListPager pages through an ARM list as s says, wrapping each page's items.
// A page whose items are all filtered out is skipped within the same NextPage.
func newListPager[W, T, R any](c *Client, api string, s listSpec[W, T], wrap func([]T) R) *runtime.Pager[R] {
	// The pager calls Fetcher sequentially, so plain variables carry its state.
	var next string
	seen := 0
	return runtime.NewPager(runtime.PagingHandler[R]{
		More: func(R) bool { return next != "" && (s.limit <= 0 || seen < s.limit) },
		Fetcher: func(ctx context.Context, page *R) (resp R, err error) {
			ctx, end := c.span(ctx, api)
			defer func() { end(err) }()
			first := page == nil
			if first {
				if s.check != nil {
					if err := s.check(); err != nil {
						return resp, err
					}
				}
				if c.opts.DataPlaneOnly {
					return resp, errNeedsARMRead
				}
				next = c.armURL(s.path, s.query)
			}
			var items []T
			for {
				if err := c.checkNextLink(next); err != nil {
					next = ""
					return resp, err
				}
				var raw wire.List[W]
				if _, err := c.armDo(ctx, http.MethodGet, next, nil, &raw); err != nil {
					next = ""
					if first && s.notFound != nil && isNotFound(err) {
						return resp, s.notFound(ctx, err)
					}
					return resp, err
				}
				next = raw.NextLink
				for i := range raw.Value {
					if s.limit > 0 && seen >= s.limit {
						next = ""
						break
					}
					if v, ok := s.conv(&raw.Value[i]); ok {
						items = append(items, v)
						seen++
					}
				}
				if len(items) > 0 || next == "" {
					break
				}
			}
			if first && seen == 0 && next == "" && s.empty != nil {
				if err := s.empty(ctx); err != nil {
					return resp, err
				}
			}
			return wrap(items), nil
		},
		Tracer: c.tracer,
	})
}

func systemDataFromWire(sd *wire.SystemData) SystemData {
	if sd == nil {
		return SystemData{}
	}
	return SystemData{CreatedAt: wire.ParseTime(sd.CreatedAt), CreatedBy: sd.CreatedBy, CreatedByType: sd.CreatedByType,
		LastModifiedAt: wire.ParseTime(sd.LastModifiedAt), LastModifiedBy: sd.LastModifiedBy, LastModifiedByType: sd.LastModifiedByType}
}

func identityFromWire(id *wire.Identity) *ManagedIdentity {
	if id == nil {
		return nil
	}
	m := &ManagedIdentity{Type: id.Type, PrincipalID: id.PrincipalID, TenantID: id.TenantID}
	for k, v := range id.UserAssignedIdentities {
		if m.UserAssigned == nil {
			m.UserAssigned = make(map[string]UserAssignedIdentity, len(id.UserAssignedIdentities))
		}
		m.UserAssigned[k] = UserAssignedIdentity(v)
	}
	return m
}

func assetRefFromWire(r *wire.AssetReference) *AssetReference {
	if r == nil || (r.ReferenceType == "" && r.AssetID == "") {
		return nil
	}
	return &AssetReference{ReferenceType: r.ReferenceType, AssetID: r.AssetID}
}

func endpointFromWire(w *wire.BatchEndpoint) Endpoint {
	p := w.Properties
	e := Endpoint{Name: w.Name, ID: w.ID, Location: w.Location, ScoringURI: p.ScoringURI, Description: p.Description,
		AuthMode: p.AuthMode, OpenAPIURI: p.SwaggerURI, ProvisioningState: p.ProvisioningState, Tags: w.Tags,
		Properties: p.Properties, Identity: identityFromWire(w.Identity), SystemData: systemDataFromWire(w.SystemData)}
	if d := p.Defaults; d != nil && d.DeploymentName != nil {
		e.DefaultDeployment = *d.DeploymentName
	}
	return e
}

// deploymentFromWire reads a deployment of endpoint.
func deploymentFromWire(endpoint string, w *wire.BatchDeployment) Deployment {
	p := w.Properties
	d := Deployment{Name: w.Name, Endpoint: endpoint, ID: w.ID, Kind: DeploymentKindModel, Location: w.Location,
		Description: p.Description, Tags: w.Tags, Properties: p.Properties, ProvisioningState: p.ProvisioningState,
		Compute: p.Compute, Model: assetRefFromWire(p.Model), EnvironmentID: p.EnvironmentID,
		EnvironmentVariables: p.EnvironmentVariables, ErrorThreshold: p.ErrorThreshold, LoggingLevel: p.LoggingLevel,
		MaxConcurrencyPerInstance: p.MaxConcurrencyPerInstance, MiniBatchSize: p.MiniBatchSize,
		OutputAction: p.OutputAction, OutputFileName: p.OutputFileName, SystemData: systemDataFromWire(w.SystemData)}
	if c := p.CodeConfiguration; c != nil {
		d.CodeConfiguration = &CodeConfiguration{CodeID: c.CodeID, ScoringScript: c.ScoringScript}
	}
	if r := p.Resources; r != nil {
		d.Resources = &DeploymentResources{InstanceCount: r.InstanceCount, InstanceType: r.InstanceType, Properties: r.Properties}
	}
	if r := p.RetrySettings; r != nil {
		d.RetrySettings = &RetrySettings{MaxRetries: r.MaxRetries, Timeout: r.Timeout}
	}
	// The same test as Invoke's deployment lookup.
	if cfg := p.DeploymentConfiguration; cfg != nil && strings.EqualFold(cfg.DeploymentConfigurationType, "PipelineComponent") {
		d.Kind = DeploymentKindPipelineComponent
		d.Component = assetRefFromWire(cfg.ComponentID)
		d.Settings = cfg.Settings
	}
	return d
}

func dataContainerFromWire(w *wire.DataContainer) DataAssetContainer {
	p := w.Properties
	return DataAssetContainer{Name: w.Name, ID: w.ID, Kind: p.DataType, Description: p.Description,
		LatestVersion: p.LatestVersion, NextVersion: p.NextVersion, Tags: p.Tags, Properties: p.Properties,
		Archived: p.IsArchived, SystemData: systemDataFromWire(w.SystemData)}
}
