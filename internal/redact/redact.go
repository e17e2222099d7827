package redact

import (
	"regexp"
)

// Placeholder replaces a secret value.
const Placeholder = "REDACTED"

// Query parameters whose values are secrets. SAS tokens carry the signature in sig;
// the other names are used by storage and identity endpoints for keys and tokens.
var secretParam = regexp.MustCompile(`(?i)([?&;](?:sig|signature|accountkey|account_key|access_token|code|client_secret)=)([^&#;\s"'\\]*)`)

// bearer matches an Authorization bearer value.
var bearer = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*`)

// URL returns s with the values of secret query parameters (sig=, ...) replaced.
// It works on any text, not only on a parseable URL, so a URL embedded in a
// message is redacted as well.
func URL(s string) string {
	return secretParam.ReplaceAllString(s, "${1}"+Placeholder)
}

// Text redacts SAS signatures, keys in connection strings and bearer tokens in s.
func Text(s string) string {
	s = URL(s)
	s = connKey.ReplaceAllString(s, "${1}"+Placeholder)
	return bearer.ReplaceAllString(s, "${1}"+Placeholder)
}

var connKey = regexp.MustCompile(`(?i)((?:^|;)\s*(?:AccountKey|SharedAccessSignature)=)([^;]*)`)
