package fake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

// azuriteStartBudget covers a first npm install on a cold cache plus startup.
const azuriteStartBudget = 10 * time.Minute

// storage is one running Azurite (HTTPS, --oauth basic) and the certificate it serves.
type storage struct {
	inst    *azurite.Instance
	certPEM []byte
	dir     string // holds the certificate and key files
}

func (s *storage) stop() error {
	err := s.inst.Stop()
	_ = os.RemoveAll(s.dir)
	return err
}

// shared is the Azurite shared by every Workspace of the test binary: started by
// the first Workspace, stopped when the last one is cleaned up (or, under
// RunTests, when the tests end).
var shared struct {
	mu   sync.Mutex
	st   *storage
	refs int
	keep int // RunTests calls in progress
}

func acquireStorage() (*storage, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.st == nil {
		st, err := startStorage()
		if err != nil {
			return nil, err
		}
		shared.st = st
	}
	shared.refs++
	return shared.st, nil
}

func releaseStorage() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.refs--
	return stopIfUnusedLocked()
}

func stopIfUnusedLocked() error {
	if shared.refs > 0 || shared.keep > 0 || shared.st == nil {
		return nil
	}
	st := shared.st
	shared.st = nil
	return st.stop()
}

// RunTests runs m with one Azurite shared by every Workspace of the test binary,
// started on first use and stopped when the tests end, so sequential tests don't
// pay Azurite's start-up (about half a second) each. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(fake.RunTests(m)) }
//
// Without it, Workspaces alive at the same time still share one Azurite, and
// it stops when the last of them is cleaned up.
func RunTests(m *testing.M) int {
	shared.mu.Lock()
	shared.keep++
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.keep--
	if err := stopIfUnusedLocked(); err != nil {
		fmt.Fprintln(os.Stderr, "fake: stopping Azurite:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// startStorage starts Azurite over HTTPS with a fresh self-signed certificate:
// batchendpoint accepts https storage URLs only, and --oauth basic (which needs
// HTTPS) lets identity-style bearer tokens work besides shared key and SAS.
func startStorage() (*storage, error) {
	dir, err := os.MkdirTemp("", "azmlbatch-fake-")
	if err != nil {
		return nil, err
	}
	certPEM, certFile, keyFile, err := writeLoopbackCert(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), azuriteStartBudget)
	defer cancel()
	inst, err := azurite.Start(ctx, &azurite.Options{CertFile: certFile, KeyFile: keyFile, OAuth: true})
	if err != nil {
		_ = os.RemoveAll(dir)
		if errors.Is(err, azurite.ErrNodeNotFound) {
			return nil, fmt.Errorf("fake: Azurite needs Node.js on PATH (or set Options.NoStorage): %w", err)
		}
		return nil, fmt.Errorf("fake: %w", err)
	}
	return &storage{inst: inst, certPEM: certPEM, dir: dir}, nil
}

// writeLoopbackCert writes a self-signed certificate for 127.0.0.1, ::1 and
// localhost (Azurite's HTTPS mode needs the IP SAN) and its key into dir.
func writeLoopbackCert(dir string) (certPEM []byte, certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, "", "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "azmlbatch fake Azurite"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", "", err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, "", "", err
	}
	return certPEM, certFile, keyFile, nil
}
