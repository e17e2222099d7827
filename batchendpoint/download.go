package batchendpoint

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
)

// DownloadOutputs downloads output outputName of a completed job into dir,
// keeping the output's relative paths (a uri_file output becomes one file named
// after its blob). The location comes from the job's own details, read once more
// when the handle doesn't know it yet or the job had not ended when last polled;
// outputName "" picks the job's only output. The output's datastore must be
// blob storage (AzureBlob or AzureDataLakeGen2); it is read with the
// datastore's secrets or, for identity datastores, the client's credential.
//
// Existing files are overwritten: each file is written to a temporary name in
// its folder and renamed once complete, so a failed or cancelled download
// leaves no partial file and keeps an earlier file of that name. Once ctx is
// done no further file starts, and the call returns as soon as the files in
// flight have stopped.
func (c *Client) DownloadOutputs(ctx context.Context, job *Job, outputName, dir string, options *DownloadOutputsOptions) (res DownloadOutputsResponse, err error) {
	ctx, end := c.span(ctx, "Client.DownloadOutputs")
	defer func() { end(err) }()
	var o DownloadOutputsOptions
	if options != nil {
		o = *options
	}
	if job == nil {
		return res, &ValidationError{Field: "job", Problem: "nil job", Fix: "pass the *Job from Invoke, Client.Job or ResumeJob"}
	}
	if c.opts.DataPlaneOnly {
		return res, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "downloading outputs needs ARM (datastore lookup and secrets)", Fix: "use a client without DataPlaneOnly"}
	}
	if dir == "" {
		return res, &ValidationError{Field: "dir", Problem: "the destination folder is empty", Fix: "give a folder to download into"}
	}
	d := job.Details()
	if out, ok := d.Outputs[outputName]; !ok || out.URI == "" || !d.Status.IsTerminal() {
		if d, err = job.Poll(ctx, nil); err != nil {
			return res, fmt.Errorf("reading job %s: %w", job.Name(), err)
		}
	}
	if outputName == "" && len(d.Outputs) == 1 {
		for name := range d.Outputs {
			outputName = name
		}
	}
	out, ok := d.Outputs[outputName]
	if !ok {
		names := make([]string, 0, len(d.Outputs))
		for name := range d.Outputs {
			names = append(names, name)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return res, fmt.Errorf("job %s reports no outputs", d.Name)
		}
		return res, fmt.Errorf("job %s has no output %q; its outputs are: %s", d.Name, outputName, strings.Join(names, ", "))
	}
	res.Output, res.Location = outputName, out.URI
	switch {
	case !d.Status.IsTerminal():
		return res, fmt.Errorf("job %s is %s, not completed: wait for it (Job.Wait) before downloading output %q", d.Name, d.Status, outputName)
	case !d.Status.IsSuccess():
		return res, fmt.Errorf("job %s ended %s, not completed: output %q may be missing or partial, so it is not downloaded", d.Name, d.Status, outputName)
	case out.URI == "":
		return res, fmt.Errorf("job %s reports no location for output %q", d.Name, outputName)
	}
	loc, err := c.parseOutputLocation(out.URI)
	if err != nil {
		return res, fmt.Errorf("output %q of job %s: %w", outputName, d.Name, err)
	}
	res.Datastore, res.Path = loc.Datastore, loc.Path
	ds, err := c.getDatastore(ctx, loc.Datastore)
	if err != nil {
		return res, fmt.Errorf("output %q of job %s: looking up datastore %s: %w", outputName, d.Name, loc.Datastore, err)
	}
	store, err := c.openBlobStore(ctx, ds)
	if err != nil {
		return res, err
	}
	items, err := store.listOutput(ctx, loc.Path, out.Kind == inputs.KindURIFile)
	if err != nil {
		return res, fmt.Errorf("listing output %q of job %s: %w", outputName, d.Name, err)
	}
	if len(items) == 0 {
		return res, fmt.Errorf("output %q of job %s: no files at %s", outputName, d.Name, out.URI)
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = c.uploadConcurrency()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	var mu sync.Mutex
	err = forEachFile(ctx, len(items), conc, func(ctx context.Context, i int) error {
		dest := filepath.Join(dir, filepath.FromSlash(items[i].rel))
		n, err := store.downloadFile(ctx, items[i].name, dest)
		if err != nil {
			return fmt.Errorf("downloading %s: %w", items[i].rel, err)
		}
		mu.Lock()
		res.Files = append(res.Files, dest)
		res.Bytes += n
		mu.Unlock()
		return nil
	})
	sort.Strings(res.Files)
	return res, err
}

// parseOutputLocation reads <datastore ARM id>/paths/<p> and
// azureml://datastores/<ds>/paths/<p> (also the long azureml:// form).
func (c *Client) parseOutputLocation(uri string) (armid.DatastorePath, error) {
	var (
		loc armid.DatastorePath
		ok  bool
	)
	if strings.HasPrefix(strings.ToLower(uri), "azureml://") {
		loc, ok = armid.ParseDatastoreURI(uri)
	} else {
		loc, ok = armid.ParseDatastoreID(uri)
	}
	if !ok || strings.Trim(loc.Path, "/") == "" {
		return loc, fmt.Errorf("location %q is not a datastore path (azureml://datastores/<ds>/paths/<path> or a datastore ARM id followed by /paths/<path>)", uri)
	}
	if w := loc.Workspace; w != nil && (!strings.EqualFold(w.Name, c.ws.Name) || !strings.EqualFold(w.ResourceGroup, c.ws.ResourceGroup) || !strings.EqualFold(w.Subscription, c.ws.SubscriptionID)) {
		return loc, fmt.Errorf("location %q is in workspace %s, not %s; download it with a client of that workspace", uri, w.Name, c.ws.Name)
	}
	return loc, nil
}

type outputBlob struct {
	name string // blob name
	rel  string // slash path below the download folder
}

// listOutput lists the blobs of a file output (the blob itself) or a folder
// output (every blob below it, without ADLS Gen2 folder markers).
func (s *blobStore) listOutput(ctx context.Context, p string, file bool) ([]outputBlob, error) {
	p = strings.TrimLeft(p, "/")
	if file {
		name := strings.TrimRight(p, "/")
		if _, err := s.cc.NewBlobClient(name).GetProperties(ctx, nil); err != nil {
			if isNotFound(err) {
				return nil, nil
			}
			return nil, s.scrub(err)
		}
		return []outputBlob{{name: name, rel: path.Base(name)}}, nil
	}
	prefix := strings.TrimRight(p, "/") + "/"
	pager := s.cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	var out []outputBlob
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, s.scrub(err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil || strings.HasSuffix(*it.Name, "/") || isFolderMarker(it.Metadata) {
				continue
			}
			rel := strings.TrimPrefix(*it.Name, prefix)
			if rel == "" || !filepath.IsLocal(filepath.FromSlash(rel)) {
				return nil, fmt.Errorf("blob %q would be written outside the download folder", *it.Name)
			}
			out = append(out, outputBlob{name: *it.Name, rel: rel})
		}
	}
	return out, nil
}

func isFolderMarker(md map[string]*string) bool {
	for k, v := range md {
		if strings.EqualFold(k, "hdi_isfolder") && v != nil && strings.EqualFold(*v, "true") {
			return true
		}
	}
	return false
}

// downloadTempHook, when set by a test, is called with each temporary file's
// path once it has been created.
var downloadTempHook func(tmp string)

// downloadFile writes blob name to dest through a temporary file in dest's
// folder, renamed over dest only once complete: a failed or cancelled download
// leaves neither a partial file nor a truncated earlier dest.
func (s *blobStore) downloadFile(ctx context.Context, name, dest string) (n int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return 0, err
	}
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+"."+uuid.NewString()[:8]+".partial")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return 0, err
	}
	if downloadTempHook != nil {
		downloadTempHook(tmp)
	}
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	n, err = s.cc.NewBlobClient(name).DownloadFile(ctx, f, &blob.DownloadFileOptions{Concurrency: 4})
	if err != nil {
		return 0, s.scrub(err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return 0, err
	}
	if err = os.Rename(tmp, dest); err != nil {
		return 0, err
	}
	return n, nil
}
