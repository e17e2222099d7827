package batchendpoint_test

// Invoke's stages against the emulator and Azurite: every lookup that can fail
// happens before the first write, a missing resource is a *NotFoundError a user
// can act on, identical lookups are coalesced, and every blocking step returns
// promptly on cancel.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// localFolder writes a folder whose content (and so upload prefix) is unique to the test.
func localFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "local-data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "heart-1.csv"), []byte(e2eHeart["heart-1.csv"]), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "id.txt"), []byte(t.Name()+time.Now().String()), 0o644))
	return dir
}

// TestInvokeNothingWrittenBeforeLookups: an invoke with a local folder that
// fails on a lookup or on what a lookup told writes no blob, creates no job and
// makes exactly the lookups listed.
func TestInvokeNothingWrittenBeforeLookups(t *testing.T) {
	e := newE2E(t, &fake.Options{InProcess: true})
	w := e.w
	r := func(routes ...fake.Route) []fake.Route { return routes }
	cases := []struct {
		name     string
		endpoint string
		req      func(local string) batchendpoint.InvokeRequest
		requests []fake.Route // the exact requests, in order
		check    func(t *testing.T, err error)
	}{
		{
			name: "output on a file-share datastore", endpoint: e2eModelEP,
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Input: inputs.LocalPath(local),
					Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("fileshare", "out/x.csv").File()}}
			},
			// The output's datastore, then the upload's (workspaceblobstore, by name).
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteGetDatastore, fake.RouteGetDatastore),
			check: func(t *testing.T, err error) {
				var ve *batchendpoint.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "outputs.score", ve.Field)
				assert.Contains(t, err.Error(), "Blob Storage datastores")
			},
		},
		{
			name: "missing @latest data asset", endpoint: e2ePipelineEP,
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.LocalPath(local),
					"extra": inputs.DataAsset("no-such-asset", "latest")}}
			},
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteListDataVersions, fake.RouteGetDataContainer),
			check: func(t *testing.T, err error) {
				var nf *batchendpoint.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, batchendpoint.ResourceDataAsset, nf.ResourceType)
				assert.Equal(t, "no-such-asset", nf.Name)
				assert.Contains(t, err.Error(), "inputs.extra")
				assertStatus(t, err, http.StatusNotFound)
			},
		},
		{
			name: "missing data asset version", endpoint: e2ePipelineEP,
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"heart_data": inputs.LocalPath(local),
					"extra": inputs.DataAsset("no-such-asset", "3")}}
			},
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteGetDataVersion),
			check: func(t *testing.T, err error) {
				var nf *batchendpoint.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, "3", nf.Version)
				assertStatus(t, err, http.StatusNotFound)
			},
		},
		{
			name: "missing endpoint", endpoint: "no-such-endpoint",
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)}
			},
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteListBatchEndpoints),
			check: func(t *testing.T, err error) {
				var nf *batchendpoint.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, batchendpoint.ResourceBatchEndpoint, nf.ResourceType)
				assert.Equal(t, []string{e2eModelEP, e2ePipelineEP}, nf.Available)
				assertStatus(t, err, http.StatusNotFound)
			},
		},
		{
			name: "missing deployment", endpoint: e2eModelEP,
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Deployment: "classifier-nope", Input: inputs.LocalPath(local)}
			},
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteListDeployments),
			check: func(t *testing.T, err error) {
				var nf *batchendpoint.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, batchendpoint.ResourceDeployment, nf.ResourceType)
				assert.Equal(t, e2eModelEP, nf.Endpoint)
				assert.Equal(t, []string{"classifier-lr", "classifier-xgboost"}, nf.Available)
				assertStatus(t, err, http.StatusNotFound)
			},
		},
		{
			name: "missing output datastore", endpoint: e2eModelEP,
			req: func(local string) batchendpoint.InvokeRequest {
				return batchendpoint.InvokeRequest{Input: inputs.LocalPath(local),
					Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("nostore", "out/x.csv").File()}}
			},
			requests: r(fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteGetDatastore, fake.RouteListDatastores),
			check: func(t *testing.T, err error) {
				var nf *batchendpoint.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, batchendpoint.ResourceDatastore, nf.ResourceType)
				assert.Equal(t, "nostore", nf.Name)
				assert.Contains(t, nf.Available, fake.DefaultDatastore)
				assert.Contains(t, err.Error(), "outputs.score")
				assertStatus(t, err, http.StatusNotFound)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			local := localFolder(t)
			c := e.newClient(t) // cold cache: every lookup is made
			blobs := len(w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"))
			jobs := len(w.Jobs())
			w.ClearRequests()
			_, err := c.Invoke(e2eCtx(t), tc.endpoint, tc.req(local), nil)
			require.Error(t, err)
			tc.check(t, err)
			var got []fake.Route
			for _, rq := range w.Requests() {
				got = append(got, rq.Route)
			}
			assert.Equal(t, tc.requests, got)
			assert.Len(t, w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), blobs, "no blob written")
			assert.Len(t, w.Jobs(), jobs, "no job created")
		})
	}

	// The control: the same kind of request, valid, uploads and creates a job,
	// so the counts above would have seen a write.
	t.Run("valid request uploads", func(t *testing.T) {
		local := localFolder(t)
		blobs := len(w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"))
		jobs := len(w.Jobs())
		_, err := e.newClient(t).Invoke(e2eCtx(t), e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.LocalPath(local)}, nil)
		require.NoError(t, err)
		assert.Len(t, w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), blobs+2)
		assert.Len(t, w.Jobs(), jobs+1)
	})
}

// answerRead closes read when the body of a POST's answer is closed.
type answerRead struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	read chan struct{}
	once sync.Once
}

func (a *answerRead) Do(r *http.Request) (*http.Response, error) {
	resp, err := a.next.Do(r)
	if err == nil && r.Method == http.MethodPost {
		resp.Body = &closeHook{ReadCloser: resp.Body, f: func() { a.once.Do(func() { close(a.read) }) }}
	}
	return resp, err
}

type closeHook struct {
	io.ReadCloser
	f func()
}

func (c *closeHook) Close() error { err := c.ReadCloser.Close(); c.f(); return err }

func assertStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, status, re.StatusCode)
}

// TestNotFoundErrors: every lookup that misses returns a *NotFoundError that
// names the resource, the workspace, what exists and the fix in a few lines,
// and still unwraps to the service's 404.
func TestNotFoundErrors(t *testing.T) {
	e := newE2E(t, &fake.Options{InProcess: true})
	c := e.c
	cases := []struct {
		name      string
		call      func(ctx context.Context) error
		typ       batchendpoint.ResourceType
		res       string
		available []string // nil: not listed
		contains  []string
	}{
		{"GetEndpoint", func(ctx context.Context) error { _, err := c.GetEndpoint(ctx, "heart-classifer", nil); return err },
			batchendpoint.ResourceBatchEndpoint, "heart-classifer", []string{e2eModelEP, e2ePipelineEP},
			[]string{`batch endpoint "heart-classifer" not found`, "available: heart-classifier, heart-pipeline", "az ml batch-endpoint list -g fake-rg -w fake-ws"}},
		{"Invoke deployment", func(ctx context.Context) error {
			_, err := c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Deployment: "xgboost", Input: inputs.StorageURL(e.w.BlobURL(e2eExampleDS, "x"))}, nil)
			return err
		}, batchendpoint.ResourceDeployment, "xgboost", []string{"classifier-lr", "classifier-xgboost"},
			[]string{`deployment "xgboost" not found in batch endpoint "heart-classifier"`, "available: classifier-lr, classifier-xgboost", "InvokeRequest.Deployment"}},
		{"GetDatastore", func(ctx context.Context) error { _, err := c.GetDatastore(ctx, "workspaceblob", nil); return err },
			batchendpoint.ResourceDatastore, "workspaceblob", []string{"adls", e2eExampleDS, "fileshare", fake.DefaultDatastore},
			[]string{`datastore "workspaceblob" not found`, "workspaceblobstore", "az ml datastore list"}},
		{"GetDataAsset latest", func(ctx context.Context) error { _, err := c.GetDataAsset(ctx, "heart-dta", "latest", nil); return err },
			batchendpoint.ResourceDataAsset, "heart-dta", nil,
			[]string{`data asset "heart-dta@latest" not found`, "az ml data list", "service: 404"}},
		{"GetDataAsset version", func(ctx context.Context) error { _, err := c.GetDataAsset(ctx, "heart-dta", "2", nil); return err },
			batchendpoint.ResourceDataAsset, "heart-dta", nil,
			[]string{`data asset "heart-dta:2" not found`, "CreateDataAsset"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(e2eCtx(t))
			var nf *batchendpoint.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tc.typ, nf.ResourceType)
			assert.Equal(t, tc.res, nf.Name)
			assert.Equal(t, e.w.Workspace(), nf.Workspace)
			assert.Equal(t, tc.available, nf.Available)
			assert.NotEmpty(t, nf.Fix)
			assertStatus(t, err, http.StatusNotFound)
			msg := err.Error()
			for _, s := range tc.contains {
				assert.Contains(t, msg, s)
			}
			assert.Contains(t, msg, "workspace fake-ws, resource group fake-rg")
			assert.LessOrEqual(t, strings.Count(msg, "\n"), 4, msg)
			assert.NotContains(t, msg, "RESPONSE", "not azcore's dump")
		})
	}
}

func TestNotFoundErrorFormat(t *testing.T) {
	ws := batchendpoint.Workspace{SubscriptionID: "s", ResourceGroup: "rg", Name: "ws"}
	many := make([]string, 25)
	for i := range many {
		many[i] = "d" + string(rune('a'+i))
	}
	cases := []struct {
		name string
		err  batchendpoint.NotFoundError
		want string
	}{
		{"not listed", batchendpoint.NotFoundError{ResourceType: batchendpoint.ResourceDatastore, Name: "x", Workspace: ws, Fix: "f"},
			"datastore \"x\" not found (workspace ws, resource group rg)\n  fix: f"},
		{"none exist", batchendpoint.NotFoundError{ResourceType: batchendpoint.ResourceDeployment, Name: "d", Endpoint: "ep", Workspace: ws, Available: []string{}},
			"deployment \"d\" not found in batch endpoint \"ep\" (workspace ws, resource group rg)\n  available: none"},
		{"truncated", batchendpoint.NotFoundError{ResourceType: batchendpoint.ResourceDeployment, Name: "d", Endpoint: "ep", Workspace: ws, Available: many},
			"deployment \"d\" not found in batch endpoint \"ep\" (workspace ws, resource group rg)\n  available: " + strings.Join(many[:20], ", ") + ", ... (25 in all)"},
		{"version", batchendpoint.NotFoundError{ResourceType: batchendpoint.ResourceDataAsset, Name: "a", Version: "7", Workspace: ws},
			"data asset \"a:7\" not found (workspace ws, resource group rg)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
			assert.Nil(t, errors.Unwrap(&tc.err))
		})
	}
}

// lookupEnv is a workspace without storage (lookups and POSTs only): one model
// endpoint with two deployments.
func lookupEnv(t *testing.T) *fake.Workspace {
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true, NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	noop := func(context.Context, fake.MiniBatch) ([]string, error) { return nil, nil }
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost", Score: noop})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-lr", Score: noop})
	return w
}

func newClient(t *testing.T, w *fake.Workspace) *batchendpoint.Client {
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), w.ClientOptions())
	require.NoError(t, err)
	return c
}

// TestInvokeCoalescesLookups: 64 concurrent first invokes on one client make
// one endpoint GET and one deployment GET. The endpoint GET is slowed down so
// that every caller is waiting while it runs: a cache alone would not help.
func TestInvokeCoalescesLookups(t *testing.T) {
	w := lookupEnv(t)
	c := newClient(t, w)
	w.ClearRequests()
	slow := w.InjectFault(fake.Fault{Route: fake.RouteGetBatchEndpoint, Times: -1, Delay: 300 * time.Millisecond})
	defer slow.Remove()
	ctx := e2eCtx(t)
	req := batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)}
	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = c.Invoke(ctx, e2eModelEP, req, nil) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], i)
	}
	assert.Equal(t, n, w.RequestCount(fake.RouteInvoke))
	assert.Equal(t, 2, w.RequestCount()-w.RequestCount(fake.RouteInvoke), "ARM lookups")
	assert.Equal(t, 1, w.RequestCount(fake.RouteGetBatchEndpoint))
	assert.Equal(t, 1, w.RequestCount(fake.RouteGetDeployment))

	t.Run("datastore and @latest data asset", func(t *testing.T) {
		w.AddDataAsset(fake.DataAsset{Name: "heart-data", Version: "1", Path: "azureml://datastores/workspaceblobstore/paths/heart"})
		c := newClient(t, w)
		_, err := c.GetEndpoint(ctx, e2eModelEP, nil) // endpoint cached: the callers meet at the next lookups
		require.NoError(t, err)
		w.ClearRequests()
		for _, r := range []fake.Route{fake.RouteGetDeployment, fake.RouteGetDatastore, fake.RouteListDataVersions} {
			f := w.InjectFault(fake.Fault{Route: r, Times: -1, Delay: 300 * time.Millisecond})
			defer f.Remove()
		}
		req := batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest"),
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(fake.DefaultDatastore, "out/p.csv").File()}}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = c.Invoke(ctx, e2eModelEP, req, nil) })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], i)
		}
		assert.Equal(t, 1, w.RequestCount(fake.RouteGetDeployment))
		assert.Equal(t, 1, w.RequestCount(fake.RouteListDataVersions), "the @latest lookup is shared while in flight")
		assert.Equal(t, 1, w.RequestCount(fake.RouteGetDatastore))
		assert.Equal(t, 3, w.RequestCount()-w.RequestCount(fake.RouteInvoke), "ARM lookups")
	})

	t.Run("one caller's cancel does not fail the others", func(t *testing.T) {
		c := newClient(t, w)
		w.ClearRequests()
		slow := w.InjectFault(fake.Fault{Route: fake.RouteGetBatchEndpoint, Times: -1, Delay: time.Second})
		defer slow.Remove()
		// The quitter starts the shared lookup (on a context detached from its
		// own), the stayer joins it, then the quitter gives up.
		quitter, quit := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var quitErr, stayErr error
		wg.Go(func() { _, quitErr = c.Invoke(quitter, e2eModelEP, req, nil) })
		require.Eventually(t, func() bool { return w.RequestCount(fake.RouteGetBatchEndpoint) == 1 }, 5*time.Second, time.Millisecond)
		wg.Go(func() { _, stayErr = c.Invoke(ctx, e2eModelEP, req, nil) })
		time.Sleep(100 * time.Millisecond) // let the stayer join; the lookup takes a second
		quit()
		wg.Wait()
		assert.ErrorIs(t, quitErr, context.Canceled)
		require.NoError(t, stayErr)
		assert.Equal(t, 1, w.RequestCount(fake.RouteGetBatchEndpoint), "the shared lookup was not restarted")
		assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke))
	})
}

// TestInvokeCancel: Invoke returns promptly after a cancel during a lookup,
// during the POST and during a Retry-After wait (latency logged; BENCHMARKS.md),
// sends nothing more, and says what it knows.
func TestInvokeCancel(t *testing.T) {
	w := lookupEnv(t)
	req := batchendpoint.InvokeRequest{Input: inputs.Datastore(fake.DefaultDatastore, e2eUnlabeled)}
	cases := []struct {
		name  string
		fault fake.Fault
		wait  fake.Route // cancel once this request arrived
		check func(t *testing.T, err error)
	}{
		{"during the endpoint lookup", fake.Fault{Route: fake.RouteGetBatchEndpoint, Delay: time.Minute}, fake.RouteGetBatchEndpoint,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, context.Canceled) }},
		{"during the deployment lookup", fake.Fault{Route: fake.RouteGetDeployment, Delay: time.Minute}, fake.RouteGetDeployment,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, context.Canceled) }},
		{"during the POST", fake.Fault{Route: fake.RouteInvoke, Delay: time.Minute}, fake.RouteInvoke,
			func(t *testing.T, err error) {
				var amb *batchendpoint.AmbiguousInvokeError
				require.ErrorAs(t, err, &amb, "the POST was written: a job may exist")
				assert.Regexp(t, uuidRE, amb.RepeatabilityID)
				assert.ErrorIs(t, err, context.Canceled)
			}},
		{"during a Retry-After wait", fake.Fault{Route: fake.RouteInvoke, Action: fake.FaultRespond, Status: http.StatusTooManyRequests, RetryAfter: "30"}, fake.RouteInvoke,
			func(t *testing.T, err error) {
				var ie *batchendpoint.InvokeInterruptedError
				require.ErrorAs(t, err, &ie)
				assert.Regexp(t, uuidRE, ie.RepeatabilityID)
				assert.False(t, ie.MayExist)
				assert.Equal(t, 30*time.Second, ie.Wait)
				assert.ErrorIs(t, err, context.Canceled)
				assertStatus(t, err, http.StatusTooManyRequests)
				assert.Contains(t, err.Error(), ie.RepeatabilityID)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// read is closed once the client has read a POST's answer: after
			// that, all it does before sleeping is in memory.
			read := make(chan struct{})
			o := w.ClientOptions()
			o.Transport = &answerRead{next: o.Transport, read: read}
			c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
			require.NoError(t, err)
			w.ClearRequests()
			f := w.InjectFault(tc.fault)
			defer f.Remove()
			ctx, cancel := context.WithCancel(context.Background()) // no deadline: the Retry-After wait would end at once
			defer cancel()
			done := make(chan error, 1)
			go func() { _, err := c.Invoke(ctx, e2eModelEP, req, nil); done <- err }()
			require.Eventually(t, func() bool { return f.Hits() == 1 && w.RequestCount(tc.wait) == 1 }, 10*time.Second, time.Millisecond)
			if tc.fault.RetryAfter != "" {
				select { // the 429 must have been read for the client to be sleeping
				case <-read:
				case <-time.After(10 * time.Second):
					t.Fatal("the 429 was not read")
				}
			}
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				// The latency is reported, not asserted (no timing assertions);
				// the 5 s bound below only catches a hang.
				t.Logf("%s: returned %v after cancel", tc.name, time.Since(start))
				tc.check(t, err)
			case <-time.After(5 * time.Second):
				t.Fatal("Invoke did not return after cancel")
			}
			assert.Equal(t, 1, w.RequestCount(tc.wait), "not resent")
		})
	}

	t.Run("Retry-After beyond the deadline returns at once", func(t *testing.T) {
		c := newClient(t, w)
		w.ClearRequests()
		w.FailRequests(fake.RouteInvoke, 1, http.StatusServiceUnavailable, "30")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Invoke(ctx, e2eModelEP, req, nil)
		var ie *batchendpoint.InvokeInterruptedError
		require.ErrorAs(t, err, &ie)
		assert.True(t, ie.MayExist, "a 503 may come after the job was created")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NoError(t, ctx.Err(), "returned before the deadline, without sleeping")
		assert.Contains(t, err.Error(), ie.RepeatabilityID)
		assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke))
	})
}

// TestCreateDataAssetLooksUpBeforeUpload: the version lookup comes before the
// upload of a local path, so a version that cannot be chosen writes nothing.
func TestCreateDataAssetLooksUpBeforeUpload(t *testing.T) {
	w := fake.NewWorkspace(t, &fake.Options{InProcess: true})
	w.AddDataAsset(fake.DataAsset{Name: "named-versions", Version: "v1", Path: "azureml://datastores/workspaceblobstore/paths/x"})
	local := localFolder(t)
	_, err := w.Client().CreateDataAsset(e2eCtx(t), batchendpoint.DataAssetSpec{Name: "named-versions", Path: local}, nil)
	var ve *batchendpoint.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "DataAssetSpec.Version", ve.Field)
	assert.Empty(t, w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), "nothing uploaded")

	// The control: with a version the same call uploads.
	_, err = w.Client().CreateDataAsset(e2eCtx(t), batchendpoint.DataAssetSpec{Name: "named-versions", Version: "v2", Path: local}, nil)
	require.NoError(t, err)
	assert.Len(t, w.ListBlobs(fake.DefaultDatastore, "LocalUpload/"), 2)
}
