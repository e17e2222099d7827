package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Token audiences the emulator checks.
const (
	// AudienceARM is the audience of Azure Resource Manager tokens.
	AudienceARM = "https://management.azure.com"
	// AudienceML is the audience of Azure Machine Learning data-plane tokens.
	AudienceML = "https://ml.azure.com"
	// AudienceStorage is the audience of Azure Storage tokens (Azurite --oauth basic).
	AudienceStorage = "https://storage.azure.com"
)

// DefaultTenantID is the tenant of tokens minted by Credential unless Options.TenantID is set.
const DefaultTenantID = "00000000-0000-0000-0000-000000000000"

// armAudiences are the audiences ARM accepts (with and without the trailing slash).
var armAudiences = []string{
	"https://management.core.windows.net/", "https://management.core.windows.net",
	"https://management.azure.com/", "https://management.azure.com",
}

var mlAudiences = []string{"https://ml.azure.com", "https://ml.azure.com/"}

// Credential is an azcore.TokenCredential minting unsigned JWTs whose aud is the
// requested scope without "/.default". The emulator and Azurite (--oauth basic)
// decode such tokens without checking signatures. Use it by pointer.
type Credential struct {
	// TenantID goes into tid and iss; DefaultTenantID when empty.
	TenantID string
	// Lifetime of minted tokens; one hour when zero.
	Lifetime time.Duration
	// PrincipalID goes into oid, the principal ARM throttles by;
	// DefaultPrincipalID when empty. Credentials with different ids have
	// their own ARM token buckets.
	PrincipalID string

	mu     sync.Mutex
	scopes [][]string
}

// GetToken implements azcore.TokenCredential.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := ctx.Err(); err != nil {
		return azcore.AccessToken{}, err
	}
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("emulator credential: want exactly one scope, got %d", len(opts.Scopes))
	}
	c.mu.Lock()
	c.scopes = append(c.scopes, append([]string(nil), opts.Scopes...))
	c.mu.Unlock()
	life := c.Lifetime
	if life <= 0 {
		life = time.Hour
	}
	aud := strings.TrimSuffix(opts.Scopes[0], "/.default")
	tok, exp := mintToken(c.TenantID, c.PrincipalID, aud, life)
	return azcore.AccessToken{Token: tok, ExpiresOn: exp, RefreshOn: exp.Add(-life / 6)}, nil
}

// Scopes returns the scopes of every GetToken call, oldest first.
func (c *Credential) Scopes() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]string(nil), c.scopes...)
}

// MintToken returns an unsigned JWT for audience aud valid for life (negative life
// gives an expired token) and its expiry. tenant defaults to DefaultTenantID.
func MintToken(tenant, aud string, life time.Duration) (string, time.Time) {
	return mintToken(tenant, "", aud, life)
}

// DefaultPrincipalID is the oid of tokens minted by MintToken and by a
// Credential without PrincipalID.
const DefaultPrincipalID = "11111111-1111-1111-1111-111111111111"

func mintToken(tenant, oid, aud string, life time.Duration) (string, time.Time) {
	if tenant == "" {
		tenant = DefaultTenantID
	}
	if oid == "" {
		oid = DefaultPrincipalID
	}
	now := time.Now()
	exp := now.Add(life)
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	claims := map[string]any{
		"aud":   aud,
		"iss":   "https://sts.windows.net/" + tenant + "/",
		"tid":   tenant,
		"oid":   oid,
		"appid": "22222222-2222-2222-2222-222222222222",
		"name":  "Emulator User",
		"upn":   "user@emulator.local",
		"iat":   now.Add(-5 * time.Minute).Unix(),
		"nbf":   now.Add(-5 * time.Minute).Unix(),
		"exp":   exp.Unix(),
	}
	b, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(b) + "." + enc.EncodeToString([]byte("unsigned")), exp
}

// tokenClaims are the claims the emulator reads.
type tokenClaims struct {
	Aud   audClaim `json:"aud"`
	Exp   int64    `json:"exp"`
	Nbf   int64    `json:"nbf"`
	Name  string   `json:"name"`
	UPN   string   `json:"upn"`
	OID   string   `json:"oid"`
	AppID string   `json:"appid"`
	Sub   string   `json:"sub"`
}

// audClaim accepts aud as a string or an array of strings.
type audClaim []string

func (a *audClaim) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audClaim{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

// parseBearer decodes the JWT of an Authorization header without verifying it.
func parseBearer(h string) (*tokenClaims, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errors.New("not a bearer token")
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("JWT payload is not base64url")
	}
	var c tokenClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, errors.New("JWT payload is not JSON")
	}
	return &c, nil
}

// authFailure is a 401 answer.
type authFailure struct {
	code, message, description string
}

// checkToken validates the request's bearer token against the allowed audiences.
// It returns the token's audience (for inspection) and a failure, if any.
func checkToken(r *http.Request, allowed []string, now time.Time) (string, *authFailure) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &authFailure{"AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
			"The authentication failed because of missing 'Authorization' header."}
	}
	c, err := parseBearer(h)
	if err != nil {
		return "", &authFailure{"InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid."}
	}
	aud := strings.Join(c.Aud, ",")
	if c.Exp == 0 || now.Unix() >= c.Exp {
		msg := fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
			time.Unix(c.Exp, 0).UTC().Format("1/2/2006 3:04:05 PM"), now.UTC().Format("1/2/2006 3:04:05 PM"))
		return aud, &authFailure{"ExpiredAuthenticationToken", msg, "The access token expiry UTC time is earlier than current UTC time."}
	}
	if c.Nbf != 0 && now.Add(5*time.Minute).Unix() < c.Nbf {
		return aud, &authFailure{"InvalidAuthenticationToken", "The access token is not yet valid.", "The access token is not yet valid."}
	}
	for _, a := range c.Aud {
		for _, ok := range allowed {
			if a == ok {
				return a, nil
			}
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	msg := fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences %s.",
		aud, strings.Join(quoted, ","))
	return aud, &authFailure{"InvalidAuthenticationTokenAudience", msg, "The access token has been obtained for wrong audience or resource."}
}
