package inputs

import (
	"errors"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// LocalPathInput is a file or folder on this machine. The client uploads it to the
// workspace's default datastore (under LocalUpload/<md5>/<name>) before the job is
// created and sends the resulting azureml://datastores/... URI.
type LocalPathInput struct {
	path    string
	kind    Kind
	kindSet bool
	mode    Mode
}

// LocalPath returns an input for the file or folder at path; its kind follows what
// is on disk unless File or Folder asserts one.
func LocalPath(path string) LocalPathInput { return LocalPathInput{path: path} }

// File returns a copy that must be a file (uri_file).
func (l LocalPathInput) File() LocalPathInput { l.kind, l.kindSet = KindURIFile, true; return l }

// Folder returns a copy that must be a folder (uri_folder).
func (l LocalPathInput) Folder() LocalPathInput { l.kind, l.kindSet = KindURIFolder, true; return l }

// WithMode returns a copy with the given input mode.
func (l LocalPathInput) WithMode(m Mode) LocalPathInput { l.mode = m; return l }

// Path returns the path as given.
func (l LocalPathInput) Path() string { return l.path }

// Kind returns the asserted kind, else uri_file for a file on disk and uri_folder otherwise.
func (l LocalPathInput) Kind() Kind {
	if l.kindSet {
		return l.kind
	}
	if fi, err := os.Stat(l.path); err == nil && !fi.IsDir() {
		return KindURIFile
	}
	return KindURIFolder
}

// Mode returns the input mode ("" = deployment default).
func (l LocalPathInput) Mode() Mode { return l.mode }

// String returns the path with secrets redacted (a mistyped URL may be one).
func (l LocalPathInput) String() string { return redact.String(l.path) }

// Validate checks that the path exists, matches an asserted kind, and that a
// folder holds at least one file.
func (l LocalPathInput) Validate() error {
	if l.path == "" {
		return invalid("", "the local path is empty", "give the path of a file or folder to upload")
	}
	fi, err := os.Stat(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return invalid(l.path, "there is no file or folder at this local path", "check the path (relative paths are read from the current directory)")
	}
	if err != nil {
		return invalid(l.path, "cannot read the local path: "+err.Error(), "check its permissions")
	}
	switch {
	case l.kindSet && l.kind == KindURIFile && fi.IsDir():
		return invalid(l.path, "uri_file was asked for but the local path is a folder", "use Folder()/uri_folder, or point at a file inside it")
	case l.kindSet && l.kind == KindURIFolder && !fi.IsDir():
		return invalid(l.path, "uri_folder was asked for but the local path is a file", "use File()/uri_file, or point at its folder")
	case !fi.IsDir() && !fi.Mode().IsRegular():
		return invalid(l.path, "the local path is neither a regular file nor a folder", "point at a file or a folder")
	}
	if fi.IsDir() {
		empty, err := folderEmpty(l.path)
		if err != nil {
			return invalid(l.path, "cannot list the local folder: "+err.Error(), "check its permissions")
		}
		if empty {
			return invalid(l.path, "the local folder holds no files", "put the input files in it, or point at another folder")
		}
	}
	if l.kindSet {
		if err := validateDataKind(l.kind); err != nil {
			return err
		}
	}
	return validateMode(l.mode)
}

// folderEmpty reports whether no regular file exists below dir. A symbolic link
// counts as content: the upload follows links (as azure-ai-ml does), and the
// client's upload scan judges where they lead.
func folderEmpty(dir string) (bool, error) {
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			return found
		}
		return nil
	})
	if err == found {
		return false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return true, nil
}

func (LocalPathInput) input() {}

// GoString keeps %#v free of secrets.
func (l LocalPathInput) GoString() string {
	return "inputs.LocalPathInput(" + strconv.Quote(l.String()) + ")"
}

// Format prints the redacted String for every verb.
func (l LocalPathInput) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, l.String(), l.GoString())
}
