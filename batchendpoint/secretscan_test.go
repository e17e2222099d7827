package batchendpoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// azuriteAccountKey is the published key of Azurite's devstoreaccount1, which
// the fake's datastores use and listSecrets returns.
const azuriteAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// next returns the index of the next key in s after i, or -1.
func next(s, key string, i int) int {
	j := strings.Index(s[i+1:], key)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// recordingCredential remembers every token it hands out and every scope asked.
type recordingCredential struct {
	azcore.TokenCredential
	mu     sync.Mutex
	tokens []string
	scopes []string
}

func (c *recordingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, o)
	c.mu.Lock()
	c.scopes = append(c.scopes, o.Scopes...)
	if err == nil {
		c.tokens = append(c.tokens, tok.Token)
	}
	c.mu.Unlock()
	return tok, err
}

func (c *recordingCredential) scopesAsked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.scopes...)
}

func (c *recordingCredential) issued() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.tokens...)
}

// logCapture is an azcore log listener keeping every event.
type logCapture struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logCapture) listen(ev log.Event, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, "[%s] %s\n", ev, msg)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretScan runs a representative flow on the fake workspace with every
// azcore log event captured (what AZURE_SDK_GO_LOGGING=all writes) and body
// logging asked for, prints every error and result with %v, %+v and %#v, and
// finds none of the secrets involved in any spelling: the bearer tokens the
// client was issued, a SAS signature, the storage account key, a URL password.
func TestSecretScan(t *testing.T) {
	logs := &logCapture{}
	log.SetListener(logs.listen)
	log.SetEvents() // all events, as AZURE_SDK_GO_LOGGING=all
	t.Cleanup(func() { log.SetListener(nil) })

	e := newE2E(t, nil)
	w := e.w
	cred := &recordingCredential{TokenCredential: w.Credential()}
	opts := w.ClientOptions()
	opts.Logging.IncludeBody = true
	c, err := batchendpoint.NewClient(w.Workspace(), cred, opts)
	require.NoError(t, err)
	ctx := e2eCtx(t)

	sasURL := w.SASURL(fake.DefaultDatastore, e2eUnlabeled)
	sigEncoded := e2eSig(t, sasURL) // as in the URL: percent-encoded base64
	sig, err := url.QueryUnescape(sigEncoded)
	require.NoError(t, err)
	const password = "pa55-w0rd-s3cret"
	pwURL := strings.Replace(w.BlobURL(fake.DefaultDatastore, e2eUnlabeled), "://", "://someone:"+password+"@", 1)
	// A token the client holds, to echo back from the service.
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://ml.azure.com/.default"}})
	require.NoError(t, err)

	var printed []string
	show := func(vals ...any) {
		for _, v := range vals {
			printed = append(printed, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v))
			if err, ok := v.(error); ok && err != nil {
				printed = append(printed, err.Error())
				for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
					printed = append(printed, fmt.Sprintf("%v", u), fmt.Sprintf("%+v", u), fmt.Sprintf("%#v", u))
				}
				var re *azcore.ResponseError
				if errors.As(err, &re) {
					printed = append(printed, re.Error())
				}
			}
		}
	}
	wait := func(job *batchendpoint.Job) (batchendpoint.JobDetails, error) {
		d, err := job.Wait(ctx, e2eWait)
		tokResume, terr := job.ResumeToken()
		show(job, d, err, job.Details(), tokResume, terr)
		return d, err
	}

	t.Run("SAS storage URL input", func(t *testing.T) {
		req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL)}
		show(req, req.Input)
		job, err := c.Invoke(ctx, e2eModelEP, req, nil)
		show(err)
		require.NoError(t, err)
		d, err := wait(job)
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		assert.Contains(t, d.Inputs["UriFolder"].URI, sigEncoded, "the field keeps the real value")
		res, err := job.DownloadOutputs(ctx, t.TempDir(), nil) // listSecrets again
		show(res, err)
		require.NoError(t, err)
	})

	t.Run("output on a SAS datastore, downloaded", func(t *testing.T) {
		w.AddDatastore(fake.Datastore{Name: "sasstore", Credentials: fake.CredentialsSAS})
		req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL),
			Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("sasstore", "scan/predictions.csv").File()}}
		show(req)
		job, err := c.Invoke(ctx, e2eModelEP, req, nil)
		show(err)
		require.NoError(t, err)
		_, err = wait(job)
		require.NoError(t, err)
		res, err := job.DownloadOutputs(ctx, t.TempDir(), &batchendpoint.DownloadOutputsOptions{OutputName: "score"}) // listSecrets answers a SAS token
		show(res, err)
		require.NoError(t, err)
	})

	t.Run("literal holding a SAS URL and a local upload", func(t *testing.T) {
		req := batchendpoint.InvokeRequest{Deployment: "multi", Inputs: map[string]inputs.Input{
			"note":  inputs.String("read " + sasURL),
			"local": inputs.LocalPath(filepath.Join(e.dir, "data")),
		}}
		show(req)
		job, err := c.Invoke(ctx, e2ePipelineEP, req, nil)
		show(err)
		require.NoError(t, err)
		d, err := wait(job)
		require.NoError(t, err)
		assert.Contains(t, d.Inputs["note"].Value, sigEncoded, "the literal reached the job unredacted")
	})

	t.Run("URL with a password", func(t *testing.T) {
		req := batchendpoint.InvokeRequest{Input: inputs.StorageURL(pwURL)}
		show(req, req.Input, req.Input.Validate(), req.Validate())
		job, err := c.Invoke(ctx, e2eModelEP, req, nil)
		show(err)
		if err == nil { // until user info is rejected offline, the job fails reading it
			_, _ = wait(job)
		}
	})

	t.Run("service error echoing the SAS in every encoding", func(t *testing.T) {
		echo := "cannot read " + sasURL + " | " + url.QueryEscape(sasURL) + " | " + url.QueryEscape(url.QueryEscape(sasURL)) +
			` | {"Uri":"` + sasURL + `"} | Authorization: Bearer ` + tok.Token + " | " + pwURL
		f := w.InjectFault(fake.Fault{Route: fake.RouteInvoke, Action: fake.FaultRespond, Status: http.StatusBadRequest,
			Code: "UserError", Message: echo, Header: http.Header{"X-Echo": {sasURL}}})
		defer f.Remove()
		_, err := c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL)}, nil)
		show(err)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "UserError", re.ErrorCode, "the redacted body still parses")
		assert.Contains(t, re.Error(), "sig=REDACTED")
		assert.Contains(t, re.Error(), "Bearer REDACTED")
		assert.Equal(t, 1, f.Hits())
	})

	t.Run("failed job whose Run History message quotes secrets", func(t *testing.T) {
		w.FailNextJob("ScoringScriptError", "could not open "+sasURL+" (Authorization: Bearer "+tok.Token+"), key "+azuriteAccountKey)
		job, err := c.Invoke(ctx, e2eModelEP, batchendpoint.InvokeRequest{Input: inputs.StorageURL(sasURL)}, nil)
		show(err)
		require.NoError(t, err)
		_, err = wait(job)
		var jf *batchendpoint.JobFailedError
		require.ErrorAs(t, err, &jf)
		assert.Equal(t, "ScoringScriptError", jf.Code)
		assert.Contains(t, jf.Message, "sig=REDACTED")
		require.NotNil(t, jf.Job.Error)
		assert.Contains(t, jf.Job.Error.Message, "sig=REDACTED", "JobDetails.Error is stored redacted")
		show(jf.Job, jf.Message, jf.Job.Error.Message)
	})

	// The scan.
	tokens := cred.issued()
	require.NotEmpty(t, tokens)
	secrets := map[string]string{
		"SAS signature":                sig,
		"SAS signature, its start":     sig[:12],
		"SAS signature, URL-encoded":   sigEncoded,
		"SAS signature, double-encode": url.QueryEscape(sigEncoded),
		"account key":                  azuriteAccountKey,
		"account key, its start":       azuriteAccountKey[:16],
		"URL password":                 password,
	}
	if b, err := json.Marshal(sig); err == nil {
		secrets["SAS signature, JSON"] = strings.Trim(string(b), `"`)
	}
	for i, tk := range tokens {
		secrets[fmt.Sprintf("token %d", i)] = tk
		if parts := strings.Split(tk, "."); len(parts) == 3 {
			secrets[fmt.Sprintf("token %d claims", i)] = parts[1]
		}
	}
	logText := logs.String()
	all := map[string]string{"log": logText, "printed": strings.Join(printed, "\n")}
	for where, text := range all {
		for what, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s found in %s: ...%s...", what, where, text[max(0, i-200):min(len(text), i+len(s)+40)])
			}
		}
	}

	// Any SAS signature, also ones the test never saw (the SAS datastore's).
	for where, text := range all {
		low := strings.ToLower(text)
		for _, key := range []string{"sig=", "sig%3d", "sig%253d", `sig\u003d`} {
			for i := strings.Index(low, key); i >= 0; i = next(low, key, i) {
				if rest := text[i+len(key):]; !strings.HasPrefix(rest, "REDACTED") && !strings.HasPrefix(rest, "&") && rest != "" {
					t.Errorf("a signature in %s: ...%s...", where, text[max(0, i-100):min(len(text), i+60)])
				}
			}
		}
	}

	// The scan looked at something: the flow was logged and printed.
	assert.Contains(t, logText, "/listSecrets", "the upload's listSecrets request was logged")
	assert.NotContains(t, logText, `"secretsType"`, "no listSecrets body in the log")
	assert.Contains(t, logText, "[ResponseError]", "service errors are logged")
	assert.Contains(t, logText, "UserError")
	assert.Greater(t, len(printed), 50)
	if t.Failed() {
		_ = os.WriteFile(filepath.Join(t.TempDir(), "log.txt"), []byte(logText), 0o644)
	}
}
