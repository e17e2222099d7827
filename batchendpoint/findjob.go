package batchendpoint

import (
	"context"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// FindJob returns the job that an invoke of endpoint with this repeatability id
// created: the reconciliation of an *AmbiguousInvokeError or an
// *InvokeInterruptedError (their RepeatabilityID). Every Client.Invoke records
// its id on the job in a tag (RepeatabilityTagKey), and FindJob asks the ARM
// jobs list for jobs with that tag key: one request when the service applies
// the filter, as the specification says it does. Each listed job is checked
// on the client (the tag's value must be the id), and further pages are read
// only while the service returns other jobs. endpoint is validated and kept on
// the returned Job; it is not compared with the job, whose experiment (the
// only place an ARM job names it) may be another for a pipeline component
// deployment. A job that does not exist (yet: the list may
// lag a creation by a moment) is a *NotFoundError with ResourceType
// ResourceJob. Archived jobs are found too.
func (c *Client) FindJob(ctx context.Context, endpoint, repeatabilityID string, options *FindJobOptions) (job *Job, err error) {
	ctx, end := c.span(ctx, "Client.FindJob")
	defer func() { end(err) }()
	if err := validateEndpointName(endpoint); err != nil {
		return nil, err
	}
	if repeatabilityID == "" {
		return nil, &ValidationError{Field: "repeatabilityID", Problem: "the repeatability id is empty", Fix: "pass AmbiguousInvokeError.RepeatabilityID"}
	}
	if err := validateRepeatabilityID(repeatabilityID); err != nil {
		return nil, withField(err, "repeatabilityID")
	}
	var o FindJobOptions
	if options != nil {
		o = *options
	}
	key := RepeatabilityTagKey(repeatabilityID)
	lo := ListJobsOptions{Tag: key, ListViewType: ListViewTypeAll, Deployment: o.Deployment, Limit: 1}
	// The tag's value must be the id itself: a hashed key is checked, and a
	// service that ignored the filter returns other jobs.
	pager := c.newJobsPager("Client.FindJob", lo, func(j *wire.Job) bool {
		id, ok := wire.Find(j.Properties.Tags, key)
		return ok && id == repeatabilityID
	}, func() error { return nil })
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		if len(page.Jobs) > 0 {
			return c.newJob(page.Jobs[0], endpoint, "", repeatabilityID)
		}
	}
	return nil, &NotFoundError{ResourceType: ResourceJob, Name: repeatabilityID, Endpoint: endpoint, Workspace: c.ws,
		Fix: "no job records this id: the invoke did not create one (invoke again with InvokeOptions.RepeatabilityID set to it), " +
			"or the jobs list has not caught up yet (try again in a few seconds)"}
}
