package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// What a person sees when something goes wrong. Errors come in two sorts:
// those the person can fix on the same page (a wrong password or code: the
// page is shown again with a message, see retryMessage) and those that end
// this attempt (a locked account, an expired or lost login: a problem page,
// see fail). Neither ever shows a secret, a token or Zitadel's raw message;
// the details go to the log, which never holds secrets either
// (session.Error and session.Handle redact them).

// idOf returns Zitadel's error id carried by err (see package zitadelerr),
// or "".
func idOf(err error) string {
	var e *session.Error
	if errors.As(err, &e) {
		return e.ID
	}
	return ""
}

// Errors of this service itself.
var (
	errNoAuthRequest = errors.New("no or malformed authRequest parameter")
	errRequestGone   = errors.New("auth request unknown or finished")
	errExpired       = errors.New("session expired")
	errBadCallback   = errors.New("callback URL from Zitadel is not an http(s) URL")
	errNoPolicy      = errors.New("no policy chosen for this login")
	errLockedByCheck = errors.New("session gone after a failed check: user locked")
)

// retryMessage tells whether err is something the person can fix on the
// same page, and what to tell them.
func (ui *loginUI) retryMessage(err error) (msg string, retry bool) {
	var e *session.Error
	if !errors.As(err, &e) {
		return "", false
	}
	switch e.ID {
	case zitadelerr.PasswordInvalid:
		if ui.maxPasswordAttempts <= 0 {
			return "Wrong password. Try again.", true
		}
		left := ui.maxPasswordAttempts - e.FailedAttempts
		if left <= 0 {
			return "", false // this attempt locked the account: see fail
		}
		return fmt.Sprintf("Wrong password. %d %s left before your account is locked.", left, plural(left, "attempt", "attempts")), true
	case zitadelerr.PasswordNotSet:
		return "This account has no password. Sign in with a passkey instead.", true
	case zitadelerr.TOTPInvalid:
		return "That code is not right. Enter the current code from your authenticator app.", true
	case zitadelerr.TOTPNotReady:
		return "You have not set up an authenticator app. Choose another way.", true
	case zitadelerr.OTPCodeInvalid:
		return "That code is not right. Check the e-mail and try again.", true
	case zitadelerr.OTPCodeExpired:
		return "That code has expired. Send yourself a new one.", true
	case zitadelerr.OTPCodeNotFound:
		return "Send yourself a code first.", true
	case zitadelerr.OTPEmailNotReady, zitadelerr.OTPCheckNotReady:
		return "Codes by e-mail are not set up for this account. Choose another way.", true
	}
	if e.Local || session.IsValidation(err) {
		switch {
		case strings.HasSuffix(e.Field, ".code"):
			return "Enter the code you received.", true
		case strings.HasSuffix(e.Field, "password.password"):
			return "Enter your password.", true
		}
		return "Check what you entered and try again.", true
	}
	return "", false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// problem is a page that ends this attempt: what happened, and what to do.
type problem struct {
	Status  int
	Title   string
	Message string
	// Restart offers to start this login again: the application's auth
	// request is still open.
	Restart bool
}

var (
	problemLost = problem{http.StatusBadRequest, "Your sign-in was interrupted",
		"This browser no longer holds the sign-in that was in progress: cookies were cleared, it took too long, " +
			"or it was finished or restarted in another tab. Go back to the application and sign in again.", false}
	problemStale = problem{http.StatusBadRequest, "Your sign-in was interrupted",
		"This sign-in was continued elsewhere or has ended. Start again.", true}
	problemExpired = problem{http.StatusBadRequest, "Your sign-in took too long",
		"For your security, a sign-in must be completed within a few minutes. Start again.", true}
	problemLocked = problem{http.StatusForbidden, "Your account is locked",
		"There were too many failed attempts, or an administrator locked or deactivated this account. " +
			"Ask your administrator to unlock it.", false}
	problemRequestGone = problem{http.StatusBadRequest, "This sign-in link is no longer valid",
		"It was already used, or it has expired. Go back to the application and sign in again.", false}
	problemNoRequest = problem{http.StatusBadRequest, "Nothing to sign in to",
		"Open this page through your application's sign-in button.", false}
	problemInternal = problem{http.StatusInternalServerError, "Something went wrong",
		"The sign-in service could not complete your request. Try again in a moment.", true}
)

// problemFor classifies an error that ends the attempt.
func (ui *loginUI) problemFor(err error) problem {
	switch {
	case errors.Is(err, errNoAuthRequest):
		return problemNoRequest
	case errors.Is(err, errRequestGone):
		return problemRequestGone
	case errors.Is(err, errExpired):
		return problemExpired
	case errors.Is(err, errLockedByCheck):
		return problemLocked
	}
	var e *session.Error
	if !errors.As(err, &e) {
		return problemInternal
	}
	switch {
	case session.IsLocked(err),
		e.ID == zitadelerr.PasswordInvalid && ui.maxPasswordAttempts > 0 && e.FailedAttempts >= ui.maxPasswordAttempts:
		return problemLocked
	case session.IsSessionExpired(err):
		return problemExpired
	case session.IsAlreadyHandled(err), e.Op == "CreateCallback" && session.IsNotFound(err):
		// Finished before, or unknown to FinishOIDC / FailOIDC.
		return problemRequestGone
	case session.IsSessionTerminated(err), session.IsUnauthenticated(err), session.IsNotFound(err):
		// The session token is stale, or the session is gone.
		return problemStale
	}
	return problemInternal
}

// fail shows the problem page for err. authRequest, when known, is offered
// for a restart.
func (ui *loginUI) fail(w http.ResponseWriter, r *http.Request, err error, authRequest string) {
	p := ui.problemFor(err)
	level := ui.log.Info
	if p.Status >= 500 {
		level = ui.log.Error
	}
	level("login stopped", "path", r.URL.Path, "problem", p.Title, "error", err)
	if p == problemLocked || p == problemRequestGone || p == problemExpired || p == problemStale {
		ui.cookies.clear(w)
	}
	ui.problem(w, r, p, authRequest)
}

// problem renders a problem page.
func (ui *loginUI) problem(w http.ResponseWriter, _ *http.Request, p problem, authRequest string) {
	v := view{Problem: &p}
	if p.Restart && authRequest != "" {
		v.Restart = ui.base + "/login?authRequest=" + url.QueryEscape(authRequest)
	}
	ui.render(w, p.Status, "problem", v)
}
