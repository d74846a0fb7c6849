package sessiontest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Seed is a JSON-loadable description of a server's state: organizations,
// users (with their credentials), access tokens, IdP intents and OIDC/SAML
// requests. The README's "Seed file for serve" section documents every
// field with an example.
//
//	{
//	  "organizations": [{"id": "o1", "lockoutPolicy": {"maxPasswordAttempts": 3}}],
//	  "users":  [{"id": "u1", "loginName": "alice@example.com", "organizationId": "o1",
//	              "password": "Secr3t!", "totpSecret": "JBSWY3DPEHPK3PXP"}],
//	  "tokens": [{"token": "login-client", "permissions": ["session.read", "session.write", "session.delete"]}]
//	}
type Seed struct {
	Organizations []SeedOrganization `json:"organizations"`
	Users         []SeedUser         `json:"users"`
	Tokens        []SeedToken        `json:"tokens"`
	Intents       []SeedIntent       `json:"intents"`
	AuthRequests  []SeedAuthRequest  `json:"authRequests"`
	SAMLRequests  []SeedSAMLRequest  `json:"samlRequests"`
	// Applications are OIDC applications of the OpenID provider (see
	// WithOpenIDProvider and SeedApplication).
	Applications []SeedApplication `json:"applications"`
}

// SeedOrganization is an organization in a Seed (see Organization).
type SeedOrganization struct {
	ID string `json:"id"`
	// LockoutPolicy is optional; without it the instance's applies.
	LockoutPolicy *SeedLockoutPolicy `json:"lockoutPolicy,omitempty"`
}

// SeedLockoutPolicy is an organization's lockout policy (0 = no lockout).
type SeedLockoutPolicy struct {
	MaxPasswordAttempts int `json:"maxPasswordAttempts"`
	MaxOTPAttempts      int `json:"maxOTPAttempts"`
}

// SeedUser is a user in a Seed. See User for the meaning of the fields.
type SeedUser struct {
	ID             string `json:"id"`
	LoginName      string `json:"loginName"`
	DisplayName    string `json:"displayName"`
	OrganizationID string `json:"organizationId"`
	Password       string `json:"password"`
	TOTPSecret     string `json:"totpSecret"`
	Email          string `json:"email"`
	Phone          string `json:"phone"`
	// State is optional: "active" (default), "initial", "inactive" or "locked".
	State string `json:"state,omitempty"`
	// Machine marks a machine user.
	Machine bool `json:"machine,omitempty"`
	// RecoveryCodes are the user's recovery codes, each usable once.
	RecoveryCodes []string `json:"recoveryCodes"`
	// WebAuthn lists the user's passkeys and U2F keys.
	WebAuthn []SeedWebAuthnCredential `json:"webauthn"`
	// IDPLinks link the user to users of identity providers, for intents
	// without a user ID.
	IDPLinks []SeedIDPLink `json:"idpLinks"`
}

// SeedWebAuthnCredential is a passkey or U2F key (see WebAuthnCredential).
// Binary values are base64 (standard or URL alphabet, padding optional).
type SeedWebAuthnCredential struct {
	Type         string `json:"type"` // "passkey" or "u2f"
	CredentialID string `json:"credentialId"`
	PublicKey    string `json:"publicKey"` // COSE_Key or DER SubjectPublicKeyInfo (P-256)
	RPID         string `json:"rpId"`
	SignCount    uint32 `json:"signCount,omitempty"`
	Origin       string `json:"origin,omitempty"`
}

// SeedIDPLink links a user to the user idpUserId of the identity provider idpId.
type SeedIDPLink struct {
	IDPID     string `json:"idpId"`
	IDPUserID string `json:"idpUserId"`
}

// SeedToken is a bearer token in a Seed.
type SeedToken struct {
	Token string `json:"token"`
	// UserID is optional; by default a machine user is generated.
	UserID string `json:"userId"`
	// Permissions: "session.read", "session.write", "session.delete".
	Permissions []string `json:"permissions"`
	// OrganizationID, optional, scopes the permissions to one organization.
	OrganizationID string `json:"organizationId,omitempty"`
	// AgentID, optional, is the user agent fingerprint bound to the token.
	AgentID string `json:"agentId,omitempty"`
}

// SeedIntent is an IdP intent (see AddIntent) with a chosen ID and token.
type SeedIntent struct {
	ID string `json:"id"`
	// Token is what checks.idp_intent.idp_intent_token must carry: a
	// base64url string, unique among intents.
	Token     string `json:"token"`
	UserID    string `json:"userId,omitempty"`
	IDPID     string `json:"idpId,omitempty"`
	IDPUserID string `json:"idpUserId,omitempty"`
	// State: "succeeded" (default), "started", "failed" or "consumed".
	State string `json:"state,omitempty"`
	// ExpiresAt is RFC 3339; default: one hour after the server starts.
	ExpiresAt string `json:"expiresAt,omitempty"`
}

// SeedAuthRequest is an OIDC auth request, as the authorize endpoint would
// have created it for a Login V2 app ("V2_<id>" in the redirect).
type SeedAuthRequest struct {
	ID          string   `json:"id"`
	ClientID    string   `json:"clientId"`
	RedirectURI string   `json:"redirectUri"`
	Scopes      []string `json:"scopes"`
	// LoginClient is the user ID of the login client that may read and
	// finish the request without the session.link permission; optional.
	LoginClient string `json:"loginClient,omitempty"`
}

// SeedSAMLRequest is a SAML request of a service provider.
type SeedSAMLRequest struct {
	ID          string `json:"id"`
	Issuer      string `json:"issuer"`
	ACSURL      string `json:"acsUrl"`
	RelayState  string `json:"relayState,omitempty"`
	Binding     string `json:"binding"` // e.g. urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST
	LoginClient string `json:"loginClient,omitempty"`
}

// LoadSeed parses a Seed from strict JSON and checks it: unknown fields,
// trailing data, wrongly typed and invalid values are errors that name the
// offending field (for example "users[2].webauthn[0].publicKey").
func LoadSeed(r io.Reader) (*Seed, error) {
	if r == nil {
		return nil, errors.New("sessiontest: LoadSeed: nil reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("sessiontest: LoadSeed: reading: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var seed Seed
	if err := dec.Decode(&seed); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return nil, fmt.Errorf("sessiontest: LoadSeed: field %q: expected %s, got JSON %s (offset %d)", te.Field, te.Type, te.Value, te.Offset)
		case errors.As(err, &se):
			return nil, fmt.Errorf("sessiontest: LoadSeed: invalid JSON at offset %d: %v", se.Offset, se)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return nil, fmt.Errorf("sessiontest: LoadSeed: unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.Is(err, io.EOF):
			return nil, errors.New("sessiontest: LoadSeed: empty input")
		}
		return nil, fmt.Errorf("sessiontest: LoadSeed: %v", err)
	}
	if dec.More() {
		return nil, errors.New("sessiontest: LoadSeed: unexpected data after the seed object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("sessiontest: LoadSeed: unexpected data after the seed object")
	}
	if err := seed.check(); err != nil {
		return nil, fmt.Errorf("sessiontest: LoadSeed: %w", err)
	}
	return &seed, nil
}

// check validates the seed's values, naming the field of the first problem.
func (seed *Seed) check() error {
	for i, o := range seed.Organizations {
		if o.ID == "" {
			return fmt.Errorf("organizations[%d].id is required", i)
		}
		if p := o.LockoutPolicy; p != nil && (p.MaxPasswordAttempts < 0 || p.MaxOTPAttempts < 0) {
			return fmt.Errorf("organizations[%d].lockoutPolicy: attempts must be 0 (no lockout) or more", i)
		}
	}
	for i, u := range seed.Users {
		if u.ID == "" {
			return fmt.Errorf("users[%d].id is required", i)
		}
		if u.LoginName == "" {
			return fmt.Errorf("users[%d].loginName is required", i)
		}
		if _, err := parseState(u.State); err != nil {
			return fmt.Errorf("users[%d].state: %v", i, err)
		}
		for j, c := range u.WebAuthn {
			if _, err := c.credential(); err != nil {
				return fmt.Errorf("users[%d].webauthn[%d].%v", i, j, err)
			}
		}
		for j, l := range u.IDPLinks {
			if l.IDPID == "" || l.IDPUserID == "" {
				return fmt.Errorf("users[%d].idpLinks[%d]: idpId and idpUserId are required", i, j)
			}
		}
		for j, c := range u.RecoveryCodes {
			if c == "" {
				return fmt.Errorf("users[%d].recoveryCodes[%d] is empty", i, j)
			}
		}
	}
	for i, t := range seed.Tokens {
		if t.Token == "" {
			return fmt.Errorf("tokens[%d].token is required", i)
		}
		for j, p := range t.Permissions {
			if _, err := permBits([]Permission{Permission(p)}); err != nil {
				return fmt.Errorf("tokens[%d].permissions[%d]: unknown permission %q (want session.read, session.write or session.delete)", i, j, p)
			}
		}
	}
	for i, in := range seed.Intents {
		if _, err := in.record(); err != nil {
			return fmt.Errorf("intents[%d].%v", i, err)
		}
	}
	for i, r := range seed.AuthRequests {
		switch {
		case r.ID == "":
			return fmt.Errorf("authRequests[%d].id is required", i)
		case r.ClientID == "":
			return fmt.Errorf("authRequests[%d].clientId is required", i)
		case r.RedirectURI == "":
			return fmt.Errorf("authRequests[%d].redirectUri is required", i)
		}
	}
	for i, r := range seed.SAMLRequests {
		switch {
		case r.ID == "":
			return fmt.Errorf("samlRequests[%d].id is required", i)
		case r.ACSURL == "":
			return fmt.Errorf("samlRequests[%d].acsUrl is required", i)
		case r.Binding == "":
			return fmt.Errorf("samlRequests[%d].binding is required", i)
		}
	}
	if err := checkSeedApplications(seed.Applications); err != nil {
		return err
	}
	return nil
}

// credential converts c; errors start with the field name.
func (c SeedWebAuthnCredential) credential() (WebAuthnCredential, error) {
	var out WebAuthnCredential
	switch c.Type {
	case "passkey":
		out.Passkey = true
	case "u2f":
	default:
		return out, fmt.Errorf("type: %q is not \"passkey\" or \"u2f\"", c.Type)
	}
	id, err := decodeBase64(c.CredentialID)
	if err != nil || len(id) == 0 || len(id) > 1023 {
		return out, errors.New("credentialId: want 1..1023 bytes in base64")
	}
	key, err := decodeBase64(c.PublicKey)
	if err != nil {
		return out, errors.New("publicKey: not base64")
	}
	if _, err := coseKey(key); err != nil {
		return out, fmt.Errorf("publicKey: %v", err)
	}
	if c.RPID == "" {
		return out, errors.New("rpId is required")
	}
	out.ID, out.PublicKey, out.RPID, out.SignCount, out.Origin = id, key, c.RPID, c.SignCount, c.Origin
	return out, nil
}

// record converts in; errors start with the field name.
func (in SeedIntent) record() (*intentRec, error) {
	if in.ID == "" {
		return nil, errors.New("id is required")
	}
	if _, err := decodeIntentToken(in.Token); err != nil {
		return nil, errors.New("token: want a non-empty base64url string")
	}
	if in.UserID == "" && (in.IDPID == "" || in.IDPUserID == "") {
		return nil, errors.New("userId: required unless idpId and idpUserId are given")
	}
	rec := &intentRec{id: in.ID, token: in.Token, userID: in.UserID, idpID: in.IDPID, idpUserID: in.IDPUserID}
	switch in.State {
	case "", "succeeded":
		rec.state = IntentSucceeded
	case "started":
		rec.state = IntentStarted
	case "failed":
		rec.state = IntentFailed
	case "consumed":
		rec.state = IntentConsumed
	default:
		return nil, fmt.Errorf("state: %q is not succeeded, started, failed or consumed", in.State)
	}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, in.ExpiresAt)
		if err != nil {
			return nil, fmt.Errorf("expiresAt: %q is not an RFC 3339 time", in.ExpiresAt)
		}
		rec.expiry = t
	}
	return rec, nil
}

// decodeBase64 accepts standard and URL base64, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "+/") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.RawURLEncoding.DecodeString(s)
}

func parseState(s string) (UserState, error) {
	switch strings.ToLower(s) {
	case "", "active":
		return UserStateActive, nil
	case "initial":
		return UserStateInitial, nil
	case "inactive":
		return UserStateInactive, nil
	case "locked":
		return UserStateLocked, nil
	}
	return 0, fmt.Errorf("unknown state %q (want active, initial, inactive or locked)", s)
}

// ApplySeed checks the seed (as LoadSeed does) and adds its organizations,
// users, tokens, intents, requests and applications (which need
// WithOpenIDProvider), in that order. It stops at the first
// error, which names the entry; entries applied before stay.
func (s *Server) ApplySeed(seed *Seed) error {
	if seed == nil {
		return errors.New("sessiontest: ApplySeed: nil seed")
	}
	if err := seed.check(); err != nil {
		return fmt.Errorf("sessiontest: ApplySeed: %w", err)
	}
	wrap := func(what string, i int, err error) error {
		return fmt.Errorf("sessiontest: ApplySeed: %s[%d]: %w", what, i, err)
	}
	for i, o := range seed.Organizations {
		org := Organization{ID: o.ID}
		if p := o.LockoutPolicy; p != nil {
			org.LockoutPolicy = &LockoutPolicy{MaxPasswordAttempts: p.MaxPasswordAttempts, MaxOTPAttempts: p.MaxOTPAttempts}
		}
		if err := s.AddOrganization(org); err != nil {
			return wrap("organizations", i, err)
		}
	}
	for i, su := range seed.Users {
		st, _ := parseState(su.State)
		if err := s.AddUser(User{ID: su.ID, LoginName: su.LoginName, DisplayName: su.DisplayName,
			OrganizationID: su.OrganizationID, Password: su.Password, TOTPSecret: su.TOTPSecret,
			Email: su.Email, Phone: su.Phone, State: st, Machine: su.Machine, RecoveryCodes: su.RecoveryCodes}); err != nil {
			return wrap("users", i, err)
		}
		s.mu.Lock()
		u := s.usersByID[su.ID]
		u.added, u.stateAt = 0, 0 // seeded users are old: no projection lag
		s.mu.Unlock()
		for j, c := range su.WebAuthn {
			cred, _ := c.credential()
			if err := s.AddWebAuthnCredential(su.ID, cred); err != nil {
				return wrap("users", i, fmt.Errorf("webauthn[%d]: %w", j, err))
			}
		}
		for _, l := range su.IDPLinks {
			if err := s.LinkIDP(su.ID, l.IDPID, l.IDPUserID); err != nil {
				return wrap("users", i, err)
			}
		}
	}
	for i, t := range seed.Tokens {
		opts := make([]TokenOption, 0, len(t.Permissions)+2)
		for _, p := range t.Permissions {
			opts = append(opts, Permission(p))
		}
		if t.OrganizationID != "" {
			opts = append(opts, ForOrganization(t.OrganizationID))
		}
		if t.AgentID != "" {
			opts = append(opts, ForUserAgent(t.AgentID))
		}
		if err := s.AddAccessToken(t.Token, t.UserID, opts...); err != nil {
			return wrap("tokens", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, in := range seed.Intents {
		rec, _ := in.record()
		if err := s.insertIntent(rec); err != nil {
			return wrap("intents", i, err)
		}
	}
	now := s.clock.Now()
	for i, r := range seed.AuthRequests {
		if s.authRequests[r.ID] != nil {
			return wrap("authRequests", i, fmt.Errorf("id %q already exists", r.ID))
		}
		s.authRequests[r.ID] = &authRequestRec{id: r.ID, clientID: r.ClientID, redirectURI: r.RedirectURI,
			scopes: append([]string(nil), r.Scopes...), loginClient: r.LoginClient, created: now}
	}
	for i, r := range seed.SAMLRequests {
		if s.samlRequests[r.ID] != nil {
			return wrap("samlRequests", i, fmt.Errorf("id %q already exists", r.ID))
		}
		s.samlRequests[r.ID] = &samlRequestRec{id: r.ID, issuer: r.Issuer, acsURL: r.ACSURL, relayState: r.RelayState,
			binding: r.Binding, loginClient: r.LoginClient, created: now}
	}
	return s.applySeedApplications(seed.Applications)
}
