package auth

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Environment variables the helpers read (through azidentity) and name in errors.
const (
	envTenantID          = "AZURE_TENANT_ID"
	envClientID          = "AZURE_CLIENT_ID"
	envClientSecret      = "AZURE_CLIENT_SECRET"
	envCertPath          = "AZURE_CLIENT_CERTIFICATE_PATH"
	envUsername          = "AZURE_USERNAME"
	envPassword          = "AZURE_PASSWORD"
	envFederatedToken    = "AZURE_FEDERATED_TOKEN_FILE"
	envAllowedTenants    = "AZURE_ADDITIONALLY_ALLOWED_TENANTS"
	envSendCertChain     = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"
	hintTenantArg        = "pass it as the tenantID argument"
	hintClientArg        = "pass it as the clientID argument"
	hintUseAzureCLI      = "use NewAzureCLI"
	hintUseWorkload      = "set " + envFederatedToken + " or use NewWorkloadIdentity"
	hintUseCertHelper    = "set " + envSendCertChain + "=true or use NewServicePrincipalCertificate"
	hintCertificateOnly  = "only the certificate helpers use it"
	hintWorkloadOnly     = "only NewWorkloadIdentity uses it"
	hintManagedNoTenant  = "a managed identity authenticates in its own tenant"
	hintManagedClientArg = "pass the client id as the clientID argument"
)

func wrap(fn string, err error) error {
	return fmt.Errorf("auth: %s: %w", fn, err)
}

// NewDefault returns azidentity's DefaultAzureCredential, which tries, in order,
// environment variables (NewEnvironment), workload identity, managed identity (a
// user-assigned one by AZURE_CLIENT_ID), the Azure CLI, the Azure Developer CLI and
// Azure PowerShell. AZURE_TOKEN_CREDENTIALS=dev or =prod narrows the chain. Good for
// development and samples; in production prefer the one credential you deploy with,
// which fails faster and more clearly. Uses Options.TenantID,
// AdditionallyAllowedTenants and DisableInstanceDiscovery.
func NewDefault(opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewDefault"
	o, err := opts.resolve(fn, []string{fTenantID, fAdditionallyAllowedTenants, fDisableInstanceDiscovery}, map[string]string{
		fClientID:             "set " + envClientID + " to pick a user-assigned managed identity, or use NewManagedIdentity",
		fSubscription:         hintUseAzureCLI,
		fTokenFilePath:        hintUseWorkload,
		fSendCertificateChain: hintUseCertHelper,
	})
	if err != nil {
		return nil, err
	}
	c, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions:              o.ClientOptions,
		TenantID:                   o.TenantID,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		DisableInstanceDiscovery:   o.DisableInstanceDiscovery,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewAzureCLI returns a credential that runs "az account get-access-token" for each
// token: the user signed in with "az login" (the seed's SDK/CLI case). The az
// executable must be on PATH; the cloud is the CLI's own (az cloud set), so
// Options.ClientOptions is ignored. Uses Options.TenantID, AdditionallyAllowedTenants
// and Subscription.
func NewAzureCLI(opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewAzureCLI"
	o, err := opts.resolve(fn, []string{fTenantID, fAdditionallyAllowedTenants, fSubscription}, map[string]string{
		fClientID:             "the CLI uses the signed-in account",
		fTokenFilePath:        hintWorkloadOnly,
		fSendCertificateChain: hintCertificateOnly,
	})
	if err != nil {
		return nil, err
	}
	// Fail here rather than on the first request, where the error is further from the cause.
	if _, err := exec.LookPath("az"); err != nil {
		return nil, fmt.Errorf("auth: %s: the Azure CLI (az) is not on PATH; install it and run \"az login\", or choose another credential", fn)
	}
	c, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{
		TenantID:                   o.TenantID,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		Subscription:               o.Subscription,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewManagedIdentity returns a managed identity credential. clientID "" selects the
// system-assigned identity; otherwise it is the client id (a GUID) of a user-assigned
// identity. On Azure Machine Learning compute only the client id can select a
// user-assigned identity (object and resource ids are rejected by that environment),
// so this helper takes nothing else; use azidentity directly for object or resource
// ids elsewhere. Uses only Options.ClientOptions.
func NewManagedIdentity(clientID string, opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewManagedIdentity"
	o, err := opts.resolve(fn, nil, map[string]string{
		fTenantID:             hintManagedNoTenant,
		fClientID:             hintManagedClientArg,
		fSubscription:         hintUseAzureCLI,
		fTokenFilePath:        hintUseWorkload,
		fSendCertificateChain: hintCertificateOnly,
	})
	if err != nil {
		return nil, err
	}
	mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o.ClientOptions}
	if clientID != "" {
		if err := checkClientID(fn, "clientID", clientID); err != nil {
			return nil, fmt.Errorf("%w (on Azure ML compute only the client id selects a user-assigned identity; \"\" selects the system-assigned one)", err)
		}
		mo.ID = azidentity.ClientID(clientID)
	}
	c, err := azidentity.NewManagedIdentityCredential(mo)
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// spHints are the hints shared by the service principal helpers.
var spHints = map[string]string{
	fTenantID:      hintTenantArg,
	fClientID:      hintClientArg,
	fSubscription:  hintUseAzureCLI,
	fTokenFilePath: hintWorkloadOnly,
}

func checkSP(fn, tenantID, clientID string) error {
	if err := checkTenantID(fn, "tenantID", tenantID); err != nil {
		return err
	}
	return checkClientID(fn, "clientID", clientID)
}

// NewServicePrincipalSecret returns a credential for a service principal (app
// registration) with a client secret. The secret never appears in errors. Uses
// Options.AdditionallyAllowedTenants and DisableInstanceDiscovery.
func NewServicePrincipalSecret(tenantID, clientID, secret string, opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewServicePrincipalSecret"
	h := map[string]string{fSendCertificateChain: hintCertificateOnly}
	for k, v := range spHints {
		h[k] = v
	}
	o, err := opts.resolve(fn, []string{fAdditionallyAllowedTenants, fDisableInstanceDiscovery}, h)
	if err != nil {
		return nil, err
	}
	if err := checkSP(fn, tenantID, clientID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(secret) == "" {
		return nil, fmt.Errorf("auth: %s: secret is empty; pass the client secret's value (not its id)", fn)
	}
	c, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:              o.ClientOptions,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		DisableInstanceDiscovery:   o.DisableInstanceDiscovery,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewServicePrincipalCertificate returns a credential for a service principal with a
// certificate. certData holds the certificate(s) and the private key, PEM or PKCS#12
// (.pfx); password decrypts a PKCS#12 file and is nil otherwise. Parsing is
// azidentity.ParseCertificates, which cannot decrypt encrypted PEM keys nor PKCS#12
// files that use SHA-256 MACs; load those with another library and call
// azidentity.NewClientCertificateCredential. Uses Options.AdditionallyAllowedTenants,
// DisableInstanceDiscovery and SendCertificateChain.
func NewServicePrincipalCertificate(tenantID, clientID string, certData, password []byte, opts *Options) (azcore.TokenCredential, error) {
	return newCert("NewServicePrincipalCertificate", tenantID, clientID, certData, password, opts, "certData")
}

// NewServicePrincipalCertificateFile is [NewServicePrincipalCertificate] with the
// certificate read from a PEM or PKCS#12 file.
func NewServicePrincipalCertificateFile(tenantID, clientID, certPath string, password []byte, opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewServicePrincipalCertificateFile"
	if strings.TrimSpace(certPath) == "" {
		return nil, fmt.Errorf("auth: %s: certPath is empty; pass the path of a PEM or PKCS#12 (.pfx) file", fn)
	}
	// Check the cheap arguments before touching the file system.
	if _, err := opts.resolve(fn, certUsed, spHints); err != nil {
		return nil, err
	}
	if err := checkSP(fn, tenantID, clientID); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: read certPath: %w", fn, err)
	}
	return newCert(fn, tenantID, clientID, data, password, opts, fmt.Sprintf("certificate file %q", certPath))
}

var certUsed = []string{fAdditionallyAllowedTenants, fDisableInstanceDiscovery, fSendCertificateChain}

func newCert(fn, tenantID, clientID string, certData, password []byte, opts *Options, what string) (azcore.TokenCredential, error) {
	o, err := opts.resolve(fn, certUsed, spHints)
	if err != nil {
		return nil, err
	}
	if err := checkSP(fn, tenantID, clientID); err != nil {
		return nil, err
	}
	if len(certData) == 0 {
		return nil, fmt.Errorf("auth: %s: %s is empty; pass a PEM or PKCS#12 certificate with its private key", fn, what)
	}
	certs, key, err := azidentity.ParseCertificates(certData, password)
	if err != nil {
		hint := ""
		if len(password) == 0 {
			hint = "; if it is a password-protected PKCS#12 file, pass the password"
		}
		return nil, fmt.Errorf("auth: %s: %s is not a usable PEM or PKCS#12 certificate with private key: %w%s", fn, what, err, hint)
	}
	c, err := azidentity.NewClientCertificateCredential(tenantID, clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
		ClientOptions:              o.ClientOptions,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		DisableInstanceDiscovery:   o.DisableInstanceDiscovery,
		SendCertificateChain:       o.SendCertificateChain,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewWorkloadIdentity returns a Microsoft Entra Workload ID credential (AKS and other
// Kubernetes clusters with the workload identity webhook). Options.ClientID, TenantID
// and TokenFilePath override AZURE_CLIENT_ID, AZURE_TENANT_ID and
// AZURE_FEDERATED_TOKEN_FILE, which the webhook sets for pods labelled
// azure.workload.identity/use: "true". All missing values are reported at once. Also
// uses Options.AdditionallyAllowedTenants and DisableInstanceDiscovery.
func NewWorkloadIdentity(opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewWorkloadIdentity"
	o, err := opts.resolve(fn, []string{fTenantID, fClientID, fTokenFilePath, fAdditionallyAllowedTenants, fDisableInstanceDiscovery}, map[string]string{
		fSubscription:         hintUseAzureCLI,
		fSendCertificateChain: hintCertificateOnly,
	})
	if err != nil {
		return nil, err
	}
	pick := func(v, env string) string {
		if v != "" {
			return v
		}
		return os.Getenv(env)
	}
	clientID := pick(o.ClientID, envClientID)
	tenantID := pick(o.TenantID, envTenantID)
	file := pick(o.TokenFilePath, envFederatedToken)
	var missing []string
	if clientID == "" {
		missing = append(missing, envClientID+" (or Options.ClientID)")
	}
	if tenantID == "" {
		missing = append(missing, envTenantID+" (or Options.TenantID)")
	}
	if file == "" {
		missing = append(missing, envFederatedToken+" (or Options.TokenFilePath)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("auth: %s: missing %s; on AKS the workload identity webhook sets these for pods labelled azure.workload.identity/use: \"true\" whose service account is annotated with the client id", fn, strings.Join(missing, ", "))
	}
	if err := checkTenantID(fn, "tenant id", tenantID); err != nil {
		return nil, err
	}
	if err := checkClientID(fn, "client id", clientID); err != nil {
		return nil, err
	}
	c, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions:              o.ClientOptions,
		ClientID:                   clientID,
		TenantID:                   tenantID,
		TokenFilePath:              file,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		DisableInstanceDiscovery:   o.DisableInstanceDiscovery,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewDeviceCode returns an interactive device code credential: on the first token
// request the user is asked to open a URL and enter a code, which suits terminals
// without a browser (SSH sessions). prompt receives the instruction text to show the
// user; nil writes it to standard error (not standard output, which a CLI may use for
// results). Uses Options.TenantID ("organizations" when empty), ClientID,
// AdditionallyAllowedTenants and DisableInstanceDiscovery. The returned value is an
// *azidentity.DeviceCodeCredential, whose Authenticate method can sign in up front.
func NewDeviceCode(prompt func(ctx context.Context, message string) error, opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewDeviceCode"
	o, err := opts.resolve(fn, []string{fTenantID, fClientID, fAdditionallyAllowedTenants, fDisableInstanceDiscovery}, map[string]string{
		fSubscription:         hintUseAzureCLI,
		fTokenFilePath:        hintWorkloadOnly,
		fSendCertificateChain: hintCertificateOnly,
	})
	if err != nil {
		return nil, err
	}
	if o.TenantID != "" {
		if err := checkTenantID(fn, "Options.TenantID", o.TenantID); err != nil {
			return nil, err
		}
	}
	if o.ClientID != "" {
		if err := checkClientID(fn, "Options.ClientID", o.ClientID); err != nil {
			return nil, err
		}
	}
	if prompt == nil {
		prompt = func(_ context.Context, msg string) error {
			_, err := fmt.Fprintln(os.Stderr, msg)
			return err
		}
	}
	c, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions:              o.ClientOptions,
		TenantID:                   o.TenantID,
		ClientID:                   o.ClientID,
		AdditionallyAllowedTenants: o.AdditionallyAllowedTenants,
		DisableInstanceDiscovery:   o.DisableInstanceDiscovery,
		UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
			return prompt(ctx, m.Message)
		},
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}

// NewEnvironment returns a service principal credential configured entirely by
// environment variables: AZURE_TENANT_ID and AZURE_CLIENT_ID, plus AZURE_CLIENT_SECRET
// or AZURE_CLIENT_CERTIFICATE_PATH (with AZURE_CLIENT_CERTIFICATE_PASSWORD and
// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN as needed). Every missing variable is named in
// the error. Uses Options.ClientOptions and DisableInstanceDiscovery.
func NewEnvironment(opts *Options) (azcore.TokenCredential, error) {
	const fn = "NewEnvironment"
	o, err := opts.resolve(fn, []string{fDisableInstanceDiscovery}, map[string]string{
		fTenantID:                   "set " + envTenantID,
		fClientID:                   "set " + envClientID,
		fAdditionallyAllowedTenants: "set " + envAllowedTenants,
		fSubscription:               hintUseAzureCLI,
		fTokenFilePath:              hintUseWorkload,
		fSendCertificateChain:       "set " + envSendCertChain + "=true",
	})
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, v := range []string{envTenantID, envClientID} {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	hasSecret := os.Getenv(envClientSecret) != "" || os.Getenv(envCertPath) != "" ||
		(os.Getenv(envUsername) != "" && os.Getenv(envPassword) != "")
	if !hasSecret {
		missing = append(missing, "one of "+envClientSecret+" or "+envCertPath)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("auth: %s: missing environment variable %s", fn, strings.Join(missing, ", "))
	}
	c, err := azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{
		ClientOptions:            o.ClientOptions,
		DisableInstanceDiscovery: o.DisableInstanceDiscovery,
	})
	if err != nil {
		return nil, wrap(fn, err)
	}
	return c, nil
}
