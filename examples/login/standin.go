package main

import (
	"errors"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// standInMaxPasswordAttempts is the stand-in's lockout policy.
const standInMaxPasswordAttempts = 3

// standIn is Zitadel played by the in-memory sessiontest server.
type standIn struct {
	*sessiontest.Server
	URL, Issuer, Token, ClientID string
}

// startStandIn starts the stand-in with the demo users and the demo app.
func startStandIn(publicURL, loginBase, redirectURI string) (*standIn, error) {
	return nil, errors.New("the in-process stand-in needs the OpenID provider of sessiontest")
}

// standInHint is what the demo app shows about the stand-in.
type standInHint struct {
	Users    []demoUser
	TOTPCode string
	Mail     []mailView
}

type demoUser struct{ LoginName, Password, Factors string }

type mailView struct{ SentAt, To, Code, Link string }

// hint lists the demo users, alice's current TOTP code and the e-mails the
// stand-in "sent": demo data of a local stand-in, never of a real Zitadel.
func (s *standIn) hint() *standInHint {
	h := &standInHint{Users: demoUsers}
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

const aliceTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

var demoUsers = []demoUser{
	{"alice@example.com", "Correct-Horse-7", "password, authenticator app, e-mail codes"},
}
