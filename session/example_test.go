package session_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// exampleZitadel starts a Zitadel-like test server with the user alice and a
// login client's personal access token, and returns a client for it.
func exampleZitadel() (*sessiontest.Server, *session.Client) {
	srv := sessiontest.NewServer()
	if err := srv.AddUser(sessiontest.User{
		ID: "alice-id", LoginName: "alice@example.com", DisplayName: "Alice",
		Password: "correct horse battery staple", TOTPSecret: "JBSWY3DPEHPK3PXP",
	}); err != nil {
		log.Fatal(err)
	}
	if err := srv.AddAccessToken("login-client-pat", "login-client", sessiontest.PermissionSessionRead,
		sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete); err != nil {
		log.Fatal(err)
	}
	c, err := session.New(srv.URL(), session.WithPersonalAccessToken("login-client-pat"))
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// login creates alice's session with password (and TOTP when mfa is set).
func login(ctx context.Context, srv *sessiontest.Server, c *session.Client, mfa bool) *session.Handle {
	h, _, err := c.Create(ctx, session.CheckLoginName("alice@example.com"), session.CheckPassword("correct horse battery staple"))
	if err != nil {
		log.Fatal(err)
	}
	if mfa {
		code, _ := totp.GenerateCode("JBSWY3DPEHPK3PXP", srv.Clock().Now())
		if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
			log.Fatal(err)
		}
	}
	return h
}

// Create a session for a user with login name and password.
func ExampleClient_Create() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()

	h, _, err := c.Create(ctx,
		session.CheckLoginName("alice@example.com"),
		session.CheckPassword("correct horse battery staple"))
	if err != nil {
		log.Fatal(err)
	}
	s, err := h.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Factors.User.DisplayName, s.VerifiedFactors())
	fmt.Println(h.SessionToken() != "", fmt.Sprint(h) == "session.Handle{ID: "+h.ID()+", Token: [REDACTED]}")

	// A wrong password is reported as such, with the failed-attempt count.
	_, _, err = c.Create(ctx, session.CheckLoginName("alice@example.com"), session.CheckPassword("guess"))
	var e *session.Error
	if session.IsInvalidCredentials(err) && errors.As(err, &e) {
		fmt.Println("invalid credentials, failed attempts:", e.FailedAttempts)
	}
	// Output:
	// Alice [user password]
	// true true
	// invalid credentials, failed attempts: 1
}

// Step up an existing session with a TOTP code; the handle follows the
// token rotation.
func ExampleHandle_Set() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	h := login(ctx, srv, c, false)
	before := h.SessionToken()

	code, _ := totp.GenerateCode("JBSWY3DPEHPK3PXP", srv.Clock().Now())
	if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
		log.Fatal(err)
	}
	s, err := h.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token rotated:", h.SessionToken() != before)
	fmt.Println("password + second factor:", s.Satisfies(session.PasswordAndSecondFactor))
	// Output:
	// token rotated: true
	// password + second factor: true
}

// Attach metadata to a session. Every request that sets metadata replaces
// all of it.
func ExampleMetadata() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	h := login(ctx, srv, c, false)

	_, err := h.Set(ctx,
		session.Metadata("tenant", []byte("acme")),
		session.Metadata("theme", []byte("dark")))
	if err != nil {
		log.Fatal(err)
	}
	s, err := h.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s\n", s.Metadata["tenant"], s.Metadata["theme"])
	// Output:
	// acme dark
}

// Read a session by ID (with the caller's permissions) and check it.
func ExampleClient_Get() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	h, _, err := c.Create(ctx, session.CheckUserID("alice-id"), session.Lifetime(time.Hour))
	if err != nil {
		log.Fatal(err)
	}

	s, err := c.Get(ctx, h.ID())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.ID == h.ID(), s.Factors.User.LoginName, s.Expired(srv.Clock().Now()))
	srv.Clock().Advance(2 * time.Hour)
	s, _ = c.Get(ctx, h.ID())
	fmt.Println("expired later:", s.Expired(srv.Clock().Now()))

	_, err = c.Get(ctx, "4711")
	fmt.Println("unknown session not found:", session.IsNotFound(err))
	// Output:
	// true alice@example.com false
	// expired later: true
	// unknown session not found: true
}

// List all sessions of a user; the iterator pages transparently.
func ExampleClient_List() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	for range 3 {
		login(ctx, srv, c, false)
	}

	n := 0
	for s, err := range c.List(ctx, session.ByUserID("alice-id"), session.PageSize(2)) {
		if err != nil {
			log.Fatal(err)
		}
		if s.Factors.Password.Verified() {
			n++
		}
	}
	fmt.Println("sessions with password:", n)
	// Output:
	// sessions with password: 3
}

// Terminate a session with its own token, e.g. on logout.
func ExampleHandle_Delete() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	h := login(ctx, srv, c, false)

	if err := h.Delete(ctx); err != nil {
		log.Fatal(err)
	}
	_, err := c.Get(ctx, h.ID())
	fmt.Println("gone:", session.IsNotFound(err))
	// Output:
	// gone: true
}

// Use the session token as the bearer token of a single call (for example to
// act as the logged-in user).
func ExampleHandle_Bearer() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	if err := srv.AddAccessToken("no-permission-pat", "someone"); err != nil {
		log.Fatal(err)
	}
	other, err := session.New(srv.URL(), session.WithPersonalAccessToken("no-permission-pat"))
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()

	h := login(ctx, srv, c, false)
	_, err = other.Get(h.Bearer(ctx), h.ID())
	fmt.Println("password only, user has TOTP:", session.IsUnauthenticated(err))

	code, _ := totp.GenerateCode("JBSWY3DPEHPK3PXP", srv.Clock().Now())
	if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
		log.Fatal(err)
	}
	s, err := other.Get(h.Bearer(ctx), h.ID())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("as", s.Factors.User.LoginName)
	// Output:
	// password only, user has TOTP: true
	// as alice@example.com
}

// Finish an OIDC login: Zitadel returns the URL to redirect the browser to.
// FinishOIDC first checks the session against the policy, locally: Zitadel
// itself would finish a login with a session that only checked the user.
func ExampleClient_FinishOIDC() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	authRequestID := srv.AddAuthRequest("my-app", "https://app.example.com/callback", "openid")

	h := login(ctx, srv, c, false) // password only
	_, err := c.FinishOIDC(ctx, authRequestID, h, session.Require(session.PasswordAndSecondFactor))
	fmt.Println("password only refused:", errors.Is(err, session.ErrPolicyNotSatisfied))

	h = login(ctx, srv, c, true) // password and TOTP
	callbackURL, err := c.FinishOIDC(ctx, authRequestID, h, session.Require(session.PasswordAndSecondFactor))
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(callbackURL)
	fmt.Println(u.Host+u.Path, u.Query().Get("code") != "")
	// Output:
	// password only refused: true
	// app.example.com/callback true
}

// Finish a SAML login: the login UI posts SAMLResponse and RelayState to URL.
func ExampleClient_FinishSAML() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	samlRequestID := srv.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "state-1",
		"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")

	h := login(ctx, srv, c, true)
	res, err := c.FinishSAML(ctx, samlRequestID, h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Binding, res.URL, res.RelayState, res.SAMLResponse != "")
	fmt.Println(res) // the assertion is redacted
	// Output:
	// post https://sp.example.com/acs state-1 true
	// session.SAMLResponse{URL: https://sp.example.com/acs, Binding: post, RelayState: state-1, SAMLResponse: [REDACTED]}
}

// Answer an OIDC login with an error instead (here: the user cancelled).
// The client's redirect_uri receives the OAuth 2.0 error code.
func ExampleClient_FailOIDC() {
	srv, c := exampleZitadel()
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	authRequestID := srv.AddAuthRequest("my-app", "https://app.example.com/callback", "openid")

	callbackURL, err := c.FailOIDC(ctx, authRequestID, session.OIDCError{
		Reason: session.OIDCReasonAccessDenied, Description: "user cancelled",
	})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(callbackURL)
	fmt.Println(u.Host+u.Path, u.Query().Get("error"), u.Query().Get("error_description"))
	// Output:
	// app.example.com/callback access_denied user cancelled
}
