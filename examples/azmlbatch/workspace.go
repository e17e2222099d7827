package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// exampleData is the placeholder for the local workspace's example dataset
// (workspace.json exampleDataUrl).
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

// openWorkspace opens the workspace the flags name; tests replace it.
var openWorkspace = open

func open(ctx context.Context, g globals, progress io.Writer) (*workspace, error) {
	switch {
	case g.emulator:
		state, stop, err := startEmulator(ctx, progress)
		if err != nil {
			return nil, err
		}
		ws, err := openLocal(state)
		if err != nil {
			stop()
			return nil, err
		}
		closeConns := ws.close
		ws.close = func() { closeConns(); stop() }
		return ws, nil
	case g.local != "":
		return openLocal(g.local)
	}
	ws, err := resolveWorkspace(g)
	if err != nil {
		return nil, err
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, err
	}
	return newWorkspace(ws, cred, &batchendpoint.ClientOptions{}, "")
}

func newWorkspace(ws batchendpoint.Workspace, cred azcore.TokenCredential, opts *batchendpoint.ClientOptions, exampleDataURL string) (*workspace, error) {
	client, err := batchendpoint.NewClient(ws, cred, opts)
	if err != nil {
		return nil, err
	}
	return &workspace{client: client, exampleData: exampleDataURL, close: func() {}}, nil
}

// resolveWorkspace fills the workspace from the flags, the environment and
// az's configuration, in that order, as az does.
func resolveWorkspace(g globals) (batchendpoint.Workspace, error) {
	dir := azureConfigDir()
	cfg := readAzConfig(filepath.Join(dir, "config"))
	pick := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	ws := batchendpoint.Workspace{
		SubscriptionID: pick(g.subscription, os.Getenv("AZURE_SUBSCRIPTION_ID")),
		ResourceGroup:  pick(g.resourceGroup, os.Getenv("AZURE_DEFAULTS_GROUP"), os.Getenv("AZURE_RESOURCE_GROUP"), cfg["group"]),
		Name:           pick(g.workspace, os.Getenv("AZURE_DEFAULTS_WORKSPACE"), os.Getenv("AZUREML_WORKSPACE_NAME"), cfg["workspace"]),
	}
	if ws.SubscriptionID == "" {
		ws.SubscriptionID = defaultSubscription(filepath.Join(dir, "azureProfile.json"))
	}
	var missing []string
	if ws.SubscriptionID == "" {
		missing = append(missing, "--subscription (or az login, or AZURE_SUBSCRIPTION_ID)")
	}
	if ws.ResourceGroup == "" {
		missing = append(missing, "--resource-group/-g (or az configure --defaults group=<name>)")
	}
	if ws.Name == "" {
		missing = append(missing, "--workspace-name/-w (or az configure --defaults workspace=<name>)")
	}
	if len(missing) > 0 {
		return ws, usagef("no workspace: give %s; or use --local workspace.json or --emulator for a local workspace", strings.Join(missing, ", "))
	}
	return ws, nil
}

// azureConfigDir is az's configuration folder: $AZURE_CONFIG_DIR or ~/.azure.
func azureConfigDir() string {
	if d := os.Getenv("AZURE_CONFIG_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".azure")
}

// readAzConfig reads the [defaults] section of az's INI config file.
func readAzConfig(path string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
		case section == "defaults":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				k, v, ok = strings.Cut(line, ":")
			}
			if ok {
				out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// defaultSubscription is the id of the subscription az login selected
// (isDefault in azureProfile.json, which az writes with a byte order mark).
func defaultSubscription(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var p struct {
		Subscriptions []struct {
			ID        string `json:"id"`
			IsDefault bool   `json:"isDefault"`
		} `json:"subscriptions"`
	}
	if json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &p) != nil {
		return ""
	}
	for _, s := range p.Subscriptions {
		if s.IsDefault {
			return s.ID
		}
	}
	return ""
}

// localState is the part of examples/localworkspace's workspace.json used here.
type localState struct {
	ARMEndpoint    string            `json:"armEndpoint"`
	CABundle       string            `json:"caBundle"`
	SubscriptionID string            `json:"subscriptionId"`
	ResourceGroup  string            `json:"resourceGroup"`
	Workspace      string            `json:"workspace"`
	ExampleDataURL string            `json:"exampleDataUrl"`
	HTTPSProxy     string            `json:"httpsProxy"`
	TokenFiles     map[string]string `json:"tokenFiles"`
}

// The local workspace's audiences (those of the public cloud).
const (
	audienceARM = "https://management.azure.com"
	audienceML  = "https://ml.azure.com"
)

// openLocal connects to a running local workspace the way any Go program would:
// its ARM URL in the cloud configuration, its CA bundle in the transport, its
// storage proxy for the production blob hosts, and the tokens it wrote.
func openLocal(path string) (*workspace, error) {
	b, err := readRegular(path)
	if err != nil {
		return nil, usagef("--local: %v", err)
	}
	var st localState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, usagef("--local %s: %v", path, err)
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
		// Datastores and the public sample account answer as the real service;
		// their blob hosts reach Azurite through this proxy.
		pu, err := url.Parse(st.HTTPSProxy)
		if err != nil {
			return nil, fmt.Errorf("%s: httpsProxy: %w", path, err)
		}
		tr.Proxy = localProxy(pu)
	}
	opts := &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Audience: audienceARM, Endpoint: st.ARMEndpoint},
			batchendpoint.ServiceName: {Audience: audienceML},
		}},
		Transport: &http.Client{Transport: tr, Timeout: 2 * time.Minute},
	}}
	ws, err := newWorkspace(batchendpoint.Workspace{SubscriptionID: st.SubscriptionID, ResourceGroup: st.ResourceGroup, Name: st.Workspace},
		&tokenFileCredential{files: st.TokenFiles}, opts, st.ExampleDataURL)
	if err != nil {
		return nil, err
	}
	ws.wait = batchendpoint.WaitOptions{MinDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	ws.close = tr.CloseIdleConnections
	return ws, nil
}

// tokenFileCredential hands out the tokens a local workspace wrote (arm, ml,
// storage), by the scope's audience.
type tokenFileCredential struct {
	files map[string]string
	mu    sync.Mutex
	cache map[string]azcore.AccessToken
}

// GetToken returns the token file's token for the one scope asked for.
func (c *tokenFileCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("local workspace credential: want one scope, got %d", len(opts.Scopes))
	}
	aud := strings.TrimSuffix(strings.TrimSuffix(opts.Scopes[0], "/.default"), "/")
	kind := map[string]string{audienceARM: "arm", "https://management.core.windows.net": "arm", audienceML: "ml", "https://storage.azure.com": "storage"}[aud]
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.cache[kind]; ok && time.Until(t.ExpiresOn) > time.Minute {
		return t, nil
	}
	file, ok := c.files[kind]
	if !ok {
		return azcore.AccessToken{}, fmt.Errorf("local workspace credential: no token file for scope %s", opts.Scopes[0])
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	tok := strings.TrimSpace(string(b))
	t := azcore.AccessToken{Token: tok, ExpiresOn: jwtExpiry(tok)}
	if time.Until(t.ExpiresOn) <= 0 {
		return azcore.AccessToken{}, errors.New("local workspace credential: the token in " + file + " has expired; restart the local workspace")
	}
	if c.cache == nil {
		c.cache = map[string]azcore.AccessToken{}
	}
	c.cache[kind] = t
	return t, nil
}

// jwtExpiry reads a JWT's exp claim; an hour from now when it has none.
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var c struct {
				Exp int64 `json:"exp"`
			}
			if json.Unmarshal(b, &c) == nil && c.Exp > 0 {
				return time.Unix(c.Exp, 0)
			}
		}
	}
	return time.Now().Add(time.Hour)
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

// localProxy sends the production-style storage hosts through the local
// workspace's proxy and everything on loopback (its ARM and scoring
// listeners) directly, as NO_PROXY=localhost,127.0.0.1 would: a tunnel per
// connection to the emulator's own listeners only adds a hop to every command.
func localProxy(proxy *url.URL) func(*http.Request) (*url.URL, error) {
	return func(r *http.Request) (*url.URL, error) {
		h := r.URL.Hostname()
		if h == "localhost" {
			return nil, nil
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			return nil, nil
		}
		return proxy, nil
	}
}
