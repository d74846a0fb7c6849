package interceptors

import (
	"context"
	"strings"

	"connectrpc.com/connect/v2"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessionkit/zitadel-session-go/internal/connerr"
)

const tracerName = "github.com/sessionkit/zitadel-session-go/interceptors"

// Tracing returns an interceptor that starts an OpenTelemetry client span
// per call from tp (nil means otel.GetTracerProvider()) and ends it when the
// call ends.
//
// The span is named after the procedure without its leading slash
// ("zitadel.session.v2.SessionService/GetSession"), has kind client and the
// attributes rpc.system = "connect_rpc", rpc.service, rpc.method and, when
// the transport knows it, net.peer.name (the peer address). When the call
// ends it gets rpc.grpc.status_code (the numeric code, 0 for success) and,
// on failure, rpc.connect_rpc.error_code (the code name) and status Error
// with the error text as description.
//
// The span context is propagated to the server in the W3C "traceparent"
// (and "tracestate") request headers with
// go.opentelemetry.io/otel/propagation.TraceContext, independent of the
// global propagator.
//
// The package uses only go.opentelemetry.io/otel and otel/trace:
// connectrpc.com/otelconnect, the official Connect instrumentation, has no
// module for connect-go v2 (connectrpc.com/otelconnect/v2) on the Go module
// proxy yet. Message and header contents are never recorded.
func Tracing(tp trace.TracerProvider) connect.ClientInterceptor {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(tracerName, trace.WithInstrumentationVersion(connect.Version))
	prop := propagation.TraceContext{}
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			name := strings.TrimPrefix(spec.Procedure, "/")
			service, method, _ := strings.Cut(name, "/")
			ctx, span := tracer.Start(ctx, name,
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(
					attribute.String("rpc.system", "connect_rpc"),
					attribute.String("rpc.service", service),
					attribute.String("rpc.method", method),
				))
			info, ok := connect.CallInfoForClientContext(ctx)
			if !ok {
				ctx, info = connect.NewClientContext(ctx)
			}
			prop.Inject(ctx, headerCarrier{info.RequestHeader()})
			end := func(err error) {
				if info.PeerAddr != "" {
					span.SetAttributes(attribute.String("net.peer.name", info.PeerAddr))
				}
				if err == nil {
					span.SetAttributes(attribute.Int("rpc.grpc.status_code", 0))
				} else {
					code := connerr.CodeOf(err)
					span.SetAttributes(
						attribute.Int("rpc.grpc.status_code", int(code)),
						attribute.String("rpc.connect_rpc.error_code", code.String()),
					)
					span.SetStatus(otelcodes.Error, err.Error())
				}
				span.End()
			}
			stream, err := next(ctx, spec)
			if err != nil {
				end(err)
				return nil, err
			}
			return newObservedStream(ctx, spec, stream, nil, nil, end), nil
		}
	}
}

// headerCarrier adapts connect.Header to propagation.TextMapCarrier.
type headerCarrier struct{ h *connect.Header }

func (c headerCarrier) Get(key string) string { return c.h.Get(key) }
func (c headerCarrier) Set(key, value string) { c.h.Set(key, value) }
func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, c.h.Len())
	for k := range c.h.All() {
		keys = append(keys, k)
	}
	return keys
}
