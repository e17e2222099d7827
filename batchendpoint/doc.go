// Package batchendpoint invokes Azure Machine Learning batch endpoints and follows
// the jobs they create.
//
// A Client holds two azcore pipelines: one with an ARM token (endpoint and
// deployment lookups, data assets, datastores, job status, cancel) and one with an
// Azure ML data-plane token (the invoke POST to the endpoint's scoring URI).
// Lookups are cached, so after the first call an invoke costs one request.
//
//	cred, _ := azidentity.NewDefaultAzureCredential(nil)
//	client, _ := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: sub, ResourceGroup: rg, Name: ws}, cred, nil)
//	job, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
//		Input: inputs.DataAsset("heart-data", "latest"),
//	}, nil)
//	details, err := job.Wait(ctx, nil) // Completed, or a *JobFailedError
//
// Design decisions:
//   - The invoke POST is not idempotent, so the pipeline's retry policy never
//     resends it. It is resent, with the same repeatability_request-id, only after
//     a failure to connect or a 429/503 with Retry-After; a 5xx or a connection lost
//     after the request was written returns *AmbiguousInvokeError.
//   - Requests are validated (names, inputs, the deployment kind's rules) before
//     anything is sent; such errors are *ValidationError. Service errors are
//     *azcore.ResponseError; a missing endpoint, deployment, datastore or data
//     asset is a *NotFoundError wrapping it.
//   - Invoke is one pass of stages with typed inputs and outputs (invoke.go):
//     validate → resolve (every lookup) → check → upload → encode → send. Every
//     lookup and check that can fail comes before the first write, so a failing
//     invoke leaves no uploaded data and no job. Identical in-flight lookups are
//     coalesced; each caller still returns as soon as its own ctx ends.
//   - Job handles are built on azcore's runtime.Poller, so ResumeToken and
//     PollUntilDone behave as in other Azure Go SDKs. What az ml job download,
//     list --parent-job-name and stream do reads Run History (runhistory.go):
//     Job.DownloadOutputs (from the batchscoring child when the job reports no
//     outputs), Job.Children, Job.ListLogs, Job.DownloadLogs and WaitOptions.OnLog.
//
// Layout, as in the Azure SDK's own packages: client.go and the method files hold
// the Client, job.go the Job handle, models.go the public models, options.go the
// per-method options, responses.go the per-method responses, errors.go every
// error type and constants.go the enums with their PossibleXxxValues. The JSON
// codec (request → body, body → job details) is internal/wire's; this package
// calls it and copies the result into its own types. Local data (scan, hash,
// ignore rules, offline checks, upload, download) is internal/localdata's: this
// package resolves the datastore and its credential and hands it a container.
// The fake subpackage serves the local workspace emulator (with Azurite) for
// users' tests; NewWorkspace in a test, StartWorkspace anywhere else.
//
// The wire contract the client speaks (URLs, headers, token scopes, bodies,
// statuses, error envelopes), each part with its public source, is written down in
// this module's internal/wire/README.md.
package batchendpoint
