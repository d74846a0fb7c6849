package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
)

// realInstanceNotFound is the message Zitadel v4.13.1 sends, without an
// error detail, for a host that is not an instance domain.
const realInstanceNotFound = "unable to set instance using origin &{127.0.0.1:8080  http} (ExternalDomain is localhost): " +
	"ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. Check out " +
	"https://zitadel.com/docs/apis/introduction#domains Parent=(unable to get instance by domain: instanceDomain 127.0.0.1, " +
	"publicHostname 127.0.0.1: ID=QUERY-1kIjX Message=Errors.Instance.NotFound)"

// TestPredicatesOnZitadelErrors decodes errors exactly as Zitadel v4.13.1
// sends them (code, "<message> (<id>)", one zitadel.v1.ErrorDetail; as a
// running Zitadel v4.13.1 answered the same requests) and checks every
// predicate on each: the listed ones are true, all others false.
func TestPredicatesOnZitadelErrors(t *testing.T) {
	predicates := map[string]func(error) bool{
		"IsNotFound": IsNotFound, "IsInstanceNotFound": IsInstanceNotFound,
		"IsInvalidCredentials": IsInvalidCredentials, "IsLocked": IsLocked,
		"IsSessionExpired": IsSessionExpired, "IsSessionTerminated": IsSessionTerminated,
		"IsAlreadyHandled": IsAlreadyHandled, "IsFactorNotReady": IsFactorNotReady,
		"IsUnauthenticated": IsUnauthenticated, "IsPermissionDenied": IsPermissionDenied,
		"IsValidation": IsValidation,
	}
	cases := []struct {
		name   string
		code   connect.Code
		id     string
		msg    string
		detail bool // a zitadel.v1.ErrorDetail is attached
		want   []string
	}{
		// Session expired: SetSession / CreateCallback, session token as bearer.
		{"set expired", connect.CodeFailedPrecondition, "COMMAND-Hkl3d", "Session has expired", true, []string{"IsSessionExpired"}},
		{"bearer expired", connect.CodePermissionDenied, "AUTHZ-EGDo3", "session expired", true, []string{"IsSessionExpired", "IsUnauthenticated"}},
		// Session terminated.
		{"set terminated", connect.CodeFailedPrecondition, "COMMAND-Hewfq", "Session already terminated", true, []string{"IsSessionTerminated"}},
		// Auth / SAML request already handled.
		{"oidc handled", connect.CodeFailedPrecondition, "COMMAND-Sx208nt", "Auth Request has already been handled", true, []string{"IsAlreadyHandled"}},
		{"saml handled", connect.CodeFailedPrecondition, "COMMAND-ttPKNdAIFT", "SAMLRequest has already been handled", true, []string{"IsAlreadyHandled"}},
		// Factor not set up / not ready.
		{"webauthn no key", connect.CodeInternal, "WEBAU-4G8sw", "WebAuthN begin login failed", true, []string{"IsFactorNotReady"}},
		{"otp email not ready", connect.CodeFailedPrecondition, "COMMAND-JKLJ3", "Multifactor OTP (OneTimePassword) isn't ready", true, []string{"IsFactorNotReady"}},
		{"otp sms not ready", connect.CodeFailedPrecondition, "COMMAND-BJ2g3", "Multifactor OTP (OneTimePassword) isn't ready", true, []string{"IsFactorNotReady"}},
		{"otp check not ready", connect.CodeFailedPrecondition, "COMMAND-d2r52", "Multifactor OTP (OneTimePassword) isn't ready", true, []string{"IsFactorNotReady"}},
		{"totp not ready", connect.CodeFailedPrecondition, "COMMAND-3Mif9s", "Multifactor OTP (OneTimePassword) isn't ready", true, []string{"IsFactorNotReady"}},
		{"recovery not ready", connect.CodeFailedPrecondition, "COMMAND-84rgg", "Recovery codes are not ready for use", true, []string{"IsFactorNotReady"}},
		{"password not set", connect.CodeFailedPrecondition, "COMMAND-3nJ4t", "User has not set a password", true, []string{"IsFactorNotReady"}},
		// Credentials not accepted: the ids the CLI counted as auth failures on its own.
		{"otp code expired", connect.CodeFailedPrecondition, "CODE-QvUQ4P", "Code is expired", true, []string{"IsInvalidCredentials"}},
		{"intent not succeeded", connect.CodeFailedPrecondition, "COMMAND-Df4bw", "Intent has not succeeded", true, []string{"IsInvalidCredentials"}},
		{"intent expired", connect.CodeFailedPrecondition, "COMMAND-SAf42", "Errors.Intent.Expired", true, []string{"IsInvalidCredentials"}},
		{"intent other user", connect.CodeFailedPrecondition, "COMMAND-O8xk3w", "Errors.Intent.OtherUser", true, []string{"IsInvalidCredentials"}},
		{"webauthn unparsable", connect.CodeInternal, "WEBAU-ADgv4", "Errors.User.WebAuthN.ValidateLoginFailed", true, []string{"IsInvalidCredentials"}},
		{"webauthn unknown key", connect.CodeFailedPrecondition, "COMMAND-Aej7i", "Errors.User.WebAuthN.NotFound", true, []string{"IsInvalidCredentials"}},
		{"intent bad token", connect.CodePermissionDenied, "CRYPTO-Swg31", "Intent Token is invalid", true, []string{"IsInvalidCredentials", "IsPermissionDenied"}},
		// The neighbours the new predicates must not swallow.
		{"get deleted", connect.CodeNotFound, "QUERY-SFeaa", "Session does not exist", true, []string{"IsNotFound"}},
		{"callback unknown request", connect.CodeNotFound, "COMMAND-jae5P", "Auth Request does not exist", true, []string{"IsNotFound"}},
		{"otp code not found", connect.CodeFailedPrecondition, "COMMAND-S34gh", "Code not found", true, nil},
		{"stale token on finish", connect.CodePermissionDenied, "COMMAND-sGr42", "Session Token is invalid", true, []string{"IsUnauthenticated"}},
		{"mfa required", connect.CodePermissionDenied, "AUTHZ-Kl3p0", "mfa required", true, []string{"IsUnauthenticated"}},
		{"auth header scheme", connect.CodeUnauthenticated, "AUTH-toLo1", "invalid auth header", true, []string{"IsUnauthenticated"}},
		{"locked otp", connect.CodeFailedPrecondition, "COMMAND-S6h4R", "User is locked", true, []string{"IsLocked"}},
		{"no membership", connect.CodeNotFound, "AUTHZ-cdgFk", "membership not found", true, []string{"IsPermissionDenied"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ce := connect.NewError(tc.code, tc.msg+" ("+tc.id+")")
			if tc.detail {
				ce = ce.WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: tc.id, Message: tc.msg}))
			}
			err := fmt.Errorf("wrapped: %w", newError(context.Background(), "SetSession", ce.WithRemote()))
			var se *Error
			if !errors.As(err, &se) || se.ID != tc.id || se.Message != tc.msg || se.Code != tc.code {
				t.Fatalf("decoded %#v", se)
			}
			for name, p := range predicates {
				if got, want := p(err), slices.Contains(tc.want, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
		})
	}
}

// TestInstanceNotFoundAsZitadelSendsIt: not_found, no error detail, the id
// only inside the message.
func TestInstanceNotFoundAsZitadelSendsIt(t *testing.T) {
	ce := connect.NewError(connect.CodeNotFound, realInstanceNotFound).WithRemote()
	err := newError(context.Background(), "CreateSession", ce)
	var se *Error
	if !errors.As(err, &se) {
		t.Fatal("not a *Error")
	}
	if se.ID != "QUERY-1kIjX" {
		t.Errorf("ID = %q, want QUERY-1kIjX", se.ID)
	}
	if !strings.HasPrefix(se.Message, "Instance not found. Make sure you got the domain right.") || strings.Contains(se.Message, "Parent=") {
		t.Errorf("Message = %q", se.Message)
	}
	if !IsInstanceNotFound(err) || IsNotFound(err) || IsPermissionDenied(err) {
		t.Errorf("IsInstanceNotFound=%v IsNotFound=%v IsPermissionDenied=%v", IsInstanceNotFound(err), IsNotFound(err), IsPermissionDenied(err))
	}
	for _, want := range []string{"WithInstanceHost", "instance's domain", "external domain is localhost", "(QUERY-1kIjX)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error text %q lacks %q", err.Error(), want)
		}
	}
	// A hostile external domain is not echoed.
	hostile := strings.Replace(realInstanceNotFound, "ExternalDomain is localhost", "ExternalDomain is evil\x1b]0;x\x07", 1)
	err = newError(context.Background(), "CreateSession", connect.NewError(connect.CodeNotFound, hostile).WithRemote())
	if !IsInstanceNotFound(err) || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("hostile domain: %q", err.Error())
	}
}

func TestEmbeddedID(t *testing.T) {
	for _, tc := range []struct{ in, msg, id string }{
		{realInstanceNotFound, "Instance not found. Make sure you got the domain right. Check out https://zitadel.com/docs/apis/introduction#domains", "QUERY-1kIjX"},
		{"ID=X-1 Message=m", "m", "X-1"},
		{"prefix: ID=X-1 Message=a b Parent=(ID=Y Message=c)", "a b", "X-1"},
		{"instanceID=abc Message=nope", "instanceID=abc Message=nope", ""},
		{"no id at all", "no id at all", ""},
		{"ID= Message=x", "ID= Message=x", ""},
		{"ID=X-1", "ID=X-1", "X-1"},
	} {
		var id string
		if got := embeddedID(tc.in, &id); got != tc.msg || id != tc.id {
			t.Errorf("embeddedID(%q) = %q, %q; want %q, %q", tc.in, got, id, tc.msg, tc.id)
		}
	}
}

func TestCodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want connect.Code
	}{
		{context.Canceled, connect.CodeCanceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), connect.CodeDeadlineExceeded},
		{connect.NewError(connect.CodeUnavailable, "down"), connect.CodeUnavailable},
		{&Error{Code: connect.CodeNotFound}, connect.CodeNotFound},
		{errors.New("other"), connect.CodeUnknown},
		{nil, connect.CodeUnknown},
	} {
		if got := CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
