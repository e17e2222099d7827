package localdata

import (
	"context"
	"crypto/md5" //nolint:gosec // see uploadHashSeed
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// DefaultRacyWindow is how close to the start of hashing a file's
// modification (or change) time may be for the hash to be cached. File
// timestamps have a granularity: Linux stamps with a clock that advances
// every few milliseconds, FAT every 2 s, and network file systems take the
// server's clock. A file written in the same tick as it was hashed can be
// written again, with other content, without its time changing. As git's
// "racily clean" index entries, such a tree is hashed again next time
// instead of being trusted.
const DefaultRacyWindow = 2 * time.Second

// HashCache remembers the content hashes of local files and folders so that
// scanning an unchanged one again reads no content. An entry is keyed by the
// absolute path and holds a digest of everything the hash read: each name, the
// ignore file's text and, for each file hashed, its size, modification time
// and, where this package reads them (Linux, macOS, FreeBSD, NetBSD), change
// time, device and inode. A scan
// lists the tree (stat only) and reuses the hash when that digest is the same;
// any write changes the size or a time, and a replacement (rename over,
// restore from a backup with the old mtime) changes the inode and change time.
// Without them (Windows) nothing is cached: size and modification time alone
// cannot tell a rewrite that keeps both, and a wrong hash would reuse stale data.
//
// Trees with a file modified or changed within RacyWindow before the hashing
// started, or after it (a clock ahead), are not cached (see DefaultRacyWindow):
// data just written is hashed on every scan until it is that old. The cache holds at most its size in entries,
// dropping the least recently used. It is safe for concurrent use.
type HashCache struct {
	// RacyWindow overrides DefaultRacyWindow when positive (tests shorten it).
	RacyWindow time.Duration

	mu      sync.Mutex
	max     int
	tick    uint64
	entries map[string]*cacheEntry
	stats   CacheStats
}

type cacheEntry struct {
	digest [sha256.Size]byte
	hash   string
	used   uint64
}

// CacheStats counts what a HashCache did.
type CacheStats struct {
	// Hits are scans answered from the cache (no content read); Misses are
	// scans that hashed; Stored counts the entries written (a racy or changed
	// tree is hashed but not stored).
	Hits, Misses, Stored int
}

// NewHashCache returns a cache of at most size entries (256 when size <= 0).
func NewHashCache(size int) *HashCache {
	if size <= 0 {
		size = 256
	}
	return &HashCache{max: size}
}

// Stats returns the counts so far.
func (c *HashCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Scan is Scan with the cache: an unchanged tree is listed and not read.
// A nil cache scans.
func (c *HashCache) Scan(ctx context.Context, path string) (*Tree, error) {
	if c == nil {
		return Scan(ctx, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[abs]
	c.mu.Unlock()
	if e != nil {
		var look script
		look.init()
		t, err := listRecorded(ctx, path, nil, &look)
		if err != nil {
			return nil, err
		}
		if look.sum() == e.digest {
			c.mu.Lock()
			c.tick++
			e.used = c.tick
			c.stats.Hits++
			c.mu.Unlock()
			t.Hash = e.hash
			return t, nil
		}
	}
	start := time.Now()
	if Hooks.Now != nil {
		start = Hooks.Now()
	}
	var rec script
	rec.init()
	h := md5.New() //nolint:gosec // see uploadHashSeed
	h.Write([]byte(uploadHashSeed))
	t, err := listRecorded(ctx, path, h, &rec)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Misses++
	if err != nil {
		return nil, err
	}
	window := c.RacyWindow
	if window <= 0 {
		window = DefaultRacyWindow
	}
	if !statKeyRead || !rec.newest.Before(start.Add(-window)) {
		return t, nil // no file identity here, or racily clean: hash it again next time
	}
	c.storeLocked(abs, &cacheEntry{digest: rec.sum(), hash: t.Hash})
	return t, nil
}

func (c *HashCache) storeLocked(abs string, e *cacheEntry) {
	if c.entries == nil {
		c.entries = map[string]*cacheEntry{}
	}
	if _, ok := c.entries[abs]; !ok && len(c.entries) >= c.max {
		var oldest string
		var at uint64
		for k, v := range c.entries {
			if oldest == "" || v.used < at {
				oldest, at = k, v.used
			}
		}
		delete(c.entries, oldest)
	}
	c.tick++
	e.used = c.tick
	c.entries[abs] = e
	c.stats.Stored++
}

// script is a digest of what a hash reads: names, and files by their stat.
// Each record is tagged and length-framed, so different sequences never
// digest alike.
type script struct {
	h      hash.Hash
	newest time.Time // the latest modification or change time of a file recorded
	buf    []byte
}

func (s *script) init() { s.h = sha256.New() }

func (s *script) name(n string) {
	s.buf = append(s.buf[:0], 'n')
	s.buf = binary.AppendUvarint(s.buf, uint64(len(n)))
	s.h.Write(s.buf)
	s.h.Write([]byte(n))
}

func (s *script) file(fi fs.FileInfo) {
	k := statKeyOf(fi)
	s.buf = append(s.buf[:0], 'f')
	s.buf = binary.AppendVarint(s.buf, fi.Size())
	s.buf = binary.AppendVarint(s.buf, fi.ModTime().UnixNano())
	s.buf = binary.AppendVarint(s.buf, k.ctime)
	s.buf = binary.AppendUvarint(s.buf, k.dev)
	s.buf = binary.AppendUvarint(s.buf, k.ino)
	s.h.Write(s.buf)
	for _, t := range []time.Time{fi.ModTime(), time.Unix(0, k.ctime)} {
		if t.After(s.newest) {
			s.newest = t
		}
	}
}

func (s *script) sum() (d [sha256.Size]byte) {
	s.h.Sum(d[:0])
	return d
}
