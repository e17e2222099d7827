package batchendpoint_test

// Listing and reading the workspace's resources against the fake: each pager
// returns exactly the workspace's resources across pages, refuses a nextLink
// off the ARM host, and names what is missing.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// pageSizePolicy makes the fake's ARM lists answer n items a page (the
// emulator's count query key; its nextLinks keep it), so that a few
// resources span several pages.
type pageSizePolicy int

func (n pageSizePolicy) Do(req *policy.Request) (*http.Response, error) {
	if r := req.Raw(); r.Method == http.MethodGet && !r.URL.Query().Has("count") {
		q := r.URL.Query()
		q.Set("count", strconv.Itoa(int(n)))
		r.URL.RawQuery = q.Encode()
	}
	return req.Next()
}

// offHostPolicy moves every nextLink the fake answers to another host, as a
// compromised or misconfigured service could.
type offHostPolicy struct{ armEndpoint string }

func (p offHostPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = bytes.ReplaceAll(body, []byte(`"nextLink":"`+p.armEndpoint), []byte(`"nextLink":"https://evil.example.com`))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// resourcesEnv is a workspace with three endpoints (the first with three
// deployments, one a pipeline deployment), three datastores, three data
// assets (heart-data with three versions) and a client whose lists answer
// two items a page.
func resourcesEnv(t *testing.T) (*fake.Workspace, *batchendpoint.Client) {
	t.Helper()
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true, NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: "ep-a", DefaultDeployment: "dep-1", Description: "first"})
	w.AddEndpoint(fake.Endpoint{Name: "ep-b"})
	w.AddEndpoint(fake.Endpoint{Name: "ep-c", ProvisioningState: "Creating"})
	w.AddModelDeployment("ep-a", fake.ModelDeployment{Name: "dep-1", MiniBatchSize: 5, InstanceCount: 2})
	w.AddPipelineDeployment("ep-a", fake.PipelineDeployment{Name: "dep-2", ComponentID: "azureml:prepros:1"})
	w.AddModelDeployment("ep-a", fake.ModelDeployment{Name: "dep-3"})
	w.AddDatastore(fake.Datastore{Name: "adls", Type: fake.DatastoreAzureDataLakeGen2, Container: "lake"})
	w.AddDatastore(fake.Datastore{Name: "files", Type: fake.DatastoreAzureFile, Container: "share"})
	created := time.Now().Add(-time.Hour)
	for v := 1; v <= 3; v++ {
		w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: strconv.Itoa(v), CreatedAt: created.Add(time.Duration(v) * time.Minute),
			Path: "azureml://datastores/workspaceblobstore/paths/heart/v" + strconv.Itoa(v), Description: "v" + strconv.Itoa(v)})
	}
	w.AddDataAsset(fake.DataAsset{Name: "table-data", Version: "1", Type: inputs.KindMLTable, Path: "azureml://datastores/workspaceblobstore/paths/table"})
	w.AddDataAsset(fake.DataAsset{Name: "file-data", Version: "7", Type: inputs.KindURIFile, Path: "azureml://datastores/workspaceblobstore/paths/f.csv"})
	return w, pagedClient(t, w, pageSizePolicy(2))
}

func pagedClient(t *testing.T, w *fake.Workspace, policies ...policy.Policy) *batchendpoint.Client {
	t.Helper()
	o := w.ClientOptions()
	o.PerCallPolicies = append(o.PerCallPolicies, policies...)
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
	require.NoError(t, err)
	return c
}

// listNames reads every page of a pager and returns the names on each page.
func listNames[R any](t *testing.T, p *runtime.Pager[R], names func(R) []string) ([][]string, error) {
	t.Helper()
	var pages [][]string
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return pages, err
		}
		pages = append(pages, names(page))
	}
	return pages, nil
}

func names[T any](items []T, name func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

func endpointNames(r batchendpoint.ListEndpointsResponse) []string {
	return names(r.Endpoints, func(e batchendpoint.Endpoint) string { return e.Name })
}

func deploymentNames(r batchendpoint.ListDeploymentsResponse) []string {
	return names(r.Deployments, func(d batchendpoint.Deployment) string { return d.Name })
}

func datastoreNames(r batchendpoint.ListDatastoresResponse) []string {
	return names(r.Datastores, func(d batchendpoint.Datastore) string { return d.Name })
}

func dataAssetNames(r batchendpoint.ListDataAssetsResponse) []string {
	return names(r.DataAssets, func(d batchendpoint.DataAssetContainer) string { return d.Name })
}

func versionNames(r batchendpoint.ListDataAssetVersionsResponse) []string {
	return names(r.Versions, func(d batchendpoint.DataAsset) string { return d.Name + ":" + d.Version })
}

// TestListResourcesPagers: each pager returns exactly the workspace's
// resources, page by page as the service pages them (two a page), with one
// request per page.
func TestListResourcesPagers(t *testing.T) {
	w, c := resourcesEnv(t)
	tests := []struct {
		name  string
		list  func() ([][]string, error)
		route fake.Route
		pages [][]string
	}{
		{name: "endpoints", route: fake.RouteListBatchEndpoints, pages: [][]string{{"ep-a", "ep-b"}, {"ep-c"}},
			list: func() ([][]string, error) { return listNames(t, c.NewListEndpointsPager(nil), endpointNames) }},
		{name: "deployments", route: fake.RouteListDeployments, pages: [][]string{{"dep-1", "dep-2"}, {"dep-3"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDeploymentsPager("ep-a", nil), deploymentNames)
			}},
		{name: "no deployments", route: fake.RouteListDeployments, pages: [][]string{{}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDeploymentsPager("ep-b", nil), deploymentNames)
			}},
		{name: "datastores", route: fake.RouteListDatastores, pages: [][]string{{fake.DefaultDatastore, "adls"}, {"files"}},
			list: func() ([][]string, error) { return listNames(t, c.NewListDatastoresPager(nil), datastoreNames) }},
		{name: "data assets", route: fake.RouteListDataContainers, pages: [][]string{{"heart-data", "table-data"}, {"file-data"}},
			list: func() ([][]string, error) { return listNames(t, c.NewListDataAssetsPager(nil), dataAssetNames) }},
		{name: "data assets limit", route: fake.RouteListDataContainers, pages: [][]string{{"heart-data", "table-data"}, {"file-data"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDataAssetsPager(&batchendpoint.ListDataAssetsOptions{Limit: 5}), dataAssetNames)
			}},
		{name: "data assets limit within a page", route: fake.RouteListDataContainers, pages: [][]string{{"heart-data"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDataAssetsPager(&batchendpoint.ListDataAssetsOptions{Limit: 1}), dataAssetNames)
			}},
		{name: "versions newest first", route: fake.RouteListDataVersions, pages: [][]string{{"heart-data:3", "heart-data:2"}, {"heart-data:1"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDataAssetVersionsPager("heart-data", nil), versionNames)
			}},
		{name: "versions limit", route: fake.RouteListDataVersions, pages: [][]string{{"heart-data:3", "heart-data:2"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDataAssetVersionsPager("heart-data", &batchendpoint.ListDataAssetVersionsOptions{Limit: 2}), versionNames)
			}},
		{name: "one version", route: fake.RouteListDataVersions, pages: [][]string{{"file-data:7"}},
			list: func() ([][]string, error) {
				return listNames(t, c.NewListDataAssetVersionsPager("file-data", nil), versionNames)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			got, err := tc.list()
			require.NoError(t, err)
			assert.Equal(t, tc.pages, got)
			assert.Equal(t, len(tc.pages), w.RequestCount(tc.route), "one request per page")
			for i, r := range w.Requests(tc.route) {
				assert.Equal(t, batchendpoint.DefaultAPIVersion, r.Query.Get("api-version"), "request %d", i)
				assert.Equal(t, i > 0, r.Query.Has("$skipToken"), "request %d follows the nextLink", i)
			}
		})
	}
	t.Run("versions query", func(t *testing.T) {
		w.ClearRequests()
		_, err := c.NewListDataAssetVersionsPager("heart-data", &batchendpoint.ListDataAssetVersionsOptions{Limit: 2, ListViewType: batchendpoint.ListViewTypeAll}).
			NextPage(context.Background())
		require.NoError(t, err)
		reqs := w.Requests(fake.RouteListDataVersions)
		require.Len(t, reqs, 1)
		assert.Equal(t, "createdtime desc", reqs[0].Query.Get("$orderBy"))
		assert.Equal(t, "2", reqs[0].Query.Get("$top"))
		assert.Equal(t, "All", reqs[0].Query.Get("listViewType"))
	})
}

// TestListResourcesFields: what the pagers and getters read from each
// resource, the fields az ml ... show prints.
func TestListResourcesFields(t *testing.T) {
	w, c := resourcesEnv(t)
	ctx := context.Background()
	ws := w.Workspace().ID()

	var eps []batchendpoint.Endpoint
	for p := c.NewListEndpointsPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		eps = append(eps, page.Endpoints...)
	}
	require.Len(t, eps, 3)
	a := eps[0]
	assert.Equal(t, ws+"/batchEndpoints/ep-a", a.ID)
	assert.Equal(t, w.ScoringURI("ep-a"), a.ScoringURI)
	assert.Equal(t, "dep-1", a.DefaultDeployment)
	assert.Equal(t, "first", a.Description)
	assert.Equal(t, "AADToken", a.AuthMode)
	assert.Equal(t, "Succeeded", a.ProvisioningState)
	assert.True(t, strings.HasPrefix(a.OpenAPIURI, "https://"), a.OpenAPIURI)
	require.NotNil(t, a.Identity)
	assert.Equal(t, "SystemAssigned", a.Identity.Type)
	assert.False(t, a.SystemData.CreatedAt.IsZero())
	assert.Empty(t, eps[1].DefaultDeployment)
	assert.Equal(t, "Creating", eps[2].ProvisioningState)
	assert.Empty(t, eps[2].ScoringURI, "no scoring URI while the endpoint is created")

	t.Run("GetEndpoint", func(t *testing.T) {
		got, err := c.GetEndpoint(ctx, "ep-a", nil)
		require.NoError(t, err)
		assert.Equal(t, a, got.Endpoint, "the same endpoint as the list's")
		creating, err := c.GetEndpoint(ctx, "ep-c", nil)
		require.NoError(t, err, "an endpoint being created is shown, as az ml batch-endpoint show does")
		assert.Equal(t, "Creating", creating.ProvisioningState)
	})

	t.Run("GetDeployment", func(t *testing.T) {
		m, err := c.GetDeployment(ctx, "ep-a", "dep-1", nil)
		require.NoError(t, err)
		assert.Equal(t, "dep-1", m.Name)
		assert.Equal(t, "ep-a", m.Endpoint)
		assert.Equal(t, ws+"/batchEndpoints/ep-a/deployments/dep-1", m.ID)
		assert.Equal(t, batchendpoint.DeploymentKindModel, m.Kind)
		require.NotNil(t, m.Model)
		assert.Equal(t, "Id", m.Model.ReferenceType)
		assert.Contains(t, m.Model.AssetID, "/models/")
		require.NotNil(t, m.MiniBatchSize)
		assert.EqualValues(t, 5, *m.MiniBatchSize)
		require.NotNil(t, m.Resources)
		require.NotNil(t, m.Resources.InstanceCount)
		assert.EqualValues(t, 2, *m.Resources.InstanceCount)
		require.NotNil(t, m.RetrySettings)
		assert.Equal(t, "PT30S", m.RetrySettings.Timeout)
		require.NotNil(t, m.CodeConfiguration)
		assert.Equal(t, "score.py", m.CodeConfiguration.ScoringScript)
		assert.Contains(t, m.Compute, "/computes/")
		assert.Equal(t, "Succeeded", m.ProvisioningState)
		assert.Nil(t, m.Component)

		p, err := c.GetDeployment(ctx, "ep-a", "dep-2", nil)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.DeploymentKindPipelineComponent, p.Kind)
		require.NotNil(t, p.Component)
		assert.Equal(t, "azureml:prepros:1", p.Component.AssetID)
		assert.Nil(t, p.Model)

		var listed []batchendpoint.Deployment
		for pg := c.NewListDeploymentsPager("ep-a", nil); pg.More(); {
			page, err := pg.NextPage(ctx)
			require.NoError(t, err)
			listed = append(listed, page.Deployments...)
		}
		require.Len(t, listed, 3)
		assert.Equal(t, m.Deployment, listed[0], "the same deployment as GetDeployment's")
		assert.Equal(t, p.Deployment, listed[1])
	})

	t.Run("datastores", func(t *testing.T) {
		var got []batchendpoint.Datastore
		for p := c.NewListDatastoresPager(nil); p.More(); {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			got = append(got, page.Datastores...)
		}
		require.Len(t, got, 3)
		assert.True(t, got[0].IsDefault)
		assert.Equal(t, w.DatastoreID(fake.DefaultDatastore), got[0].ID)
		assert.Equal(t, "AzureDataLakeGen2", got[1].Type)
		assert.Equal(t, "lake", got[1].Container, "a Gen2 file system")
		assert.Equal(t, "AzureFile", got[2].Type)
		assert.Equal(t, "share", got[2].Container, "a file share")
		for _, d := range got {
			one, err := c.GetDatastore(ctx, d.Name, nil)
			require.NoError(t, err)
			assert.Equal(t, d, one.Datastore, "the same datastore as GetDatastore's")
		}
	})

	t.Run("data assets", func(t *testing.T) {
		page, err := c.NewListDataAssetsPager(nil).NextPage(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, page.DataAssets)
		h := page.DataAssets[0]
		assert.Equal(t, "heart-data", h.Name)
		assert.Equal(t, ws+"/data/heart-data", h.ID)
		assert.Equal(t, "3", h.LatestVersion)
		assert.Equal(t, "4", h.NextVersion)
		assert.Equal(t, "uri_folder", h.Kind)
		assert.False(t, h.SystemData.CreatedAt.IsZero())

		vs, err := c.NewListDataAssetVersionsPager("heart-data", nil).NextPage(ctx)
		require.NoError(t, err)
		latest, err := c.GetDataAsset(ctx, "heart-data", "latest", nil)
		require.NoError(t, err)
		assert.Equal(t, latest.DataAsset, vs.Versions[0], "the newest version is GetDataAsset's latest")
		assert.Equal(t, "v3", vs.Versions[0].Description)
		assert.Equal(t, w.DataAssetID("heart-data", "3"), vs.Versions[0].ID)
	})
}

// TestListResourcesOffHostNextLink: a nextLink on another host than Resource
// Manager is refused by every pager, so the ARM token never leaves ARM.
func TestListResourcesOffHostNextLink(t *testing.T) {
	w, _ := resourcesEnv(t)
	c := pagedClient(t, w, pageSizePolicy(1), offHostPolicy{armEndpoint: w.ARMEndpoint()})
	tests := []struct {
		name  string
		list  func() ([][]string, error)
		route fake.Route
	}{
		{"endpoints", func() ([][]string, error) { return listNames(t, c.NewListEndpointsPager(nil), endpointNames) }, fake.RouteListBatchEndpoints},
		{"deployments", func() ([][]string, error) {
			return listNames(t, c.NewListDeploymentsPager("ep-a", nil), deploymentNames)
		}, fake.RouteListDeployments},
		{"datastores", func() ([][]string, error) { return listNames(t, c.NewListDatastoresPager(nil), datastoreNames) }, fake.RouteListDatastores},
		{"data assets", func() ([][]string, error) { return listNames(t, c.NewListDataAssetsPager(nil), dataAssetNames) }, fake.RouteListDataContainers},
		{"versions", func() ([][]string, error) {
			return listNames(t, c.NewListDataAssetVersionsPager("heart-data", nil), versionNames)
		}, fake.RouteListDataVersions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			pages, err := tc.list()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "nextLink on another host (evil.example.com)")
			assert.Len(t, pages, 1, "the first page is read, the off-host link is not followed")
			assert.Equal(t, 1, w.RequestCount(tc.route))
		})
	}
}

// TestListResourcesNotFound: what does not exist is a *NotFoundError naming
// it and what exists instead, wrapping the service's 404.
func TestListResourcesNotFound(t *testing.T) {
	w, _ := resourcesEnv(t)
	c := w.Client() // the service's page size: Available is one page
	ctx := context.Background()
	tests := []struct {
		name      string
		call      func() error
		resource  batchendpoint.ResourceType
		missing   string
		available []string
	}{
		{name: "deployment", resource: batchendpoint.ResourceDeployment, missing: "dep-9", available: []string{"dep-1", "dep-2", "dep-3"},
			call: func() error { _, err := c.GetDeployment(ctx, "ep-a", "dep-9", nil); return err }},
		{name: "deployment of a missing endpoint", resource: batchendpoint.ResourceBatchEndpoint, missing: "ep-z", available: []string{"ep-a", "ep-b", "ep-c"},
			call: func() error { _, err := c.GetDeployment(ctx, "ep-z", "dep-1", nil); return err }},
		{name: "deployments of a missing endpoint", resource: batchendpoint.ResourceBatchEndpoint, missing: "ep-z", available: []string{"ep-a", "ep-b", "ep-c"},
			call: func() error { _, err := c.NewListDeploymentsPager("ep-z", nil).NextPage(ctx); return err }},
		{name: "endpoint", resource: batchendpoint.ResourceBatchEndpoint, missing: "ep-z", available: []string{"ep-a", "ep-b", "ep-c"},
			call: func() error { _, err := c.GetEndpoint(ctx, "ep-z", nil); return err }},
		{name: "versions of a missing asset", resource: batchendpoint.ResourceDataAsset, missing: "nope-data", available: []string{"file-data", "heart-data", "table-data"},
			call: func() error { _, err := c.NewListDataAssetVersionsPager("nope-data", nil).NextPage(ctx); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var nf *batchendpoint.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tc.resource, nf.ResourceType)
			assert.Equal(t, tc.missing, nf.Name)
			assert.Equal(t, tc.available, nf.Available)
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusNotFound, re.StatusCode)
		})
	}
}

// TestListResourcesValidation: bad arguments are refused before any request.
func TestListResourcesValidation(t *testing.T) {
	w, c := resourcesEnv(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"deployments endpoint", func() error { _, err := c.NewListDeploymentsPager("x", nil).NextPage(ctx); return err }},
		{"deployment endpoint", func() error { _, err := c.GetDeployment(ctx, "x", "dep-1", nil); return err }},
		{"deployment name", func() error { _, err := c.GetDeployment(ctx, "ep-a", "", nil); return err }},
		{"versions name", func() error { _, err := c.NewListDataAssetVersionsPager("", nil).NextPage(ctx); return err }},
		{"data list view", func() error {
			_, err := c.NewListDataAssetsPager(&batchendpoint.ListDataAssetsOptions{ListViewType: "Some"}).NextPage(ctx)
			return err
		}},
		{"versions list view", func() error {
			_, err := c.NewListDataAssetVersionsPager("heart-data", &batchendpoint.ListDataAssetVersionsOptions{ListViewType: "Some"}).NextPage(ctx)
			return err
		}},
		{"jobs list view", func() error {
			_, err := c.NewListWorkspaceJobsPager(&batchendpoint.ListWorkspaceJobsOptions{ListViewType: "Some"}).NextPage(ctx)
			return err
		}},
		{"jobs properties", func() error {
			_, err := c.NewListWorkspaceJobsPager(&batchendpoint.ListWorkspaceJobsOptions{Properties: map[string]string{"a=b": ""}}).NextPage(ctx)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			err := tc.call()
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Zero(t, w.RequestCount(), "no request")
			if strings.HasPrefix(tc.name, "jobs") {
				assert.True(t, strings.HasPrefix(ve.Field, "ListWorkspaceJobsOptions."), ve.Field)
			}
		})
	}
}

// TestListWorkspaceJobs: the workspace's jobs, every endpoint's, with the
// service-side and client-side filters.
func TestListWorkspaceJobs(t *testing.T) {
	w := clientEnv(t)
	w.AddEndpoint(fake.Endpoint{Name: "other-ep", DefaultDeployment: "pipeline-dep"})
	w.AddPipelineDeployment("other-ep", fake.PipelineDeployment{Name: "pipeline-dep"})
	c := w.Client()
	ctx := context.Background()
	var want []string // newest first
	for _, ep := range []string{e2eModelEP, "other-ep", e2eModelEP} {
		job, err := c.Invoke(ctx, ep, batchendpoint.InvokeRequest{Inputs: literalReq.Inputs, Deployment: "pipeline-dep"}, nil)
		require.NoError(t, err)
		_, err = w.WaitJob(ctx, job.Name())
		require.NoError(t, err)
		want = append([]string{job.Name()}, want...)
	}
	list := func(o *batchendpoint.ListWorkspaceJobsOptions) []string {
		var got []string
		for p := c.NewListWorkspaceJobsPager(o); p.More(); {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, j := range page.Jobs {
				got = append(got, j.Name)
				assert.Equal(t, "Pipeline", j.JobType)
			}
		}
		return got
	}
	w.ClearRequests()
	assert.Equal(t, want, list(nil), "every endpoint's jobs")
	reqs := w.Requests(fake.RouteListJobs)
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].Query.Has("tag"), "no tag filter by default")

	assert.Equal(t, want[:2], list(&batchendpoint.ListWorkspaceJobsOptions{Limit: 2}))
	assert.Equal(t, want, list(&batchendpoint.ListWorkspaceJobsOptions{Tag: batchendpoint.TagBatchRun, Statuses: []batchendpoint.JobStatus{batchendpoint.JobStatusCompleted}}))
	assert.Empty(t, list(&batchendpoint.ListWorkspaceJobsOptions{Statuses: []batchendpoint.JobStatus{batchendpoint.JobStatusFailed}}))
	assert.Empty(t, list(&batchendpoint.ListWorkspaceJobsOptions{CreatedAfter: time.Now().Add(time.Hour)}))
	assert.Empty(t, list(&batchendpoint.ListWorkspaceJobsOptions{Tag: "no-such-tag"}))
	w.ClearRequests()
	list(&batchendpoint.ListWorkspaceJobsOptions{Tag: "k", JobType: "Pipeline", ListViewType: batchendpoint.ListViewTypeAll, Properties: map[string]string{"p": "v"}})
	reqs = w.Requests(fake.RouteListJobs)
	require.Len(t, reqs, 1)
	assert.Equal(t, "k", reqs[0].Query.Get("tag"))
	assert.Equal(t, "Pipeline", reqs[0].Query.Get("jobType"))
	assert.Equal(t, "All", reqs[0].Query.Get("listViewType"))
	assert.Equal(t, "p=v", reqs[0].Query.Get("properties"))
}

// TestListResourcesDataPlaneOnly: a client without ARM access says so.
func TestListResourcesDataPlaneOnly(t *testing.T) {
	w, _ := resourcesEnv(t)
	o := w.ClientOptions()
	o.DataPlaneOnly = true
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
	require.NoError(t, err)
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.NewListEndpointsPager(nil).NextPage(ctx); return err },
		func() error { _, err := c.GetDeployment(ctx, "ep-a", "dep-1", nil); return err },
		func() error { _, err := c.NewListWorkspaceJobsPager(nil).NextPage(ctx); return err },
	}
	for i, call := range calls {
		var ve *batchendpoint.ValidationError
		require.True(t, errors.As(call(), &ve), "call %d", i)
		assert.Equal(t, "ClientOptions.DataPlaneOnly", ve.Field)
	}
	assert.Zero(t, w.RequestCount())
}
