package batchendpoint

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
