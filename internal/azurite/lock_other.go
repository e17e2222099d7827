//go:build !unix

package azurite

import "os"

// Without flock, concurrent installs are not serialized; npm ci itself still works.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) error { return nil }
