package interop_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectinprocess"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// Benchmarks compare, per RPC (GetSession, CreateSession with a user check
// only), these clients:
//
//	grpcgo        stock grpc-go ClientConn.Invoke (no generated stubs)
//	raw           generated connect-go v2 client (sessionv2connect) on a
//	              plain net/http client + a minimal bearer interceptor
//	helper        this project's session.Client (validation, conversion,
//	              typed errors, handle bookkeeping), default transport
//	grpcconn      session.Client over grpcconn.NewTransport (the nested
//	              grpcconn module): every call is a grpc-go
//	              ClientConn.Invoke on a stock grpc-go connection
//	grpcconn-raw  session.Client.Raw() over grpcconn (client-only), so
//	              grpcconn/grpcconn-raw isolates the session package and
//	              grpcconn-raw/grpcgo the connect-go client plus transport
//	helper-xnet   helper with session.WithXNetHTTP2() (golang.org/x/net/http2
//	              instead of net/http's bundled HTTP/2 client)
//	helper-raw    session.Client.Raw(): the generated client sharing the
//	              helper's connect.Client (interceptors, http.Transport), so
//	              helper/helper-raw isolates the session package's own cost
//	*-nogzip      raw / helper with connecthttp.WithCompressors() (no
//	              compression advertised), like grpc-go by default
//
// over these paths:
//
//	e2e-h2c          gRPC over cleartext HTTP/2 against sessiontest
//	e2e-tls          gRPC over TLS (HTTP/2 via ALPN) against sessiontest
//	e2e-connect-h1   Connect protocol over HTTP/1.1 against sessiontest
//	e2e-connect-h2c  Connect protocol over h2c against sessiontest
//	e2e-inprocess    connectinprocess against sessiontest's connect.Server
//	client-only      gRPC over h2c against a stock grpc-go server whose
//	                 handlers return a canned response (equal, tiny server
//	                 cost for every client)
//
// Benchmark names are BenchmarkGetSession/<path>/<client>, so benchstat shows
// one row per path and client. Besides ns/op, B/op and allocs/op each reports
// cpu-ns/op, the process's CPU time (user + system, client, server and GC)
// per call. Client and server share the process, so B/op
// and allocs/op include the server's allocations (identical per path except
// where the client's choices change the server's work, e.g. gzip).
// cmd/benchtable turns the output into the tables of BENCHMARKS.md.

// grpcHeaderKey carries a *metadata.MD to capture grpc-go response headers
// in TestBenchCases.
type grpcHeaderKey struct{}

type benchOp func(context.Context) error

// benchCase builds, for one "<path>/<client>" combination, its own servers
// and client, so that every sub-benchmark starts from an empty server store
// (CreateSession adds a session per call) and a fresh heap.
type benchCase struct {
	name  string
	setup func(tb testing.TB) (get, create benchOp)
}

func grpcgoOps(conn *grpc.ClientConn, token, sessionID, userID string, check func(*sessionv2.GetSessionResponse) error) (get, create benchOp) {
	get = func(ctx context.Context) error {
		ctx = bearer(ctx, token)
		res := new(sessionv2.GetSessionResponse)
		var opts []grpc.CallOption
		if hdr, ok := ctx.Value(grpcHeaderKey{}).(*metadata.MD); ok {
			opts = append(opts, grpc.Header(hdr))
		}
		if err := conn.Invoke(ctx, sessionv2connect.SessionServiceGetSessionProcedure,
			&sessionv2.GetSessionRequest{SessionId: sessionID}, res, opts...); err != nil {
			return err
		}
		return check(res)
	}
	create = func(ctx context.Context) error {
		ctx = bearer(ctx, token)
		res := new(sessionv2.CreateSessionResponse)
		if err := conn.Invoke(ctx, sessionv2connect.SessionServiceCreateSessionProcedure, &sessionv2.CreateSessionRequest{
			Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: userID}}},
		}, res); err != nil {
			return err
		}
		if res.GetSessionToken() == "" {
			return errors.New("no session token")
		}
		return nil
	}
	return get, create
}

func rawOps(raw sessionv2connect.SessionServiceClient, sessionID, userID string, check func(*sessionv2.GetSessionResponse) error) (get, create benchOp) {
	get = func(ctx context.Context) error {
		res, err := raw.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: sessionID})
		if err != nil {
			return err
		}
		return check(res)
	}
	create = func(ctx context.Context) error {
		res, err := raw.CreateSession(ctx, &sessionv2.CreateSessionRequest{
			Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: userID}}},
		})
		if err != nil {
			return err
		}
		if res.GetSessionToken() == "" {
			return errors.New("no session token")
		}
		return nil
	}
	return get, create
}

func helperOps(c *session.Client, sessionID, userID string) (get, create benchOp) {
	get = func(ctx context.Context) error {
		s, err := c.Get(ctx, sessionID)
		if err != nil {
			return err
		}
		if s.ID != sessionID || s.Factors.User.ID != userID {
			return errors.New("unexpected session")
		}
		return nil
	}
	create = func(ctx context.Context) error {
		h, _, err := c.Create(ctx, session.CheckUserID(userID))
		if err != nil {
			return err
		}
		if h.SessionToken() == "" {
			return errors.New("no session token")
		}
		return nil
	}
	return get, create
}

func sessionChecker(id string) func(*sessionv2.GetSessionResponse) error {
	return func(res *sessionv2.GetSessionResponse) error {
		if res.GetSession().GetId() != id || res.GetSession().GetFactors().GetUser().GetId() != aliceID {
			return errors.New("unexpected session")
		}
		return nil
	}
}

// seedSession creates a session for alice on srv (user check + metadata,
// in process) and returns its id.
func seedSession(tb testing.TB, srv *sessiontest.Server) string {
	tb.Helper()
	c := newHelper(tb, srv.URL(), session.WithPersonalAccessToken(loginPAT),
		session.WithTransport(connectinprocess.New(srv.ConnectServer())))
	h, _, err := c.Create(context.Background(), session.CheckUserID(aliceID), session.Metadata("k", []byte("v")))
	if err != nil {
		tb.Fatal(err)
	}
	return h.ID()
}

// e2e returns a setup that starts a fresh sessiontest server (TLS or
// cleartext) with one seeded session and builds a client with mk.
func e2e(withTLS bool, mk func(tb testing.TB, srv *sessiontest.Server, id string) (get, create benchOp)) func(testing.TB) (benchOp, benchOp) {
	return func(tb testing.TB) (benchOp, benchOp) {
		var opts []sessiontest.Option
		if withTLS {
			opts = append(opts, sessiontest.WithTLS())
		}
		srv := newSessiontest(tb, opts...)
		return mk(tb, srv, seedSession(tb, srv))
	}
}

// clientOnly returns a setup that starts a fresh stock grpc-go server with
// canned responses and builds a client with mk.
func clientOnly(mk func(tb testing.TB, base string, check func(*sessionv2.GetSessionResponse) error) (get, create benchOp)) func(testing.TB) (benchOp, benchOp) {
	return func(tb testing.TB) (benchOp, benchOp) {
		base := startGRPCGo(tb, newFakeService(false))
		return mk(tb, base, sessionChecker(fakeSessionID))
	}
}

func helperOn(tb testing.TB, base, token string, opts ...session.Option) *session.Client {
	return newHelper(tb, base, append([]session.Option{session.WithPersonalAccessToken(token)}, opts...)...)
}

var benchCases = []benchCase{
	// sessiontest, gRPC over cleartext HTTP/2.
	{"e2e-h2c/grpcgo", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return grpcgoOps(dialGRPC(tb, hostPort(tb, srv.URL()), nil), loginPAT, id, aliceID, sessionChecker(id))
	})},
	{"e2e-h2c/raw", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClient(h2cClient(tb), srv.URL(), loginPAT, connecthttp.WithGRPC()), id, aliceID, sessionChecker(id))
	})},
	{"e2e-h2c/helper", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithGRPC()), id, aliceID)
	})},
	{"e2e-h2c/grpcconn", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithTransport(
			grpcconn.NewTransport(dialGRPC(tb, hostPort(tb, srv.URL()), nil)))), id, aliceID)
	})},
	{"e2e-h2c/helper-xnet", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithGRPC(), session.WithXNetHTTP2()), id, aliceID)
	})},
	{"e2e-h2c/helper-raw", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(helperOn(tb, srv.URL(), loginPAT, session.WithGRPC()).Raw(), id, aliceID, sessionChecker(id))
	})},
	// The same two clients not advertising gzip (connecthttp.WithCompressors()
	// with no compressors), so that sessiontest answers uncompressed, as it
	// does for grpc-go, which does not ask for compressed responses.
	{"e2e-h2c/raw-nogzip", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClient(h2cClient(tb), srv.URL(), loginPAT, connecthttp.WithGRPC(), connecthttp.WithCompressors()),
			id, aliceID, sessionChecker(id))
	})},
	{"e2e-h2c/helper-nogzip", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithTransport(
			connecthttp.NewTransport(h2cClient(tb), srv.URL(), connecthttp.WithGRPC(), connecthttp.WithCompressors()))), id, aliceID)
	})},

	// sessiontest, Connect protocol over h2c and over HTTP/1.1 (the
	// helper's default for http:// URLs).
	{"e2e-connect-h2c/raw", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClient(h2cClient(tb), srv.URL(), loginPAT), id, aliceID, sessionChecker(id))
	})},
	{"e2e-connect-h2c/helper", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithHTTPClient(h2cClient(tb))), id, aliceID)
	})},
	{"e2e-connect-h1/raw", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClient(http1Client(tb, nil), srv.URL(), loginPAT), id, aliceID, sessionChecker(id))
	})},
	{"e2e-connect-h1/helper", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT), id, aliceID)
	})},

	// sessiontest's connect.Server in process (no network, no HTTP).
	{"e2e-inprocess/raw", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClientOver(connectinprocess.New(srv.ConnectServer()), loginPAT), id, aliceID, sessionChecker(id))
	})},
	{"e2e-inprocess/helper", e2e(false, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithTransport(connectinprocess.New(srv.ConnectServer()))), id, aliceID)
	})},

	// sessiontest over TLS: gRPC over HTTP/2 (ALPN).
	{"e2e-tls/grpcgo", e2e(true, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return grpcgoOps(dialGRPC(tb, hostPort(tb, srv.URL()), serverRootCAs(tb, srv)), loginPAT, id, aliceID, sessionChecker(id))
	})},
	{"e2e-tls/raw", e2e(true, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return rawOps(rawClient(srv.Client(), srv.URL(), loginPAT, connecthttp.WithGRPC()), id, aliceID, sessionChecker(id))
	})},
	{"e2e-tls/helper", e2e(true, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithGRPC(), session.WithCAPool(serverRootCAs(tb, srv))), id, aliceID)
	})},

	{"e2e-tls/helper-xnet", e2e(true, func(tb testing.TB, srv *sessiontest.Server, id string) (benchOp, benchOp) {
		return helperOps(helperOn(tb, srv.URL(), loginPAT, session.WithGRPC(), session.WithCAPool(serverRootCAs(tb, srv)),
			session.WithXNetHTTP2()), id, aliceID)
	})},

	// Client cost only: a stock grpc-go server with canned responses.
	{"client-only/grpcgo", clientOnly(func(tb testing.TB, base string, check func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return grpcgoOps(dialGRPC(tb, hostPort(tb, base), nil), fakeToken, fakeSessionID, aliceID, check)
	})},
	{"client-only/raw", clientOnly(func(tb testing.TB, base string, check func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return rawOps(rawClient(h2cClient(tb), base, fakeToken, connecthttp.WithGRPC()), fakeSessionID, aliceID, check)
	})},
	{"client-only/helper", clientOnly(func(tb testing.TB, base string, _ func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return helperOps(helperOn(tb, base, fakeToken, session.WithGRPC()), fakeSessionID, aliceID)
	})},
	{"client-only/grpcconn", clientOnly(func(tb testing.TB, base string, _ func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return helperOps(helperOn(tb, base, fakeToken, session.WithTransport(
			grpcconn.NewTransport(dialGRPC(tb, hostPort(tb, base), nil)))), fakeSessionID, aliceID)
	})},
	{"client-only/grpcconn-raw", clientOnly(func(tb testing.TB, base string, check func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return rawOps(helperOn(tb, base, fakeToken, session.WithTransport(
			grpcconn.NewTransport(dialGRPC(tb, hostPort(tb, base), nil)))).Raw(), fakeSessionID, aliceID, check)
	})},
	{"client-only/helper-xnet", clientOnly(func(tb testing.TB, base string, _ func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return helperOps(helperOn(tb, base, fakeToken, session.WithGRPC(), session.WithXNetHTTP2()), fakeSessionID, aliceID)
	})},
	{"client-only/helper-raw", clientOnly(func(tb testing.TB, base string, check func(*sessionv2.GetSessionResponse) error) (benchOp, benchOp) {
		return rawOps(helperOn(tb, base, fakeToken, session.WithGRPC()).Raw(), fakeSessionID, aliceID, check)
	})},
}

func runBench(b *testing.B, create bool) {
	ctx := context.Background()
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			get, cr := bc.setup(b)
			op := get
			if create {
				op = cr
			}
			// One warm-up call opens the connection outside the timed loop.
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if err := op(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := processCPU() - cpu; cpu > 0 {
				// Process CPU time per call: unlike ns/op it hardly moves
				// when other processes compete for the machine's cores.
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

func BenchmarkGetSession(b *testing.B) {
	runBench(b, false)
}

func BenchmarkCreateSession(b *testing.B) {
	runBench(b, true)
}

// TestBenchCases runs every benchmark operation once, so that `go test`
// (without -bench) proves each client/path combination works and returns
// the expected data.
func TestBenchCases(t *testing.T) {
	if len(benchCases) != 25 {
		t.Errorf("%d benchmark cases, want 25", len(benchCases))
	}
	for _, bc := range benchCases {
		t.Run(bc.name, func(t *testing.T) {
			get, create := bc.setup(t)
			ctx, info := connect.NewClientContext(t.Context())
			var hdr metadata.MD
			ctx = context.WithValue(ctx, grpcHeaderKey{}, &hdr)
			if err := get(ctx); err != nil {
				t.Errorf("GetSession: %v", err)
			}
			if err := create(t.Context()); err != nil {
				t.Errorf("CreateSession: %v", err)
			}
			// Check that each case measures the protocol it claims.
			var httpProto string
			if hi, ok := connecthttp.ClientInfoForContext(ctx); ok {
				httpProto = hi.ResponseProto()
			}
			path, client, _ := strings.Cut(bc.name, "/")
			var wantProto, wantHTTP string
			switch {
			case client == "grpcgo":
				if ct := hdr.Get("content-type"); len(ct) != 1 || ct[0] != "application/grpc" {
					t.Errorf("grpc-go response content-type %q", ct)
				}
				// grpc-go asks servers for every compressor registered in
				// the process; none is, so sessiontest answers uncompressed
				// (gzip is tested in ./gzipinterop, a binary of its own).
				if c := encoding.GetCompressor("gzip"); c != nil {
					t.Error("a gRPC gzip compressor is registered in the benchmark binary: grpc-go would ask for gzip responses")
				}
			case strings.HasPrefix(client, "grpcconn"):
				// grpc-go's own HTTP/2 client: no connect-go HTTP info.
				if httpProto != "" || info.Protocol != "grpc" || info.TransportInfo != nil {
					t.Errorf("grpcconn: protocol %q, HTTP %q, transport info %T", info.Protocol, httpProto, info.TransportInfo)
				}
			case path == "e2e-inprocess":
				if httpProto != "" {
					t.Errorf("in-process call went over HTTP %q", httpProto)
				}
			case strings.HasPrefix(path, "e2e-connect-"):
				wantProto, wantHTTP = "connect", "HTTP/2.0"
				if path == "e2e-connect-h1" {
					wantHTTP = "HTTP/1.1"
				}
			default:
				wantProto, wantHTTP = "grpc", "HTTP/2.0"
			}
			if wantProto != "" && (info.Protocol != wantProto || httpProto != wantHTTP) {
				t.Errorf("protocol %q over %q, want %q over %q", info.Protocol, httpProto, wantProto, wantHTTP)
			}
			t.Logf("protocol=%q http=%q response-encoding=%q", info.Protocol, httpProto, info.ResponseEncoding)
		})
	}
}
