package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionkit/zitadel-session-go/session"
)

// mutationFlags are the flags shared by create and set: checks,
// challenges, metadata and lifetime.
type mutationFlags struct {
	userID, loginName   string
	checkPassword       bool
	passwordStdin       bool
	checkTOTP           bool
	checkOTPSMS         bool
	checkOTPEmail       bool
	checkRecoveryCode   bool
	codeStdin           bool
	idpIntentID         string
	webauthnAssertion   string
	challengeWebAuthN   string
	userVerification    string
	challengeOTPSMS     bool
	challengeOTPEmail   bool
	otpEmailURLTemplate string
	returnCode          bool
	metadata            []string
	lifetime            time.Duration
	showToken           bool
	showCode            bool
	tokenFile           string
}

func (m *mutationFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.userID, "user-id", "", "check the user by id")
	f.StringVar(&m.loginName, "login-name", "", "check the user by login name")
	f.BoolVar(&m.checkPassword, "check-password", false, "check the user's password (prompted for without echo)")
	f.BoolVar(&m.passwordStdin, "password-stdin", false, "check the password, reading it from the first line of stdin")
	f.BoolVar(&m.checkTOTP, "check-totp", false, "check a TOTP code from an authenticator app (prompted for)")
	f.BoolVar(&m.checkOTPSMS, "check-otp-sms", false, "check the one-time code sent by SMS (prompted for)")
	f.BoolVar(&m.checkOTPEmail, "check-otp-email", false, "check the one-time code sent by email (prompted for)")
	f.BoolVar(&m.checkRecoveryCode, "check-recovery-code", false, "check a recovery code (prompted for)")
	f.BoolVar(&m.codeStdin, "code-stdin", false, "read the code of the --check-* flag from stdin (after the password, if any)")
	f.StringVar(&m.idpIntentID, "check-idp-intent", "", "check the IdP intent with this `ID`; its token is read from ZITADEL_IDP_INTENT_TOKEN or prompted for")
	f.StringVar(&m.webauthnAssertion, "webauthn-assertion", "", "check a passkey/security key: `FILE` with the browser's assertion JSON (- for stdin)")
	f.StringVar(&m.challengeWebAuthN, "challenge-webauthn", "", "request a passkey/security key challenge for this relying party `DOMAIN`; prints the request options")
	f.StringVar(&m.userVerification, "user-verification", "required", "user verification for --challenge-webauthn: required (passkeys), preferred or discouraged (security keys)")
	f.BoolVar(&m.challengeOTPSMS, "challenge-otp-sms", false, "send a one-time code by SMS")
	f.BoolVar(&m.challengeOTPEmail, "challenge-otp-email", false, "send a one-time code by email")
	f.StringVar(&m.otpEmailURLTemplate, "otp-email-url-template", "", "link template of the OTP email, e.g. https://login.example.com/otp?code={{.Code}}")
	f.BoolVar(&m.returnCode, "return-code", false, "with --challenge-otp-sms/--challenge-otp-email: return the code instead of sending it (shown with --show-code)")
	f.StringArrayVar(&m.metadata, "metadata", nil, "set session metadata `key=value` (repeatable; replaces all stored metadata)")
	f.DurationVar(&m.lifetime, "lifetime", 0, "let the session expire this long after this call, e.g. 8h")
	f.BoolVar(&m.showToken, "show-token", false, "print the session token (it is always written to the token file)")
	f.BoolVar(&m.showCode, "show-code", false, "print one-time codes returned by --return-code")
	f.StringVar(&m.tokenFile, "session-token-file", "", "where to write the session token (default <config dir>/zitadel-session/<session id>.token)")
	_ = cmd.RegisterFlagCompletionFunc("user-verification", cobra.FixedCompletions([]string{"required", "preferred", "discouraged"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagsMutuallyExclusive("user-id", "login-name")
}

// codeChecks returns the names of the selected code checks.
func (m *mutationFlags) codeChecks() []string {
	var out []string
	for _, c := range []struct {
		on   bool
		name string
	}{{m.checkTOTP, "--check-totp"}, {m.checkOTPSMS, "--check-otp-sms"}, {m.checkOTPEmail, "--check-otp-email"}, {m.checkRecoveryCode, "--check-recovery-code"}} {
		if c.on {
			out = append(out, c.name)
		}
	}
	return out
}

// empty reports whether no check, challenge, metadata or lifetime was given.
func (m *mutationFlags) empty(cmd *cobra.Command) bool {
	return m.userID == "" && m.loginName == "" && !m.checkPassword && !m.passwordStdin &&
		len(m.codeChecks()) == 0 && m.idpIntentID == "" && m.webauthnAssertion == "" &&
		m.challengeWebAuthN == "" && !m.challengeOTPSMS && !m.challengeOTPEmail &&
		len(m.metadata) == 0 && !cmd.Flags().Changed("lifetime")
}

// build validates the flag combination, reads secrets (prompt or stdin) and
// returns the checks, challenges, metadata and lifetime as options of
// session.Client.Create and session.Handle.Set.
func (m *mutationFlags) build(a *app, cmd *cobra.Command) ([]session.SetOption, error) {
	codes := m.codeChecks()
	if len(codes) > 1 {
		return nil, usageErrorf("only one code check per call: %s", strings.Join(codes, ", "))
	}
	if m.codeStdin && len(codes) == 0 {
		return nil, usageErrorf("--code-stdin needs one of --check-totp, --check-otp-sms, --check-otp-email, --check-recovery-code")
	}
	if m.passwordStdin && m.webauthnAssertion == "-" || m.codeStdin && m.webauthnAssertion == "-" {
		return nil, usageErrorf("--webauthn-assertion - cannot be combined with --password-stdin or --code-stdin")
	}
	if (m.returnCode || m.otpEmailURLTemplate != "") && !m.challengeOTPSMS && !m.challengeOTPEmail {
		return nil, usageErrorf("--return-code and --otp-email-url-template need --challenge-otp-sms or --challenge-otp-email")
	}
	if m.returnCode && m.otpEmailURLTemplate != "" {
		return nil, usageErrorf("use either --return-code or --otp-email-url-template")
	}
	if m.otpEmailURLTemplate != "" && !m.challengeOTPEmail {
		return nil, usageErrorf("--otp-email-url-template needs --challenge-otp-email")
	}
	uv, err := parseUserVerification(m.userVerification)
	if err != nil {
		return nil, err
	}
	md, err := parseMetadata(m.metadata)
	if err != nil {
		return nil, &exitError{code: exitInvalid, msg: err.Error()}
	}
	var opts []session.SetOption
	if md != nil {
		opts = append(opts, session.MetadataMap(md))
	}
	if cmd.Flags().Changed("lifetime") {
		if m.lifetime <= 0 {
			return nil, invalidErrorf("--lifetime must be positive, e.g. 8h or 30m")
		}
		opts = append(opts, session.Lifetime(m.lifetime))
	}

	switch {
	case m.userID != "":
		opts = append(opts, session.CheckUserID(m.userID))
	case m.loginName != "":
		opts = append(opts, session.CheckLoginName(m.loginName))
	}
	if m.checkPassword || m.passwordStdin {
		pw, err := a.promptSecret("Password", "--password-stdin", m.passwordStdin)
		if err != nil {
			return nil, err
		}
		opts = append(opts, session.CheckPassword(pw))
	}
	if m.idpIntentID != "" {
		tok := strings.TrimSpace(a.getenv("ZITADEL_IDP_INTENT_TOKEN"))
		if tok == "" {
			if tok, err = a.promptSecret("IdP intent token", "", false); err != nil {
				return nil, usageErrorf("the IdP intent token is read from ZITADEL_IDP_INTENT_TOKEN or prompted for: %v", err)
			}
		}
		if !validToken(tok) {
			return nil, invalidErrorf("the IdP intent token (ZITADEL_IDP_INTENT_TOKEN) must be printable characters without spaces or control characters")
		}
		opts = append(opts, session.CheckIDPIntent(m.idpIntentID, tok))
	}
	if m.webauthnAssertion != "" {
		b, err := a.readAssertion(m.webauthnAssertion)
		if err != nil {
			return nil, err
		}
		opts = append(opts, session.CheckWebAuthn(b))
	}
	if len(codes) == 1 {
		check := map[string]struct {
			label string
			build func(string) session.Check
		}{
			"--check-totp":          {"TOTP code", session.CheckTOTP},
			"--check-otp-sms":       {"SMS code", session.CheckOTPSMS},
			"--check-otp-email":     {"Email code", session.CheckOTPEmail},
			"--check-recovery-code": {"Recovery code", session.CheckRecoveryCode},
		}[codes[0]]
		code, err := a.promptSecret(check.label, "--code-stdin", m.codeStdin)
		if err != nil {
			return nil, err
		}
		opts = append(opts, check.build(strings.TrimSpace(code)))
	}

	if m.challengeWebAuthN != "" {
		opts = append(opts, session.ChallengeWebAuthn(m.challengeWebAuthN, uv))
	}
	switch {
	case m.challengeOTPSMS && m.returnCode:
		opts = append(opts, session.ChallengeOTPSMSReturnCode())
	case m.challengeOTPSMS:
		opts = append(opts, session.ChallengeOTPSMS())
	}
	switch {
	case m.challengeOTPEmail && m.returnCode:
		opts = append(opts, session.ChallengeOTPEmailReturnCode())
	case m.challengeOTPEmail && m.otpEmailURLTemplate != "":
		opts = append(opts, session.ChallengeOTPEmailLink(m.otpEmailURLTemplate))
	case m.challengeOTPEmail:
		opts = append(opts, session.ChallengeOTPEmail())
	}
	return opts, nil
}

func parseUserVerification(s string) (session.UserVerification, error) {
	switch strings.ToLower(s) {
	case "required":
		return session.UserVerificationRequired, nil
	case "preferred":
		return session.UserVerificationPreferred, nil
	case "discouraged":
		return session.UserVerificationDiscouraged, nil
	}
	return 0, invalidErrorf("--user-verification must be required, preferred or discouraged, not %q", s)
}

// readAssertion reads the browser's WebAuthn assertion JSON from a file or
// stdin ("-") and checks that it is a JSON object.
func (a *app) readAssertion(path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(a.stdinLines().r)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, invalidErrorf("--webauthn-assertion: %s", pathError(err))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, invalidErrorf("--webauthn-assertion: the file must hold the JSON object of the browser's assertion (PublicKeyCredential.toJSON())")
	}
	return b, nil
}

func (a *app) createCommand() *cobra.Command {
	var m mutationFlags
	var ua struct {
		fingerprint, ip, description string
		headers                      []string
	}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a session, optionally with checks, challenges and metadata (CreateSession)",
		Long: `Create a session (CreateSession). Checks, challenges, metadata and a lifetime
may be added at once. The session token is written to a token file (mode
0600) and never printed unless --show-token is given.`,
		Example: `  # user and password in one step; the password is prompted for without echo
  zitadel-session create --login-name alice@example.com --check-password

  # in scripts, pipe the password in
  printf '%s\n' "$PASSWORD" | zitadel-session create --login-name alice --password-stdin -o json

  # start a passkey login: prints the options for navigator.credentials.get()
  zitadel-session create --login-name alice --challenge-webauthn login.example.com`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			headers, err := parseHeaders(ua.headers)
			if err != nil {
				return &exitError{code: exitInvalid, msg: err.Error()}
			}
			if err := checkTokenDestination(m.tokenFile); err != nil {
				return err
			}
			opts, err := m.build(a, cmd) // may prompt, so after the local checks
			if err != nil {
				return err
			}
			var details session.ChangeDetails
			copts := make([]session.CreateOption, 0, len(opts)+2)
			for _, o := range opts {
				copts = append(copts, o)
			}
			copts = append(copts, session.Details(&details),
				session.UserAgent{FingerprintID: ua.fingerprint, IP: ua.ip, Description: ua.description, Header: headers})
			c, _, err := a.client()
			if err != nil {
				return err
			}
			h, ch, err := c.Create(cmd.Context(), copts...)
			if err != nil {
				return err
			}
			if err := checkServerSessionID(h.ID()); err != nil {
				return err
			}
			path, saveErr := saveToken(m.tokenFile, h.ID(), h.SessionToken())
			if err := a.printMutation(h.ID(), h.SessionToken(), path, ch, details, m.redaction()); err != nil {
				return err
			}
			return tokenNotSaved(saveErr, "session "+h.ID()+" was created", h.ID())
		},
	}
	m.register(cmd)
	f := cmd.Flags()
	f.StringVar(&ua.fingerprint, "user-agent-fingerprint", "", "fingerprint id of the user agent (browser)")
	f.StringVar(&ua.ip, "user-agent-ip", "", "IP address of the user agent")
	f.StringVar(&ua.description, "user-agent-description", "", "description of the user agent, e.g. its User-Agent header")
	f.StringArrayVar(&ua.headers, "user-agent-header", nil, "a `name=value` HTTP header of the user agent (repeatable)")
	return cmd
}

func (m *mutationFlags) redaction() redaction {
	return redaction{showToken: m.showToken, showCode: m.showCode}
}

func (a *app) setCommand() *cobra.Command {
	var m mutationFlags
	cmd := &cobra.Command{
		Use:   "set SESSION_ID",
		Short: "Add checks, challenges, metadata or a lifetime to a session (SetSession)",
		Long: `Update a session (SetSession): add checks and challenges, replace its metadata,
or reset its lifetime. Zitadel issues a new session token on every change;
it replaces the one in the token file.`,
		Example: `  # second factor: TOTP code from the authenticator app (prompted for)
  zitadel-session set 2468013579 --check-totp

  # one-time code by SMS: send it, then check it
  zitadel-session set 2468013579 --challenge-otp-sms
  zitadel-session set 2468013579 --check-otp-sms

  # passkey: check the browser's assertion
  zitadel-session set 2468013579 --webauthn-assertion assertion.json`,
		Args:              argsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: completeSessionIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if err := checkSessionID(id); err != nil {
				return err
			}
			if m.empty(cmd) {
				return usageErrorf("nothing to set: give a check, a challenge, --metadata or --lifetime")
			}
			if err := checkTokenDestination(m.tokenFile); err != nil {
				return err
			}
			opts, err := m.build(a, cmd) // may prompt, so after the local checks
			if err != nil {
				return err
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			// SetSession needs no token; the handle receives the new one.
			h := c.Resume(id, "")
			var details session.ChangeDetails
			ch, err := h.Set(cmd.Context(), append(opts, session.Details(&details))...)
			if err != nil {
				return err
			}
			path, saveErr := saveToken(m.tokenFile, id, h.SessionToken())
			if err := a.printMutation(id, h.SessionToken(), path, ch, details, m.redaction()); err != nil {
				return err
			}
			return tokenNotSaved(saveErr, "session "+id+" was updated", id)
		},
	}
	m.register(cmd)
	return cmd
}

// printMutation prints the result of create or set: the session id and
// token (masked unless shown), the change details and the answers to the
// requested challenges; with -o json the recorded response.
func (a *app) printMutation(id, token, path string, ch *session.Challenges, d session.ChangeDetails, r redaction) error {
	if a.output == "json" {
		if path != "" {
			fmt.Fprintf(a.stderr, "session token written to %s\n", path)
		}
		res := a.wire.lastResponse()
		if res == nil {
			return fmt.Errorf("no response was recorded")
		}
		return writeJSON(a.stdout, redacted(res, r))
	}
	w := a.stdout
	fmt.Fprintf(w, "session id     %s\n", id)
	switch {
	case token == "":
		fmt.Fprintf(w, "session token  unchanged (nothing was changed)\n")
	case r.showToken:
		fmt.Fprintf(w, "session token  %s\n", terminalSafe(token))
		if path != "" {
			fmt.Fprintf(w, "token file     %s\n", path)
		}
	case path != "":
		fmt.Fprintf(w, "session token  %s, written to %s\n", masked, path)
	default:
		fmt.Fprintf(w, "session token  %s (not saved; use --show-token to see it)\n", masked)
	}
	fmt.Fprintf(w, "sequence       %d\n", d.Sequence)
	if !d.ChangedAt.IsZero() {
		fmt.Fprintf(w, "changed        %s\n", fmtTime(d.ChangedAt))
	}
	if ch == nil {
		return nil
	}
	if ch.WebAuthn != nil {
		b, err := ch.WebAuthn.JSON()
		if err != nil {
			return err
		}
		var opts bytes.Buffer
		if err := json.Indent(&opts, b, "", "  "); err != nil {
			return fmt.Errorf("the server's WebAuthn request options are not JSON")
		}
		fmt.Fprintf(w, "webauthn       request options for navigator.credentials.get():\n")
		for line := range strings.Lines(opts.String()) {
			fmt.Fprintln(w, terminalSafe(strings.TrimSuffix(line, "\n")))
		}
		fmt.Fprintf(w, "               then: zitadel-session set %s --webauthn-assertion FILE\n", id)
	}
	for _, c := range []struct {
		name string
		code func() (string, bool)
	}{{"otp sms", ch.OTPSMSCode}, {"otp email", ch.OTPEmailCode}} {
		code, ok := c.code()
		if !ok {
			continue
		}
		v := masked + " (use --show-code to see it)"
		if r.showCode {
			v = terminalSafe(code)
		}
		fmt.Fprintf(w, "%-14s %s\n", c.name+" code", v)
	}
	return nil
}

func (a *app) getCommand() *cobra.Command {
	var tokenFile string
	var noToken bool
	cmd := &cobra.Command{
		Use:   "get SESSION_ID",
		Short: "Show a session (GetSession)",
		Long: `Show a session (GetSession). The session token is sent when one is found:
ZITADEL_SESSION_TOKEN, --session-token-file, or the token file written by
create/login. Without a token, the caller's permissions decide.`,
		Args:              argsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: completeSessionIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if err := checkSessionID(id); err != nil {
				return err
			}
			token, _, err := a.requestToken(noToken, tokenFile, id)
			if err != nil {
				return err
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			var sess *session.Session
			if token != "" {
				sess, err = c.Resume(id, token).Get(cmd.Context())
			} else {
				sess, err = c.Get(cmd.Context(), id)
			}
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, redacted(a.wire.lastResponse(), redaction{}))
			}
			return writeSessionTable(a.stdout, sess)
		},
	}
	cmd.Flags().StringVar(&tokenFile, "session-token-file", "", "file with the session token (default: the token file of create/login, if present)")
	cmd.Flags().BoolVar(&noToken, "no-token", false, "do not send a session token; rely on the caller's permissions")
	return cmd
}

func (a *app) deleteCommand() *cobra.Command {
	var tokenFile string
	var noToken bool
	cmd := &cobra.Command{
		Use:     "delete SESSION_ID",
		Aliases: []string{"rm", "terminate"},
		Short:   "Terminate a session (DeleteSession)",
		Long: `Terminate a session (DeleteSession) and remove its token file. The session
token is sent when one is found (ZITADEL_SESSION_TOKEN, --session-token-file
or the token file of create/login); without it the caller needs the
session.delete permission. Deleting an already deleted session succeeds.`,
		Args:              argsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: completeSessionIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if err := checkSessionID(id); err != nil {
				return err
			}
			token, source, err := a.requestToken(noToken, tokenFile, id)
			if err != nil {
				return err
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			if token != "" {
				err = c.Resume(id, token).Delete(cmd.Context())
			} else {
				err = c.Delete(cmd.Context(), id)
			}
			if err != nil {
				return err
			}
			if source != "" && source != "ZITADEL_SESSION_TOKEN" {
				if err := os.Remove(source); err != nil && !os.IsNotExist(err) {
					fmt.Fprintf(a.stderr, "warning: could not remove the token file: %s\n", pathError(err))
				}
			}
			if a.output == "json" {
				return writeJSON(a.stdout, redacted(a.wire.lastResponse(), redaction{}))
			}
			fmt.Fprintf(a.stdout, "session %s deleted\n", id)
			return nil
		},
	}
	cmd.Flags().StringVar(&tokenFile, "session-token-file", "", "file with the session token (default: the token file of create/login, if present)")
	cmd.Flags().BoolVar(&noToken, "no-token", false, "do not send a session token; rely on the caller's session.delete permission")
	return cmd
}

func (a *app) listCommand() *cobra.Command {
	var (
		ids                         []string
		userID, creator             string
		mine, expired, notExpired   bool
		createdAfter, createdBefore string
		limit, offset               uint32
		sortBy                      string
		asc                         bool
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List sessions (ListSessions)",
		Long: `List sessions (ListSessions). Filters are combined with AND. Zitadel drops
rows the caller may not read, so "N matching" can exceed the rows shown.

The list is fetched page by page (100 sessions per call, each call bounded by
--timeout), so a large result does not hit a message size limit. Without
--sort created the sessions come oldest first. With -o json the output is
one ListSessionsResponse holding the sessions shown, from all pages, as
Zitadel returned them.`,
		Example: `  zitadel-session list --user-id 100000000000000001
  zitadel-session list --mine --not-expired -o json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var opts []session.ListOption
			switch sortBy {
			case "", "none":
				// the session package's stable default: oldest first
			case "created", "creation-date":
				opts = append(opts, session.SortByCreationDate(asc))
			default:
				return invalidErrorf("--sort must be created or none, not %q", sortBy)
			}
			if len(ids) > 0 {
				opts = append(opts, session.ByIDs(ids...))
			}
			if userID != "" {
				opts = append(opts, session.ByUserID(userID))
			}
			if creator != "" && mine {
				return usageErrorf("use either --creator or --mine")
			}
			if creator != "" {
				opts = append(opts, session.ByCreator(creator))
			}
			if mine {
				opts = append(opts, session.ByCreatorSelf())
			}
			for _, d := range []struct {
				flag, v string
				m       session.Method
			}{
				{"--created-after", createdAfter, session.Greater},
				{"--created-before", createdBefore, session.Less},
			} {
				if d.v == "" {
					continue
				}
				t, err := time.Parse(time.RFC3339, d.v)
				if err != nil {
					return invalidErrorf("%s must be an RFC 3339 time like 2026-01-02T15:04:05Z", d.flag)
				}
				opts = append(opts, session.ByCreationDate(t, d.m))
			}
			if expired && notExpired {
				return usageErrorf("use either --expired or --not-expired")
			}
			if expired {
				opts = append(opts, session.ByExpirationDate(time.Now(), session.LessOrEquals))
			}
			if notExpired {
				opts = append(opts, session.ByExpirationDate(time.Now(), session.GreaterOrEquals))
			}
			if want := uint64(limit) + uint64(offset); limit > 0 && want < session.DefaultPageSize {
				opts = append(opts, session.PageSize(int(want)))
			}
			var matching uint64
			opts = append(opts, session.TotalResult(&matching))
			c, _, err := a.client()
			if err != nil {
				return err
			}
			mark := a.wire.mark()
			var shown []*session.Session
			seen := uint64(0)
			for s, err := range c.List(cmd.Context(), opts...) {
				if err != nil {
					return err
				}
				if seen++; seen <= uint64(offset) {
					continue
				}
				shown = append(shown, s)
				if limit > 0 && len(shown) >= int(limit) {
					break
				}
			}
			pages := a.wire.since(mark)
			if a.output == "json" {
				all := mergeResponses(pages)
				if all == nil {
					return fmt.Errorf("no response was recorded")
				}
				sliceList(all, "sessions", int(offset), int(offset)+len(shown))
				return writeJSON(a.stdout, redacted(all, redaction{}))
			}
			return writeSessionList(a.stdout, shown, matching)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&ids, "id", nil, "only sessions with this `SESSION_ID` (repeatable)")
	f.StringVar(&userID, "user-id", "", "only sessions of this user")
	f.StringVar(&creator, "creator", "", "only sessions created by this user id")
	f.BoolVar(&mine, "mine", false, "only sessions created by the caller")
	f.StringVar(&createdAfter, "created-after", "", "only sessions created after this RFC 3339 time")
	f.StringVar(&createdBefore, "created-before", "", "only sessions created before this RFC 3339 time")
	f.BoolVar(&expired, "expired", false, "only expired sessions")
	f.BoolVar(&notExpired, "not-expired", false, "only sessions that have not expired (including never-expiring ones)")
	f.Uint32Var(&limit, "limit", 0, "show at most this many sessions (0: all; the list is fetched page by page)")
	f.Uint32Var(&offset, "offset", 0, "skip this many of the sessions the caller can see")
	f.StringVar(&sortBy, "sort", "", "sort by: created (newest first unless --asc) or none (the default order: oldest first)")
	f.BoolVar(&asc, "asc", false, "sort ascending")
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions([]string{"created", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// completeSessionIDs completes session ids from the token files in the
// default directory (no network access during completion).
func completeSessionIDs(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	dir, err := tokenDir()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".token"); ok && validSessionID(id) {
			ids = append(ids, id)
		}
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}
