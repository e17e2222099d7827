package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

const (
	sub    = "00000000-1111-2222-3333-444444444444"
	rg     = "test-rg"
	wsName = "my-ws"
	apiV   = "2025-12-01"
)

// One Azurite for the package, started on first use: most tests need no storage.
var (
	azOnce sync.Once
	azInst *azurite.Instance
	azErr  error
)

// TestMain stops the shared Azurite and then fails the run if any goroutine is
// left behind (a job, a handler or a connection the emulator did not end).
func TestMain(m *testing.M) {
	code := m.Run()
	if azInst != nil {
		_ = azInst.Stop()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func storage(t *testing.T) *azurite.Instance {
	t.Helper()
	azOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		azInst, azErr = azurite.Start(ctx, nil)
	})
	require.NoError(t, azErr, "start azurite")
	return azInst
}

type env struct {
	t  *testing.T
	s  *emulator.Server
	ws *emulator.Workspace
	hc *http.Client
	az *azurite.Instance
	// container is the workspaceblobstore container (unique per test).
	container string
}

type envOpts struct {
	storage bool
	opts    *emulator.Options
}

// newEnv starts an emulator with workspace my-ws, endpoint "heart" (model
// deployment "classifier", default) and endpoint "pipe" (pipeline deployment
// "hello"), plus datastores: workspaceblobstore (default), otherblob, gen2 (ADLS
// Gen2) and files (AzureFile). With storage they are backed by Azurite.
func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	opts := o.opts
	if opts == nil {
		opts = &emulator.Options{}
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := emulator.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Start())
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName, Location: "westus2"})
	require.NoError(t, err)
	e := &env{t: t, s: s, ws: ws, hc: s.HTTPClient()}
	e.container = "ws-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	svc, name, key := "", "devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	if o.storage {
		e.az = storage(t)
		svc = e.az.BlobURL()
	}
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "workspaceblobstore", ServiceURL: svc, AccountName: name, AccountKey: key, Container: e.container, Default: true}))
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "otherblob", ServiceURL: svc, AccountName: name, AccountKey: key, Container: e.container + "-b"}))
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "gen2", Type: emulator.DatastoreAzureDataLakeGen2, ServiceURL: svc, AccountName: name, AccountKey: key, Container: e.container + "-g"}))
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "files", Type: emulator.DatastoreAzureFile, AccountName: name, AccountKey: key, Container: "share"}))
	if o.storage {
		require.NoError(t, ws.EnsureContainers(context.Background()))
	}
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "heart", DefaultDeployment: "classifier"}))
	require.NoError(t, ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "classifier", MiniBatchSize: 2}))
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "pipe", DefaultDeployment: "hello"}))
	require.NoError(t, ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "hello"}))
	return e
}

func (e *env) token(aud string) string {
	tok, _ := emulator.MintToken("", aud, time.Hour)
	return tok
}

func (e *env) armURL(path string, query ...string) string {
	u := e.s.ARMEndpoint() + e.ws.ID() + path + "?api-version=" + apiV
	for _, q := range query {
		u += "&" + q
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errCode returns error.code and error.message of an error envelope.
func (r resp) errCode(t *testing.T) (string, string) {
	t.Helper()
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	require.True(t, ok, "no error envelope: %s", r.body)
	return e["code"].(string), e["message"].(string)
}

// do sends a raw request with a bearer token for aud ("" = no Authorization).
func (e *env) do(method, url, aud string, body any, hdr map[string]string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if aud != "" {
		req.Header.Set("Authorization", "Bearer "+e.token(aud))
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.hc.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) arm(method, path string, body any, query ...string) resp {
	e.t.Helper()
	return e.do(method, e.armURL(path, query...), emulator.AudienceARM, body, nil)
}

// invoke posts body to endpoint's scoring URI with an ML token.
func (e *env) invoke(endpoint string, body any, hdr map[string]string) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.ws.ScoringURI(endpoint), emulator.AudienceML, body, hdr)
}

// invokeOK invokes and returns the created job's name.
func (e *env) invokeOK(endpoint string, body any, hdr map[string]string) string {
	e.t.Helper()
	r := e.invoke(endpoint, body, hdr)
	require.Equal(e.t, http.StatusCreated, r.status, "body: %s", r.body)
	return r.json(e.t)["name"].(string)
}

func (e *env) wait(name string) emulator.JobInfo {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := e.s.WaitJob(ctx, name)
	require.NoError(e.t, err)
	return info
}

// upload writes blobs into the workspaceblobstore container.
func (e *env) upload(datastore string, files map[string]string) {
	e.t.Helper()
	cc, err := e.ws.ContainerClient(datastore)
	require.NoError(e.t, err)
	for name, data := range files {
		_, err := cc.NewBlockBlobClient(name).UploadBuffer(context.Background(), []byte(data), nil)
		require.NoError(e.t, err)
	}
}

func (e *env) download(datastore, name string) string {
	e.t.Helper()
	cc, err := e.ws.ContainerClient(datastore)
	require.NoError(e.t, err)
	r, err := cc.NewBlobClient(name).DownloadStream(context.Background(), nil)
	require.NoError(e.t, err, "download %s", name)
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	require.NoError(e.t, err)
	return string(b)
}

func input(typ, uri string) map[string]any { return map[string]any{"jobInputType": typ, "uri": uri} }

func literal(v any) map[string]any { return map[string]any{"jobInputType": "Literal", "value": v} }

func body(inputs map[string]any, extra map[string]any) map[string]any {
	p := map[string]any{"inputData": inputs}
	for k, v := range extra {
		p[k] = v
	}
	return map[string]any{"properties": p}
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

var _ = fmt.Sprintf
