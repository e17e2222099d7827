// Package emulator is a local Azure Machine Learning workspace for batch endpoints.
//
// A Server listens on two HTTPS ports on 127.0.0.1 with a certificate from a CA it
// generates at start: one speaks the ARM subset a batch-endpoint client needs
// (workspace, batch endpoints and deployments, data assets, datastores, jobs) and one
// plays the inference host that serves each endpoint's scoringUri (invoke POST and
// job GET). Bodies, status codes, error envelopes and validation messages follow
// the real service as documented in internal/wire/README.md, so clients in any
// language can be pointed at it unchanged: give them ARMEndpoint, trust CACertFile
// and use Credential (or any bearer token with the right audience).
//
// # An independent encoding of the contract
//
// The emulator does not import internal/wire, the codec batchendpoint sends and
// reads bodies with: it declares its own typed bodies (bodies.go) and decodes
// requests its own way (dataplane.go). The duplication is deliberate. Both sides
// are written from the contract separately, so a field misspelt, a type
// mis-cased or a null dropped in one of them fails the tests that run
// batchendpoint against the emulator, instead of agreeing with itself.
//
// The types a test registers or inspects (deployments, scoring functions, jobs,
// faults, requests) are declared here once; batchendpoint/fake exposes them as
// aliases, so their documentation is written for fake's users.
//
// Workspaces, endpoints, deployments, datastores and data assets are registered
// through the Go API. Deployments run Go functions: a model deployment's ScoreFunc
// receives the input files in mini-batches and returns predictions.csv rows; a
// pipeline deployment's PipelineFunc receives named inputs and writes named
// outputs. Data lives in real blob storage (Azurite) behind the datastores.
//
// # Storage addressing
//
// Datastores point at blob containers (in Azurite) and answer as the real
// service does: properties.accountName and properties.endpoint, the DNS suffix
// core.windows.net, from which clients build
// https://<account>.blob.core.windows.net themselves. That name reaches Azurite
// through the storage proxy (StorageProxyURL), a forward proxy on 127.0.0.1:
// CONNECT to a datastore's <account>.blob.<suffix>:443 is terminated with a
// certificate for that name from the emulator's CA and relayed byte for byte
// to Azurite (which takes the account from the Host header; header names keep
// their case, as metadata names do on the real service); CONNECT to the emulator's
// own listeners and to the datastores' Azurite listeners is tunnelled as is;
// any other destination is refused with 403 without being dialled. Transport
// and HTTPClient use it; other processes set HTTPS_PROXY and trust CACertFile.
// Options.ServiceURLDatastoreEndpoints restores the earlier shape, endpoint =
// the blob service URL (also kept for plain-http ServiceURLs). Storage URL
// inputs are read when they fall under a registered datastore's account (by its
// Azurite URL or its production-style host) or one added with
// AddStorageAccount; any other host fails the job, as there is no internet
// access.
//
// # Child runs, logs and Run History
//
// A job is a pipeline run with child runs: a model deployment's job has one,
// properties["azureml.moduleName"] "batchscoring", which holds the "score"
// output; a pipeline deployment's job has one per PipelineDeployment.Steps
// entry. Runs write the service's log files (user_logs/std_log.txt with each
// failed mini-batch attempt and its Python-style traceback, logs/user/error.txt,
// logs/job_progress_overview.txt, logs/sys/master_role.txt,
// logs/azureml/executionlogs.txt) to the default datastore's account, container
// "azureml", path ExperimentRun/dcid.<run id>/. Under the discovery document's
// "api" URL, with an ARM token, the emulator serves Run History's
// GET /history/v1.0<ws>/runs/{run}/details (error, and logFiles: name -> SAS URL,
// always an object), GET .../runs/{run}/children, POST /history/v1.0<ws>/rundata
// (runMetadata.outputs: name -> assetId and PascalCase type; a model job's
// parent reports none, its batchscoring child reports "score"), and
// POST /data/v1.0<ws>/dataversion/batchGetResolvedUris (assetId -> azureml://
// datastore URI).
//
// The management front end's job list of a batch endpoint or deployment,
// GET {api}/mferp/managementfrontend<ws>/batchEndpoints/{ep}[/deployments/{d}]/jobs
// with api-version 2020-09-01-dataplanepreview (azure-ai-ml's
// batch_endpoints.list_jobs), is served: {"value":[BatchJobResource...]},
// newest first. The real service fails this call today
// (azure-sdk-for-python#45212); the emulator serves the documented behaviour so
// clients written for it can be tested, and a fault on RouteListEndpointJobs
// reproduces the failure.

// # Client tags, properties and the jobs list
//
// An invoke's properties.tags, properties.description and (pipeline
// deployments only, as the service documents) properties.properties are kept
// on the job and reported by the data-plane job, the ARM job GET and list
// (JobBase tags, properties, description) and the management front end's
// list. Property names are matched case-insensitively, as the service's
// decoder does. Tags follow ARM's limits (at most 50, names up to 512
// characters without < > % & \ ? /, values up to 256); others are refused
// with 400 naming the tag. The service's own tags (azureml.*, inputType,
// outputType) and properties win over a caller's of the same name: that the
// real service keeps client-sent tags at all, and how it merges them, is not
// verified (no official client sends them).
//
// Jobs_CreateOrUpdate (PUT .../jobs/{job}) on an existing job updates it as
// the emulator understands the service: the body is the job as GET returns
// it; tags (the caller's set is replaced; service tags stay and may not
// change), description, displayName and isArchived change; properties may be
// added but not changed; a changed jobType, experimentName, computeId,
// inputs or outputs is refused with 400 naming the field; fields left out
// keep their values. Jobs are created only by invoke, so a PUT of an unknown
// job answers 404. The 2025-12-01 and 2026-03-01 specifications define no
// PATCH for jobs, and the emulator serves none.
//
// The ARM jobs list (Jobs_List) takes the specification's filters, with
// parameter names and enum values case-insensitive: jobType (batch jobs are
// "Pipeline"), tag (a tag name, matched case-insensitively; "name=value" also
// matches the value, an emulator extension the specification does not
// document), listViewType (ActiveOnly, the default, ArchivedOnly or All, by
// isArchived; another value is 400) and properties (comma-separated names or
// name=value pairs, all of which must match). It lists newest first;
// $skipToken is opaque and marks the last job of the previous page, so jobs
// created while a client pages neither shift nor repeat the pages it has yet
// to read. $top caps one answer. Request.Query records the query sent. The
// management front end's job list takes the same filters (not $skipToken: it
// answers in one page); that the real one does is not verified.
//
// # ARM throttling
//
// The ARM listener throttles as Azure Resource Manager's regional token
// buckets do (Microsoft Learn, "Understand how Azure Resource Manager
// throttles requests"): per subscription, per principal (the token's oid,
// else appid, else sub) and per operation type, reads (GET, HEAD) 250 at
// once refilled at 25/s, writes (PUT, PATCH and POST, including actions such
// as listSecrets and cancel) and deletes 200 refilled at 10/s, plus a
// subscription-wide bucket per operation type 15 times as large shared by all
// principals. Every authenticated answer under /subscriptions/{id} carries
// x-ms-ratelimit-remaining-subscription-{reads,writes,deletes} and
// x-ms-ratelimit-remaining-subscription-global-{reads,writes,deletes} for its
// operation type (tokens left after the request). When either bucket is empty
// the request is not executed and takes no token: 429 with Retry-After (whole
// seconds until a token is available, rounded up) and the ARM envelope code
// SubscriptionRequestsThrottled (the code ARM answers, from observed
// responses; the message wording is the emulator's). Run History, discovery,
// the management front end and the inference host are not ARM and are not
// counted. Options.ARMThrottle changes the limits or turns throttling off;
// Server.ThrottleStats counts served and throttled requests per principal.
//
// # Simulated jobs
//
// A deployment with Simulate set (ModelDeployment.Simulate,
// PipelineDeployment.Simulate) runs no Go function: its jobs go Preparing,
// Queued, Running (for Simulation.Duration), Finalizing and end as
// Simulation.Outcome decides, each step on one timer (time.AfterFunc) and a
// context.AfterFunc for cancellation, so a job costs no goroutine while it
// runs (a held job gets one while held). Inputs are not read, outputs and log
// files not written. Holds, FailJob, FailNextJobs, cancel and Close apply as
// to other jobs.
//
// # Repeatable invokes
//
// An invoke POST that carries a repeatability id (header repeatability_request-id,
// as the batch-endpoint clients send it, or Repeatability-Request-ID) is handled
// as the Azure REST API guidelines ("Repeatability of requests") and OASIS
// Repeatable Requests 1.0 describe, so clients can resend it safely:
//
//   - The id is reserved, per endpoint, before the request is processed. A second
//     request with the id that arrives while the first is processed waits for it
//     and then gets the first one's answer (status, body, Content-Type and
//     azureml-model-deployment); overlapping POSTs create one job.
//   - Every answer carries Repeatability-Result: accepted, or rejected for the
//     refusals below.
//   - The first answer is remembered and replayed when it came from processing
//     the request and is below 500: the created job (201), and also validation
//     and not-found errors (the guidelines: the same response again; a fixed
//     request needs a new id). Nothing is remembered, and a resend is processed
//     as a new first request, when the request had no effect: an injected fault
//     that answered (429, 500, 503, ...) or dropped the connection before the
//     handler ran, a 5xx from the emulator itself, or a token error (401).
//     A fault that drops the connection after the job was created leaves the
//     job's 201 remembered: the resend gets that job.
//   - A request with a used id but another body or azureml-model-deployment
//     header is refused with 400 (UserError, innerError.code
//     RepeatabilityRequestMismatch), as Azure services implementing the OASIS
//     specification answer; nothing is created.
//   - Repeatability-First-Sent, when sent, must be an HTTP date (IMF-fixdate
//     such as "Sun, 06 Nov 1994 08:49:37 GMT"; the obsolete RFC 850 and asctime
//     forms are accepted as RFC 7231 asks of recipients); otherwise 400
//     (BadArgument). A request first sent longer ago than the tracked window is
//     refused with 412 Precondition Failed (RepeatabilityWindowExpired), since
//     the emulator may have forgotten it: the caller should look for the job.
//     Without the header (batch-endpoint clients omit it) the window counts from
//     the first arrival of the id.
//   - Ids are remembered for Options.RepeatabilityWindow (5 minutes by default,
//     the guidelines' minimum) after the first sending; then they are forgotten
//     and a resend without Repeatability-First-Sent creates a new job.
//
// Tests can inject faults per route (status codes with Retry-After, connection
// resets before or after a job is created, delays), hold jobs in a status, fail
// jobs with a given error, and inspect every request the server received.
// InProcessTransport serves the same handlers without sockets for fast tests.
//
//	srv, _ := emulator.New(nil)
//	_ = srv.Start()
//	defer srv.Close()
//	ws, _ := srv.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: "s", ResourceGroup: "rg", Name: "ws"})
//	// register datastores, endpoints, deployments on ws; point a client at srv.Cloud(), srv.HTTPClient(), srv.Credential()
package emulator
