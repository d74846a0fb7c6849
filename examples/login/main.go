// Command login is a reference login service for Zitadel, built on the
// session package: a few server-rendered pages (net/http, html/template, no
// JavaScript framework) that take the browser from Zitadel's authorize
// endpoint through login name, password and a second factor or a passkey,
// and back to the application.
//
// Without flags it starts everything on this machine: the in-memory
// Zitadel stand-in (package sessiontest, the same server as
// `zitadel-session serve`), the login service and a demo application, and
// prints one URL to open in a browser:
//
//	go run ./examples/login
//
// Against a real Zitadel, give its URL, a login client's token and the
// demo application's client ID (an OIDC app with "Login V2" whose login
// base URI is this service's <public URL><base path>):
//
//	ZITADEL_TOKEN=… go run ./examples/login -zitadel https://my.zitadel.cloud -client-id 1234…
//
// Where Zitadel requires Login V2 for the whole instance without an
// instance-wide login base URI (feature loginV2), /oauth/v2/authorize
// ignores the app's base URI and answers with the relative
// /ui/v2/login/login?authRequest=V2_…, on Zitadel's own host: there a
// reverse proxy must send <base path>/ to this service (or set the
// instance's login V2 base URI to it).
//
// Flags fall back to the environment variables named in their usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sessionkit/zitadel-session-go/session"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "login:", err)
		os.Exit(1)
	}
}

// config is the service's configuration, from flags and environment.
type config struct {
	zitadelURL   string // empty: start the stand-in in process
	token        string // the login client's personal access token
	issuer       string
	clientID     string
	listen       string
	publicURL    string
	basePath     string
	cookieSecret []byte
	maxAttempts  int
	lifetime     time.Duration
	loginTimeout time.Duration
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	var tokenFile, cookieSecret string
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.zitadelURL, "zitadel", env("ZITADEL_URL", ""), "Zitadel's URL (ZITADEL_URL); empty: start the in-memory stand-in")
	fs.StringVar(&tokenFile, "token-file", env("ZITADEL_TOKEN_FILE", ""), "file with the login client's personal access token (ZITADEL_TOKEN_FILE; or the token itself in ZITADEL_TOKEN)")
	fs.StringVar(&c.issuer, "issuer", env("ZITADEL_ISSUER", ""), "OpenID issuer for the demo app (ZITADEL_ISSUER; default: the Zitadel URL)")
	fs.StringVar(&c.clientID, "client-id", env("APP_CLIENT_ID", ""), "the demo app's OIDC client ID (APP_CLIENT_ID; the stand-in has its own)")
	fs.StringVar(&c.listen, "listen", env("LOGIN_LISTEN", "127.0.0.1:9999"), "address to listen on (LOGIN_LISTEN)")
	fs.StringVar(&c.publicURL, "public-url", env("LOGIN_PUBLIC_URL", ""), "this service's origin as browsers see it (LOGIN_PUBLIC_URL; default http://localhost:<port>)")
	fs.StringVar(&c.basePath, "base-path", env("LOGIN_BASE_PATH", "/ui/v2/login"), "path of the login pages (LOGIN_BASE_PATH)")
	fs.IntVar(&c.maxAttempts, "max-password-attempts", 0, "the lockout policy's password limit, to tell users how many attempts are left (0: unknown; the stand-in's: 3)")
	fs.DurationVar(&c.lifetime, "session-lifetime", 12*time.Hour, "lifetime of the sessions created")
	fs.DurationVar(&c.loginTimeout, "login-timeout", 15*time.Minute, "how long one login may take (the flow cookie's max age)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.token = getenv("ZITADEL_TOKEN")
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return c, fmt.Errorf("-token-file: %w", err)
		}
		c.token = strings.TrimSpace(string(b))
	}
	if c.zitadelURL != "" && (c.token == "" || c.clientID == "") {
		return c, errors.New("with -zitadel, set ZITADEL_TOKEN (or -token-file) and -client-id")
	}
	if c.issuer == "" {
		c.issuer = c.zitadelURL
	}
	if !strings.HasPrefix(c.basePath, "/") || strings.HasSuffix(c.basePath, "/") || c.basePath == appPath {
		return c, fmt.Errorf("-base-path must start and not end with / and not be %s", appPath)
	}
	if cookieSecret = getenv("LOGIN_COOKIE_SECRET"); cookieSecret != "" {
		if len(cookieSecret) < 32 {
			return c, errors.New("LOGIN_COOKIE_SECRET: need at least 32 characters")
		}
		c.cookieSecret = []byte(cookieSecret)
	}
	return c, nil
}

// run starts the demo, prints its URL and serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	// Libraries that log through the default logger (the stand-in's OpenID
	// provider lists its routes at start-up) only speak up for warnings.
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	d, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, d.URL)
	<-ctx.Done()
	return d.Close()
}

// demo is a running login service with its app (and stand-in).
type demo struct {
	// URL is the page to open: the demo app.
	URL string
	// StandIn is the in-process Zitadel stand-in; nil with a real Zitadel.
	StandIn *standIn
	// Login is the login service.
	Login *loginUI

	server  *http.Server
	zitadel *session.Client
}

// start listens, wires Zitadel (or the stand-in), the login service and the
// app, and serves in the background.
func start(ctx context.Context, cfg config, log *slog.Logger) (_ *demo, err error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.listen)
	if err != nil {
		return nil, err
	}
	d := &demo{}
	defer func() {
		if err != nil {
			_ = ln.Close()
			_ = d.Close()
		}
	}()
	if cfg.publicURL == "" {
		// "localhost", not 127.0.0.1: browsers allow WebAuthn on
		// localhost, never on an IP address.
		cfg.publicURL = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	}
	public, err := url.Parse(cfg.publicURL)
	if err != nil || (public.Scheme != "http" && public.Scheme != "https") || public.Host == "" || public.Path != "" {
		return nil, fmt.Errorf("-public-url %q: want an origin such as https://login.example.com", cfg.publicURL)
	}
	secure := public.Scheme == "https"
	loginBase := cfg.publicURL + cfg.basePath
	redirectURI := cfg.publicURL + appPath + "/callback"

	if cfg.zitadelURL == "" {
		if d.StandIn, err = startStandIn(cfg.publicURL, loginBase, redirectURI); err != nil {
			return nil, err
		}
		cfg.zitadelURL, cfg.issuer, cfg.token, cfg.clientID = d.StandIn.URL, d.StandIn.Issuer, d.StandIn.Token, d.StandIn.ClientID
		cfg.maxAttempts = standInMaxPasswordAttempts
	}
	if d.zitadel, err = session.New(cfg.zitadelURL, session.WithPersonalAccessToken(cfg.token)); err != nil {
		return nil, err
	}
	if cfg.cookieSecret == nil {
		cfg.cookieSecret = []byte(randomSecret())
		log.Info("LOGIN_COOKIE_SECRET is not set: logins in progress do not survive a restart")
	}
	cookies, err := newFlowCookies(cfg.cookieSecret, cfg.basePath, secure, cfg.loginTimeout)
	if err != nil {
		return nil, err
	}
	vs, err := newViews(cfg.basePath, log)
	if err != nil {
		return nil, err
	}
	d.Login = &loginUI{
		zitadel: d.zitadel, cookies: cookies, views: vs, base: cfg.basePath,
		publicURL: cfg.publicURL, rpID: public.Hostname(), lifetime: cfg.lifetime,
		maxPasswordAttempts: cfg.maxAttempts, now: time.Now, log: log,
	}
	app, err := newDemoApp(ctx, cfg.issuer, cfg.clientID, redirectURI, secure, http.DefaultClient, vs, log)
	if err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	if d.StandIn != nil {
		app.hint = d.StandIn.hint
		d.Login.now = d.StandIn.Clock().Now
	}

	mux := http.NewServeMux()
	mux.Handle(cfg.basePath+"/", d.Login.handler())
	mux.Handle(appPath, app.handler())
	mux.Handle(appPath+"/", app.handler())
	mux.Handle("GET /{$}", http.RedirectHandler(appPath, http.StatusFound))
	d.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go func() { _ = d.server.Serve(ln) }()
	d.URL = cfg.publicURL + appPath
	return d, nil
}

// Close stops the service and the stand-in.
func (d *demo) Close() error {
	var err error
	if d.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = d.server.Shutdown(ctx)
	}
	if d.zitadel != nil {
		_ = d.zitadel.Close()
	}
	if d.StandIn != nil {
		d.StandIn.Close()
	}
	return err
}
