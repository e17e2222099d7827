package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azmlbatch/azmlbatch/internal/cloudcfg"
)

// Errors a static token credential returns from GetToken, for errors.Is. The
// returned errors carry a message saying what to do; neither ever contains the token.
var (
	// ErrTokenExpired means the static token's expiry time has passed.
	ErrTokenExpired = errors.New("static token expired")
	// ErrWrongAudience means a token was requested for a scope outside the audience
	// the static token is bound to (StaticTokenOptions.Audience).
	ErrWrongAudience = errors.New("static token requested for another audience")
)

// StaticTokenOptions configures [NewStaticToken]. A nil *StaticTokenOptions means
// defaults.
type StaticTokenOptions struct {
	// Audience binds the token to the audience it was issued for, for example
	// AudienceMLPublic for a token from
	// "az account get-access-token --resource https://ml.azure.com". GetToken for any
	// other scope then fails at once with ErrWrongAudience and a message naming the
	// fix, instead of the service answering 401. Empty: the token is returned for
	// every scope and the service decides.
	Audience string
}

// NewStaticToken returns a credential that always hands out one access token obtained
// elsewhere, such as the accessToken field printed by
// "az account get-access-token --resource https://ml.azure.com", the way REST
// callers authenticate to batch endpoints. It cannot refresh: after expiresOn GetToken fails with ErrTokenExpired. A
// zero expiresOn is read from the token's "exp" claim when the token is a JWT, as
// Microsoft Entra tokens are. The token is never printed: fmt verbs, slog and JSON
// show only the audience and expiry, and no error contains it.
//
// A token is issued for one audience: an ML token works for invoking and, with a
// batchendpoint client created with ClientOptions.DataPlaneOnly, following a job,
// but not for Azure Resource Manager calls. Set StaticTokenOptions.Audience to get a clear error for those.
func NewStaticToken(token string, expiresOn time.Time, opts *StaticTokenOptions) (azcore.TokenCredential, error) {
	return newStaticToken(token, expiresOn, opts, time.Now)
}

func newStaticToken(token string, expiresOn time.Time, opts *StaticTokenOptions, now func() time.Time) (*staticToken, error) {
	const fn = "NewStaticToken"
	tok := strings.TrimSpace(token)
	switch {
	case tok == "":
		return nil, fmt.Errorf("auth: %s: token is empty", fn)
	case len(tok) > 7 && strings.EqualFold(tok[:7], "bearer "):
		return nil, fmt.Errorf("auth: %s: token starts with \"Bearer \"; pass the access token alone, without the scheme", fn)
	case strings.HasPrefix(tok, "{"):
		return nil, fmt.Errorf("auth: %s: token looks like JSON; pass only its accessToken field (az account get-access-token --query accessToken -o tsv)", fn)
	}
	for _, r := range tok {
		if r <= ' ' || r == 0x7f {
			return nil, fmt.Errorf("auth: %s: token contains whitespace or control characters; pass the access token alone", fn)
		}
	}
	s := &staticToken{token: tok, now: now}
	if opts != nil && strings.TrimSpace(opts.Audience) != "" {
		s.audience = strings.TrimRight(strings.TrimSuffix(strings.TrimSpace(opts.Audience), defaultSuffix), "/")
	}
	if expiresOn.IsZero() {
		exp, ok := jwtExpiry(tok)
		if !ok {
			return nil, fmt.Errorf("auth: %s: expiresOn is zero and the token is not a JWT with an exp claim; pass the expiry that came with the token (expiresOn in the az account get-access-token output)", fn)
		}
		expiresOn = exp
	}
	s.expiresOn = expiresOn
	if err := s.checkExpiry("auth: " + fn + ": "); err != nil {
		return nil, err
	}
	return s, nil
}

// staticToken is a pointer type on purpose: inside other values fmt prints a nested
// pointer as an address, so even a struct holding it in an unexported field does not
// reveal the token.
type staticToken struct {
	token     string
	expiresOn time.Time
	audience  string // without "/.default" and trailing slashes; "" = any
	now       func() time.Time
}

// GetToken returns the static token if it has not expired and, when the credential is
// bound to an audience, every requested scope belongs to it.
func (s *staticToken) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := ctx.Err(); err != nil {
		return azcore.AccessToken{}, err
	}
	if len(opts.Scopes) == 0 {
		return azcore.AccessToken{}, errors.New("auth: static token: no scope requested")
	}
	if s.audience != "" {
		for _, sc := range opts.Scopes {
			if !cloudcfg.SameAudience(sc, s.audience) {
				return azcore.AccessToken{}, s.wrongAudience(sc)
			}
		}
	}
	if opts.Claims != "" {
		return azcore.AccessToken{}, errors.New("auth: static token: the service demands a new token with additional claims (a Continuous Access Evaluation challenge, for example after a sign-out or policy change), which a static token cannot provide; get a new token or use a credential that refreshes itself, such as azidentity.NewAzureCLICredential")
	}
	if err := s.checkExpiry("auth: "); err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: s.token, ExpiresOn: s.expiresOn}, nil
}

func (s *staticToken) checkExpiry(prefix string) error {
	now := s.now()
	if now.Before(s.expiresOn) {
		return nil
	}
	res := s.audience
	if res == "" {
		res = AudienceMLPublic
	}
	return fmt.Errorf("%s%w at %s (%s ago); get a new one (az account get-access-token --resource %s) or use a credential that refreshes itself, such as azidentity.NewAzureCLICredential or azidentity.NewDefaultAzureCredential",
		prefix, ErrTokenExpired, s.expiresOn.UTC().Format(time.RFC3339), now.Sub(s.expiresOn).Round(time.Second), res)
}

func (s *staticToken) wrongAudience(scope string) error {
	fix := "use a credential that gets its own tokens, such as azidentity.NewAzureCLICredential or azidentity.NewDefaultAzureCredential, or a separate static token for that audience"
	if strings.Contains(audienceOf(scope), "management.") {
		fix = "Azure Resource Manager calls (endpoint lookup, job status through ARM, cancel, datastores, data assets) need a credential that gets its own tokens, such as azidentity.NewAzureCLICredential or azidentity.NewDefaultAzureCredential; with only an ML token, create the batchendpoint client with ClientOptions.DataPlaneOnly so it makes no Resource Manager calls"
	}
	return fmt.Errorf("auth: %w: the token is for %s but scope %q was requested; a token obtained elsewhere is valid for one audience only. %s", ErrWrongAudience, s.audience, scope, fix)
}

// String describes the credential without its token.
func (s *staticToken) String() string {
	aud := s.audience
	if aud == "" {
		aud = "any"
	}
	return fmt.Sprintf("auth.StaticToken{audience: %s, expiresOn: %s, token: REDACTED}", aud, s.expiresOn.UTC().Format(time.RFC3339))
}

// GoString makes %#v print the same redacted description.
func (s *staticToken) GoString() string { return s.String() }

// Format prints the redacted description for every fmt verb (%v, %+v, %#v, %s, %q,
// %x, ...), so no verb can reach the fields.
func (s *staticToken) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, s.String())
}

// LogValue keeps slog handlers from reflecting over the fields.
func (s *staticToken) LogValue() slog.Value {
	return slog.StringValue(s.String())
}

// MarshalJSON encodes the redacted description.
func (s *staticToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.String())
}

// jwtExpiry reads the exp claim of a JWT without verifying it: only to know when to
// stop handing the token out. Decoding errors are dropped so no part of the token can
// reach a message.
func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

var (
	_ azcore.TokenCredential = (*staticToken)(nil)
	_ fmt.Formatter          = (*staticToken)(nil)
	_ fmt.GoStringer         = (*staticToken)(nil)
	_ slog.LogValuer         = (*staticToken)(nil)
)
