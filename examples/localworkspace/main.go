// Localworkspace runs the local Azure Machine Learning workspace on its own, for
// clients in other processes or languages: Azurite over HTTPS plus the workspace
// emulator, with the demo workspace registered (endpoint heart-classifier,
// deployments classifier-xgboost and uci-classifier-prepros-xgb, datastore
// workspaceblobstore, example data). It prints the ARM base URL, the CA
// certificates to trust, the scoring URIs and sample curl commands, writes
// workspace.json for the azmlbatch CLI (--local) and other clients, and runs
// until Ctrl-C or SIGTERM. Datastores answer as the real service does
// (accountName devstoreaccount1, endpoint core.windows.net); clients reach
// https://devstoreaccount1.blob.core.windows.net through the storage proxy
// printed as HTTPS_PROXY (workspace.json "env" lists the variables a Python
// azure-ai-ml process needs).
//
//	go run ./examples/localworkspace
//
// The emulator accepts any unsigned JWT whose aud is the right audience; token
// files are written for curl, and -token AUDIENCE prints one and exits.
//
// For scripts: -state FILE also writes workspace.json to FILE (by rename, so it
// appears complete) once everything listens, and -step-delay sets how long jobs
// stay in each intermediate status (the conformance suite slows them to cancel
// one while it runs).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

func main() {
	token := flag.String("token", "", "print a token for this audience (e.g. https://management.azure.com or https://ml.azure.com) and exit")
	verbose := flag.Bool("v", false, "log every request")
	stateCopy := flag.String("state", "", "also write workspace.json to this file once everything listens")
	stepDelay := flag.Duration("step-delay", demo.DefaultStepDelay, "how long jobs stay in each intermediate status")
	flag.Parse()
	if *token != "" {
		tok, _ := emulator.MintToken("", *token, 24*time.Hour)
		fmt.Println(tok)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var ready func(State, string)
	if *stateCopy != "" {
		ready = func(_ State, file string) {
			if err := copyAtomic(file, *stateCopy); err != nil {
				fmt.Fprintln(os.Stderr, "localworkspace: -state:", err)
				stop()
			}
		}
	}
	if err := serve(ctx, os.Stdout, &serveOptions{verbose: *verbose, stepDelay: *stepDelay}, ready); err != nil {
		fmt.Fprintln(os.Stderr, "localworkspace:", err)
		stop()
		os.Exit(1)
	}
}

// State is workspace.json (demo.State).
type State = demo.State

// serveOptions are the command-line settings of serve; nil means defaults.
type serveOptions struct {
	verbose   bool
	stepDelay time.Duration
}

// serve runs the local workspace until ctx ends; ready, when set, gets the state
// once everything listens.
func serve(ctx context.Context, out io.Writer, opts *serveOptions, ready func(State, string)) error {
	var o serveOptions
	if opts != nil {
		o = *opts
	}
	var logf func(string, ...any)
	if o.verbose {
		logf = func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	}
	l, err := demo.StartLocal(ctx, &demo.LocalOptions{Log: out, Logf: logf, StepDelay: o.stepDelay})
	if err != nil {
		return err
	}
	defer func() {
		_ = l.Close()
		fmt.Fprintln(out, "stopped the workspace emulator and Azurite")
	}()

	// One CA bundle (emulator CA + Azurite's certificate) for curl, Python, Node, ...
	st, stateFile, err := demo.WriteState(l, l.Dir, 24*time.Hour)
	if err != nil {
		return err
	}
	printState(out, l, st, stateFile)
	if ready != nil {
		ready(st, stateFile)
	}
	<-ctx.Done()
	return nil
}

func printState(out io.Writer, l *demo.Local, st State, stateFile string) {
	endpointPath := l.Workspace.ID() + "/batchEndpoints/" + demo.Endpoint
	body := fmt.Sprintf(`{"properties":{"inputData":{"UriFolder":{"jobInputType":"UriFolder","uri":"%s"}}}}`, st.ExampleDataURL)
	fmt.Fprintf(out, `
Local Azure Machine Learning workspace
  ARM base URL      %s   (stands in for https://management.azure.com)
  CA certificate    %s   (emulator)
  storage cert      %s   (Azurite)
  CA bundle         %s   (both: use for curl --cacert, SSL_CERT_FILE, REQUESTS_CA_BUNDLE)
  HTTPS_PROXY       %s   (storage proxy: %s reaches Azurite through it)
  subscription      %s
  resource group    %s
  workspace         %s
  workspace id      %s
  endpoint          %s (default deployment %s; also %s)
  scoring URI       %s
  datastore         %s -> %s container azureml-blobstore
  example data      %s
  sample data       %s   (synthetic stand-in for the public azuremlexampledata account; anonymous read)
  token files       %s (arm), %s (ml), %s (storage)
  workspace.json    %s   (go run ./examples/azmlbatch --local %s ...)

Try:
  curl --cacert %s -H "Authorization: Bearer $(cat %s)" \
    "%s%s?api-version=%s"
  curl --cacert %s -X POST -H "Authorization: Bearer $(cat %s)" -H "Content-Type: application/json" \
    -d '%s' \
    %s

Press Ctrl-C to stop.
`, st.ARMEndpoint, l.Server.CACertFile(), l.StorageCertFile, st.CABundle, st.HTTPSProxy, st.BlobEndpoint, st.SubscriptionID, st.ResourceGroup, st.Workspace,
		l.Workspace.ID(), demo.Endpoint, demo.ModelDeployment, demo.PipelineDeployment, st.ScoringURIs[demo.Endpoint],
		demo.Datastore, l.Storage.BlobURL(), st.ExampleDataURL, st.SampleDataURL, st.TokenFiles["arm"], st.TokenFiles["ml"], st.TokenFiles["storage"],
		stateFile, stateFile,
		st.CABundle, st.TokenFiles["arm"], st.ARMEndpoint, endpointPath, batchendpoint.DefaultAPIVersion,
		st.CABundle, st.TokenFiles["ml"], body, st.ScoringURIs[demo.Endpoint])
}

// copyAtomic copies src to dst through a temporary file in dst's folder, so a
// script waiting for dst never reads it half written.
func copyAtomic(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".workspace-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
