package batchendpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// AmbiguousInvokeError reports an invoke POST that may have reached the service
// (a 5xx answer, or a connection lost after the request was written): a job may
// exist. Reconcile by listing the endpoint's jobs, or invoke again with the same
// RepeatabilityID so the service can de-duplicate. Err is the underlying error,
// an *azcore.ResponseError when the service answered.
type AmbiguousInvokeError struct {
	RepeatabilityID string
	Endpoint        string
	Err             error
}

// Error says that a job may exist and how to reconcile.
func (e *AmbiguousInvokeError) Error() string {
	return fmt.Sprintf("invoke of batch endpoint %q may have created a job (repeatability_request-id %s); it was not resent. "+
		"List the endpoint's jobs to check, or retry with InvokeOptions.RepeatabilityID=%q: %v", e.Endpoint, e.RepeatabilityID, e.RepeatabilityID, e.Err)
}

// Unwrap returns the underlying error.
func (e *AmbiguousInvokeError) Unwrap() error { return e.Err }

// Invoke creates a batch job on endpoint and returns its handle. It looks up the
// endpoint and deployment (cached), applies the deployment kind's rules, resolves
// data assets by label, uploads local inputs, checks output datastores, then POSTs
// the job. Validation errors (*ValidationError) come back before any request.
// Service errors are *azcore.ResponseError; see AmbiguousInvokeError for POSTs
// whose outcome is unknown.
func (c *Client) Invoke(ctx context.Context, endpoint string, req InvokeRequest, options *InvokeOptions) (job *Job, err error) {
	ctx, end := c.span(ctx, "Client.Invoke")
	defer func() { end(err) }()
	var o InvokeOptions
	if options != nil {
		o = *options
	}
	if err := validateEndpointName(endpoint); err != nil {
		return nil, err
	}
	if err := req.validate(req.DeploymentKind); err != nil {
		return nil, err
	}
	scoringURI := o.ScoringURI
	kind := req.DeploymentKind
	if scoringURI == "" {
		ep, err := c.endpoint(ctx, endpoint)
		if err != nil {
			return nil, err
		}
		scoringURI = ep.scoringURI
		dep := req.Deployment
		if dep == "" {
			dep = ep.defaultDeployment
		}
		if dep == "" {
			return nil, &ValidationError{Field: "Deployment", Problem: fmt.Sprintf("endpoint %q has no default deployment", endpoint), Fix: "name the deployment in InvokeRequest.Deployment, or set a default deployment on the endpoint"}
		}
		if kind, err = c.deploymentKind(ctx, endpoint, dep); err != nil {
			return nil, err
		}
		if err := req.validateKind(kind); err != nil {
			return nil, err
		}
	} else if c.opts.DataPlaneOnly && needsARM(&req) {
		return nil, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "this request needs workspace lookups (a data asset by label, a local upload or an output datastore by name) and the client may not call ARM", Fix: "give explicit versions and datastore ARM ids, or use a credential with ARM access"}
	}
	resolved, err := c.resolve(ctx, &req, &o)
	if err != nil {
		return nil, err
	}
	body, err := encodeRequest(&req, c.ws.arm(), resolved)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	id := o.RepeatabilityID
	if id == "" {
		id = uuid.NewString()
	}
	res, err := c.post(ctx, endpoint, scoringURI, req.Deployment, id, payload, &o)
	if err != nil {
		return nil, err
	}
	return c.newJob(jobFromDataPlane(res), endpoint, scoringURI, id)
}

func needsARM(r *InvokeRequest) bool {
	check := func(in inputs.Input) bool {
		switch x := in.(type) {
		case inputs.DataAssetInput:
			return x.IsLatest()
		case inputs.LocalPathInput:
			return true
		}
		return false
	}
	if r.Input != nil && check(r.Input) {
		return true
	}
	for _, in := range r.Inputs {
		if check(in) {
			return true
		}
	}
	for _, o := range r.Outputs {
		if !o.IsDefault() && o.URI() == "" && o.DatastoreID() == "" {
			return true
		}
	}
	return false
}

// resolve looks up what the body needs from the workspace: latest data asset
// versions, uploads of local paths and output datastore types.
func (c *Client) resolve(ctx context.Context, r *InvokeRequest, o *InvokeOptions) (map[string]resolvedInput, error) {
	resolved := map[string]resolvedInput{}
	one := func(name string, in inputs.Input) error {
		field := "inputs." + name
		if name == singleInputKey {
			field = "Input"
		}
		switch x := in.(type) {
		case inputs.DataAssetInput:
			if !x.IsLatest() || x.URI() != "" {
				return nil
			}
			da, err := c.GetDataAsset(ctx, x.Name(), inputs.Latest, nil)
			if err != nil {
				return fmt.Errorf("%s: resolving %s: %w", field, x, err)
			}
			kind := inputs.Kind(da.Kind)
			if kind == inputs.KindMLTable {
				return &ValidationError{Field: field, Value: x.String(), Problem: "the data asset is an MLTable, which batch endpoints don't support", Fix: "register the data as a uri_folder or uri_file asset"}
			}
			if x.KindSet() {
				kind = x.Kind()
			}
			uri := da.ID
			if uri == "" {
				uri = c.ws.arm().DataVersionID(x.Name(), da.Version)
			}
			resolved[name] = resolvedInput{uri: uri, kind: kind}
		case inputs.LocalPathInput:
			uri, err := c.uploadLocal(ctx, x, o.UploadProgress)
			if err != nil {
				return fmt.Errorf("%s: uploading %s: %w", field, x.Path(), err)
			}
			resolved[name] = resolvedInput{uri: uri, kind: x.Kind()}
		}
		return nil
	}
	if r.Input != nil {
		if err := one(singleInputKey, r.Input); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(r.Inputs) {
		if err := one(name, r.Inputs[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(r.Outputs) {
		if err := c.checkOutputDatastore(ctx, name, r.Outputs[name]); err != nil {
			return nil, err
		}
	}
	return resolved, nil
}

// checkOutputDatastore rejects outputs to datastores of this workspace that are
// not AzureBlob: "Batch endpoints only support writing outputs in Blob Storage data stores."
func (c *Client) checkOutputDatastore(ctx context.Context, name string, o outputs.DataOutput) error {
	if o.IsDefault() || (c.opts.DataPlaneOnly) {
		return nil
	}
	if id := o.DatastoreID(); id != "" {
		p, ok := armid.ParseDatastoreID(id)
		if !ok || p.Workspace == nil || !strings.EqualFold(p.Workspace.Name, c.ws.Name) || !strings.EqualFold(p.Workspace.ResourceGroup, c.ws.ResourceGroup) || !strings.EqualFold(p.Workspace.Subscription, c.ws.SubscriptionID) {
			return nil // another workspace's datastore: the service checks it
		}
	}
	ds, err := c.GetDatastore(ctx, o.DatastoreName(), nil)
	if err != nil {
		return fmt.Errorf("outputs.%s: looking up datastore %q: %w", name, o.DatastoreName(), err)
	}
	if !strings.EqualFold(ds.Type, "AzureBlob") {
		return &ValidationError{Field: "outputs." + name, Value: o.DatastoreName() + " (" + ds.Type + ")", Problem: "batch endpoints only write outputs to Blob Storage datastores",
			Fix: "use an AzureBlob datastore such as workspaceblobstore (an ADLS Gen2 account can be registered as a Blob datastore)"}
	}
	return nil
}

// post sends the invoke POST. It never lets the pipeline's retry policy resend it
// (POST is not idempotent: azure-sdk-for-python#31166 created duplicate jobs);
// it resends only when the request surely did not reach the service, or when the
// service asked for a retry with Retry-After on 429/503.
func (c *Client) post(ctx context.Context, endpoint, scoringURI, deployment, id string, payload []byte, o *InvokeOptions) (*wire.BatchJobResource, error) {
	maxResends := o.MaxResends
	if maxResends == 0 {
		maxResends = 3
	}
	maxWait := o.MaxRetryAfter
	if maxWait == 0 {
		maxWait = time.Minute
	}
	noRetry := policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1})
	for attempt := 0; ; attempt++ {
		req, err := runtime.NewRequest(noRetry, http.MethodPost, scoringURI)
		if err != nil {
			return nil, fmt.Errorf("scoring URI of endpoint %q: %w", endpoint, err)
		}
		req.Raw().Header.Set(headerRepeatability, id)
		if deployment != "" {
			req.Raw().Header.Set(headerDeployment, deployment)
		}
		if err := req.SetBody(streaming.NopCloser(bytes.NewReader(payload)), "application/json"); err != nil {
			return nil, err
		}
		req.SetOperationValue(postPayload(payload))
		resp, err := c.dataPL.Do(req)
		if err != nil {
			switch {
			case notSent(err) && attempt < maxResends:
				if werr := sleepCtx(ctx, backoff(attempt)); werr != nil {
					return nil, werr
				}
				continue
			case notSent(err), ctx.Err() != nil && !wasWritten(err):
				return nil, err
			}
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, Endpoint: endpoint, Err: err}
		}
		switch {
		case runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated):
			var res wire.BatchJobResource
			if err := decodeJSON(resp, &res); err != nil {
				return nil, &AmbiguousInvokeError{RepeatabilityID: id, Endpoint: endpoint, Err: fmt.Errorf("decoding the invoke response: %w", err)}
			}
			if res.Name == "" {
				return nil, &AmbiguousInvokeError{RepeatabilityID: id, Endpoint: endpoint, Err: errors.New("the invoke response names no job")}
			}
			return &res, nil
		case runtime.HasStatusCode(resp, http.StatusTooManyRequests, http.StatusServiceUnavailable):
			if d, ok := retryAfter(resp); ok && attempt < maxResends && d <= maxWait {
				runtime.Drain(resp)
				if werr := sleepCtx(ctx, d); werr != nil {
					return nil, werr
				}
				continue
			}
			if resp.StatusCode == http.StatusTooManyRequests {
				return nil, serviceError(resp)
			}
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, Endpoint: endpoint, Err: serviceError(resp)}
		case resp.StatusCode >= 500:
			c.forgetEndpoint(endpoint)
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, Endpoint: endpoint, Err: serviceError(resp)}
		case resp.StatusCode == http.StatusNotFound:
			c.forgetEndpoint(endpoint) // the endpoint may have moved or been recreated
		}
		return nil, serviceError(resp)
	}
}

// notSent reports failures that happen before a request is written: dialing,
// name resolution. TLS failures also mean nothing was sent, but resending cannot help.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// wasWritten is conservative: anything but a TLS/certificate failure may have been written.
func wasWritten(err error) bool {
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	return !(errors.As(err, &ua) || errors.As(err, &cv) || errors.As(err, &rh) || notSent(err))
}

func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << attempt
	if d > 5*time.Second {
		d = 5 * time.Second
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads Retry-After (seconds or HTTP date) and the ms variants.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	for _, h := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := resp.Header.Get(h); v != "" {
			if ms, err := strconv.Atoi(v); err == nil && ms >= 0 {
				return time.Duration(ms) * time.Millisecond, true
			}
		}
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
