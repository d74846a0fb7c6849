package sessiontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Seed is a JSON-loadable set of users and access tokens for a Server.
//
//	{
//	  "users":  [{"id": "u1", "loginName": "alice@example.com", "password": "Secr3t!", "totpSecret": "JBSWY3DPEHPK3PXP"}],
//	  "tokens": [{"token": "login-client", "permissions": ["session.read", "session.write", "session.delete"]}]
//	}
type Seed struct {
	Users  []SeedUser  `json:"users"`
	Tokens []SeedToken `json:"tokens"`
	// Applications are OIDC applications of the OpenID provider (see
	// WithOpenIDProvider and SeedApplication).
	Applications []SeedApplication `json:"applications"`
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

// LoadSeed parses a Seed from strict JSON: unknown fields, trailing data and
// wrongly typed values are errors that name the offending field.
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
	for i, u := range seed.Users {
		if u.ID == "" {
			return nil, fmt.Errorf("sessiontest: LoadSeed: users[%d].id is required", i)
		}
		if u.LoginName == "" {
			return nil, fmt.Errorf("sessiontest: LoadSeed: users[%d].loginName is required", i)
		}
		if _, err := parseState(u.State); err != nil {
			return nil, fmt.Errorf("sessiontest: LoadSeed: users[%d].state: %v", i, err)
		}
	}
	for i, t := range seed.Tokens {
		if t.Token == "" {
			return nil, fmt.Errorf("sessiontest: LoadSeed: tokens[%d].token is required", i)
		}
		for j, p := range t.Permissions {
			if _, err := permBits([]Permission{Permission(p)}); err != nil {
				return nil, fmt.Errorf("sessiontest: LoadSeed: tokens[%d].permissions[%d]: unknown permission %q", i, j, p)
			}
		}
	}
	if err := checkSeedApplications(seed.Applications); err != nil {
		return nil, err
	}
	return &seed, nil
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

// ApplySeed adds the seed's users, then its tokens, then its applications
// (which need WithOpenIDProvider). It stops at the first
// error, which names the entry; entries applied before stay.
func (s *Server) ApplySeed(seed *Seed) error {
	if seed == nil {
		return errors.New("sessiontest: ApplySeed: nil seed")
	}
	for i, su := range seed.Users {
		st, err := parseState(su.State)
		if err != nil {
			return fmt.Errorf("sessiontest: ApplySeed: users[%d].state: %v", i, err)
		}
		if err := s.AddUser(User{ID: su.ID, LoginName: su.LoginName, DisplayName: su.DisplayName,
			OrganizationID: su.OrganizationID, Password: su.Password, TOTPSecret: su.TOTPSecret,
			Email: su.Email, Phone: su.Phone, State: st, Machine: su.Machine}); err != nil {
			return fmt.Errorf("sessiontest: ApplySeed: users[%d]: %w", i, err)
		}
	}
	for i, t := range seed.Tokens {
		perms := make([]Permission, len(t.Permissions))
		for j, p := range t.Permissions {
			perms[j] = Permission(p)
		}
		var err error
		switch {
		case t.OrganizationID != "":
			err = s.AddOrgAccessToken(t.Token, t.UserID, t.OrganizationID, perms...)
		case t.AgentID != "":
			err = s.AddAgentAccessToken(t.Token, t.UserID, t.AgentID, perms...)
		default:
			err = s.AddAccessToken(t.Token, t.UserID, perms...)
		}
		if err != nil {
			return fmt.Errorf("sessiontest: ApplySeed: tokens[%d]: %w", i, err)
		}
	}
	return s.applySeedApplications(seed.Applications)
}
