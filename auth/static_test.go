package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tok    = "opaque-SECRET-token-value-0123456789"
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// jwt builds an unsigned JWT-shaped token with the given claims.
func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJlLVNFQ1JFVA"
}

func scopes(s ...string) policy.TokenRequestOptions { return policy.TokenRequestOptions{Scopes: s} }

func TestNewStaticTokenErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		token   string
		exp     time.Time
		want    string
		expired bool
	}{
		{"empty", "", t0.Add(time.Hour), "auth: NewStaticToken: token is empty", false},
		{"blank", " \n\t", t0.Add(time.Hour), "auth: NewStaticToken: token is empty", false},
		{"bearer prefix", "Bearer " + tok, t0.Add(time.Hour), `token starts with "Bearer "`, false},
		{"bearer prefix lower", "bearer " + tok, t0.Add(time.Hour), `token starts with "Bearer "`, false},
		{"json", `{"accessToken":"` + tok + `","expiresOn":"2026-05-01 13:00:00"}`, t0.Add(time.Hour), "looks like JSON; pass only its accessToken field", false},
		{"inner space", "abc " + tok, t0.Add(time.Hour), "contains whitespace or control characters", false},
		{"control char", tok + "\x00x", t0.Add(time.Hour), "contains whitespace or control characters", false},
		{"zero expiry opaque", tok, time.Time{}, "expiresOn is zero and the token is not a JWT with an exp claim", false},
		{"zero expiry jwt without exp", jwt(`{"aud":"https://ml.azure.com"}`), time.Time{}, "not a JWT with an exp claim", false},
		{"zero expiry jwt bad payload", "eyJ.!!!" + tok + ".sig", time.Time{}, "not a JWT with an exp claim", false},
		{"expired", tok, t0.Add(-90 * time.Second), "auth: NewStaticToken: static token expired at 2026-05-01T11:58:30Z (1m30s ago); get a new one (az account get-access-token --resource https://ml.azure.com)", true},
		{"expires now", tok, t0, "static token expired", true},
		{"expired jwt exp", jwt(fmt.Sprintf(`{"exp":%d}`, t0.Add(-time.Hour).Unix())), time.Time{}, "static token expired at 2026-05-01T11:00:00Z", true},
	}
	for _, c := range cases {
		cred, err := newStaticToken(c.token, c.exp, nil, fixedNow(t0))
		require.Error(t, err, c.name)
		assert.Nil(t, cred, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
		assert.Equal(t, c.expired, errors.Is(err, ErrTokenExpired), c.name)
		assertNoSecret(t, err.Error(), c.token, c.name)
	}
}

func TestStaticTokenGetToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ml := &StaticTokenOptions{Audience: AudienceMLPublic}
	cases := []struct {
		name      string
		opts      *StaticTokenOptions
		req       policy.TokenRequestOptions
		wantErr   []string
		wrongAud  bool
		wantToken bool
	}{
		{"unbound ml", nil, scopes(Scope(AudienceMLPublic)), nil, false, true},
		{"unbound arm", nil, scopes(Scope(AudienceResourceManager)), nil, false, true},
		{"bound ml", ml, scopes("https://ml.azure.com/.default"), nil, false, true},
		{"bound ml double slash", ml, scopes("https://ml.azure.com//.default"), nil, false, true},
		{"bound ml upper case", ml, scopes("HTTPS://ML.AZURE.COM/.default"), nil, false, true},
		{"bound via scope form", &StaticTokenOptions{Audience: "https://ml.azure.com/.default"}, scopes(Scope(AudienceMLPublic)), nil, false, true},
		{"bound trailing slash", &StaticTokenOptions{Audience: "https://ml.azure.com/"}, scopes(Scope(AudienceMLPublic)), nil, false, true},
		{"tenant ignored", ml, policy.TokenRequestOptions{Scopes: []string{Scope(AudienceMLPublic)}, TenantID: tenant}, nil, false, true},
		{"bound ml asked arm", ml, scopes(Scope(AudienceResourceManager)), []string{
			`auth: static token requested for another audience: the token is for https://ml.azure.com but scope "https://management.azure.com/.default" was requested`,
			"Azure Resource Manager calls", "azidentity.NewAzureCLICredential", "DataPlaneOnly"}, true, false},
		{"bound ml asked arm classic", ml, scopes("https://management.core.windows.net//.default"), []string{"Azure Resource Manager calls"}, true, false},
		// azcore's ARM pipeline asks for the classic audience; a token for either ARM identifier serves it.
		{"bound arm asked arm classic", &StaticTokenOptions{Audience: AudienceResourceManager}, scopes("https://management.core.windows.net//.default"), nil, false, true},
		{"bound arm classic asked arm", &StaticTokenOptions{Audience: "https://management.core.windows.net/"}, scopes(Scope(AudienceResourceManager)), nil, false, true},
		{"bound arm asked ml", &StaticTokenOptions{Audience: AudienceResourceManager}, scopes(Scope(AudienceMLPublic)), []string{"the token is for https://management.azure.com"}, true, false},
		{"bound ml asked storage", ml, scopes(Scope(AudienceStorage)), []string{
			`scope "https://storage.azure.com/.default" was requested`, "or a separate static token for that audience"}, true, false},
		{"bound ml asked china", ml, scopes(Scope(AudienceMLChina)), []string{"the token is for https://ml.azure.com"}, true, false},
		{"one of two scopes wrong", ml, scopes(Scope(AudienceMLPublic), Scope(AudienceStorage)), []string{"storage.azure.com"}, true, false},
		{"no scopes", nil, policy.TokenRequestOptions{}, []string{"auth: static token: no scope requested"}, false, false},
		{"claims challenge", nil, policy.TokenRequestOptions{Scopes: []string{Scope(AudienceMLPublic)}, Claims: `{"access_token":{"nbf":{"essential":true}}}`},
			[]string{"Continuous Access Evaluation", "get a new token"}, false, false},
	}
	for _, c := range cases {
		cred, err := newStaticToken(tok, t0.Add(time.Hour), c.opts, fixedNow(t0))
		require.NoError(t, err, c.name)
		at, err := cred.GetToken(ctx, c.req)
		if c.wantToken {
			require.NoError(t, err, c.name)
			assert.Equal(t, tok, at.Token, c.name)
			assert.Equal(t, t0.Add(time.Hour), at.ExpiresOn, c.name)
			continue
		}
		require.Error(t, err, c.name)
		assert.Empty(t, at.Token, c.name)
		for _, w := range c.wantErr {
			assert.Contains(t, err.Error(), w, c.name)
		}
		assert.Equal(t, c.wrongAud, errors.Is(err, ErrWrongAudience), c.name)
		assertNoSecret(t, err.Error(), tok, c.name)
	}
}

func TestStaticTokenExpiresAfterConstruction(t *testing.T) {
	t.Parallel()
	now := t0
	cred, err := newStaticToken(tok, t0.Add(time.Minute), &StaticTokenOptions{Audience: AudienceMLGovernment}, func() time.Time { return now })
	require.NoError(t, err)
	_, err = cred.GetToken(context.Background(), scopes(Scope(AudienceMLGovernment)))
	require.NoError(t, err)

	now = t0.Add(2 * time.Minute)
	_, err = cred.GetToken(context.Background(), scopes(Scope(AudienceMLGovernment)))
	require.ErrorIs(t, err, ErrTokenExpired)
	assert.Equal(t, "auth: static token expired at 2026-05-01T12:01:00Z (1m0s ago); get a new one (az account get-access-token --resource https://ml.azure.us) or use a credential that refreshes itself, such as azidentity.NewAzureCLICredential or azidentity.NewDefaultAzureCredential", err.Error())
}

func TestStaticTokenCanceledContext(t *testing.T) {
	t.Parallel()
	cred, err := NewStaticToken(tok, time.Now().Add(time.Hour), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = cred.GetToken(ctx, scopes(Scope(AudienceMLPublic)))
	require.ErrorIs(t, err, context.Canceled)
}

func TestStaticTokenJWTExpiry(t *testing.T) {
	t.Parallel()
	exp := t0.Add(75 * time.Minute)
	cases := []struct{ name, claims string }{
		{"integer", fmt.Sprintf(`{"aud":"https://ml.azure.com","exp":%d}`, exp.Unix())},
		{"float", fmt.Sprintf(`{"exp":%d.0}`, exp.Unix())},
	}
	for _, c := range cases {
		j := jwt(c.claims)
		cred, err := newStaticToken(j, time.Time{}, nil, fixedNow(t0))
		require.NoError(t, err, c.name)
		at, err := cred.GetToken(context.Background(), scopes(Scope(AudienceMLPublic)))
		require.NoError(t, err, c.name)
		assert.Equal(t, j, at.Token, c.name)
		assert.True(t, exp.Equal(at.ExpiresOn), c.name)
	}
	// An explicit expiry wins over the claim.
	cred, err := newStaticToken(jwt(fmt.Sprintf(`{"exp":%d}`, exp.Unix())), t0.Add(time.Minute), nil, fixedNow(t0))
	require.NoError(t, err)
	at, err := cred.GetToken(context.Background(), scopes("x/.default"))
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Minute), at.ExpiresOn)
	// Surrounding whitespace (a token read from a file) is trimmed.
	cred, err = newStaticToken("\n"+tok+"\r\n", t0.Add(time.Minute), nil, fixedNow(t0))
	require.NoError(t, err)
	at, err = cred.GetToken(context.Background(), scopes("x/.default"))
	require.NoError(t, err)
	assert.Equal(t, tok, at.Token)
}

// assertNoSecret checks s for the token and for encodings of it that a careless
// format verb would produce.
func assertNoSecret(t *testing.T, s, secret, msg string) {
	t.Helper()
	if strings.TrimSpace(secret) == "" {
		return
	}
	for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret))), "SECRET"} {
		assert.NotContains(t, s, form, "%s: output leaks the token: %s", msg, s)
	}
}

type holder struct {
	Cred  azcore.TokenCredential
	inner azcore.TokenCredential
}

func TestStaticTokenRedaction(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{tok, jwt(`{"exp":9999999999,"SECRET":"x"}`)} {
		sc, err := newStaticToken(secret, t0.Add(time.Hour), &StaticTokenOptions{Audience: AudienceMLPublic}, fixedNow(t0))
		require.NoError(t, err)
		var c azcore.TokenCredential = sc // as callers hold it
		want := "auth.StaticToken{audience: https://ml.azure.com, expiresOn: 2026-05-01T13:00:00Z, token: REDACTED}"
		assert.Equal(t, want, fmt.Sprint(c))
		assert.Equal(t, want, fmt.Sprintf("%#v", c))

		h := holder{Cred: c, inner: c}
		outs := map[string]string{
			"String":    c.(fmt.Stringer).String(),
			"GoString":  c.(fmt.GoStringer).GoString(),
			"Sprintln":  fmt.Sprintln(c),
			"holder %v": fmt.Sprintf("%v", h), "holder %+v": fmt.Sprintf("%+v", h), "holder %#v": fmt.Sprintf("%#v", h),
			"holder ptr %+v": fmt.Sprintf("%+v", &h),
			"slice":          fmt.Sprintf("%v %+v %#v", []azcore.TokenCredential{c}, []azcore.TokenCredential{c}, []azcore.TokenCredential{c}),
			"map":            fmt.Sprintf("%v %#v", map[string]azcore.TokenCredential{"k": c}, map[string]azcore.TokenCredential{"k": c}),
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p", "%10.3s", "%-v"} {
			outs[verb] = fmt.Sprintf(verb, c)
		}
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			outs["error wrap "+verb] = fmt.Errorf("wrapped: "+verb, c).Error()
		}
		js, err := json.Marshal(h)
		require.NoError(t, err)
		outs["json"] = string(js)
		var text, jsonLog bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("cred", "cred", c, "h", h)
		slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("cred", "cred", c)
		outs["slog text"], outs["slog json"] = text.String(), jsonLog.String()

		for name, out := range outs {
			assertNoSecret(t, out, secret, name)
			// The JWT payload (claims) is part of the token too.
			if parts := strings.Split(secret, "."); len(parts) == 3 {
				assert.NotContains(t, out, parts[1], name)
				assert.NotContains(t, out, parts[2], name)
			}
		}
		assert.Contains(t, outs["holder %+v"], "REDACTED")
		assert.Contains(t, outs["json"], "REDACTED")
		assert.Contains(t, outs["slog json"], "REDACTED")
	}

	// Unbound and expired descriptions.
	c, err := newStaticToken(tok, t0.Add(time.Hour), nil, fixedNow(t0))
	require.NoError(t, err)
	assert.Equal(t, "auth.StaticToken{audience: any, expiresOn: 2026-05-01T13:00:00Z, token: REDACTED}", fmt.Sprint(c))
}

// TestStaticTokenInPipeline checks the credential works with azcore's bearer token
// policy over TLS, and that a scope mismatch surfaces to the caller before any request.
func TestStaticTokenInPipeline(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		gotAuth []string
	)
	seen := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), gotAuth...) }
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)

	cred, err := NewStaticToken(tok, time.Now().Add(time.Hour), &StaticTokenOptions{Audience: AudienceMLPublic})
	require.NoError(t, err)
	newClient := func(scope string) *azcore.Client {
		c, err := azcore.NewClient("azmlbatch.authtest", "v0.0.0", runtime.PipelineOptions{
			PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(cred, []string{scope}, nil)},
		}, &azcore.ClientOptions{Transport: srv.Client(), Retry: policy.RetryOptions{MaxRetries: -1}})
		require.NoError(t, err)
		return c
	}
	do := func(c *azcore.Client) error {
		req, err := runtime.NewRequest(context.Background(), http.MethodGet, srv.URL)
		require.NoError(t, err)
		resp, err := c.Pipeline().Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}

	require.NoError(t, do(newClient(Scope(AudienceMLPublic))))
	require.Equal(t, []string{"Bearer " + tok}, seen())

	err = do(newClient(Scope(AudienceResourceManager)))
	require.ErrorIs(t, err, ErrWrongAudience)
	assertNoSecret(t, err.Error(), tok, "pipeline error")
	assert.Len(t, seen(), 1, "a request was sent despite the scope mismatch")
}
