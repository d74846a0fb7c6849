package interceptors_test

import (
	"context"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// failingTransport is a connect.Transport for any service: every call of a
// procedure fails with Unavailable until it has been tried failures[procedure]
// times, then succeeds with an empty response. It counts calls.
type failingTransport struct {
	mu       sync.Mutex
	calls    map[string]int
	failures map[string]int
}

func newFailingTransport() *failingTransport {
	return &failingTransport{calls: map[string]int{}, failures: map[string]int{}}
}

func (f *failingTransport) NewClientStream(_ context.Context, spec connect.Spec) (connect.ClientStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[spec.Procedure]++
	return &failingStream{fail: f.calls[spec.Procedure] <= f.failures[spec.Procedure]}, nil
}

func (f *failingTransport) count(procedure string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[procedure]
}

type failingStream struct{ fail bool }

func (*failingStream) SendHeaders() error { return nil }
func (*failingStream) Send(any) error     { return nil }
func (*failingStream) CloseSend() error   { return nil }
func (*failingStream) Close() error       { return nil }
func (s *failingStream) Receive(any) error {
	if s.fail {
		return connect.NewError(connect.CodeUnavailable, "injected failure").WithRemote()
	}
	return nil
}

type empty struct{}

func call(t *testing.T, c *connect.Client, spec connect.Spec) error {
	t.Helper()
	return c.CallUnary(t.Context(), spec, &empty{}, &empty{})
}

func unary(procedure string) connect.Spec {
	return connect.Spec{Procedure: procedure, StreamType: connect.StreamTypeUnary}
}

// TestRetryReadOnlyMethodsOfEveryService: the read-only RPCs of the session,
// OIDC and SAML services are retried; the ones that finish a login are not.
func TestRetryReadOnlyMethodsOfEveryService(t *testing.T) {
	tr := newFailingTransport()
	all := []string{
		sessionv2connect.SessionServiceGetSessionProcedure, sessionv2connect.SessionServiceListSessionsProcedure,
		oidcv2connect.OIDCServiceGetAuthRequestProcedure, samlv2connect.SAMLServiceGetSAMLRequestProcedure,
		oidcv2connect.OIDCServiceCreateCallbackProcedure, samlv2connect.SAMLServiceCreateResponseProcedure,
		sessionv2connect.SessionServiceCreateSessionProcedure, sessionv2connect.SessionServiceSetSessionProcedure,
		sessionv2connect.SessionServiceDeleteSessionProcedure,
	}
	for _, p := range all {
		tr.failures[p] = 2
	}
	c := connect.NewClient(tr, interceptors.Retry(fastRetry))
	want := map[string]int{
		sessionv2connect.SessionServiceGetSessionProcedure:    3,
		sessionv2connect.SessionServiceListSessionsProcedure:  3,
		oidcv2connect.OIDCServiceGetAuthRequestProcedure:      3,
		samlv2connect.SAMLServiceGetSAMLRequestProcedure:      3,
		oidcv2connect.OIDCServiceCreateCallbackProcedure:      1,
		samlv2connect.SAMLServiceCreateResponseProcedure:      1,
		sessionv2connect.SessionServiceCreateSessionProcedure: 1,
		sessionv2connect.SessionServiceSetSessionProcedure:    1,
		sessionv2connect.SessionServiceDeleteSessionProcedure: 1,
	}
	for _, p := range all {
		err := call(t, c, unary(p))
		if retried := want[p] > 1; retried != (err == nil) {
			t.Errorf("%s: err = %v", p, err)
		}
		if n := tr.count(p); n != want[p] {
			t.Errorf("%s: %d attempts, want %d", p, n, want[p])
		}
	}
}

// TestRetryByIdempotencyLevel: for other services the method's declared
// idempotency level decides.
func TestRetryByIdempotencyLevel(t *testing.T) {
	tr := newFailingTransport()
	c := connect.NewClient(tr, interceptors.Retry(fastRetry))
	for level, want := range map[connect.IdempotencyLevel]int{
		connect.IdempotencyNoSideEffects: 3,
		connect.IdempotencyIdempotent:    3,
		connect.IdempotencyUnknown:       1,
	} {
		p := "/example.v1.Things/" + level.String()
		tr.failures[p] = 2
		spec := unary(p)
		spec.IdempotencyLevel = level
		_ = call(t, c, spec)
		if n := tr.count(p); n != want {
			t.Errorf("%v: %d attempts, want %d", level, n, want)
		}
	}
}

// TestRetryConfiguredProcedures: a policy can name procedures, but never
// makes CreateSession or SetSession (password and code checks) repeat.
func TestRetryConfiguredProcedures(t *testing.T) {
	tr := newFailingTransport()
	policy := fastRetry
	policy.Retryable = interceptors.RetryProcedures("/example.v1.Things/Put",
		sessionv2connect.SessionServiceCreateSessionProcedure, sessionv2connect.SessionServiceSetSessionProcedure)
	c := connect.NewClient(tr, interceptors.Retry(policy))
	for p, want := range map[string]int{
		"/example.v1.Things/Put":                              4,
		sessionv2connect.SessionServiceGetSessionProcedure:    1, // not named: the policy replaces the default
		sessionv2connect.SessionServiceCreateSessionProcedure: 1,
		sessionv2connect.SessionServiceSetSessionProcedure:    1,
	} {
		tr.failures[p] = 100
		_ = call(t, c, unary(p))
		if n := tr.count(p); n != want {
			t.Errorf("%s: %d attempts, want %d", p, n, want)
		}
	}
}

func TestSafeToRetry(t *testing.T) {
	for _, tc := range []struct {
		spec connect.Spec
		want bool
	}{
		{unary(oidcv2connect.OIDCServiceGetAuthRequestProcedure), true},
		{unary(samlv2connect.SAMLServiceGetSAMLRequestProcedure), true},
		{unary(sessionv2connect.SessionServiceGetSessionProcedure), true},
		{unary(sessionv2connect.SessionServiceListSessionsProcedure), true},
		{unary(sessionv2connect.SessionServiceDeleteSessionProcedure), false},
		{unary(oidcv2connect.OIDCServiceCreateCallbackProcedure), false},
		{connect.Spec{Procedure: "/x.Y/Z", IdempotencyLevel: connect.IdempotencyNoSideEffects}, true},
		{connect.Spec{Procedure: "/x.Y/Z"}, false},
	} {
		if got := interceptors.SafeToRetry(tc.spec); got != tc.want {
			t.Errorf("SafeToRetry(%s, %v) = %v", tc.spec.Procedure, tc.spec.IdempotencyLevel, got)
		}
	}
}
