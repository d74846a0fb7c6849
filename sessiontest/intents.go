package sessiontest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// IntentState is the state of an IdP intent (see IntentInState).
type IntentState int

// Intent states. Only succeeded intents can be used in a session check.
const (
	IntentSucceeded IntentState = iota
	IntentStarted
	IntentFailed
	IntentConsumed
)

type intentRec struct {
	id, userID, idpID, idpUserID string
	token                        string
	state                        IntentState
	expiry                       time.Time
}

// IntentOption configures an intent added with AddIntent.
type IntentOption func(*intentRec)

// IntentIDPUser sets the IdP's user ID. An intent added without a user ID
// (AddIntent with userID "") is accepted for a session user who has an IdP
// link (LinkIDP) for the intent's IdP and this IdP user ID.
func IntentIDPUser(idpUserID string) IntentOption {
	return func(r *intentRec) { r.idpUserID = idpUserID }
}

// IntentInState sets the intent's state (default IntentSucceeded).
func IntentInState(s IntentState) IntentOption {
	return func(r *intentRec) { r.state = s }
}

// IntentExpiry sets when the intent expires (default: the server clock +
// 1h, Zitadel's MaxIdPIntentLifetime).
func IntentExpiry(t time.Time) IntentOption {
	return func(r *intentRec) { r.expiry = t }
}

// AddIntent adds an IdP intent of userID at idpID, as if the user had come
// back from that identity provider, and returns its ID and token for
// checks.idp_intent. By default the intent has succeeded and expires in an
// hour; the options set another state, an expiry, or the IdP user for a
// link-based intent (userID "").
//
//	id, tok, err := srv.AddIntent("u1", "idp-1")
//	id, tok, err := srv.AddIntent("", "idp-1", sessiontest.IntentIDPUser("ext-42"))
func (s *Server) AddIntent(userID, idpID string, opts ...IntentOption) (id, token string, err error) {
	rec := &intentRec{userID: userID, idpID: idpID}
	for _, o := range opts {
		if o != nil {
			o(rec)
		}
	}
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", "", errors.New("sessiontest: no randomness")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.id = s.newID()
	rec.token = base64.RawURLEncoding.EncodeToString(append([]byte(rec.id+":"), secret[:]...))
	if err := s.insertIntent(rec); err != nil {
		return "", "", fmt.Errorf("sessiontest: AddIntent: %w", err)
	}
	return rec.id, rec.token, nil
}

// insertIntent validates and stores rec (caller holds mu).
func (s *Server) insertIntent(rec *intentRec) error {
	switch {
	case rec.userID == "" && (rec.idpID == "" || rec.idpUserID == ""):
		return errors.New("need a user ID, or an IdP ID and an IdP user ID")
	case rec.state < IntentSucceeded || rec.state > IntentConsumed:
		return fmt.Errorf("invalid state %d", int(rec.state))
	case rec.id == "":
		return errors.New("the intent ID is empty")
	case s.intents[rec.id] != nil:
		return fmt.Errorf("intent ID %q already exists", rec.id)
	}
	if _, err := decodeIntentToken(rec.token); err != nil {
		return errors.New("the token must be a non-empty base64url string")
	}
	if s.intentByToken(rec.token) != nil {
		return errors.New("the token is already used by another intent")
	}
	if rec.expiry.IsZero() {
		rec.expiry = s.clock.Now().Add(s.cfg.intentLifetime)
	}
	s.intents[rec.id] = rec
	return nil
}

func decodeIntentToken(tok string) ([]byte, error) {
	if tok == "" {
		return nil, errors.New("empty")
	}
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "="))
}

// intentByToken returns the intent whose token is tok (caller holds mu).
func (s *Server) intentByToken(tok string) *intentRec {
	for _, r := range s.intents {
		if subtle.ConstantTimeCompare([]byte(r.token), []byte(tok)) == 1 {
			return r
		}
	}
	return nil
}

// LinkIDP links userID to the external user idpUserID at idpID, so intents
// without a user ID for that IdP user can be used by userID.
func (s *Server) LinkIDP(userID, idpID, idpUserID string) error {
	if idpID == "" || idpUserID == "" {
		return errors.New("sessiontest: LinkIDP: idpID and idpUserID are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("LinkIDP", userID)
	if err != nil {
		return err
	}
	u.links = append(u.links, idpLink{idpID, idpUserID})
	return nil
}
