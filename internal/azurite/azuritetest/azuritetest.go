package azuritetest

import (
	"context"
	"testing"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

// startBudget covers a first npm install on a cold cache (about 90 s measured)
// plus startup, with room for a loaded 2-core machine.
const startBudget = 10 * time.Minute

// StartT starts Azurite with opts (nil for plain HTTP, in memory) and stops it
// in t.Cleanup. It fails the test if Azurite cannot start.
func StartT(t testing.TB, opts *azurite.Options) *azurite.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startBudget)
	defer cancel()
	inst, err := azurite.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start azurite: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Stop(); err != nil {
			t.Errorf("stop azurite: %v", err)
		}
	})
	return inst
}

// StartHTTPST starts Azurite over HTTPS with a fresh self-signed certificate and
// --oauth basic, so bearer tokens (see StorageJWTCredential), shared key and SAS
// all work. Fields of opts other than the TLS and OAuth ones are honoured.
// Clients must trust the returned certificate, e.g. through cert.HTTPClient().
func StartHTTPST(t testing.TB, opts *azurite.Options) (*azurite.Instance, *TLSCert) {
	t.Helper()
	cert := NewTLSCert(t)
	o := azurite.Options{}
	if opts != nil {
		o = *opts
	}
	o.CertFile, o.KeyFile, o.OAuth = cert.CertFile, cert.KeyFile, true
	return StartT(t, &o), cert
}
