// Package fake provides a fake Azure Machine Learning workspace for testing code
// that uses batchendpoint, in the spirit of net/http/httptest and the fake
// packages of the Azure SDK for Go.
//
// NewWorkspace starts, for one test, a local emulator of the workspace's ARM and
// batch-endpoint data-plane API (HTTPS on 127.0.0.1 with a throwaway CA) and
// Azurite for the datastores, and returns a Workspace with a ready
// *batchendpoint.Client. The test registers endpoints and deployments whose
// scoring scripts are Go functions, puts data in datastores, and then runs the
// code under test unchanged: requests, tokens, validation messages, status
// progression (Preparing → Queued → Running → Finalizing → Completed) and
// output files behave as the service documents them. t.Cleanup stops
// everything.
//
// StartWorkspace does the same outside a test (a program, an Example, a
// developer's local setup), like net/http/httptest.NewTLSServer: it returns
// an error instead of failing a test, and Close stops the workspace.
//
//	w := fake.NewWorkspace(t, nil)
//	w.AddEndpoint(fake.Endpoint{Name: "heart", DefaultDeployment: "classifier"})
//	w.AddModelDeployment("heart", fake.ModelDeployment{Name: "classifier",
//		Score: func(ctx context.Context, b fake.MiniBatch) ([]string, error) {
//			return []string{"0.97"}, nil
//		}})
//	w.WriteBlob(fake.DefaultDatastore, "heart/part-1.csv", []byte("age,chol\n63,233\n"))
//	job, err := w.Client().Invoke(ctx, "heart", batchendpoint.InvokeRequest{
//		Input: inputs.Datastore(fake.DefaultDatastore, "heart"),
//	}, nil)
//
// Besides playing the service, a Workspace scripts outcomes (FailNextJob,
// HoldJobs, FailJob, CancelJob), injects faults per route (FailRequests,
// ResetConnections, InjectFault: status codes with Retry-After, connection
// resets before or after a job is created, delays) and reports what it received
// (Requests, RequestCount, Invocations decoded into batchendpoint.InvokeRequest,
// Jobs, OutputFiles).
//
// Resent invokes: the fake de-duplicates invoke POSTs by their
// repeatability_request-id as the Azure REST API guidelines specify for
// repeatable requests, so retry and reconciliation code (InvokeOptions.RepeatabilityID
// after a *batchendpoint.AmbiguousInvokeError) can be tested against it:
//
//   - POSTs with one id create at most one job, also when they overlap: later ones
//     wait for the first and get its answer again, with Repeatability-Result: accepted.
//   - The first answer is replayed when the fake processed the request (the 201
//     with the job, or a 4xx such as a validation error); an injected fault that
//     answered or dropped the connection before processing (FailRequests,
//     ResetConnections with after false) is not remembered, so the resend runs.
//     ResetConnections with after true creates the job and loses the answer; the
//     resend gets that job.
//   - The same id with another body or deployment is refused with 400
//     (innerError.code RepeatabilityRequestMismatch, Repeatability-Result: rejected).
//   - A Repeatability-First-Sent header that is not an HTTP date is refused with
//     400; one older than the tracked window with 412. Ids are remembered for
//     Options.RepeatabilityWindow (5 minutes by default) after first sight.
//
// Storage: Azurite (the Azure Storage emulator) runs as a Node.js process over
// HTTPS with a throwaway certificate. The first run installs a pinned version
// with npm into the user's cache folder (this module's own .azurite folder when
// testing azmlbatch itself; AZMLBATCH_AZURITE_DIR overrides both). It starts
// with the first Workspace and is shared by the Workspaces alive at the same
// time, each with its own containers; call RunTests from TestMain to share one
// instance across the whole test binary. Options.NoStorage skips it for tests
// that move no data.
//
// Datastores answer as the real service (properties.endpoint core.windows.net
// next to accountName): clients build https://devstoreaccount1.blob.core.windows.net,
// which the emulator's storage proxy (StorageProxyURL, already in ClientOptions'
// transport; HTTPS_PROXY for other processes, trusting CACertPEM) routes to
// Azurite with a certificate from the emulator's CA. The proxy refuses every
// destination that is not a local listener, without dialling it.
// Options.ServiceURLDatastoreEndpoints restores the earlier shape (endpoint =
// Azurite's blob service URL).
//
// Jobs have child runs and logs as on the service (ChildRuns, JobLogs), served
// through Run History (run details with logFiles, children, rundata) and the
// data service's batchGetResolvedUris. The management front end's job list of
// an endpoint (RouteListEndpointJobs), which the real service fails today
// (azure-sdk-for-python#45212), is served; inject a fault to test the failure.
//
// Options.InProcess serves the emulator's requests without sockets or TLS, from
// its handlers in the test process; only storage traffic goes over loopback.
//
// Clients from Client and ClientOptions poll every 5 ms (ClientOptions.PollInterval),
// so code under test that calls Job.Wait(ctx, nil) stays fast.
package fake
