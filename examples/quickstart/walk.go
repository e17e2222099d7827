package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// result is one row of the final table.
type result struct {
	scenario   string
	deployment string
	job        string
	studioURL  string
	status     batchendpoint.JobStatus
	took       time.Duration
	summary    demo.Summary
	err        error
}

type walk struct {
	cfg config
	t   target
	out io.Writer
	dir string
}

func (w *walk) step(format string, a ...any) {
	fmt.Fprintf(w.out, "\n== "+format+"\n", a...)
}

func (w *walk) say(format string, a ...any) {
	fmt.Fprintf(w.out, "   "+format+"\n", a...)
}

// all runs every scenario; a failing scenario does not stop the others.
func (w *walk) all(ctx context.Context) []result {
	var rs []result
	w.step("Generate a heart-disease dataset")
	spec, files, err := writeDataset(w.dir)
	if err != nil {
		return append(rs, result{scenario: "dataset", err: err})
	}
	w.say("%d CSV files, %d rows each, in %s", len(files), demo.DefaultRowsPerFile, filepath.Dir(files[0]))

	// S8: az ml data create -f heart-data.yml; az ml data show -n heart-data --label latest
	w.step("S8  Create the data asset from %s", filepath.Base(spec))
	if err := w.createDataAsset(ctx, spec); err != nil {
		w.say("error: %v", err)
		rs = append(rs, result{scenario: "create data asset", err: err})
	}

	// S8: az ml batch-endpoint invoke --name $ENDPOINT_NAME --input $DATA_ASSET_ID
	w.step("S8  Invoke with the data asset %s@latest (default deployment)", demo.DataAsset)
	rs = append(rs, w.invoke(ctx, "data asset @latest", batchendpoint.InvokeRequest{
		Input: inputs.DataAsset(demo.DataAsset, inputs.Latest),
	}))

	// S9: upload to the datastore, then --input azureml://datastores/workspaceblobstore/paths/$DATA_PATH
	w.step("S9  Invoke with a datastore path")
	if err := w.uploadToDatastore(ctx, filepath.Dir(files[0])); err != nil {
		w.say("error: %v", err)
		rs = append(rs, result{scenario: "datastore path", err: err})
	} else {
		rs = append(rs, w.invoke(ctx, "datastore path", batchendpoint.InvokeRequest{
			Input: inputs.Datastore(w.cfg.datastore, demo.DatastorePath),
		}))
	}

	// S2/S10: --input https://.../heart-disease-uci/data
	url := inputs.StorageURL(w.t.storageURL)
	w.step("S10 Invoke with a storage URL")
	w.say("input %s", url) // the SAS signature prints as sig=REDACTED
	rs = append(rs, w.invoke(ctx, "storage URL", batchendpoint.InvokeRequest{Input: url}))

	// S3: --deployment-name $DEPLOYMENT_NAME
	w.step("S3  Invoke the deployment %s by name", w.cfg.deployment)
	rs = append(rs, w.invoke(ctx, "named deployment", batchendpoint.InvokeRequest{Deployment: w.cfg.deployment, Input: url}))

	// S4, S6, S7, S11, S12: a pipeline component deployment with a literal, an
	// experiment name and a named output on the datastore (inputs-and-outputs.yml).
	if w.cfg.pipeline != "" {
		w.step("S4/S11/S12  Invoke the pipeline deployment %s", w.cfg.pipeline)
		r, err := w.pipeline(ctx, url)
		if err != nil {
			w.say("error: %v", err)
		}
		rs = append(rs, r)
	}
	return rs
}

func (w *walk) createDataAsset(ctx context.Context, specPath string) error {
	spec, err := batchendpoint.LoadDataAssetSpec(specPath)
	if err != nil {
		return err
	}
	var last batchendpoint.UploadProgress
	da, err := w.t.client.CreateDataAsset(ctx, spec, &batchendpoint.CreateDataAssetOptions{
		UploadProgress: func(p batchendpoint.UploadProgress) { last = p },
	})
	if err != nil {
		return err
	}
	if last.Skipped {
		w.say("upload of %s skipped: the same data is already in the default datastore", last.Path)
	} else if last.FilesTotal > 0 {
		w.say("uploaded %d files (%d bytes) from %s", last.FilesDone, last.BytesDone, last.Path)
	}
	w.say("created %s version %s at %s", da.Name, da.Version, da.Path)
	latest, err := w.t.client.GetDataAsset(ctx, demo.DataAsset, inputs.Latest, nil)
	if err != nil {
		return err
	}
	w.say("--label latest: %s", latest.ID)
	return nil
}

// uploadToDatastore does what the how-to does with Storage Explorer or AzCopy.
func (w *walk) uploadToDatastore(ctx context.Context, dir string) error {
	ds, err := w.t.client.GetDatastore(ctx, w.cfg.datastore, nil)
	if err != nil {
		return err
	}
	cc, err := demo.DatastoreContainer(ds.Datastore, w.t.cred, w.t.storageOpts)
	if err != nil {
		return err
	}
	if err := demo.UploadFolder(ctx, cc, dir, demo.DatastorePath); err != nil {
		return err
	}
	w.say("uploaded %s to %s (container %s) under %s/", filepath.Base(dir), ds.Name, ds.Container, demo.DatastorePath)
	return nil
}

func (w *walk) pipeline(ctx context.Context, url inputs.StorageURLInput) (result, error) {
	ds, err := w.t.client.GetDatastore(ctx, w.cfg.datastore, nil) // az ml datastore show -n workspaceblobstore
	if err != nil {
		return result{scenario: "pipeline + literal + output", deployment: w.cfg.pipeline, err: err}, err
	}
	// Output locations must be new, so each run writes under its own path.
	path := "batch-jobs/quickstart-" + time.Now().UTC().Format("20060102-150405.000") + "/score.csv"
	w.say("datastore id %s", ds.ID)
	w.say("score_mode=append, experiment %s, output score -> %s/paths/%s", demo.Experiment, ds.Name, path)
	r := w.invoke(ctx, "pipeline + literal + output", batchendpoint.InvokeRequest{
		Deployment: w.cfg.pipeline,
		Inputs: map[string]inputs.Input{
			"heart_data": url,
			"score_mode": inputs.String("append"),
		},
		Outputs: map[string]outputs.DataOutput{
			"score": outputs.Datastore(ds.ID, path).File(),
		},
		ExperimentName: demo.Experiment,
	})
	return r, r.err
}

// invoke creates a job, waits for it with progress lines, downloads its output
// and summarises the predictions.
func (w *walk) invoke(ctx context.Context, scenario string, req batchendpoint.InvokeRequest) (r result) {
	r = result{scenario: scenario, deployment: req.Deployment}
	start := time.Now()
	defer func() {
		r.took = time.Since(start)
		if r.err != nil {
			w.say("error: %v", r.err)
		}
	}()
	job, err := w.t.client.Invoke(ctx, w.cfg.endpoint, req, nil)
	if err != nil {
		r.err = err
		return r
	}
	r.job, r.studioURL = job.Name(), job.StudioURL()
	w.say("job %s", job.Name())
	w.say("studio %s", job.StudioURL())
	d, err := demo.Wait(ctx, w.out, job, w.t.wait)
	r.status = d.Status
	if d.Deployment != "" {
		r.deployment = d.Deployment
	}
	if err != nil {
		r.err = err
		return r
	}
	dl, err := job.DownloadOutputs(ctx, filepath.Join(w.dir, "outputs", job.Name()), nil)
	if err != nil {
		r.err = err
		return r
	}
	w.say("output %s: %s", dl.Output, dl.Location)
	if r.summary, r.err = demo.Summarize(dl.Files...); r.err == nil {
		w.say("downloaded %d file(s), %d bytes; %s", len(dl.Files), dl.Bytes, r.summary)
	}
	return r
}
