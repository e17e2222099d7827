package batchendpoint

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// historyBase returns the Run History host of the workspace: ARM workspace GET →
// properties.discoveryUrl → the discovery document's "history" (else "api") URL.
// Cached for the client's lifetime: it changes only if the workspace moves region.
func (c *Client) historyBase(ctx context.Context) (string, error) {
	c.mu.Lock()
	base := c.history
	c.mu.Unlock()
	if base != "" {
		return base, nil
	}
	var ws struct {
		Properties struct {
			DiscoveryURL string `json:"discoveryUrl"`
		} `json:"properties"`
	}
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("", nil), nil, &ws); err != nil {
		return "", err
	}
	var disc map[string]string
	if _, err := c.armDo(ctx, http.MethodGet, ws.Properties.DiscoveryURL, nil, &disc); err != nil {
		return "", err
	}
	base = disc["history"]
	if base == "" {
		base = disc["api"]
	}
	base = strings.TrimRight(base, "/")
	c.mu.Lock()
	c.history = base
	c.mu.Unlock()
	return base, nil
}

// runFailure reads a failed job's error from Run History, redacted; nil when unavailable,
// in which case the caller reports the status alone.
func (c *Client) runFailure(ctx context.Context, job string) *wire.ErrorDetail {
	base, err := c.historyBase(ctx)
	if err != nil || base == "" {
		return nil
	}
	var details struct {
		Error *struct {
			Error wire.ErrorDetail `json:"error"`
		} `json:"error"`
	}
	u := base + "/history/v1.0" + c.ws.ID() + "/runs/" + url.PathEscape(job) + "/details"
	if _, err := c.armDo(ctx, http.MethodGet, u, nil, &details); err != nil || details.Error == nil || details.Error.Error.Code == "" {
		return nil
	}
	// The message quotes what the job read and logged (input URLs with their
	// SAS, tokens): it is stored redacted, so JobDetails and JobFailedError are clean.
	e := details.Error.Error
	e.Code, e.Message = redact.String(e.Code), redact.String(e.Message)
	return &e
}
