package sessiontest

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"math/big"
	"strings"
	"text/template"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// This file holds the checks and challenges of CreateSession and SetSession.
// Zitadel evaluates a Create or Set in this order: (1) request validation,
// (2) resolving checks.user, before the permission check and before the
// session is loaded, (3) test-rendering the OTP email URL template, (4)
// loading the session and checking session.write, (5) on Set, refusing a
// terminated or expired session, (6) the checks in a fixed order: user,
// password, IdP intent, WebAuthn, TOTP, OTP SMS, OTP email, recovery code,
// (7) the challenges: WebAuthn, OTP SMS, OTP email, (8) metadata, then
// lifetime; the first failure aborts the request and nothing of it is
// stored. This file does steps 2, 3 and 6–8. Everything here runs with
// store.mu held, except checkURLTemplate and precheckPassword.

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
	password   *passwordVerdict
}

func (w *work) abort() {
	for i := len(w.aborts) - 1; i >= 0; i-- {
		w.aborts[i]()
	}
}

// requestParts are the parts Create and Set share.
type requestParts struct {
	checks     *sessionv2.Checks
	metadata   map[string][]byte
	challenges *sessionv2.RequestChallenges
	lifetime   *time.Duration
}

// findUser looks checks.user up as Zitadel's user projection would answer
// at now: by ID, or by login name (case-insensitive, not trimmed); users
// added within the projection lag are not found yet.
func (s *Server) findUser(cu *sessionv2.CheckUser, now int64) *userRec {
	var u *userRec
	switch x := cu.GetSearch().(type) {
	case *sessionv2.CheckUser_UserId:
		u = s.usersByID[x.UserId]
	case *sessionv2.CheckUser_LoginName:
		u = s.usersByLogin[strings.ToLower(x.LoginName)]
	}
	if u != nil && now < u.added+s.cfg.userLag.Microseconds() {
		return nil
	}
	return u
}

// resolveUser is step 2 of the order above: it resolves checks.user before
// the permission check and before the session is loaded.
func (s *Server) resolveUser(c *sessionv2.Checks, now int64) (*userRec, error) {
	cu := c.GetUser()
	if cu == nil {
		return nil, nil
	}
	u := s.findUser(cu, now)
	if u == nil {
		return nil, zerr(connect.CodeNotFound, zitadelerr.UserNotFound, keyUserNotFound)
	}
	if st := u.visibleState(now, s.cfg.userLag); st != UserStateActive && st != UserStateInitial {
		return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.UserNotActive, keyUserNotActive)
	}
	return u, nil
}

// passwordVerdict is a bcrypt comparison made before the store lock is
// taken, so that concurrent password checks do not wait for each other.
type passwordVerdict struct {
	hash []byte
	ok   bool
}

// precheckPassword compares the password of checks.password with the hash
// of the user it will most likely be checked against (the user of
// checks.user, else the session's), outside the store lock. checkPassword
// uses the verdict only if the hash is still the same.
func (s *Server) precheckPassword(c *sessionv2.Checks, sessionID string) *passwordVerdict {
	pw := c.GetPassword()
	if pw == nil {
		return nil
	}
	s.mu.Lock()
	var u *userRec
	if cu := c.GetUser(); cu != nil {
		u = s.findUser(cu, micros(s.clock.Now()))
	} else if ss := s.lookup(sessionID); ss != nil {
		u = ss.user
	}
	var hash []byte
	if u != nil {
		hash = u.passwordHash
	}
	s.mu.Unlock()
	if len(hash) == 0 {
		return nil
	}
	return &passwordVerdict{hash: hash, ok: bcrypt.CompareHashAndPassword(hash, []byte(pw.GetPassword())) == nil}
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

// checkURLTemplate is step 3 of the order above: it test-renders the OTP
// email URL template, so that a broken one fails before anything else.
func checkURLTemplate(rc *sessionv2.RequestChallenges) (*template.Template, error) {
	sc := rc.GetOtpEmail().GetSendCode()
	if sc == nil || sc.UrlTemplate == nil {
		return nil, nil
	}
	t, err := template.New("url").Parse(sc.GetUrlTemplate())
	if err != nil {
		return nil, zerr(connect.CodeInvalidArgument, zitadelerr.URLTemplateParse, keyInvalidURLTemplate)
	}
	var b limitedBuilder
	if err := t.Execute(&b, &templateData{Code: "12345678", UserID: "user", LoginName: "login", DisplayName: "name", SessionID: "session", PreferredLanguage: "en"}); err != nil {
		return nil, zerr(connect.CodeInvalidArgument, zitadelerr.URLTemplateExecute, keyInvalidURLTemplate)
	}
	return t, nil
}

// run performs steps 6–8 of the order above (checks, challenges, metadata
// and lifetime) on w.
func (s *Server) run(w *work, p requestParts, resolved *userRec, tmpl *template.Template) error {
	c := p.checks
	if c.GetUser() != nil {
		if w.user != nil && w.user != resolved {
			return zerr(connect.CodeInvalidArgument, zitadelerr.UserChangeNotPossible, textUserChange)
		}
		if w.user == nil {
			w.userGen = resolved.gen
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

// failed counts a failed check on u and locks u when the count reaches
// limit (0 = never).
func (s *Server) failed(u *userRec, counter *int32, limit int, now int64) int32 {
	*counter++
	if limit > 0 && int(*counter) >= limit && u.state != UserStateLocked {
		s.lock(u, now)
	}
	return *counter
}

func (s *Server) checkPassword(w *work, password string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.PasswordNoUser, keyUserIDMissing)
	}
	if u.removed || u.machine {
		// Zitadel's password check reads a human user; a machine user is "not found"
		return zerr(connect.CodeFailedPrecondition, zitadelerr.PasswordUserGone, keyUserNotFound)
	}
	if u.state == UserStateLocked {
		return credErr(connect.CodeFailedPrecondition, zitadelerr.PasswordLocked, keyUserLocked, u.failedPassword)
	}
	if len(u.passwordHash) == 0 {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.PasswordNotSet, keyPasswordNotSet)
	}
	var ok bool
	if v := w.password; v != nil && len(v.hash) > 0 && &v.hash[0] == &u.passwordHash[0] {
		ok = v.ok
	} else {
		ok = bcrypt.CompareHashAndPassword(u.passwordHash, []byte(password)) == nil
	}
	if !ok {
		fa := s.failed(u, &u.failedPassword, s.lockoutPolicy(u).MaxPasswordAttempts, w.nowUS)
		return credErr(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, keyPasswordInvalid, fa)
	}
	w.factors[fPassword] = w.nowUS
	w.events++
	w.commits = append(w.commits, func() { u.failedPassword = 0 })
	return nil
}

func (s *Server) checkIntent(w *work, id, token string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.IntentNoUser, keyUserIDMissing)
	}
	if token == "" {
		return zerr(connect.CodePermissionDenied, zitadelerr.IntentTokenEmpty, keyIntentInvalidToken)
	}
	if _, err := decodeIntentToken(token); err != nil {
		return zerr(connect.CodePermissionDenied, zitadelerr.IntentTokenNotBase64, keyIntentInvalidToken)
	}
	rec := s.intents[id]
	if rec == nil || subtle.ConstantTimeCompare([]byte(rec.token), []byte(token)) != 1 {
		if other := s.intentByToken(token); other != nil {
			return zerr(connect.CodePermissionDenied, zitadelerr.IntentTokenOtherIntent, keyIntentInvalidToken)
		}
		return zerr(connect.CodePermissionDenied, zitadelerr.IntentTokenUndecryptable, keyIntentInvalidToken)
	}
	if rec.state != IntentSucceeded {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.IntentNotSucceeded, keyIntentNotSucceeded)
	}
	if w.now.After(rec.expiry) {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.IntentExpired, keyIntentExpired)
	}
	if rec.userID != "" {
		if rec.userID != u.id {
			return zerr(connect.CodeFailedPrecondition, zitadelerr.IntentOtherUser, keyIntentOtherUser)
		}
	} else {
		linked := false
		for _, l := range u.links {
			linked = linked || (l.idpID == rec.idpID && l.idpUserID == rec.idpUserID)
		}
		if !linked {
			return zerr(connect.CodeFailedPrecondition, zitadelerr.IntentOtherUser, keyIntentOtherUser)
		}
	}
	// consume now (single use); restored if the request fails later
	rec.state = IntentConsumed
	w.aborts = append(w.aborts, func() { rec.state = IntentSucceeded })
	w.factors[fIntent] = w.nowUS
	w.events++
	return nil
}

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func (s *Server) checkTOTP(w *work, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, zitadelerr.TOTPNoUser, keyUserIDMissing)
	}
	if u.totpSecret == "" {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.TOTPNotReady, keyOTPNotReady)
	}
	valid, err := totp.ValidateCustom(code, u.totpSecret, w.now, totpOpts)
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.TOTPLocked, keyUserLocked)
	}
	if err != nil || !valid {
		s.failed(u, &u.failedOTP, s.lockoutPolicy(u).MaxOTPAttempts, w.nowUS)
		return zerr(connect.CodeInvalidArgument, zitadelerr.TOTPInvalid, keyOTPInvalidCode)
	}
	w.factors[fTOTP] = w.nowUS
	w.events++
	w.commits = append(w.commits, func() { u.failedOTP = 0 })
	return nil
}

func (s *Server) checkOTP(w *work, email bool, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, zitadelerr.OTPCheckNoUser, keyUserIDMissing)
	}
	if (email && u.email == "") || (!email && u.phone == "") {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPCheckNotReady, keyOTPNotReady)
	}
	want, expiry := w.pend.smsCode, w.pend.smsExpiry
	if email {
		want, expiry = w.pend.emailCode, w.pend.emailExpiry
	}
	if want == "" {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPCodeNotFound, keyCodeNotFound)
	}
	match := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
	expired := w.nowUS > expiry
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPLocked, keyUserLocked)
	}
	if expired || !match {
		s.failed(u, &u.failedOTP, s.lockoutPolicy(u).MaxOTPAttempts, w.nowUS)
		if expired {
			return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPCodeExpired, keyCodeExpired)
		}
		return zerr(connect.CodeInvalidArgument, zitadelerr.OTPCodeInvalid, keyCodeInvalid)
	}
	if email {
		w.pend.emailCode, w.pend.emailExpiry = "", 0
		w.factors[fOTPEmail] = w.nowUS
	} else {
		w.pend.smsCode, w.pend.smsExpiry = "", 0
		w.factors[fOTPSMS] = w.nowUS
	}
	w.events++
	w.commits = append(w.commits, func() { u.failedOTP = 0 })
	return nil
}

func (s *Server) checkRecovery(w *work, code string) error {
	u := w.user
	if u == nil {
		return zerr(connect.CodeInvalidArgument, zitadelerr.RecoveryNoUser, keyUserIDMissing)
	}
	if u.state == UserStateLocked {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.RecoveryLocked, keyUserLocked)
	}
	if len(u.recovery) == 0 {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.RecoveryNotReady, keyRecoveryNotReady)
	}
	idx := matchRecovery(u.recovery, code)
	if idx < 0 {
		s.failed(u, &u.failedOTP, s.lockoutPolicy(u).MaxOTPAttempts, w.nowUS)
		return zerr(connect.CodeInvalidArgument, zitadelerr.RecoveryInvalid, keyRecoveryInvalid)
	}
	used := u.recovery[idx]
	u.recovery = append(u.recovery[:idx:idx], u.recovery[idx+1:]...)
	w.aborts = append(w.aborts, func() { u.recovery = append(u.recovery, used) })
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
			return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPEmailChallengeNoUser, keyUserIDMissing)
		}
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPSMSChallengeNoUser, keyUserIDMissing)
	}
	if email && u.email == "" {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPEmailNotReady, keyOTPNotReady)
	}
	if !email && u.phone == "" {
		return zerr(connect.CodeFailedPrecondition, zitadelerr.OTPSMSNotReady, keyOTPNotReady)
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
