// Package localdata moves local data to and from blob storage the way
// azure-ai-ml does: it scans and hashes a local file or folder (with the
// folder's .amlignore or .gitignore rules), checks offline that it can be
// uploaded, uploads it under LocalUpload/<hash>/<name> with the completed
// marker that lets the CLI, the Python SDK and this module reuse each other's
// uploads, and downloads a folder or file of blobs through temporary files.
//
// It knows containers, not endpoints or workspaces: the caller resolves the
// datastore, opens its container with the right credential and hands over a
// Store. Errors about local paths are *inputs.ValidationError (the type
// batchendpoint re-exports), so the client passes them on unchanged.
package localdata
