// Package outputs describes where a batch endpoint job writes its named outputs.
//
// Batch endpoints write outputs to Azure Blob datastores only. A DataOutput names a
// datastore (by name or ARM id) and a path inside it; with no path the service picks
// its default location, azureml/<job id>/<output name>/ on the workspace's default
// datastore (for a model deployment the file is predictions.csv unless the
// deployment or the request says otherwise).
//
//	score := outputs.Datastore("workspaceblobstore", "batch-jobs/my-unique-path").File()
//	scores := outputs.Default().WithMode(outputs.ModeUpload)  // service-chosen path
//
// Output locations must be unique: if the file already exists the job fails.
package outputs
