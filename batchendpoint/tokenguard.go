package batchendpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// Where bearer tokens may go. A token is sent only over https (plain http only
// with azcore's explicit InsecureAllowCredentialWithHTTP opt-in), never to a URL
// with user info, and the ARM token only to the configured Resource Manager
// host or to hosts the workspace itself names (its discovery document: Run
// History). tokenGuard enforces this per call, before the bearer policy runs,
// so a refused request is never sent at all.

// checkTokenURL returns the host of raw when a bearer token may be sent to it.
func checkTokenURL(raw string, insecure bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("is not a URL")
	}
	return checkToken(u, insecure)
}

// checkToken is checkTokenURL for a parsed URL.
func checkToken(u *url.URL, insecure bool) (string, error) {
	switch {
	case u.Host == "":
		return "", errors.New("has no host")
	case u.User != nil:
		return "", errors.New("carries user info (user:password@)")
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && insecure:
	default:
		return "", fmt.Errorf("is not https (scheme %q)", u.Scheme)
	}
	return strings.ToLower(u.Host), nil
}

// serviceHosts are the hosts the ARM token may go to.
type serviceHosts struct {
	arm string // the configured Resource Manager host

	mu        sync.Mutex
	named     map[string]bool // hosts named by the workspace's discovery document
	discovery string          // the workspace's discovery URL
}

func (h *serviceHosts) allowed(host string) bool {
	if host == h.arm {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.named[host]
}

// tokenGuard refuses requests whose URL must not receive the pipeline's token.
type tokenGuard struct {
	what     string // whose token, for the error
	insecure bool
	hosts    *serviceHosts // nil: any host that passes checkTokenURL
}

// Do implements policy.Policy.
func (g tokenGuard) Do(req *policy.Request) (*http.Response, error) {
	u := req.Raw().URL
	host, err := checkToken(u, g.insecure)
	if err != nil {
		return nil, fmt.Errorf("not sending the %s token to %s: the URL %s", g.what, shownURL(u.Scheme+"://"+u.Host), err)
	}
	if g.hosts != nil && !g.hosts.allowed(host) {
		return nil, fmt.Errorf("not sending the %s token to %s: only the configured Resource Manager endpoint and hosts named by the workspace receive it", g.what, shownURL(u.Scheme+"://"+u.Host))
	}
	return req.Next()
}

// learnHosts records the hosts the workspace names: the discovery URL of the
// workspace resource, then the service URLs of the discovery document. It is
// fed every successful ARM answer and reads only those two.
func (c *Client) learnHosts(rawURL string, resp *http.Response) {
	base, _, _ := strings.Cut(rawURL, "?")
	h := c.hosts
	h.mu.Lock()
	discovery := h.discovery
	h.mu.Unlock()
	switch {
	case base == c.armEndpoint+c.wsPath:
		var ws struct {
			Properties struct {
				DiscoveryURL string `json:"discoveryUrl"`
			} `json:"properties"`
		}
		if b, err := runtime.Payload(resp); err != nil || json.Unmarshal(b, &ws) != nil {
			return
		}
		host, err := checkTokenURL(ws.Properties.DiscoveryURL, false)
		if err != nil {
			return
		}
		h.mu.Lock()
		h.discovery, h.named[host] = ws.Properties.DiscoveryURL, true
		h.mu.Unlock()
	case discovery != "" && rawURL == discovery:
		var doc map[string]any
		if b, err := runtime.Payload(resp); err != nil || json.Unmarshal(b, &doc) != nil {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, v := range doc {
			if s, ok := v.(string); ok {
				if host, err := checkTokenURL(s, false); err == nil {
					h.named[host] = true
				}
			}
		}
	}
}

// escapedWorkspacePath is the workspace's ARM id with every segment escaped,
// for URLs (Workspace.validate rejects the worst characters; this is the second line).
func escapedWorkspacePath(ws Workspace) string {
	return "/subscriptions/" + url.PathEscape(ws.SubscriptionID) + "/resourceGroups/" + url.PathEscape(ws.ResourceGroup) +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + url.PathEscape(ws.Name)
}

// visible replaces control characters so an error can show the value.
func visible(r rune) rune {
	if r < ' ' || r == 0x7f {
		return '?'
	}
	return r
}

// shownURL is raw for an error message: no user info, query or fragment.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return redact.URL(u.String())
}
