package sessiontest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	Machine        bool     // machine user: no password/TOTP/OTP/WebAuthn
	RecoveryCodes  []string // optional; recovery codes set up for the user (only hashes are kept)
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

// userRec is the stored user, guarded by store.mu.
type userRec struct {
	id, loginName, displayName, orgID string
	machine                           bool

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
	grants         []grant

	// projection lag of the user lookup (see WithProjectionLag)
	added       int64     // unix µs when the user was added
	stateAt     int64     // unix µs of the last state change
	lookupState UserState // state before that change
}

// lookupState returns the state the user lookup of checks.user sees at now:
// with a projection lag, a state change becomes visible only after the lag.
func (u *userRec) visibleState(now int64, lag time.Duration) UserState {
	if lag > 0 && now < u.stateAt+lag.Microseconds() {
		return u.lookupState
	}
	return u.state
}

// setState changes the user's state at now (caller holds store.mu).
func (u *userRec) setState(st UserState, now int64) {
	if u.state == st {
		return
	}
	u.lookupState, u.state, u.stateAt = u.state, st, now
}

// secondFactorSetUp reports whether the user has set up a second factor
// that the login policy allows. Zitadel's default login policy allows TOTP
// and U2F (not OTP via SMS or e-mail), and passkeys are not second factors.
func (u *userRec) secondFactorSetUp() bool {
	if u.totpSecret != "" {
		return true
	}
	for _, c := range u.creds {
		if !c.passwordless {
			return true
		}
	}
	return false
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

// maxRecoveryCodes is how many recovery codes a user may have at most.
const maxRecoveryCodes = 50

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
	if u.Machine && (u.Password != "" || u.TOTPSecret != "" || u.Phone != "" || u.Email != "" || len(u.RecoveryCodes) > 0) {
		return fmt.Errorf("sessiontest: AddUser %q: machine users cannot have a password, TOTP secret, phone, email or recovery codes", u.ID)
	}
	if u.TOTPSecret != "" {
		if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(u.TOTPSecret, "="))); err != nil {
			// never echo the secret
			return fmt.Errorf("sessiontest: AddUser %q: TOTPSecret is not valid base32", u.ID)
		}
	}
	if len(u.RecoveryCodes) > maxRecoveryCodes {
		return fmt.Errorf("sessiontest: AddUser %q: more than %d RecoveryCodes", u.ID, maxRecoveryCodes)
	}
	rec := &userRec{
		id: u.ID, loginName: u.LoginName, displayName: u.DisplayName, orgID: u.OrganizationID,
		machine: u.Machine, state: u.State, lookupState: u.State, totpSecret: u.TOTPSecret, phone: u.Phone, email: u.Email,
	}
	if rec.orgID == "" {
		rec.orgID = s.cfg.defaultOrgID
	}
	if u.Machine {
		rec.displayName = ""
	}
	for i, c := range u.RecoveryCodes {
		if c == "" {
			return fmt.Errorf("sessiontest: AddUser %q: RecoveryCodes[%d] is empty", u.ID, i)
		}
		rec.recovery = append(rec.recovery, sha256.Sum256([]byte(c)))
	}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertUser(rec)
}

// insertUser stores rec (caller holds mu).
func (s *Server) insertUser(rec *userRec) error {
	if _, ok := s.usersByID[rec.id]; ok {
		return fmt.Errorf("sessiontest: user ID %q already exists", rec.id)
	}
	key := strings.ToLower(rec.loginName)
	if _, ok := s.usersByLogin[key]; ok {
		return fmt.Errorf("sessiontest: login name %q already exists", rec.loginName)
	}
	now := micros(s.clock.Now())
	rec.added, rec.stateAt = now, now
	s.usersByID[rec.id] = rec
	s.usersByLogin[key] = rec
	return nil
}

// mustUser returns the user with that id or an error naming op (caller
// holds mu).
func (s *Server) mustUser(op, id string) (*userRec, error) {
	u := s.usersByID[id]
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
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("UnlockUser", id)
	if err != nil {
		return err
	}
	if u.state == UserStateLocked {
		u.setState(UserStateActive, micros(s.clock.Now()))
	}
	u.failedPassword, u.failedOTP = 0, 0
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
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser(op, id)
	if err != nil {
		return err
	}
	u.setState(state, micros(s.clock.Now()))
	u.gen++
	return nil
}

// lock locks u after a failed check that reached the lockout policy's limit
// (caller holds mu).
func (s *Server) lock(u *userRec, now int64) {
	u.setState(UserStateLocked, now)
	u.gen++
}

// RemoveUser deletes the user. As in Zitadel, all of its sessions vanish from
// GetSession/ListSessions; a password check on an existing session of the
// user then fails with COMMAND-3n77z. The ID and login name become free.
func (s *Server) RemoveUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("RemoveUser", id)
	if err != nil {
		return err
	}
	delete(s.usersByID, id)
	delete(s.usersByLogin, strings.ToLower(u.loginName))
	u.removed = true
	u.gen++
	for tok, tr := range s.tokens {
		if tr.user == u {
			delete(s.tokens, tok)
		}
	}
	return nil
}

// ReactivateUser makes an inactive user active again.
func (s *Server) ReactivateUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("ReactivateUser", id)
	if err != nil {
		return err
	}
	if u.state == UserStateInactive {
		u.setState(UserStateActive, micros(s.clock.Now()))
	}
	return nil
}

// FailedAttempts returns the user's current failed password and OTP check
// counters.
func (s *Server) FailedAttempts(id string) (password, otp int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("FailedAttempts", id)
	if err != nil {
		return 0, 0, err
	}
	return int(u.failedPassword), int(u.failedOTP), nil
}

// AddRecoveryCodes generates n (1..50) fresh recovery codes for userID,
// replacing earlier ones, and returns them. Only hashes are stored.
func (s *Server) AddRecoveryCodes(userID string, n int) ([]string, error) {
	if n < 1 || n > maxRecoveryCodes {
		return nil, fmt.Errorf("sessiontest: AddRecoveryCodes: n must be between 1 and %d, got %d", maxRecoveryCodes, n)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("AddRecoveryCodes", userID)
	if err != nil {
		return nil, err
	}
	if u.machine {
		return nil, fmt.Errorf("sessiontest: AddRecoveryCodes: user %q is a machine user", userID)
	}
	u.recovery = hashes
	return codes, nil
}

// Outbox returns a copy of the OTP messages sent so far (oldest first). The
// outbox keeps the latest 10,000 messages.
func (s *Server) Outbox() []OutboxMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]OutboxMessage(nil), s.outbox...)
}

// send puts m into the outbox (caller holds mu).
func (s *Server) send(m OutboxMessage) {
	if len(s.outbox) >= s.cfg.outboxCapacity {
		copy(s.outbox, s.outbox[1:])
		s.outbox = s.outbox[:len(s.outbox)-1]
	}
	s.outbox = append(s.outbox, m)
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
