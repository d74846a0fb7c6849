package main

import (
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/session"
)

// rawSessionService returns the generated SessionService client of c. The
// command uses the generated messages directly so that --output json prints
// exactly what Zitadel returned; session.New still supplies the transport,
// the protocol, TLS settings and the authentication.
func rawSessionService(c *session.Client) sessionv2connect.SessionServiceClient {
	return c.Raw()
}
