package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"golang.org/x/sync/singleflight"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// lookupTimeout bounds a shared lookup: it runs on a context detached from its
// callers' cancellation (one caller giving up must not fail the others), so it
// needs a bound of its own. It is cancelled early when its last caller leaves.
const lookupTimeout = 2 * time.Minute

// lookupGroup coalesces identical in-flight ARM lookups: 64 concurrent first
// invokes make one endpoint GET, not 64. Each caller waits on its own ctx and
// returns as soon as that ends; the lookup itself is cancelled only when no
// caller waits for it anymore.
type lookupGroup struct {
	sf      singleflight.Group
	mu      sync.Mutex
	flights map[string]*flight
}

// flight is the shared context of the callers of one key.
type flight struct {
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int
}

func (g *lookupGroup) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	if g.flights == nil {
		g.flights = map[string]*flight{}
	}
	f := g.flights[key]
	if f == nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		f = &flight{ctx: fctx, cancel: cancel}
		g.flights[key] = f
	}
	f.waiters++
	g.mu.Unlock()
	ch := g.sf.DoChan(key, func() (any, error) { return fn(f.ctx) })
	select {
	case r := <-ch:
		g.leave(key, f, false)
		return r.Val, r.Err
	case <-ctx.Done():
		g.leave(key, f, true)
		return nil, ctx.Err()
	}
}

// leave ends one caller's wait; the last caller to leave releases the flight,
// and one that gives up also cancels the lookup and lets the next caller start afresh.
func (g *lookupGroup) leave(key string, f *flight, abandoned bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.waiters--; f.waiters > 0 {
		return
	}
	if g.flights[key] == f {
		delete(g.flights, key)
	}
	if abandoned {
		g.sf.Forget(key)
	}
	f.cancel()
}

// coalesce runs fn once for concurrent callers of key and returns its result as T.
func coalesce[T any](ctx context.Context, g *lookupGroup, key string, fn func(context.Context) (T, error)) (T, error) {
	v, err := g.do(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func (c *Client) fresh(at time.Time) bool { return c.cacheTTL > 0 && time.Since(at) < c.cacheTTL }

// endpoint returns the endpoint's scoring URI and default deployment, from cache when fresh.
func (c *Client) endpoint(ctx context.Context, name string) (cachedEndpoint, error) {
	cached := func() (cachedEndpoint, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		e, ok := c.eps[name]
		return e, ok && c.fresh(e.at)
	}
	if e, ok := cached(); ok {
		return e, nil
	}
	return coalesce(ctx, &c.lookups, "endpoint\x00"+name, func(ctx context.Context) (cachedEndpoint, error) {
		if e, ok := cached(); ok { // filled while this caller queued
			return e, nil
		}
		var ep wire.BatchEndpoint
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/batchEndpoints/"+url.PathEscape(name), nil), nil, &ep); err != nil {
			if isNotFound(err) {
				return cachedEndpoint{}, c.notFound(ctx, ResourceBatchEndpoint, name, "", "", "/batchEndpoints", err)
			}
			return cachedEndpoint{}, err
		}
		if ep.Properties.ScoringURI == "" {
			return cachedEndpoint{}, fmt.Errorf("batch endpoint %q has no scoring URI yet (provisioning state %q); wait until it is provisioned", name, ep.Properties.ProvisioningState)
		}
		var def string
		if d := ep.Properties.Defaults; d != nil && d.DeploymentName != nil {
			def = *d.DeploymentName
		}
		e := c.newCachedEndpoint(ep.Properties.ScoringURI, def)
		c.mu.Lock()
		c.eps[name] = e
		c.mu.Unlock()
		return e, nil
	})
}

// newCachedEndpoint is the cache entry of an endpoint just read; every path
// that fills the cache goes through it so the scoring URI's token check is
// never skipped.
func (c *Client) newCachedEndpoint(scoringURI, defaultDeployment string) cachedEndpoint {
	e := cachedEndpoint{scoringURI: scoringURI, defaultDeployment: defaultDeployment, at: time.Now()}
	_, e.uriErr = checkTokenURL(scoringURI, c.opts.InsecureAllowCredentialWithHTTP)
	return e
}

// deploymentKind looks up a deployment, from cache when fresh.
func (c *Client) deploymentKind(ctx context.Context, endpoint, name string) (DeploymentKind, error) {
	key := deploymentKey{endpoint, name}
	cached := func() (DeploymentKind, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		d, ok := c.deps[key]
		return d.kind, ok && c.fresh(d.at)
	}
	if k, ok := cached(); ok {
		return k, nil
	}
	return coalesce(ctx, &c.lookups, "deployment\x00"+endpoint+"/"+name, func(ctx context.Context) (DeploymentKind, error) {
		if k, ok := cached(); ok {
			return k, nil
		}
		base := "/batchEndpoints/" + url.PathEscape(endpoint) + "/deployments"
		var dep wire.BatchDeployment
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL(base+"/"+url.PathEscape(name), nil), nil, &dep); err != nil {
			if isNotFound(err) {
				return "", c.notFound(ctx, ResourceDeployment, name, "", endpoint, base, err)
			}
			return "", err
		}
		kind := DeploymentKindModel
		if cfg := dep.Properties.DeploymentConfiguration; cfg != nil && strings.EqualFold(cfg.DeploymentConfigurationType, "PipelineComponent") {
			kind = DeploymentKindPipelineComponent
		}
		c.mu.Lock()
		c.deps[key] = cachedDeployment{kind: kind, at: time.Now()}
		c.mu.Unlock()
		return kind, nil
	})
}

// forgetEndpoint drops cached lookups of an endpoint (after a 404 or a failed POST).
func (c *Client) forgetEndpoint(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.eps, name)
	for k := range c.deps {
		if k.endpoint == name {
			delete(c.deps, k)
		}
	}
}

// notFound builds the NotFoundError for a 404. listPath, when set, is listed
// (one page, one request) to say what exists; a failed listing leaves Available nil.
func (c *Client) notFound(ctx context.Context, resourceType ResourceType, name, version, endpoint, listPath string, err error) *NotFoundError {
	e := &NotFoundError{ResourceType: resourceType, Name: name, Version: version, Endpoint: endpoint, Workspace: c.ws,
		Fix: notFoundFix(resourceType, c.ws), Err: err}
	if listPath != "" {
		var page wire.List[struct {
			Name string `json:"name"`
		}]
		if _, lerr := c.armDo(ctx, http.MethodGet, c.armURL(listPath, nil), nil, &page); lerr == nil {
			e.Available = make([]string, 0, len(page.Value))
			for _, v := range page.Value {
				e.Available = append(e.Available, v.Name)
			}
			slices.Sort(e.Available)
		}
	}
	return e
}

// GetDatastore returns the datastore name (one ARM request; cached like endpoints).
// A datastore that does not exist is a *NotFoundError.
func (c *Client) GetDatastore(ctx context.Context, name string, _ *GetDatastoreOptions) (resp GetDatastoreResponse, err error) {
	ctx, end := c.span(ctx, "Client.GetDatastore")
	defer func() { end(err) }()
	resp.Datastore, err = c.getDatastore(ctx, name)
	return resp, err
}

// getDatastore is GetDatastore for the client's own callers.
func (c *Client) getDatastore(ctx context.Context, name string) (Datastore, error) {
	if p := names.DatastoreName(name); p != nil {
		return Datastore{}, &ValidationError{Value: p.Value, Problem: p.Problem, Fix: p.Fix}
	}
	return c.datastore(ctx, name)
}

func (c *Client) storeFromCache(key string) (Datastore, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cd, ok := c.stores[key]
	return cd.ds, ok && c.fresh(cd.at)
}

func (c *Client) datastore(ctx context.Context, name string) (Datastore, error) {
	if ds, ok := c.storeFromCache(name); ok {
		return ds, nil
	}
	return coalesce(ctx, &c.lookups, "datastore\x00"+name, func(ctx context.Context) (Datastore, error) {
		if ds, ok := c.storeFromCache(name); ok {
			return ds, nil
		}
		var w wire.Datastore
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/datastores/"+url.PathEscape(name), nil), nil, &w); err != nil {
			if isNotFound(err) {
				return Datastore{}, c.notFound(ctx, ResourceDatastore, name, "", "", "/datastores", err)
			}
			return Datastore{}, err
		}
		ds := datastoreFromWire(&w)
		c.mu.Lock()
		c.stores[name] = cachedDatastore{ds: ds, at: time.Now()}
		c.mu.Unlock()
		return ds, nil
	})
}

// defaultStoreKey caches the default datastore next to the named ones; no
// datastore name contains a NUL.
const defaultStoreKey = "\x00default"

// GetDefaultDatastore returns the workspace's default datastore (normally workspaceblobstore).
func (c *Client) GetDefaultDatastore(ctx context.Context, _ *GetDefaultDatastoreOptions) (resp GetDefaultDatastoreResponse, err error) {
	ctx, end := c.span(ctx, "Client.GetDefaultDatastore")
	defer func() { end(err) }()
	resp.Datastore, err = c.defaultDatastore(ctx)
	return resp, err
}

// defaultDatastore is GetDefaultDatastore for the client's own callers.
func (c *Client) defaultDatastore(ctx context.Context) (Datastore, error) {
	if ds, ok := c.storeFromCache(defaultStoreKey); ok {
		return ds, nil
	}
	return coalesce(ctx, &c.lookups, "datastore-default", func(ctx context.Context) (Datastore, error) {
		if ds, ok := c.storeFromCache(defaultStoreKey); ok {
			return ds, nil
		}
		var page wire.List[wire.Datastore]
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/datastores", url.Values{"isDefault": {"true"}}), nil, &page); err != nil {
			return Datastore{}, err
		}
		for i := range page.Value {
			if page.Value[i].Properties.IsDefault {
				ds := datastoreFromWire(&page.Value[i])
				c.mu.Lock()
				c.stores[defaultStoreKey] = cachedDatastore{ds: ds, at: time.Now()}
				c.mu.Unlock()
				return ds, nil
			}
		}
		return Datastore{}, fmt.Errorf("workspace %s has no default datastore; set one with az ml datastore update or name the datastore explicitly", c.ws.Name)
	})
}

func datastoreFromWire(w *wire.Datastore) Datastore {
	p := w.Properties
	ds := Datastore{Name: w.Name, ID: w.ID, Type: p.DatastoreType, AccountName: p.AccountName, Container: p.ContainerName,
		Endpoint: p.Endpoint, Protocol: p.Protocol, IsDefault: p.IsDefault}
	if ds.Container == "" {
		ds.Container = p.Filesystem
	}
	if ds.Container == "" {
		ds.Container = p.FileShareName // AzureFile
	}
	if p.Credentials != nil {
		ds.CredentialsType = p.Credentials.CredentialsType
	}
	return ds
}

// GetDataAsset returns version of the data asset name; version "latest" returns the
// most recently created version (one request: $orderBy=createdtime desc&$top=1).
// A data asset or version that does not exist is a *NotFoundError.
func (c *Client) GetDataAsset(ctx context.Context, name, version string, _ *GetDataAssetOptions) (resp GetDataAssetResponse, err error) {
	ctx, end := c.span(ctx, "Client.GetDataAsset")
	defer func() { end(err) }()
	resp.DataAsset, err = c.getDataAsset(ctx, name, version)
	return resp, err
}

func (c *Client) getDataAsset(ctx context.Context, name, version string) (DataAsset, error) {
	if err := inputs.DataAsset(name, version).Validate(); err != nil {
		return DataAsset{}, err
	}
	if strings.EqualFold(strings.TrimPrefix(version, "@"), inputs.Latest) {
		return c.latestDataAsset(ctx, name)
	}
	return c.dataAssetVersion(ctx, name, version)
}

// latestDataAsset looks up the newest version of name. Concurrent lookups of one
// name share one request; the answer is not cached (a new version may appear).
func (c *Client) latestDataAsset(ctx context.Context, name string) (DataAsset, error) {
	return coalesce(ctx, &c.lookups, "data-latest\x00"+name, func(ctx context.Context) (DataAsset, error) {
		base := "/data/" + url.PathEscape(name)
		var page wire.List[wire.DataVersion]
		q := url.Values{"$orderBy": {"createdtime desc"}, "$top": {"1"}}
		if _, err := c.armDo(ctx, http.MethodGet, c.armURL(base+"/versions", q), nil, &page); err != nil {
			if isNotFound(err) {
				return DataAsset{}, c.notFound(ctx, ResourceDataAsset, name, inputs.Latest, "", "", err)
			}
			return DataAsset{}, err
		}
		if len(page.Value) > 0 {
			return dataAssetFromWire(&page.Value[0]), nil
		}
		// The service lists no versions for an unknown name; the asset's own
		// GET tells a missing asset (404, kept as Err) from one without versions.
		_, err := c.armDo(ctx, http.MethodGet, c.armURL(base, nil), nil, nil)
		if err != nil && !isNotFound(err) {
			return DataAsset{}, err
		}
		nf := c.notFound(ctx, ResourceDataAsset, name, inputs.Latest, "", "", err)
		if err == nil {
			nf.Fix = "the data asset has no versions: register one (Client.CreateDataAsset or az ml data create)"
		}
		return DataAsset{}, nf
	})
}

func (c *Client) dataAssetVersion(ctx context.Context, name, version string) (DataAsset, error) {
	var w wire.DataVersion
	u := c.armURL("/data/"+url.PathEscape(name)+"/versions/"+url.PathEscape(version), nil)
	if _, err := c.armDo(ctx, http.MethodGet, u, nil, &w); err != nil {
		if isNotFound(err) {
			return DataAsset{}, c.notFound(ctx, ResourceDataAsset, name, version, "", "", err)
		}
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
		d.CreatedAt = wire.ParseTime(w.SystemData.CreatedAt)
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

// GetEndpoint returns the batch endpoint name (az ml batch-endpoint show): one
// ARM request, whose answer also refreshes Invoke's cache. An endpoint still
// being created is returned with its ProvisioningState and no ScoringURI. An
// endpoint that does not exist is a *NotFoundError.
func (c *Client) GetEndpoint(ctx context.Context, name string, _ *GetEndpointOptions) (resp GetEndpointResponse, err error) {
	ctx, end := c.span(ctx, "Client.GetEndpoint")
	defer func() { end(err) }()
	resp.Endpoint, err = c.getEndpoint(ctx, name)
	return resp, err
}
