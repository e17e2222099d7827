package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// exampleData is the placeholder for the local example dataset.
const exampleData = "@example-data"

// workspace is the client plus what to stop at the end.
type workspace struct {
	client      *batchendpoint.Client
	wait        batchendpoint.WaitOptions
	exampleData string // local example data folder URL, "" on Azure
	close       func()
}

func (w *workspace) expand(s string) string {
	if w.exampleData == "" {
		return s
	}
	return strings.ReplaceAll(s, exampleData, w.exampleData)
}

func open(ctx context.Context, c cli, stderr io.Writer) (*workspace, error) {
	switch {
	case c.emulator:
		l, err := demo.StartLocal(ctx, &demo.LocalOptions{Log: stderr})
		if err != nil {
			return nil, err
		}
		client, err := l.NewClient()
		if err != nil {
			_ = l.Close()
			return nil, err
		}
		u, err := l.ExampleDataURL("")
		if err != nil {
			_ = l.Close()
			return nil, err
		}
		return &workspace{client: client, wait: *demo.WaitOptions(true), exampleData: u, close: func() { _ = l.Close() }}, nil
	case c.local != "":
		return openLocal(c.local)
	}
	if c.subscription == "" || c.resourceGroup == "" || c.workspace == "" {
		return nil, errors.New("name the workspace with --subscription, --resource-group and --workspace-name (or their environment variables), or use --emulator")
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, err
	}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: c.subscription, ResourceGroup: c.resourceGroup, Name: c.workspace}, cred, nil)
	if err != nil {
		return nil, err
	}
	return &workspace{client: client, close: func() {}}, nil
}

// localState is the part of examples/localworkspace's workspace.json used here.
type localState struct {
	ARMEndpoint    string `json:"armEndpoint"`
	CABundle       string `json:"caBundle"`
	SubscriptionID string `json:"subscriptionId"`
	ResourceGroup  string `json:"resourceGroup"`
	Workspace      string `json:"workspace"`
	ExampleDataURL string `json:"exampleDataUrl"`
	HTTPSProxy     string `json:"httpsProxy"`
}

// openLocal connects to a running local workspace the way any Go program would:
// its ARM URL in the cloud configuration, its CA bundle in the transport, and a
// credential minting the unsigned tokens the emulator accepts.
func openLocal(path string) (*workspace, error) {
	b, err := readRegular(path)
	if err != nil {
		return nil, err
	}
	var st localState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pem, err := readRegular(st.CABundle)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificates", st.CABundle)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	if st.HTTPSProxy != "" {
		// Datastores answer as the real service; their blob hosts reach Azurite through this proxy.
		pu, err := url.Parse(st.HTTPSProxy)
		if err != nil {
			return nil, fmt.Errorf("%s: httpsProxy: %w", path, err)
		}
		tr.Proxy = http.ProxyURL(pu)
	}
	opts := &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Audience: emulator.AudienceARM, Endpoint: st.ARMEndpoint},
			batchendpoint.ServiceName: {Audience: emulator.AudienceML},
		}},
		Transport: &http.Client{Transport: tr, Timeout: 2 * time.Minute},
	}}
	client, err := batchendpoint.NewClient(batchendpoint.Workspace{SubscriptionID: st.SubscriptionID, ResourceGroup: st.ResourceGroup, Name: st.Workspace},
		&emulator.Credential{}, opts)
	if err != nil {
		return nil, err
	}
	return &workspace{client: client, wait: *demo.WaitOptions(true), exampleData: st.ExampleDataURL, close: func() {}}, nil
}

// readRegular reads a file named on the command line, refusing FIFOs and
// devices (reading one would block or have side effects).
func readRegular(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); give the workspace.json written by examples/localworkspace", path, fi.Mode().Type())
	}
	return os.ReadFile(path)
}
