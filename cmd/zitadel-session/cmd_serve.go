package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func (a *app) serveCommand() *cobra.Command {
	var listen, seedPath, lag string
	var allowRemote bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run an in-memory Zitadel stand-in for local development",
		Long: `Run the in-memory test server (package sessiontest) that implements Zitadel's
Session API v2, seeded with users and access tokens from a JSON file, for
developing a login UI without a Zitadel instance. It speaks Connect, gRPC
(h2c) and gRPC-Web over plain HTTP and keeps everything in memory.

It is also what a Zitadel instance is to a custom login UI: an OpenID
provider for the seed's "applications" (/.well-known/openid-configuration,
/oauth/v2/authorize redirecting to the application's login UI with
?authRequest=V2_<id>, /oauth/v2/token, /oauth/v2/keys, /oidc/v1/userinfo,
/oidc/v1/end_session), Zitadel's REST paths (POST /v2/sessions, ...), CORS
for browser clients, and gRPC server reflection (buf curl, grpcurl). The
issuer is the URL a client reaches the server at. The applications and an
authorize URL to try are printed to stderr at start-up.

Once ready it prints exactly one line to stdout:

  listening on http://ADDR

It only listens on loopback addresses unless --allow-remote is given, and
stops cleanly on SIGINT (Ctrl-C) or SIGTERM.

Seed format (without --seed, the built-in example seed is used; it is
testdata/seed.json in the source tree; the README's "Seed file for serve"
documents every field: organizations with lockout policies, user states,
machine users, recovery codes, passkeys and U2F keys, IdP intents, OIDC
auth requests and SAML requests):

  {"users":  [{"id": "...", "loginName": "...", "displayName": "...",
               "organizationId": "...", "password": "...",
               "totpSecret": "BASE32", "email": "...", "phone": "..."}],
   "tokens": [{"token": "...", "permissions": ["session.read",
               "session.write", "session.delete"]}],
   "applications": [{"clientId": "...", "clientSecret": "(optional)",
               "redirectUris": ["..."], "postLogoutRedirectUris": ["..."],
               "loginBaseUri": "http://localhost:3000/ui/v2/login",
               "responseTypes": ["code"], "grantTypes":
               ["authorization_code", "refresh_token"],
               "pkceRequired": false}]}`,
		Example: `  zitadel-session serve --listen 127.0.0.1:8080 --seed seed.json &
  export ZITADEL_URL=http://127.0.0.1:8080 ZITADEL_TOKEN=dev-login-client-token
  zitadel-session login`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return invalidErrorf("--listen must be host:port, e.g. 127.0.0.1:8080")
			}
			if !isLoopbackHost(host) && !allowRemote {
				where := host
				if where == "" {
					where = "all interfaces"
				}
				return usageErrorf("refusing to listen on %s (%s is not a loopback address): this test server has no real security; pass --allow-remote to do it anyway", listen, where)
			}
			data := defaultSeed
			source := "the built-in example seed"
			if seedPath != "" {
				if data, err = os.ReadFile(seedPath); err != nil {
					return invalidErrorf("--seed: %s", pathError(err))
				}
				source = seedPath
			}
			seed, err := parseSeed(bytes.NewReader(data))
			if err != nil {
				return invalidErrorf("--seed %s: %v", source, err)
			}
			lagOpt, err := parseProjectionLag(lag)
			if err != nil {
				return invalidErrorf("--projection-lag: %v", err)
			}
			quietOIDCLogs(a.stderr)
			srv := sessiontest.NewUnstartedServer(lagOpt, sessiontest.WithOpenIDProvider())
			defer srv.Close()
			if err := applySeed(srv, seed); err != nil {
				return invalidErrorf("--seed %s: %v", source, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
			if err != nil {
				return &exitError{code: exitOther, msg: "cannot listen: " + err.Error()}
			}
			hs := srv.NewHTTPServer(srv.Handler()) // timeouts and limits: sessiontest.DefaultLimits
			served := make(chan error, 1)
			go func() { served <- hs.Serve(ln) }()
			if allowRemote && !isLoopbackHost(host) {
				fmt.Fprintln(a.stderr, "warning: --allow-remote: the test server is reachable from other machines")
			}
			fmt.Fprintf(a.stderr, "serving %d users and %d access tokens from %s; press Ctrl-C to stop\n", len(seed.Users), len(seed.Tokens), source)
			a.printOpenIDProvider(srv, "http://"+ln.Addr().String())
			fmt.Fprintf(a.stdout, "listening on http://%s\n", ln.Addr().String())
			select {
			case <-ctx.Done():
			case err := <-served:
				return fmt.Errorf("server stopped: %v", err)
			}
			shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("shutting down: %v", err)
			}
			fmt.Fprintln(a.stderr, "stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free port)")
	cmd.Flags().StringVar(&seedPath, "seed", "", "JSON `FILE` with users and access tokens (default: built-in example seed)")
	cmd.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	cmd.Flags().StringVar(&lag, "projection-lag", "", "make ListSessions and the user lookup lag writes like Zitadel's projections: `LIST[,USER]` durations, e.g. 30ms,120ms (default: no lag)")
	return cmd
}
