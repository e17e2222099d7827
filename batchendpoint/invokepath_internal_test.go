package batchendpoint

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// azureMLOnlineName is azure-ai-ml's endpoint and deployment rule as a regexp:
// the reference validOnlineName's hand-written check must agree with.
var azureMLOnlineName = regexp.MustCompile(`^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$`)

func referenceOnlineName(s string) bool {
	return len(s) >= 3 && len(s) <= 32 && azureMLOnlineName.MatchString(s)
}

func TestValidOnlineNameMatchesRegexp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"abc", true}, {"ABC", true}, {"a-b", true}, {"a--b", true}, {"z9", false}, {"Z99", true},
		{"heart-classifier", true}, {strings.Repeat("a", 32), true}, {strings.Repeat("a", 33), false},
		{"", false}, {"ab", false}, {"1ab", false}, {"-ab", false}, {"ab-", false}, {"a_b", false},
		{"a.b", false}, {"a b", false}, {"a@b", false}, {"a[b", false}, {"a`b", false}, {"a{b", false},
		{"@bc", false}, {"[bc", false}, {"`bc", false}, {"{bc", false}, {"ab/", false}, {"ab:", false},
		{"dép", false}, {"\xc1bc", false}, {"ab\x00", false}, {"ab\n", false}, {"abc\u212a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, validOnlineName(tt.name))
			assert.Equal(t, referenceOnlineName(tt.name), validOnlineName(tt.name), "differs from the regexp")
		})
	}
}

func FuzzValidOnlineName(f *testing.F) {
	for _, s := range []string{"abc", "a-b", "ab-", "1ab", "a_b", "dép", strings.Repeat("x", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validOnlineName(s), referenceOnlineName(s); got != want {
			t.Fatalf("validOnlineName(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}

func TestCanonicalInvokeHeaders(t *testing.T) {
	for _, tt := range []struct{ header, canonical string }{
		{headerDeployment, canonicalDeployment},
		{headerRepeatability, canonicalRepeatability},
		{headerFirstSent, canonicalFirstSent},
		{"content-type", canonicalContentType},
	} {
		assert.Equal(t, http.CanonicalHeaderKey(tt.header), tt.canonical, tt.header)
	}
}

// TestNewPOSTIsNewRequest: the POST built from the cached parse of a scoring
// URI is the request runtime.NewRequest builds, with its own URL and headers.
func TestNewPOSTIsNewRequest(t *testing.T) {
	type ctxKey struct{}
	tests := []struct{ name, uri string }{
		{"inference host", "https://heart-classifier.westeurope.inference.ml.azure.com/jobs"},
		{"port and query", "https://127.0.0.1:8443/jobs?x=1"},
		{"empty port", "https://example.com:/jobs"},
		{"escaped path", "https://example.com/a%2Fb/jobs"},
	}
	c := &Client{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := runtime.NewRequest(context.Background(), http.MethodPost, tt.uri)
			require.NoError(t, err)
			for i := range 3 { // the first parses, the others copy
				ctx := context.WithValue(context.Background(), ctxKey{}, i)
				got, err := c.newPOST(ctx, tt.uri)
				require.NoError(t, err)
				assert.Equal(t, want.Raw().Method, got.Raw().Method)
				assert.Equal(t, want.Raw().URL.String(), got.Raw().URL.String())
				assert.Equal(t, *want.Raw().URL, *got.Raw().URL)
				assert.Equal(t, want.Raw().Host, got.Raw().Host)
				assert.Equal(t, want.Raw().Proto, got.Raw().Proto)
				assert.Equal(t, i, got.Raw().Context().Value(ctxKey{}))
				assert.Empty(t, got.Raw().Header)
				got.Raw().URL.Path = "/changed" // each request's URL is its own
				got.Raw().Header.Set("X", "1")
			}
		})
	}
	_, err := c.newPOST(context.Background(), "ftp://example.com/jobs")
	require.Error(t, err, "a URI runtime.NewRequest refuses is refused")
}

func TestHTTPDate(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	base := time.Date(2026, 12, 1, 11, 20, 5, 0, time.UTC)
	for _, tm := range []time.Time{base, base.Add(999 * time.Millisecond), base.In(paris), base.Add(time.Second), base.Add(-time.Hour).In(paris), base.Add(time.Second)} {
		assert.Equal(t, tm.UTC().Format(http.TimeFormat), httpDate(tm), tm.String())
	}
}
