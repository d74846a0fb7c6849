package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/internal/validate"
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

// mutation is the request content built from mutationFlags.
type mutation struct {
	checks     *sessionv2.Checks
	challenges *sessionv2.RequestChallenges
	metadata   map[string][]byte
	lifetime   *durationpb.Duration
}

// build validates the flag combination, reads secrets (prompt or stdin) and
// returns the request content.
func (m *mutationFlags) build(a *app, cmd *cobra.Command) (*mutation, error) {
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
	out := &mutation{metadata: md}
	if cmd.Flags().Changed("lifetime") {
		if m.lifetime <= 0 {
			return nil, invalidErrorf("--lifetime must be positive, e.g. 8h or 30m")
		}
		out.lifetime = durationpb.New(m.lifetime)
	}

	checks := &sessionv2.Checks{}
	used := false
	switch {
	case m.userID != "":
		checks.User = &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: m.userID}}
		used = true
	case m.loginName != "":
		checks.User = &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: m.loginName}}
		used = true
	}
	if m.checkPassword || m.passwordStdin {
		pw, err := a.promptSecret("Password", "--password-stdin", m.passwordStdin)
		if err != nil {
			return nil, err
		}
		checks.Password = &sessionv2.CheckPassword{Password: pw}
		used = true
	}
	if m.idpIntentID != "" {
		tok := a.getenv("ZITADEL_IDP_INTENT_TOKEN")
		if tok == "" {
			if tok, err = a.promptSecret("IdP intent token", "", false); err != nil {
				return nil, usageErrorf("the IdP intent token is read from ZITADEL_IDP_INTENT_TOKEN or prompted for: %v", err)
			}
		}
		checks.IdpIntent = &sessionv2.CheckIDPIntent{IdpIntentId: m.idpIntentID, IdpIntentToken: tok}
		used = true
	}
	if m.webauthnAssertion != "" {
		st, err := a.readAssertion(m.webauthnAssertion)
		if err != nil {
			return nil, err
		}
		checks.WebAuthN = &sessionv2.CheckWebAuthN{CredentialAssertionData: st}
		used = true
	}
	if len(codes) == 1 {
		label := map[string]string{
			"--check-totp":          "TOTP code",
			"--check-otp-sms":       "SMS code",
			"--check-otp-email":     "Email code",
			"--check-recovery-code": "Recovery code",
		}[codes[0]]
		code, err := a.promptSecret(label, "--code-stdin", m.codeStdin)
		if err != nil {
			return nil, err
		}
		code = strings.TrimSpace(code)
		switch codes[0] {
		case "--check-totp":
			checks.Totp = &sessionv2.CheckTOTP{Code: code}
		case "--check-otp-sms":
			checks.OtpSms = &sessionv2.CheckOTP{Code: code}
		case "--check-otp-email":
			checks.OtpEmail = &sessionv2.CheckOTP{Code: code}
		case "--check-recovery-code":
			checks.RecoveryCode = &sessionv2.CheckRecoveryCode{Code: code}
		}
		used = true
	}
	if used {
		out.checks = checks
	}

	if m.challengeWebAuthN != "" || m.challengeOTPSMS || m.challengeOTPEmail {
		ch := &sessionv2.RequestChallenges{}
		if m.challengeWebAuthN != "" {
			ch.WebAuthN = &sessionv2.RequestChallenges_WebAuthN{Domain: m.challengeWebAuthN, UserVerificationRequirement: uv}
		}
		if m.challengeOTPSMS {
			ch.OtpSms = &sessionv2.RequestChallenges_OTPSMS{ReturnCode: m.returnCode}
		}
		if m.challengeOTPEmail {
			e := &sessionv2.RequestChallenges_OTPEmail{}
			switch {
			case m.returnCode:
				e.DeliveryType = &sessionv2.RequestChallenges_OTPEmail_ReturnCode_{ReturnCode: &sessionv2.RequestChallenges_OTPEmail_ReturnCode{}}
			case m.otpEmailURLTemplate != "":
				t := m.otpEmailURLTemplate
				e.DeliveryType = &sessionv2.RequestChallenges_OTPEmail_SendCode_{SendCode: &sessionv2.RequestChallenges_OTPEmail_SendCode{UrlTemplate: &t}}
			}
			ch.OtpEmail = e
		}
		out.challenges = ch
	}
	return out, nil
}

func parseUserVerification(s string) (sessionv2.UserVerificationRequirement, error) {
	switch strings.ToLower(s) {
	case "required":
		return sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED, nil
	case "preferred":
		return sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_PREFERRED, nil
	case "discouraged":
		return sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_DISCOURAGED, nil
	}
	return 0, usageErrorf("--user-verification must be required, preferred or discouraged, not %q", s)
}

// readAssertion reads the browser's WebAuthn assertion JSON from a file or
// stdin ("-").
func (a *app) readAssertion(path string) (*structpb.Struct, error) {
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
	st := &structpb.Struct{}
	if err := protojson.Unmarshal(b, st); err != nil {
		return nil, invalidErrorf("--webauthn-assertion: the file must hold the JSON object of the browser's assertion (PublicKeyCredential.toJSON())")
	}
	return st, nil
}

// callCtx bounds one call by --timeout.
func (a *app) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.conn.timeout > 0 {
		return context.WithTimeout(ctx, a.conn.timeout)
	}
	return context.WithCancel(ctx)
}

// validateRequest runs the upstream validation rules locally, so that an
// invalid request fails with exit code 5 before anything is sent.
func validateRequest(m proto.Message) error {
	if err := validate.Request(m); err != nil {
		return invalidErrorf("invalid request: %s", err.Error())
	}
	return nil
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
			mu, err := m.build(a, cmd)
			if err != nil {
				return err
			}
			req := &sessionv2.CreateSessionRequest{Checks: mu.checks, Challenges: mu.challenges, Metadata: mu.metadata, Lifetime: mu.lifetime}
			headers, err := parseHeaders(ua.headers)
			if err != nil {
				return &exitError{code: exitInvalid, msg: err.Error()}
			}
			req.UserAgent = session.UserAgent{
				FingerprintID: ua.fingerprint, IP: ua.ip, Description: ua.description, Header: headers,
			}.Proto()
			res, err := callSession(a, cmd.Context(), req, sessionv2connect.SessionServiceClient.CreateSession)
			if err != nil {
				return err
			}
			path, err := tokenPath(m.tokenFile, res.GetSessionId())
			if err == nil {
				err = writeToken(path, res.GetSessionToken())
			}
			if err != nil {
				fmt.Fprintf(a.stderr, "warning: session %s was created, but its token could not be saved: %v\n", res.GetSessionId(), err)
				path = ""
			}
			return a.printMutation(res.GetSessionId(), res.GetSessionToken(), path, res.GetDetails(), res.GetChallenges(), res, m.redaction())
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
			mu, err := m.build(a, cmd)
			if err != nil {
				return err
			}
			req := &sessionv2.SetSessionRequest{SessionId: id, Checks: mu.checks, Challenges: mu.challenges, Metadata: mu.metadata, Lifetime: mu.lifetime}
			res, err := callSession(a, cmd.Context(), req, sessionv2connect.SessionServiceClient.SetSession)
			if err != nil {
				return err
			}
			path := ""
			if res.GetSessionToken() != "" {
				p, err := tokenPath(m.tokenFile, id)
				if err == nil {
					err = writeToken(p, res.GetSessionToken())
				}
				if err != nil {
					fmt.Fprintf(a.stderr, "warning: the session was updated, but its new token could not be saved: %v\n", err)
				} else {
					path = p
				}
			}
			return a.printMutation(id, res.GetSessionToken(), path, res.GetDetails(), res.GetChallenges(), res, m.redaction())
		},
	}
	m.register(cmd)
	return cmd
}

// printMutation prints the result of create or set.
func (a *app) printMutation(id, token, path string, details *objectv2.Details, ch *sessionv2.Challenges, res proto.Message, r redaction) error {
	if a.output == "json" {
		if path != "" {
			fmt.Fprintf(a.stderr, "session token written to %s\n", path)
		}
		return writeJSON(a.stdout, redact(res, r))
	}
	w := a.stdout
	fmt.Fprintf(w, "session id     %s\n", id)
	switch {
	case token == "":
		fmt.Fprintf(w, "session token  unchanged (nothing was changed)\n")
	case r.showToken:
		fmt.Fprintf(w, "session token  %s\n", token)
		if path != "" {
			fmt.Fprintf(w, "token file     %s\n", path)
		}
	case path != "":
		fmt.Fprintf(w, "session token  %s, written to %s\n", masked, path)
	default:
		fmt.Fprintf(w, "session token  %s (not saved; use --show-token to see it)\n", masked)
	}
	fmt.Fprintf(w, "sequence       %d\n", details.GetSequence())
	if details.GetChangeDate() != nil {
		fmt.Fprintf(w, "changed        %s\n", fmtTime(details.GetChangeDate()))
	}
	if ch == nil {
		return nil
	}
	if wa := ch.GetWebAuthN(); wa != nil {
		b, err := marshalJSON(wa.GetPublicKeyCredentialRequestOptions())
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "webauthn       request options for navigator.credentials.get():\n%s", b)
		fmt.Fprintf(w, "               then: zitadel-session set %s --webauthn-assertion FILE\n", id)
	}
	for _, c := range []struct {
		name string
		code *string
	}{{"otp sms", ch.OtpSms}, {"otp email", ch.OtpEmail}} {
		if c.code == nil {
			continue
		}
		v := masked + " (use --show-code to see it)"
		if r.showCode {
			v = *c.code
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
			tok, _, err := a.requestToken(noToken, tokenFile, id)
			if err != nil {
				return err
			}
			req := &sessionv2.GetSessionRequest{SessionId: id, SessionToken: tok}
			res, err := callSession(a, cmd.Context(), req, sessionv2connect.SessionServiceClient.GetSession)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, redact(res, redaction{}))
			}
			return writeSessionTable(a.stdout, res.GetSession())
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
			tok, source, err := a.requestToken(noToken, tokenFile, id)
			if err != nil {
				return err
			}
			req := &sessionv2.DeleteSessionRequest{SessionId: id, SessionToken: tok}
			res, err := callSession(a, cmd.Context(), req, sessionv2connect.SessionServiceClient.DeleteSession)
			if err != nil {
				return err
			}
			if source != "" && source != "ZITADEL_SESSION_TOKEN" {
				if err := os.Remove(source); err != nil && !os.IsNotExist(err) {
					fmt.Fprintf(a.stderr, "warning: could not remove the token file: %s\n", pathError(err))
				}
			}
			if a.output == "json" {
				return writeJSON(a.stdout, res)
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
rows the caller may not read, so "N matching" can exceed the rows shown.`,
		Example: `  zitadel-session list --user-id 100000000000000001
  zitadel-session list --mine --not-expired -o json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &sessionv2.ListSessionsRequest{}
			if limit > 0 || offset > 0 || asc {
				req.Query = &objectv2.ListQuery{Offset: uint64(offset), Limit: limit, Asc: asc}
			}
			switch sortBy {
			case "", "none":
			case "created", "creation-date":
				req.SortingColumn = sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE
			default:
				return usageErrorf("--sort must be created or none, not %q", sortBy)
			}
			add := func(q *sessionv2.SearchQuery) { req.Queries = append(req.Queries, q) }
			if len(ids) > 0 {
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{Ids: ids}}})
			}
			if userID != "" {
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserIdQuery{UserIdQuery: &sessionv2.UserIDQuery{Id: userID}}})
			}
			if creator != "" && mine {
				return usageErrorf("use either --creator or --mine")
			}
			if creator != "" {
				c := creator
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{Id: &c}}})
			}
			if mine {
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{}}})
			}
			for _, d := range []struct {
				flag, v string
				m       zitadelv1.TimestampQueryMethod
			}{
				{"--created-after", createdAfter, zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER},
				{"--created-before", createdBefore, zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS},
			} {
				if d.v == "" {
					continue
				}
				t, err := time.Parse(time.RFC3339, d.v)
				if err != nil {
					return invalidErrorf("%s must be an RFC 3339 time like 2026-01-02T15:04:05Z", d.flag)
				}
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreationDateQuery{CreationDateQuery: &sessionv2.CreationDateQuery{CreationDate: timestamppb.New(t), Method: d.m}}})
			}
			if expired && notExpired {
				return usageErrorf("use either --expired or --not-expired")
			}
			if expired || notExpired {
				m := zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS
				if notExpired {
					m = zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS
				}
				add(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_ExpirationDateQuery{ExpirationDateQuery: &sessionv2.ExpirationDateQuery{ExpirationDate: timestamppb.Now(), Method: m}}})
			}
			res, err := callSession(a, cmd.Context(), req, sessionv2connect.SessionServiceClient.ListSessions)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, redact(res, redaction{}))
			}
			return writeSessionList(a.stdout, res)
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
	f.Uint32Var(&limit, "limit", 0, "return at most this many sessions (0: no limit)")
	f.Uint32Var(&offset, "offset", 0, "skip this many sessions")
	f.StringVar(&sortBy, "sort", "", "sort by: created (newest first unless --asc) or none")
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
	p, err := defaultTokenPath("x")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	entries, err := os.ReadDir(strings.TrimSuffix(p, "x.token"))
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

// callSession validates req locally (nothing is sent when it breaks one of
// upstream's rules) and sends it with rpc on the configured session service
// client, within the per-call timeout.
func callSession[Req proto.Message, Res any](a *app, ctx context.Context, req Req,
	rpc func(sessionv2connect.SessionServiceClient, context.Context, Req) (Res, error)) (Res, error) {
	var zero Res
	if err := validateRequest(req); err != nil {
		return zero, err
	}
	svc, _, err := a.sessionClient()
	if err != nil {
		return zero, err
	}
	ctx, cancel := a.callCtx(ctx)
	defer cancel()
	return rpc(svc, ctx, req)
}
