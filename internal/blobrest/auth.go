package blobrest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// StorageScope is the token scope of Azure Storage, the one azblob asks for.
const StorageScope = "https://storage.azure.com/.default"

// sharedKeyPolicy signs each request (each try) with the account key:
// "Authorize with Shared Key", https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key.
// azblob keeps its own signer internal to its clients, so this one is for the
// list pipeline; a test checks it signs exactly as azblob's does.
type sharedKeyPolicy struct {
	account string
	key     []byte
}

// NewSharedKeyPolicy signs requests for account with its base64 key.
func NewSharedKeyPolicy(account, key string) (policy.Policy, error) {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, errors.New("the account key is not base64")
	}
	return &sharedKeyPolicy{account: account, key: k}, nil
}

func (p *sharedKeyPolicy) Do(req *policy.Request) (*http.Response, error) {
	h := req.Raw().Header
	if h.Get("x-ms-date") == "" {
		h.Set("x-ms-date", time.Now().UTC().Format(http.TimeFormat))
	}
	auth, err := p.authorization(req.Raw())
	if err != nil {
		return nil, err
	}
	h.Set("Authorization", auth)
	return req.Next()
}

// authorization is the Authorization header value for r.
func (p *sharedKeyPolicy) authorization(r *http.Request) (string, error) {
	s, err := p.stringToSign(r)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(s))
	return "SharedKey " + p.account + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// stringToSign is, per the reference (version 2015-02-21 and later):
// VERB, the standard headers below (Content-Length empty when 0; Date empty,
// x-ms-date is sent), each on its own line; then the x-ms-* headers,
// lower-cased and sorted, as name:value lines; then the canonicalized resource,
// /account/path with the path as encoded in the URI, and each query
// parameter, lower-cased and sorted, as \nname:value[,value…] (values
// decoded and sorted).
func (p *sharedKeyPolicy) stringToSign(r *http.Request) (string, error) {
	var b strings.Builder
	b.WriteString(r.Method)
	for _, name := range []string{"Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
		"If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"} {
		v := ""
		if name != "Date" {
			v = strings.Join(r.Header[name], ",")
		}
		if name == "Content-Length" && v == "0" {
			v = ""
		}
		b.WriteString("\n" + v)
	}
	var ms []string
	for k := range r.Header {
		if lk := strings.ToLower(strings.TrimSpace(k)); strings.HasPrefix(lk, "x-ms-") {
			ms = append(ms, lk)
		}
	}
	sort.Strings(ms)
	lower := make(map[string][]string, len(ms))
	for k, v := range r.Header {
		lk := strings.ToLower(strings.TrimSpace(k))
		lower[lk] = append(lower[lk], v...)
	}
	for _, k := range ms {
		b.WriteString("\n" + k + ":" + strings.Join(lower[k], ","))
	}
	b.WriteString("\n/" + p.account)
	if path := r.URL.EscapedPath(); path != "" {
		b.WriteString(path)
	} else {
		b.WriteString("/")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("signing the request: %w", err)
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := q[k]
		sort.Strings(v)
		b.WriteString("\n" + strings.ToLower(k) + ":" + strings.Join(v, ","))
	}
	return b.String(), nil
}

// NewTokenPolicy authorizes requests with cred's token for StorageScope; like
// azblob's, it refuses plain http unless allowHTTP, and answers a 401
// challenge naming a resource_id with a token for that resource.
func NewTokenPolicy(cred azcore.TokenCredential, allowHTTP bool) policy.Policy {
	return runtime.NewBearerTokenPolicy(cred, []string{StorageScope}, &policy.BearerTokenOptions{
		InsecureAllowCredentialWithHTTP: allowHTTP,
		AuthorizationHandler:            policy.AuthorizationHandler{OnChallenge: onChallenge},
	})
}

// onChallenge reads resource_id from a storage challenge such as
// Bearer authorization_uri="https://login.microsoftonline.com/{tenant}/oauth2/authorize" resource_id="https://storage.azure.com".
func onChallenge(_ *policy.Request, resp *http.Response, authorize func(policy.TokenRequestOptions) error) error {
	c := resp.Header.Get("WWW-Authenticate")
	if c == "" {
		return &challengeError{errors.New("the 401 response has no WWW-Authenticate challenge")}
	}
	var resource string
	for _, f := range strings.Fields(strings.TrimPrefix(c, "Bearer ")) {
		if k, v, ok := strings.Cut(f, "="); ok && k == "resource_id" {
			resource = strings.TrimSuffix(strings.Trim(v, `",`), `"`)
		}
	}
	if resource == "" {
		return &challengeError{errors.New("the WWW-Authenticate challenge names no resource_id")}
	}
	if !strings.HasSuffix(resource, "/.default") {
		resource += "/.default"
	}
	return authorize(policy.TokenRequestOptions{Scopes: []string{resource}})
}

// challengeError is not retried: a second try would get the same challenge.
type challengeError struct{ err error }

func (e *challengeError) Error() string { return e.err.Error() }
func (e *challengeError) Unwrap() error { return e.err }
func (*challengeError) NonRetriable()   {}
