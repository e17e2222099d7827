package azuritetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStorageJWTCredential(t *testing.T) {
	tests := []struct {
		name    string
		cred    *StorageJWTCredential
		scopes  []string
		wantErr bool
		wantTid string
		wantOid string
	}{
		{name: "defaults", cred: &StorageJWTCredential{}, scopes: []string{StorageScope},
			wantTid: DefaultTenantID, wantOid: DefaultObjectID},
		{name: "custom ids", cred: &StorageJWTCredential{TenantID: "t1", ObjectID: "o1"},
			scopes: []string{StorageScope}, wantTid: "t1", wantOid: "o1"},
		{name: "wrong scope", cred: &StorageJWTCredential{}, scopes: []string{"https://ml.azure.com/.default"}, wantErr: true},
		{name: "wrong scope allowed", cred: &StorageJWTCredential{AllowAnyScope: true},
			scopes: []string{"https://ml.azure.com/.default"}, wantTid: DefaultTenantID, wantOid: DefaultObjectID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: tc.scopes})
			assert.Equal(t, [][]string{tc.scopes}, tc.cred.Requests())
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			parts := strings.Split(tok.Token, ".")
			require.Len(t, parts, 3)
			raw, err := base64.RawURLEncoding.DecodeString(parts[1])
			require.NoError(t, err)
			var claims struct {
				Aud, Iss, Tid, Oid string
				Iat, Nbf, Exp      int64
			}
			require.NoError(t, json.Unmarshal(raw, &claims))
			now := time.Now().Unix()
			assert.Equal(t, "https://storage.azure.com", claims.Aud)
			assert.Equal(t, "https://sts.windows.net/"+tc.wantTid+"/", claims.Iss)
			assert.Equal(t, tc.wantTid, claims.Tid)
			assert.Equal(t, tc.wantOid, claims.Oid)
			assert.LessOrEqual(t, claims.Nbf, now)
			assert.LessOrEqual(t, claims.Iat, now)
			assert.Greater(t, claims.Exp, now+30*60)
			assert.Equal(t, claims.Exp, tok.ExpiresOn.Unix())
		})
	}
}

func TestGetTokenHonoursCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&StorageJWTCredential{}).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{StorageScope}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewTLSCert(t *testing.T) {
	c := NewTLSCert(t)
	require.FileExists(t, c.CertFile)
	require.FileExists(t, c.KeyFile)
	block, _ := pem.Decode(c.CertPEM)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		_, err = cert.Verify(x509.VerifyOptions{DNSName: host, Roots: c.Pool})
		assert.NoError(t, err, host)
	}
	_, err = cert.Verify(x509.VerifyOptions{DNSName: "127.0.0.1"})
	assert.Error(t, err, "not trusted without the pool")
	_, err = tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	assert.NoError(t, err, "key matches cert")
}
