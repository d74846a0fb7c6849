package sessiontest

import (
	"context"
	"net/netip"
	"text/template"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// This file holds the SessionService handlers except ListSessions
// (lists.go). Create and Set evaluate a request in Zitadel's order (see
// checks.go).

type handler struct {
	sessionv2connect.UnimplementedSessionServiceHandler
	s *Server
}

func durationPtr(has bool, d time.Duration) *time.Duration {
	if !has {
		return nil
	}
	return &d
}

// now returns the server clock at microsecond precision (Zitadel stores
// microseconds).
func (s *Server) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// writePrep is what CreateSession and SetSession check before they take the
// store's lock: the URL template (its error is reported only after the user
// check, as in Zitadel) and the password hash comparison (bcrypt runs outside
// the lock).
type writePrep struct {
	tmpl     *template.Template
	tmplErr  error
	password *passwordVerdict
}

// prepareWrite runs the steps Create and Set share before the lock: request
// validation, the metadata limits, the URL template and the password
// precheck.
func (s *Server) prepareWrite(req proto.Message, md map[string][]byte, checks *sessionv2.Checks, challenges *sessionv2.RequestChallenges, sessionID string) (writePrep, error) {
	if err := validateRequest(req); err != nil {
		return writePrep{}, err
	}
	if err := s.checkMetadataLimits(md); err != nil {
		return writePrep{}, err
	}
	tmpl, tmplErr := checkURLTemplate(challenges)
	return writePrep{tmpl: tmpl, tmplErr: tmplErr, password: s.precheckPassword(checks, sessionID)}, nil
}

// resolveWrite runs, under s.mu, the steps Create and Set share after taking
// the lock: the user check, then the URL template's error.
func (s *Server) resolveWrite(p writePrep, checks *sessionv2.Checks, now time.Time) (*userRec, error) {
	resolved, err := s.resolveUser(checks, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	if p.tmplErr != nil {
		return nil, p.tmplErr
	}
	return resolved, nil
}

func (h *handler) CreateSession(ctx context.Context, req *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	s := h.s
	c := callerFrom(ctx)
	prep, err := s.prepareWrite(req, req.GetMetadata(), req.GetChecks(), req.GetChallenges(), "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	resolved, err := s.resolveWrite(prep, req.GetChecks(), now)
	if err != nil {
		return nil, err
	}
	tmpl, pw := prep.tmpl, prep.password
	if err := c.checkPermission(permWrite, ""); err != nil {
		return nil, err
	}
	num := s.newNum()
	w := &work{id: formatUint(num), now: now, nowUS: now.UnixMicro(), events: 1, password: pw}
	parts := requestParts{checks: req.GetChecks(), metadata: req.GetMetadata(), challenges: req.GetChallenges(),
		lifetime: durationPtr(req.Lifetime != nil, req.GetLifetime().AsDuration())}
	if err := s.run(w, parts, resolved, tmpl); err != nil {
		w.abort()
		return nil, err
	}
	ss := &session{num: num, creator: c.user.id, created: w.nowUS, agent: convertUserAgent(req.GetUserAgent())}
	s.commit(ss, w)
	s.sessions[num] = ss
	return &sessionv2.CreateSessionResponse{
		Details:      &objectv2.Details{Sequence: ss.sequence, ChangeDate: timestamppb.New(now), ResourceOwner: s.cfg.instanceID},
		SessionId:    w.id,
		SessionToken: encodeToken(w.id, ss.tokenID),
		Challenges:   w.challenges,
	}, nil
}

// commit writes w into ss, sends its OTP messages and records the write
// (caller holds mu).
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
	for _, m := range w.sends {
		s.send(m)
	}
	s.noteWrite(w.now)
}

// convertUserAgent keeps what was sent: a field sent as "" is stored as ""
// (only a user agent without any field, or with nothing but an unparsable
// ip, is stored as none), as Zitadel does.
func convertUserAgent(ua *sessionv2.UserAgent) *userAgent {
	if ua == nil {
		return nil
	}
	out := &userAgent{fingerprint: ua.FingerprintId, description: ua.Description}
	if ua.Ip != nil {
		if addr, err := netip.ParseAddr(ua.GetIp()); err == nil {
			v := addr.String()
			out.ip = &v
		}
	}
	for k, hv := range ua.GetHeader() {
		if out.header == nil {
			out.header = make(map[string][]string, len(ua.GetHeader()))
		}
		out.header[k] = append([]string(nil), hv.GetValues()...)
	}
	if out.fingerprint == nil && out.ip == nil && out.description == nil && out.header == nil {
		return nil
	}
	if out.fingerprint != nil {
		v := *out.fingerprint
		out.fingerprint = &v
	}
	if out.description != nil {
		v := *out.description
		out.description = &v
	}
	return out
}

func (h *handler) SetSession(ctx context.Context, req *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	s := h.s
	c := callerFrom(ctx)
	prep, err := s.prepareWrite(req, req.GetMetadata(), req.GetChecks(), req.GetChallenges(), req.GetSessionId())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	resolved, err := s.resolveWrite(prep, req.GetChecks(), now)
	if err != nil {
		return nil, err
	}
	tmpl, pw := prep.tmpl, prep.password
	parts := requestParts{checks: req.GetChecks(), metadata: req.GetMetadata(), challenges: req.GetChallenges(),
		lifetime: durationPtr(req.Lifetime != nil, req.GetLifetime().AsDuration())}
	w := &work{id: req.GetSessionId(), now: now, nowUS: now.UnixMicro(), password: pw}
	ss := s.lookup(req.GetSessionId())
	if ss == nil {
		return s.setUnknown(c, w, parts, resolved, tmpl)
	}
	if err := c.checkPermission(permWrite, orgOf(ss)); err != nil {
		return nil, err
	}
	if ss.flags&flagTerminated != 0 {
		return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.SessionTerminated, keySessionTerminated)
	}
	if ss.expiration != 0 && ss.expiration < w.nowUS {
		return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.SessionExpired, keySessionExpired)
	}
	w.user, w.userGen, w.factors, w.uv, w.expiration = ss.user, ss.userGen, ss.factors, ss.flags&flagWebAuthNUV != 0, ss.expiration
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
	return &sessionv2.SetSessionResponse{Details: s.details(ss), SessionToken: encodeToken(w.id, ss.tokenID), Challenges: w.challenges}, nil
}

// setUnknown reproduces Zitadel's SetSession on an id that does not exist:
// the permission check runs at instance level, nothing is stored.
func (s *Server) setUnknown(c *caller, w *work, parts requestParts, resolved *userRec, tmpl *template.Template) (*sessionv2.SetSessionResponse, error) {
	if err := c.checkPermission(permWrite, ""); err != nil {
		return nil, err
	}
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
		Details:      &objectv2.Details{Sequence: w.events + 1, ChangeDate: timestamppb.New(w.now), ResourceOwner: s.cfg.instanceID},
		SessionToken: encodeToken(w.id, newTokenID()),
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
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.lookup(req.GetSessionId())
	if ss == nil || !ss.visible() {
		return nil, zerr(connect.CodeNotFound, zitadelerr.SessionNotExisting, keySessionNotExisting)
	}
	if req.SessionToken != nil {
		if !tokenMatches(ss, req.GetSessionId(), req.GetSessionToken()) {
			return nil, zerr(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission, keyPermissionDenied)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.lookup(id)
	if ss == nil {
		if tok != "" {
			return nil, zerr(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid, keySessionTokenInvalid)
		}
		if err := c.checkPermission(permDelete, ""); err != nil {
			return nil, err
		}
		return &sessionv2.DeleteSessionResponse{Details: &objectv2.Details{}}, nil
	}
	if tok != "" {
		if !tokenMatches(ss, id, tok) {
			return nil, zerr(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid, keySessionTokenInvalid)
		}
	} else if ss.user == nil || ss.user.id != c.user.id {
		if err := c.checkPermission(permDelete, orgOf(ss)); err != nil {
			return nil, err
		}
	}
	s.terminate(ss)
	return &sessionv2.DeleteSessionResponse{Details: s.details(ss)}, nil
}

// terminate ends ss (a no-op when it has ended already), for DeleteSession
// and end_session alike. The caller holds s.mu.
func (s *Server) terminate(ss *session) {
	if ss.flags&flagTerminated != 0 {
		return
	}
	now := s.now()
	ss.flags |= flagTerminated
	ss.terminated = now.UnixMicro()
	ss.changed = ss.terminated
	ss.sequence++
	ss.pend = nil
	if s.cfg.listLag == 0 { // else lists still show it for a while
		ss.metadata, ss.agent = nil, nil
	}
	s.noteWrite(now)
}
