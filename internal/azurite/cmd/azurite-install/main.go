// Command azurite-install installs the pinned Azurite into the project's
// .azurite/ folder (or $AZMLBATCH_AZURITE_DIR), exactly as tests would on first
// use. CI runs it up front so install time is not charged to one test's timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

func main() {
	dir := flag.String("dir", "", "install directory (default: $"+azurite.DirEnv+", else <module root>/.azurite)")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(*dir, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "azurite-install:", err)
		os.Exit(1)
	}
}

func run(dir string, timeout time.Duration) error {
	if dir == "" {
		d, err := azurite.DefaultDir()
		if err != nil {
			return err
		}
		dir = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := azurite.Install(ctx, dir); err != nil {
		return err
	}
	fmt.Printf("azurite %s ready in %s (%.1fs)\n", azurite.PinnedVersion(), dir, time.Since(start).Seconds())
	return nil
}
