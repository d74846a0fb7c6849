package session

import (
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/types/known/structpb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// This file holds the names replaced when the package's API was made to
// follow one naming rule (see the package documentation, "API
// conventions"). They are kept until the first tagged release so that code
// written against them still compiles; each says what replaces it.

// Deprecated: use [CheckWebAuthn].
func CheckWebAuthN(assertionJSON []byte) Check { return CheckWebAuthn(assertionJSON) }

// Deprecated: use [CheckWebAuthnStruct].
func CheckWebAuthNStruct(assertion *structpb.Struct) Check { return CheckWebAuthnStruct(assertion) }

// Deprecated: use [ChallengeWebAuthn].
func ChallengeWebAuthN(domain string, uv UserVerification) Challenge {
	return ChallengeWebAuthn(domain, uv)
}

// Deprecated: use [WebAuthnChallenge].
type WebAuthNChallenge = WebAuthnChallenge

// Deprecated: use [WebAuthnFactor].
type WebAuthNFactor = WebAuthnFactor

// Deprecated: use [FactorWebAuthn].
const FactorWebAuthN = FactorWebAuthn

// Deprecated: use [MetadataMap]; per-call options carry no "With" prefix.
func WithMetadata(m map[string][]byte) SetOption { return MetadataMap(m) }

// Deprecated: pass the [UserAgent] itself to [Client.Create]; per-call
// options carry no "With" prefix.
func WithUserAgent(ua UserAgent) CreateOption { return userAgentOption(ua) }

// Proto returns u as the generated message for CreateSessionRequest, or nil
// when u is zero.
//
// Deprecated: pass u to [Client.Create]; the generated messages are not part
// of this package's API.
func (u UserAgent) Proto() *sessionv2.UserAgent { return u.toProto() }

// TokenOption is the option of [WithSessionToken].
//
// Deprecated: see [WithSessionToken].
type TokenOption struct {
	token string
	set   bool
}

// String returns "session.WithSessionToken([REDACTED])".
func (o TokenOption) String() string {
	return "session.WithSessionToken(" + secretValue(o.token) + ")"
}

// GoString implements fmt.GoStringer with the redacted String.
func (o TokenOption) GoString() string { return o.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (o TokenOption) Format(f fmt.State, verb rune) { formatString(f, verb, o.String()) }

// LogValue implements slog.LogValuer with the redacted String.
func (o TokenOption) LogValue() slog.Value { return slog.StringValue(o.String()) }

// WithSessionToken authorizes a [Client.Get] or [Client.Delete] with the
// session's token instead of the caller's permissions.
//
// Deprecated: use [Handle.Get] and [Handle.Delete], e.g.
// c.Resume(id, token).Delete(ctx): a session token belongs in a [Handle].
func WithSessionToken(token string) TokenOption { return TokenOption{token: token, set: true} }

// lastToken returns the token of the last WithSessionToken in opts, nil
// when there is none.
func lastToken(opts []TokenOption) *string {
	var t *string
	for i := range opts {
		if opts[i].set {
			t = &opts[i].token
		}
	}
	return t
}
