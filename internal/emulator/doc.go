// Package emulator is a local Azure Machine Learning workspace for batch endpoints.
//
// A Server listens on two HTTPS ports on 127.0.0.1 with a certificate from a CA it
// generates at start: one speaks the ARM subset a batch-endpoint client needs
// (workspace, batch endpoints and deployments, data assets, datastores, jobs) and one
// plays the inference host that serves each endpoint's scoringUri (invoke POST and
// job GET). Bodies, status codes, error envelopes and validation messages follow
// the real service as recorded in the project's service contract, so clients in any
// language can be pointed at it unchanged: give them ARMEndpoint, trust CACertFile
// and use Credential (or any bearer token with the right audience).
//
// Workspaces, endpoints, deployments, datastores and data assets are registered
// through the Go API. Deployments run Go functions: a model deployment's ScoreFunc
// receives the input files in mini-batches and returns predictions.csv rows; a
// pipeline deployment's PipelineFunc receives named inputs and writes named
// outputs. Data lives in real blob storage (Azurite) behind the datastores.
//
// Datastores point at blob containers; their ARM properties.endpoint is the blob
// service URL (e.g. Azurite's http://127.0.0.1:PORT/devstoreaccount1), which
// batchendpoint treats as the service to upload to and download from. Storage
// URL inputs are read when they fall under a registered datastore's account (or
// one added with AddStorageAccount); any other host fails the job, as there is no
// internet access.
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
