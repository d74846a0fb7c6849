package grpcconn_test

import (
	"context"
	"fmt"
	"log"
	"net/url"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// The session client on a grpc-go connection the service already has. Here
// the connection goes to a local sessiontest server over cleartext HTTP/2;
// against Zitadel it would be e.g. grpc.NewClient("zitadel.example.com:443",
// grpc.WithTransportCredentials(credentials.NewTLS(nil))).
func ExampleNewTransport() {
	srv := sessiontest.NewServer()
	defer srv.Close()
	_ = srv.AddUser(sessiontest.User{ID: "u1", LoginName: "alice@example.com", Password: "correct horse battery staple"})
	_ = srv.AddAccessToken("pat", "login-client", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite)
	u, _ := url.Parse(srv.URL())

	cc, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()
	c, err := session.New(srv.URL(), session.WithTransport(grpcconn.NewTransport(cc)),
		session.WithPersonalAccessToken("pat"))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	h, _, err := c.Create(ctx, session.CheckLoginName("alice@example.com"), session.CheckPassword("correct horse battery staple"))
	if err != nil {
		log.Fatal(err)
	}
	s, err := h.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Factors.User.LoginName, s.Factors.Password.Verified())
	_, _, err = c.Create(ctx, session.CheckLoginName("alice@example.com"), session.CheckPassword("wrong"))
	fmt.Println(session.IsInvalidCredentials(err))
	// Output:
	// alice@example.com true
	// true
}
