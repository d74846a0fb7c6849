package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sessionkit/zitadel-session-go/session"
)

// abandon deletes a half-finished session with its own token, best effort,
// also when ctx was canceled.
func abandon(ctx context.Context, h *session.Handle) {
	if h != nil {
		_ = h.Delete(context.WithoutCancel(ctx))
	}
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
				return invalidErrorf("--second-factor must be ask, totp, otp-sms, otp-email, webauthn or none, not %q", secondFactor)
			}
			if err := checkTokenDestination(tokenFile); err != nil {
				return err
			}
			c, base, err := a.client()
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

			fmt.Fprintf(w, "[1] user: checking %q\n", loginName)
			h, _, err := c.Create(ctx, session.CheckLoginName(loginName))
			if err != nil {
				return err
			}
			if err := checkServerSessionID(h.ID()); err != nil {
				return err
			}
			ok := false
			defer func() {
				if !ok {
					abandon(ctx, h)
				}
			}()
			fmt.Fprintf(w, "    ok, session %s created\n", h.ID())

			fmt.Fprintln(w, "[2] password")
			pw, err := a.promptSecret("Password", "", true)
			if err != nil {
				return err
			}
			if _, err := h.Set(ctx, session.CheckPassword(pw)); err != nil {
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
			if err := a.secondFactor(ctx, h, base, secondFactor, webauthnDomain); err != nil {
				return err
			}

			path, saveErr := saveToken(tokenFile, h.ID(), h.SessionToken())
			ok = true // the session stays, also when its token cannot be saved
			fmt.Fprintln(w, "Logged in.")
			fmt.Fprintf(w, "session id     %s\n", h.ID())
			if path != "" {
				fmt.Fprintf(w, "token file     %s\n", path)
			}
			if showToken {
				fmt.Fprintf(w, "session token  %s\n", terminalSafe(h.SessionToken()))
			}
			return tokenNotSaved(saveErr, "session "+h.ID()+" is logged in", h.ID())
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
func (a *app) secondFactor(ctx context.Context, h *session.Handle, base, kind, rpID string) error {
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
		if _, err := h.Set(ctx, session.CheckTOTP(strings.TrimSpace(code))); err != nil {
			return err
		}
		fmt.Fprintln(w, "    ok, TOTP code verified")
	case "otp-sms", "otp-email":
		challenge, check, channel := session.ChallengeOTPSMS(), session.CheckOTPSMS, "SMS"
		if kind == "otp-email" {
			challenge, check, channel = session.ChallengeOTPEmail(), session.CheckOTPEmail, "email"
		}
		if _, err := h.Set(ctx, challenge); err != nil {
			return err
		}
		fmt.Fprintf(w, "    a code was sent by %s\n", channel)
		code, err := a.promptSecret("Code", "", true)
		if err != nil {
			return err
		}
		if _, err := h.Set(ctx, check(strings.TrimSpace(code))); err != nil {
			return err
		}
		fmt.Fprintf(w, "    ok, %s code verified\n", channel)
	case "webauthn":
		if rpID == "" {
			rpID = hostOf(base)
		}
		ch, err := h.Set(ctx, session.ChallengeWebAuthn(rpID, session.UserVerificationRequired))
		if err != nil {
			return err
		}
		if ch == nil || ch.WebAuthn == nil {
			return fmt.Errorf("the server answered the passkey challenge without request options")
		}
		b, err := ch.WebAuthn.JSON()
		if err != nil {
			return err
		}
		var opts bytes.Buffer
		if err := json.Indent(&opts, b, "", "  "); err != nil {
			return fmt.Errorf("the server's WebAuthn request options are not JSON")
		}
		fmt.Fprintf(w, "    pass these options to navigator.credentials.get() in a browser on %s:\n", rpID)
		for line := range strings.Lines(opts.String()) {
			fmt.Fprintln(w, terminalSafe(strings.TrimSuffix(line, "\n")))
		}
		path, err := a.promptLine("File with the assertion JSON")
		if err != nil {
			return err
		}
		assertion, err := a.readAssertion(path)
		if err != nil {
			return err
		}
		if _, err := h.Set(ctx, session.CheckWebAuthn(assertion)); err != nil {
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
