// Package benchstate reads a local workspace's workspace.json for the CLI
// benchmark's two baseline programs (rawinvoke, libinvoke), with the standard
// library only, so that both set up their transport and tokens the same way.
package benchstate

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// State is the part of workspace.json the baselines read.
type State struct {
	ARMEndpoint    string            `json:"armEndpoint"`
	CABundle       string            `json:"caBundle"`
	SubscriptionID string            `json:"subscriptionId"`
	ResourceGroup  string            `json:"resourceGroup"`
	Workspace      string            `json:"workspace"`
	TokenFiles     map[string]string `json:"tokenFiles"`
}

// Load reads path and returns its state and an HTTP client that trusts the
// workspace's CA. No proxy: an invoke talks only to the emulator's loopback
// listeners (a storage URL input is only named, never fetched), as the CLI does.
func Load(path string) (State, *http.Client, error) {
	var st State
	b, err := os.ReadFile(path)
	if err != nil {
		return st, nil, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, nil, err
	}
	pem, err := os.ReadFile(st.CABundle)
	if err != nil {
		return st, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return st, nil, fmt.Errorf("%s: no certificates", st.CABundle)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	return st, &http.Client{Transport: tr, Timeout: time.Minute}, nil
}

// Token reads the token file of kind ("arm" or "ml").
func (s State) Token(kind string) (string, error) {
	b, err := os.ReadFile(s.TokenFiles[kind])
	return strings.TrimSpace(string(b)), err
}
