// Package tracetest is an in-memory OpenTelemetry TracerProvider for tests:
// it records every span with its name, kind, attributes, status and how often
// it ended, and gives each a valid, predictable span context, so tests need
// no OpenTelemetry SDK dependency.
package tracetest

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// TraceID is the trace id of every span the Provider starts.
var TraceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}

// Provider is a trace.TracerProvider that records spans. The zero value is
// ready to use; it is safe for concurrent use.
type Provider struct {
	embedded.TracerProvider
	mu    sync.Mutex
	spans []*Span
}

// Tracer implements trace.TracerProvider.
func (p *Provider) Tracer(string, ...trace.TracerOption) trace.Tracer { return tracer{p: p} }

// Ended returns the spans that have ended, in the order they were started.
func (p *Provider) Ended() []*Span {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*Span
	for _, s := range p.spans {
		if s.Ends() > 0 {
			out = append(out, s)
		}
	}
	return out
}

type tracer struct {
	embedded.Tracer
	p *Provider
}

func (t tracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	t.p.mu.Lock()
	id := trace.SpanID{0, 0, 0, 0, 0, 0, 0, byte(len(t.p.spans) + 1)}
	s := &Span{
		name: name, kind: cfg.SpanKind(), attrs: map[attribute.Key]attribute.Value{},
		sc: trace.NewSpanContext(trace.SpanContextConfig{TraceID: TraceID, SpanID: id, TraceFlags: trace.FlagsSampled}),
	}
	for _, kv := range cfg.Attributes() {
		s.attrs[kv.Key] = kv.Value
	}
	t.p.spans = append(t.p.spans, s)
	t.p.mu.Unlock()
	return trace.ContextWithSpan(ctx, s), s
}

// Span is a recorded span.
type Span struct {
	embedded.Span
	mu     sync.Mutex
	name   string
	kind   trace.SpanKind
	attrs  map[attribute.Key]attribute.Value
	sc     trace.SpanContext
	status codes.Code
	ends   int
}

// Name returns the span's name.
func (s *Span) Name() string { s.mu.Lock(); defer s.mu.Unlock(); return s.name }

// String returns the span's name.
func (s *Span) String() string { return s.Name() }

// Kind returns the span kind given when it started.
func (s *Span) Kind() trace.SpanKind { return s.kind }

// Attr returns the value of attribute k (the zero Value if it was not set).
func (s *Span) Attr(k attribute.Key) attribute.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attrs[k]
}

// Status returns the status code last set.
func (s *Span) Status() codes.Code { s.mu.Lock(); defer s.mu.Unlock(); return s.status }

// Ends returns how often End was called.
func (s *Span) Ends() int { s.mu.Lock(); defer s.mu.Unlock(); return s.ends }

// End implements trace.Span.
func (s *Span) End(...trace.SpanEndOption) { s.mu.Lock(); s.ends++; s.mu.Unlock() }

// AddEvent implements trace.Span (events are not recorded).
func (s *Span) AddEvent(string, ...trace.EventOption) {}

// AddLink implements trace.Span (links are not recorded).
func (s *Span) AddLink(trace.Link) {}

// IsRecording implements trace.Span.
func (s *Span) IsRecording() bool { return true }

// RecordError implements trace.Span (errors are not recorded).
func (s *Span) RecordError(error, ...trace.EventOption) {}

// SpanContext implements trace.Span.
func (s *Span) SpanContext() trace.SpanContext { return s.sc }

// SetStatus implements trace.Span.
func (s *Span) SetStatus(c codes.Code, _ string) { s.mu.Lock(); s.status = c; s.mu.Unlock() }

// SetName implements trace.Span.
func (s *Span) SetName(n string) { s.mu.Lock(); s.name = n; s.mu.Unlock() }

// SetAttributes implements trace.Span.
func (s *Span) SetAttributes(kv ...attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range kv {
		s.attrs[a.Key] = a.Value
	}
}

// TracerProvider implements trace.Span.
func (s *Span) TracerProvider() trace.TracerProvider { return nil }
