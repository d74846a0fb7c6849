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

// Procedures that [Retry] may retry. Both are read-only, so repeating them
// has no side effects.
const (
	procedureGetSession   = "/zitadel.session.v2.SessionService/GetSession"
	procedureListSessions = "/zitadel.session.v2.SessionService/ListSessions"
)

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

// Retry returns an interceptor that retries failed calls of the read-only,
// unary procedures "/zitadel.session.v2.SessionService/GetSession" and
// "/zitadel.session.v2.SessionService/ListSessions" whose error code is in
// p.RetryableCodes. Every other procedure (in particular CreateSession,
// SetSession and DeleteSession, which are not idempotent) and every
// streaming call pass through untouched and are never retried.
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
				(spec.Procedure != procedureGetSession && spec.Procedure != procedureListSessions) {
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
		return connect.NewError(errorCode(err), "interceptors: retry aborted: "+err.Error()).WithCause(err)
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
