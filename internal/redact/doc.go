// Package redact hides secrets in strings that may reach logs, errors or fmt
// output. String is the SDK's one redactor; every error, String/Format method,
// service error body and log body goes through it.
//
//	redact.String("https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=abc") // ...&sig=REDACTED
//
// Secret forms: SAS signatures (sig=, only; sv, se, skoid and the other SAS
// fields are identifiers and dates and stay readable) and other credential
// keys in queries, fragments and connection strings, raw, percent-encoded any
// number of times or JSON-escaped; URL user-info passwords; Authorization
// headers, Bearer/Basic/SharedKey credentials and bare JWTs; storage account
// keys; secret JSON fields of listSecrets/listKeys answers.
package redact
