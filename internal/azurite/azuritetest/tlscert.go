package azuritetest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

// TLSCert is a self-signed loopback certificate written to PEM files.
type TLSCert struct {
	// CertFile and KeyFile are PEM files in a test temp dir.
	CertFile, KeyFile string
	// CertPEM is the certificate in PEM form.
	CertPEM []byte
	// Pool trusts only this certificate.
	Pool *x509.CertPool
}

// NewTLSCert creates a self-signed certificate valid for 127.0.0.1, ::1 and
// localhost (Go checks IP SANs for IP hosts), written into t.TempDir().
func NewTLSCert(t testing.TB) *TLSCert {
	t.Helper()
	lc, err := azurite.WriteLoopbackCert(t.TempDir(), "127.0.0.1")
	if err != nil {
		t.Fatalf("loopback certificate: %v", err)
	}
	c := &TLSCert{CertFile: lc.CertFile, KeyFile: lc.KeyFile, CertPEM: lc.PEM, Pool: x509.NewCertPool()}
	if !c.Pool.AppendCertsFromPEM(lc.PEM) {
		t.Fatal("loopback certificate: bad PEM")
	}
	return c
}

// Transport returns a new transport that trusts only this certificate and keeps
// enough idle connections for concurrent uploads.
func (c *TLSCert) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: c.Pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// HTTPClient returns an http.Client using Transport; it satisfies azcore's
// policy.Transporter, so it can go into ClientOptions.Transport.
func (c *TLSCert) HTTPClient() *http.Client {
	return &http.Client{Transport: c.Transport()}
}
