package batchendpoint

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
)

// namedOutputsDir is the folder of each output when DownloadOutputsOptions.All
// is set, as az ml job download --all lays them out.
const namedOutputsDir = "named-outputs"

// DownloadOutputs downloads outputs of the job, once it has ended, into dir,
// keeping each output's relative paths (a uri_file output becomes one file
// named after its blob).
//
// options.OutputName picks one output, written into dir itself; "" picks the
// job's only output, and is an error listing the output names when the job has
// several. options.All downloads every output instead, each into
// dir/named-outputs/<output name> (the layout of az ml job download --all).
//
// The locations come from the job's own details, read once more when the
// handle doesn't know them yet or the job had not ended when last polled. A job
// that reports none of the outputs asked for (a model deployment's job can
// report none) is read as azure-ai-ml's jobs.download reads it: the outputs of
// its batchscoring child job in Run History (DownloadOutputsResponse.ChildJob
// names it).
//
// A job that ended Failed, Canceled or otherwise unsuccessfully is downloaded
// as far as its outputs exist: the call returns no error for that, sets
// DownloadOutputsResponse.Incomplete, and marks outputs without files Missing.
// A job that has not ended is an error.
//
// An output's datastore must be blob storage (AzureBlob or AzureDataLakeGen2);
// it is read with the datastore's secrets or, for identity datastores and when
// listSecrets is denied, the client's credential.
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
	if c.opts.DataPlaneOnly {
		return res, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "downloading outputs needs ARM (datastore lookup and secrets)", Fix: "use a client without DataPlaneOnly"}
	}
	if dir == "" {
		return res, &ValidationError{Field: "dir", Problem: "the destination folder is empty", Fix: "give a folder to download into"}
	}
	if o.All && o.OutputName != "" {
		return res, &ValidationError{Field: "DownloadOutputsOptions.All", Problem: "All and OutputName are both set", Fix: "set OutputName for one output or All for every output"}
	}
	d := j.Details()
	if out, ok := d.Outputs[o.OutputName]; o.All || !ok || out.URI == "" || !d.Status.IsTerminal() {
		if d, err = j.Poll(ctx, nil); err != nil {
			return res, fmt.Errorf("reading job %s: %w", j.Name(), err)
		}
	}
	if !d.Status.IsTerminal() {
		return res, fmt.Errorf("job %s is %s, not completed: wait for it (Job.Wait) before downloading its outputs", d.Name, d.Status)
	}
	res.Status, res.Incomplete = d.Status, !d.Status.IsSuccess()
	outs := d.Outputs
	if _, named := outs[o.OutputName]; len(outs) == 0 || (o.OutputName != "" && !named) {
		// As azure-ai-ml: a batch job's scores are the batchscoring child's "score" output.
		child, childOuts, cerr := c.scoringChildOutputs(ctx, d.Name)
		switch {
		case cerr != nil && !isNotFound(cerr) && len(outs) == 0:
			return res, fmt.Errorf("job %s reports no outputs, and its child jobs could not be read: %w", d.Name, cerr)
		case cerr == nil && len(childOuts) > 0:
			if _, ok := childOuts[o.OutputName]; len(outs) == 0 || ok {
				outs, res.ChildJob = childOuts, child
			}
		}
	}
	var names []string
	switch {
	case o.All:
		names = slices.Sorted(maps.Keys(outs))
	case o.OutputName == "" && len(outs) == 1:
		names = slices.Collect(maps.Keys(outs))
	default:
		if _, ok := outs[o.OutputName]; ok {
			names = []string{o.OutputName}
		}
	}
	if len(names) == 0 {
		all := slices.Sorted(maps.Keys(outs))
		if len(all) == 0 {
			return res, fmt.Errorf("job %s reports no outputs", d.Name)
		}
		return res, fmt.Errorf("job %s has no output %q; its outputs are: %s", d.Name, o.OutputName, strings.Join(all, ", "))
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = c.uploadConcurrency()
	}
	stores := map[string]*localdata.Store{}
	for _, name := range names {
		dest := dir
		if o.All {
			dest = filepath.Join(dir, namedOutputsDir, name)
		}
		got, err := c.downloadOutput(ctx, d, name, outs[name], dest, conc, res.Incomplete, stores)
		got.ChildJob = res.ChildJob
		if err == nil || len(got.Files) > 0 {
			res.Outputs = append(res.Outputs, got)
			res.Files = append(res.Files, got.Files...)
			res.Bytes += got.Bytes
		}
		if !o.All {
			res.Output, res.Location, res.Datastore, res.Path = got.Name, got.Location, got.Datastore, got.Path
		}
		if err != nil {
			return res, err
		}
	}
	slices.Sort(res.Files)
	return res, nil
}

// downloadOutput downloads one output into dest. incomplete (the job did not
// complete) turns "no location" and "no files" into Missing instead of errors.
func (c *Client) downloadOutput(ctx context.Context, d JobDetails, name string, out JobOutput, dest string, conc int, incomplete bool, stores map[string]*localdata.Store) (DownloadedOutput, error) {
	got := DownloadedOutput{Name: name, Location: out.URI}
	if out.URI == "" {
		if incomplete {
			got.Missing = true
			return got, nil
		}
		return got, fmt.Errorf("job %s reports no location for output %q", d.Name, name)
	}
	loc, err := c.parseOutputLocation(out.URI)
	if err != nil {
		return got, fmt.Errorf("output %q of job %s: %w", name, d.Name, err)
	}
	got.Datastore, got.Path = loc.Datastore, loc.Path
	store := stores[loc.Datastore]
	if store == nil {
		ds, err := c.getDatastore(ctx, loc.Datastore)
		if err != nil {
			return got, fmt.Errorf("output %q of job %s: looking up datastore %s: %w", name, d.Name, loc.Datastore, err)
		}
		if store, err = c.openBlobStore(ctx, ds); err != nil {
			return got, err
		}
		stores[loc.Datastore] = store
	}
	items, err := store.List(ctx, loc.Path, out.Kind == inputs.KindURIFile)
	if err != nil {
		return got, fmt.Errorf("listing output %q of job %s: %w", name, d.Name, err)
	}
	if len(items) == 0 {
		if incomplete {
			got.Missing = true
			return got, nil
		}
		return got, fmt.Errorf("output %q of job %s: no files at %s", name, d.Name, out.URI)
	}
	got.Files, got.Bytes, err = store.Download(ctx, items, dest, conc)
	return got, err
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
