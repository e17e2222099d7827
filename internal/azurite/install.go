package azurite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed npm/package.json npm/package-lock.json
var npmFiles embed.FS

// modulePath identifies this repository's go.mod when looking for the module root.
const modulePath = "github.com/azmlbatch/azmlbatch"

// DirEnv names the environment variable that overrides the install directory.
const DirEnv = "AZMLBATCH_AZURITE_DIR"

// stampName is written inside node_modules after a successful install; npm ci
// removes node_modules first, so a half-finished install never looks complete.
const stampName = ".azmlbatch-install-stamp"

// ErrNodeNotFound is returned (wrapped) when node or npm is not on PATH.
var ErrNodeNotFound = errors.New("install Node.js 20+ with npm (e.g. apt-get install nodejs npm) and put node and npm on PATH")

var pinned = mustPinnedVersion()

func mustPinnedVersion() string {
	b, err := npmFiles.ReadFile("npm/package.json")
	if err != nil {
		panic(err)
	}
	var pj struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		panic(fmt.Sprintf("azurite: embedded package.json: %v", err))
	}
	v := pj.Dependencies["azurite"]
	if v == "" {
		panic("azurite: embedded package.json does not pin azurite")
	}
	return v
}

// PinnedVersion reports the exact Azurite version this package installs.
func PinnedVersion() string { return pinned }

// DefaultDir returns the install directory: $AZMLBATCH_AZURITE_DIR if set, else
// .azurite/ at the root of this module when the working directory is inside it,
// else azmlbatch/azurite under the user cache directory.
func DefaultDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return filepath.Abs(d)
	}
	if wd, err := os.Getwd(); err == nil {
		if root, ok := findModuleRoot(wd); ok {
			return filepath.Join(root, ".azurite"), nil
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("azurite: no install dir: set %s: %w", DirEnv, err)
	}
	return filepath.Join(cache, "azmlbatch", "azurite"), nil
}

// findModuleRoot walks up from dir to the directory whose go.mod declares modulePath.
func findModuleRoot(dir string) (string, bool) {
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declaresModule(b) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func declaresModule(gomod []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == modulePath
		}
	}
	return false
}

// Install makes sure the pinned Azurite is installed in dir (DefaultDir when
// empty). It is a no-op when the pinned version is already there. A file lock in
// dir serializes concurrent callers, including other processes.
func Install(ctx context.Context, dir string) error {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("azurite: install dir: %w", err)
	}
	unlock, err := lockDir(ctx, filepath.Join(dir, ".install.lock"))
	if err != nil {
		return fmt.Errorf("azurite: lock install dir %s: %w", dir, err)
	}
	defer unlock()

	if installed(dir) {
		return nil
	}
	if err := checkNode(ctx); err != nil {
		return err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("azurite: npm not found: %w", ErrNodeNotFound)
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, _ := npmFiles.ReadFile("npm/" + name)
		if err := writeIfChanged(filepath.Join(dir, name), b); err != nil {
			return fmt.Errorf("azurite: %w", err)
		}
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("azurite: npm ci in %s: %w\n%s", dir, err, tail(out.String(), 4000))
	}
	if v := installedVersion(dir); v != pinned {
		return fmt.Errorf("azurite: npm ci installed azurite %q, want %s", v, pinned)
	}
	return os.WriteFile(filepath.Join(dir, "node_modules", stampName), []byte(lockHash()), 0o644)
}

// installed reports whether dir holds a finished install of the embedded lock file.
func installed(dir string) bool {
	if installedVersion(dir) != pinned {
		return false
	}
	if _, err := os.Stat(mainJS(dir)); err != nil {
		return false
	}
	stamp, err := os.ReadFile(filepath.Join(dir, "node_modules", stampName))
	return err == nil && string(stamp) == lockHash()
}

func installedVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "azurite", "package.json"))
	if err != nil {
		return ""
	}
	var pj struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pj) != nil {
		return ""
	}
	return pj.Version
}

func lockHash() string {
	b, _ := npmFiles.ReadFile("npm/package-lock.json")
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func mainJS(dir string) string {
	return filepath.Join(dir, "node_modules", "azurite", "dist", "src", "blob", "main.js")
}

func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}

// checkNode verifies node is on PATH and at least version 20, which Azurite's
// dependencies require.
func checkNode(ctx context.Context) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("azurite: node not found: %w", ErrNodeNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return fmt.Errorf("azurite: node --version: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if major < 20 {
		return fmt.Errorf("azurite: node %s is too old: %w", v, ErrNodeNotFound)
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// lockDir takes an exclusive lock on path, polling so ctx can cancel the wait.
func lockDir(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if ok {
			return func() { _ = unlockFile(f); _ = f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
