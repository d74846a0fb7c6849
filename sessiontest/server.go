package sessiontest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// DefaultOrganizationID is the organization of users added without an
// OrganizationID and of generated machine users.
const DefaultOrganizationID = "100000000000000001"

// DefaultRetention is how long terminated sessions and sessions that expired
// are kept before they are purged from memory (see WithRetention).
const DefaultRetention = time.Hour

type config struct {
	tls             bool
	clock           *Clock
	maxPassword     int
	maxOTP          int
	instanceID      string
	hashCost        int
	retention       time.Duration
	webauthnOrigins []string
	otpCodeLifetime time.Duration
	intentLifetime  time.Duration
	outboxCapacity  int
	defaultOrgID    string
	openIDProvider  bool          // WithOpenIDProvider
	issuer          string        // WithIssuer
	listLag         time.Duration // WithProjectionLag
	userLag         time.Duration
	limits          Limits // WithLimits
	maxListPage     int
}

// Option configures a Server.
type Option func(*config)

// WithTLS makes the server serve HTTPS (HTTP/2 and HTTP/1.1 via ALPN) with a
// freshly generated self-signed certificate for 127.0.0.1. Server.Client
// trusts that certificate.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithClock makes the server use c as its time source. Keep the pointer to
// move time; Server.Clock returns the same clock.
func WithClock(c *Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	}
}

// WithLockoutPolicy sets the instance lockout policy: a user is locked when
// the number of failed password checks reaches maxPasswordAttempts, or the
// number of failed TOTP/OTP/recovery-code checks reaches maxOTPAttempts.
// Zero (the default, as in Zitadel) disables locking for that kind.
func WithLockoutPolicy(maxPasswordAttempts, maxOTPAttempts int) Option {
	return func(c *config) {
		c.maxPassword = max(0, maxPasswordAttempts)
		c.maxOTP = max(0, maxOTPAttempts)
	}
}

// WithInstanceID sets the instance ID, returned as details.resource_owner by
// Create/Set/Delete. By default a random numeric ID is generated.
func WithInstanceID(id string) Option { return func(c *config) { c.instanceID = id } }

// WithPasswordHashCost sets the bcrypt cost used to hash user passwords.
// The default is bcrypt.MinCost (4): a test server checks passwords on the
// hot path of almost every login test, and at Zitadel's production cost
// (≈10–14) each check would take tens to hundreds of milliseconds, making
// suites slow without testing anything more. Out-of-range values are clamped.
func WithPasswordHashCost(cost int) Option {
	return func(c *config) { c.hashCost = min(max(cost, bcrypt.MinCost), bcrypt.MaxCost) }
}

// WithRetention sets how long terminated sessions and expired sessions are
// kept (measured from termination or expiration on the server clock) before
// they are purged. Purging happens incrementally on writes. Default
// DefaultRetention.
func WithRetention(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.retention = d
		}
	}
}

// WithWebAuthnOrigins adds origins accepted in WebAuthn assertions in addition
// to "https://<rp id>" and the origins of registered Authenticators.
func WithWebAuthnOrigins(origins ...string) Option {
	return func(c *config) { c.webauthnOrigins = append(c.webauthnOrigins, origins...) }
}

// Server is an in-memory implementation of Zitadel's
// zitadel.session.v2.SessionService (plus the OIDC CreateCallback /
// GetAuthRequest and SAML CreateResponse / GetSAMLRequest RPCs) listening on
// a loopback address, in the style of net/http/httptest.Server.
//
// All methods are safe for concurrent use.
type Server struct {
	cfg        config
	clock      *Clock
	connect    *connect.Server
	listener   net.Listener
	httpServer *http.Server
	certPool   *x509.CertPool
	url        string
	startOnce  sync.Once
	closeOnce  sync.Once
	serveDone  chan struct{}

	clientMu   sync.Mutex
	transports []*http.Transport

	oidc *oidcProvider // nil without WithOpenIDProvider

	store
}

// NewServer starts and returns a new Server listening on 127.0.0.1 on a
// random port. The caller should call Close when finished.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a new Server that is not yet listening. Call
// Start to serve over loopback, or use Mount / ConnectServer without Start.
// Users, tokens and intents may be added before starting.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{
		hashCost:        bcrypt.MinCost,
		retention:       DefaultRetention,
		otpCodeLifetime: 5 * time.Minute,
		intentLifetime:  time.Hour,
		outboxCapacity:  10000,
		defaultOrgID:    DefaultOrganizationID,
		limits:          DefaultLimits(),
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.clock == nil {
		cfg.clock = &Clock{}
	}
	if cfg.instanceID == "" {
		cfg.instanceID = randomNumericID()
	}
	if cfg.issuer != "" {
		issuer, err := checkIssuer(cfg.issuer)
		if err != nil {
			panic(err.Error())
		}
		cfg.issuer = issuer
	}
	cfg.maxListPage = cfg.limits.MaxListPage
	s := &Server{cfg: cfg, clock: cfg.clock}
	s.store.init(s)
	s.connect = connect.NewServer(recoverInterceptor, s.authInterceptor)
	h := &handler{s: s}
	sessionv2connect.RegisterSessionServiceHandler(s.connect, h)
	oidcv2connect.RegisterOIDCServiceHandler(s.connect, &oidcHandler{s: s})
	samlv2connect.RegisterSAMLServiceHandler(s.connect, &samlHandler{s: s})
	if cfg.openIDProvider {
		s.oidc = newOIDCProvider(s)
	}
	return s
}

// Start starts serving on 127.0.0.1:0. It panics only if no loopback port
// can be opened (as httptest does). Calling Start twice is a no-op.
func (s *Server) Start() {
	s.startOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(fmt.Sprintf("sessiontest: failed to listen on a loopback port: %v", err))
		}
		srv := s.NewHTTPServer(s.Handler())
		protocols := srv.Protocols
		scheme := "http"
		if s.cfg.tls {
			cert, pool, err := selfSignedCert()
			if err != nil {
				_ = ln.Close()
				panic(fmt.Sprintf("sessiontest: failed to create a TLS certificate: %v", err))
			}
			s.certPool = pool
			protocols.SetUnencryptedHTTP2(false)
			protocols.SetHTTP2(true)
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
			ln = tls.NewListener(ln, srv.TLSConfig)
			scheme = "https"
		}
		s.listener = ln
		s.httpServer = srv
		s.url = scheme + "://" + ln.Addr().String()
		s.serveDone = make(chan struct{})
		go func() {
			defer close(s.serveDone)
			_ = srv.Serve(ln)
		}()
	})
}

// URL returns the base URL of the server, "http://127.0.0.1:PORT" (or
// "https://..." with WithTLS). It is empty before Start.
func (s *Server) URL() string { return s.url }

// Client returns an HTTP client configured for the server: for an http
// server it speaks cleartext HTTP/2 (h2c, prior knowledge), which all three
// protocols (Connect, gRPC, gRPC-Web) work over; for a WithTLS server it
// negotiates HTTP/2 or HTTP/1.1 via ALPN and trusts the generated
// certificate (so call it after Start). The server also accepts plain
// HTTP/1.1 clients. Idle connections of returned clients are closed by Close.
func (s *Server) Client() *http.Client {
	tr := &http.Transport{ForceAttemptHTTP2: true}
	protocols := new(http.Protocols)
	if s.cfg.tls {
		protocols.SetHTTP1(true)
		protocols.SetHTTP2(true)
		tr.TLSClientConfig = &tls.Config{RootCAs: s.certPool, MinVersion: tls.VersionTLS12}
	} else {
		// Only UnencryptedHTTP2: when HTTP1 is also set, net/http uses
		// HTTP/1.1 for http:// URLs, and gRPC would not really run over
		// HTTP/2. The server itself accepts both HTTP/1.1 and h2c.
		protocols.SetUnencryptedHTTP2(true)
	}
	tr.Protocols = protocols
	s.clientMu.Lock()
	s.transports = append(s.transports, tr)
	s.clientMu.Unlock()
	return &http.Client{Transport: tr}
}

// Close shuts the server down, closes client connections made through
// Client, and waits for serving goroutines to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.clientMu.Lock()
		for _, tr := range s.transports {
			tr.CloseIdleConnections()
		}
		s.transports = nil
		s.clientMu.Unlock()
		if s.httpServer != nil {
			// Like httptest: stop accepting, then close all connections.
			_ = s.httpServer.Close()
			<-s.serveDone
		}
	})
}

// Mount installs the server's handlers on mux, so they can be served by the
// caller's own http.Server: the RPCs (Connect, gRPC and gRPC-Web), Zitadel's
// REST paths for them, gRPC server reflection and health, and with
// WithOpenIDProvider the OpenID provider's endpoints. CORS is not included;
// Handler has everything with CORS.
func (s *Server) Mount(mux *http.ServeMux) {
	connecthttp.Mount(mux, s.connect, connecthttp.WithCodecs(zitadelCodecs()...), connecthttp.WithReadMaxBytes(s.cfg.limits.MaxRequestBytes))
	s.mountSurfaces(mux)
}

// Handler returns everything Mount installs, on a new mux, behind Zitadel's
// CORS policy (see cors.go): what Start serves.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	return withCORS(mux)
}

// ConnectServer returns the connect.Server with all services registered, for
// use with connectinprocess.New.
func (s *Server) ConnectServer() *connect.Server { return s.connect }

// Clock returns the server's clock.
func (s *Server) Clock() *Clock { return s.clock }

// InstanceID returns the instance ID (the resource owner of all sessions).
func (s *Server) InstanceID() string { return s.cfg.instanceID }

func recoverInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = connect.NewError(connect.CodeInternal, "internal error in sessiontest server")
			}
		}()
		return next(ctx, spec, stream)
	}
}

func selfSignedCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"sessiontest"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// randomNumericID returns an 18-digit numeric string.
func randomNumericID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(8e17))
	if err != nil {
		return "200000000000000000"
	}
	return strconv.FormatInt(n.Int64()+1e17, 10)
}
