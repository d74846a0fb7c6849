package interceptors_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/internal/tracetest"
)

func TestTracing(t *testing.T) {
	tp := &tracetest.Provider{}
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceListSessionsProcedure] = 1
	client := startSessionServer(t, svc, interceptors.Tracing(tp))

	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListSessions(t.Context(), nil); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("ListSessions err = %v", err)
	}
	spans := tp.Ended()
	if len(spans) != 2 {
		t.Fatalf("ended spans = %d, want 2", len(spans))
	}
	ok, failed := spans[0], spans[1]
	if ok.Name() != "zitadel.session.v2.SessionService/GetSession" || ok.Kind() != trace.SpanKindClient || ok.Ends() != 1 {
		t.Errorf("span = %+v", ok)
	}
	wantAttrs := map[attribute.Key]string{
		"rpc.system":  "connect_rpc",
		"rpc.service": "zitadel.session.v2.SessionService",
		"rpc.method":  "GetSession",
	}
	for k, v := range wantAttrs {
		if got := ok.Attr(k).AsString(); got != v {
			t.Errorf("attribute %s = %q, want %q", k, got, v)
		}
	}
	if got := ok.Attr("rpc.grpc.status_code").AsInt64(); got != 0 || ok.Status() == codes.Error {
		t.Errorf("ok span status_code = %d status = %v", got, ok.Status())
	}
	if got := failed.Attr("rpc.grpc.status_code").AsInt64(); got != int64(connect.CodeUnavailable) {
		t.Errorf("failed span status_code = %d", got)
	}
	if got := failed.Attr("rpc.connect_rpc.error_code").AsString(); got != "unavailable" || failed.Status() != codes.Error {
		t.Errorf("failed span error_code = %q status = %v", got, failed.Status())
	}
	// W3C trace context reached the server.
	tpHeader := svc.allHeaders()[0].Get("Traceparent")
	if !strings.HasPrefix(tpHeader, "00-"+tracetest.TraceID.String()+"-"+ok.SpanContext().SpanID().String()) {
		t.Errorf("traceparent = %q, want trace %s span %s", tpHeader, tracetest.TraceID, ok.SpanContext().SpanID())
	}
}
