package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/jmespath/go-jmespath"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// Exit codes.
const (
	exitOK        = 0
	exitService   = 1
	exitUsage     = 2
	exitJobFailed = 3
)

// globals are the flags every command takes.
type globals struct {
	subscription, resourceGroup, workspace string
	output, query                          string
	onlyShowErrors, debug                  bool
	local                                  string
	emulator                               bool
	compiled                               *jmespath.JMESPath
}

// app is one run of the command line.
type app struct {
	stdout, stderr io.Writer
	g              globals
	ran            bool // a command's RunE started: later errors are not about the command line
	ws             *workspace
	// describe formats errors of the running command (invoke names its flags).
	describe func(error) string
	// stopDebug ends --debug logging.
	stopDebug func()
}

// usageError is a command line the program cannot run: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// jobEndedError is a waited-for job that did not complete: exit 3.
type jobEndedError struct {
	name   string
	status batchendpoint.JobStatus
	err    error
}

func (e *jobEndedError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("job %s ended %s", e.name, e.status)
}

func (e *jobEndedError) Unwrap() error { return e.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(expandSets(args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.ws != nil {
		a.ws.close()
	}
	if a.stopDebug != nil {
		a.stopDebug()
	}
	return a.report(err)
}

// report prints err and returns the exit code.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	code := exitService
	var ue *usageError
	var ve *inputs.ValidationError
	var je *jobEndedError
	var fe *batchendpoint.JobFailedError
	switch {
	case errors.As(err, &je), errors.As(err, &fe):
		code = exitJobFailed
	case errors.As(err, &ue), errors.As(err, &ve), !a.ran:
		code = exitUsage
	}
	msg := err.Error()
	if a.describe != nil {
		msg = a.describe(err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && !a.g.debug {
		// azcore's text is a multi-line dump; the code and the first line say what happened.
		msg = responseSummary(re, msg)
	}
	fmt.Fprintln(a.stderr, "ERROR:", msg)
	if code == exitUsage && !a.ran {
		fmt.Fprintln(a.stderr, "Run the command with --help for its flags.")
	}
	return code
}

// responseSummary shortens azcore's multi-line ResponseError text to the
// service's code and message, as az prints "(Code) message".
func responseSummary(re *azcore.ResponseError, msg string) string {
	// azcore's text starts with "METHOD URL" on its own line, maybe after a
	// caller's "context: " prefix; anything else is a message of our own.
	first, _, multi := strings.Cut(msg, "\n")
	at := -1
	for _, m := range []string{"GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HEAD "} {
		if i := strings.Index(first, m); i >= 0 && (i == 0 || strings.HasSuffix(first[:i], ": ")) && strings.Contains(first[i:], "://") {
			at = i
			break
		}
	}
	if at < 0 || !multi {
		return msg
	}
	s := first[:at] + fmt.Sprintf("the service answered %d", re.StatusCode)
	if re.ErrorCode != "" {
		s = fmt.Sprintf("(%s) %s", re.ErrorCode, s)
		if at > 0 {
			s = first[:at] + fmt.Sprintf("(%s) the service answered %d", re.ErrorCode, re.StatusCode)
		}
	}
	if m := serviceMessage().FindStringSubmatch(msg); m != nil {
		if u, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
			return s + ": " + u
		}
	}
	return s
}

// serviceMessage finds the first "message" of the error body azcore quotes;
// compiled on first use, not at package init.
var serviceMessage = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`"message"\s*:\s*"((?:[^"\\]|\\.)*)"`)
})

// expandSets turns az's "--set a=1 b=2" (one flag, several assignments) into
// one --set per assignment, which is what the flag parser understands.
func expandSets(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		out = append(out, args[i])
		if args[i] == "--" {
			return append(out, args[i+1:]...)
		}
		if args[i] != "--set" || i+1 >= len(args) {
			continue
		}
		i++
		out = append(out, args[i])
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && strings.Contains(args[i+1], "=") {
			i++
			out = append(out, "--set", args[i])
		}
	}
	return out
}

var outputFormats = []string{"json", "jsonc", "table", "tsv", "yaml", "none"}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "azmlbatch",
		Short: "Azure Machine Learning batch endpoints from the command line, as az ml does",
		Long: `azmlbatch runs az ml's batch endpoint commands: the same command names, flags and
JSON output, without Python.

The workspace comes from --subscription, --resource-group and --workspace-name, or
from AZURE_SUBSCRIPTION_ID, AZURE_DEFAULTS_GROUP and AZURE_DEFAULTS_WORKSPACE, or
from az's defaults (az configure --defaults group=<rg> workspace=<ws>) and the
subscription az login selected. --local workspace.json (AZMLBATCH_LOCAL) uses a
running local workspace (go run ./examples/localworkspace); --emulator
(AZMLBATCH_EMULATOR=1) starts one for this command.

Exit codes: 0 success, 1 service error, 2 usage or validation error,
3 a waited-for job ended Failed or Canceled.`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.checkGlobals() },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	f := root.PersistentFlags()
	f.StringVarP(&a.g.resourceGroup, "resource-group", "g", "", "Name of resource group. You can configure the default group using 'az configure --defaults group=<name>'.")
	f.StringVarP(&a.g.workspace, "workspace-name", "w", "", "Name of the Azure ML workspace. You can configure the default workspace using 'az configure --defaults workspace=<name>'.")
	f.StringVar(&a.g.subscription, "subscription", "", "Name or ID of subscription. You can configure the default subscription using 'az account set -s NAME_OR_ID'.")
	f.StringVarP(&a.g.output, "output", "o", "json", "Output format: "+strings.Join(outputFormats, ", ")+".")
	f.StringVar(&a.g.query, "query", "", "JMESPath query string. See http://jmespath.org/ for more information and examples.")
	f.BoolVar(&a.g.onlyShowErrors, "only-show-errors", false, "Only show errors, suppressing warnings and progress.")
	f.BoolVar(&a.g.debug, "debug", false, "Increase logging verbosity to show all debug logs (requests, redacted).")
	f.StringVar(&a.g.local, "local", "", "Use the running local workspace described by this workspace.json (env AZMLBATCH_LOCAL).")
	f.BoolVar(&a.g.emulator, "emulator", false, "Start a local workspace for this command and use it (env AZMLBATCH_EMULATOR=1).")
	root.AddCommand(a.batchEndpointCommand(), a.batchDeploymentCommand(), a.jobCommand(), a.dataCommand(), a.datastoreCommand())
	return root
}

// group is a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs,
		// A misspelled subcommand's flags are not the group's: report the name.
		FParseErrWhitelist: cobra.FParseErrWhitelist{UnknownFlags: true},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("'%s' is misspelled or not recognized by the system: %s has the commands %s", args[0], cmd.CommandPath(), subNames(cmd))
			}
			return cmd.Help()
		}}
	c.AddCommand(subs...)
	return c
}

func subNames(cmd *cobra.Command) string {
	var names []string
	for _, s := range cmd.Commands() {
		names = append(names, s.Name())
	}
	return strings.Join(names, ", ")
}

// noArgs refuses positional arguments with a usage error naming the first.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q: %s takes only flags (values with spaces need quotes)", args[0], cmd.CommandPath())
	}
	return nil
}

// checkGlobals validates the global flags and reads their environment variables.
func (a *app) checkGlobals() error {
	if !validFormat(a.g.output) {
		return usagef("--output/-o %q is not a format: use one of %s", a.g.output, strings.Join(outputFormats, ", "))
	}
	if a.g.query != "" {
		q, err := jmespath.Compile(a.g.query)
		if err != nil {
			return usagef("--query %q is not a valid JMESPath query (%v): see http://jmespath.org", a.g.query, firstLineOf(err.Error()))
		}
		a.g.compiled = q
	}
	if a.g.local == "" {
		a.g.local = os.Getenv("AZMLBATCH_LOCAL")
	}
	if !a.g.emulator {
		if v := os.Getenv("AZMLBATCH_EMULATOR"); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return usagef("AZMLBATCH_EMULATOR=%q: set it to 1 or true to use a local workspace, or unset it", v)
			}
			a.g.emulator = on
		}
	}
	if a.g.emulator && a.g.local != "" {
		return usagef("use either --emulator (AZMLBATCH_EMULATOR) or --local (AZMLBATCH_LOCAL), not both")
	}
	if a.g.debug {
		a.stopDebug = enableDebugLog(a.stderr)
	}
	return nil
}

func validFormat(f string) bool {
	for _, o := range outputFormats {
		if f == o {
			return true
		}
	}
	return false
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// started marks the command as past its command line: errors from here on
// are the service's or the job's unless typed otherwise.
func (a *app) started() { a.ran = true }

// workspace opens the workspace once per run.
func (a *app) workspace(ctx context.Context) (*workspace, error) {
	if a.ws != nil {
		return a.ws, nil
	}
	ws, err := openWorkspace(ctx, a.g, a.progress())
	if err != nil {
		return nil, err
	}
	a.ws = ws
	return ws, nil
}

// progress is where status lines go: stderr, or nowhere with --only-show-errors.
func (a *app) progress() io.Writer {
	if a.g.onlyShowErrors {
		return io.Discard
	}
	return a.stderr
}

// need checks that the named flags were given, as az's "the following
// arguments are required".
func need(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if f := cmd.Flags().Lookup(n); f != nil && !f.Changed {
			missing = append(missing, flagName(f))
		}
	}
	if len(missing) > 0 {
		return usagef("the following arguments are required: %s", strings.Join(missing, ", "))
	}
	return nil
}

// flagName is "--name/-n" for a flag with a shorthand.
func flagName(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "--" + f.Name + "/-" + f.Shorthand
	}
	return "--" + f.Name
}
