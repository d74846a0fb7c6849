package sessiontest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/grpcreflect/v2"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

var wantServices = []string{
	"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
	"zitadel.oidc.v2.OIDCService", "zitadel.saml.v2.SAMLService", "zitadel.session.v2.SessionService",
}

// TestReflection lists the services and fetches their descriptors over
// gRPC server reflection v1, without credentials.
func TestReflection(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	client := grpcreflect.NewClient(connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), connecthttp.WithGRPC())))
	stream := client.NewStream(t.Context())
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(names))
	for i, n := range names {
		got[i] = string(n)
	}
	slices.Sort(got)
	if !slices.Equal(got, wantServices) {
		t.Errorf("services = %v, want %v", got, wantServices)
	}
	for _, sym := range []protoreflect.FullName{"zitadel.session.v2.SessionService", "zitadel.oidc.v2.CreateCallbackRequest", "grpc.health.v1.Health"} {
		files, err := stream.FileContainingSymbol(sym)
		if err != nil || len(files) == 0 {
			t.Errorf("FileContainingSymbol(%s) = %d files, %v", sym, len(files), err)
		}
	}
	if _, err := stream.FileContainingSymbol("no.such.Service"); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("unknown symbol: %v", err)
	}
}

// rawCodec passes protobuf bytes through unchanged, so that a test can
// speak a service whose Go types it does not have.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) MarshalWrite(_ context.Context, dst io.Writer, msg any) error {
	b, ok := msg.(*[]byte)
	if !ok {
		return errors.New("rawCodec wants *[]byte")
	}
	_, err := dst.Write(*b)
	return err
}

func (rawCodec) UnmarshalRead(_ context.Context, src io.Reader, msg any) error {
	b, ok := msg.(*[]byte)
	if !ok {
		return errors.New("rawCodec wants *[]byte")
	}
	data, err := io.ReadAll(src)
	*b = data
	return err
}

// TestReflectionV1Alpha lists the services over the v1alpha protocol (the
// one grpcurl and older tools speak), with hand-encoded messages.
func TestReflectionV1Alpha(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	cl := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), connecthttp.WithGRPC(), connecthttp.WithCodecs(rawCodec{})))
	spec := connect.Spec{StreamType: connect.StreamTypeBidi, Procedure: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	stream, err := cl.CallClientStream(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	// ServerReflectionRequest{list_services (7): "*"}
	req := protowire.AppendString(protowire.AppendTag(nil, 7, protowire.BytesType), "*")
	if err := stream.Send(&req); err != nil {
		t.Fatal(err)
	}
	var res []byte
	if err := stream.Receive(&res); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	for {
		var more []byte
		if err := stream.Receive(&more); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	// ServerReflectionResponse{list_services_response (6): {service (1): {name (1)}}}
	var got []string
	for _, lsr := range fields(t, res, 6) {
		for _, svc := range fields(t, lsr, 1) {
			for _, name := range fields(t, svc, 1) {
				got = append(got, string(name))
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, wantServices) {
		t.Errorf("v1alpha services = %v, want %v", got, wantServices)
	}
}

// fields returns the length-delimited values of field num in b.
func fields(t *testing.T, b []byte, num protowire.Number) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			t.Fatalf("bad protobuf: %v", protowire.ParseError(l))
		}
		b = b[l:]
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			t.Fatalf("bad protobuf: %v", protowire.ParseError(l))
		}
		if n == num && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			out = append(out, v)
		}
		b = b[l:]
	}
	return out
}

// TestHealth: grpc.health.v1.Health answers Check over gRPC and Connect
// JSON: SERVING for the server and each service, NOT_FOUND for others.
func TestHealth(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	cl := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), connecthttp.WithGRPC(), connecthttp.WithCodecs(rawCodec{})))
	spec := connect.Spec{StreamType: connect.StreamTypeUnary, Procedure: "/grpc.health.v1.Health/Check"}
	for _, tc := range []struct {
		service string
		code    connect.Code
	}{{"", 0}, {"zitadel.session.v2.SessionService", 0}, {"no.such.Service", connect.CodeNotFound}} {
		req := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), tc.service)
		var res []byte
		err := cl.CallUnary(t.Context(), spec, &req, &res)
		if connect.CodeOf(err) != tc.code && !(tc.code == 0 && err == nil) {
			t.Errorf("Check(%q) = %v, want code %v", tc.service, err, tc.code)
			continue
		}
		if tc.code == 0 {
			// HealthCheckResponse{status (1): SERVING (1)}
			if want := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1); string(res) != string(want) {
				t.Errorf("Check(%q) = %x, want SERVING", tc.service, res)
			}
		}
	}
	res, err := http.Post(srv.URL()+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader(`{"service":""}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if res.StatusCode != 200 || strings.ReplaceAll(string(body), " ", "") != `{"status":"SERVING"}` {
		t.Errorf("Connect JSON Check: %d %s", res.StatusCode, body)
	}
}

// TestBufCurl uses the buf CLI pinned in tools/go.mod, as a developer
// would: list the services and call an RPC with no schema but reflection.
func TestBufCurl(t *testing.T) {
	heavytest.Require(t) // builds and runs buf: ZS_HEAVY_TESTS=1, as in CI
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	srv := sessiontest.NewServer()
	defer srv.Close()
	if err := srv.AddAccessToken("buf-token", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite); err != nil {
		t.Fatal(err)
	}
	buf := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"tool", "-modfile=tools/go.mod", "buf"}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("buf %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	list := buf("curl", "--http2-prior-knowledge", "--list-services", srv.URL())
	for _, s := range wantServices {
		if !strings.Contains(list, s) {
			t.Errorf("buf curl --list-services lacks %s:\n%s", s, list)
		}
	}
	for _, protocol := range []string{"grpc", "connect", "grpcweb"} {
		out := buf("curl", "--http2-prior-knowledge", "--protocol", protocol, "-H", "Authorization: Bearer buf-token",
			"-d", `{"metadata": {"k": "dg=="}}`, srv.URL()+"/zitadel.session.v2.SessionService/CreateSession")
		if !strings.Contains(out, `"sessionId"`) || !strings.Contains(out, `"sessionToken"`) {
			t.Errorf("buf curl --protocol %s CreateSession:\n%s", protocol, out)
		}
	}
}
