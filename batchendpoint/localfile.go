package batchendpoint

import (
	"fmt"
	"io/fs"
	"os"
	"time"
)

// openRegular opens path for reading only if it is a regular file. The mode is
// checked before opening (opening a FIFO for reading blocks until a writer
// comes; opening a device can have side effects) and again on the open file,
// in case the path was swapped in between. openReadFlags adds O_NONBLOCK where
// the OS has it, so even a swapped-in FIFO cannot block the open.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &specialFileError{path: path, mode: fi.Mode()}
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
		return nil, nil, &specialFileError{path: path, mode: fi.Mode()}
	}
	return f, fi, nil
}

// specialFileError is a path that is neither a regular file nor a folder.
type specialFileError struct {
	path string
	mode fs.FileMode
}

func (e *specialFileError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.path, describeMode(e.mode))
}

// describeMode names the kind of a special file for error messages.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// fileStamp is what a local file looked like when it was hashed: an upload
// compares it with the open file before and after sending, so that a file
// that changed in between is never stored under the hash of its old content.
// Same file (inode and device where the OS has them), size and modification
// time: a write changes the size or the time, a replacement the identity.
type fileStamp struct {
	fi    fs.FileInfo
	size  int64
	mtime time.Time
}

func stampOf(fi fs.FileInfo) fileStamp {
	return fileStamp{fi: fi, size: fi.Size(), mtime: fi.ModTime()}
}

func (s fileStamp) matches(fi fs.FileInfo) bool {
	return s.fi != nil && os.SameFile(s.fi, fi) && s.size == fi.Size() && s.mtime.Equal(fi.ModTime())
}

// localChangedError reports a local file that changed after it was hashed.
type localChangedError struct {
	path  string // as the user would recognize it
	while string // "hashing" or "uploading"
}

func (e *localChangedError) Error() string {
	return fmt.Sprintf("the local file %s changed while %s (its size, modification time or identity is not what was hashed), "+
		"so it is not uploaded under the old content's hash; retry once the file no longer changes", e.path, e.while)
}
