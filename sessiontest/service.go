package sessiontest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math/big"
	"net/netip"
	"sort"
	"strings"
	"text/template"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

type handler struct {
	sessionv2connect.UnimplementedSessionServiceHandler
	s *Server
}

// work is the working copy of a session during one Create/Set request. It is
// only written back if every check and challenge succeeded.
type work struct {
	id         string
	user       *userRec
	userGen    uint32
	factors    [numFactors]int64
	uv         bool
	metadata   map[string][]byte
	expiration int64
	pend       pending
	events     uint64
	challenges *sessionv2.Challenges
	sends      []OutboxMessage
	commits    []func()
	aborts     []func()
	now        time.Time
	nowUS      int64
}

func (w *work) abort() {
	for i := len(w.aborts) - 1; i >= 0; i-- {
		w.aborts[i]()
	}
}

type requestParts struct {
	checks     *sessionv2.Checks
	metadata   map[string][]byte
	challenges *sessionv2.RequestChallenges
	lifetime   *time.Duration
}

// resolveUser is step 2 of §1.3: resolve checks.user before anything else.
func (s *Server) resolveUser(c *sessionv2.Checks) (*userRec, error) {
	cu := c.GetUser()
	if cu == nil {
		return nil, nil
	}
	var u *userRec
	switch x := cu.GetSearch().(type) {
	case *sessionv2.CheckUser_UserId:
		u = s.userByID(x.UserId)
	case *sessionv2.CheckUser_LoginName:
		u = s.userByLogin(x.LoginName)
	}
	if u == nil {
		return nil, zerr(connect.CodeNotFound, IDUserNotFound, msgUserNotFound)
	}
	if st, _ := u.snapshot(); st != UserStateActive && st != UserStateInitial {
		return nil, zerr(connect.CodeFailedPrecondition, IDUserNotActive, msgUserNotActive)
	}
	return u, nil
}

// limitedBuilder is a strings.Builder that fails beyond 8 KiB, so a
// url_template like {{range 1000000000}} cannot exhaust memory.
type limitedBuilder struct{ strings.Builder }

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > 8<<10 {
		return 0, errTemplateTooLong
	}
	return b.Builder.Write(p)
}

var errTemplateTooLong = errors.New("rendered url_template longer than 8 KiB")

type templateData struct {
	Code, UserID, LoginName, DisplayName, SessionID, PreferredLanguage string
}

// checkURLTemplate is step 3 of §1.3.
func checkURLTemplate(rc *sessionv2.RequestChallenges) (*template.Template, error) {
	sc := rc.GetOtpEmail().GetSendCode()
	if sc == nil || sc.UrlTemplate == nil {
		return nil, nil
	}
	t, err := template.New("url").Parse(sc.GetUrlTemplate())
	if err != nil {
		return nil, zerr(connect.CodeInvalidArgument, IDURLTemplateParse, msgInvalidURLTemplate)
	}
	var b limitedBuilder
	if err := t.Execute(&b, &templateData{Code: "12345678", UserID: "user", LoginName: "login", DisplayName: "name", SessionID: "session", PreferredLanguage: "en"}); err != nil {
		return nil, zerr(connect.CodeInvalidArgument, IDURLTemplateExecute, msgInvalidURLTemplate)
	}
	return t, nil
}

// run performs steps 6–8 of §1.3 on w.
func (s *Server) run(w *work, p requestParts, resolved *userRec, tmpl *template.Template) error {
	c := p.checks
	if c.GetUser() != nil {
		if w.user != nil && w.user != resolved {
			return zerr(connect.CodeInvalidArgument, IDUserChangeNotPossible, msgUserChange)
		}
		_, gen := resolved.snapshot()
		if w.user == nil {
			w.userGen = gen
		}
		w.user = resolved
		w.factors[fUser] = w.nowUS
		w.events++
	}
	if pw := c.GetPassword(); pw != nil {
		if err := s.checkPassword(w, pw.GetPassword()); err != nil {
			return err
		}
	}
	if in := c.GetIdpIntent(); in != nil {
		if err := s.checkIntent(w, in.GetIdpIntentId(), in.GetIdpIntentToken()); err != nil {
			return err
		}
	}
	if wa := c.GetWebAuthN(); wa != nil {
		if err := s.checkWebAuthN(w, wa); err != nil {
			return err
		}
	}
	if t := c.GetTotp(); t != nil {
		if err := s.checkTOTP(w, t.GetCode()); err != nil {
			return err
		}
	}
	if o := c.GetOtpSms(); o != nil {
		if err := s.checkOTP(w, false, o.GetCode()); err != nil {
			return err
		}
	}
	if o := c.GetOtpEmail(); o != nil {
		if err := s.checkOTP(w, true, o.GetCode()); err != nil {
			return err
		}
	}
	if r := c.GetRecoveryCode(); r != nil {
		if err := s.checkRecovery(w, r.GetCode()); err != nil {
			return err
		}
	}
	if rc := p.challenges; rc != nil {
		w.challenges = &sessionv2.Challenges{}
		if wa := rc.GetWebAuthN(); wa != nil {
			if err := s.challengeWebAuthN(w, wa); err != nil {
				return err
			}
		}
		if sms := rc.GetOtpSms(); sms != nil {
			if err := s.challengeOTP(w, false, sms.GetReturnCode(), nil); err != nil {
				return err
			}
		}
		if em := rc.GetOtpEmail(); em != nil {
			if err := s.challengeOTP(w, true, em.GetReturnCode() != nil, tmpl); err != nil {
				return err
			}
		}
	}
	var md map[string][]byte
	for k, v := range p.metadata {
		if len(v) == 0 {
			continue
		}
		if md == nil {
			md = make(map[string][]byte, len(p.metadata))
		}
		md[k] = append([]byte(nil), v...)
	}
	if md != nil {
		w.metadata = md
		w.events++
	}
	if p.lifetime != nil {
		w.expiration = w.now.Add(*p.lifetime).UnixMicro()
		w.events++
	}
	return nil
}

func (s *Server) lockout(u *userRec, failed int32, limit int) {
	// caller holds u.mu
	if limit > 0 && int(failed) >= limit && u.state != UserStateLocked {
		u.state = UserStateLocked
		u.gen++
		u.publish()
	}
}

func (s *Server) checkPassword(w *work, password string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeFailedPrecondition, IDPasswordNoUser, msgUserIDMissing)
	}
	u.mu.Lock()
	if u.removed {
		u.mu.Unlock()
		return zerr(connect.CodeFailedPrecondition, IDPasswordUserGone, msgUserNotFound)
	}
	if u.state == UserStateLocked {
		fa := u.failedPassword
		u.mu.Unlock()
		return credErr(connect.CodeFailedPrecondition, IDPasswordLocked, msgUserLocked, fa)
	}
	hash := u.passwordHash
	u.mu.Unlock()
	if len(hash) == 0 {
		return zerr(connect.CodeFailedPrecondition, IDPasswordNotSet, msgPasswordNotSet)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if err != nil {
		u.mu.Lock()
		if u.state == UserStateLocked {
			fa := u.failedPassword
			u.mu.Unlock()
			return credErr(connect.CodeFailedPrecondition, IDPasswordLockedConcurr, msgUserLocked, fa)
		}
		u.failedPassword++
		fa := u.failedPassword
		s.lockout(u, fa, s.cfg.maxPassword)
		u.mu.Unlock()
		return credErr(connect.CodeInvalidArgument, IDPasswordInvalid, msgPasswordInvalid, fa)
	}
	w.factors[fPassword] = w.nowUS
	w.events++
	w.commits = append(w.commits, func() {
		u.mu.Lock()
		u.failedPassword = 0
		u.mu.Unlock()
	})
	return nil
}

func (s *Server) checkIntent(w *work, id, token string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeFailedPrecondition, IDIntentNoUser, msgUserIDMissing)
	}
	if token == "" {
		return zerr(connect.CodePermissionDenied, IDIntentTokenEmpty, msgIntentInvalidToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return zerr(connect.CodePermissionDenied, IDIntentTokenNotBase64, msgIntentInvalidToken)
	}
	tokID, secret, ok := strings.Cut(string(raw), ":")
	if !ok || len(secret) != 16 {
		return zerr(connect.CodePermissionDenied, IDIntentTokenUndecrypt, msgIntentInvalidToken)
	}
	if tokID != id {
		return zerr(connect.CodePermissionDenied, IDIntentTokenOtherIntent, msgIntentInvalidToken)
	}
	s.intentsMu.Lock()
	defer s.intentsMu.Unlock()
	rec := s.intents[id]
	if rec == nil || subtle.ConstantTimeCompare(rec.secret[:], []byte(secret)) != 1 {
		return zerr(connect.CodePermissionDenied, IDIntentTokenUndecrypt, msgIntentInvalidToken)
	}
	if rec.state != IntentSucceeded {
		return zerr(connect.CodeFailedPrecondition, IDIntentNotSucceeded, msgIntentNotSucceeded)
	}
	if w.now.After(rec.expiry) {
		return zerr(connect.CodeFailedPrecondition, IDIntentExpired, msgIntentExpired)
	}
	if rec.userID != "" {
		if rec.userID != u.id {
			return zerr(connect.CodeFailedPrecondition, IDIntentOtherUser, msgIntentOtherUser)
		}
	} else {
		linked := false
		u.mu.Lock()
		for _, l := range u.links {
			if l.idpID == rec.idpID && l.idpUserID == rec.idpUserID {
				linked = true
			}
		}
		u.mu.Unlock()
		if !linked {
			return zerr(connect.CodeFailedPrecondition, IDIntentOtherUser, msgIntentOtherUser)
		}
	}
	// consume now (single use); restored if the request fails later
	rec.state = IntentConsumed
	w.aborts = append(w.aborts, func() {
		s.intentsMu.Lock()
		if rec.state == IntentConsumed {
			rec.state = IntentSucceeded
		}
		s.intentsMu.Unlock()
	})
	w.factors[fIntent] = w.nowUS
	w.events++
	return nil
}

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func (s *Server) checkTOTP(w *work, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, IDTOTPNoUser, msgUserIDMissing)
	}
	u.mu.Lock()
	secret := u.totpSecret
	u.mu.Unlock()
	if secret == "" {
		return zerr(connect.CodeFailedPrecondition, IDTOTPNotReady, msgOTPNotReady)
	}
	valid, err := totp.ValidateCustom(code, secret, w.now, totpOpts)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, IDTOTPLocked, msgUserLocked)
	}
	if err != nil || !valid {
		u.failedOTP++
		s.lockout(u, u.failedOTP, s.cfg.maxOTP)
		return zerr(connect.CodeInvalidArgument, IDTOTPInvalid, msgOTPInvalidCode)
	}
	w.factors[fTOTP] = w.nowUS
	w.events++
	w.commits = append(w.commits, func() { u.mu.Lock(); u.failedOTP = 0; u.mu.Unlock() })
	return nil
}

func (s *Server) checkOTP(w *work, email bool, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, IDOTPCheckNoUser, msgUserIDMissing)
	}
	u.mu.Lock()
	ready := (email && u.email != "") || (!email && u.phone != "")
	u.mu.Unlock()
	if !ready {
		return zerr(connect.CodeFailedPrecondition, IDOTPCheckNotReady, msgOTPNotReady)
	}
	want, expiry := w.pend.smsCode, w.pend.smsExpiry
	if email {
		want, expiry = w.pend.emailCode, w.pend.emailExpiry
	}
	if want == "" {
		return zerr(connect.CodeFailedPrecondition, IDOTPCodeNotFound, msgCodeNotFound)
	}
	match := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
	expired := w.nowUS > expiry
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, IDOTPLocked, msgUserLocked)
	}
	if expired || !match {
		u.failedOTP++
		s.lockout(u, u.failedOTP, s.cfg.maxOTP)
		if expired {
			return zerr(connect.CodeFailedPrecondition, IDOTPCodeExpired, msgCodeExpired)
		}
		return zerr(connect.CodeInvalidArgument, IDOTPCodeInvalid, msgCodeInvalid)
	}
	if email {
		w.pend.emailCode, w.pend.emailExpiry = "", 0
		w.factors[fOTPEmail] = w.nowUS
	} else {
		w.pend.smsCode, w.pend.smsExpiry = "", 0
		w.factors[fOTPSMS] = w.nowUS
	}
	w.events++
	w.commits = append(w.commits, func() { u.mu.Lock(); u.failedOTP = 0; u.mu.Unlock() })
	return nil
}

func (s *Server) checkRecovery(w *work, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, IDRecoveryNoUser, msgUserIDMissing)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, IDRecoveryLocked, msgUserLocked)
	}
	if len(u.recovery) == 0 {
		return zerr(connect.CodeFailedPrecondition, IDRecoveryNotReady, msgRecoveryNotReady)
	}
	idx := matchRecovery(u.recovery, code)
	if idx < 0 {
		u.failedOTP++
		s.lockout(u, u.failedOTP, s.cfg.maxOTP)
		return zerr(connect.CodeInvalidArgument, IDRecoveryInvalid, msgRecoveryInvalid)
	}
	used := u.recovery[idx]
	u.recovery = append(u.recovery[:idx:idx], u.recovery[idx+1:]...)
	w.aborts = append(w.aborts, func() {
		u.mu.Lock()
		u.recovery = append(u.recovery, used)
		u.mu.Unlock()
	})
	w.factors[fRecovery] = w.nowUS
	w.events++
	return nil
}

func randomDigits(n int) string {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			panic("sessiontest: crypto/rand failed")
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

func (s *Server) challengeOTP(w *work, email, returnCode bool, tmpl *template.Template) error {
	u := w.user
	if u == nil {
		if email {
			return zerr(connect.CodeFailedPrecondition, IDOTPEmailChallengeNoUser, msgUserIDMissing)
		}
		return zerr(connect.CodeFailedPrecondition, IDOTPSMSChallengeNoUser, msgUserIDMissing)
	}
	u.mu.Lock()
	phone, mail := u.phone, u.email
	u.mu.Unlock()
	if email && mail == "" {
		return zerr(connect.CodeFailedPrecondition, IDOTPEmailNotReady, msgOTPNotReady)
	}
	if !email && phone == "" {
		return zerr(connect.CodeFailedPrecondition, IDOTPSMSNotReady, msgOTPNotReady)
	}
	code := randomDigits(8)
	expiry := w.now.Add(s.cfg.otpCodeLifetime).UnixMicro()
	w.events++
	if email {
		w.pend.emailCode, w.pend.emailExpiry = code, expiry
		if returnCode {
			w.challenges.OtpEmail = &code
			return nil
		}
		data := &templateData{Code: code, UserID: u.id, LoginName: u.loginName, DisplayName: u.displayName, SessionID: w.id, PreferredLanguage: "en"}
		var url string
		if tmpl != nil {
			var b limitedBuilder
			if err := tmpl.Execute(&b, data); err == nil {
				url = b.String()
			}
		} else {
			url = "https://localhost/ui/v2/login/otp/email?code=" + code + "&sessionId=" + w.id
		}
		w.sends = append(w.sends, OutboxMessage{Channel: "email", UserID: u.id, SessionID: w.id, Code: code, URL: url, SentAt: w.now})
		return nil
	}
	w.pend.smsCode, w.pend.smsExpiry = code, expiry
	if returnCode {
		w.challenges.OtpSms = &code
		return nil
	}
	w.sends = append(w.sends, OutboxMessage{Channel: "sms", UserID: u.id, SessionID: w.id, Code: code, SentAt: w.now})
	return nil
}

func durationPtr(has bool, d time.Duration) *time.Duration {
	if !has {
		return nil
	}
	return &d
}

// prepareWrite runs the steps Create and Set share before the session is
// loaded, in Zitadel's order: request validation, resolving checks.user
// (NOT_FOUND / user not active before any permission check), and the
// test-rendering of an OTP email url_template.
func (s *Server) prepareWrite(req proto.Message, checks *sessionv2.Checks, challenges *sessionv2.RequestChallenges) (*userRec, *template.Template, error) {
	if err := validateRequest(req); err != nil {
		return nil, nil, err
	}
	resolved, err := s.resolveUser(checks)
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := checkURLTemplate(challenges)
	if err != nil {
		return nil, nil, err
	}
	return resolved, tmpl, nil
}

func (h *handler) CreateSession(ctx context.Context, req *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	s := h.s
	c := callerFrom(ctx)
	resolved, tmpl, err := s.prepareWrite(req, req.GetChecks(), req.GetChallenges())
	if err != nil {
		return nil, err
	}
	if err := c.checkPermission(permWrite, ""); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	num := s.newNum()
	w := &work{id: stringID(num), now: now, nowUS: now.UnixMicro(), events: 1}
	parts := requestParts{checks: req.GetChecks(), metadata: req.GetMetadata(), challenges: req.GetChallenges(),
		lifetime: durationPtr(req.Lifetime != nil, req.GetLifetime().AsDuration())}
	if err := s.run(w, parts, resolved, tmpl); err != nil {
		w.abort()
		return nil, err
	}
	ss := &session{num: num, creator: c.user.id, created: w.nowUS}
	ss.agent = convertUserAgent(req.GetUserAgent())
	s.commit(ss, w)
	tok := encodeToken(w.id, ss.tokenID)
	resp := &sessionv2.CreateSessionResponse{
		Details:      &objectv2.Details{Sequence: ss.sequence, ChangeDate: timestamppb.New(now), ResourceOwner: s.cfg.instanceID},
		SessionId:    w.id,
		SessionToken: tok,
		Challenges:   w.challenges,
	}
	s.insert(ss, now)
	s.flushSends(w)
	return resp, nil
}

func stringID(n uint64) string { return formatUint(n) }

// commit writes w into ss (caller holds ss.mu or ss is unpublished).
func (s *Server) commit(ss *session, w *work) {
	ss.user, ss.userGen = w.user, w.userGen
	ss.factors = w.factors
	if w.factors[fWebAuthN] != 0 {
		if w.uv {
			ss.flags |= flagWebAuthNUV
		} else {
			ss.flags &^= flagWebAuthNUV
		}
	}
	if w.metadata != nil {
		ss.metadata = w.metadata
	}
	ss.expiration = w.expiration
	if w.pend.empty() {
		ss.pend = nil
	} else {
		p := w.pend
		ss.pend = &p
	}
	ss.sequence += w.events + 1 // + token event
	ss.changed = w.nowUS
	ss.tokenID = newTokenID()
	for _, f := range w.commits {
		f()
	}
	s.processedSeq.Add(w.events + 1)
	s.lastWrite.Store(w.nowUS)
}

func (s *Server) flushSends(w *work) {
	for _, m := range w.sends {
		s.send(m)
	}
}

func convertUserAgent(ua *sessionv2.UserAgent) *userAgent {
	if ua == nil {
		return nil
	}
	out := &userAgent{}
	empty := true
	if ua.FingerprintId != nil && ua.GetFingerprintId() != "" {
		v := ua.GetFingerprintId()
		out.fingerprint, empty = &v, false
	}
	if ua.Ip != nil {
		if addr, err := netip.ParseAddr(ua.GetIp()); err == nil {
			v := addr.String()
			out.ip, empty = &v, false
		}
	}
	if ua.Description != nil && ua.GetDescription() != "" {
		v := ua.GetDescription()
		out.description, empty = &v, false
	}
	for k, hv := range ua.GetHeader() {
		if out.header == nil {
			out.header = make(map[string][]string, len(ua.GetHeader()))
		}
		out.header[k] = append([]string(nil), hv.GetValues()...)
		empty = false
	}
	if empty {
		return nil
	}
	return out
}

func (h *handler) SetSession(ctx context.Context, req *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	s := h.s
	c := callerFrom(ctx)
	resolved, tmpl, err := s.prepareWrite(req, req.GetChecks(), req.GetChallenges())
	if err != nil {
		return nil, err
	}
	parts := requestParts{checks: req.GetChecks(), metadata: req.GetMetadata(), challenges: req.GetChallenges(),
		lifetime: durationPtr(req.Lifetime != nil, req.GetLifetime().AsDuration())}
	ss := s.lookup(req.GetSessionId())
	if ss == nil {
		return s.setUnknown(c, req.GetSessionId(), parts, resolved, tmpl)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	org := ""
	if ss.user != nil {
		org = ss.user.orgID
	}
	if err := c.checkPermission(permWrite, org); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	if ss.flags&flagTerminated != 0 {
		return nil, zerr(connect.CodeFailedPrecondition, IDSessionTerminated, msgSessionTerminated)
	}
	if ss.expiration != 0 && ss.expiration < now.UnixMicro() {
		return nil, zerr(connect.CodeFailedPrecondition, IDSessionExpired, msgSessionExpired)
	}
	w := &work{id: req.GetSessionId(), now: now, nowUS: now.UnixMicro(), user: ss.user, userGen: ss.userGen,
		factors: ss.factors, uv: ss.flags&flagWebAuthNUV != 0, expiration: ss.expiration}
	if ss.pend != nil {
		w.pend = *ss.pend
	}
	if err := s.run(w, parts, resolved, tmpl); err != nil {
		w.abort()
		return nil, err
	}
	if w.events == 0 {
		return &sessionv2.SetSessionResponse{Details: s.details(ss), Challenges: w.challenges}, nil
	}
	if ss.user != nil && w.user == ss.user && !ss.visible() {
		w.userGen = ss.userGen // stays hidden
	}
	hidden := ss.flags & flagHidden
	s.commit(ss, w)
	ss.flags |= hidden
	resp := &sessionv2.SetSessionResponse{Details: s.details(ss), SessionToken: encodeToken(w.id, ss.tokenID), Challenges: w.challenges}
	s.flushSends(w)
	return resp, nil
}

// setUnknown reproduces Zitadel's SetSession on an id that does not exist:
// the permission check runs at instance level, nothing is stored.
func (s *Server) setUnknown(c *caller, id string, parts requestParts, resolved *userRec, tmpl *template.Template) (*sessionv2.SetSessionResponse, error) {
	if err := c.checkPermission(permWrite, ""); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	w := &work{id: id, now: now, nowUS: now.UnixMicro()}
	if err := s.run(w, parts, resolved, tmpl); err != nil {
		w.abort()
		return nil, err
	}
	if w.events == 0 {
		return &sessionv2.SetSessionResponse{Details: &objectv2.Details{}, Challenges: w.challenges}, nil
	}
	for _, f := range w.commits {
		f()
	}
	return &sessionv2.SetSessionResponse{
		Details:      &objectv2.Details{Sequence: w.events + 1, ChangeDate: timestamppb.New(now), ResourceOwner: s.cfg.instanceID},
		SessionToken: encodeToken(id, newTokenID()),
		Challenges:   w.challenges,
	}, nil
}

func (s *Server) details(ss *session) *objectv2.Details {
	d := &objectv2.Details{Sequence: ss.sequence, ResourceOwner: s.cfg.instanceID}
	if ss.changed != 0 {
		d.ChangeDate = timestamppb.New(fromMicros(ss.changed))
	}
	return d
}

func (h *handler) GetSession(ctx context.Context, req *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error) {
	s := h.s
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	ss := s.lookup(req.GetSessionId())
	if ss == nil {
		return nil, zerr(connect.CodeNotFound, IDSessionNotExisting, msgSessionNotExisting)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.visible() {
		return nil, zerr(connect.CodeNotFound, IDSessionNotExisting, msgSessionNotExisting)
	}
	if req.SessionToken != nil {
		if !tokenMatches(ss, req.GetSessionId(), req.GetSessionToken()) {
			return nil, zerr(connect.CodePermissionDenied, IDSessionTokenPermission, msgPermissionDenied)
		}
	} else if !freeRead(c, ss) {
		if err := c.checkPermission(permRead, orgOf(ss)); err != nil {
			return nil, err
		}
	}
	return &sessionv2.GetSessionResponse{Session: s.toProto(ss, req.GetSessionId())}, nil
}

func orgOf(ss *session) string {
	if ss.user != nil {
		return ss.user.orgID
	}
	return ""
}

// freeRead: creator, session user, or same user agent fingerprint.
func freeRead(c *caller, ss *session) bool {
	if c.user.id != "" && (ss.creator == c.user.id || (ss.user != nil && ss.user.id == c.user.id)) {
		return true
	}
	return c.agent != "" && ss.agent != nil && ss.agent.fingerprint != nil && *ss.agent.fingerprint == c.agent
}

func (s *Server) toProto(ss *session, id string) *sessionv2.Session {
	out := &sessionv2.Session{
		Id:           id,
		CreationDate: timestamppb.New(fromMicros(ss.created)),
		ChangeDate:   timestamppb.New(fromMicros(ss.changed)),
		Sequence:     ss.sequence,
		Metadata:     make(map[string][]byte, len(ss.metadata)),
	}
	for k, v := range ss.metadata {
		out.Metadata[k] = append([]byte(nil), v...)
	}
	if ss.expiration != 0 {
		out.ExpirationDate = timestamppb.New(fromMicros(ss.expiration))
	}
	if a := ss.agent; a != nil {
		ua := &sessionv2.UserAgent{FingerprintId: a.fingerprint, Ip: a.ip, Description: a.description}
		for k, v := range a.header {
			if ua.Header == nil {
				ua.Header = make(map[string]*sessionv2.UserAgent_HeaderValues, len(a.header))
			}
			ua.Header[k] = &sessionv2.UserAgent_HeaderValues{Values: append([]string(nil), v...)}
		}
		out.UserAgent = ua
	}
	if ss.user != nil {
		f := &sessionv2.Factors{User: &sessionv2.UserFactor{
			VerifiedAt: timestamppb.New(fromMicros(ss.factors[fUser])), Id: ss.user.id,
			LoginName: ss.user.loginName, DisplayName: ss.user.displayName, OrganizationId: ss.user.orgID,
		}}
		ts := func(i int) *timestamppb.Timestamp {
			if ss.factors[i] == 0 {
				return nil
			}
			return timestamppb.New(fromMicros(ss.factors[i]))
		}
		if t := ts(fPassword); t != nil {
			f.Password = &sessionv2.PasswordFactor{VerifiedAt: t}
		}
		if t := ts(fIntent); t != nil {
			f.Intent = &sessionv2.IntentFactor{VerifiedAt: t}
		}
		if t := ts(fWebAuthN); t != nil {
			f.WebAuthN = &sessionv2.WebAuthNFactor{VerifiedAt: t, UserVerified: ss.flags&flagWebAuthNUV != 0}
		}
		if t := ts(fTOTP); t != nil {
			f.Totp = &sessionv2.TOTPFactor{VerifiedAt: t}
		}
		if t := ts(fOTPSMS); t != nil {
			f.OtpSms = &sessionv2.OTPFactor{VerifiedAt: t}
		}
		if t := ts(fOTPEmail); t != nil {
			f.OtpEmail = &sessionv2.OTPFactor{VerifiedAt: t}
		}
		if t := ts(fRecovery); t != nil {
			f.RecoveryCode = &sessionv2.RecoveryCodeFactor{VerifiedAt: t}
		}
		out.Factors = f
	}
	return out
}

func (h *handler) DeleteSession(ctx context.Context, req *sessionv2.DeleteSessionRequest) (*sessionv2.DeleteSessionResponse, error) {
	s := h.s
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	id := req.GetSessionId()
	tok := req.GetSessionToken()
	ss := s.lookup(id)
	if ss == nil {
		if tok != "" {
			return nil, zerr(connect.CodePermissionDenied, IDDeleteTokenInvalid, msgSessionTokenInvalid)
		}
		if err := c.checkPermission(permDelete, ""); err != nil {
			return nil, err
		}
		return &sessionv2.DeleteSessionResponse{Details: &objectv2.Details{}}, nil
	}
	var terminatedNow time.Time
	defer func() { // runs after ss.mu is released
		if !terminatedNow.IsZero() {
			s.noteWrite(s.shardFor(ss.num), terminatedNow)
		}
	}()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if tok != "" {
		if !tokenMatches(ss, id, tok) {
			return nil, zerr(connect.CodePermissionDenied, IDDeleteTokenInvalid, msgSessionTokenInvalid)
		}
	} else if ss.user == nil || ss.user.id != c.user.id {
		if err := c.checkPermission(permDelete, orgOf(ss)); err != nil {
			return nil, err
		}
	}
	if ss.flags&flagTerminated == 0 {
		now := s.clock.Now().UTC().Truncate(time.Microsecond)
		ss.flags |= flagTerminated
		ss.terminated = now.UnixMicro()
		ss.changed = ss.terminated
		ss.sequence++
		ss.metadata, ss.agent, ss.pend = nil, nil, nil
		s.processedSeq.Add(1)
		s.lastWrite.Store(ss.changed)
		terminatedNow = now
	}
	return &sessionv2.DeleteSessionResponse{Details: s.details(ss)}, nil
}

type listRow struct {
	num     uint64
	created int64
	ss      *session
}

func (h *handler) ListSessions(ctx context.Context, req *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	s := h.s
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	filters := make([]func(*session) bool, 0, len(req.GetQueries()))
	for _, q := range req.GetQueries() {
		f, err := buildFilter(c, q)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	var rows []listRow
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for n, ss := range sh.sessions {
			ss.mu.Lock()
			ok := ss.visible()
			for _, f := range filters {
				if !ok {
					break
				}
				ok = f(ss)
			}
			created := ss.created
			ss.mu.Unlock()
			if ok {
				rows = append(rows, listRow{num: n, created: created, ss: ss})
			}
		}
		sh.mu.RUnlock()
	}
	q := req.GetQuery()
	if req.GetSortingColumn() == sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE {
		asc := q.GetAsc()
		sort.Slice(rows, func(i, j int) bool {
			a, b := rows[i], rows[j]
			if a.created != b.created {
				return (a.created < b.created) == asc
			}
			return (a.num < b.num) == asc
		})
	} else {
		sort.Slice(rows, func(i, j int) bool { return rows[i].num < rows[j].num })
	}
	total := uint64(len(rows))
	off := q.GetOffset()
	if off >= total {
		rows = nil
	} else {
		rows = rows[off:]
	}
	if lim := uint64(q.GetLimit()); lim > 0 && uint64(len(rows)) > lim {
		rows = rows[:lim]
	}
	if len(rows) == 0 {
		total = 0
	}
	resp := &sessionv2.ListSessionsResponse{Details: &objectv2.ListDetails{TotalResult: total, ProcessedSequence: s.processedSeq.Load()}, Sessions: []*sessionv2.Session{}}
	if lw := s.lastWrite.Load(); lw != 0 {
		resp.Details.Timestamp = timestamppb.New(fromMicros(lw))
	}
	for _, r := range rows {
		r.ss.mu.Lock()
		if r.ss.visible() && (freeRead(c, r.ss) || c.hasPermission(permRead, orgOf(r.ss))) {
			resp.Sessions = append(resp.Sessions, s.toProto(r.ss, formatUint(r.num)))
		}
		r.ss.mu.Unlock()
	}
	return resp, nil
}

func compareTime(method zitadelv1.TimestampQueryMethod, v, ref int64) bool {
	switch method {
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER:
		return v > ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS:
		return v >= ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS:
		return v < ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS:
		return v <= ref
	default:
		return v == ref
	}
}

func buildFilter(c *caller, q *sessionv2.SearchQuery) (func(*session) bool, error) {
	switch x := q.GetQuery().(type) {
	case *sessionv2.SearchQuery_IdsQuery:
		set := make(map[uint64]struct{}, len(x.IdsQuery.GetIds()))
		for _, id := range x.IdsQuery.GetIds() {
			if n, ok := parseSessionID(id); ok {
				set[n] = struct{}{}
			}
		}
		return func(ss *session) bool { _, ok := set[ss.num]; return ok }, nil
	case *sessionv2.SearchQuery_UserIdQuery:
		id := x.UserIdQuery.GetId()
		return func(ss *session) bool { return ss.user != nil && ss.user.id == id }, nil
	case *sessionv2.SearchQuery_CreationDateQuery:
		ref := x.CreationDateQuery.GetCreationDate().AsTime().Truncate(time.Microsecond).UnixMicro()
		m := x.CreationDateQuery.GetMethod()
		return func(ss *session) bool { return compareTime(m, ss.created, ref) }, nil
	case *sessionv2.SearchQuery_CreatorQuery:
		id := c.user.id
		if x.CreatorQuery != nil && x.CreatorQuery.Id != nil {
			if x.CreatorQuery.GetId() == "" {
				return nil, zerr(connect.CodeInvalidArgument, IDListCreatorInvalid, msgListQueryInvalid)
			}
			id = x.CreatorQuery.GetId()
		}
		return func(ss *session) bool { return ss.creator == id }, nil
	case *sessionv2.SearchQuery_UserAgentQuery:
		fp := c.agent
		if x.UserAgentQuery != nil && x.UserAgentQuery.FingerprintId != nil {
			fp = x.UserAgentQuery.GetFingerprintId()
		}
		if fp == "" {
			return nil, zerr(connect.CodeInvalidArgument, IDListUserAgentInvalid, msgListQueryInvalid)
		}
		return func(ss *session) bool {
			return ss.agent != nil && ss.agent.fingerprint != nil && *ss.agent.fingerprint == fp
		}, nil
	case *sessionv2.SearchQuery_ExpirationDateQuery:
		ref := x.ExpirationDateQuery.GetExpirationDate().AsTime().Truncate(time.Microsecond).UnixMicro()
		m := x.ExpirationDateQuery.GetMethod()
		orNone := m == zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER || m == zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS
		return func(ss *session) bool {
			if ss.expiration == 0 {
				return orNone
			}
			return compareTime(m, ss.expiration, ref)
		}, nil
	}
	return func(*session) bool { return false }, nil
}
