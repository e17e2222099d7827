package fake

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// containerClient opens container with the account key, whatever the
// datastore's own credentials are (the fake plays the storage account owner).
func (w *Workspace) containerClient(containerName string) (*container.Client, error) {
	if w.st == nil {
		return nil, errors.New("the fake has no storage (Options.NoStorage)")
	}
	cred, err := azblob.NewSharedKeyCredential(w.st.inst.AccountName(), w.st.inst.AccountKey())
	if err != nil {
		return nil, err
	}
	return container.NewClientWithSharedKeyCredential(w.st.inst.BlobURL()+"/"+url.PathEscape(containerName), cred,
		&container.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: w.httpClient}})
}

func (w *Workspace) ensureContainer(name string) error {
	cc, err := w.containerClient(name)
	if err != nil {
		return err
	}
	ctx, cancel := opCtx()
	defer cancel()
	if _, err := cc.Create(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return err
	}
	return nil
}

// containerSAS signs a container SAS valid for a day: read and list, plus
// write, create, add and delete when write is set.
func (w *Workspace) containerSAS(containerName string, write bool) (string, error) {
	if w.st == nil {
		return "", errors.New("the fake has no storage (Options.NoStorage)")
	}
	cred, err := azblob.NewSharedKeyCredential(w.st.inst.AccountName(), w.st.inst.AccountKey())
	if err != nil {
		return "", err
	}
	perms := sas.ContainerPermissions{Read: true, List: true, Write: write, Create: write, Add: write, Delete: write}
	q, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPS, StartTime: time.Now().Add(-time.Hour), ExpiryTime: time.Now().Add(24 * time.Hour),
		ContainerName: containerName, Permissions: perms.String()}.SignWithSharedKey(cred)
	if err != nil {
		return "", err
	}
	return q.Encode(), nil
}

// datastoreContainer returns the container behind a datastore with storage.
func (w *Workspace) datastoreContainer(datastore string) (*container.Client, string) {
	w.t.Helper()
	d, ok := w.ws.Datastore(datastore)
	if !ok {
		w.t.Fatalf("fake: no datastore %q", datastore)
	}
	if w.st == nil || d.ServiceURL == "" {
		w.t.Fatalf("fake: datastore %q has no storage behind it", datastore)
	}
	cc, err := w.containerClient(d.Container)
	if err != nil {
		w.t.Fatalf("fake: datastore %s: %v", datastore, err)
	}
	return cc, d.Container
}

// WriteBlob writes data to blob name (a path such as heart/part-1.csv) in the
// datastore's container, replacing it if it exists.
func (w *Workspace) WriteBlob(datastore, name string, data []byte) {
	w.t.Helper()
	cc, _ := w.datastoreContainer(datastore)
	ctx, cancel := opCtx()
	defer cancel()
	if _, err := cc.NewBlockBlobClient(strings.TrimLeft(name, "/")).UploadBuffer(ctx, data, nil); err != nil {
		w.t.Fatalf("fake: writing %s to datastore %s: %v", name, datastore, err)
	}
}

// UploadFiles copies a local file or folder into the datastore under prefix and
// returns the blob names written, sorted. A file becomes prefix/<base name>; a
// folder's files become prefix/<path relative to the folder>, so the folder's
// content (not the folder itself) lands under prefix, as
// az storage blob upload-batch does.
func (w *Workspace) UploadFiles(datastore, prefix, localPath string) []string {
	w.t.Helper()
	fi, err := os.Stat(localPath)
	if err != nil {
		w.t.Fatalf("fake: %v", err)
	}
	prefix = strings.Trim(prefix, "/")
	var names []string
	if !fi.IsDir() {
		data, err := os.ReadFile(localPath)
		if err != nil {
			w.t.Fatalf("fake: %v", err)
		}
		name := path.Join(prefix, filepath.Base(localPath))
		w.WriteBlob(datastore, name, data)
		return []string{name}
	}
	err = filepath.WalkDir(localPath, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(localPath, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		w.WriteBlob(datastore, name, data)
		names = append(names, name)
		return nil
	})
	if err != nil {
		w.t.Fatalf("fake: uploading %s: %v", localPath, err)
	}
	sort.Strings(names)
	return names
}

// ReadBlob returns the content of blob name in the datastore; it fails the test
// when the blob does not exist.
func (w *Workspace) ReadBlob(datastore, name string) []byte {
	w.t.Helper()
	data, err := w.readBlob(datastore, name)
	if err != nil {
		w.t.Fatalf("fake: reading %s from datastore %s: %v", name, datastore, err)
	}
	return data
}

func (w *Workspace) readBlob(datastore, name string) ([]byte, error) {
	cc, _ := w.datastoreContainer(datastore)
	ctx, cancel := opCtx()
	defer cancel()
	var buf []byte
	b := cc.NewBlobClient(strings.TrimLeft(name, "/"))
	props, err := b.GetProperties(ctx, nil)
	if err != nil {
		return nil, err
	}
	if props.ContentLength != nil && *props.ContentLength > 0 {
		buf = make([]byte, *props.ContentLength)
		if _, err := b.DownloadBuffer(ctx, buf, nil); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// ListBlobs returns the names of the blobs under prefix in the datastore, sorted.
func (w *Workspace) ListBlobs(datastore, prefix string) []string {
	w.t.Helper()
	cc, _ := w.datastoreContainer(datastore)
	ctx, cancel := opCtx()
	defer cancel()
	prefix = strings.TrimLeft(prefix, "/")
	var names []string
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			w.t.Fatalf("fake: listing datastore %s: %v", datastore, err)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name != nil {
				names = append(names, *b.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// BlobURL is the https URL of a path in the datastore's container, as a storage
// URL input names it: https://devstoreaccount1.blob.core.windows.net/<container>/<path>
// (reached through the storage proxy), or with Options.ServiceURLDatastoreEndpoints
// https://127.0.0.1:PORT/devstoreaccount1/<container>/<path>. Jobs read it as
// they would read a public container.
func (w *Workspace) BlobURL(datastore, p string) string {
	w.t.Helper()
	d, ok := w.ws.Datastore(datastore)
	if !ok || d.ServiceURL == "" {
		w.t.Fatalf("fake: datastore %q has no storage behind it", datastore)
	}
	base := strings.TrimRight(d.ServiceURL, "/")
	if !strings.Contains(d.Endpoint, "://") {
		base = d.Protocol + "://" + d.AccountName + ".blob." + d.Endpoint // reached through the storage proxy
	}
	return base + "/" + d.Container + "/" + strings.TrimLeft(p, "/")
}

// SASURL is BlobURL with a read and list SAS of the container, as a storage URL
// input to private storage carries it. Jobs read it with the SAS alone.
func (w *Workspace) SASURL(datastore, p string) string {
	w.t.Helper()
	d, _ := w.ws.Datastore(datastore)
	u := w.BlobURL(datastore, p)
	q, err := w.containerSAS(d.Container, false)
	if err != nil {
		w.t.Fatalf("fake: %v", err)
	}
	return u + "?" + q
}

// OutputFiles returns the files a job wrote to output (its name in the job, e.g.
// score), keyed by path relative to the output location: a uri_file output gives
// one entry named after its file. It reads the location the job reports, so it
// works for default and custom paths alike; a missing output gives an empty map.
func (w *Workspace) OutputFiles(jobName, output string) map[string][]byte {
	w.t.Helper()
	info, ok := w.srv.Job(jobName)
	if !ok {
		w.t.Fatalf("fake: no job %q", jobName)
	}
	o, ok := info.Outputs[output]
	if !ok {
		names := make([]string, 0, len(info.Outputs))
		for n := range info.Outputs {
			names = append(names, n)
		}
		sort.Strings(names)
		w.t.Fatalf("fake: job %s has no output %q (outputs: %s)", jobName, output, strings.Join(names, ", "))
	}
	ds, p, err := splitDatastoreURI(o.URI)
	if err != nil {
		w.t.Fatalf("fake: job %s output %s: %v", jobName, output, err)
	}
	out := map[string][]byte{}
	if o.Type == InputURIFile {
		data, err := w.readBlob(ds, p)
		if err != nil {
			if bloberror.HasCode(err, bloberror.BlobNotFound) {
				return out
			}
			w.t.Fatalf("fake: job %s output %s: %v", jobName, output, err)
		}
		out[path.Base(p)] = data
		return out
	}
	prefix := strings.TrimRight(p, "/") + "/"
	for _, name := range w.ListBlobs(ds, prefix) {
		out[strings.TrimPrefix(name, prefix)] = w.ReadBlob(ds, name)
	}
	return out
}

// splitDatastoreURI reads <...>/datastores/<name>/paths/<path> (the ARM id and
// azureml:// forms).
func splitDatastoreURI(uri string) (datastore, p string, err error) {
	low := strings.ToLower(uri)
	i := strings.LastIndex(low, "/datastores/")
	if i < 0 {
		return "", "", fmt.Errorf("%q is not a datastore path", uri)
	}
	rest := uri[i+len("/datastores/"):]
	ds, after, ok := strings.Cut(rest, "/")
	if !ok || !strings.HasPrefix(strings.ToLower(after), "paths/") {
		return "", "", fmt.Errorf("%q is not a datastore path", uri)
	}
	return ds, after[len("paths/"):], nil
}
