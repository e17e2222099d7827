package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=abc%2Bdef&se=x", "https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=REDACTED&se=x"},
		{"https://a/c?SIG=zzz", "https://a/c?SIG=REDACTED"},
		{"see https://a/c?sp=r&sig=Q1w2 now", "see https://a/c?sp=r&sig=REDACTED now"},
		{"https://a/c/d", "https://a/c/d"},
		{"https://a/c?design=1", "https://a/c?design=1"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, URL(c.in), c.in)
	}
}

func TestText(t *testing.T) {
	in := "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0==;BlobEndpoint=x Authorization: Bearer eyJ.abc.def"
	out := Text(in)
	assert.NotContains(t, out, "c2VjcmV0")
	assert.NotContains(t, out, "eyJ.abc.def")
	assert.Contains(t, out, "AccountName=a")
}

// TestURLInJSON: a signature inside a JSON string stops at the escape, keeping the JSON valid.
func TestURLInJSON(t *testing.T) {
	in := `{"message":"{\"Uri\":\"https://a/c?sp=r&sig=SECRET\"}"}`
	assert.Equal(t, `{"message":"{\"Uri\":\"https://a/c?sp=r&sig=REDACTED\"}"}`, URL(in))
}
