package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	client = "00000000-1111-2222-3333-444444444444"
	secret = "sup3r-s3cret-value"
)

// noNetwork is a Transport that records any use; constructors must not send requests.
type noNetwork struct{ calls atomic.Int32 }

func (n *noNetwork) Do(*http.Request) (*http.Response, error) {
	n.calls.Add(1)
	return nil, errors.New("network use in a test that must not touch it")
}

func netOpts(n *noNetwork) *Options {
	return &Options{ClientOptions: azcore.ClientOptions{Transport: n, Cloud: cloud.AzurePublic}}
}

// clearEnv unsets every variable the helpers and azidentity read, so the host's
// environment cannot change the outcome.
func clearEnv(t *testing.T) {
	for _, v := range []string{envTenantID, envClientID, envClientSecret, envCertPath, "AZURE_CLIENT_CERTIFICATE_PASSWORD",
		envUsername, envPassword, envFederatedToken, envAllowedTenants, envSendCertChain, "AZURE_TOKEN_CREDENTIALS",
		"AZURE_AUTHORITY_HOST", "AZURE_REGIONAL_AUTHORITY_NAME", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
		"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(v, "")
		require.NoError(t, os.Unsetenv(v))
	}
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testCertPEM makes a self-signed RSA certificate and key, PEM encoded. Microsoft
// Entra accepts only RSA keys; one key is shared because generating it is slow.
func testCertPEM(t *testing.T) []byte {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
	})
	return testCertPEMWith(t, rsaKey)
}

func ecdsaKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func testCertPEMWith(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "azmlbatch-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
}

// fakeAz puts an "az" executable (never run) on a PATH of its own.
func fakeAz(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "az"), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	t.Setenv("PATH", dir)
}

func TestConstructorsSucceedWithoutNetwork(t *testing.T) {
	clearEnv(t)
	fakeAz(t)
	certPEM := testCertPEM(t)
	certFile := filepath.Join(t.TempDir(), "sp.pem")
	require.NoError(t, os.WriteFile(certFile, certPEM, 0o600))
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("k8s-sa-token"), 0o600))

	n := &noNetwork{}
	cases := []struct {
		name string
		make func() (azcore.TokenCredential, error)
		want any
	}{
		{"default", func() (azcore.TokenCredential, error) { return NewDefault(netOpts(n)) }, &azidentity.DefaultAzureCredential{}},
		{"default nil opts", func() (azcore.TokenCredential, error) { return NewDefault(nil) }, &azidentity.DefaultAzureCredential{}},
		{"default tenant", func() (azcore.TokenCredential, error) { return NewDefault(&Options{TenantID: tenant}) }, &azidentity.DefaultAzureCredential{}},
		{"cli", func() (azcore.TokenCredential, error) { return NewAzureCLI(nil) }, &azidentity.AzureCLICredential{}},
		{"cli options", func() (azcore.TokenCredential, error) {
			return NewAzureCLI(&Options{TenantID: tenant, Subscription: "my-sub", ClientOptions: azcore.ClientOptions{Cloud: cloud.AzureChina}})
		}, &azidentity.AzureCLICredential{}},
		{"managed system", func() (azcore.TokenCredential, error) { return NewManagedIdentity("", netOpts(n)) }, &azidentity.ManagedIdentityCredential{}},
		{"managed user", func() (azcore.TokenCredential, error) { return NewManagedIdentity(client, netOpts(n)) }, &azidentity.ManagedIdentityCredential{}},
		{"sp secret", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret(tenant, client, secret, netOpts(n))
		}, &azidentity.ClientSecretCredential{}},
		{"sp secret domain tenant", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret("contoso.onmicrosoft.com", client, secret, nil)
		}, &azidentity.ClientSecretCredential{}},
		{"sp cert", func() (azcore.TokenCredential, error) {
			o := netOpts(n)
			o.SendCertificateChain = true
			return NewServicePrincipalCertificate(tenant, client, certPEM, nil, o)
		}, &azidentity.ClientCertificateCredential{}},
		{"sp cert file", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificateFile(tenant, client, certFile, nil, netOpts(n))
		}, &azidentity.ClientCertificateCredential{}},
		{"workload options", func() (azcore.TokenCredential, error) {
			o := netOpts(n)
			o.TenantID, o.ClientID, o.TokenFilePath = tenant, client, tokenFile
			return NewWorkloadIdentity(o)
		}, &azidentity.WorkloadIdentityCredential{}},
		{"device code", func() (azcore.TokenCredential, error) { return NewDeviceCode(nil, netOpts(n)) }, &azidentity.DeviceCodeCredential{}},
		{"device code prompt tenant", func() (azcore.TokenCredential, error) {
			o := netOpts(n)
			o.TenantID, o.ClientID = tenant, client
			return NewDeviceCode(func(context.Context, string) error { return nil }, o)
		}, &azidentity.DeviceCodeCredential{}},
	}
	for _, c := range cases {
		cred, err := c.make()
		require.NoError(t, err, c.name)
		assert.IsType(t, c.want, cred, c.name)
	}
	assert.Zero(t, n.calls.Load(), "constructors sent requests")
}

func TestEnvironmentBasedConstructors(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("k8s-sa-token"), 0o600))

	t.Run("environment secret", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		t.Setenv(envClientID, client)
		t.Setenv(envClientSecret, secret)
		cred, err := NewEnvironment(nil)
		require.NoError(t, err)
		assert.IsType(t, &azidentity.EnvironmentCredential{}, cred)
	})
	t.Run("environment all missing", func(t *testing.T) {
		clearEnv(t)
		_, err := NewEnvironment(nil)
		require.Error(t, err)
		assert.Equal(t, "auth: NewEnvironment: missing environment variable AZURE_TENANT_ID, AZURE_CLIENT_ID, one of AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH", err.Error())
	})
	t.Run("environment secret missing", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		t.Setenv(envClientID, client)
		_, err := NewEnvironment(nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "missing environment variable one of AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
		assert.NotContains(t, err.Error(), envTenantID)
	})
	t.Run("environment unreadable cert", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		t.Setenv(envClientID, client)
		t.Setenv(envCertPath, filepath.Join(t.TempDir(), "nope.pem"))
		_, err := NewEnvironment(nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "auth: NewEnvironment:")
		assert.Contains(t, err.Error(), "nope.pem")
	})
	t.Run("workload from env", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		t.Setenv(envClientID, client)
		t.Setenv(envFederatedToken, tokenFile)
		cred, err := NewWorkloadIdentity(nil)
		require.NoError(t, err)
		assert.IsType(t, &azidentity.WorkloadIdentityCredential{}, cred)
	})
	t.Run("workload all missing", func(t *testing.T) {
		clearEnv(t)
		_, err := NewWorkloadIdentity(nil)
		require.Error(t, err)
		for _, want := range []string{"AZURE_CLIENT_ID (or Options.ClientID)", "AZURE_TENANT_ID (or Options.TenantID)", "AZURE_FEDERATED_TOKEN_FILE (or Options.TokenFilePath)", "azure.workload.identity/use"} {
			assert.Contains(t, err.Error(), want)
		}
	})
	t.Run("workload token file missing only", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		_, err := NewWorkloadIdentity(&Options{ClientID: client})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "missing AZURE_FEDERATED_TOKEN_FILE (or Options.TokenFilePath);")
		assert.NotContains(t, err.Error(), "AZURE_CLIENT_ID")
	})
	t.Run("workload bad client id from env", func(t *testing.T) {
		clearEnv(t)
		t.Setenv(envTenantID, tenant)
		t.Setenv(envClientID, "not-a-guid")
		t.Setenv(envFederatedToken, tokenFile)
		_, err := NewWorkloadIdentity(nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `client id "not-a-guid" is not a GUID`)
	})
	t.Run("cli not on PATH", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := NewAzureCLI(nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "auth: NewAzureCLI: the Azure CLI (az) is not on PATH")
	})
}

func TestValidationErrors(t *testing.T) {
	clearEnv(t)
	fakeAz(t)
	certPEM := testCertPEM(t)
	missingFile := filepath.Join(t.TempDir(), "missing.pfx")
	cases := []struct {
		name string
		make func() (azcore.TokenCredential, error)
		want []string
	}{
		// argument checks
		{"sp empty tenant", func() (azcore.TokenCredential, error) { return NewServicePrincipalSecret("", client, secret, nil) },
			[]string{"auth: NewServicePrincipalSecret: tenantID is empty"}},
		{"sp bad tenant", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret("contoso/tenant", client, secret, nil)
		}, []string{`tenantID "contoso/tenant" has invalid characters`}},
		{"sp empty client", func() (azcore.TokenCredential, error) { return NewServicePrincipalSecret(tenant, "", secret, nil) },
			[]string{"auth: NewServicePrincipalSecret: clientID is empty"}},
		{"sp client not guid", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret(tenant, "my-app", secret, nil)
		},
			[]string{`clientID "my-app" is not a GUID`}},
		{"sp empty secret", func() (azcore.TokenCredential, error) { return NewServicePrincipalSecret(tenant, client, " ", nil) },
			[]string{"auth: NewServicePrincipalSecret: secret is empty"}},
		{"cert empty tenant", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificate("", client, certPEM, nil, nil)
		}, []string{"auth: NewServicePrincipalCertificate: tenantID is empty"}},
		{"cert empty client", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificate(tenant, "", certPEM, nil, nil)
		}, []string{"auth: NewServicePrincipalCertificate: clientID is empty"}},
		{"cert empty data", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificate(tenant, client, nil, nil, nil)
		}, []string{"auth: NewServicePrincipalCertificate: certData is empty"}},
		{"cert garbage", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificate(tenant, client, []byte("not a certificate"), nil, nil)
		}, []string{"certData is not a usable PEM or PKCS#12 certificate", "pass the password"}},
		{"cert only, no key", func() (azcore.TokenCredential, error) {
			blk, _ := pem.Decode(certPEM)
			return NewServicePrincipalCertificate(tenant, client, pem.EncodeToMemory(blk), nil, nil)
		}, []string{"certData is not a usable PEM or PKCS#12 certificate with private key"}},
		{"cert file empty path", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificateFile(tenant, client, "", nil, nil)
		}, []string{"auth: NewServicePrincipalCertificateFile: certPath is empty"}},
		{"cert file missing", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificateFile(tenant, client, missingFile, nil, nil)
		}, []string{"auth: NewServicePrincipalCertificateFile: read certPath", "missing.pfx"}},
		{"cert file bad tenant before reading", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificateFile("", client, missingFile, nil, nil)
		}, []string{"NewServicePrincipalCertificateFile: tenantID is empty"}},
		{"managed resource id", func() (azcore.TokenCredential, error) {
			return NewManagedIdentity("/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", nil)
		}, []string{"auth: NewManagedIdentity: clientID", "is an Azure resource id", "on Azure ML compute only the client id"}},
		{"managed not guid", func() (azcore.TokenCredential, error) { return NewManagedIdentity("my-identity", nil) },
			[]string{`clientID "my-identity" is not a GUID`}},
		{"device code bad tenant", func() (azcore.TokenCredential, error) {
			return NewDeviceCode(nil, &Options{TenantID: "a b"})
		}, []string{`auth: NewDeviceCode: Options.TenantID "a b" has invalid characters`}},
		{"device code bad client", func() (azcore.TokenCredential, error) {
			return NewDeviceCode(nil, &Options{ClientID: "app"})
		}, []string{`auth: NewDeviceCode: Options.ClientID "app" is not a GUID`}},
		{"workload bad tenant", func() (azcore.TokenCredential, error) {
			return NewWorkloadIdentity(&Options{TenantID: "x y", ClientID: client, TokenFilePath: "/f"})
		}, []string{`auth: NewWorkloadIdentity: tenant id "x y" has invalid characters`}},
		{"sp secret http authority", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret(tenant, client, secret, &Options{ClientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "http://login.example"}}})
		}, []string{"auth: NewServicePrincipalSecret:", "https"}},
		{"cert ecdsa key", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificate(tenant, client, testCertPEMWith(t, ecdsaKey(t)), nil, nil)
		}, []string{"auth: NewServicePrincipalCertificate:", "RSA"}},

		// options a helper does not use
		{"managed tenant", func() (azcore.TokenCredential, error) { return NewManagedIdentity("", &Options{TenantID: tenant}) },
			[]string{"auth: NewManagedIdentity does not use Options.TenantID (a managed identity authenticates in its own tenant)"}},
		{"managed client option", func() (azcore.TokenCredential, error) { return NewManagedIdentity("", &Options{ClientID: client}) },
			[]string{"Options.ClientID (pass the client id as the clientID argument)"}},
		{"managed several", func() (azcore.TokenCredential, error) {
			return NewManagedIdentity("", &Options{DisableInstanceDiscovery: true, AdditionallyAllowedTenants: []string{"*"}})
		}, []string{"does not use Options.AdditionallyAllowedTenants, Options.DisableInstanceDiscovery; leave it empty"}},
		{"default client id", func() (azcore.TokenCredential, error) { return NewDefault(&Options{ClientID: client}) },
			[]string{"NewDefault does not use Options.ClientID (set AZURE_CLIENT_ID to pick a user-assigned managed identity, or use NewManagedIdentity)"}},
		{"default token file", func() (azcore.TokenCredential, error) { return NewDefault(&Options{TokenFilePath: "/x"}) },
			[]string{"Options.TokenFilePath (set AZURE_FEDERATED_TOKEN_FILE or use NewWorkloadIdentity)"}},
		{"cli client id", func() (azcore.TokenCredential, error) { return NewAzureCLI(&Options{ClientID: client}) },
			[]string{"NewAzureCLI does not use Options.ClientID"}},
		{"cli instance discovery", func() (azcore.TokenCredential, error) { return NewAzureCLI(&Options{DisableInstanceDiscovery: true}) },
			[]string{"NewAzureCLI does not use Options.DisableInstanceDiscovery"}},
		{"sp tenant option", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret(tenant, client, secret, &Options{TenantID: tenant})
		}, []string{"NewServicePrincipalSecret does not use Options.TenantID (pass it as the tenantID argument)"}},
		{"sp cert chain", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalSecret(tenant, client, secret, &Options{SendCertificateChain: true})
		}, []string{"Options.SendCertificateChain (only the certificate helpers use it)"}},
		{"cert file subscription", func() (azcore.TokenCredential, error) {
			return NewServicePrincipalCertificateFile(tenant, client, missingFile, nil, &Options{Subscription: "s"})
		}, []string{"NewServicePrincipalCertificateFile does not use Options.Subscription (use NewAzureCLI)"}},
		{"workload subscription", func() (azcore.TokenCredential, error) { return NewWorkloadIdentity(&Options{Subscription: "s"}) },
			[]string{"NewWorkloadIdentity does not use Options.Subscription"}},
		{"device code token file", func() (azcore.TokenCredential, error) { return NewDeviceCode(nil, &Options{TokenFilePath: "/x"}) },
			[]string{"NewDeviceCode does not use Options.TokenFilePath (only NewWorkloadIdentity uses it)"}},
		{"environment tenant", func() (azcore.TokenCredential, error) { return NewEnvironment(&Options{TenantID: tenant}) },
			[]string{"NewEnvironment does not use Options.TenantID (set AZURE_TENANT_ID)"}},
		{"environment allowed tenants", func() (azcore.TokenCredential, error) {
			return NewEnvironment(&Options{AdditionallyAllowedTenants: []string{"*"}})
		}, []string{"Options.AdditionallyAllowedTenants (set AZURE_ADDITIONALLY_ALLOWED_TENANTS)"}},
	}
	for _, c := range cases {
		cred, err := c.make()
		require.Error(t, err, c.name)
		assert.Nil(t, cred, c.name)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w, c.name)
		}
		assert.NotContains(t, err.Error(), secret, c.name)
	}
}
