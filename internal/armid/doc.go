// Package armid parses and builds the resource identifiers and azureml:// URIs that
// batch jobs use for workspaces, datastores, data assets and models.
//
//	id := armid.Workspace{Subscription: "s", ResourceGroup: "rg", Name: "ws"}.DataVersionID("heart-data", "1")
//	p, ok := armid.ParseDatastoreURI("azureml://datastores/workspaceblobstore/paths/heart") // p.Datastore, p.Path
package armid
