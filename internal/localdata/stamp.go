package localdata

import (
	"fmt"
	"io/fs"
	"os"
	"time"
)

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

// ChangedError reports a local file that changed after it was hashed: it is
// never stored under the hash of its old content.
type ChangedError struct {
	// Path is the file as the user would recognize it.
	Path string
	// While says when the change was seen ("it was being hashed", ...).
	While string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("the local file %s changed while %s (its size, modification time or identity is not what was hashed), "+
		"so it is not uploaded under the old content's hash; retry once the file no longer changes", e.Path, e.While)
}
