package azurite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The well-known development account every Azurite instance serves. The key is
// published in Microsoft's docs; it is still kept out of String output.
const (
	devAccountName = "devstoreaccount1"
	devAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// stopTimeout bounds the wait after SIGTERM before Stop kills the process.
// Azurite flushes its metadata on SIGTERM, which takes seconds on a loaded
// machine after large uploads.
const stopTimeout = 15 * time.Second

// ErrKilled is wrapped by Stop's error when Azurite did not exit within the
// timeout after SIGTERM and was killed: the process is gone, only slow.
var ErrKilled = errors.New("azurite: killed after SIGTERM timed out")

// defaultStartTimeout bounds the wait for the "listens on" line; the very first
// start on a cold machine took about 7 s, so this leaves ample room under load.
const defaultStartTimeout = 60 * time.Second

var listenRE = regexp.MustCompile(`Azurite Blob service successfully listens on (\S+)`)

// Options configures Start. The zero value (or nil) starts plain HTTP with shared
// key and SAS auth, in memory, installing Azurite first if needed.
type Options struct {
	// Dir is the install directory; DefaultDir() when empty.
	Dir string
	// NoInstall makes Start fail instead of running Install when Azurite is missing.
	NoInstall bool
	// CertFile and KeyFile (PEM) switch the endpoint to HTTPS. The certificate
	// must carry the IP SAN 127.0.0.1.
	CertFile, KeyFile string
	// OAuth adds --oauth basic so bearer tokens are accepted (shared key and SAS
	// keep working). It needs HTTPS: Azurite and azcore both refuse bearer over HTTP.
	OAuth bool
	// Location stores blobs on disk in this directory instead of in memory, which
	// keeps memory flat for large uploads.
	Location string
	// ExtraArgs are appended to Azurite's command line.
	ExtraArgs []string
	// StartTimeout bounds the wait for Azurite to listen (install time excluded);
	// 60 s when zero.
	StartTimeout time.Duration
	// Output, if set, receives a copy of Azurite's stdout and stderr.
	Output io.Writer
	// Env is added to Azurite's environment (e.g. AccountsEnv's entry).
	Env []string
}

// Instance is one running Azurite blob service. Its methods are safe for
// concurrent use; String never includes the account key.
type Instance struct {
	cmd     *exec.Cmd
	scheme  string
	port    int
	workDir string
	log     *tailBuffer

	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // set before exited is closed
	drained chan struct{} // closed when the output pipe hits EOF

	stopOnce sync.Once
	stopErr  error
}

// Start installs Azurite if needed and starts a blob-only instance on
// 127.0.0.1 with an ephemeral port. ctx bounds installation and startup only;
// the instance runs until Stop.
func Start(ctx context.Context, opts *Options) (*Instance, error) {
	if opts == nil {
		opts = &Options{}
	}
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return nil, errors.New("azurite: CertFile and KeyFile must be set together")
	}
	if opts.OAuth && opts.CertFile == "" {
		return nil, errors.New("azurite: OAuth needs HTTPS (set CertFile and KeyFile)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("azurite: node not found: %w", ErrNodeNotFound)
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	if !opts.NoInstall {
		if err := Install(ctx, dir); err != nil {
			return nil, err
		}
	}
	script := mainJS(dir)
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("azurite: not installed in %s (run go run ./internal/azurite/cmd/azurite-install): %w", dir, err)
	}

	// A private working dir keeps any stray Azurite files out of the caller's cwd.
	workDir, err := os.MkdirTemp("", "azurite-")
	if err != nil {
		return nil, fmt.Errorf("azurite: %w", err)
	}
	args := []string{script, "--blobHost", "127.0.0.1", "--blobPort", "0",
		"--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"}
	if opts.Location != "" {
		args = append(args, "--location", opts.Location)
	} else {
		args = append(args, "--inMemoryPersistence")
	}
	if opts.CertFile != "" {
		args = append(args, "--cert", opts.CertFile, "--key", opts.KeyFile)
	}
	if opts.OAuth {
		args = append(args, "--oauth", "basic")
	}
	args = append(args, opts.ExtraArgs...)

	// One pipe for stdout and stderr; we own both ends so reading never races Wait.
	pr, pw, err := os.Pipe()
	if err != nil {
		os.RemoveAll(workDir)
		return nil, fmt.Errorf("azurite: %w", err)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = workDir
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		os.RemoveAll(workDir)
		return nil, fmt.Errorf("azurite: start node: %w", err)
	}
	pw.Close()

	inst := &Instance{cmd: cmd, workDir: workDir, log: &tailBuffer{max: 8 << 10},
		exited: make(chan struct{}), drained: make(chan struct{})}
	go func() {
		inst.waitErr = cmd.Wait()
		close(inst.exited)
	}()

	// Drain output for the life of the process so Azurite never blocks on a full pipe.
	listening := make(chan string, 1)
	go func() {
		defer close(inst.drained)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			inst.log.add(line)
			if opts.Output != nil {
				fmt.Fprintln(opts.Output, line)
			}
			if m := listenRE.FindStringSubmatch(line); m != nil {
				select {
				case listening <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr) // after an over-long line, keep draining
	}()

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	fail := func(format string, a ...any) (*Instance, error) {
		_ = inst.Stop()
		select { // let the last output lines arrive for the error message
		case <-inst.drained:
		case <-time.After(time.Second):
		}
		return nil, fmt.Errorf("azurite: "+format+"; output:\n%s", append(a, inst.log.String())...)
	}
	select {
	case raw := <-listening:
		u, err := url.Parse(raw)
		if err != nil {
			return fail("bad listen address %q: %v", raw, err)
		}
		port, err := strconv.Atoi(u.Port())
		if err != nil || port == 0 {
			return fail("bad listen address %q", raw)
		}
		inst.scheme, inst.port = u.Scheme, port
		return inst, nil
	case <-inst.exited:
		return fail("exited during startup: %v", inst.waitErr)
	case <-timer.C:
		return fail("did not listen within %v", timeout)
	case <-ctx.Done():
		return fail("startup: %v", ctx.Err())
	}
}

// BlobURL returns the path-style service URL, e.g.
// http://127.0.0.1:PORT/devstoreaccount1 (https when started with a cert).
func (i *Instance) BlobURL() string {
	return fmt.Sprintf("%s://127.0.0.1:%d/%s", i.scheme, i.port, devAccountName)
}

// AccountName returns the emulator's account name, devstoreaccount1.
func (i *Instance) AccountName() string { return devAccountName }

// AccountKey returns the well-known development account key.
func (i *Instance) AccountKey() string { return devAccountKey }

// ConnectionString returns a connection string with an explicit BlobEndpoint,
// since Go's azblob does not understand UseDevelopmentStorage=true.
func (i *Instance) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=%s;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		i.scheme, devAccountName, devAccountKey, i.BlobURL())
}

// Port returns the TCP port Azurite listens on.
func (i *Instance) Port() int { return i.port }

// PID returns the process id of the node process.
func (i *Instance) PID() int { return i.cmd.Process.Pid }

// String describes the instance without credentials.
func (i *Instance) String() string {
	return fmt.Sprintf("azurite(pid=%d, %s)", i.PID(), i.BlobURL())
}

// GoString keeps %#v as short and key-free as %v.
func (i *Instance) GoString() string { return i.String() }

// Stop sends SIGTERM, waits up to 15 s, then kills the process. It is idempotent
// and reports an error if Azurite had already exited on its own or had to be killed.
func (i *Instance) Stop() error {
	i.stopOnce.Do(func() {
		defer os.RemoveAll(i.workDir)
		select {
		case <-i.exited:
			i.stopErr = fmt.Errorf("azurite: exited before Stop: %v; output:\n%s", i.waitErr, i.log.String())
			return
		default:
		}
		_ = i.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-i.exited:
		case <-time.After(stopTimeout):
			_ = i.cmd.Process.Kill()
			<-i.exited
			i.stopErr = fmt.Errorf("%w: no exit %v after SIGTERM", ErrKilled, stopTimeout)
		}
	})
	return i.stopErr
}

// tailBuffer keeps the last max bytes of output lines for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(append(t.b, line...), '\n')
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimRight(string(t.b), "\n")
}
