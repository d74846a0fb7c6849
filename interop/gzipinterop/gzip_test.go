// Package gzipinterop_test checks gzip-compressed gRPC calls between a stock
// grpc-go client and sessiontest. It is a package of its own because
// importing google.golang.org/grpc/encoding/gzip registers the compressor
// process-wide, and grpc-go then asks every server for gzip responses
// (grpc-accept-encoding): in the interop package's test binary that would
// change what the benchmarks measure.
package gzipinterop_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestGzipRequests sends gzip-compressed requests from grpc-go to
// sessiontest and checks the answers (which grpc-go, with gzip registered,
// also accepts compressed).
func TestGzipRequests(t *testing.T) {
	srv := sessiontest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.AddUser(sessiontest.User{ID: "alice-id", LoginName: "alice@example.com", Password: "pw-alice-123"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("pat", "login-client", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient("passthrough:///"+strings.TrimPrefix(srv.URL(), "http://"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer pat")

	created := new(sessionv2.CreateSessionResponse)
	if err := conn.Invoke(ctx, sessionv2connect.SessionServiceCreateSessionProcedure, &sessionv2.CreateSessionRequest{
		Checks:   &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: "alice-id"}}},
		Metadata: map[string][]byte{"k": []byte(strings.Repeat("v", 512))}, // large enough to be compressed
	}, created, grpc.UseCompressor(gzip.Name)); err != nil {
		t.Fatalf("CreateSession (gzip request): %v", err)
	}
	var hdr metadata.MD
	got := new(sessionv2.GetSessionResponse)
	if err := conn.Invoke(ctx, sessionv2connect.SessionServiceGetSessionProcedure,
		&sessionv2.GetSessionRequest{SessionId: created.GetSessionId()}, got,
		grpc.UseCompressor(gzip.Name), grpc.Header(&hdr)); err != nil {
		t.Fatalf("GetSession (gzip request): %v", err)
	}
	if got.GetSession().GetId() != created.GetSessionId() || got.GetSession().GetFactors().GetUser().GetId() != "alice-id" {
		t.Errorf("GetSession = %v, want session %s of alice-id", got.GetSession(), created.GetSessionId())
	}
	if v := string(got.GetSession().GetMetadata()["k"]); v != strings.Repeat("v", 512) {
		t.Errorf("metadata k has %d bytes, want 512", len(v))
	}
	if ct := hdr.Get("content-type"); len(ct) != 1 || !strings.HasPrefix(ct[0], "application/grpc") {
		t.Errorf("response content-type = %q, want application/grpc*", ct)
	}
}
