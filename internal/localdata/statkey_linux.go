//go:build linux

package localdata

import (
	"io/fs"
	"syscall"
)

// statKeyRead: this system reports change time, device and inode.
const statKeyRead = true

// statKey is what identifies a file beyond its size and modification time.
type statKey struct {
	ctime    int64 // status change time, ns; 0 when unknown
	dev, ino uint64
}

func statKeyOf(fi fs.FileInfo) statKey {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statKey{}
	}
	return statKey{ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec, dev: uint64(st.Dev), ino: st.Ino} //nolint:unconvert // Dev's type differs by OS
}
