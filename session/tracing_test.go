package session_test

import (
	"context"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sessionkit/zitadel-session-go/session"
)

type countingTP struct {
	noop.TracerProvider
	spans *atomic.Int64
}

func (p countingTP) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return countingTracer{spans: p.spans}
}

type countingTracer struct {
	noop.Tracer
	spans *atomic.Int64
}

func (t countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.spans.Add(1)
	return t.Tracer.Start(ctx, name, opts...)
}

func TestTracing(t *testing.T) {
	srv := newServer(t)
	var spans atomic.Int64
	c := newClient(t, srv, session.WithTracerProvider(countingTP{spans: &spans}), session.WithPersonalAccessToken(loginPAT))
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
	must(t, err)
	_, err = h.Get(ctx)
	must(t, err)
	if n := spans.Load(); n != 2 {
		t.Errorf("%d spans for 2 calls", n)
	}
}
