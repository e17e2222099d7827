package demo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// State is workspace.json: what a client in another process needs to reach a
// running local workspace (examples/localworkspace writes it; the azmlbatch
// CLI reads it with --local).
type State struct {
	ARMEndpoint    string            `json:"armEndpoint"`
	CABundle       string            `json:"caBundle"`
	SubscriptionID string            `json:"subscriptionId"`
	ResourceGroup  string            `json:"resourceGroup"`
	Workspace      string            `json:"workspace"`
	ScoringURIs    map[string]string `json:"scoringUris"`
	TokenFiles     map[string]string `json:"tokenFiles"`
	ExampleDataURL string            `json:"exampleDataUrl"`
	// HTTPSProxy is the storage proxy: datastores answer as the real service
	// (accountName + endpoint core.windows.net), and clients that set
	// HTTPS_PROXY to it (trusting CABundle) reach
	// https://<account>.blob.core.windows.net in Azurite, the public sample
	// account azuremlexampledata included.
	HTTPSProxy string `json:"httpsProxy"`
	// APIEndpoint is the discovery document's "api" URL (Run History, data
	// and management front end routes).
	APIEndpoint string `json:"apiEndpoint"`
	// BlobEndpoint is the default datastore's blob service as clients
	// address it (through HTTPSProxy).
	BlobEndpoint string `json:"blobEndpoint"`
	// SampleDataURL is the public sample folder the how-to uses, served by
	// the local stand-in (through HTTPSProxy).
	SampleDataURL string `json:"sampleDataUrl"`
	// Env is the environment a client process needs, e.g. azure-ai-ml:
	// HTTPS_PROXY, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and AZUREML_DEV_URL_MFE
	// (the ARM base URL).
	Env map[string]string `json:"env"`
}

// WriteState writes the CA bundle, token files (valid for tokenLife) and
// workspace.json of l into dir and returns the state and the file's path.
func WriteState(l *Local, dir string, tokenLife time.Duration) (State, string, error) {
	bundle := filepath.Join(dir, "ca-bundle.pem")
	storageCert, err := os.ReadFile(l.StorageCertFile)
	if err != nil {
		return State{}, "", err
	}
	if err := os.WriteFile(bundle, append(l.Server.CACertPEM(), storageCert...), 0o644); err != nil {
		return State{}, "", err
	}
	tokens := map[string]string{}
	for name, aud := range map[string]string{"arm": emulator.AudienceARM, "ml": emulator.AudienceML, "storage": emulator.AudienceStorage} {
		tok, _ := emulator.MintToken(l.Server.TenantID(), aud, tokenLife)
		p := filepath.Join(dir, name+".token")
		if err := os.WriteFile(p, []byte(tok), 0o600); err != nil {
			return State{}, "", err
		}
		tokens[name] = p
	}
	ws := l.BatchWorkspace()
	st := State{ARMEndpoint: l.Server.ARMEndpoint(), CABundle: bundle, SubscriptionID: ws.SubscriptionID,
		ResourceGroup: ws.ResourceGroup, Workspace: ws.Name, TokenFiles: tokens,
		ScoringURIs:    map[string]string{Endpoint: l.Workspace.ScoringURI(Endpoint), PipelineEndpoint: l.Workspace.ScoringURI(PipelineEndpoint)},
		ExampleDataURL: l.Storage.BlobURL() + "/" + ExampleDataContainer + "/" + ExampleDataPrefix,
		HTTPSProxy:     l.Server.StorageProxyURL(), APIEndpoint: l.Server.ARMEndpoint(),
		BlobEndpoint:  "https://" + l.Storage.AccountName() + ".blob.core.windows.net",
		SampleDataURL: SampleFolderURL}
	st.Env = map[string]string{"HTTPS_PROXY": st.HTTPSProxy, "REQUESTS_CA_BUNDLE": bundle, "SSL_CERT_FILE": bundle,
		"AZUREML_DEV_URL_MFE": st.ARMEndpoint}
	file := filepath.Join(dir, "workspace.json")
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return State{}, "", err
	}
	return st, file, nil
}
