package sessiontest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/crypto/bcrypt"
)

// UserState is the state of a user. The zero value is UserStateActive.
type UserState int

// User states. Sessions accept users that are active or initial; inactive
// (deactivated) and locked users fail the user check.
const (
	UserStateActive UserState = iota
	UserStateInitial
	UserStateInactive
	UserStateLocked
)

// String returns the lower-case name of the state.
func (s UserState) String() string {
	switch s {
	case UserStateActive:
		return "active"
	case UserStateInitial:
		return "initial"
	case UserStateInactive:
		return "inactive"
	case UserStateLocked:
		return "locked"
	}
	return "UserState(" + strconv.Itoa(int(s)) + ")"
}

// User describes a user to add with AddUser.
type User struct {
	ID             string // required, unique
	LoginName      string // required, unique (case-insensitive)
	DisplayName    string // reported as factors.user.display_name (empty for machines)
	OrganizationID string // default DefaultOrganizationID
	Password       string // optional; empty = no password set
	TOTPSecret     string // optional base32 secret; non-empty = TOTP set up and verified
	Phone          string // optional; non-empty = OTP via SMS added
	Email          string // optional; non-empty = OTP via email added
	State          UserState
	Machine        bool // machine user: no password/TOTP/OTP/WebAuthn
}

// Permission is a Zitadel permission granted to a caller.
type Permission string

// Session permissions, as checked by Zitadel.
const (
	PermissionSessionRead   Permission = "session.read"
	PermissionSessionWrite  Permission = "session.write"
	PermissionSessionDelete Permission = "session.delete"
)

const (
	permRead uint8 = 1 << iota
	permWrite
	permDelete
)

func permBits(perms []Permission) (uint8, error) {
	var b uint8
	for _, p := range perms {
		switch p {
		case PermissionSessionRead:
			b |= permRead
		case PermissionSessionWrite:
			b |= permWrite
		case PermissionSessionDelete:
			b |= permDelete
		default:
			return 0, fmt.Errorf("sessiontest: unknown permission %q (want %q, %q or %q)", string(p), PermissionSessionRead, PermissionSessionWrite, PermissionSessionDelete)
		}
	}
	return b, nil
}

// grant is a membership: on the instance (org == "") or an organization.
type grant struct {
	org   string
	perms uint8
}

type waCred struct {
	cred         webauthn.Credential
	rpID         string
	passwordless bool
}

type idpLink struct{ idpID, idpUserID string }

// userRec is the stored user. Immutable fields are set once by AddUser;
// mutable ones are guarded by mu.
type userRec struct {
	id, loginName, displayName, orgID string
	machine                           bool

	mu             sync.Mutex
	state          UserState
	gen            uint32 // incremented when the user's sessions vanish from the read side
	removed        bool
	passwordHash   []byte
	totpSecret     string
	phone, email   string
	failedPassword int32
	failedOTP      int32
	recovery       [][sha256.Size]byte
	creds          []waCred
	links          []idpLink
	grants         atomic.Pointer[[]grant] // copy-on-write, written under mu
	sg             atomic.Uint64           // state<<32 | gen, mirrored for lock-free reads
}

// publish mirrors state and gen for snapshot (caller holds mu, or the user
// is not shared yet).
func (u *userRec) publish() { u.sg.Store(uint64(uint32(u.state))<<32 | uint64(u.gen)) }

// addGrant appends a membership (copy-on-write).
func (u *userRec) addGrant(g grant) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var gs []grant
	if old := u.grants.Load(); old != nil {
		gs = append(gs, *old...)
	}
	gs = append(gs, g)
	u.grants.Store(&gs)
}

func (u *userRec) snapshot() (state UserState, gen uint32) {
	v := u.sg.Load()
	return UserState(v >> 32), uint32(v)
}

// hasSecondFactor reports whether the user has TOTP, OTP, passkey or U2F.
func (u *userRec) hasSecondFactor() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.totpSecret != "" || u.phone != "" || u.email != "" || len(u.creds) > 0
}

type tokenRec struct {
	user  *userRec
	agent string
}

// IntentState is the state of an IdP intent added with AddIntentWithOptions.
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
	secret                       [16]byte
	state                        IntentState
	expiry                       time.Time
}

// OutboxMessage is an OTP code the server "sent" instead of returning it.
type OutboxMessage struct {
	Channel   string // "sms" or "email"
	UserID    string
	SessionID string
	Code      string
	URL       string // email only: the rendered url_template (or the default link)
	SentAt    time.Time
}

// AddUser validates u, hashes its password with bcrypt and stores it.
func (s *Server) AddUser(u User) error {
	if strings.TrimSpace(u.ID) == "" {
		return errors.New("sessiontest: AddUser: ID is required")
	}
	if len(u.ID) > 200 {
		return errors.New("sessiontest: AddUser: ID is longer than 200 characters")
	}
	if strings.TrimSpace(u.LoginName) == "" {
		return fmt.Errorf("sessiontest: AddUser %q: LoginName is required", u.ID)
	}
	if u.State < UserStateActive || u.State > UserStateLocked {
		return fmt.Errorf("sessiontest: AddUser %q: invalid State %d", u.ID, int(u.State))
	}
	if u.Machine && (u.Password != "" || u.TOTPSecret != "" || u.Phone != "" || u.Email != "") {
		return fmt.Errorf("sessiontest: AddUser %q: machine users cannot have a password, TOTP secret, phone or email", u.ID)
	}
	if u.TOTPSecret != "" {
		if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(u.TOTPSecret, "="))); err != nil {
			// never echo the secret
			return fmt.Errorf("sessiontest: AddUser %q: TOTPSecret is not valid base32", u.ID)
		}
	}
	rec := &userRec{
		id: u.ID, loginName: u.LoginName, displayName: u.DisplayName, orgID: u.OrganizationID,
		machine: u.Machine, state: u.State, totpSecret: u.TOTPSecret, phone: u.Phone, email: u.Email,
	}
	if rec.orgID == "" {
		rec.orgID = s.cfg.defaultOrgID
	}
	if u.Machine {
		rec.displayName = ""
	}
	rec.publish()
	if u.Password != "" {
		if len(u.Password) > 72 {
			return fmt.Errorf("sessiontest: AddUser %q: Password is longer than 72 bytes (bcrypt limit)", u.ID)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), s.cfg.hashCost)
		if err != nil {
			return fmt.Errorf("sessiontest: AddUser %q: hashing the password failed", u.ID)
		}
		rec.passwordHash = h
	}
	return s.insertUser(rec)
}

func (s *Server) insertUser(rec *userRec) error {
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	if _, ok := s.usersByID[rec.id]; ok {
		return fmt.Errorf("sessiontest: user ID %q already exists", rec.id)
	}
	key := trimLower(rec.loginName)
	if _, ok := s.usersByLogin[key]; ok {
		return fmt.Errorf("sessiontest: login name %q already exists", rec.loginName)
	}
	s.usersByID[rec.id] = rec
	s.usersByLogin[key] = rec
	return nil
}

func (s *Server) userByID(id string) *userRec {
	s.usersMu.RLock()
	defer s.usersMu.RUnlock()
	return s.usersByID[id]
}

func (s *Server) userByLogin(name string) *userRec {
	s.usersMu.RLock()
	defer s.usersMu.RUnlock()
	return s.usersByLogin[trimLower(name)]
}

func (s *Server) mustUser(op, id string) (*userRec, error) {
	u := s.userByID(id)
	if u == nil {
		return nil, fmt.Errorf("sessiontest: %s: unknown user %q", op, id)
	}
	return u, nil
}

// LockUser locks the user. As in Zitadel, all of the user's sessions vanish
// from GetSession/ListSessions and stay gone after unlocking.
func (s *Server) LockUser(id string) error { return s.endSessions("LockUser", id, UserStateLocked) }

// UnlockUser unlocks the user and resets its failed-attempt counters. Sessions
// removed by locking do not come back.
func (s *Server) UnlockUser(id string) error {
	u, err := s.mustUser("UnlockUser", id)
	if err != nil {
		return err
	}
	u.mu.Lock()
	if u.state == UserStateLocked {
		u.state = UserStateActive
	}
	u.publish()
	u.failedPassword, u.failedOTP = 0, 0
	u.mu.Unlock()
	return nil
}

// DeactivateUser deactivates the user. As in Zitadel, all of the user's
// sessions vanish from GetSession/ListSessions.
func (s *Server) DeactivateUser(id string) error {
	return s.endSessions("DeactivateUser", id, UserStateInactive)
}

// endSessions puts the user into state and starts a new generation, which
// hides all of the user's existing sessions from the read side.
func (s *Server) endSessions(op, id string, state UserState) error {
	u, err := s.mustUser(op, id)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.state = state
	u.gen++
	u.publish()
	u.mu.Unlock()
	return nil
}

// RemoveUser deletes the user. As in Zitadel, all of its sessions vanish from
// GetSession/ListSessions; a password check on an existing session of the
// user then fails with COMMAND-3n77z. The ID and login name become free.
func (s *Server) RemoveUser(id string) error {
	s.usersMu.Lock()
	u := s.usersByID[id]
	if u != nil {
		delete(s.usersByID, id)
		delete(s.usersByLogin, trimLower(u.loginName))
	}
	s.usersMu.Unlock()
	if u == nil {
		return fmt.Errorf("sessiontest: RemoveUser: unknown user %q", id)
	}
	u.mu.Lock()
	u.removed = true
	u.gen++
	u.publish()
	u.mu.Unlock()
	s.tokensMu.Lock()
	for tok, tr := range s.tokens {
		if tr.user == u {
			delete(s.tokens, tok)
		}
	}
	s.tokensMu.Unlock()
	return nil
}

// ReactivateUser makes an inactive user active again.
func (s *Server) ReactivateUser(id string) error {
	u, err := s.mustUser("ReactivateUser", id)
	if err != nil {
		return err
	}
	u.mu.Lock()
	if u.state == UserStateInactive {
		u.state = UserStateActive
	}
	u.publish()
	u.mu.Unlock()
	return nil
}

// FailedAttempts returns the user's current failed password and OTP check
// counters.
func (s *Server) FailedAttempts(id string) (password, otp int, err error) {
	u, err := s.mustUser("FailedAttempts", id)
	if err != nil {
		return 0, 0, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return int(u.failedPassword), int(u.failedOTP), nil
}

// AddAccessToken registers a bearer token for userID and grants the user the
// given permissions instance-wide. If userID is empty a machine user is
// generated; if it names an unknown user, a machine user with that ID is
// created. A user without any permission has no memberships at all, so
// permission checks fail with NOT_FOUND AUTHZ-cdgFk, like in Zitadel.
func (s *Server) AddAccessToken(token, userID string, perms ...Permission) error {
	return s.addToken(token, userID, "", "", false, perms)
}

// AddOrgAccessToken is like AddAccessToken but grants the permissions on
// organization orgID only (like an ORG_OWNER membership).
func (s *Server) AddOrgAccessToken(token, userID, orgID string, perms ...Permission) error {
	if orgID == "" {
		return errors.New("sessiontest: AddOrgAccessToken: orgID is required")
	}
	return s.addToken(token, userID, orgID, "", true, perms)
}

// AddAgentAccessToken is like AddAccessToken, but the token carries the user
// agent fingerprint agentID (like an OIDC access token issued to a browser).
// Such a caller may read sessions created with that fingerprint.
func (s *Server) AddAgentAccessToken(token, userID, agentID string, perms ...Permission) error {
	return s.addToken(token, userID, "", agentID, false, perms)
}

// Grant gives userID the permissions on organization orgID, or instance-wide
// when orgID is empty. Permissions apply to all of the user's tokens.
func (s *Server) Grant(userID, orgID string, perms ...Permission) error {
	bits, err := permBits(perms)
	if err != nil {
		return err
	}
	u, err := s.mustUser("Grant", userID)
	if err != nil {
		return err
	}
	if bits != 0 {
		u.addGrant(grant{org: orgID, perms: bits})
	}
	return nil
}

func (s *Server) addToken(token, userID, orgID, agent string, org bool, perms []Permission) error {
	if token == "" {
		return errors.New("sessiontest: access token must not be empty")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return errors.New("sessiontest: access token must not contain whitespace")
	}
	bits, err := permBits(perms)
	if err != nil {
		return err
	}
	var u *userRec
	if userID == "" {
		u = &userRec{id: s.newID(), orgID: s.cfg.defaultOrgID, machine: true}
		u.loginName = "machine-" + u.id
		if err := s.insertUser(u); err != nil {
			return err
		}
	} else if u = s.userByID(userID); u == nil {
		u = &userRec{id: userID, loginName: userID, orgID: s.cfg.defaultOrgID, machine: true}
		if err := s.insertUser(u); err != nil {
			return err
		}
	}
	s.tokensMu.Lock()
	if _, dup := s.tokens[token]; dup {
		s.tokensMu.Unlock()
		return errors.New("sessiontest: access token already registered")
	}
	s.tokens[token] = &tokenRec{user: u, agent: agent}
	s.tokensMu.Unlock()
	if bits != 0 {
		u.addGrant(grant{org: orgID, perms: bits})
	}
	return nil
}

// IntentOptions describes an IdP intent for AddIntentWithOptions.
type IntentOptions struct {
	// UserID is the user the intent belongs to. If empty, the session user
	// must have an IdP link (see LinkIDP) for IDPID and IDPUserID.
	UserID    string
	IDPID     string
	IDPUserID string
	State     IntentState // default IntentSucceeded
	// Expiry defaults to the server clock + 1h (Zitadel's MaxIdPIntentLifetime).
	Expiry time.Time
}

// AddIntent adds a succeeded IdP intent of userID at idpID and returns its ID
// and token for checks.idp_intent.
func (s *Server) AddIntent(userID, idpID string) (id, token string, err error) {
	if userID == "" {
		return "", "", errors.New("sessiontest: AddIntent: userID is required (use AddIntentWithOptions for link-based intents)")
	}
	return s.AddIntentWithOptions(IntentOptions{UserID: userID, IDPID: idpID})
}

// AddIntentWithOptions adds an IdP intent in any state, with or without a
// user, with a custom expiry.
func (s *Server) AddIntentWithOptions(o IntentOptions) (id, token string, err error) {
	if o.UserID == "" && (o.IDPID == "" || o.IDPUserID == "") {
		return "", "", errors.New("sessiontest: AddIntentWithOptions: need UserID, or IDPID and IDPUserID")
	}
	if o.State < IntentSucceeded || o.State > IntentConsumed {
		return "", "", fmt.Errorf("sessiontest: AddIntentWithOptions: invalid State %d", int(o.State))
	}
	rec := &intentRec{id: s.newID(), userID: o.UserID, idpID: o.IDPID, idpUserID: o.IDPUserID, state: o.State, expiry: o.Expiry}
	if rec.expiry.IsZero() {
		rec.expiry = s.clock.Now().Add(s.cfg.intentLifetime)
	}
	if _, err := rand.Read(rec.secret[:]); err != nil {
		return "", "", errors.New("sessiontest: no randomness")
	}
	s.intentsMu.Lock()
	s.intents[rec.id] = rec
	s.intentsMu.Unlock()
	return rec.id, base64.RawURLEncoding.EncodeToString(append([]byte(rec.id+":"), rec.secret[:]...)), nil
}

// LinkIDP links userID to the external user idpUserID at idpID, so intents
// without a user ID for that IdP user can be used by userID.
func (s *Server) LinkIDP(userID, idpID, idpUserID string) error {
	u, err := s.mustUser("LinkIDP", userID)
	if err != nil {
		return err
	}
	if idpID == "" || idpUserID == "" {
		return errors.New("sessiontest: LinkIDP: idpID and idpUserID are required")
	}
	u.mu.Lock()
	u.links = append(u.links, idpLink{idpID, idpUserID})
	u.mu.Unlock()
	return nil
}

// AddRecoveryCodes generates n (1..50) fresh recovery codes for userID,
// replacing earlier ones, and returns them. Only hashes are stored.
func (s *Server) AddRecoveryCodes(userID string, n int) ([]string, error) {
	u, err := s.mustUser("AddRecoveryCodes", userID)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > 50 {
		return nil, fmt.Errorf("sessiontest: AddRecoveryCodes: n must be between 1 and 50, got %d", n)
	}
	codes := make([]string, n)
	hashes := make([][sha256.Size]byte, n)
	for i := range codes {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, errors.New("sessiontest: no randomness")
		}
		c := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
		codes[i] = c[:8] + "-" + c[8:]
		hashes[i] = sha256.Sum256([]byte(codes[i]))
	}
	u.mu.Lock()
	u.recovery = hashes
	u.mu.Unlock()
	return codes, nil
}

// Outbox returns a copy of the OTP messages sent so far (oldest first). The
// outbox keeps the latest 10,000 messages.
func (s *Server) Outbox() []OutboxMessage {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	return append([]OutboxMessage(nil), s.outbox...)
}

func (s *Server) send(m OutboxMessage) {
	s.outboxMu.Lock()
	if len(s.outbox) >= s.cfg.outboxCapacity {
		copy(s.outbox, s.outbox[1:])
		s.outbox = s.outbox[:len(s.outbox)-1]
	}
	s.outbox = append(s.outbox, m)
	s.outboxMu.Unlock()
}

func matchRecovery(hashes [][sha256.Size]byte, code string) int {
	h := sha256.Sum256([]byte(code))
	idx := -1
	for i := range hashes {
		if subtle.ConstantTimeCompare(hashes[i][:], h[:]) == 1 {
			idx = i
		}
	}
	return idx
}
