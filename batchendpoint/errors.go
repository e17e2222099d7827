package batchendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// AmbiguousInvokeError reports an invoke POST that may have reached the service
// (a 5xx answer, or a connection lost after the request was written): a job may
// exist. Reconcile with Client.FindJob(ctx, Endpoint, RepeatabilityID, nil),
// which finds the job by the tag every invoke records, or invoke again with the
// same RepeatabilityID so the service can de-duplicate. Err is the underlying error,
// an *azcore.ResponseError when the service answered.
type AmbiguousInvokeError struct {
	RepeatabilityID string
	// FirstSent is when the first attempt under RepeatabilityID went out; pass it
	// back in InvokeOptions.RepeatabilityFirstSent with the id.
	FirstSent time.Time
	Endpoint  string
	Err       error
}

// Error says that a job may exist and how to reconcile.
func (e *AmbiguousInvokeError) Error() string {
	return fmt.Sprintf("invoke of batch endpoint %q may have created a job (repeatability_request-id %s); it was not resent. "+
		"Find it with Client.FindJob(ctx, %q, %q, nil) (a *NotFoundError if there is none), "+
		"or invoke again with InvokeOptions.RepeatabilityID=%q (and RepeatabilityFirstSent=FirstSent): the service answers with the job if it exists, and creates it once if not: %s",
		e.Endpoint, e.RepeatabilityID, e.Endpoint, e.RepeatabilityID, e.RepeatabilityID, brief(e.Err))
}

// Unwrap returns the underlying error.
func (e *AmbiguousInvokeError) Unwrap() error { return e.Err }

// InvokeInterruptedError reports an invoke that ctx ended while the client
// waited to resend the POST: the service had asked for a retry (429 or 503 with
// Retry-After) or the connection could not be made. The client returns it as
// soon as the wait is known to outlast ctx's deadline, without sleeping, and
// when ctx is cancelled during the wait. It also reports a ctx that ended
// before a POST was written (Wait is then 0).
//
// MayExist tells whether an earlier attempt may have created a job: false when
// every attempt was refused (429) or never sent. Either way, invoking again with
// InvokeOptions.RepeatabilityID set to RepeatabilityID cannot create a second
// job. errors.Is(err, context.DeadlineExceeded) (or context.Canceled) holds, and
// errors.As finds the service's *azcore.ResponseError when it answered.
type InvokeInterruptedError struct {
	RepeatabilityID string
	// FirstSent is when the first attempt under RepeatabilityID went out (zero if none did).
	FirstSent time.Time
	Endpoint  string
	// Wait is the pause the resend needed: the service's Retry-After or a backoff.
	Wait time.Duration
	// MayExist reports that an earlier attempt may have reached the service and created a job.
	MayExist bool
	// Err is the context's error: context.DeadlineExceeded or context.Canceled.
	Err error
	// Last is the failure that called for the resend.
	Last error
}

// Error names the repeatability id and whether a job may exist.
func (e *InvokeInterruptedError) Error() string {
	why := "ctx was cancelled"
	if errors.Is(e.Err, context.DeadlineExceeded) {
		why = "ctx's deadline comes first"
		if e.Wait == 0 {
			why = "ctx's deadline passed"
		}
	}
	what := fmt.Sprintf("was not resent: the resend had to wait %s and %s", e.Wait.Round(time.Millisecond), why)
	if e.Wait == 0 {
		what = "was not sent: " + why + " before the request went out"
	}
	state := "no job was created"
	if e.MayExist {
		state = "a job may exist"
	}
	return fmt.Sprintf("invoke of batch endpoint %q %s; %s (repeatability_request-id %s). "+
		"Invoke again with InvokeOptions.RepeatabilityID=%q: the service de-duplicates it. Last failure: %s",
		e.Endpoint, what, state, e.RepeatabilityID, e.RepeatabilityID, brief(e.Last))
}

// brief is one line for a wrapped error: a service error as its status, code and
// message rather than azcore's multi-line dump (which errors.As still reaches).
func brief(err error) string {
	var re *azcore.ResponseError
	if err == nil || !errors.As(err, &re) || re.RawResponse == nil {
		return fmt.Sprint(err)
	}
	s := fmt.Sprintf("%d %s", re.StatusCode, re.ErrorCode)
	if r := re.RawResponse.Request; r != nil && r.URL != nil {
		s = r.Method + " " + shownURL(r.URL.String()) + ": " + s
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if b, rerr := runtime.Payload(re.RawResponse); rerr == nil && json.Unmarshal(b, &body) == nil && body.Error.Message != "" {
		s += ": " + strings.Join(strings.Fields(body.Error.Message), " ")
	}
	if id := re.RawResponse.Header.Get("x-ms-request-id"); id != "" {
		s += " (x-ms-request-id " + id + ")"
	}
	return s
}

// Unwrap returns the context's error and the last failure.
func (e *InvokeInterruptedError) Unwrap() []error { return []error{e.Err, e.Last} }

// NotFoundError reports a batch endpoint, deployment, datastore or data asset
// that does not exist in the workspace. Err is the service's answer, an
// *azcore.ResponseError with status 404, so errors.As(err, &responseErr) keeps
// working; it is nil only when the service listed no version of a data asset
// that exists.
type NotFoundError struct {
	// ResourceType is ResourceBatchEndpoint, ResourceDeployment, ResourceDatastore or ResourceDataAsset.
	ResourceType ResourceType
	// Name of the missing resource.
	Name string
	// Version of a data asset ("latest" for the label), else "".
	Version string
	// Endpoint is the endpoint of a missing deployment, else "".
	Endpoint string
	// Workspace is the workspace that was searched.
	Workspace Workspace
	// Available lists what exists instead (the endpoint's deployments, the
	// workspace's endpoints or datastores); nil when it could not be listed.
	Available []string
	// Fix says how to correct the call.
	Fix string
	// Err is the service's error.
	Err error
}

// maxAvailable bounds the names listed in NotFoundError.Error.
const maxAvailable = 20

// Error is a few lines: what is missing where, what exists, the fix.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	name := e.Name
	if e.Version != "" {
		name += ":" + e.Version
		if strings.EqualFold(e.Version, "latest") {
			name = e.Name + "@latest"
		}
	}
	fmt.Fprintf(&b, "%s %q not found", e.ResourceType, name)
	if e.Endpoint != "" {
		fmt.Fprintf(&b, " in batch endpoint %q", e.Endpoint)
	}
	fmt.Fprintf(&b, " (workspace %s, resource group %s)", e.Workspace.Name, e.Workspace.ResourceGroup)
	switch {
	case e.Available == nil:
	case len(e.Available) == 0:
		fmt.Fprintf(&b, "\n  available: none")
	case len(e.Available) > maxAvailable:
		fmt.Fprintf(&b, "\n  available: %s, ... (%d in all)", strings.Join(e.Available[:maxAvailable], ", "), len(e.Available))
	default:
		fmt.Fprintf(&b, "\n  available: %s", strings.Join(e.Available, ", "))
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "\n  fix: %s", e.Fix)
	}
	var re *azcore.ResponseError
	if errors.As(e.Err, &re) {
		fmt.Fprintf(&b, "\n  service: %d %s", re.StatusCode, re.ErrorCode)
		if re.RawResponse != nil {
			if id := re.RawResponse.Header.Get("x-ms-request-id"); id != "" {
				fmt.Fprintf(&b, " (x-ms-request-id %s)", id)
			}
		}
	}
	return b.String()
}

// Unwrap returns the service's error.
func (e *NotFoundError) Unwrap() error { return e.Err }

// notFoundFix is the fix text per resource type.
func notFoundFix(resourceType ResourceType, ws Workspace) string {
	where := fmt.Sprintf("-g %s -w %s", ws.ResourceGroup, ws.Name)
	switch resourceType {
	case ResourceBatchEndpoint:
		return "check the endpoint name (az ml batch-endpoint list " + where + ") or create the endpoint first"
	case ResourceDeployment:
		return "name one of the endpoint's deployments in InvokeRequest.Deployment, or leave it empty for the endpoint's default deployment"
	case ResourceDatastore:
		return "check the datastore name (az ml datastore list " + where + ") or register the datastore first"
	case ResourceDataAsset:
		return "check the name and version (az ml data list " + where + ") or register the data first (Client.CreateDataAsset or az ml data create)"
	}
	return ""
}

// ValidationError is the error returned for a request that cannot be sent; it is
// returned before any request is made.
type ValidationError = inputs.ValidationError

// JobFailedError is returned by Wait and Result for a job that ended in any
// status but Completed. It unwraps to the *azcore.ResponseError of the last poll,
// whose ErrorCode is Code.
type JobFailedError struct {
	// Job is the job's final details.
	Job JobDetails
	// Code and Message are Job.Error's code and message when the service reports
	// a failure, else a code derived from the status (JobFailed, JobCanceled, ...)
	// and no message.
	Code, Message string
	// LogLines are the first error lines of the job's logs and its child jobs'
	// (an error log's lines, else a log's lines from its first traceback or
	// error on), redacted; nil when the service has no such logs.
	LogLines []string
	resp     *azcore.ResponseError
}

// Error names the job, its status, code and message, and where to read more.
func (e *JobFailedError) Error() string {
	msg := fmt.Sprintf("batch job %s ended %s (%s)", e.Job.Name, e.Job.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Job.StudioURL != "" {
		msg += "; details: " + e.Job.StudioURL
	}
	if len(e.LogLines) > 0 {
		msg += "\n  from the logs:\n    " + strings.Join(e.LogLines, "\n    ")
	}
	return msg
}

// Unwrap returns the underlying *azcore.ResponseError.
func (e *JobFailedError) Unwrap() error {
	if e.resp == nil {
		return nil
	}
	return e.resp
}
