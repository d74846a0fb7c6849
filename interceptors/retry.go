package interceptors

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	"github.com/sessionkit/zitadel-session-go/internal/connerr"
)

// Read-only procedures of the Zitadel services this module speaks. Their
// protos declare no idempotency level, so [SafeToRetry] names them.
const (
	procedureGetSession     = "/zitadel.session.v2.SessionService/GetSession"
	procedureListSessions   = "/zitadel.session.v2.SessionService/ListSessions"
	procedureGetAuthRequest = "/zitadel.oidc.v2.OIDCService/GetAuthRequest"
	procedureGetSAMLRequest = "/zitadel.saml.v2.SAMLService/GetSAMLRequest"
)

// Procedures [Retry] never repeats, whatever the policy says: their checks
// (password, codes) count toward the user's lockout, and a repeated check
// could lock the user or verify a code twice.
const (
	procedureCreateSession = "/zitadel.session.v2.SessionService/CreateSession"
	procedureSetSession    = "/zitadel.session.v2.SessionService/SetSession"
)

// SafeToRetry reports whether a call of spec's method can be sent again
// without another effect than the first: its proto declares
// idempotency_level NO_SIDE_EFFECTS or IDEMPOTENT (spec.IdempotencyLevel, as
// connect-go's generated code fills it in), or it is a read-only method of
// the Zitadel services this module speaks, whose protos declare no level:
// SessionService GetSession and ListSessions, OIDCService GetAuthRequest and
// SAMLService GetSAMLRequest. It is the default of
// [RetryPolicy].Retryable.
func SafeToRetry(spec connect.Spec) bool {
	switch spec.IdempotencyLevel {
	case connect.IdempotencyNoSideEffects, connect.IdempotencyIdempotent:
		return true
	}
	switch spec.Procedure {
	case procedureGetSession, procedureListSessions, procedureGetAuthRequest, procedureGetSAMLRequest:
		return true
	}
	return false
}

// RetryProcedures returns a [RetryPolicy].Retryable that allows exactly the
// given procedures ("/package.Service/Method", e.g. the generated
// …Procedure constants), for clients of services whose protos declare no
// idempotency level.
func RetryProcedures(procedures ...string) func(connect.Spec) bool {
	set := make(map[string]bool, len(procedures))
	for _, p := range procedures {
		set[p] = true
	}
	return func(spec connect.Spec) bool { return set[spec.Procedure] }
}

// RetryPolicy configures [Retry]. The zero value is usable: every zero field
// takes the value documented on it.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, including the first.
	// Zero means 3; 1 (or less than zero) disables retries.
	MaxAttempts int
	// InitialBackoff is the delay before the first retry. Zero means 100ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the delay between attempts. Zero means 2s.
	MaxBackoff time.Duration
	// Multiplier grows the delay after each retry. Zero (or less than 1)
	// means 2.
	Multiplier float64
	// Jitter randomizes each delay by up to ±Jitter of its value, so
	// concurrent clients do not retry in lockstep. Zero means 0.2; a
	// negative value disables jitter; values above 1 are capped at 1.
	Jitter float64
	// RetryableCodes are the error codes that trigger a retry. Nil means
	// [connect.CodeUnavailable] (Zitadel or a proxy is temporarily down) and
	// [connect.CodeResourceExhausted] (rate limit or quota). DeadlineExceeded
	// is deliberately not retried by default: it usually means the caller's
	// own deadline, which a retry cannot meet, or a server-side timeout that
	// would most likely recur. A retry never happens once the call's
	// context is done, whatever the codes.
	RetryableCodes []connect.Code
	// Retryable decides per method whether a failed call may be sent
	// again. Nil means [SafeToRetry]; [RetryProcedures] names procedures.
	// Whatever it says, streaming calls and SessionService CreateSession and
	// SetSession (whose password and code checks count toward the user's
	// lockout) are never retried.
	Retryable func(connect.Spec) bool
}

// DefaultRetryableCodes are the codes [Retry] retries when
// RetryPolicy.RetryableCodes is nil.
var DefaultRetryableCodes = []connect.Code{connect.CodeUnavailable, connect.CodeResourceExhausted}

func (p RetryPolicy) normalized() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 3
	}
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 2 * time.Second
	}
	if p.MaxBackoff < p.InitialBackoff {
		p.MaxBackoff = p.InitialBackoff
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = 0.2
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.RetryableCodes == nil {
		p.RetryableCodes = DefaultRetryableCodes
	}
	if p.Retryable == nil {
		p.Retryable = SafeToRetry
	}
	p.RetryableCodes = slices.Clone(p.RetryableCodes)
	return p
}

// backoff returns the delay before retry number n (1 for the first retry).
func (p RetryPolicy) backoff(n int) time.Duration {
	d := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(n-1))
	if d > float64(p.MaxBackoff) {
		d = float64(p.MaxBackoff)
	}
	if p.Jitter > 0 {
		d *= 1 + p.Jitter*(2*rand.Float64()-1)
	}
	if d > float64(p.MaxBackoff) {
		d = float64(p.MaxBackoff)
	}
	return time.Duration(d)
}

// Retry returns an interceptor for any connect-go v2 client that retries
// failed unary calls whose method p.Retryable allows (by default
// [SafeToRetry]: methods declared free of side effects or idempotent, and
// the read-only methods of Zitadel's session, OIDC and SAML services) and
// whose error code is in p.RetryableCodes. Every other call passes through
// untouched and is never retried: streaming calls, methods p.Retryable
// refuses, and always SessionService CreateSession and SetSession, so that a
// password or code is never checked twice.
//
// Delays grow exponentially from p.InitialBackoff by p.Multiplier up to
// p.MaxBackoff, randomized by p.Jitter. The call's context is honoured: no
// retry starts after it is done, a backoff is interrupted by cancellation,
// and a retry whose backoff would end after the context's deadline is not
// attempted (the last error is returned at once).
//
// Each attempt re-opens the stream with next and re-sends the request
// message that the caller sent (the message is kept, not copied, and must
// not be modified during the call, which generated clients never do).
// Response headers and trailers of failed attempts are cleared from the
// call's [connect.CallInfo] before the next attempt. Interceptors placed
// after Retry in [connect.NewClient] run once per attempt.
func Retry(p RetryPolicy) connect.ClientInterceptor {
	p = p.normalized()
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			if p.MaxAttempts <= 1 || spec.StreamType != connect.StreamTypeUnary ||
				spec.Procedure == procedureCreateSession || spec.Procedure == procedureSetSession ||
				!p.Retryable(spec) {
				return next(ctx, spec)
			}
			return &retryStream{ctx: ctx, spec: spec, next: next, policy: p, closeCh: make(chan struct{})}, nil
		}
	}
}

// retryStream drives a unary call the way connect.Client.CallUnary does
// (Send, CloseSend, Receive, Close), but buffers Send and CloseSend so that
// Receive can run the whole exchange as many times as needed, each time on a
// freshly opened stream.
type retryStream struct {
	ctx    context.Context
	spec   connect.Spec
	next   connect.ClientFunc
	policy RetryPolicy

	req        any
	sent       bool
	sendClosed bool
	done       bool // the attempts have been run

	// Close may run concurrently with Receive.
	mu      sync.Mutex
	cur     connect.ClientStream // stream of the current attempt, nil before the first
	closed  bool
	closeCh chan struct{}
}

func (s *retryStream) current() connect.ClientStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

var errRetryStreamClosed = connect.NewError(connect.CodeCanceled, "interceptors: stream closed")

// SendHeaders is deferred to the first attempt; it always succeeds.
func (s *retryStream) SendHeaders() error { return nil }

func (s *retryStream) Send(msg any) error {
	if s.done || s.sendClosed {
		return io.EOF
	}
	if s.sent {
		return connect.NewError(connect.CodeInternal, "interceptors: unary stream sent more than once")
	}
	s.req, s.sent = msg, true
	return nil
}

func (s *retryStream) CloseSend() error {
	s.sendClosed = true
	return nil
}

func (s *retryStream) Receive(msg any) error {
	if s.done {
		cur := s.current()
		if cur == nil {
			return io.EOF
		}
		return cur.Receive(msg)
	}
	s.done = true
	var err error
	for attempt := 1; ; attempt++ {
		err = s.attempt(msg)
		if err == nil || attempt >= s.policy.MaxAttempts || !s.retryable(err) {
			return err
		}
		delay := s.policy.backoff(attempt)
		if deadline, ok := s.ctx.Deadline(); ok && time.Until(deadline) <= delay {
			return err
		}
		if werr := s.wait(delay); werr != nil {
			return werr
		}
		s.resetAttempt(msg)
	}
}

// attempt opens a new stream and runs one complete unary exchange on it.
func (s *retryStream) attempt(res any) error {
	stream, err := s.next(s.ctx, s.spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = stream.Close()
		return errRetryStreamClosed
	}
	s.cur = stream
	s.mu.Unlock()
	if s.sent {
		if err := stream.Send(s.req); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	if s.sendClosed {
		if err := stream.CloseSend(); err != nil {
			return err
		}
	}
	return stream.Receive(res)
}

func (s *retryStream) retryable(err error) bool {
	if s.ctx.Err() != nil {
		return false
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return false
	}
	code := connerr.Code(s.ctx, err)
	if code == connect.CodeResourceExhausted && !ce.IsRemote() {
		// The client's own limit (e.g. an oversized response): the same
		// response would be refused again.
		return false
	}
	return slices.Contains(s.policy.RetryableCodes, code)
}

func (s *retryStream) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.closeCh:
		return errRetryStreamClosed
	case <-s.ctx.Done():
		err := s.ctx.Err()
		return connect.NewError(connerr.CodeOf(err), "interceptors: retry aborted: "+err.Error()).WithCause(err)
	}
}

// resetAttempt releases the failed attempt and clears its traces.
func (s *retryStream) resetAttempt(res any) {
	s.mu.Lock()
	cur := s.cur
	s.cur = nil
	s.mu.Unlock()
	if cur != nil {
		_ = cur.Close()
	}
	if m, ok := res.(proto.Message); ok {
		proto.Reset(m)
	}
	if info, ok := connect.CallInfoForClientContext(s.ctx); ok {
		clearHeader(info.ResponseHeader())
		clearHeader(info.ResponseTrailer())
	}
}

func clearHeader(h *connect.Header) {
	var keys []string
	for k := range h.All() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		h.Delete(k)
	}
}

func (s *retryStream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closeCh)
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.Close()
}
