package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// flow drives one session through several calls, keeping the current
// session token (Zitadel rotates it on every change).
type flow struct {
	svc   sessionv2connect.SessionServiceClient
	a     *app
	id    string
	token string
}

func (f *flow) create(ctx context.Context, req *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	ctx, cancel := f.a.callCtx(ctx)
	defer cancel()
	res, err := f.svc.CreateSession(ctx, req)
	if err != nil {
		return nil, err
	}
	f.id, f.token = res.GetSessionId(), res.GetSessionToken()
	return res, nil
}

func (f *flow) set(ctx context.Context, req *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	req.SessionId = f.id
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	ctx, cancel := f.a.callCtx(ctx)
	defer cancel()
	res, err := f.svc.SetSession(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.GetSessionToken() != "" {
		f.token = res.GetSessionToken()
	}
	return res, nil
}

// abandon deletes a half-finished session, best effort.
func (f *flow) abandon(ctx context.Context) {
	if f.id == "" {
		return
	}
	ctx, cancel := f.a.callCtx(context.WithoutCancel(ctx))
	defer cancel()
	tok := f.token
	_, _ = f.svc.DeleteSession(ctx, &sessionv2.DeleteSessionRequest{SessionId: f.id, SessionToken: &tok})
}

func (a *app) loginCommand() *cobra.Command {
	var loginName, secondFactor, webauthnDomain, tokenFile string
	var showToken bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in interactively: login name, password, then a second factor",
		Long: `Log in step by step, the way a login page does: the login name, then the
password (typed without echo), then a second factor of your choice (TOTP,
a code by SMS or email, or a passkey). Each step is one call to the Session
API; the session id and the token file are printed at the end, the token
itself only with --show-token.

When stdin is not a terminal, the answers are read line by line from stdin.`,
		Example: `  export ZITADEL_URL=https://auth.example.com ZITADEL_TOKEN=...  # a login client's PAT
  zitadel-session login
  zitadel-session login --login-name alice@example.com --second-factor totp`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch secondFactor {
			case "", "ask", "totp", "otp-sms", "otp-email", "webauthn", "none":
			default:
				return usageErrorf("--second-factor must be ask, totp, otp-sms, otp-email, webauthn or none, not %q", secondFactor)
			}
			svc, base, err := a.sessionClient()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			w := a.stdout
			fmt.Fprintf(w, "Logging in at %s\n", base)

			if loginName == "" {
				if loginName, err = a.promptLine("Login name"); err != nil {
					return err
				}
				if loginName == "" {
					return invalidErrorf("the login name must not be empty")
				}
			}
			f := &flow{svc: svc, a: a}
			ok := false
			defer func() {
				if !ok {
					f.abandon(ctx)
				}
			}()

			fmt.Fprintf(w, "[1] user: checking %q\n", loginName)
			cres, err := f.create(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
				User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: loginName}},
			}})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "    ok, session %s created\n", cres.GetSessionId())

			fmt.Fprintln(w, "[2] password")
			pw, err := a.promptSecret("Password", "", true)
			if err != nil {
				return err
			}
			if _, err := f.set(ctx, &sessionv2.SetSessionRequest{Checks: &sessionv2.Checks{Password: &sessionv2.CheckPassword{Password: pw}}}); err != nil {
				return err
			}
			pw = ""
			fmt.Fprintln(w, "    ok, password verified")

			if secondFactor == "" || secondFactor == "ask" {
				fmt.Fprintln(w, "[3] second factor: 1) TOTP app  2) code by SMS  3) code by email  4) passkey  0) none")
				choice, err := a.promptLine("Choose 0-4")
				if err != nil {
					return err
				}
				secondFactor = map[string]string{"0": "none", "1": "totp", "2": "otp-sms", "3": "otp-email", "4": "webauthn",
					"totp": "totp", "sms": "otp-sms", "email": "otp-email", "passkey": "webauthn", "none": "none", "": "none"}[strings.ToLower(choice)]
				if secondFactor == "" {
					return invalidErrorf("unknown choice %q: answer 0, 1, 2, 3 or 4", choice)
				}
			} else {
				fmt.Fprintf(w, "[3] second factor: %s\n", secondFactor)
			}
			if err := a.secondFactor(ctx, f, secondFactor, webauthnDomain); err != nil {
				return err
			}

			path, err := tokenPath(tokenFile, f.id)
			if err == nil {
				err = writeToken(path, f.token)
			}
			if err != nil {
				fmt.Fprintf(a.stderr, "warning: the session token could not be saved: %v\n", err)
				path = ""
			}
			ok = true
			fmt.Fprintln(w, "Logged in.")
			fmt.Fprintf(w, "session id     %s\n", f.id)
			if path != "" {
				fmt.Fprintf(w, "token file     %s\n", path)
			}
			if showToken {
				fmt.Fprintf(w, "session token  %s\n", f.token)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&loginName, "login-name", "", "login name (prompted for when not given)")
	fl.StringVar(&secondFactor, "second-factor", "ask", "second factor: ask, totp, otp-sms, otp-email, webauthn or none")
	fl.StringVar(&webauthnDomain, "webauthn-domain", "", "relying party id (domain) for a passkey (default: the host of --url)")
	fl.StringVar(&tokenFile, "session-token-file", "", "where to write the session token (default <config dir>/zitadel-session/<session id>.token)")
	fl.BoolVar(&showToken, "show-token", false, "also print the session token")
	_ = cmd.RegisterFlagCompletionFunc("second-factor", cobra.FixedCompletions([]string{"ask", "totp", "otp-sms", "otp-email", "webauthn", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// secondFactor runs the chosen second factor on the session.
func (a *app) secondFactor(ctx context.Context, f *flow, kind, rpID string) error {
	w := a.stdout
	switch kind {
	case "none":
		fmt.Fprintln(w, "    skipped")
		return nil
	case "totp":
		code, err := a.promptSecret("TOTP code", "", true)
		if err != nil {
			return err
		}
		if _, err := f.set(ctx, &sessionv2.SetSessionRequest{Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: strings.TrimSpace(code)}}}); err != nil {
			return err
		}
		fmt.Fprintln(w, "    ok, TOTP code verified")
	case "otp-sms", "otp-email":
		ch := &sessionv2.RequestChallenges{}
		channel := "SMS"
		if kind == "otp-sms" {
			ch.OtpSms = &sessionv2.RequestChallenges_OTPSMS{}
		} else {
			ch.OtpEmail = &sessionv2.RequestChallenges_OTPEmail{}
			channel = "email"
		}
		if _, err := f.set(ctx, &sessionv2.SetSessionRequest{Challenges: ch}); err != nil {
			return err
		}
		fmt.Fprintf(w, "    a code was sent by %s\n", channel)
		code, err := a.promptSecret("Code", "", true)
		if err != nil {
			return err
		}
		checks := &sessionv2.Checks{}
		if kind == "otp-sms" {
			checks.OtpSms = &sessionv2.CheckOTP{Code: strings.TrimSpace(code)}
		} else {
			checks.OtpEmail = &sessionv2.CheckOTP{Code: strings.TrimSpace(code)}
		}
		if _, err := f.set(ctx, &sessionv2.SetSessionRequest{Checks: checks}); err != nil {
			return err
		}
		fmt.Fprintf(w, "    ok, %s code verified\n", channel)
	case "webauthn":
		if rpID == "" {
			base, _ := a.baseURL()
			rpID = hostOf(base)
		}
		res, err := f.set(ctx, &sessionv2.SetSessionRequest{Challenges: &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{
			Domain: rpID, UserVerificationRequirement: sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED,
		}}})
		if err != nil {
			return err
		}
		b, err := marshalJSON(res.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions())
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "    pass these options to navigator.credentials.get() in a browser on %s:\n%s", rpID, b)
		path, err := a.promptLine("File with the assertion JSON")
		if err != nil {
			return err
		}
		st, err := a.readAssertion(path)
		if err != nil {
			return err
		}
		if _, err := f.set(ctx, &sessionv2.SetSessionRequest{Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: st}}}); err != nil {
			return err
		}
		fmt.Fprintln(w, "    ok, passkey verified")
	}
	return nil
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
