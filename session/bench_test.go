package session_test

import (
	"context"
	"testing"

	"connectrpc.com/connect/v2/connectinprocess"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/session"
)

// benchClients returns, per transport, a session client; its Raw() client
// shares the exact same connect.Client (transport, auth interceptor), so the
// difference between the two is the overhead of this package.
func benchClients(b *testing.B) map[string]*session.Client {
	srv := newServer(b)
	h2c := newClient(b, srv, session.WithPersonalAccessToken(loginPAT))
	inproc := newClient(b, srv, session.WithPersonalAccessToken(loginPAT),
		session.WithTransport(connectinprocess.New(srv.ConnectServer())))
	return map[string]*session.Client{"h2c": h2c, "inprocess": inproc}
}

func BenchmarkGetSession(b *testing.B) {
	for _, tr := range []string{"h2c", "inprocess"} {
		clients := benchClients(b)
		c := clients[tr]
		ctx := context.Background()
		h, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.Metadata("k", []byte("v")))
		if err != nil {
			b.Fatal(err)
		}
		id := h.ID()
		b.Run(tr+"/raw", func(b *testing.B) {
			raw := c.Raw()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := raw.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: id}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tr+"/session", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Get(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateSession gives each sub-benchmark its own server: every
// Create stores a session, and a server already holding the previous
// sub-benchmark's sessions would make the later one look slower.
func BenchmarkCreateSession(b *testing.B) {
	for _, tr := range []string{"h2c", "inprocess"} {
		ctx := context.Background()
		b.Run(tr+"/raw", func(b *testing.B) {
			raw := benchClients(b)[tr].Raw()
			b.ReportAllocs()
			for b.Loop() {
				res, err := raw.CreateSession(ctx, &sessionv2.CreateSessionRequest{
					Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: aliceID}}},
				})
				if err != nil || res.SessionToken == "" {
					b.Fatal(err)
				}
			}
		})
		b.Run(tr+"/session", func(b *testing.B) {
			c := benchClients(b)[tr]
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Create(ctx, session.CheckUserID(aliceID)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
