package inputs

import (
	"fmt"
	"net/url"
	"strings"

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

// Validate checks that the URL is an absolute https URL without a fragment.
func (s StorageURLInput) Validate() error {
	shown := func() string { return redact.URL(s.url) } // only needed on error
	if strings.TrimSpace(s.url) == "" {
		return invalid("", "the storage URL is empty", "give an https URL such as https://<account>.blob.core.windows.net/<container>/<path>")
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return invalid(shown(), "the storage URL does not parse", "give an https URL such as https://<account>.blob.core.windows.net/<container>/<path>")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		return invalid(shown(), "plain http storage URLs are not accepted", "use the https:// form of the URL")
	default:
		return invalid(shown(), fmt.Sprintf("unsupported URL scheme %q", u.Scheme), "use an https:// storage URL, or an azureml://datastores/<name>/paths/<path> URI for a registered datastore")
	}
	if u.Host == "" {
		return invalid(shown(), "the storage URL has no host", "give an https URL such as https://<account>.blob.core.windows.net/<container>/<path>")
	}
	if u.Fragment != "" {
		return invalid(shown(), "the storage URL has a #fragment", "remove the part after #")
	}
	if strings.Trim(u.Path, "/") == "" {
		return invalid(shown(), "the storage URL names no container or path", "add the container and path: https://<host>/<container>/<path>")
	}
	if err := validateDataKind(s.kind); err != nil {
		return err
	}
	return validateMode(s.mode)
}

func (StorageURLInput) input() {}
