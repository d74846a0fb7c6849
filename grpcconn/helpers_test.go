package grpcconn_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"go.uber.org/goleak"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// dial opens a plaintext (h2c) grpc-go connection to target, closed when tb
// ends.
func dial(tb testing.TB, target string, opts ...grpc.DialOption) *grpc.ClientConn {
	tb.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	cc, err := grpc.NewClient(target, opts...)
	must(tb, err)
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// serveGRPC serves srv, a connect.Server, with a stock grpc-go server on a
// loopback port (stopped when tb ends) and returns its address. Every call
// reaches srv through grpcBridge.
func serveGRPC(tb testing.TB, srv *connect.Server, opts ...grpc.ServerOption) string {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(tb, err)
	gs := grpc.NewServer(append(opts, grpc.UnknownServiceHandler(grpcBridge(srv)))...)
	done := make(chan error, 1)
	go func() { done <- gs.Serve(lis) }()
	tb.Cleanup(func() {
		gs.Stop()
		if err := <-done; err != nil {
			tb.Errorf("grpc Serve: %v", err)
		}
	})
	return lis.Addr().String()
}

// grpcBridge is a grpc-go stream handler that serves every call with srv:
// incoming metadata becomes the CallInfo's request headers, the CallInfo's
// response headers and trailers become grpc-go header and trailer metadata,
// and a *connect.Error becomes a gRPC status with the same code, message and
// details. So the grpc-go server does the framing, HTTP/2 and status
// encoding, and sessiontest the Zitadel behaviour.
func grpcBridge(srv *connect.Server) grpc.StreamHandler {
	return func(_ any, ss grpc.ServerStream) error {
		ctx := ss.Context()
		method, ok := grpc.MethodFromServerStream(ss)
		if !ok {
			return status.Error(codes.Internal, "no method")
		}
		info := &connect.CallInfo{Protocol: connect.ProtocolNameGRPC, Codec: connect.CodecNameProto}
		md, _ := metadata.FromIncomingContext(ctx)
		for k, vs := range md {
			if strings.HasPrefix(k, ":") {
				continue
			}
			if strings.HasSuffix(k, "-bin") {
				enc := make([]string, len(vs))
				for i, v := range vs {
					enc[i] = connect.EncodeBinaryHeader([]byte(v))
				}
				vs = enc
			}
			info.RequestHeader().SetValues(k, vs)
		}
		bs := &bridgeStream{ss: ss, info: info}
		err := srv.Call(ctx, method, info, bs)
		if !bs.headerSent {
			if hdr := toMD(info.ResponseHeader()); len(hdr) > 0 {
				_ = ss.SetHeader(hdr)
			}
		}
		ss.SetTrailer(toMD(info.ResponseTrailer()))
		return grpcStatus(err)
	}
}

type bridgeStream struct {
	ss         grpc.ServerStream
	info       *connect.CallInfo
	headerSent bool
}

func (s *bridgeStream) Receive(msg any) error {
	err := s.ss.RecvMsg(msg)
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	return err
}

func (s *bridgeStream) SendHeaders() error {
	if s.headerSent {
		return nil
	}
	s.headerSent = true
	return s.ss.SendHeader(toMD(s.info.ResponseHeader()))
}

func (s *bridgeStream) Send(msg any) error {
	if err := s.SendHeaders(); err != nil {
		return err
	}
	return s.ss.SendMsg(msg)
}

// toMD converts connect headers to grpc-go metadata (decoding "-Bin" values).
func toMD(h *connect.Header) metadata.MD {
	md := metadata.MD{}
	for k, vs := range h.All() {
		k = strings.ToLower(k)
		if strings.HasSuffix(k, "-bin") {
			for _, v := range vs {
				raw, err := connect.DecodeBinaryHeader(v)
				if err == nil {
					md.Append(k, string(raw))
				}
			}
			continue
		}
		md.Append(k, vs...)
	}
	return md
}

// grpcStatus converts a handler's error into a gRPC status error.
func grpcStatus(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		switch {
		case errors.Is(err, context.Canceled):
			return status.Error(codes.Canceled, "")
		case errors.Is(err, context.DeadlineExceeded):
			return status.Error(codes.DeadlineExceeded, "")
		}
		return status.Error(codes.Unknown, "")
	}
	p := &spb.Status{Code: int32(ce.Code()), Message: ce.Message()}
	for _, d := range ce.Details() {
		p.Details = append(p.Details, connectproto.ErrorDetailToAny(d))
	}
	return status.FromProto(p).Err()
}
