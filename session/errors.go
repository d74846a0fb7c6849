package session

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	errorv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/error/v2"
	"github.com/sessionkit/zitadel-session-go/internal/connerr"
	"github.com/sessionkit/zitadel-session-go/internal/validate"
)

// Error is the error type returned by every method of this package for a
// failed RPC or for a request rejected by local validation. Use the Is*
// predicates ([IsNotFound], [IsInvalidCredentials], ...) or errors.As to
// inspect it; it unwraps to the underlying *connect.Error.
//
// Error never contains a secret: Zitadel's messages do not echo request
// values and local validation messages name the field and rule, not the
// value.
type Error struct {
	// Op is the RPC that failed, e.g. "CreateSession".
	Op string
	// Code is the Connect / gRPC status code.
	Code connect.Code
	// ID is Zitadel's error id (e.g. "COMMAND-3M0fs") or slug (e.g.
	// "session.token_invalid"); empty for transport-level errors such as
	// request-validation failures or a missing auth header.
	ID string
	// Message is the human-readable message without Zitadel's " (<id>)"
	// suffix. It may be localized; key on Code and ID, not on Message.
	Message string
	// FailedAttempts is the user's failed-check count reported with a
	// wrong password (or a user locked during a password check); 0 otherwise.
	FailedAttempts int
	// Field is the proto path of the request field that failed local
	// validation, e.g. "checks.totp.code"; empty otherwise.
	Field string
	// Local reports that the request was rejected by this package before
	// anything was sent.
	Local bool

	hint  string
	cause *connect.Error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("session: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Code.String())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.ID != "" {
		b.WriteString(" (")
		b.WriteString(e.ID)
		b.WriteString(")")
	}
	if e.hint != "" {
		b.WriteString("; ")
		b.WriteString(e.hint)
	}
	return b.String()
}

// Unwrap returns the underlying *connect.Error. For a local validation error
// that error in turn unwraps to the *validate.Error.
func (e *Error) Unwrap() error {
	if e.cause == nil {
		return nil
	}
	return e.cause
}

// Zitadel error ids this package interprets.
const (
	idInstanceNotFound = "QUERY-1kIjX"
	idNoMembership     = "AUTHZ-cdgFk"
	idSessionExpired   = "AUTHZ-EGDo3"
	idAuthRequired     = "AUTHZ-Kl3p0"
	idTokenInvalid     = "AUTH-7fs1e"
	idGetStaleToken    = "QUERY-dsfr3"
	idDeleteStaleToken = "COMMAND-sGr42"
)

var invalidCredentialIDs = map[string]bool{
	"COMMAND-3M0fs": true, // wrong password
	"EVENT-8isk2":   true, // wrong TOTP code
	"CODE-woT0xc":   true, // wrong OTP (SMS / email) code
	"DOMAIN-6uvh0":  true, // wrong recovery code
	"WEBAU-3M9si":   true, // WebAuthN assertion does not verify
	"CRYPTO-Sfefs":  true, // IdP intent token empty
	"CRYPTO-Swg31":  true, // IdP intent token malformed
	"CRYPTO-Sf4gt":  true, // IdP intent token undecryptable
	"CRYPTO-CRYPTO": true, // IdP intent token of another intent
}

var lockedIDs = map[string]bool{
	"COMMAND-JLK35": true, // password check: user locked
	"COMMAND-SFA3t": true, // password check: user locked concurrently
	"COMMAND-SF3fg": true, // TOTP check: user locked
	"COMMAND-S6h4R": true, // OTP check: user locked
	"COMMAND-2w6oa": true, // recovery code: user locked
	"COMMAND-ASV12": true, // recovery code: user locked
	"SESSION-Gj4ko": true, // user check: user not active (locked, deactivated, suspended)
}

var unauthenticatedIDs = map[string]bool{
	idSessionExpired:   true, // session token as bearer: session expired
	idAuthRequired:     true, // session token as bearer: authentication / MFA required
	idTokenInvalid:     true, // invalid or expired bearer token
	idGetStaleToken:    true, // session token is not the current one
	idDeleteStaleToken: true, // session token is invalid
}

// asError returns the *Error in err's chain, if any.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err says the session, user or other entity does
// not exist. It is false for "instance not found" (see [IsInstanceNotFound])
// and for Zitadel's "membership not found", which is a permission error (see
// [IsPermissionDenied]).
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Code == connect.CodeNotFound && e.ID != idInstanceNotFound && e.ID != idNoMembership
}

// IsInstanceNotFound reports whether Zitadel could not find the instance for
// the request's host. Use [WithInstanceHost] when dialing an address other
// than the instance's domain.
func IsInstanceNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Code == connect.CodeNotFound && e.ID == idInstanceNotFound
}

// IsInvalidCredentials reports whether a check failed because the secret was
// wrong: password, TOTP, OTP (SMS / email) or recovery code, WebAuthN
// assertion or IdP intent token.
func IsInvalidCredentials(err error) bool {
	e, ok := asError(err)
	return ok && invalidCredentialIDs[e.ID]
}

// IsLocked reports whether the user is locked (or, as Zitadel reports it on
// the user check, not active).
func IsLocked(err error) bool {
	e, ok := asError(err)
	return ok && lockedIDs[e.ID]
}

// IsUnauthenticated reports whether the caller's credentials were missing,
// invalid or insufficient: Unauthenticated errors, and the cases Zitadel
// reports as PermissionDenied when a session token is used (session expired
// AUTHZ-EGDo3, authentication or MFA required AUTHZ-Kl3p0, stale or invalid
// session token QUERY-dsfr3 / COMMAND-sGr42). It is exclusive with
// [IsPermissionDenied].
func IsUnauthenticated(err error) bool {
	e, ok := asError(err)
	return ok && (e.Code == connect.CodeUnauthenticated || unauthenticatedIDs[e.ID])
}

// IsPermissionDenied reports whether the caller is authenticated but lacks
// the permission, including Zitadel's NotFound "membership not found"
// (AUTHZ-cdgFk) for callers without any membership. It is exclusive with
// [IsUnauthenticated].
func IsPermissionDenied(err error) bool {
	e, ok := asError(err)
	if !ok || unauthenticatedIDs[e.ID] {
		return false
	}
	return e.Code == connect.CodePermissionDenied || e.ID == idNoMembership
}

// IsValidation reports whether the request was rejected as malformed: by
// local validation (nothing was sent) or by the server's request validation.
func IsValidation(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	if e.Local {
		return true
	}
	return e.Code == connect.CodeInvalidArgument && e.ID == "" && strings.HasPrefix(e.Message, "invalid ")
}

// newError converts an RPC error into *Error. Non-connect errors (e.g. a
// canceled context) are returned unchanged.
func newError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	// A dropped connection arrives as Canceled from connect-go; it is
	// Unavailable for the caller (see internal/connerr).
	e := &Error{Op: op, Code: connerr.Code(ctx, err), cause: ce}
	msg := ce.Message()
	for _, d := range ce.Details() {
		m, derr := connectproto.UnmarshalErrorDetail(d)
		if derr != nil {
			continue
		}
		switch m := m.(type) {
		case *zitadelv1.CredentialsCheckError:
			e.ID, e.FailedAttempts = m.GetId(), int(m.GetFailedAttempts())
			if msg == "" {
				msg = m.GetMessage()
			}
		case *zitadelv1.ErrorDetail:
			e.ID = m.GetId()
			if msg == "" {
				msg = m.GetMessage()
			}
		case *errorv2.ErrorDetail:
			e.ID = m.GetSlug()
			if msg == "" {
				msg = m.GetMessage()
			}
		}
	}
	e.Message = trimID(msg, &e.ID)
	if e.Code == connect.CodeNotFound && e.ID == idInstanceNotFound {
		e.hint = "instance not found: Zitadel selects the instance by the request's host; " +
			"when dialing an address other than the instance domain, use session.WithInstanceHost(\"<instance domain>\")"
	}
	return e
}

// trimID strips Zitadel's " (<id>)" suffix from msg. When id is empty and the
// message carries one, the suffix is used as id.
func trimID(msg string, id *string) string {
	if !strings.HasSuffix(msg, ")") {
		return msg
	}
	open := strings.LastIndex(msg, " (")
	if open < 0 {
		return msg
	}
	suffix := msg[open+2 : len(msg)-1]
	if strings.ContainsAny(suffix, " ()") {
		return msg
	}
	if *id == "" {
		*id = suffix
	} else if suffix != *id {
		return msg
	}
	return msg[:open]
}

// validationError converts a local validation failure into *Error. Nothing
// has been sent.
func validationError(op string, err error) error {
	e := &Error{Op: op, Code: connect.CodeInvalidArgument, Local: true}
	var ve *validate.Error
	if errors.As(err, &ve) {
		for ve.Cause != nil {
			ve = ve.Cause
		}
		e.Field = ve.Path
	}
	e.Message = err.Error()
	e.cause = connect.NewError(connect.CodeInvalidArgument, e.Message).WithCause(err)
	return e
}

// localError is a client-side usage error (e.g. malformed WebAuthN JSON,
// conflicting checks): InvalidArgument, Local, nothing sent.
func localError(op, msg string, cause error) error {
	ce := connect.NewError(connect.CodeInvalidArgument, msg)
	if cause != nil {
		ce = ce.WithCause(cause)
	}
	return &Error{Op: op, Code: connect.CodeInvalidArgument, Message: msg, Local: true, cause: ce}
}

// WrapError converts an error returned by the generated clients of
// [Client.Raw], [Client.RawOIDC] or [Client.RawSAML] into an [*Error], so that
// the Is* predicates work on it. Other errors are returned unchanged.
func WrapError(err error) error {
	if _, ok := asError(err); ok {
		return err
	}
	return newError(context.Background(), "", err)
}

// CodeOf returns the Connect code of err: the code of an [*Error] or
// *connect.Error in its chain, CodeCanceled / CodeDeadlineExceeded for
// context errors, CodeUnknown otherwise.
func CodeOf(err error) connect.Code {
	if e, ok := asError(err); ok {
		return e.Code
	}
	return connect.CodeOf(err)
}
