package sessiontest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// Authenticator is a virtual WebAuthn authenticator (a software security key
// or platform authenticator) for one relying party. It holds P-256 (ES256)
// credentials and produces browser-style assertions that a standard WebAuthn
// verifier (such as github.com/go-webauthn/webauthn, used by this server and
// by Zitadel) accepts. Safe for concurrent use.
type Authenticator struct {
	rpID   string
	origin string

	mu    sync.Mutex
	creds []*virtualCred
}

type virtualCred struct {
	id         []byte
	key        *ecdsa.PrivateKey
	userHandle []byte
	signCount  uint32
}

// NewAuthenticator returns an authenticator for the relying party rpID (the
// "domain" of the WebAuthn challenge) that reports origin (e.g.
// "https://login.example.com") in its client data.
func NewAuthenticator(rpID, origin string) *Authenticator {
	return &Authenticator{rpID: rpID, origin: origin}
}

// RPID returns the relying party ID.
func (a *Authenticator) RPID() string { return a.rpID }

// Origin returns the origin reported in assertions.
func (a *Authenticator) Origin() string { return a.origin }

func (a *Authenticator) newCredential(userID string) (*virtualCred, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, errors.New("sessiontest: generating a WebAuthn key failed")
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, nil, errors.New("sessiontest: no randomness")
	}
	pub, err := es256COSE(&key.PublicKey)
	if err != nil {
		return nil, nil, errors.New("sessiontest: encoding a WebAuthn key failed")
	}
	vc := &virtualCred{id: id, key: key, userHandle: []byte(userID)}
	a.mu.Lock()
	a.creds = append(a.creds, vc)
	a.mu.Unlock()
	return vc, pub, nil
}

// RegisterPasskey creates a new passwordless (user-verifying) credential on a
// and registers it for userID. It is offered for challenges with
// user_verification_requirement REQUIRED and domain == a's RP ID.
func (s *Server) RegisterPasskey(userID string, a *Authenticator) error {
	return s.register(userID, a, true)
}

// RegisterU2F creates a new second-factor (U2F) credential on a and registers
// it for userID. It is offered for challenges with PREFERRED or DISCOURAGED.
func (s *Server) RegisterU2F(userID string, a *Authenticator) error {
	return s.register(userID, a, false)
}

func (s *Server) register(userID string, a *Authenticator, passwordless bool) error {
	if a == nil || a.rpID == "" || a.origin == "" {
		return errors.New("sessiontest: authenticator needs an RP ID and an origin")
	}
	vc, pub, err := a.newCredential(userID)
	if err != nil {
		return err
	}
	return s.AddWebAuthnCredential(userID, WebAuthnCredential{ID: vc.id, PublicKey: pub, RPID: a.rpID,
		Passkey: passwordless, Origin: a.origin})
}

// Assert answers a WebAuthn challenge like navigator.credentials.get would.
// requestOptions is Challenges.web_auth_n.public_key_credential_request_options
// from a Create/Set response; the result is the assertion JSON to send as
// checks.web_auth_n.credential_assertion_data. userVerified sets the UV flag
// (true simulates a PIN/biometric check).
func (a *Authenticator) Assert(requestOptions *structpb.Struct, userVerified bool) (*structpb.Struct, error) {
	if requestOptions == nil {
		return nil, errors.New("sessiontest: Assert: no request options")
	}
	raw, err := protojson.Marshal(requestOptions)
	if err != nil {
		return nil, errors.New("sessiontest: Assert: unreadable request options")
	}
	var opts struct {
		PublicKey struct {
			Challenge        string `json:"challenge"`
			RPID             string `json:"rpId"`
			AllowCredentials []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(raw, &opts); err != nil {
		return nil, errors.New("sessiontest: Assert: request options are not a credential request")
	}
	pk := opts.PublicKey
	if pk.Challenge == "" {
		return nil, errors.New("sessiontest: Assert: request options have no publicKey.challenge")
	}
	if pk.RPID != "" && pk.RPID != a.rpID {
		return nil, fmt.Errorf("sessiontest: Assert: challenge is for RP ID %q, authenticator is for %q", pk.RPID, a.rpID)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var vc *virtualCred
	for _, c := range a.creds {
		if len(pk.AllowCredentials) == 0 {
			vc = c
			break
		}
		for _, ac := range pk.AllowCredentials {
			id, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(ac.ID, "="))
			if err == nil && bytes.Equal(id, c.id) {
				vc = c
			}
		}
		if vc != nil {
			break
		}
	}
	if vc == nil {
		return nil, errors.New("sessiontest: Assert: the authenticator has none of the allowed credentials")
	}
	vc.signCount++
	rpHash := sha256.Sum256([]byte(a.rpID))
	flags := byte(protocol.FlagUserPresent)
	if userVerified {
		flags |= byte(protocol.FlagUserVerified)
	}
	authData := make([]byte, 0, 37)
	authData = append(authData, rpHash[:]...)
	authData = append(authData, flags)
	authData = binary.BigEndian.AppendUint32(authData, vc.signCount)
	clientData, _ := json.Marshal(map[string]any{
		"type": "webauthn.get", "challenge": pk.Challenge, "origin": a.origin, "crossOrigin": false,
	})
	cdHash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte(nil), authData...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, vc.key, digest[:])
	if err != nil {
		return nil, errors.New("sessiontest: Assert: signing failed")
	}
	b64 := base64.RawURLEncoding.EncodeToString
	return structpb.NewStruct(map[string]any{
		"id":    b64(vc.id),
		"rawId": b64(vc.id),
		"type":  "public-key",
		"response": map[string]any{
			"authenticatorData": b64(authData),
			"clientDataJSON":    b64(clientData),
			"signature":         b64(sig),
			"userHandle":        b64(vc.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
}

// waUser adapts a user's credentials of one kind to webauthn.User.
type waUser struct {
	id    []byte
	name  string
	creds []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return u.id }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.name }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Server) relyingParty(rpID string) (*webauthn.WebAuthn, error) {
	origins := []string{"https://" + rpID}
	origins = append(origins, s.origins[rpID]...)
	origins = append(origins, s.cfg.webauthnOrigins...)
	return webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: "ZITADEL", RPOrigins: origins})
}

func credsOf(u *userRec, rpID string, passwordless bool) *waUser {
	wu := &waUser{id: []byte(u.id), name: u.loginName}
	for _, c := range u.creds {
		if c.passwordless == passwordless && c.rpID == rpID {
			wu.creds = append(wu.creds, c.cred)
		}
	}
	return wu
}

func (s *Server) webauthnUser(w *work) (*userRec, error) {
	u := w.user
	if u == nil {
		return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.WebAuthnNoUser, keyUserIDMissing)
	}
	if u.removed || u.state != UserStateActive || u.machine {
		return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.WebAuthnUserNotActive, keyUserNotFound)
	}
	return u, nil
}

func (s *Server) challengeWebAuthN(w *work, req *sessionv2.RequestChallenges_WebAuthN) error {
	u, err := s.webauthnUser(w)
	if err != nil {
		return err
	}
	domain := req.GetDomain()
	passwordless := req.GetUserVerificationRequirement() == sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED
	wu := credsOf(u, domain, passwordless)
	if len(wu.creds) == 0 {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin, keyWebAuthNBeginFailed)
	}
	rp, err := s.relyingParty(domain)
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin, keyWebAuthNBeginFailed)
	}
	uv := protocol.VerificationRequired
	switch req.GetUserVerificationRequirement() {
	case sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_PREFERRED:
		uv = protocol.VerificationPreferred
	case sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_DISCOURAGED:
		uv = protocol.VerificationDiscouraged
	}
	assertion, sd, err := rp.BeginLogin(wu, webauthn.WithUserVerification(uv))
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin, keyWebAuthNBeginFailed)
	}
	raw, err := json.Marshal(assertion)
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin, keyWebAuthNBeginFailed)
	}
	st := &structpb.Struct{}
	if err := protojson.Unmarshal(raw, st); err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin, keyWebAuthNBeginFailed)
	}
	sd.Expires = time.Time{} // expiry is governed by the session, not the wall clock
	w.pend.wa, w.pend.waRPID, w.pend.waPasskey = sd, domain, passwordless
	w.challenges.WebAuthN = &sessionv2.Challenges_WebAuthN{PublicKeyCredentialRequestOptions: st}
	w.events++
	return nil
}

func (s *Server) checkWebAuthN(w *work, req *sessionv2.CheckWebAuthN) error {
	if w.pend.wa == nil {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.WebAuthnNoChallenge, keyWebAuthNNoChallenge)
	}
	u, err := s.webauthnUser(w)
	if err != nil {
		return err
	}
	raw, err := protojson.Marshal(req.GetCredentialAssertionData())
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnParse, keyWebAuthNValidate)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(raw)
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnParse, keyWebAuthNValidate)
	}
	wu := credsOf(u, w.pend.waRPID, w.pend.waPasskey)
	known := false
	for _, c := range wu.creds {
		known = known || bytes.Equal(c.ID, parsed.RawID)
	}
	if !known {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.WebAuthnUnknownCredential, keyWebAuthNNotFound)
	}
	rp, err := s.relyingParty(w.pend.waRPID)
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnValidate, keyWebAuthNValidate)
	}
	cred, err := rp.ValidateLogin(wu, *w.pend.wa, parsed)
	if err != nil {
		return zerr(connect.CodeInternal, zitadelerr.WebAuthnValidate, keyWebAuthNValidate)
	}
	// store the new sign count (a clone warning does not fail the check)
	for i := range u.creds {
		if bytes.Equal(u.creds[i].cred.ID, cred.ID) {
			u.creds[i].cred.Authenticator.SignCount = cred.Authenticator.SignCount
		}
	}
	w.uv = parsed.Response.AuthenticatorData.Flags.UserVerified()
	w.pend.wa, w.pend.waRPID, w.pend.waPasskey = nil, "", false
	w.factors[fWebAuthN] = w.nowUS
	w.events += 2 // checked + sign count update
	return nil
}
