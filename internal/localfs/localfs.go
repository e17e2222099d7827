// Package localfs reads files a user names (local inputs, YAML files,
// certificates) without ever blocking on a special file: opening a FIFO for
// reading waits for a writer forever, and opening a device can have side
// effects, so only regular files are opened.
package localfs

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens path for reading only if it is a regular file (symbolic links
// followed). The mode is checked before opening and again on the open file,
// in case the path was swapped in between; where the OS has O_NONBLOCK the
// open uses it, so even a swapped-in FIFO cannot block. A special file is a
// *SpecialFileError.
func Open(path string) (*os.File, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &SpecialFileError{Path: path, Mode: fi.Mode()}
	}
	f, err := os.OpenFile(path, openReadFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &SpecialFileError{Path: path, Mode: fi.Mode()}
	}
	return f, fi, nil
}

// ReadFile is os.ReadFile for regular files only (see Open).
func ReadFile(path string) ([]byte, error) {
	f, _, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// SpecialFileError is a path that is not a regular file where one is read.
type SpecialFileError struct {
	Path string
	Mode fs.FileMode
}

// Error names the path and what it is.
func (e *SpecialFileError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, Describe(e.Mode))
}

// Describe names the kind of a file that is not regular, for messages.
func Describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
	}
	return "an irregular file"
}
