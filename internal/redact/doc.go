// Package redact hides secrets (SAS signatures, account keys, bearer tokens) in
// strings that may reach logs, errors or fmt output.
//
//	redact.URL("https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=abc") // ...&sig=REDACTED
package redact
