package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// loginUI is the login service: the pages a browser walks through between
// Zitadel's /oauth/v2/authorize (which sends it to <base>/login?authRequest=…)
// and the application's redirect URI. Every page is a plain HTML form; the
// comment of each handler names the session calls it makes.
type loginUI struct {
	zitadel *session.Client
	cookies *flowCookies
	views   *views
	// base is the path of the login service, e.g. "/ui/v2/login": the
	// "login base URI" of the application in Zitadel, without the origin.
	base string
	// publicURL is the login service's origin as browsers see it, e.g.
	// "http://localhost:9999", used for the link in OTP e-mails.
	publicURL string
	// rpID is the WebAuthn relying party ID: the host name passkeys are
	// registered for (the login service's host, e.g. "localhost").
	rpID string
	// lifetime is the lifetime of the sessions created here.
	lifetime time.Duration
	// maxPasswordAttempts is the lockout policy's limit (0 when unknown):
	// the Session API reports failed attempts, not the limit.
	maxPasswordAttempts int
	now                 func() time.Time
	log                 *slog.Logger
}

// Policies: what a session must prove before the login is finished.
const (
	policyPassword       = "password"
	policyPasswordAndMFA = "password+mfa"
	policyPasskey        = "passkey"
)

var policies = map[string]session.Policy{
	policyPassword:       session.AllOf(session.FactorUser, session.FactorPassword),
	policyPasswordAndMFA: session.PasswordAndSecondFactor,
	policyPasskey:        session.Passwordless,
}

// handler returns the login service, to be mounted at ui.base.
func (ui *loginUI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", ui.showLogin)
	mux.HandleFunc("POST /login", ui.submitLoginName)
	mux.HandleFunc("GET /password", ui.showPassword)
	mux.HandleFunc("POST /password", ui.submitPassword)
	mux.HandleFunc("GET /mfa", ui.showSecondFactor)
	mux.HandleFunc("POST /mfa/totp", ui.submitTOTP)
	mux.HandleFunc("POST /mfa/email/send", ui.sendEmailCode)
	mux.HandleFunc("GET /mfa/email", ui.showEmailCode)
	mux.HandleFunc("POST /mfa/email", ui.submitEmailCode)
	mux.HandleFunc("POST /passkey/start", ui.startPasskey)
	mux.HandleFunc("POST /passkey", ui.submitPasskey)
	mux.Handle("GET /static/", http.FileServerFS(staticFiles))
	// CSRF: Go's CrossOriginProtection rejects every cross-origin POST
	// (Sec-Fetch-Site, or Origin against Host), so no page needs a token.
	csrf := http.NewCrossOriginProtection()
	return http.StripPrefix(ui.base, securityHeaders(csrf.Handler(mux)))
}

// showLogin is where Zitadel sends the browser. It reads the auth request
// (GetAuthRequest: client, scopes, login hint, prompt) and asks for the
// login name.
func (ui *loginUI) showLogin(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequest")
	ar, err := ui.authRequest(r.Context(), id)
	if err != nil {
		ui.fail(w, r, err, "")
		return
	}
	if slices.Contains(ar.GetPrompt(), oidcv2.Prompt_PROMPT_NONE) {
		// This service keeps no single sign-on session of its own, so it
		// cannot log anyone in without asking: it must answer
		// login_required (OpenID Connect Core 1.0, §3.1.2.6).
		callback, err := ui.zitadel.FailOIDC(r.Context(), id, session.OIDCError{Reason: session.OIDCReasonLoginRequired})
		if err != nil {
			ui.fail(w, r, err, "")
			return
		}
		ui.redirectToApp(w, r, callback)
		return
	}
	ui.render(w, http.StatusOK, "login", view{Request: describe(ar), LoginName: ar.GetLoginHint()})
}

// submitLoginName creates the session with the user check
// (Create: CheckLoginName, Lifetime, UserAgent) and remembers it in the
// flow cookie.
func (ui *loginUI) submitLoginName(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("authRequest")
	name := strings.TrimSpace(r.PostFormValue("loginName"))
	ar, err := ui.authRequest(r.Context(), id)
	if err != nil {
		ui.fail(w, r, err, "")
		return
	}
	again := func(msg string) {
		ui.render(w, http.StatusUnprocessableEntity, "login", view{Request: describe(ar), LoginName: name, Error: msg})
	}
	if name == "" {
		again("Enter your login name.")
		return
	}
	h, _, err := ui.zitadel.Create(r.Context(),
		session.CheckLoginName(name),
		session.Lifetime(ui.lifetime),
		userAgent(r))
	switch {
	case session.IsNotFound(err):
		again("There is no account with this login name.")
		return
	case session.IsValidation(err):
		again("This is not a valid login name.")
		return
	case err != nil:
		ui.fail(w, r, err, id)
		return
	}
	if !ui.save(w, r, flow{AuthRequest: id, SessionID: h.ID(), SessionToken: h.SessionToken()}) {
		return
	}
	ui.redirect(w, r, "/password")
}

// showPassword asks for the password (Get: the session's user, and whether
// the session is still alive).
func (ui *loginUI) showPassword(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resume(w, r)
	if !ok {
		return
	}
	ui.page(w, r, f, h, http.StatusOK, "password", view{})
}

// submitPassword checks the password (Set: CheckPassword) and asks Zitadel
// whether the user needs a second factor (Get with the session token as
// bearer). Then it finishes the login or moves on to the second factor.
func (ui *loginUI) submitPassword(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resume(w, r)
	if !ok {
		return
	}
	_, err := h.Set(r.Context(), session.CheckPassword(r.PostFormValue("password")))
	if err != nil {
		if msg, retry := ui.retryMessage(err); retry {
			ui.again(w, r, f, h, "password", msg)
			return
		}
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.SessionToken = h.SessionToken()
	mfa, err := ui.needsSecondFactor(r.Context(), h)
	if err != nil {
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.Policy = policyPassword
	if mfa {
		f.Policy = policyPasswordAndMFA
	}
	if !ui.save(w, r, f) {
		return
	}
	if mfa {
		ui.redirect(w, r, "/mfa")
		return
	}
	ui.finish(w, r, f, h)
}

// needsSecondFactor asks Zitadel whether the session is enough for this
// user under the instance's login policy. The Session API does not list a
// user's authentication methods, but Zitadel refuses a session token as a
// bearer token with "mfa required" (AUTHZ-Kl3p0) while the session lacks a
// second factor that the user has set up and the login policy counts (TOTP
// and U2F security keys by default).
func (ui *loginUI) needsSecondFactor(ctx context.Context, h *session.Handle) (bool, error) {
	_, err := ui.zitadel.Get(h.Bearer(ctx), h.ID())
	if err == nil {
		return false, nil
	}
	if idOf(err) == zitadelerr.AuthFactorRequired {
		return true, nil
	}
	return false, err
}

// showSecondFactor offers the second factors: an authenticator-app code, a
// code by e-mail, a security key (Get).
func (ui *loginUI) showSecondFactor(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resumeSecondFactor(w, r)
	if !ok {
		return
	}
	ui.page(w, r, f, h, http.StatusOK, "mfa", view{})
}

// submitTOTP checks the authenticator-app code (Set: CheckTOTP).
func (ui *loginUI) submitTOTP(w http.ResponseWriter, r *http.Request) {
	ui.checkSecondFactor(w, r, "mfa", session.CheckTOTP(strings.TrimSpace(r.PostFormValue("code"))))
}

// sendEmailCode makes Zitadel e-mail a one-time code whose link leads back
// to this service (Set: ChallengeOTPEmailLink).
func (ui *loginUI) sendEmailCode(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resumeSecondFactor(w, r)
	if !ok {
		return
	}
	link := ui.publicURL + ui.base + "/mfa/email?code={{.Code}}"
	if _, err := h.Set(r.Context(), session.ChallengeOTPEmailLink(link)); err != nil {
		if msg, retry := ui.retryMessage(err); retry {
			ui.page(w, r, f, h, http.StatusUnprocessableEntity, "mfa", view{Error: msg})
			return
		}
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.SessionToken = h.SessionToken()
	if !ui.save(w, r, f) {
		return
	}
	ui.redirect(w, r, "/mfa/email")
}

// showEmailCode asks for the e-mailed code; the link in the e-mail fills it
// in (Get).
func (ui *loginUI) showEmailCode(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resumeSecondFactor(w, r)
	if !ok {
		return
	}
	ui.page(w, r, f, h, http.StatusOK, "email", view{Code: r.URL.Query().Get("code")})
}

// submitEmailCode checks the e-mailed code (Set: CheckOTPEmail).
func (ui *loginUI) submitEmailCode(w http.ResponseWriter, r *http.Request) {
	ui.checkSecondFactor(w, r, "email", session.CheckOTPEmail(strings.TrimSpace(r.PostFormValue("code"))))
}

// checkSecondFactor runs one second-factor check (Set) and finishes the
// login; a wrong code shows the page again.
func (ui *loginUI) checkSecondFactor(w http.ResponseWriter, r *http.Request, page string, check session.Check) {
	f, h, ok := ui.resumeSecondFactor(w, r)
	if !ok {
		return
	}
	if _, err := h.Set(r.Context(), check); err != nil {
		if msg, retry := ui.retryMessage(err); retry {
			ui.again(w, r, f, h, page, msg)
			return
		}
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.SessionToken = h.SessionToken()
	if !ui.save(w, r, f) {
		return
	}
	ui.finish(w, r, f, h)
}

// startPasskey asks Zitadel for a WebAuthn challenge (Set:
// ChallengeWebAuthn) and shows the page whose script hands it to
// navigator.credentials.get. Instead of the password: a passkey (user
// verification required). As second factor: a security key.
func (ui *loginUI) startPasskey(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resume(w, r)
	if !ok {
		return
	}
	uv, back := session.UserVerificationRequired, "password"
	if f.Policy == policyPasswordAndMFA {
		uv, back = session.UserVerificationDiscouraged, "mfa"
	}
	ch, err := h.Set(r.Context(), session.ChallengeWebAuthn(ui.rpID, uv))
	if err != nil {
		if session.IsFactorNotReady(err) {
			msg := "No passkey is registered for this account on this site. Use your password."
			if back == "mfa" {
				msg = "No security key is registered for this account. Choose another way."
			}
			ui.page(w, r, f, h, http.StatusUnprocessableEntity, back, view{Error: msg})
			return
		}
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	options, err := ch.WebAuthn.JSON()
	if err != nil {
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.SessionToken = h.SessionToken()
	if !ui.save(w, r, f) {
		return
	}
	ui.page(w, r, f, h, http.StatusOK, "passkey", view{WebAuthnOptions: string(options), SecurityKey: back == "mfa"})
}

// submitPasskey checks the browser's assertion (Set: CheckWebAuthn) and
// finishes the login.
func (ui *loginUI) submitPasskey(w http.ResponseWriter, r *http.Request) {
	f, h, ok := ui.resume(w, r)
	if !ok {
		return
	}
	if _, err := h.Set(r.Context(), session.CheckWebAuthn([]byte(r.PostFormValue("assertion")))); err != nil {
		if session.IsInvalidCredentials(err) || session.IsValidation(err) || idOf(err) == zitadelerr.WebAuthnNoChallenge {
			back := "password"
			if f.Policy == policyPasswordAndMFA {
				back = "mfa"
			}
			ui.page(w, r, f, h, http.StatusUnprocessableEntity, back,
				view{Error: "Your passkey's answer was not accepted. Try again."})
			return
		}
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	f.SessionToken = h.SessionToken()
	if f.Policy == "" {
		f.Policy = policyPasskey // signed in without a password
	}
	if !ui.save(w, r, f) {
		return
	}
	ui.finish(w, r, f, h)
}

// finish completes the auth request with the session (FinishOIDC, which
// first checks the session against the login's policy: Zitadel itself would
// finish a login for any session) and sends the browser back to the
// application with the code.
func (ui *loginUI) finish(w http.ResponseWriter, r *http.Request, f flow, h *session.Handle) {
	policy, ok := policies[f.Policy]
	if !ok {
		ui.fail(w, r, errNoPolicy, f.AuthRequest)
		return
	}
	callback, err := ui.zitadel.FinishOIDC(r.Context(), f.AuthRequest, h, session.Require(policy))
	if err != nil {
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	ui.cookies.clear(w)
	ui.redirectToApp(w, r, callback)
}

// resume restores the session from the flow cookie. No call is made; the
// next call with the handle tells whether it is still valid.
func (ui *loginUI) resume(w http.ResponseWriter, r *http.Request) (flow, *session.Handle, bool) {
	f, ok := ui.cookies.read(r)
	if !ok {
		ui.problem(w, r, problemLost, "")
		return flow{}, nil, false
	}
	return f, ui.zitadel.Resume(f.SessionID, f.SessionToken), true
}

// resumeSecondFactor is resume for the second-factor pages, which come
// after the password: before it, they send the browser to the password page.
func (ui *loginUI) resumeSecondFactor(w http.ResponseWriter, r *http.Request) (flow, *session.Handle, bool) {
	f, h, ok := ui.resume(w, r)
	if ok && f.Policy != policyPasswordAndMFA {
		ui.redirect(w, r, "/password")
		return flow{}, nil, false
	}
	return f, h, ok
}

// page renders a page of a login in progress with the user's name (Get).
// The Get also notices a session that was lost or expired meanwhile.
func (ui *loginUI) page(w http.ResponseWriter, r *http.Request, f flow, h *session.Handle, status int, name string, v view) {
	ui.show(w, r, f, h, status, name, v, false)
}

// again shows a page once more after a wrong password or code (Get). When
// a failed check reaches the lockout policy's limit, Zitadel locks the user
// in the same step, still answers "wrong password" (or "wrong code"), and
// deletes the user's sessions: a session gone right after a failed check
// means the account was just locked (or deactivated meanwhile), which the
// service cannot tell from the error when it does not know the limit.
func (ui *loginUI) again(w http.ResponseWriter, r *http.Request, f flow, h *session.Handle, name, msg string) {
	ui.show(w, r, f, h, http.StatusUnprocessableEntity, name, view{Error: msg}, true)
}

// show is page and again: goneMeansLocked reads a session not found as a
// locked account.
func (ui *loginUI) show(w http.ResponseWriter, r *http.Request, f flow, h *session.Handle, status int, name string, v view, goneMeansLocked bool) {
	s, err := h.Get(r.Context())
	if goneMeansLocked && session.IsNotFound(err) {
		err = fmt.Errorf("%w: %w", errLockedByCheck, err)
	}
	if err == nil && s.Expired(ui.now()) {
		err = errExpired
	}
	if err != nil {
		ui.fail(w, r, err, f.AuthRequest)
		return
	}
	u := s.Factors.User
	v.User = u.LoginName
	if u.DisplayName != "" {
		v.User = u.DisplayName + " (" + u.LoginName + ")"
	}
	ui.render(w, status, name, v)
}

// save writes the flow cookie with the handle's current token.
func (ui *loginUI) save(w http.ResponseWriter, r *http.Request, f flow) bool {
	if err := ui.cookies.write(w, f); err != nil {
		ui.fail(w, r, err, f.AuthRequest)
		return false
	}
	return true
}

// authRequest reads the OIDC auth request Zitadel sent the browser with.
func (ui *loginUI) authRequest(ctx context.Context, id string) (*oidcv2.AuthRequest, error) {
	if !strings.HasPrefix(id, "V2_") || len(id) > 200 {
		return nil, errNoAuthRequest
	}
	res, err := ui.zitadel.RawOIDC().GetAuthRequest(ctx, &oidcv2.GetAuthRequestRequest{AuthRequestId: id})
	if err != nil {
		if err = session.WrapError(err); session.IsNotFound(err) {
			return nil, fmt.Errorf("%w: %w", errRequestGone, err)
		}
		return nil, err
	}
	return res.GetAuthRequest(), nil
}

// redirect sends the browser to another page of the login service (303:
// the next request is a GET).
func (ui *loginUI) redirect(w http.ResponseWriter, r *http.Request, page string) {
	http.Redirect(w, r, ui.base+page, http.StatusSeeOther)
}

// redirectToApp sends the browser to the callback URL Zitadel returned: the
// application's registered redirect URI with the code (or error). Only
// http(s) URLs are followed, whatever the server says.
func (ui *loginUI) redirectToApp(w http.ResponseWriter, r *http.Request, callback string) {
	u, err := url.Parse(callback)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ui.fail(w, r, errBadCallback, "")
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// userAgent describes the browser for the session's user agent: its IP
// address and User-Agent header (no other header, no cookie).
func userAgent(r *http.Request) session.UserAgent {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = ""
	}
	return session.UserAgent{IP: ip, Description: r.UserAgent()}
}

// securityHeaders: no caching of pages that carry a login, no framing
// (clickjacking), scripts and styles only from this service.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
