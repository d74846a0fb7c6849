package grpcconn_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
)

// nopConn is a grpc.ClientConnInterface that answers every unary call at
// once with a canned GetSessionResponse, without network, codec or grpc-go:
// what BenchmarkOverhead measures on it is the cost of the layers above
// cc.Invoke.
type nopConn struct{ res *sessionv2.GetSessionResponse }

func (c nopConn) Invoke(ctx context.Context, _ string, _, reply any, _ ...grpc.CallOption) error {
	if _, ok := metadata.FromOutgoingContext(ctx); !ok {
		panic("no outgoing metadata")
	}
	proto.Merge(reply.(*sessionv2.GetSessionResponse), c.res)
	return nil
}

func (nopConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	panic("not used")
}

// BenchmarkOverhead measures GetSession on a connection that does no work:
// "invoke" is the grpc-go way (bearer metadata on the context, cc.Invoke),
// "raw" the generated connect client of Client.Raw() over grpcconn and
// "session" session.Client.Get over grpcconn. raw − invoke is the cost of
// connect-go's client and this transport, session − raw the session
// package's own.
func BenchmarkOverhead(b *testing.B) {
	cc := nopConn{res: &sessionv2.GetSessionResponse{Session: &sessionv2.Session{Id: "s1"}}}
	c, err := session.New("", session.WithTransport(grpcconn.NewTransport(cc)), session.WithPersonalAccessToken("pat"))
	must(b, err)
	ctx := context.Background()
	b.Run("invoke", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer pat")
			res := new(sessionv2.GetSessionResponse)
			if err := cc.Invoke(ctx, "/zitadel.session.v2.SessionService/GetSession", &sessionv2.GetSessionRequest{SessionId: "s1"}, res); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Raw().GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: "s1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Get(ctx, "s1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
