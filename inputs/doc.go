// Package inputs describes the inputs of an Azure Machine Learning batch endpoint job:
// data assets, datastore paths, storage URLs, local files and folders, literals and
// (for pipeline component deployments) models.
//
// Values are immutable and built with constructors; modifiers such as File or
// WithMode return a copy. Nothing here touches the network; LocalPathInput's
// Validate stats the path. A batchendpoint.Client resolves and sends them.
//
//	in := inputs.DataAsset("heart-data", "latest")           // resolved to the newest version
//	url := inputs.StorageURL("https://acct.blob.core.windows.net/data/heart.csv").File()
//	mode := inputs.String("append")                            // literal, pipeline deployments only
//	parsed, err := inputs.Parse("azureml://datastores/workspaceblobstore/paths/heart", nil)
//
// Parse accepts every string az ml batch-endpoint invoke --input accepts and decides
// in the same order (https URL, ARM id, azureml URI, azureml:name:version, local path),
// without its known mistakes: a data asset whose name contains "http" stays a data
// asset, and registry URIs (azureml://registries/...) are kept as they are.
package inputs
