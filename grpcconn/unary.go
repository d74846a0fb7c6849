package grpcconn

import (
	"context"
	"io"
	"sync/atomic"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// inlineCallOptions is how many call options a unary call passes without a
// separate allocation.
const inlineCallOptions = 4

// unaryStream runs a unary call as one cc.Invoke: Send keeps the request,
// Receive invokes the RPC with the response message as the reply, so grpc-go
// marshals the request and unmarshals the response directly (no copy, no
// second codec).
type unaryStream struct {
	t         *transport
	ctx       context.Context //nolint:containedctx // the call runs in Receive, on the call's context
	procedure string
	info      *connect.CallInfo

	req        any
	sent       bool
	sendClosed bool
	received   bool
	closed     atomic.Bool

	// Filled by grpc-go (grpc.Header, grpc.Trailer) when the call ends.
	header, trailer metadata.MD
	opts            [inlineCallOptions]grpc.CallOption
}

// SendHeaders succeeds without sending: a unary gRPC call sends its headers
// together with the request, in Receive.
func (s *unaryStream) SendHeaders() error { return nil }

func (s *unaryStream) Send(msg any) error {
	if s.sendClosed {
		return io.EOF
	}
	if s.sent {
		return connect.NewError(connect.CodeInternal, "grpcconn: unary stream sent more than once")
	}
	s.req, s.sent = msg, true
	return nil
}

func (s *unaryStream) CloseSend() error {
	s.sendClosed = true
	return nil
}

func (s *unaryStream) Receive(dst any) error {
	if s.received {
		return io.EOF
	}
	s.received = true
	if s.closed.Load() {
		return connect.NewError(connect.CodeCanceled, "grpcconn: stream closed")
	}
	if !s.sent {
		return connect.NewError(connect.CodeInternal, "grpcconn: unary stream received before a request was sent")
	}
	ctx, err := s.t.outgoingContext(s.ctx, s.info.RequestHeader())
	if err != nil {
		return err
	}
	var opts []grpc.CallOption
	if n := len(s.t.callOpts) + 2; n <= inlineCallOptions {
		opts = s.opts[:0]
	} else {
		opts = make([]grpc.CallOption, 0, n)
	}
	opts = append(opts, s.t.callOpts...)
	opts = append(opts, grpc.Header(&s.header), grpc.Trailer(&s.trailer))
	err = s.t.cc.Invoke(ctx, s.procedure, s.req, dst, opts...)
	copyMetadata(s.info.ResponseHeader(), s.header)
	copyMetadata(s.info.ResponseTrailer(), s.trailer)
	s.req = nil
	if err != nil {
		return connectError(s.ctx, err, len(s.header) > 0 || len(s.trailer) > 0)
	}
	return nil
}

// Close marks the stream closed. A Receive that has not started fails with
// CodeCanceled; one that runs already (cc.Invoke) is not interrupted: cancel
// the call's context for that, as grpc-go's own unary calls require.
func (s *unaryStream) Close() error {
	s.closed.Store(true)
	return nil
}
