package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// UploadProgress reports the upload of a local input.
type UploadProgress struct {
	// Path is the local file or folder being uploaded.
	Path string
	// FilesDone and FilesTotal count files; BytesDone and BytesTotal count bytes.
	// The Done counts are what was sent, so they stay 0 for a skipped upload.
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	// Skipped is true when an identical upload already existed (nothing was sent).
	Skipped bool
}

// defaultConcurrency is the number of files moved in parallel unless
// ClientOptions.UploadConcurrency says otherwise.
const defaultConcurrency = 8

// uploadRoot is the folder of local uploads in the default datastore.
const uploadRoot = localdata.UploadRoot

// uploadDatastore looks up the datastore named name ("" = DefaultUploadDatastore).
func (c *Client) uploadDatastore(ctx context.Context, name string) (Datastore, error) {
	if name == "" {
		name = DefaultUploadDatastore
	}
	return c.getDatastore(ctx, name)
}

// uploadLocal uploads a local file or folder to the datastore named datastore
// ("" = DefaultUploadDatastore), looked up once the data is scanned; see uploadTree.
func (c *Client) uploadLocal(ctx context.Context, in inputs.LocalPathInput, datastore string, progress func(UploadProgress)) (uri string, err error) {
	ctx, end := c.span(ctx, "Client.uploadLocal")
	defer func() { end(err) }()
	tree, err := c.scanLocal(ctx, in)
	if err != nil {
		return "", err
	}
	ds, err := c.uploadDatastore(ctx, datastore)
	if err != nil {
		return "", err
	}
	return c.uploadTree(ctx, tree, ds, progress)
}

// uploadLocalTo uploads a local file or folder to ds, already looked up; see uploadTree.
func (c *Client) uploadLocalTo(ctx context.Context, in inputs.LocalPathInput, ds Datastore, progress func(UploadProgress)) (uri string, err error) {
	ctx, end := c.span(ctx, "Client.uploadLocal")
	defer func() { end(err) }()
	tree, err := c.scanLocal(ctx, in)
	if err != nil {
		return "", err
	}
	return c.uploadTree(ctx, tree, ds, progress)
}

// scanLocal hashes a local input, or takes its hash from the client's cache
// when the file or folder has not changed since (see localdata.HashCache).
func (c *Client) scanLocal(ctx context.Context, in inputs.LocalPathInput) (*localdata.Tree, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return c.hashes.Scan(ctx, in.Path())
}

// uploadTree uploads a scanned local file or folder to ds (unless an identical
// upload is already there; see internal/localdata) and returns its azureml://
// URI, azureml://datastores/<ds>/paths/LocalUpload/<md5>/<name> with a
// trailing "/" for a folder. progress, if set, is called from one goroutine
// at a time. A cancel of ctx stops the upload before its next file; a file
// that changed after it was hashed fails the upload. Either way the completed
// marker is not written, so the next upload starts over.
func (c *Client) uploadTree(ctx context.Context, tree *localdata.Tree, ds Datastore, progress func(UploadProgress)) (string, error) {
	if !blobCompatible(ds.Type) {
		//lint:ignore ST1005 azure-ai-ml's message, verbatim
		return "", fmt.Errorf("Datastore type %s is not supported for uploads. Supported types are AzureBlob and AzureDataLakeGen2.", ds.Type)
	}
	store, err := c.openBlobStore(ctx, ds)
	if err != nil {
		return "", err
	}
	var report func(localdata.Progress)
	if progress != nil {
		report = func(p localdata.Progress) { progress(UploadProgress(p)) }
	}
	if err := store.Upload(ctx, tree, c.uploadConcurrency(), report); err != nil {
		return "", err
	}
	uri := "azureml://datastores/" + ds.Name + "/paths/" + localdata.UploadPrefix(tree)
	if tree.IsDir {
		uri += "/"
	}
	return uri, nil
}

func (c *Client) uploadConcurrency() int {
	if n := c.opts.UploadConcurrency; n > 0 {
		return n
	}
	return defaultConcurrency
}

// blobCompatible reports datastore types reachable through the blob API: ADLS
// Gen2 accounts serve it too (multi-protocol access), so both use azblob.
func blobCompatible(t string) bool {
	return strings.EqualFold(t, "AzureBlob") || strings.EqualFold(t, "AzureDataLakeGen2")
}

// openBlobStore opens the datastore's container. Credentials by datastore
// credentialsType: AccountKey and Sas → the secret from listSecrets (ARM POST);
// None and identity kinds, and a listSecrets the caller may not call (403), →
// the client's own credential with the storage scope
// https://storage.azure.com/.default, as azure-ai-ml falls back to it.
func (c *Client) openBlobStore(ctx context.Context, ds Datastore) (*localdata.Store, error) {
	if !blobCompatible(ds.Type) {
		return nil, fmt.Errorf("datastore %s is of type %s; only AzureBlob and AzureDataLakeGen2 datastores are read and written through blob storage", ds.Name, ds.Type)
	}
	containerURL, err := blobContainerURL(ds)
	if err != nil {
		return nil, err
	}
	cfg := localdata.StoreConfig{ContainerURL: containerURL, Datastore: ds.Name, Container: ds.Container,
		Options: c.storageOptions().ClientOptions, Module: moduleName, Version: moduleVersion}
	switch strings.ToLower(ds.CredentialsType) {
	case "accountkey", "sas":
		var sec wire.DatastoreSecrets
		if _, err := c.armDo(ctx, http.MethodPost, c.armURL("/datastores/"+url.PathEscape(ds.Name)+"/listSecrets", nil), nil, &sec); err != nil {
			if isForbidden(err) {
				// The caller may use the storage but not read its key
				// (identity-based access): its own Entra token.
				return c.tokenBlobStore(cfg)
			}
			return nil, fmt.Errorf("reading the secrets of datastore %s (needs the datastores/listsecrets/action permission): %w", ds.Name, err)
		}
		switch {
		case sec.Key != "":
			cfg.AccountName, cfg.AccountKey = ds.AccountName, sec.Key
			store, err := localdata.NewStore(cfg)
			if err != nil {
				return nil, fmt.Errorf("datastore %s: listSecrets returned an account key that is not base64", ds.Name)
			}
			return store, nil
		case sec.SASToken != "":
			cfg.SAS = strings.TrimPrefix(sec.SASToken, "?")
			return localdata.NewStore(cfg)
		}
		return nil, fmt.Errorf("datastore %s: listSecrets returned neither an account key nor a SAS token (secretsType %q)", ds.Name, sec.SecretsType)
	default:
		return c.tokenBlobStore(cfg)
	}
}

// tokenBlobStore opens the container with the client's credential (storage scope).
func (c *Client) tokenBlobStore(cfg localdata.StoreConfig) (*localdata.Store, error) {
	cfg.Credential = c.cred
	return localdata.NewStore(cfg)
}

func isForbidden(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}

// storageOptions passes the client's transport, retry, logging, telemetry,
// tracing and policies on to azblob (so a custom Transport's TLS trust applies);
// the cloud and the ARM api-version do not apply to storage.
func (c *Client) storageOptions() *blob.ClientOptions {
	o := c.opts.ClientOptions
	return &blob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport:                       o.Transport,
		Retry:                           o.Retry,
		Logging:                         o.Logging,
		Telemetry:                       o.Telemetry,
		TracingProvider:                 o.TracingProvider,
		PerCallPolicies:                 o.PerCallPolicies,
		PerRetryPolicies:                o.PerRetryPolicies,
		InsecureAllowCredentialWithHTTP: o.InsecureAllowCredentialWithHTTP,
	}}
}

// blobContainerURL is https://{account}.blob.{endpoint}/{container}. A datastore
// whose endpoint is itself a URL (http:// or https://) names its blob service
// directly, e.g. Azurite's path-style http://127.0.0.1:10000/devstoreaccount1:
// that is how emulated workspaces point datastores at local storage.
func blobContainerURL(ds Datastore) (string, error) {
	if ds.Container == "" {
		return "", fmt.Errorf("datastore %s names no container", ds.Name)
	}
	ep := strings.TrimSpace(ds.Endpoint)
	if low := strings.ToLower(ep); strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "http://") {
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "", fmt.Errorf("datastore %s: endpoint %q is not a blob service URL", ds.Name, redact.URL(ep))
		}
		return strings.TrimRight(ep, "/") + "/" + url.PathEscape(ds.Container), nil
	}
	if ds.AccountName == "" || strings.ContainsAny(ds.AccountName, "/?#@:. ") {
		return "", fmt.Errorf("datastore %s: invalid storage account name %q", ds.Name, ds.AccountName)
	}
	if ep == "" {
		ep = "core.windows.net"
	}
	if strings.ContainsAny(ep, "/?#@ ") {
		return "", fmt.Errorf("datastore %s: invalid storage endpoint %q", ds.Name, ep)
	}
	proto := strings.ToLower(ds.Protocol)
	if proto == "" {
		proto = "https"
	}
	if proto != "https" && proto != "http" {
		return "", fmt.Errorf("datastore %s: unsupported protocol %q", ds.Name, ds.Protocol)
	}
	return fmt.Sprintf("%s://%s.blob.%s/%s", proto, ds.AccountName, ep, url.PathEscape(ds.Container)), nil
}
