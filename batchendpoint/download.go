package batchendpoint

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
)

// DownloadOutputs downloads one output of the job, once it has completed,
// into dir, keeping the output's relative paths (a uri_file output becomes one
// file named after its blob). options.OutputName picks the output; "" picks
// the job's only output, and is an error listing the output names when the
// job has several. The location comes from the job's own details, read once
// more when the handle doesn't know it yet or the job had not ended when last
// polled. The output's datastore must be blob storage (AzureBlob or
// AzureDataLakeGen2); it is read with the datastore's secrets or, for identity
// datastores, the client's credential.
//
// Existing files are overwritten: each file is written to a temporary name in
// its folder and renamed once complete, so a failed or cancelled download
// leaves no partial file and keeps an earlier file of that name. Once ctx is
// done no further file starts, and the call returns as soon as the files in
// flight have stopped.
func (j *Job) DownloadOutputs(ctx context.Context, dir string, options *DownloadOutputsOptions) (res DownloadOutputsResponse, err error) {
	if j == nil {
		return res, &ValidationError{Field: "job", Problem: "nil job", Fix: "call DownloadOutputs on the *Job that Invoke, ResumeJob or a job lookup returns"}
	}
	c := j.c
	ctx, end := c.span(ctx, "Job.DownloadOutputs")
	defer func() { end(err) }()
	var o DownloadOutputsOptions
	if options != nil {
		o = *options
	}
	outputName := o.OutputName
	if c.opts.DataPlaneOnly {
		return res, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "downloading outputs needs ARM (datastore lookup and secrets)", Fix: "use a client without DataPlaneOnly"}
	}
	if dir == "" {
		return res, &ValidationError{Field: "dir", Problem: "the destination folder is empty", Fix: "give a folder to download into"}
	}
	d := j.Details()
	if out, ok := d.Outputs[outputName]; !ok || out.URI == "" || !d.Status.IsTerminal() {
		if d, err = j.Poll(ctx, nil); err != nil {
			return res, fmt.Errorf("reading job %s: %w", j.Name(), err)
		}
	}
	if outputName == "" && len(d.Outputs) == 1 {
		for name := range d.Outputs {
			outputName = name
		}
	}
	out, ok := d.Outputs[outputName]
	if !ok {
		names := slices.Sorted(maps.Keys(d.Outputs))
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
	items, err := store.List(ctx, loc.Path, out.Kind == inputs.KindURIFile)
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
	res.Files, res.Bytes, err = store.Download(ctx, items, dir, conc)
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
