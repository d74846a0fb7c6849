package sessiontest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// maxTombstones bounds the terminated sessions kept regardless of their age
// (a frozen clock never passes the retention).
const maxTombstones = 65536

// factor indexes into session.factors.
const (
	fUser = iota
	fPassword
	fIntent
	fWebAuthN
	fTOTP
	fOTPSMS
	fOTPEmail
	fRecovery
	numFactors
)

const (
	flagTerminated uint8 = 1 << iota
	flagHidden           // removed from the read side (user locked/deactivated)
	flagWebAuthNUV
)

// userAgent is the stored user agent (nil when none was given).
type userAgent struct {
	fingerprint, ip, description *string
	header                       map[string][]string
}

// pending holds outstanding challenges (nil when none).
type pending struct {
	wa          *webauthn.SessionData
	waRPID      string
	waPasskey   bool
	smsCode     string
	smsExpiry   int64
	emailCode   string
	emailExpiry int64
}

func (p *pending) empty() bool {
	return p == nil || (p.wa == nil && p.smsCode == "" && p.emailCode == "")
}

// session is the compact stored session. Times are unix microseconds (0 =
// absent). Guarded by store.mu.
type session struct {
	num        uint64
	creator    string
	user       *userRec
	userGen    uint32
	flags      uint8
	tokenID    [16]byte
	created    int64
	changed    int64
	expiration int64
	terminated int64
	sequence   uint64
	factors    [numFactors]int64
	metadata   map[string][]byte
	agent      *userAgent
	pend       *pending
}

// visible reports whether the read side still has the session.
func (ss *session) visible() bool {
	if ss.flags&(flagTerminated|flagHidden) != 0 {
		return false
	}
	if ss.user != nil && ss.user.gen != ss.userGen {
		ss.flags |= flagHidden
		return false
	}
	return true
}

// store is the server's state. One mutex guards all of it: sessions, users,
// tokens, intents, the outbox and the OIDC/SAML requests. Requests hold it
// for their whole evaluation (validation, decoding and encoding happen
// outside), except for bcrypt, which is computed before (see
// precheckPassword). BenchmarkLoginFlow measures it (BENCHMARKS.md).
type store struct {
	srv *Server
	mu  sync.Mutex

	sessions map[uint64]*session
	nextID   uint64
	writes   uint64 // session writes since the last purge

	usersByID    map[string]*userRec
	usersByLogin map[string]*userRec
	orgs         map[string]Organization

	tokens  map[string]*tokenRec
	intents map[string]*intentRec

	outbox  []OutboxMessage
	origins map[string][]string // WebAuthn RP ID → origins of registered authenticators

	authRequests map[string]*authRequestRec
	samlRequests map[string]*samlRequestRec

	lastWrite int64 // unix µs of the latest session write (ListDetails.timestamp)
}

func (st *store) init(s *Server) {
	st.srv = s
	st.sessions = make(map[uint64]*session)
	// snowflake-like 18 digit IDs, increasing in creation order
	st.nextID = uint64(300000000000000000) + uint64(time.Now().UnixMilli()%1e9)*1000
	st.usersByID = make(map[string]*userRec)
	st.usersByLogin = make(map[string]*userRec)
	st.orgs = make(map[string]Organization)
	st.tokens = make(map[string]*tokenRec)
	st.intents = make(map[string]*intentRec)
	st.origins = make(map[string][]string)
	st.authRequests = make(map[string]*authRequestRec)
	st.samlRequests = make(map[string]*samlRequestRec)
}

// newNum returns a fresh numeric id (caller holds mu).
func (st *store) newNum() uint64 {
	st.nextID++
	return st.nextID
}

// newID is newNum as a string (caller holds mu).
func (st *store) newID() string { return strconv.FormatUint(st.newNum(), 10) }

// parseSessionID returns the numeric id if id is a canonical session id.
func parseSessionID(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != id {
		return 0, false
	}
	return n, true
}

// lookup returns the stored session with that id, or nil (caller holds mu).
func (st *store) lookup(id string) *session {
	n, ok := parseSessionID(id)
	if !ok {
		return nil
	}
	return st.sessions[n]
}

// noteWrite records a session write at now and purges old sessions once
// every max(1024, number of sessions) writes, so purging costs at most one
// visited session per write (caller holds mu).
func (st *store) noteWrite(now time.Time) {
	st.lastWrite = now.UnixMicro()
	st.writes++
	if st.writes >= 1024 && st.writes >= uint64(len(st.sessions)) {
		st.writes = 0
		st.purge(now)
	}
}

// purge drops terminated sessions and expired ones whose termination or
// expiration lies more than the retention in the past, and the oldest
// terminated sessions beyond maxTombstones (caller holds mu).
func (st *store) purge(now time.Time) {
	cutoff := now.Add(-st.srv.cfg.retention).UnixMicro()
	var tombstones []uint64
	for n, ss := range st.sessions {
		switch {
		case (ss.terminated != 0 && ss.terminated < cutoff) || (ss.expiration != 0 && ss.expiration < cutoff):
			delete(st.sessions, n)
		case ss.terminated != 0:
			tombstones = append(tombstones, n)
		}
	}
	if len(tombstones) > maxTombstones {
		for _, n := range tombstones {
			delete(st.sessions, n)
		}
	}
}

// Purge removes terminated and long-expired sessions (see WithRetention)
// from memory now. The server also does this incrementally on writes.
func (s *Server) Purge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(s.clock.Now())
}

// SessionCount returns the number of sessions held in memory, including
// terminated and expired ones not yet purged.
func (s *Server) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Session tokens: "<base64url(session id)>.<base64url(16 random bytes)>".
// The random part is the token ID; only the newest one verifies.

func newTokenID() [16]byte {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sessiontest: crypto/rand failed") // cannot happen on supported platforms
	}
	return b
}

func encodeToken(id string, tokenID [16]byte) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id)) + "." + base64.RawURLEncoding.EncodeToString(tokenID[:])
}

// decodeToken returns the session id and token id of a session token.
func decodeToken(tok string) (string, [16]byte, bool) {
	var tid [16]byte
	a, b, ok := strings.Cut(tok, ".")
	if !ok || len(b) != 22 {
		return "", tid, false
	}
	id, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil {
		return "", tid, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(b)
	if err != nil || len(raw) != 16 {
		return "", tid, false
	}
	copy(tid[:], raw)
	return string(id), tid, true
}

// tokenMatches reports whether tok is the current token of ss.
func tokenMatches(ss *session, id, tok string) bool {
	tid, tokTID, ok := decodeToken(tok)
	if !ok || tid != id {
		return false
	}
	return subtle.ConstantTimeCompare(ss.tokenID[:], tokTID[:]) == 1
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }
