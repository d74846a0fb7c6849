package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sessionkit/zitadel-session-go/session"
)

// Exit codes. They are part of the command's interface (scripts rely on them)
// and are listed in the root command's help text.
//
// The rule for bad input: 2 (usage) is about the form of the command line
// — what is there or missing — and 5 (invalid input) about a value that is
// there but wrong, wherever it comes from (a flag, an argument, an
// environment variable, a file's content or stdin) and whoever finds it
// (this command, the session package's validation, or the server's).
const (
	exitOK       = 0
	exitOther    = 1 // anything not covered below
	exitUsage    = 2 // unknown command or flag, wrong number of arguments, flags that conflict, something required missing
	exitAuth     = 3 // authentication or permission failure, wrong credentials, locked user
	exitNotFound = 4 // session or user not found
	exitInvalid  = 5 // a value given but wrong: flag, argument, environment variable, file or stdin; request rejected by validation
	exitConn     = 6 // cannot reach the server (refused, DNS, TLS, timeout)
)

const exitCodeHelp = `Exit codes:
  0  success
  1  other error
  2  usage error: the form of the command line (unknown command or flag,
     wrong number of arguments, a flag without its value, flags that exclude
     or need each other, a required setting or input missing)
  3  authentication or permission failure (wrong password or code, locked user,
     invalid access or session token, missing permission)
  4  not found (session or user does not exist)
  5  invalid input: a value given but wrong, from a flag, an argument, an
     environment variable, a file (including a secret file others can read)
     or stdin, whether this command, the client's validation or the server
     rejects it; nothing was changed
  6  connection failure (connection refused, DNS, TLS, timeout)`

const envHelp = `Environment:
  ZITADEL_URL            base URL of the Zitadel instance (--url)
  ZITADEL_TOKEN          personal access token of the calling user (never a flag)
  ZITADEL_TOKEN_FILE     file holding the personal access token (--token-file)
  ZITADEL_KEY_FILE       service account JSON key file (--key-file)
  ZITADEL_CLIENT_ID      OAuth client id for client credentials (--client-id)
  ZITADEL_CLIENT_SECRET  OAuth client secret (never a flag)
  ZITADEL_ISSUER         token issuer for --key-file/--client-id (default: --url)
  ZITADEL_PROTOCOL       connect, grpc or grpcweb (--protocol)
  ZITADEL_INSTANCE_HOST  value of x-zitadel-instance-host (--instance-host)
  ZITADEL_ORG_ID         value of x-zitadel-orgid (--org-id)
  ZITADEL_CA_FILE        PEM file with extra trusted CA certificates (--ca-file)
  ZITADEL_CLEARTEXT_CREDENTIALS  true: allow credentials over plain http:// to a
                         non-loopback host (--cleartext-credentials)
  ZITADEL_SESSION_TOKEN  session token for set/get/delete (instead of a token file)`

// exitError carries an exit code and a one-line message that is safe to
// print (it never contains a secret).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func invalidErrorf(format string, args ...any) error {
	return &exitError{code: exitInvalid, msg: fmt.Sprintf(format, args...)}
}

// app holds the process environment of one invocation, so that tests can run
// the whole command in-process.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	conn   connFlags
	output string

	lines   *lineReader       // shared reader over stdin, created lazily
	clients []*session.Client // closed when the command ends
	wire    wireRecorder      // messages of every call, for output only
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	a.closeClients()
	if err == nil {
		return exitOK
	}
	code, msg := classify(err)
	if code == exitUsage {
		msg += fmt.Sprintf(" (see '%s --help')", commandPathFor(root, args))
	}
	// Messages may quote the server (Zitadel's error text and id).
	fmt.Fprintf(a.stderr, "error: %s\n", terminalSafe(msg))
	return code
}

// commandPathFor returns the path of the (sub)command args refer to, for the
// "Run ... --help" hint.
func commandPathFor(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil && c != nil {
		return c.CommandPath()
	}
	return root.Name()
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "zitadel-session",
		Short: "Create, check, inspect and end Zitadel login sessions (Session API v2)",
		Long: `zitadel-session talks to Zitadel's Session API v2: it creates sessions,
adds authentication checks (password, TOTP, OTP, passkeys, IdP intents,
recovery codes) to them, reads, lists and deletes them.

New here? Run "zitadel-session demo": it starts a built-in test server and
walks through a complete login without any setup.

Secrets are never taken from the command line: the access token comes from
ZITADEL_TOKEN or --token-file, passwords and codes are prompted for without
echo or read with --password-stdin / --code-stdin, and session tokens are
kept in token files (mode 0600) under the user config directory. A file
holding a secret that group or others can access, and a token directory
others can write to, are refused (as OpenSSH refuses such a key file).
Text from the server is shown with control characters escaped.

` + envHelp + `

` + exitCodeHelp,
		SilenceUsage:      true,
		SilenceErrors:     true,
		DisableAutoGenTag: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		// A flag value that does not parse (e.g. --lifetime soon) is
		// invalid input; unknown flags and missing values are usage errors.
		if _, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
			return &exitError{code: exitInvalid, msg: firstLine(err.Error())}
		}
		return &exitError{code: exitUsage, msg: err.Error()}
	})
	a.conn.register(root)
	root.PersistentFlags().StringVarP(&a.output, "output", "o", "table", "output format: table (server text made terminal safe) or json (the response exactly as Zitadel sent it, secrets masked)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		switch a.output {
		case "table", "json":
		default:
			return invalidErrorf("--output must be table or json, not %q", a.output)
		}
		if cmd.Flags().Changed("timeout") && a.conn.timeout <= 0 {
			return invalidErrorf("--timeout must be positive, e.g. 30s (it bounds each call to the server)")
		}
		return nil
	}
	root.AddGroup(&cobra.Group{ID: "rpc", Title: "Session API calls:"},
		&cobra.Group{ID: "flow", Title: "Guided flows and local tools:"})
	for _, c := range []*cobra.Command{a.createCommand(), a.setCommand(), a.getCommand(), a.listCommand(), a.deleteCommand()} {
		c.GroupID = "rpc"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.loginCommand(), a.demoCommand(), a.serveCommand()} {
		c.GroupID = "flow"
		root.AddCommand(c)
	}
	return root
}

// argsUsage wraps a cobra.PositionalArgs so that its error is a usage error.
func argsUsage(f cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := f(cmd, args); err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		return nil
	}
}

// classify maps an error to an exit code and a printable one-line message.
func classify(err error) (int, string) {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, ee.msg
	}
	if code, msg, ok := classifyRPC(err); ok {
		return code, msg
	}
	msg := err.Error()
	// cobra reports unknown commands and flags as plain errors.
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag", "flag needs an argument", "if any flags in the group", "at least one of the flags in the group"} {
		if strings.HasPrefix(msg, p) {
			return exitUsage, firstLine(msg)
		}
	}
	if errors.Is(err, context.Canceled) {
		return exitOther, "interrupted"
	}
	return exitOther, firstLine(msg)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
