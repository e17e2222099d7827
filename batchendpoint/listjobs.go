package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// NewListJobsPager lists the jobs of a batch endpoint, newest first as the service
// orders them. It pages through the workspace's ARM jobs list
// (GET .../jobs, following nextLink) with the service-side filters of options
// (by default tag=azureml.batchrun, so only batch jobs are paged through) and
// keeps the jobs whose experiment name is the endpoint's: the workaround
// Microsoft documents while the batch endpoint's own list_jobs operation fails
// (azure-sdk-for-python#45212). Jobs of a pipeline component deployment
// invoked with another ExperimentName are therefore not listed. Pages without
// a matching job are skipped, so every page but the last holds at least one
// job. Errors, including validation of endpoint and options, come from NextPage.
func (c *Client) NewListJobsPager(endpoint string, options *ListJobsOptions) *runtime.Pager[ListJobsResponse] {
	var o ListJobsOptions
	if options != nil {
		o = *options
	}
	return c.newJobsPager("Client.NewListJobsPager", o, func(j *wire.Job) bool {
		return strings.EqualFold(j.Properties.ExperimentName, endpoint)
	}, func() error { return validateEndpointName(endpoint) })
}

// jobsQuery is the service-side part of o.
func jobsQuery(o *ListJobsOptions) (wire.JobsQuery, error) {
	q := wire.JobsQuery{JobType: o.JobType, Tag: o.Tag, ListViewType: string(o.ListViewType)}
	if q.Tag == "" {
		q.Tag = wire.TagBatchRun
	}
	switch o.ListViewType {
	case "", ListViewTypeActiveOnly, ListViewTypeArchivedOnly, ListViewTypeAll:
	default:
		return q, &ValidationError{Field: "ListJobsOptions.ListViewType", Value: printable(string(o.ListViewType)), Problem: "unknown list view type", Fix: "use ListViewTypeActiveOnly, ListViewTypeArchivedOnly or ListViewTypeAll"}
	}
	for _, k := range sortedKeys(o.Properties) {
		v := o.Properties[k]
		if k == "" || strings.ContainsAny(k, "=,") || strings.Contains(v, ",") {
			return q, &ValidationError{Field: "ListJobsOptions.Properties." + printable(k), Value: printable(v), Problem: "the properties filter is name=value pairs separated by commas, so names may not be empty or hold = or , and values may not hold ,", Fix: "filter on another property, or on a tag"}
		}
		if v == "" {
			q.Properties = append(q.Properties, k)
		} else {
			q.Properties = append(q.Properties, k+"="+v)
		}
	}
	for _, s := range []string{o.JobType, o.Tag} {
		if strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return q, &ValidationError{Field: "ListJobsOptions", Value: printable(s), Problem: "a filter holds control characters", Fix: "use printable text"}
		}
	}
	return q, nil
}

// keep applies the client-side filters of o.
func keep(o *ListJobsOptions, d *JobDetails) bool {
	if o.Deployment != "" && !strings.EqualFold(d.Deployment, o.Deployment) {
		return false
	}
	if len(o.Statuses) > 0 && !slices.ContainsFunc(o.Statuses, func(s JobStatus) bool { return strings.EqualFold(string(s), string(d.Status)) }) {
		return false
	}
	if !o.CreatedAfter.IsZero() && (d.CreatedAt.IsZero() || d.CreatedAt.Before(o.CreatedAfter)) {
		return false
	}
	if !o.CreatedBefore.IsZero() && (d.CreatedAt.IsZero() || !d.CreatedAt.Before(o.CreatedBefore)) {
		return false
	}
	return true
}

// newJobsPager pages through the ARM jobs list with o's filters; match is
// the caller's own test (endpoint, repeatability id), check its validation.
func (c *Client) newJobsPager(api string, o ListJobsOptions, match func(*wire.Job) bool, check func() error) *runtime.Pager[ListJobsResponse] {
	seen := 0 // jobs returned so far, for Limit; the pager calls Fetcher sequentially
	return runtime.NewPager(runtime.PagingHandler[ListJobsResponse]{
		More: func(page ListJobsResponse) bool { return page.nextLink != "" && (o.Limit <= 0 || seen < o.Limit) },
		Fetcher: func(ctx context.Context, page *ListJobsResponse) (resp ListJobsResponse, err error) {
			ctx, end := c.span(ctx, api)
			defer func() { end(err) }()
			if err := check(); err != nil {
				return ListJobsResponse{}, err
			}
			if c.opts.DataPlaneOnly {
				return ListJobsResponse{}, errors.New("listing jobs needs ARM access; create the client without DataPlaneOnly")
			}
			q, err := jobsQuery(&o)
			if err != nil {
				return ListJobsResponse{}, err
			}
			next := c.armURL("/jobs", q.Values())
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
					if o.Limit > 0 && seen >= o.Limit {
						resp.nextLink = ""
						break
					}
					if !match(&raw.Value[i]) {
						continue
					}
					d := detailsOf(raw.Value[i].Details())
					if keep(&o, &d) {
						resp.Jobs = append(resp.Jobs, d)
						seen++
					}
				}
				if len(resp.Jobs) > 0 || resp.nextLink == "" {
					return resp, nil
				}
				next = raw.NextLink
			}
		},
		Tracer: c.tracer,
	})
}

// checkNextLink keeps the ARM token on the ARM host: a nextLink elsewhere is refused.
func (c *Client) checkNextLink(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("the list returned an invalid nextLink: %w", err)
	}
	base, err := url.Parse(c.armEndpoint)
	if err != nil {
		return err
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return fmt.Errorf("the list returned a nextLink on another host (%s); not following it", u.Host)
	}
	return nil
}
