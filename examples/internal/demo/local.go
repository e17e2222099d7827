package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/azurite"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// DefaultStepDelay keeps local jobs in each intermediate status long enough for
// progress lines to show.
const DefaultStepDelay = 150 * time.Millisecond

// LocalOptions configures StartLocal. A nil *LocalOptions means defaults.
type LocalOptions struct {
	// Log receives one line per bring-up step; nil discards them.
	Log io.Writer
	// Logf receives the emulator's request log; nil discards it.
	Logf func(format string, args ...any)
	// StepDelay is how long jobs stay in each intermediate status; DefaultStepDelay
	// when zero, none when negative.
	StepDelay time.Duration
	// AzuriteDir is where Azurite is installed; the module's .azurite/ when empty.
	AzuriteDir string
	// ARMThrottle sets the emulator's ARM throttling (default: ARM's documented
	// limits), e.g. Off for a benchmark whose baseline client has no retries.
	ARMThrottle emulator.ThrottleOptions
}

// Local is a running local workspace: Azurite over HTTPS (bearer, shared key and
// SAS) and the emulator, with the demo workspace registered and the example data
// in place. Close stops both and removes the temporary files.
type Local struct {
	// Server is the emulator: ARM and scoring URIs on 127.0.0.1.
	Server *emulator.Server
	// Workspace is the registered demo workspace.
	Workspace *emulator.Workspace
	// Storage is the Azurite instance behind the datastores.
	Storage *azurite.Instance
	// StorageCertFile is Azurite's self-signed certificate (PEM).
	StorageCertFile string
	// Dir is a temporary folder removed by Close.
	Dir string

	storagePEM []byte
}

// StartLocal installs Azurite if needed, starts it and the emulator, and
// registers the demo workspace (see RegisterWorkspace). ctx bounds the bring-up.
func StartLocal(ctx context.Context, opts *LocalOptions) (l *Local, err error) {
	var o LocalOptions
	if opts != nil {
		o = *opts
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	if o.StepDelay == 0 {
		o.StepDelay = DefaultStepDelay
	}
	l = &Local{}
	defer func() {
		if err != nil {
			_ = l.Close()
			l = nil
		}
	}()
	if l.Dir, err = os.MkdirTemp("", "azmlbatch-demo-"); err != nil {
		return l, err
	}
	lc, err := azurite.WriteLoopbackCert(l.Dir, "azmlbatch local storage")
	certFile, keyFile, certPEM := lc.CertFile, lc.KeyFile, lc.PEM
	if err != nil {
		return l, fmt.Errorf("storage certificate: %w", err)
	}
	l.StorageCertFile, l.storagePEM = certFile, certPEM

	dir := o.AzuriteDir
	if dir == "" {
		if dir, err = azurite.DefaultDir(); err != nil {
			return l, err
		}
	}
	t0 := time.Now()
	fmt.Fprintf(logw, "Azurite %s: checking the install in %s (the first run installs it with npm)\n", azurite.PinnedVersion(), dir)
	if err := azurite.Install(ctx, dir); err != nil {
		return l, err
	}
	if d := time.Since(t0); d > 2*time.Second {
		fmt.Fprintf(logw, "Azurite installed in %s\n", d.Round(100*time.Millisecond))
	}
	l.Storage, err = azurite.Start(ctx, &azurite.Options{Dir: dir, NoInstall: true, CertFile: certFile, KeyFile: keyFile, OAuth: true,
		Env: sampleAzuriteEnv()})
	if err != nil {
		return l, err
	}
	fmt.Fprintf(logw, "Azurite blob service: %s\n", l.Storage.BlobURL())

	l.Server, err = emulator.New(&emulator.Options{StepDelay: o.StepDelay, TrustedCAs: [][]byte{certPEM}, Logf: o.Logf, ARMThrottle: o.ARMThrottle})
	if err != nil {
		return l, err
	}
	if err := l.Server.Start(); err != nil {
		return l, err
	}
	fmt.Fprintf(logw, "workspace emulator: ARM %s, scoring %s\n", l.Server.ARMEndpoint(), l.Server.InferenceEndpoint())
	if l.Workspace, err = RegisterWorkspace(ctx, l.Server, l.Storage); err != nil {
		return l, err
	}
	if err := l.seedExampleData(ctx); err != nil {
		return l, fmt.Errorf("example data: %w", err)
	}
	if err := l.seedSampleData(ctx); err != nil {
		return l, fmt.Errorf("sample data stand-in: %w", err)
	}
	return l, nil
}

// RegisterWorkspace registers the demo workspace on s: default datastore
// workspaceblobstore on storage (container azureml-blobstore), endpoint
// heart-classifier with model deployment classifier-xgboost (the default, scored
// by ModelScore) and pipeline component deployment uci-classifier-prepros-xgb
// (run by PipelineScore, inputs heart_data, score_mode, threshold, decimals and
// header, output score), plus the file share datastore workspacefilestore.
func RegisterWorkspace(ctx context.Context, s *emulator.Server, storage *azurite.Instance) (*emulator.Workspace, error) {
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: SubscriptionID, ResourceGroup: ResourceGroup, Name: WorkspaceName})
	if err != nil {
		return nil, err
	}
	steps := []func() error{
		func() error {
			return ws.AddDatastore(emulator.Datastore{Name: Datastore, ServiceURL: storage.BlobURL(), AccountName: storage.AccountName(),
				AccountKey: storage.AccountKey(), Container: "azureml-blobstore", Default: true,
				Description: "default datastore (Azurite)"})
		},
		func() error {
			// Real workspaces also have a file share datastore; batch outputs can't go there.
			return ws.AddDatastore(emulator.Datastore{Name: FileDatastore, Type: emulator.DatastoreAzureFile,
				AccountName: storage.AccountName(), Container: "azureml-filestore", Description: "file share (outputs rejected)"})
		},
		func() error { return ws.EnsureContainers(ctx) },
		func() error {
			return ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: Endpoint, DefaultDeployment: ModelDeployment,
				Description: "Heart disease classifier (local)"})
		},
		func() error {
			return ws.AddModelDeployment(Endpoint, emulator.ModelDeployment{Name: ModelDeployment, MiniBatchSize: 2,
				MaxConcurrencyPerInstance: 2, Score: ModelScore})
		},
		func() error {
			return ws.AddPipelineDeployment(Endpoint, emulator.PipelineDeployment{Name: PipelineDeployment,
				Inputs: map[string]string{"heart_data": "", "score_mode": "append",
					"threshold": "0.5", "decimals": "4", "header": "True"},
				Outputs: map[string]emulator.PipelineOutput{"score": {Type: "UriFile", FileName: "predictions.csv"}},
				Run:     PipelineScore})
		},
		func() error {
			return ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: PipelineEndpoint, DefaultDeployment: PipelineEndpointDeployment,
				Description: "Heart disease scoring pipeline (local)"})
		},
		func() error {
			// Inputs nil: any input name is accepted, as the component's one data input is optional.
			return ws.AddPipelineDeployment(PipelineEndpoint, emulator.PipelineDeployment{Name: PipelineEndpointDeployment,
				Outputs: map[string]emulator.PipelineOutput{"score": {Type: "UriFile", FileName: "predictions.csv"}},
				Run:     PipelineScoreOptionalData})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// seedExampleData plays the how-to's public example data: container "data" with
// heart-disease-uci/data/heart-*.csv in the local storage account.
func (l *Local) seedExampleData(ctx context.Context) error {
	dir := filepath.Join(l.Dir, "example-data")
	if _, err := GenerateHeartData(dir, 0, 0); err != nil {
		return err
	}
	key, err := azblob.NewSharedKeyCredential(l.Storage.AccountName(), l.Storage.AccountKey())
	if err != nil {
		return err
	}
	c, err := azblob.NewClientWithSharedKeyCredential(l.Storage.BlobURL()+"/", key,
		&azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: l.Server.HTTPClient()}})
	if err != nil {
		return err
	}
	if _, err := c.CreateContainer(ctx, ExampleDataContainer, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return err
	}
	return UploadFolder(ctx, c.ServiceClient().NewContainerClient(ExampleDataContainer), dir, ExampleDataPrefix)
}

// ExampleDataURL returns a read/list SAS URL (valid for an hour) of the local
// example data folder, or of one file in it when file is not empty: the local
// stand-in for the how-to's https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data.
// It contains a SAS signature: don't log it (the library redacts it).
func (l *Local) ExampleDataURL(file string) (string, error) {
	key, err := azblob.NewSharedKeyCredential(l.Storage.AccountName(), l.Storage.AccountKey())
	if err != nil {
		return "", err
	}
	q, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPS, ExpiryTime: time.Now().Add(time.Hour),
		ContainerName: ExampleDataContainer, Permissions: (&sas.ContainerPermissions{Read: true, List: true}).String()}.SignWithSharedKey(key)
	if err != nil {
		return "", err
	}
	u := l.Storage.BlobURL() + "/" + ExampleDataContainer + "/" + ExampleDataPrefix
	if file != "" {
		u += "/" + file
	}
	return u + "?" + q.Encode(), nil
}

// BatchWorkspace identifies the demo workspace for batchendpoint.NewClient.
func (l *Local) BatchWorkspace() batchendpoint.Workspace {
	c := l.Workspace.Config()
	return batchendpoint.Workspace{SubscriptionID: c.SubscriptionID, ResourceGroup: c.ResourceGroup, Name: c.Name}
}

// Credential returns the emulator's credential: it mints tokens for any audience
// (ARM, Azure ML, Storage) that the emulator and Azurite accept.
func (l *Local) Credential() azcore.TokenCredential { return l.Server.Credential() }

// ClientOptions point a client at the emulator, with a transport that trusts the
// emulator's CA and Azurite's certificate.
func (l *Local) ClientOptions() *batchendpoint.ClientOptions {
	return &batchendpoint.ClientOptions{ClientOptions: l.Server.ClientOptions()}
}

// NewClient returns a client for the demo workspace.
func (l *Local) NewClient() (*batchendpoint.Client, error) {
	return batchendpoint.NewClient(l.BatchWorkspace(), l.Credential(), l.ClientOptions())
}

// Close stops the emulator and Azurite and removes Dir. It may be called on a
// partly started Local.
func (l *Local) Close() error {
	var errs []error
	if l.Server != nil {
		errs = append(errs, l.Server.Close())
	}
	if l.Storage != nil {
		errs = append(errs, l.Storage.Stop())
	}
	if l.Dir != "" {
		errs = append(errs, os.RemoveAll(l.Dir))
	}
	return errors.Join(errs...)
}
