package batchendpoint

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// historyBase returns the Run History host of the workspace: ARM workspace GET →
// properties.discoveryUrl → the discovery document's "history" (else "api") URL.
// Cached for the client's lifetime: it changes only if the workspace moves region.
func (c *Client) historyBase(ctx context.Context) (string, error) {
	h, _, err := c.discovery(ctx)
	return h, err
}

// apiBase returns the discovery document's "api" URL (else "history"): the
// host of the dataset data plane, as azure-ai-ml addresses it.
func (c *Client) apiBase(ctx context.Context) (string, error) {
	_, a, err := c.discovery(ctx)
	return a, err
}

// discovery reads (once) the workspace's discovery document.
func (c *Client) discovery(ctx context.Context) (history, api string, err error) {
	c.mu.Lock()
	history, api = c.history, c.api
	c.mu.Unlock()
	if history != "" {
		return history, api, nil
	}
	var ws struct {
		Properties struct {
			DiscoveryURL string `json:"discoveryUrl"`
		} `json:"properties"`
	}
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("", nil), nil, &ws); err != nil {
		return "", "", err
	}
	if ws.Properties.DiscoveryURL == "" {
		return "", "", fmt.Errorf("workspace %s reports no discoveryUrl: Run History is unavailable", c.ws.Name)
	}
	var disc map[string]string
	if _, err := c.armDo(ctx, http.MethodGet, ws.Properties.DiscoveryURL, nil, &disc); err != nil {
		return "", "", err
	}
	history, api = strings.TrimRight(disc["history"], "/"), strings.TrimRight(disc["api"], "/")
	if history == "" {
		history = api
	}
	if api == "" {
		api = history
	}
	if history == "" {
		return "", "", fmt.Errorf("workspace %s: the discovery document names neither a history nor an api URL", c.ws.Name)
	}
	c.mu.Lock()
	c.history, c.api = history, api
	c.mu.Unlock()
	return history, api, nil
}

// runURL is {history}/history/v1.0{workspace}/runs/{run}{suffix}.
func (c *Client) runURL(ctx context.Context, run, suffix string) (string, error) {
	base, err := c.historyBase(ctx)
	if err != nil {
		return "", err
	}
	return base + "/history/v1.0" + c.wsPath + "/runs/" + url.PathEscape(run) + suffix, nil
}

// runDetails reads GET .../runs/{run}/details.
func (c *Client) runDetails(ctx context.Context, run string) (wire.RunDetails, error) {
	var d wire.RunDetails
	u, err := c.runURL(ctx, run, "/details")
	if err != nil {
		return d, err
	}
	_, err = c.armDo(ctx, http.MethodGet, u, nil, &d)
	return d, err
}

// maxChildPages bounds the pages of a child list: a loop of nextLinks must end.
const maxChildPages = 100

// runChildren lists the child runs of run (GET .../runs/{run}/children, then
// each nextLink, which armDo's token guard checks like any other URL).
func (c *Client) runChildren(ctx context.Context, run string) ([]wire.Run, error) {
	u, err := c.runURL(ctx, run, "/children")
	if err != nil {
		return nil, err
	}
	var out []wire.Run
	for range maxChildPages {
		var page wire.RunList
		if _, err := c.armDo(ctx, http.MethodGet, u, nil, &page); err != nil {
			return out, err
		}
		out = append(out, page.Value...)
		if page.NextLink == "" || page.NextLink == u {
			return out, nil
		}
		u = page.NextLink
	}
	return out, fmt.Errorf("the children of run %s span more than %d pages", run, maxChildPages)
}

// runOutputs returns the outputs of a run with their locations: the run's own
// outputs (its list entry, else POST .../rundata), each asset id resolved with
// one POST /data/v1.0{ws}/dataversion/batchGetResolvedUris, as azure-ai-ml's
// jobs.download does.
func (c *Client) runOutputs(ctx context.Context, r wire.Run) (map[string]JobOutput, error) {
	refs := r.Outputs
	if len(refs) == 0 {
		u, err := c.runURL(ctx, r.RunID, "")
		if err != nil {
			return nil, err
		}
		u = strings.TrimSuffix(u, "/runs/"+url.PathEscape(r.RunID)) + "/rundata"
		var res wire.GetRunDataResult
		body := wire.GetRunDataRequest{RunID: r.RunID, SelectRunMetadata: true, SelectRunDefinition: true, SelectJobSpecification: true}
		if _, err := c.armDo(ctx, http.MethodPost, u, body, &res); err != nil {
			return nil, fmt.Errorf("reading the outputs of run %s: %w", r.RunID, err)
		}
		if res.RunMetadata != nil {
			refs = res.RunMetadata.Outputs
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(refs))
	for _, ref := range refs {
		if ref.AssetID != "" {
			ids = append(ids, ref.AssetID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	api, err := c.apiBase(ctx)
	if err != nil {
		return nil, err
	}
	var uris wire.BatchDataURIResponse
	if _, err := c.armDo(ctx, http.MethodPost, api+"/data/v1.0"+c.wsPath+"/dataversion/batchGetResolvedUris", wire.BatchGetResolvedURIs{Values: ids}, &uris); err != nil {
		return nil, fmt.Errorf("resolving the outputs of run %s: %w", r.RunID, err)
	}
	out := make(map[string]JobOutput, len(refs))
	for name, ref := range refs {
		o := JobOutput{Kind: wire.KindOf(ref.Type)}
		if v, ok := wire.Find(uris.Values, ref.AssetID); ok {
			o.URI = v.URI
			if o.Kind == "" {
				o.Kind = wire.KindOf(v.Type)
			}
		}
		out[name] = o
	}
	return out, nil
}

// runFailure returns a failed run's error from its Run History details,
// redacted; nil when they carry none, in which case the caller reports the
// status alone.
func runFailure(details wire.RunDetails) *wire.ErrorDetail {
	if details.Error == nil || details.Error.Error.Code == "" {
		return nil
	}
	// The message quotes what the job read and logged (input URLs with their
	// SAS, tokens): it is stored redacted, so JobDetails and JobFailedError are clean.
	e := details.Error.Error
	e.Code, e.Message = redact.String(e.Code), redact.String(e.Message)
	return &e
}
