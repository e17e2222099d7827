package batchendpoint

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// Invoke creates a batch job on endpoint and returns its handle.
//
// It runs one pass of stages, each once and in order: validate (offline, no
// I/O) → resolve (every lookup: the endpoint, the deployment and its kind, data
// assets by label, output datastores, the datastore local inputs go to) →
// check (the deployment kind's rules and what the lookups told) → upload (local
// inputs: the first write) → encode → send (the POST). Nothing is written before
// every lookup and check has passed; only a failing upload or POST can leave
// uploaded data behind (which the next invoke of the same data reuses).
//
// Validation errors (*ValidationError) come back before any request. A missing
// endpoint, deployment, datastore or data asset is a *NotFoundError. Other service
// errors are *azcore.ResponseError; see AmbiguousInvokeError for POSTs whose
// outcome is unknown and InvokeInterruptedError for a resend ctx cut short.
func (c *Client) Invoke(ctx context.Context, endpoint string, req InvokeRequest, options *InvokeOptions) (job *Job, err error) {
	ctx, end := c.span(ctx, "Client.Invoke")
	defer func() { end(err) }()
	v, err := c.invokeValidate(ctx, endpoint, req, options)
	if err != nil {
		return nil, err
	}
	r, err := c.invokeResolve(ctx, v)
	if err != nil {
		return nil, err
	}
	k, err := c.invokeCheck(r)
	if err != nil {
		return nil, err
	}
	u, err := c.invokeUpload(ctx, k)
	if err != nil {
		return nil, err
	}
	e, err := c.invokeEncode(u)
	if err != nil {
		return nil, err
	}
	return c.invokeSend(ctx, e)
}

// namedInput is one input of the request with the field that names it in errors.
type namedInput struct {
	name  string // key in InvokeRequest.Inputs; wire.SingleInputKey for Input
	field string // "inputs.<name>" or "Input"
	in    inputs.Input
}

// validInvoke is the validate stage's output: a request that passed every
// offline check, and the lookups it needs.
type validInvoke struct {
	endpoint string
	req      InvokeRequest
	opts     InvokeOptions
	id       string // repeatability_request-id, the same for every resend

	latest  []namedInput // data assets by label: looked up
	pinned  []namedInput // data assets by explicit version: verified when something is uploaded
	locals  []namedInput // local paths: uploaded
	outputs []string     // outputs on a datastore of this workspace, by name: their datastore looked up
}

// invokeValidate is the validate stage: no network I/O. Local inputs are
// scanned (stat and open, no hashing) so that nothing unreadable, special or
// entirely ignored is found only after lookups or a first upload.
func (c *Client) invokeValidate(ctx context.Context, endpoint string, req InvokeRequest, options *InvokeOptions) (validInvoke, error) {
	v := validInvoke{endpoint: endpoint, req: req}
	if options != nil {
		v.opts = *options
	}
	if err := validateEndpointName(endpoint); err != nil {
		return validInvoke{}, err
	}
	if err := req.validate(req.DeploymentKind); err != nil {
		return validInvoke{}, err
	}
	o := &v.opts
	if err := validateRepeatabilityID(o.RepeatabilityID); err != nil {
		return validInvoke{}, err
	}
	if o.ScoringURI != "" {
		if _, err := checkTokenURL(o.ScoringURI, c.opts.InsecureAllowCredentialWithHTTP); err != nil {
			return validInvoke{}, &ValidationError{Field: "InvokeOptions.ScoringURI", Value: shownURL(o.ScoringURI), Problem: "the scoring URI " + err.Error(),
				Fix: "use the endpoint's https scoring URI as az ml batch-endpoint show prints it (the data-plane token is never sent over plain http)"}
		}
	}
	if o.UploadDatastore != "" {
		if p := names.DatastoreName(o.UploadDatastore); p != nil {
			return validInvoke{}, &ValidationError{Field: "InvokeOptions.UploadDatastore", Value: p.Value, Problem: p.Problem, Fix: p.Fix}
		}
	}
	v.id = o.RepeatabilityID
	if v.id == "" {
		v.id = uuid.NewString()
	}
	add := func(name string, in inputs.Input) {
		n := namedInput{name: name, field: "inputs." + name, in: in}
		if name == wire.SingleInputKey {
			n.field = "Input"
		}
		switch x := in.(type) {
		case inputs.DataAssetInput:
			switch {
			case x.ARMID() != "" || x.URI() != "":
				// Sent as given; it may name another workspace, so the service checks it.
			case x.IsLatest():
				v.latest = append(v.latest, n)
			default:
				v.pinned = append(v.pinned, n)
			}
		case inputs.LocalPathInput:
			v.locals = append(v.locals, n)
		}
	}
	if req.Input != nil {
		add(wire.SingleInputKey, req.Input)
	}
	for _, name := range sortedKeys(req.Inputs) {
		add(name, req.Inputs[name])
	}
	byName := false // an output names its datastore only by name: finding it takes ARM
	for _, name := range sortedKeys(req.Outputs) {
		o := req.Outputs[name]
		switch {
		case !c.ownDatastore(o):
		case c.opts.DataPlaneOnly:
			// Not looked up: the service checks the datastore of an output given by URI or id.
			byName = byName || (o.URI() == "" && o.DatastoreID() == "")
		default:
			v.outputs = append(v.outputs, name)
		}
	}
	for _, n := range v.locals {
		if err := checkLocalInputContext(ctx, n.in.(inputs.LocalPathInput)); err != nil {
			return validInvoke{}, withField(err, n.field)
		}
	}
	if c.opts.DataPlaneOnly {
		if o.ScoringURI == "" {
			return validInvoke{}, &ValidationError{Field: "InvokeOptions.ScoringURI", Problem: "a DataPlaneOnly client cannot look the endpoint up through ARM",
				Fix: "set InvokeOptions.ScoringURI to the endpoint's scoring URI (az ml batch-endpoint show --query scoring_uri)"}
		}
		if len(v.latest) > 0 || len(v.locals) > 0 || byName {
			return validInvoke{}, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "this request needs workspace lookups (a data asset by label, a local upload or an output datastore by name) and the client may not call ARM",
				Fix: "give explicit versions and datastore ARM ids, or use a credential with ARM access"}
		}
	}
	return v, nil
}

// ownDatastore reports outputs whose datastore is this workspace's, looked up by
// name (another workspace's datastore id is checked by the service).
func (c *Client) ownDatastore(o outputs.DataOutput) bool {
	if o.IsDefault() {
		return false
	}
	if id := o.DatastoreID(); id != "" {
		p, ok := armid.ParseDatastoreID(id)
		if !ok || p.Workspace == nil || !strings.EqualFold(p.Workspace.Name, c.ws.Name) || !strings.EqualFold(p.Workspace.ResourceGroup, c.ws.ResourceGroup) || !strings.EqualFold(p.Workspace.Subscription, c.ws.SubscriptionID) {
			return false
		}
	}
	return true
}

// resolvedInvoke is the resolve stage's output: what the workspace said.
type resolvedInvoke struct {
	validInvoke
	scoringURI  string
	fromService bool   // scoringURI came from the endpoint GET (not InvokeOptions.ScoringURI)
	uriErr      error  // with fromService: checkTokenURL's verdict on scoringURI, from the endpoint cache
	deployment  string // the deployment that runs the job; "" when unknown
	kind        DeploymentKind
	assets      map[string]DataAsset // data asset inputs looked up, by input name
	stores      map[string]Datastore // output datastores, by output name
	uploadTo    Datastore            // where local inputs go (set when there are any)
}

// invokeResolve is the resolve stage: every lookup, in a fixed order, and nothing written.
func (c *Client) invokeResolve(ctx context.Context, v validInvoke) (resolvedInvoke, error) {
	r := resolvedInvoke{validInvoke: v, scoringURI: v.opts.ScoringURI, deployment: v.req.Deployment, kind: v.req.DeploymentKind}
	if len(v.latest)+len(v.pinned) > 0 {
		r.assets = map[string]DataAsset{}
	}
	if len(v.outputs) > 0 {
		r.stores = map[string]Datastore{}
	}
	if r.scoringURI == "" {
		ep, err := c.endpoint(ctx, v.endpoint)
		if err != nil {
			return resolvedInvoke{}, err
		}
		r.scoringURI, r.fromService, r.uriErr = ep.scoringURI, true, ep.uriErr
		if r.deployment == "" {
			r.deployment = ep.defaultDeployment
		}
		if r.deployment != "" {
			if r.kind, err = c.deploymentKind(ctx, v.endpoint, r.deployment); err != nil {
				return resolvedInvoke{}, err
			}
		}
	}
	for _, n := range v.latest {
		x := n.in.(inputs.DataAssetInput)
		da, err := c.latestDataAsset(ctx, x.Name())
		if err != nil {
			return resolvedInvoke{}, fmt.Errorf("%s: resolving %s: %w", n.field, x, err)
		}
		r.assets[n.name] = da
	}
	if len(v.locals) > 0 {
		// An upload is coming: an input that cannot be found must fail now, not after it.
		for _, n := range v.pinned {
			x := n.in.(inputs.DataAssetInput)
			da, err := c.dataAssetVersion(ctx, x.Name(), x.Version())
			if err != nil {
				return resolvedInvoke{}, fmt.Errorf("%s: looking up %s: %w", n.field, x, err)
			}
			r.assets[n.name] = da
		}
	}
	for _, name := range v.outputs {
		o := v.req.Outputs[name]
		ds, err := c.datastore(ctx, o.DatastoreName())
		if err != nil {
			return resolvedInvoke{}, fmt.Errorf("outputs.%s: looking up datastore %q: %w", name, o.DatastoreName(), err)
		}
		r.stores[name] = ds
	}
	if len(v.locals) > 0 {
		ds, err := c.uploadDatastore(ctx, v.opts.UploadDatastore)
		if err != nil {
			return resolvedInvoke{}, fmt.Errorf("%s: finding the datastore to upload to: %w", v.locals[0].field, err)
		}
		r.uploadTo = ds
		// The datastore's credentials (listSecrets) and its container are read by
		// the upload itself before it writes anything, and every local input
		// goes to this one datastore: reading them here too would only double
		// those requests.
	}
	return r, nil
}

// checkedInvoke is the check stage's output: a request the lookups allow, with
// the location of every input that had to be looked up.
type checkedInvoke struct {
	resolvedInvoke
	located map[string]wire.Resolved // by input name
}

// invokeCheck is the check stage: the deployment kind's rules and what the
// lookups told. No I/O.
func (c *Client) invokeCheck(r resolvedInvoke) (checkedInvoke, error) {
	k := checkedInvoke{resolvedInvoke: r}
	if len(r.assets) > 0 {
		k.located = map[string]wire.Resolved{}
	}
	if r.fromService {
		if err := r.uriErr; err != nil { // checked once per endpoint lookup, not per invoke
			return checkedInvoke{}, fmt.Errorf("batch endpoint %q: the scoring URI the service returned (%s) %s; not sending the data-plane token there", r.endpoint, shownURL(r.scoringURI), err)
		}
		if r.deployment == "" {
			return checkedInvoke{}, &ValidationError{Field: "Deployment", Problem: fmt.Sprintf("endpoint %q has no default deployment", r.endpoint), Fix: "name the deployment in InvokeRequest.Deployment, or set a default deployment on the endpoint"}
		}
	}
	if r.kind != "" {
		if err := r.req.validateKind(r.kind); err != nil {
			return checkedInvoke{}, err
		}
	}
	for _, n := range append(append([]namedInput(nil), r.latest...), r.pinned...) {
		da, ok := r.assets[n.name]
		if !ok {
			continue // pinned and not verified: built locally, as azure-ai-ml does
		}
		x := n.in.(inputs.DataAssetInput)
		kind := inputs.Kind(da.Kind)
		if kind == inputs.KindMLTable && r.kind != DeploymentKindPipelineComponent {
			// Pipeline component deployments take MLTable inputs; model deployments don't.
			return checkedInvoke{}, &ValidationError{Field: n.field, Value: x.String(), Problem: "the data asset is an MLTable, which batch endpoints don't support", Fix: "register the data as a uri_folder or uri_file asset"}
		}
		if x.KindSet() {
			kind = x.Kind()
		}
		uri := da.ID
		if uri == "" {
			uri = c.ws.arm().DataVersionID(x.Name(), da.Version)
		}
		k.located[n.name] = wire.Resolved{URI: uri, Kind: kind}
	}
	for _, name := range r.outputs {
		ds := r.stores[name]
		if !strings.EqualFold(ds.Type, "AzureBlob") {
			o := r.req.Outputs[name]
			return checkedInvoke{}, &ValidationError{Field: "outputs." + name, Value: o.DatastoreName() + " (" + ds.Type + ")", Problem: "batch endpoints only write outputs to Blob Storage datastores",
				Fix: "use an AzureBlob datastore such as workspaceblobstore (an ADLS Gen2 account can be registered as a Blob datastore)"}
		}
	}
	if len(r.locals) > 0 && !blobCompatible(r.uploadTo.Type) {
		return checkedInvoke{}, &ValidationError{Field: r.locals[0].field, Value: r.uploadTo.Name + " (" + r.uploadTo.Type + ")",
			Problem: "local inputs are uploaded to the workspace's default datastore, which must be AzureBlob or AzureDataLakeGen2",
			Fix:     "make a Blob datastore the workspace default (az ml datastore update), or upload the data yourself and pass its URL"}
	}
	if len(r.locals) > 0 {
		// Encode once with stand-ins for the uploads, so that encoding cannot fail after them.
		trial := maps.Clone(k.located)
		if trial == nil {
			trial = map[string]wire.Resolved{}
		}
		for _, n := range r.locals {
			trial[n.name] = wire.Resolved{URI: "azureml://datastores/" + r.uploadTo.Name + "/paths/" + uploadRoot + "/", Kind: n.in.Kind()}
		}
		if _, err := encodeRequest(&r.req, c.ws.arm(), trial); err != nil {
			return checkedInvoke{}, err
		}
	}
	return k, nil
}

// uploadedInvoke is the upload stage's output: every input located.
type uploadedInvoke struct {
	checkedInvoke
	all map[string]wire.Resolved // located inputs and uploads, by input name
}

// invokeUpload is the upload stage: local inputs go to the upload datastore
// (InvokeOptions.UploadDatastore, else workspaceblobstore).
// It is the first stage that writes.
func (c *Client) invokeUpload(ctx context.Context, k checkedInvoke) (uploadedInvoke, error) {
	u := uploadedInvoke{checkedInvoke: k, all: k.located}
	if len(k.locals) > 0 {
		u.all = maps.Clone(k.located)
		if u.all == nil {
			u.all = map[string]wire.Resolved{}
		}
	}
	for _, n := range k.locals {
		x := n.in.(inputs.LocalPathInput)
		uri, err := c.uploadLocalTo(ctx, x, k.uploadTo, k.opts.UploadProgress)
		if err != nil {
			return uploadedInvoke{}, fmt.Errorf("%s: uploading %s: %w", n.field, x.Path(), err)
		}
		u.all[n.name] = wire.Resolved{URI: uri, Kind: x.Kind()}
	}
	return u, nil
}

// encodedInvoke is the encode stage's output: the POST to send.
type encodedInvoke struct {
	endpoint, scoringURI string
	deploymentHeader     string // azureml-model-deployment; "" for the endpoint's default
	id                   string
	payload              []byte
	opts                 InvokeOptions
}

// invokeEncode is the encode stage.
func (c *Client) invokeEncode(u uploadedInvoke) (encodedInvoke, error) {
	body, err := encodeInvoke(&u.req, u.id, c.ws.arm(), u.all)
	if err != nil {
		return encodedInvoke{}, err
	}
	payload, err := wire.MarshalInvocation(body)
	if err != nil {
		return encodedInvoke{}, err
	}
	return encodedInvoke{endpoint: u.endpoint, scoringURI: u.scoringURI, deploymentHeader: u.req.Deployment, id: u.id, payload: payload, opts: u.opts}, nil
}

// invokeSend is the send stage: the POST, and the job handle.
func (c *Client) invokeSend(ctx context.Context, e encodedInvoke) (*Job, error) {
	res, err := c.post(ctx, e.endpoint, e.scoringURI, e.deploymentHeader, e.id, e.payload, &e.opts)
	if err != nil {
		return nil, err
	}
	j, err := c.newJob(res.details(), e.endpoint, e.scoringURI, e.id)
	if err != nil {
		return nil, err
	}
	j.h.pending = res.body // the rest of the answer, decoded when Details asks
	return j, nil
}

// invokeAnswer is what a Job needs at once from the invoke's 201 (name, id,
// status, Studio URL; see decodeInvokeAnswer). Decoding the whole
// BatchJobResource (inputs, outputs, tags, properties, system data) took a
// quarter of an invoke's CPU (pprof of BenchmarkInvoke); the Job decodes body
// on first use instead (jobHandler.detailsLocked).
type invokeAnswer struct {
	ID, Name, Status, StudioURL string

	body []byte
}

func (a *invokeAnswer) details() JobDetails {
	return JobDetails{Name: a.Name, ID: a.ID, Status: JobStatus(a.Status), StudioURL: a.StudioURL}
}

// post sends the invoke POST. It never lets the pipeline's retry policy resend it
// (POST is not idempotent: azure-sdk-for-python#31166 created duplicate jobs);
// it resends only when the request surely did not reach the service, or when the
// service asked for a retry with Retry-After on 429/503.
func (c *Client) post(ctx context.Context, endpoint, scoringURI, deployment, id string, payload []byte, o *InvokeOptions) (*invokeAnswer, error) {
	maxResends := o.MaxResends
	if maxResends == 0 {
		maxResends = 3
	}
	maxWait := o.MaxRetryAfter
	if maxWait == 0 {
		maxWait = time.Minute
	}
	noRetry := policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1})
	// mayExist: an earlier attempt may have created a job. A caller-given id may
	// be a resend of a call that did, so then no answer short of the job itself
	// proves there is none (a 429 is about this attempt only).
	mayExist := o.RepeatabilityID != ""
	firstSent := o.RepeatabilityFirstSent
	// resend waits d before the next attempt; it gives up at once when ctx's
	// deadline falls before the wait ends, and when ctx ends during it.
	resend := func(d time.Duration, last error) error {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return &InvokeInterruptedError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Wait: d, MayExist: mayExist, Err: context.DeadlineExceeded, Last: last}
		}
		if err := pause(ctx, d); err != nil {
			return &InvokeInterruptedError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Wait: d, MayExist: mayExist, Err: err, Last: last}
		}
		return nil
	}
	for attempt := 0; ; attempt++ {
		req, err := c.newPOST(noRetry, scoringURI)
		if err != nil {
			return nil, fmt.Errorf("scoring URI of endpoint %q: %w", endpoint, err)
		}
		if firstSent.IsZero() {
			firstSent = time.Now()
		}
		// As Header.Set, with the keys canonical already and the values in one allocation.
		h, vals := req.Raw().Header, [...]string{id, httpDate(firstSent), "application/json", deployment}
		h[canonicalRepeatability], h[canonicalFirstSent], h[canonicalContentType] = vals[0:1:1], vals[1:2:2], vals[2:3:3]
		if deployment != "" {
			h[canonicalDeployment] = vals[3:4:4]
		}
		// The body is not given to azcore (SetBody): the pipeline never resends
		// this POST (its retry policy is off), so azcore's rewindable wrapper
		// and per-try rewind do nothing for it. inMemoryBodyPolicy attaches
		// the payload on each try, after the bearer policy (which may resend
		// once on a challenge).
		mark := &sendMark{payload: payload}
		req.SetOperationValue(mark)
		resp, err := c.dataPL.Do(req)
		if err != nil {
			cause := err
			if mark.err != nil {
				cause = mark.err
			}
			written := mark.reached && wasWritten(cause)
			switch {
			// A 429 that arrived before ctx ended refused this attempt, even if
			// a later policy reports ctx's error instead of the answer.
			case ctx.Err() != nil && (!written || mark.status == http.StatusTooManyRequests):
				return nil, &InvokeInterruptedError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, MayExist: mayExist, Err: ctx.Err(), Last: cause}
			case !mark.reached && !mayExist:
				return nil, err // refused before sending: a credential failure, say
			case notSent(cause) && attempt < maxResends:
				if werr := resend(backoff(attempt), cause); werr != nil {
					return nil, werr
				}
				continue
			case (notSent(cause) || !mark.reached) && !mayExist:
				return nil, err
			}
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: err}
		}
		switch {
		case runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated):
			body, err := runtime.Payload(resp)
			if err != nil {
				return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: fmt.Errorf("reading the invoke response: %w", err)}
			}
			res, err := decodeInvokeAnswer(body)
			if err != nil {
				return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: fmt.Errorf("decoding the invoke response: %w", err)}
			}
			if res.Name == "" {
				return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: errors.New("the invoke response names no job")}
			}
			return &res, nil
		case runtime.HasStatusCode(resp, http.StatusTooManyRequests, http.StatusServiceUnavailable):
			if d, ok := retryAfter(resp); ok && attempt < maxResends && d <= maxWait {
				last := serviceError(resp) // reads (and closes) the body
				mayExist = mayExist || resp.StatusCode == http.StatusServiceUnavailable
				if werr := resend(d, last); werr != nil {
					return nil, werr
				}
				continue
			}
			if resp.StatusCode == http.StatusTooManyRequests && !mayExist {
				return nil, serviceError(resp)
			}
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: serviceError(resp)}
		case resp.StatusCode >= 500:
			c.forgetEndpoint(endpoint)
			return nil, &AmbiguousInvokeError{RepeatabilityID: id, FirstSent: firstSent, Endpoint: endpoint, Err: serviceError(resp)}
		case resp.StatusCode == http.StatusNotFound:
			c.forgetEndpoint(endpoint) // the endpoint may have moved or been recreated
		}
		return nil, serviceError(resp)
	}
}

// parsedURI is a scoring URI as runtime.NewRequest parsed it.
type parsedURI struct {
	raw  string
	url  url.URL
	host string // http.Request.Host
}

// newPOST is runtime.NewRequest(ctx, POST, scoringURI) without parsing the
// same scoring URI again on every invoke (url.Parse was ~1 µs of one): the
// last one parsed is kept, and each request gets its own copy of it.
func (c *Client) newPOST(ctx context.Context, scoringURI string) (*policy.Request, error) {
	p := c.lastURI.Load()
	if p == nil || p.raw != scoringURI {
		req, err := runtime.NewRequest(ctx, http.MethodPost, scoringURI)
		if err != nil {
			return nil, err
		}
		if u := req.Raw().URL; u.User == nil { // no shared pointers in the copy
			c.lastURI.Store(&parsedURI{raw: scoringURI, url: *u, host: req.Raw().Host})
		}
		return req, nil
	}
	raw, err := http.NewRequestWithContext(ctx, http.MethodPost, "", nil) // an empty URL parses at no cost
	if err != nil {
		return nil, err
	}
	u := p.url
	raw.URL, raw.Host = &u, p.host
	return runtime.NewRequestFromRequest(raw)
}

// lastHTTPDate is the last string httpDate made, for the second it names.
var lastHTTPDate atomic.Pointer[struct {
	sec int64
	s   string
}]

// httpDate is t.UTC().Format(http.TimeFormat), reusing the string made for
// the same second (formatting was ~1 µs of an invoke).
func httpDate(t time.Time) string {
	sec := t.Unix()
	if d := lastHTTPDate.Load(); d != nil && d.sec == sec {
		return d.s
	}
	s := t.UTC().Format(http.TimeFormat)
	lastHTTPDate.Store(&struct {
		sec int64
		s   string
	}{sec, s})
	return s
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
