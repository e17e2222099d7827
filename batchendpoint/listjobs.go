package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// NewListJobsPager lists the jobs of a batch endpoint, newest first as the service
// orders them. It pages through the workspace's ARM jobs list
// (GET .../jobs, following nextLink) and keeps the jobs whose experiment name is
// the endpoint's: the workaround Microsoft documents while the batch endpoint's own
// list_jobs operation fails (azure-sdk-for-python#45212). Jobs of a pipeline
// component deployment invoked with another ExperimentName are therefore not
// listed. Pages without a matching job are skipped, so every page but the last
// holds at least one job. Errors, including validation of endpoint, come from
// NextPage.
func (c *Client) NewListJobsPager(endpoint string, options *ListJobsOptions) *runtime.Pager[ListJobsResponse] {
	var o ListJobsOptions
	if options != nil {
		o = *options
	}
	return runtime.NewPager(runtime.PagingHandler[ListJobsResponse]{
		More: func(page ListJobsResponse) bool { return page.nextLink != "" },
		Fetcher: func(ctx context.Context, page *ListJobsResponse) (resp ListJobsResponse, err error) {
			ctx, end := c.span(ctx, "Client.NewListJobsPager")
			defer func() { end(err) }()
			if err := validateEndpointName(endpoint); err != nil {
				return ListJobsResponse{}, err
			}
			if c.opts.DataPlaneOnly {
				return ListJobsResponse{}, errors.New("listing jobs needs ARM access; create the client without DataPlaneOnly")
			}
			next := c.armURL("/jobs", nil)
			if page != nil {
				next = page.nextLink
			}
			for {
				if err := c.checkNextLink(next); err != nil {
					return ListJobsResponse{}, err
				}
				var raw wire.List[wire.Job]
				if _, err := c.armDo(ctx, http.MethodGet, next, nil, &raw); err != nil {
					return ListJobsResponse{}, err
				}
				resp = ListJobsResponse{nextLink: raw.NextLink}
				for i := range raw.Value {
					if jobMatches(&raw.Value[i], endpoint, o.Deployment) {
						resp.Jobs = append(resp.Jobs, detailsOf(raw.Value[i].Details()))
					}
				}
				if len(resp.Jobs) > 0 || raw.NextLink == "" {
					return resp, nil
				}
				next = raw.NextLink
			}
		},
		Tracer: c.tracer,
	})
}

func jobMatches(j *wire.Job, endpoint, deployment string) bool {
	if !strings.EqualFold(j.Properties.ExperimentName, endpoint) {
		return false
	}
	if deployment == "" {
		return true
	}
	d, _ := wire.Find(j.Properties.Tags, "azureml.deploymentname")
	return strings.EqualFold(d, deployment)
}

// checkNextLink keeps the ARM token on the ARM host: a nextLink elsewhere is refused.
func (c *Client) checkNextLink(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("the jobs list returned an invalid nextLink: %w", err)
	}
	base, err := url.Parse(c.armEndpoint)
	if err != nil {
		return err
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return fmt.Errorf("the jobs list returned a nextLink on another host (%s); not following it", u.Host)
	}
	return nil
}
