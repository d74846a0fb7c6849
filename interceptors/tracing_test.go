package interceptors_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// recordingProvider is a minimal in-memory TracerProvider, so the tests need
// no OpenTelemetry SDK dependency.
type recordingProvider struct {
	embedded.TracerProvider
	mu    sync.Mutex
	spans []*recordedSpan
}

func (p *recordingProvider) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return recordingTracer{p: p}
}

func (p *recordingProvider) ended() []*recordedSpan {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*recordedSpan
	for _, s := range p.spans {
		if s.isEnded() {
			out = append(out, s)
		}
	}
	return out
}

type recordingTracer struct {
	embedded.Tracer
	p *recordingProvider
}

var testTraceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}

func (t recordingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	t.p.mu.Lock()
	id := trace.SpanID{0, 0, 0, 0, 0, 0, 0, byte(len(t.p.spans) + 1)}
	s := &recordedSpan{
		name: name, kind: cfg.SpanKind(), attrs: map[attribute.Key]attribute.Value{},
		sc: trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: id, TraceFlags: trace.FlagsSampled}),
	}
	for _, kv := range cfg.Attributes() {
		s.attrs[kv.Key] = kv.Value
	}
	t.p.spans = append(t.p.spans, s)
	t.p.mu.Unlock()
	return trace.ContextWithSpan(ctx, s), s
}

type recordedSpan struct {
	embedded.Span
	mu     sync.Mutex
	name   string
	kind   trace.SpanKind
	attrs  map[attribute.Key]attribute.Value
	sc     trace.SpanContext
	status codes.Code
	ends   int
}

func (s *recordedSpan) isEnded() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.ends > 0 }
func (s *recordedSpan) End(...trace.SpanEndOption) {
	s.mu.Lock()
	s.ends++
	s.mu.Unlock()
}
func (s *recordedSpan) AddEvent(string, ...trace.EventOption)   {}
func (s *recordedSpan) AddLink(trace.Link)                      {}
func (s *recordedSpan) IsRecording() bool                       { return true }
func (s *recordedSpan) RecordError(error, ...trace.EventOption) {}
func (s *recordedSpan) SpanContext() trace.SpanContext          { return s.sc }
func (s *recordedSpan) SetStatus(c codes.Code, _ string) {
	s.mu.Lock()
	s.status = c
	s.mu.Unlock()
}
func (s *recordedSpan) SetName(n string) { s.mu.Lock(); s.name = n; s.mu.Unlock() }
func (s *recordedSpan) SetAttributes(kv ...attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range kv {
		s.attrs[a.Key] = a.Value
	}
}
func (s *recordedSpan) TracerProvider() trace.TracerProvider { return nil }

func TestTracing(t *testing.T) {
	tp := &recordingProvider{}
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceListSessionsProcedure] = 1
	client := startSessionServer(t, svc, interceptors.Tracing(tp))

	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListSessions(t.Context(), nil); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("ListSessions err = %v", err)
	}
	spans := tp.ended()
	if len(spans) != 2 {
		t.Fatalf("ended spans = %d, want 2", len(spans))
	}
	ok, failed := spans[0], spans[1]
	if ok.name != "zitadel.session.v2.SessionService/GetSession" || ok.kind != trace.SpanKindClient || ok.ends != 1 {
		t.Errorf("span = %+v", ok)
	}
	wantAttrs := map[attribute.Key]string{
		"rpc.system":  "connect_rpc",
		"rpc.service": "zitadel.session.v2.SessionService",
		"rpc.method":  "GetSession",
	}
	for k, v := range wantAttrs {
		if got := ok.attrs[k].AsString(); got != v {
			t.Errorf("attribute %s = %q, want %q", k, got, v)
		}
	}
	if got := ok.attrs["rpc.grpc.status_code"].AsInt64(); got != 0 || ok.status == codes.Error {
		t.Errorf("ok span status_code = %d status = %v", got, ok.status)
	}
	if got := failed.attrs["rpc.grpc.status_code"].AsInt64(); got != int64(connect.CodeUnavailable) {
		t.Errorf("failed span status_code = %d", got)
	}
	if got := failed.attrs["rpc.connect_rpc.error_code"].AsString(); got != "unavailable" || failed.status != codes.Error {
		t.Errorf("failed span error_code = %q status = %v", got, failed.status)
	}
	// W3C trace context reached the server.
	tpHeader := svc.allHeaders()[0].Get("Traceparent")
	if !strings.HasPrefix(tpHeader, "00-"+testTraceID.String()+"-"+ok.sc.SpanID().String()) {
		t.Errorf("traceparent = %q, want trace %s span %s", tpHeader, testTraceID, ok.sc.SpanID())
	}
}
