package grpcconn_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	"github.com/sessionkit/zitadel-session-go/grpcconn"
)

// A hand-written grpc-go streaming service over wrapperspb.StringValue.
const stringsService = "grpcconn.test.Strings"

type stringsServer struct {
	hung chan error // the context error of each ended Hang call
}

func (s *stringsServer) repeat(_ any, ss grpc.ServerStream) error {
	req := new(wrapperspb.StringValue)
	if err := ss.RecvMsg(req); err != nil {
		return err
	}
	md, _ := metadata.FromIncomingContext(ss.Context())
	if err := ss.SendHeader(metadata.Pairs("x-h", "h-"+strings.Join(md.Get("x-req"), ","))); err != nil {
		return err
	}
	ss.SetTrailer(metadata.Pairs("x-t", "t"))
	for i := range 3 {
		if err := ss.SendMsg(wrapperspb.String(req.GetValue() + string(rune('1'+i)))); err != nil {
			return err
		}
		if req.GetValue() == "fail" {
			st, _ := status.New(codes.FailedPrecondition, "stopped (TEST-1)").WithDetails(&zitadelv1.ErrorDetail{Id: "TEST-1", Message: "stopped"})
			return st.Err()
		}
	}
	return nil
}

func (s *stringsServer) join(_ any, ss grpc.ServerStream) error {
	var parts []string
	for {
		m := new(wrapperspb.StringValue)
		err := ss.RecvMsg(m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		parts = append(parts, m.GetValue())
	}
	return ss.SendMsg(wrapperspb.String(strings.Join(parts, "+")))
}

func (s *stringsServer) echo(_ any, ss grpc.ServerStream) error {
	for {
		m := new(wrapperspb.StringValue)
		err := ss.RecvMsg(m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := ss.SendMsg(wrapperspb.String(strings.ToUpper(m.GetValue()))); err != nil {
			return err
		}
	}
}

func (s *stringsServer) hang(_ any, ss grpc.ServerStream) error {
	if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
		return err
	}
	if err := ss.SendMsg(wrapperspb.String("started")); err != nil {
		return err
	}
	<-ss.Context().Done()
	s.hung <- ss.Context().Err()
	return ss.Context().Err()
}

func serveStrings(t *testing.T) (string, *stringsServer) {
	t.Helper()
	impl := &stringsServer{hung: make(chan error, 1)}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	gs := grpc.NewServer()
	gs.RegisterService(&grpc.ServiceDesc{
		ServiceName: stringsService,
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{
			{StreamName: "Repeat", Handler: impl.repeat, ServerStreams: true},
			{StreamName: "Join", Handler: impl.join, ClientStreams: true},
			{StreamName: "Echo", Handler: impl.echo, ServerStreams: true, ClientStreams: true},
			{StreamName: "Hang", Handler: impl.hang, ServerStreams: true},
		},
	}, impl)
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	return lis.Addr().String(), impl
}

func spec(method string, st connect.StreamType) connect.Spec {
	return connect.Spec{Procedure: "/" + stringsService + "/" + method, StreamType: st}
}

func receiveAll(t *testing.T, s connect.ClientStream) ([]string, error) {
	t.Helper()
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		err := s.Receive(m)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

// TestStreaming runs server-, client- and bidi-streaming calls through a
// connect.Client on the transport, with metadata, errors with details,
// abandonment, and the caller's grpc-go stream interceptor.
func TestStreaming(t *testing.T) {
	addr, impl := serveStrings(t)
	var streams atomic.Int64
	countStreams := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if strings.HasPrefix(method, "/"+stringsService+"/") {
			streams.Add(1)
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
	client := connect.NewClient(grpcconn.NewTransport(dial(t, addr, grpc.WithChainStreamInterceptor(countStreams))))

	t.Run("server", func(t *testing.T) {
		ctx, info := connect.NewClientContext(ctxT(t))
		info.RequestHeader().Set("X-Req", "r")
		s, err := client.CallServerStream(ctx, spec("Repeat", connect.StreamTypeServer), wrapperspb.String("a"))
		must(t, err)
		defer s.Close()
		got, err := receiveAll(t, s)
		must(t, err)
		if !slices.Equal(got, []string{"a1", "a2", "a3"}) {
			t.Errorf("got %v", got)
		}
		if info.ResponseHeader().Get("X-H") != "h-r" || info.ResponseTrailer().Get("X-T") != "t" || info.Protocol != "grpc" {
			t.Errorf("header %q trailer %q protocol %q", info.ResponseHeader().Get("X-H"), info.ResponseTrailer().Get("X-T"), info.Protocol)
		}
	})
	t.Run("server-error", func(t *testing.T) {
		s, err := client.CallServerStream(ctxT(t), spec("Repeat", connect.StreamTypeServer), wrapperspb.String("fail"))
		must(t, err)
		defer s.Close()
		got, err := receiveAll(t, s)
		var ce *connect.Error
		if !slices.Equal(got, []string{"fail1"}) || !errors.As(err, &ce) || ce.Code() != connect.CodeFailedPrecondition ||
			!ce.IsRemote() || len(ce.Details()) != 1 {
			t.Fatalf("got %v, error %v", got, err)
		}
		d, err := connectproto.UnmarshalErrorDetail(ce.Details()[0])
		if zd, ok := d.(*zitadelv1.ErrorDetail); err != nil || !ok || zd.GetId() != "TEST-1" {
			t.Errorf("detail %v (%v)", d, err)
		}
	})
	t.Run("client", func(t *testing.T) {
		ctx, info := connect.NewClientContext(ctxT(t))
		s, err := client.CallClientStream(ctx, spec("Join", connect.StreamTypeClient))
		must(t, err)
		defer s.Close()
		for _, v := range []string{"x", "y", "z"} {
			must(t, s.Send(wrapperspb.String(v)))
		}
		must(t, s.CloseSend())
		res := new(wrapperspb.StringValue)
		must(t, s.Receive(res))
		if res.GetValue() != "x+y+z" {
			t.Errorf("joined %q", res.GetValue())
		}
		if err := s.Receive(res); !errors.Is(err, io.EOF) {
			t.Errorf("Receive after the response: %v", err)
		}
		if info.ResponseHeader().Len() != 0 || info.ResponseTrailer().Len() != 0 {
			t.Errorf("response metadata %v, %v; the server sent none", info.ResponseHeader(), info.ResponseTrailer())
		}
	})
	t.Run("bidi", func(t *testing.T) {
		s, err := client.CallClientStream(ctxT(t), spec("Echo", connect.StreamTypeBidi))
		must(t, err)
		defer s.Close()
		must(t, s.SendHeaders())
		for _, v := range []string{"a", "b"} {
			must(t, s.Send(wrapperspb.String(v)))
			m := new(wrapperspb.StringValue)
			must(t, s.Receive(m))
			if m.GetValue() != strings.ToUpper(v) {
				t.Errorf("echo of %q: %q", v, m.GetValue())
			}
		}
		must(t, s.CloseSend())
		if got, err := receiveAll(t, s); err != nil || len(got) != 0 {
			t.Errorf("after CloseSend: %v %v", got, err)
		}
	})
	t.Run("close-cancels", func(t *testing.T) {
		s, err := client.CallServerStream(ctxT(t), spec("Hang", connect.StreamTypeServer), wrapperspb.String("x"))
		must(t, err)
		m := new(wrapperspb.StringValue)
		must(t, s.Receive(m))
		must(t, s.Close())
		if err := <-impl.hung; !errors.Is(err, context.Canceled) {
			t.Errorf("server context after Close: %v", err)
		}
		if err := s.Receive(m); connect.CodeOf(err) != connect.CodeCanceled {
			t.Errorf("Receive after Close: %v", err)
		}
	})
	if n := streams.Load(); n != 5 {
		t.Errorf("stream interceptor saw %d calls, want 5", n)
	}
}
