package azuritetest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// StorageScope is the token scope azblob requests for Azure Storage.
const StorageScope = "https://storage.azure.com/.default"

// Default claims of StorageJWTCredential tokens.
const (
	DefaultTenantID = "00000000-0000-0000-0000-000000000000"
	DefaultObjectID = "11111111-1111-1111-1111-111111111111"
)

// StorageJWTCredential is an azcore.TokenCredential for Azurite in --oauth basic
// mode. Azurite decodes the JWT and checks aud, iss and the time claims but not
// the signature, so the token is unsigned. The zero value is ready to use; use it
// by pointer.
type StorageJWTCredential struct {
	// TenantID goes into iss (https://sts.windows.net/<tenant>/) and tid;
	// DefaultTenantID when empty.
	TenantID string
	// ObjectID goes into oid; DefaultObjectID when empty.
	ObjectID string
	// AllowAnyScope disables the check that every request asks for StorageScope,
	// which otherwise catches code asking for the wrong audience.
	AllowAnyScope bool

	mu       sync.Mutex
	requests [][]string
}

// GetToken implements azcore.TokenCredential.
func (c *StorageJWTCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := ctx.Err(); err != nil {
		return azcore.AccessToken{}, err
	}
	c.mu.Lock()
	c.requests = append(c.requests, slices.Clone(opts.Scopes))
	c.mu.Unlock()
	if !c.AllowAnyScope && (len(opts.Scopes) != 1 || opts.Scopes[0] != StorageScope) {
		return azcore.AccessToken{}, fmt.Errorf("StorageJWTCredential: scopes %q, want [%s]", opts.Scopes, StorageScope)
	}
	tenant, oid := c.TenantID, c.ObjectID
	if tenant == "" {
		tenant = DefaultTenantID
	}
	if oid == "" {
		oid = DefaultObjectID
	}
	now := time.Now()
	exp := now.Add(time.Hour)
	tok := UnsignedJWT(map[string]any{
		"aud": "https://storage.azure.com",
		"iss": "https://sts.windows.net/" + tenant + "/",
		"tid": tenant,
		"oid": oid,
		"iat": now.Add(-5 * time.Minute).Unix(),
		"nbf": now.Add(-5 * time.Minute).Unix(),
		"exp": exp.Unix(),
	})
	return azcore.AccessToken{Token: tok, ExpiresOn: exp, RefreshOn: exp.Add(-10 * time.Minute)}, nil
}

// Requests returns the scopes of each GetToken call so far, oldest first.
func (c *StorageJWTCredential) Requests() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.requests)
}

// UnsignedJWT encodes claims as a JWT with a dummy signature segment. It is only
// for emulators that decode tokens without verifying them.
func UnsignedJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	b, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("UnsignedJWT: %v", err))
	}
	return enc.EncodeToString(h) + "." + enc.EncodeToString(b) + "." + enc.EncodeToString([]byte("unsigned"))
}
