// Package demo is the setup the example programs share: the names Microsoft's
// how-to "Create jobs and input data for batch endpoints" uses (endpoint heart-classifier, deployments classifier-xgboost and
// uci-classifier-prepros-xgb, data asset heart-data, datastore workspaceblobstore),
// a deterministic heart-disease-style CSV dataset, the Go functions the local
// deployments run, and Local, which brings up Azurite (HTTPS) and the local
// workspace emulator with that workspace registered.
//
// It is demo plumbing, not library code: everything a user would call to invoke
// an endpoint lives in batchendpoint, inputs and outputs.
//
//	l, err := demo.StartLocal(ctx, nil) // Azurite + emulator + the demo workspace
//	defer l.Close()
//	client, err := batchendpoint.NewClient(l.BatchWorkspace(), l.Credential(), l.ClientOptions())
package demo
