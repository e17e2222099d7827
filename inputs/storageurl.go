package inputs

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// StorageURLInput is data at an https URL, usually an Azure Storage blob or folder,
// public or with a SAS token in its query. Its String, GoString and Format
// methods, and every error about it, show the SAS signature as sig=REDACTED.
type StorageURLInput struct {
	url  string
	kind Kind
	mode Mode
}

// StorageURL returns a uri_folder input for the https URL u.
func StorageURL(u string) StorageURLInput {
	return StorageURLInput{url: u, kind: KindURIFolder}
}

// File returns a copy that reads u as a single file (uri_file).
func (s StorageURLInput) File() StorageURLInput { s.kind = KindURIFile; return s }

// Folder returns a copy that reads u as a folder (uri_folder).
func (s StorageURLInput) Folder() StorageURLInput { s.kind = KindURIFolder; return s }

// WithMode returns a copy with the given input mode.
func (s StorageURLInput) WithMode(m Mode) StorageURLInput { s.mode = m; return s }

// URL returns the URL as given, including any SAS token: treat it as a secret.
func (s StorageURLInput) URL() string { return s.url }

// Kind returns uri_folder or uri_file.
func (s StorageURLInput) Kind() Kind { return s.kind }

// Mode returns the input mode ("" = deployment default).
func (s StorageURLInput) Mode() Mode { return s.mode }

// HasSAS reports whether the URL carries a SAS signature.
func (s StorageURLInput) HasSAS() bool {
	u, err := url.Parse(s.url)
	return err == nil && u.Query().Get("sig") != ""
}

// String returns the URL with its SAS signature and any password redacted.
func (s StorageURLInput) String() string { return redact.String(s.url) }

// GoString keeps %#v free of secrets.
func (s StorageURLInput) GoString() string {
	return fmt.Sprintf("inputs.StorageURL(%q).kind(%q).mode(%q)", s.String(), s.kind, s.mode)
}

// Format prints the redacted form for every verb, so no verb can reveal the token.
func (s StorageURLInput) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// Validate checks the URL against what the service reads: an absolute https URL
// (Azure Blob Storage or ADLS Gen2, public or with a SAS token, or any public
// https file or folder) with a host, a path, and no user info or fragment.
// Azure Files, queue and table endpoints are rejected: batch endpoints read
// Blob and Data Lake storage only (service contract 6.1). wasbs:// and
// abfss:// URLs are rejected with their https equivalent as the fix.
func (s StorageURLInput) Validate() error {
	const example = "give an https URL such as https://<account>.blob.core.windows.net/<container>/<path>"
	if strings.TrimSpace(s.url) == "" {
		return invalid("", "the storage URL is empty", example)
	}
	if i := strings.IndexFunc(s.url, func(r rune) bool { return r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return invalid(shownURL(s.url), "the storage URL contains a space or control character", "percent-encode spaces as %20 and remove line breaks")
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return invalid(shownURL(s.url), "the storage URL does not parse", example)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		return invalid(shownURL(s.url), "plain http storage URLs are not accepted", "use the https:// form of the URL")
	case "wasbs", "wasb", "abfss", "abfs":
		return invalid(shownURL(s.url), fmt.Sprintf("the service does not read %s:// URLs", strings.ToLower(u.Scheme)), httpsEquivalent(u))
	default:
		return invalid(shownURL(s.url), fmt.Sprintf("unsupported URL scheme %q", u.Scheme), "use an https:// storage URL, or an azureml://datastores/<name>/paths/<path> URI for a registered datastore")
	}
	if u.User != nil {
		// Never echo the password: shownURL drops the user info.
		return invalid(shownURL(s.url), "the storage URL carries a user name or password (user:password@host)", "remove the user info; give access with a SAS token in the query (?sv=...&sig=...) or register the storage as a datastore")
	}
	host := u.Hostname()
	if host == "" {
		return invalid(shownURL(s.url), "the storage URL has no host", example)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalid(shownURL(s.url), "the storage URL's port is not a number from 1 to 65535", "remove the port or correct it")
		}
	}
	if svc, ok := unsupportedStorageService(host); ok {
		return invalid(shownURL(s.url), fmt.Sprintf("batch endpoints read Azure Blob Storage and Data Lake Storage Gen2, not Azure %s", svc), "copy the data to a blob container and give its https://<account>.blob.core.windows.net/<container>/<path> URL")
	}
	if u.Fragment != "" || strings.Contains(s.url, "#") {
		return invalid(shownURL(s.url), "the storage URL has a #fragment", "remove the part after #")
	}
	if strings.Trim(u.Path, "/") == "" {
		return invalid(shownURL(s.url), "the storage URL names no container or path", "add the container and path: https://<host>/<container>/<path>")
	}
	if err := validateDataKind(s.kind); err != nil {
		return err
	}
	return validateMode(s.mode)
}

// shownURL is the URL as errors may show it: SAS signature redacted and any user
// info removed (a password must never reach an error or log).
func shownURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		return redact.URL(u.String())
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		if i := strings.Index(raw, "://"); i >= 0 && i < at && !strings.ContainsAny(raw[i+3:at], "/?#") {
			return redact.URL(raw[:i+3] + "REDACTED@" + raw[at+1:])
		}
	}
	return redact.URL(raw)
}

// unsupportedStorageService names the Azure Storage service of an
// account host (<account>.<service>.core.<cloud suffix>) that is not Blob or DFS.
func unsupportedStorageService(host string) (string, bool) {
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) < 4 || labels[2] != "core" {
		return "", false
	}
	switch labels[1] {
	case "file":
		return "Files shares", true
	case "queue":
		return "Queue storage", true
	case "table":
		return "Table storage", true
	}
	return "", false
}

// httpsEquivalent rewrites wasbs://<container>@<account>.blob.<suffix>/<path>
// (and abfss:// on dfs) to the https URL the service reads.
func httpsEquivalent(u *url.URL) string {
	if u.User != nil && u.User.Username() != "" && u.Host != "" {
		return fmt.Sprintf("use https://%s/%s%s", u.Host, u.User.Username(), u.EscapedPath())
	}
	return "use the https://<account>.blob.core.windows.net/<container>/<path> form of the URL"
}

func (StorageURLInput) input() {}
