package auth

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Options configures the credential helpers. One type serves every helper so a caller
// can keep a single value (typically just the cloud) and pass it everywhere; a nil
// *Options means defaults. Each field says which helpers use it. A helper given a
// non-zero field it does not use returns an error rather than silently ignoring it.
type Options struct {
	// ClientOptions configures the credential's HTTP pipeline: Cloud selects the
	// Microsoft Entra authority (use the same cloud as the batchendpoint client),
	// Transport replaces the HTTP client. NewAzureCLI ignores it: the az CLI uses its
	// own cloud setting (az cloud set).
	azcore.ClientOptions

	// TenantID selects the Microsoft Entra tenant for NewDefault, NewAzureCLI,
	// NewDeviceCode ("organizations" when empty) and NewWorkloadIdentity (AZURE_TENANT_ID
	// when empty). The service principal helpers take the tenant as an argument.
	TenantID string

	// ClientID is the application (client) id for NewWorkloadIdentity (AZURE_CLIENT_ID
	// when empty) and NewDeviceCode (a Microsoft development application when empty;
	// register your own for production).
	ClientID string

	// AdditionallyAllowedTenants lists tenants besides TenantID the credential may get
	// tokens for ("*" allows any). Not used by NewManagedIdentity or NewEnvironment
	// (which reads AZURE_ADDITIONALLY_ALLOWED_TENANTS).
	AdditionallyAllowedTenants []string

	// DisableInstanceDiscovery skips Microsoft Entra instance metadata discovery; set it
	// only for disconnected or private clouds such as Azure Stack. Not used by
	// NewAzureCLI or NewManagedIdentity.
	DisableInstanceDiscovery bool

	// Subscription makes NewAzureCLI take the tenant of this subscription (name or id)
	// instead of the CLI's current one. NewAzureCLI only.
	Subscription string

	// TokenFilePath is the Kubernetes service account token file for
	// NewWorkloadIdentity (AZURE_FEDERATED_TOKEN_FILE when empty).
	TokenFilePath string

	// SendCertificateChain sends the certificate chain with each token request, which
	// Subject Name/Issuer (SNI) authentication requires. Certificate helpers only.
	SendCertificateChain bool
}

// Field names used in validation messages.
const (
	fTenantID                   = "TenantID"
	fClientID                   = "ClientID"
	fAdditionallyAllowedTenants = "AdditionallyAllowedTenants"
	fDisableInstanceDiscovery   = "DisableInstanceDiscovery"
	fSubscription               = "Subscription"
	fTokenFilePath              = "TokenFilePath"
	fSendCertificateChain       = "SendCertificateChain"
)

// resolve returns defaults for nil and rejects fields fn does not use. hint, keyed
// by field name, says what to do instead.
func (o *Options) resolve(fn string, used []string, hint map[string]string) (Options, error) {
	if o == nil {
		return Options{}, nil
	}
	set := map[string]bool{
		fTenantID:                   o.TenantID != "",
		fClientID:                   o.ClientID != "",
		fAdditionallyAllowedTenants: len(o.AdditionallyAllowedTenants) > 0,
		fDisableInstanceDiscovery:   o.DisableInstanceDiscovery,
		fSubscription:               o.Subscription != "",
		fTokenFilePath:              o.TokenFilePath != "",
		fSendCertificateChain:       o.SendCertificateChain,
	}
	ok := map[string]bool{}
	for _, f := range used {
		ok[f] = true
	}
	var bad []string
	for _, f := range []string{fTenantID, fClientID, fAdditionallyAllowedTenants, fDisableInstanceDiscovery, fSubscription, fTokenFilePath, fSendCertificateChain} {
		if set[f] && !ok[f] {
			msg := "Options." + f
			if h := hint[f]; h != "" {
				msg += " (" + h + ")"
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		return Options{}, fmt.Errorf("auth: %s does not use %s; leave it empty", fn, strings.Join(bad, ", "))
	}
	return *o, nil
}

var guidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// checkClientID requires a GUID: application (client) ids always are, and a typo or a
// resource/object id caught here beats an opaque error from Microsoft Entra later.
func checkClientID(fn, arg, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("auth: %s: %s is empty; pass the application (client) id, a GUID", fn, arg)
	case strings.HasPrefix(strings.ToLower(v), "/subscriptions/"):
		return fmt.Errorf("auth: %s: %s %q is an Azure resource id; pass the identity's client id (a GUID) instead", fn, arg, v)
	case !guidRE.MatchString(v):
		return fmt.Errorf("auth: %s: %s %q is not a GUID; pass the application (client) id", fn, arg, v)
	}
	return nil
}

// checkTenantID applies azidentity's rule (letters, digits, '.' and '-') so the error
// can name the argument.
func checkTenantID(fn, arg, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("auth: %s: %s is empty; pass the directory (tenant) id, a GUID or a domain such as contoso.onmicrosoft.com", fn, arg)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return fmt.Errorf("auth: %s: %s %q has invalid characters; a tenant id is a GUID or a domain such as contoso.onmicrosoft.com", fn, arg, v)
		}
	}
	return nil
}
