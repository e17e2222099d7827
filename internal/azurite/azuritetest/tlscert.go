package azuritetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatalf("serial: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	c := &TLSCert{
		CertFile: filepath.Join(t.TempDir(), "cert.pem"),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Pool:     x509.NewCertPool(),
	}
	c.KeyFile = filepath.Join(filepath.Dir(c.CertFile), "key.pem")
	c.Pool.AddCert(cert)
	if err := os.WriteFile(c.CertFile, c.CertPEM, 0o600); err != nil {
		t.Fatalf("write cert: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(c.KeyFile, keyPEM, 0o600); err != nil {
		t.Fatalf("write key: %v", err)
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
