package transporttest

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// recordingProvider is a minimal in-memory TracerProvider (no OpenTelemetry
// SDK dependency) whose spans have valid, predictable span contexts.
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

func (t recordingTracer) Start(ctx context.Context, name string, _ ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.p.mu.Lock()
	id := trace.SpanID{0, 0, 0, 0, 0, 0, 0, byte(len(t.p.spans) + 1)}
	s := &recordedSpan{
		name: name,
		sc:   trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: id, TraceFlags: trace.FlagsSampled}),
	}
	t.p.spans = append(t.p.spans, s)
	t.p.mu.Unlock()
	return trace.ContextWithSpan(ctx, s), s
}

type recordedSpan struct {
	embedded.Span
	mu     sync.Mutex
	name   string
	sc     trace.SpanContext
	status codes.Code
	ends   int
}

func (s *recordedSpan) String() string { return s.name }

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
func (s *recordedSpan) SetName(n string)                     { s.mu.Lock(); s.name = n; s.mu.Unlock() }
func (s *recordedSpan) SetAttributes(...attribute.KeyValue)  {}
func (s *recordedSpan) TracerProvider() trace.TracerProvider { return nil }
