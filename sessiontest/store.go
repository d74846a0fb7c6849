package sessiontest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

const numShards = 64

// maxTombstonesPerShard bounds the terminated sessions kept per shard
// regardless of their age.
const maxTombstonesPerShard = 1024

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
// absent). Guarded by mu, except num which is immutable.
type session struct {
	mu         sync.Mutex
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
	if ss.user != nil {
		_, gen := ss.user.snapshot()
		if gen != ss.userGen {
			ss.flags |= flagHidden
			return false
		}
	}
	return true
}

type shard struct {
	mu       sync.RWMutex
	sessions map[uint64]*session
	writes   atomic.Uint32
}

type store struct {
	srv    *Server
	shards [numShards]shard
	nextID atomic.Uint64

	usersMu      sync.RWMutex
	usersByID    map[string]*userRec
	usersByLogin map[string]*userRec

	tokensMu sync.RWMutex
	tokens   map[string]*tokenRec

	intentsMu sync.Mutex
	intents   map[string]*intentRec

	outboxMu sync.Mutex
	outbox   []OutboxMessage

	// read model progress for ListDetails
	processedSeq atomic.Uint64
	lastWrite    atomic.Int64

	originsMu sync.Mutex
	origins   map[string][]string // WebAuthn RP ID → origins of registered authenticators

	loginMu      sync.Mutex
	authRequests map[string]*authRequestRec
	samlRequests map[string]*samlRequestRec
}

func (st *store) init(s *Server) {
	st.srv = s
	for i := range st.shards {
		st.shards[i].sessions = make(map[uint64]*session)
	}
	// snowflake-like 18 digit IDs, increasing in creation order
	st.nextID.Store(uint64(300000000000000000) + uint64(time.Now().UnixMilli()%1e9)*1000)
	st.usersByID = make(map[string]*userRec)
	st.usersByLogin = make(map[string]*userRec)
	st.tokens = make(map[string]*tokenRec)
	st.intents = make(map[string]*intentRec)
	st.authRequests = make(map[string]*authRequestRec)
	st.samlRequests = make(map[string]*samlRequestRec)
}

func (st *store) newNum() uint64 { return st.nextID.Add(1) }

func (st *store) newID() string { return strconv.FormatUint(st.newNum(), 10) }

func (st *store) shardFor(num uint64) *shard { return &st.shards[num%numShards] }

// parseSessionID returns the numeric id if id is a canonical session id.
func parseSessionID(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != id {
		return 0, false
	}
	return n, true
}

func (st *store) lookup(id string) *session {
	n, ok := parseSessionID(id)
	if !ok {
		return nil
	}
	sh := st.shardFor(n)
	sh.mu.RLock()
	ss := sh.sessions[n]
	sh.mu.RUnlock()
	return ss
}

// insert stores a new session and occasionally purges old ones of the shard.
func (st *store) insert(ss *session, now time.Time) {
	sh := st.shardFor(ss.num)
	sh.mu.Lock()
	sh.sessions[ss.num] = ss
	sh.mu.Unlock()
	st.noteWrite(sh, now)
}

// noteWrite counts a write on the shard and purges it every 1024 writes.
// The caller must not hold a session lock.
func (st *store) noteWrite(sh *shard, now time.Time) {
	if sh.writes.Add(1)%1024 == 0 {
		st.purgeShard(sh, now)
	}
}

// purgeShard drops terminated sessions and expired ones whose termination or
// expiration lies more than the retention in the past.
func (st *store) purgeShard(sh *shard, now time.Time) {
	cutoff := now.Add(-st.srv.cfg.retention).UnixMicro()
	var victims, tombstones []uint64
	sh.mu.RLock()
	for n, ss := range sh.sessions {
		if !ss.mu.TryLock() {
			continue
		}
		switch {
		case (ss.terminated != 0 && ss.terminated < cutoff) || (ss.expiration != 0 && ss.expiration < cutoff):
			victims = append(victims, n)
		case ss.terminated != 0:
			tombstones = append(tombstones, n)
		}
		ss.mu.Unlock()
	}
	sh.mu.RUnlock()
	if len(tombstones) > maxTombstonesPerShard {
		// A frozen clock never passes the retention: bound terminated
		// sessions by count as well.
		victims = append(victims, tombstones...)
	}
	if len(victims) == 0 {
		return
	}
	sh.mu.Lock()
	for _, n := range victims {
		delete(sh.sessions, n)
	}
	sh.mu.Unlock()
}

// Purge removes terminated and long-expired sessions (see WithRetention)
// from all shards now. The server also does this incrementally on writes.
func (s *Server) Purge() {
	now := s.clock.Now()
	for i := range s.shards {
		s.purgeShard(&s.shards[i], now)
	}
}

// SessionCount returns the number of sessions held in memory, including
// terminated and expired ones not yet purged.
func (s *Server) SessionCount() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.sessions)
		sh.mu.RUnlock()
	}
	return n
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

// tokenMatches reports whether tok is the current token of ss (caller holds ss.mu).
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
