package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// The stand-in: Zitadel played by the in-memory sessiontest server (the
// server behind `zitadel-session serve`) as the OpenID provider of the demo
// app, with demo users. Nothing here is needed against a real Zitadel.

const (
	// standInMaxPasswordAttempts is the stand-in's lockout policy.
	standInMaxPasswordAttempts = 3
	standInToken               = "dev-login-client-token"
	standInClientID            = "demo-app"
	aliceTOTPSecret            = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// demoUsers are the stand-in's users; alice and bob are those of
// `zitadel-session serve`'s built-in seed.
var demoUsers = []struct {
	sessiontest.User
	Factors string
}{
	{sessiontest.User{ID: "200000000000000001", LoginName: "alice@example.com", DisplayName: "Alice Example",
		Password: "Correct-Horse-7", TOTPSecret: aliceTOTPSecret, Email: "alice@example.com"},
		"password, authenticator app, e-mail codes"},
	{sessiontest.User{ID: "200000000000000002", LoginName: "bob@example.com", DisplayName: "Bob Example",
		Password: "Battery-Staple-9", Email: "bob@example.com"},
		"password, e-mail codes"},
	{sessiontest.User{ID: "200000000000000003", LoginName: "locked@example.com", DisplayName: "Locked Example",
		Password: "Locked-Out-3", State: sessiontest.UserStateLocked},
		"a locked account"},
}

// standIn is the running stand-in and what the login service needs to
// reach it.
type standIn struct {
	*sessiontest.Server
	URL, Issuer, Token, ClientID string
}

// startStandIn starts the stand-in with the demo users, a login client's
// token and the demo app, whose login base URI is loginBase.
func startStandIn(publicURL, loginBase, redirectURI string) (*standIn, error) {
	srv := sessiontest.NewServer(
		sessiontest.WithOpenIDProvider(),
		sessiontest.WithLockoutPolicy(standInMaxPasswordAttempts, standInMaxPasswordAttempts),
		sessiontest.WithWebAuthnOrigins(publicURL))
	err := srv.AddAccessToken(standInToken, "", sessiontest.PermissionSessionRead,
		sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete)
	for _, u := range demoUsers {
		err = errors.Join(err, srv.AddUser(u.User))
	}
	err = errors.Join(err, srv.AddApplication(sessiontest.Application{
		ClientID: standInClientID, RedirectURIs: []string{redirectURI},
		LoginBaseURI: loginBase, PKCERequired: true,
	}))
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("starting the stand-in: %w", err)
	}
	return &standIn{Server: srv, URL: srv.URL(), Issuer: srv.URL(), Token: standInToken, ClientID: standInClientID}, nil
}

// standInHint is what the demo app shows about the stand-in: its demo
// users, alice's current authenticator-app code and the e-mails it "sent"
// (demo data of a local stand-in, never anything of a real Zitadel).
type standInHint struct {
	Users    []demoUser
	TOTPCode string
	Mail     []mailView
}

type demoUser struct{ LoginName, Password, Factors string }

type mailView struct{ SentAt, To, Code, Link string }

func (s *standIn) hint() *standInHint {
	h := &standInHint{}
	for _, u := range demoUsers {
		h.Users = append(h.Users, demoUser{u.LoginName, u.Password, u.Factors})
	}
	if code, err := totp.GenerateCode(aliceTOTPSecret, s.Clock().Now()); err == nil {
		h.TOTPCode = code
	}
	for _, m := range s.Outbox() {
		if m.Channel == "email" {
			h.Mail = append(h.Mail, mailView{SentAt: m.SentAt.Format(time.TimeOnly), To: m.UserID, Code: m.Code, Link: m.URL})
		}
	}
	return h
}
