// Quickstart walks the scenarios of "Create jobs and input data for batch
// endpoints" end to end and prints what each job produced.
//
// With no flags it needs no Azure account: it installs and starts Azurite (the
// Azure Storage emulator, over HTTPS), starts the local workspace emulator,
// registers a workspace with the endpoint heart-classifier (model deployment
// classifier-xgboost, the default, and pipeline component deployment
// uci-classifier-prepros-xgb), generates a small heart-disease dataset, and then:
//
//  1. creates the data asset heart-data from heart-data.yml and the local folder,
//  2. invokes the endpoint with azureml:heart-data@latest,
//  3. with a datastore path (data uploaded to workspaceblobstore/heart-disease-uci-unlabeled),
//  4. with a storage URL (a SAS URL to a blob folder),
//  5. naming the deployment classifier-xgboost,
//  6. invokes the pipeline deployment with the literal score_mode=append, the
//     experiment my-batch-job-experiment and output score on workspaceblobstore,
//
// waits for every job, downloads and summarises its predictions, prints a table
// and stops everything.
//
//	go run ./examples/quickstart
//
// With --subscription, --resource-group and --workspace (or AZURE_SUBSCRIPTION_ID,
// AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME) the same walk runs against a
// real workspace with DefaultAzureCredential; the endpoint and deployments must
// exist (see --endpoint, --deployment, --pipeline-deployment).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the command line.
type config struct {
	subscription, resourceGroup, workspace string
	endpoint, deployment, pipeline         string
	datastore, storageURL, workDir         string
	verbose                                bool

	// onLocal, when set, sees the local workspace once it runs (tests).
	onLocal func(*demo.Local)
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.subscription, "subscription", os.Getenv("AZURE_SUBSCRIPTION_ID"), "Azure subscription id (real Azure; env AZURE_SUBSCRIPTION_ID)")
	fs.StringVar(&c.resourceGroup, "resource-group", os.Getenv("AZURE_RESOURCE_GROUP"), "resource group (env AZURE_RESOURCE_GROUP)")
	fs.StringVar(&c.workspace, "workspace", os.Getenv("AZUREML_WORKSPACE_NAME"), "Azure ML workspace (env AZUREML_WORKSPACE_NAME)")
	fs.StringVar(&c.endpoint, "endpoint", demo.Endpoint, "batch endpoint")
	fs.StringVar(&c.deployment, "deployment", demo.ModelDeployment, "model deployment to invoke by name")
	fs.StringVar(&c.pipeline, "pipeline-deployment", demo.PipelineDeployment, `pipeline component deployment ("" skips that step)`)
	fs.StringVar(&c.datastore, "datastore", demo.Datastore, "blob datastore for the datastore input and the score output")
	fs.StringVar(&c.storageURL, "storage-url", "", "storage folder URL to score (default: local example data, or the how-to's public dataset on Azure)")
	fs.StringVar(&c.workDir, "workdir", "", "folder for the dataset and downloads (default: a temporary folder, removed at the end)")
	fs.BoolVar(&c.verbose, "v", false, "log every request the local workspace receives")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := 0
	for _, v := range []string{c.subscription, c.resourceGroup, c.workspace} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return c, fmt.Errorf("real Azure needs all of --subscription, --resource-group and --workspace")
	}
	return c, nil
}

func (c config) azure() bool { return c.subscription != "" }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "quickstart:", err)
		}
		return 2
	}
	results, err := quickstart(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	for _, r := range results {
		if r.err != nil {
			return 1
		}
	}
	return 0
}

// target is where the walk runs: the local workspace or a real one.
type target struct {
	client      *batchendpoint.Client
	cred        azcore.TokenCredential
	storageOpts azcore.ClientOptions // for the upload that stands in for AzCopy
	storageURL  string               // folder URL, may carry a SAS
	wait        *batchendpoint.WaitOptions
	where       string
}

func quickstart(ctx context.Context, cfg config, out io.Writer) (results []result, err error) {
	start := time.Now()
	var t target
	if cfg.azure() {
		if t, err = azureTarget(cfg); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintln(out, "Starting a local workspace (no Azure account needed)")
		var logf func(string, ...any)
		if cfg.verbose {
			logf = func(format string, a ...any) { fmt.Fprintf(out, "      emulator: "+format+"\n", a...) }
		}
		local, err := demo.StartLocal(ctx, &demo.LocalOptions{Log: indent(out), Logf: logf})
		if err != nil {
			return nil, fmt.Errorf("starting the local workspace: %w", err)
		}
		defer func() {
			if cerr := local.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("stopping the local workspace: %w", cerr)
			}
			fmt.Fprintln(out, "Stopped the workspace emulator and Azurite.")
		}()
		if cfg.onLocal != nil {
			cfg.onLocal(local)
		}
		if t, err = localTarget(cfg, local); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "  ready in %s\n", time.Since(start).Round(10*time.Millisecond))
	}
	fmt.Fprintf(out, "\nWorkspace %s, endpoint %s\n", t.where, cfg.endpoint)

	dir := cfg.workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "azmlbatch-quickstart-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	w := &walk{cfg: cfg, t: t, out: out, dir: dir}
	results = w.all(ctx)
	printTable(out, results)
	fmt.Fprintf(out, "\n%d of %d jobs completed in %s.\n", countOK(results), len(results), time.Since(start).Round(10*time.Millisecond))
	if ctx.Err() != nil {
		fmt.Fprintln(out, "Interrupted.")
	}
	return results, nil
}

func localTarget(cfg config, l *demo.Local) (target, error) {
	client, err := l.NewClient()
	if err != nil {
		return target{}, err
	}
	url := cfg.storageURL
	if url == "" {
		if url, err = l.ExampleDataURL(""); err != nil {
			return target{}, err
		}
	}
	return target{client: client, cred: l.Credential(), storageOpts: l.Server.ClientOptions(), storageURL: url,
		wait: demo.WaitOptions(true), where: l.Workspace.ID() + " (local)"}, nil
}

func azureTarget(cfg config) (target, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return target{}, err
	}
	ws := batchendpoint.Workspace{SubscriptionID: cfg.subscription, ResourceGroup: cfg.resourceGroup, Name: cfg.workspace}
	client, err := batchendpoint.NewClient(ws, cred, nil)
	if err != nil {
		return target{}, err
	}
	url := cfg.storageURL
	if url == "" {
		url = demo.PublicExampleDataURL
	}
	return target{client: client, cred: cred, storageURL: url, wait: demo.WaitOptions(false), where: ws.ID()}, nil
}

// indent prefixes bring-up lines.
func indent(w io.Writer) io.Writer { return prefixWriter{w} }

type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	s := strings.TrimRight(string(b), "\n")
	_, err := fmt.Fprintln(p.w, "  "+strings.ReplaceAll(s, "\n", "\n  "))
	return len(b), err
}

func countOK(rs []result) int {
	n := 0
	for _, r := range rs {
		if r.err == nil {
			n++
		}
	}
	return n
}

func printTable(out io.Writer, rs []result) {
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSCENARIO\tDEPLOYMENT\tJOB\tSTATUS\tTIME\tPREDICTIONS")
	for i, r := range rs {
		status, preds := string(r.status), r.summary.String()
		if r.err != nil {
			if status == "" {
				status = "error"
			}
			preds = firstLine(r.err.Error())
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, r.scenario, or(r.deployment, "(default)"), or(r.job, "-"), status,
			r.took.Round(10*time.Millisecond), preds)
	}
	_ = tw.Flush()
	fmt.Fprintln(out, "\nStudio:")
	for i, r := range rs {
		if r.studioURL != "" {
			fmt.Fprintf(out, "%d  %s\n", i+1, r.studioURL)
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// dataAssetSpecYAML is the how-to's heart-data.yml.
const dataAssetSpecYAML = `$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
name: heart-data
description: An unlabeled data asset for heart classification.
type: uri_folder
path: data
`

// writeDataset writes heart-data.yml and data/heart-*.csv into dir.
func writeDataset(dir string) (spec string, files []string, err error) {
	if files, err = demo.GenerateHeartData(filepath.Join(dir, "data"), 0, 0); err != nil {
		return "", nil, err
	}
	spec = filepath.Join(dir, "heart-data.yml")
	return spec, files, os.WriteFile(spec, []byte(dataAssetSpecYAML), 0o644)
}
