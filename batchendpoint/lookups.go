package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// GetDatastore returns the datastore name (one ARM request; cached like endpoints).
func (c *Client) GetDatastore(ctx context.Context, name string, _ *GetDatastoreOptions) (ds Datastore, err error) {
	ctx, end := c.span(ctx, "Client.GetDatastore")
	defer func() { end(err) }()
	if err := inputs.ValidateDatastoreName(name); err != nil {
		return Datastore{}, err
	}
	c.mu.Lock()
	cd, ok := c.stores[name]
	c.mu.Unlock()
	if ok && c.cacheTTL > 0 && time.Since(cd.at) < c.cacheTTL {
		return cd.ds, nil
	}
	var w wire.Datastore
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/datastores/"+url.PathEscape(name), nil), nil, &w); err != nil {
		return Datastore{}, err
	}
	ds = datastoreFromWire(&w)
	c.mu.Lock()
	c.stores[name] = cachedDatastore{ds: ds, at: time.Now()}
	c.mu.Unlock()
	return ds, nil
}

// GetDefaultDatastore returns the workspace's default datastore (normally workspaceblobstore).
func (c *Client) GetDefaultDatastore(ctx context.Context, _ *GetDefaultDatastoreOptions) (ds Datastore, err error) {
	ctx, end := c.span(ctx, "Client.GetDefaultDatastore")
	defer func() { end(err) }()
	const key = "\x00default"
	c.mu.Lock()
	cd, ok := c.stores[key]
	c.mu.Unlock()
	if ok && c.cacheTTL > 0 && time.Since(cd.at) < c.cacheTTL {
		return cd.ds, nil
	}
	var page wire.List[wire.Datastore]
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/datastores", url.Values{"isDefault": {"true"}}), nil, &page); err != nil {
		return Datastore{}, err
	}
	for i := range page.Value {
		if page.Value[i].Properties.IsDefault {
			ds = datastoreFromWire(&page.Value[i])
			c.mu.Lock()
			c.stores[key] = cachedDatastore{ds: ds, at: time.Now()}
			c.mu.Unlock()
			return ds, nil
		}
	}
	return Datastore{}, fmt.Errorf("workspace %s has no default datastore; set one with az ml datastore update or name the datastore explicitly", c.ws.Name)
}

func datastoreFromWire(w *wire.Datastore) Datastore {
	p := w.Properties
	ds := Datastore{Name: w.Name, ID: w.ID, Type: p.DatastoreType, AccountName: p.AccountName, Container: p.ContainerName,
		Endpoint: p.Endpoint, Protocol: p.Protocol, IsDefault: p.IsDefault}
	if ds.Container == "" {
		ds.Container = p.Filesystem
	}
	if p.Credentials != nil {
		ds.CredentialsType = p.Credentials.CredentialsType
	}
	return ds
}

// GetDataAsset returns version of the data asset name; version "latest" returns the
// most recently created version (one request: $orderBy=createdtime desc&$top=1).
func (c *Client) GetDataAsset(ctx context.Context, name, version string, _ *GetDataAssetOptions) (da DataAsset, err error) {
	ctx, end := c.span(ctx, "Client.GetDataAsset")
	defer func() { end(err) }()
	if err := inputs.DataAsset(name, version).Validate(); err != nil {
		return DataAsset{}, err
	}
	base := "/data/" + url.PathEscape(name) + "/versions"
	if strings.EqualFold(strings.TrimPrefix(version, "@"), inputs.Latest) {
		var page wire.List[wire.DataVersion]
		q := url.Values{"$orderBy": {"createdtime desc"}, "$top": {"1"}}
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL(base, q), nil, &page); err != nil {
			return DataAsset{}, err
		}
		if len(page.Value) == 0 {
			return DataAsset{}, fmt.Errorf("data asset %q does not exist in workspace %s (no versions found); create it first (Client.CreateDataAsset or az ml data create)", name, c.ws.Name)
		}
		return dataAssetFromWire(&page.Value[0]), nil
	}
	var w wire.DataVersion
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL(base+"/"+url.PathEscape(version), nil), nil, &w); err != nil {
		return DataAsset{}, err
	}
	return dataAssetFromWire(&w), nil
}

func dataAssetFromWire(w *wire.DataVersion) DataAsset {
	d := DataAsset{Name: w.Name, Version: w.Name, ID: w.ID, Kind: w.Properties.DataType, Path: w.Properties.DataURI,
		Description: w.Properties.Description, Tags: w.Properties.Tags}
	// The version resource's name is the version; its parent segment is the asset name.
	if i := strings.LastIndex(w.ID, "/versions/"); i >= 0 {
		d.Version = w.ID[i+len("/versions/"):]
		if j := strings.LastIndex(w.ID[:i], "/"); j >= 0 {
			d.Name = w.ID[j+1 : i]
		}
	}
	if w.SystemData != nil {
		d.CreatedAt = parseTime(w.SystemData.CreatedAt)
	}
	return d
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// span starts a tracing span and names the operation for fakes, as generated clients do.
func (c *Client) span(ctx context.Context, name string) (context.Context, func(error)) {
	ctx = context.WithValue(ctx, runtime.CtxAPINameKey{}, name)
	return runtime.StartSpan(ctx, name, c.tracer, nil)
}

// Endpoint describes a batch endpoint.
type Endpoint struct {
	// Name of the endpoint.
	Name string
	// ScoringURI is where jobs are POSTed (InvokeOptions.ScoringURI for data-plane-only callers).
	ScoringURI string
	// DefaultDeployment runs jobs that name no deployment ("" when none is set).
	DefaultDeployment string
}

// GetEndpoint returns the batch endpoint name (az ml batch-endpoint show). It
// shares Invoke's cache.
func (c *Client) GetEndpoint(ctx context.Context, name string, _ *GetEndpointOptions) (ep Endpoint, err error) {
	ctx, end := c.span(ctx, "Client.GetEndpoint")
	defer func() { end(err) }()
	if err := validateEndpointName(name); err != nil {
		return Endpoint{}, err
	}
	e, err := c.endpoint(ctx, name)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{Name: name, ScoringURI: e.scoringURI, DefaultDeployment: e.defaultDeployment}, nil
}
