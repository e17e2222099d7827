package localdata

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoreScrub: no datastore key or SAS signature survives in an error.
func TestBlobStoreScrub(t *testing.T) {
	const sasToken = "sv=2025-01-01&sp=rw&sig=S3CRETSIG%3D"
	tests := []struct {
		name   string
		secret string
		err    error
	}{
		{name: "transport error with SAS URL", secret: sasToken,
			err: &url.Error{Op: "Put", URL: "https://acct.blob.core.windows.net/c/b?" + sasToken, Err: io.ErrUnexpectedEOF}},
		{name: "wrapped transport error", secret: sasToken,
			err: fmt.Errorf("upload: %w", &url.Error{Op: "Put", URL: "https://a/c/b?" + sasToken, Err: io.EOF})},
		{name: "key in a message", secret: "S3CRETKEY==", err: errors.New("odd failure with key S3CRETKEY==")},
		{name: "sig in a message without a known secret", err: errors.New("GET https://a/c?sig=S3CRETSIG%3D failed")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := (&Store{secret: tc.secret}).scrub(tc.err)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "S3CRET")
			assert.NotContains(t, fmt.Sprintf("%+v", err), "S3CRET")
		})
	}
	assert.NoError(t, (&Store{}).scrub(nil))
}
