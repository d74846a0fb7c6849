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
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
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
	// ID is Zitadel's error id (e.g. "COMMAND-3M0fs", see package
	// zitadelerr) or slug (e.g. "session.token_invalid"), from the error
	// detail or the message's " (<id>)" suffix, or, for the errors Zitadel
	// sends without either (instance not found), from the "ID=<id>" inside
	// the message; empty for transport-level errors such as
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

// asError returns the *Error in err's chain, if any.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err says the session, user, auth request or
// other entity does not exist (code NotFound). It is false for "instance not
// found" (see [IsInstanceNotFound]: a wrong host, not a missing session, so
// code that logs the user in again on NotFound does not loop) and for
// Zitadel's "membership not found", which is a permission error (see
// [IsPermissionDenied]).
func IsNotFound(err error) bool {
	e, ok := asError(err)
	if !ok || e.Code != connect.CodeNotFound {
		return false
	}
	k := zitadelerr.KindOf(e.ID)
	return k != zitadelerr.KindInstanceNotFound && k != zitadelerr.KindPermissionDenied
}

// IsInstanceNotFound reports whether Zitadel could not find the instance for
// the request's host ([zitadelerr.InstanceNotFound], which Zitadel sends
// without an error detail, inside the message). Dial the instance's domain,
// or name it with [WithInstanceHost] when dialing another address.
func IsInstanceNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Code == connect.CodeNotFound && zitadelerr.KindOf(e.ID) == zitadelerr.KindInstanceNotFound
}

// IsInvalidCredentials reports whether a check failed because the credential
// presented was not accepted ([zitadelerr.KindInvalidCredentials]): a wrong
// password, TOTP, OTP (SMS / email) or recovery code, an expired OTP code, an
// IdP intent that is invalid, expired, already used or another user's, or a
// WebAuthn assertion that does not verify or names an unknown key. The user
// has to present a new credential. For a wrong password, [Error]'s
// FailedAttempts holds the user's failed-attempt count.
func IsInvalidCredentials(err error) bool {
	return kindOf(err) == zitadelerr.KindInvalidCredentials
}

// IsLocked reports whether the user is locked (or, as Zitadel reports it on
// the user check, not active).
func IsLocked(err error) bool {
	return kindOf(err) == zitadelerr.KindLocked
}

// IsSessionExpired reports whether the session has expired: SetSession,
// FinishOIDC or FinishSAML on an expired session (FailedPrecondition,
// [zitadelerr.SessionExpired]), or its session token used as bearer
// (PermissionDenied, [zitadelerr.AuthSessionExpired]; [IsUnauthenticated] is
// true for that one too). Create a new session.
func IsSessionExpired(err error) bool {
	return kindOf(err) == zitadelerr.KindSessionExpired
}

// IsSessionTerminated reports whether the session was deleted (logged out):
// SetSession, FinishOIDC or FinishSAML on it (FailedPrecondition,
// [zitadelerr.SessionTerminated]). GetSession of a deleted session answers
// NotFound instead (see [IsNotFound]).
func IsSessionTerminated(err error) bool {
	return kindOf(err) == zitadelerr.KindSessionTerminated
}

// IsAlreadyHandled reports whether the OIDC auth request or SAML request was
// already finished ([Client.FinishOIDC] / [Client.FinishSAML] /
// [Client.FailOIDC] / [Client.FailSAML] called twice; FailedPrecondition,
// [zitadelerr.AuthRequestAlreadyHandled] or
// [zitadelerr.SAMLRequestAlreadyHandled]). The browser has to start a new
// login at the application.
func IsAlreadyHandled(err error) bool {
	return kindOf(err) == zitadelerr.KindAlreadyHandled
}

// IsFactorNotReady reports whether the user has not set up the factor a check
// or challenge needs ([zitadelerr.KindFactorNotReady]): no password, TOTP, OTP
// SMS or email, recovery codes, or (for a WebAuthn challenge, which Zitadel
// answers with Internal) no passkey or U2F key.
func IsFactorNotReady(err error) bool {
	return kindOf(err) == zitadelerr.KindFactorNotReady
}

// IsUnauthenticated reports whether the caller's credentials were missing,
// invalid or insufficient: Unauthenticated errors, and the cases Zitadel
// reports as PermissionDenied when a session token is used (session expired
// AUTHZ-EGDo3, authentication or MFA required AUTHZ-Kl3p0, stale or invalid
// session token QUERY-dsfr3 / COMMAND-sGr42). It is exclusive with
// [IsPermissionDenied].
func IsUnauthenticated(err error) bool {
	e, ok := asError(err)
	return ok && isUnauthenticated(e)
}

func isUnauthenticated(e *Error) bool {
	return e.Code == connect.CodeUnauthenticated || e.ID == zitadelerr.AuthSessionExpired ||
		zitadelerr.KindOf(e.ID) == zitadelerr.KindUnauthenticated
}

// IsPermissionDenied reports whether the caller is authenticated but lacks
// the permission, including Zitadel's NotFound "membership not found"
// (AUTHZ-cdgFk) for callers without any membership. It is exclusive with
// [IsUnauthenticated].
func IsPermissionDenied(err error) bool {
	e, ok := asError(err)
	if !ok || isUnauthenticated(e) {
		return false
	}
	return e.Code == connect.CodePermissionDenied || zitadelerr.KindOf(e.ID) == zitadelerr.KindPermissionDenied
}

// IsValidation reports whether the request was rejected as malformed: by
// local validation (nothing was sent) or by the server's request validation.
func IsValidation(err error) bool {
	e, ok := asError(err)
	if !ok || e.Code != connect.CodeInvalidArgument {
		return false
	}
	if e.Local {
		return true
	}
	return e.ID == "" && strings.HasPrefix(e.Message, "invalid ")
}

// kindOf classifies the Zitadel error id of the *Error in err's chain.
func kindOf(err error) zitadelerr.Kind {
	e, ok := asError(err)
	if !ok {
		return zitadelerr.KindOther
	}
	return zitadelerr.KindOf(e.ID)
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
	if e.ID == "" {
		e.Message = embeddedID(e.Message, &e.ID)
	}
	if e.Code == connect.CodeNotFound && e.ID == zitadelerr.InstanceNotFound {
		e.hint = instanceNotFoundHint(ce.Message())
	}
	return e
}

// embeddedID handles the messages Zitadel builds from its internal error
// text instead of sending a detail, e.g. for a host that is not an instance:
//
//	unable to set instance using origin &{127.0.0.1:8080  http} (ExternalDomain is localhost):
//	ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. ... Parent=(...)
//
// It sets *id to the first "ID=" token and returns the text after the
// following "Message=" up to " Parent=". Other messages are returned as they
// are.
func embeddedID(msg string, id *string) string {
	i := -1
	for from := 0; from < len(msg); {
		j := strings.Index(msg[from:], "ID=")
		if j < 0 {
			break
		}
		if j += from; j == 0 || msg[j-1] == ' ' {
			i = j
			break
		}
		from = j + 3
	}
	if i < 0 {
		return msg
	}
	rest := msg[i+3:]
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	found := rest[:end]
	if found == "" || strings.ContainsAny(found, "()=") {
		return msg
	}
	*id = found
	text, ok := strings.CutPrefix(rest[end:], " Message=")
	if !ok {
		return msg
	}
	if p := strings.Index(text, " Parent="); p >= 0 {
		text = text[:p]
	}
	return text
}

// instanceNotFoundHint tells the caller how to reach the instance, naming
// the external domain the server reported when it is a plain host name.
func instanceNotFoundHint(raw string) string {
	const marker = "(ExternalDomain is "
	hint := "instance not found: Zitadel picks the instance by the request's host; use the instance's domain in the URL, " +
		"or name it with session.WithInstanceHost(\"<instance domain>\") when dialing another address"
	if i := strings.Index(raw, marker); i >= 0 {
		d := raw[i+len(marker):]
		if j := strings.IndexByte(d, ')'); j > 0 && isHostName(d[:j]) {
			hint += " (this server's external domain is " + d[:j] + ")"
		}
	}
	return hint
}

// isHostName reports whether s looks like a host name or host:port, so that
// it can be quoted in an error without carrying control characters.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':' || r == '[' || r == ']') {
			return false
		}
	}
	return true
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

// localError is a client-side usage error (e.g. malformed WebAuthn JSON,
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
// *connect.Error in its chain, CodeCanceled / CodeDeadlineExceeded for an
// error wrapping context.Canceled / context.DeadlineExceeded, CodeUnknown
// otherwise (also for nil).
func CodeOf(err error) connect.Code {
	if e, ok := asError(err); ok {
		return e.Code
	}
	return connerr.CodeOf(err)
}
