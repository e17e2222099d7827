package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// Environment variables that switch the small examples to a real workspace.
const (
	EnvSubscription  = "AZURE_SUBSCRIPTION_ID"
	EnvResourceGroup = "AZURE_RESOURCE_GROUP"
	EnvWorkspace     = "AZUREML_WORKSPACE_NAME"
)

// Env is what a small example needs: a client for the demo workspace, either
// local (the default) or a real one named by EnvSubscription, EnvResourceGroup
// and EnvWorkspace (with DefaultAzureCredential).
type Env struct {
	// Client is a client for the workspace.
	Client *batchendpoint.Client
	// Cred is the client's credential.
	Cred azcore.TokenCredential
	// StorageOptions are client options for direct storage access (uploads).
	StorageOptions azcore.ClientOptions
	// Local is the local workspace; nil against Azure.
	Local *Local
	// Wait is how jobs are polled.
	Wait *batchendpoint.WaitOptions
	// Dir is a temporary folder, removed by Close.
	Dir string
	// Out receives the example's output.
	Out io.Writer
}

// Open starts the local workspace, or connects to Azure when the environment
// names a workspace. Close it when done.
func Open(ctx context.Context, out io.Writer) (e *Env, err error) {
	e = &Env{Out: out}
	if e.Dir, err = os.MkdirTemp("", "azmlbatch-example-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = e.Close()
			e = nil
		}
	}()
	sub, rg, ws := os.Getenv(EnvSubscription), os.Getenv(EnvResourceGroup), os.Getenv(EnvWorkspace)
	if sub != "" || rg != "" || ws != "" {
		if sub == "" || rg == "" || ws == "" {
			return e, fmt.Errorf("set all of %s, %s and %s to use a real workspace", EnvSubscription, EnvResourceGroup, EnvWorkspace)
		}
		if e.Cred, err = azidentity.NewDefaultAzureCredential(nil); err != nil {
			return e, err
		}
		e.Wait = WaitOptions(false)
		e.Client, err = batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: sub, ResourceGroup: rg, Name: ws}, e.Cred, nil)
		return e, err
	}
	if e.Local, err = StartLocal(ctx, nil); err != nil {
		return e, err
	}
	e.Cred, e.StorageOptions, e.Wait = e.Local.Credential(), e.Local.Server.ClientOptions(), WaitOptions(true)
	e.Client, err = e.Local.NewClient()
	return e, err
}

// Close stops the local workspace (if any) and removes Dir.
func (e *Env) Close() error {
	var errs []error
	if e.Local != nil {
		errs = append(errs, e.Local.Close())
	}
	if e.Dir != "" {
		errs = append(errs, os.RemoveAll(e.Dir))
	}
	return errors.Join(errs...)
}

// ExampleDataURL is the how-to's heart-disease folder (file "") or one file in it:
// a SAS URL into the local storage, or the public dataset against Azure.
func (e *Env) ExampleDataURL(file string) (string, error) {
	if e.Local != nil {
		return e.Local.ExampleDataURL(file)
	}
	if file == "" {
		return PublicExampleDataURL, nil
	}
	return PublicExampleDataURL + "/" + file, nil
}

// HeartDataDir writes the demo dataset into a new folder under Dir and returns
// the folder and its files.
func (e *Env) HeartDataDir(name string) (dir string, files []string, err error) {
	dir = filepath.Join(e.Dir, name)
	files, err = GenerateHeartData(dir, 0, 0)
	return dir, files, err
}

// Follow prints the job's name and Studio link, waits for it with progress lines
// and, when it completed, downloads its output outputName ("" for its only
// output) and prints a summary of the predictions.
func (e *Env) Follow(ctx context.Context, job *batchendpoint.Job, outputName string) (batchendpoint.JobDetails, error) {
	fmt.Fprintf(e.Out, "job %s\n  studio %s\n", job.Name(), job.StudioURL())
	d, err := Wait(ctx, e.Out, job, e.Wait)
	if err != nil {
		return d, err
	}
	dl, err := job.DownloadOutputs(ctx, filepath.Join(e.Dir, "outputs", job.Name()), &batchendpoint.DownloadOutputsOptions{OutputName: outputName})
	if err != nil {
		return d, err
	}
	s, err := Summarize(dl.Files...)
	if err != nil {
		return d, err
	}
	fmt.Fprintf(e.Out, "  output %s -> %s\n  %s\n", dl.Output, dl.Location, s)
	return d, nil
}

// Main runs an example: it opens an Env (stopping on Ctrl-C), calls run, closes
// the Env and exits 1 on error.
func Main(run func(ctx context.Context, e *Env) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := RunWith(ctx, os.Stdout, run)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// RunWith opens an Env writing to out, calls run and closes the Env.
func RunWith(ctx context.Context, out io.Writer, run func(ctx context.Context, e *Env) error) (err error) {
	e, err := Open(ctx, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := e.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return run(ctx, e)
}
