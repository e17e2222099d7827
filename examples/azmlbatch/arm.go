package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// armClient reads workspace resources the library has no call for yet
// (listing endpoints, deployments, data assets, datastores and workspace
// jobs, reading a deployment), with azcore's ARM pipeline: the same
// credential, cloud, transport and retry as the library's client.
type armClient struct {
	c  *arm.Client
	ws batchendpoint.Workspace
}

func newARMClient(ws batchendpoint.Workspace, cred azcore.TokenCredential, opts azcore.ClientOptions) (*armClient, error) {
	c, err := arm.NewClient("azmlbatch", "v1.0.0", cred, &arm.ClientOptions{ClientOptions: opts, DisableRPRegistration: true})
	if err != nil {
		return nil, err
	}
	return &armClient{c: c, ws: ws}, nil
}

// get reads one resource under the workspace (path starts with "/").
func (a *armClient) get(ctx context.Context, path string, q url.Values) (map[string]any, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", batchendpoint.DefaultAPIVersion)
	return a.do(ctx, a.c.Endpoint()+a.ws.ID()+path+"?"+q.Encode())
}

func (a *armClient) do(ctx context.Context, u string) (map[string]any, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, err
	}
	resp, err := a.c.Pipeline().Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, runtime.NewResponseError(resp)
	}
	var out map[string]any
	if err := runtime.UnmarshalAsJSON(resp, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// list reads every page of a list under the workspace, up to max items (0: all).
func (a *armClient) list(ctx context.Context, path string, q url.Values, max int) ([]map[string]any, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", batchendpoint.DefaultAPIVersion)
	next := a.c.Endpoint() + a.ws.ID() + path + "?" + q.Encode()
	var items []map[string]any
	for pages := 0; next != ""; pages++ {
		if pages > 1000 {
			return nil, fmt.Errorf("%s: more than 1000 pages", path)
		}
		page, err := a.do(ctx, next)
		if err != nil {
			return nil, err
		}
		var body struct {
			Value    []map[string]any `json:"value"`
			NextLink string           `json:"nextLink"`
		}
		b, _ := json.Marshal(page)
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, err
		}
		items = append(items, body.Value...)
		if max > 0 && len(items) >= max {
			return items[:max], nil
		}
		next = body.NextLink
	}
	return items, nil
}
