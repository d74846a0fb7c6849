package grpcconn

import (
	"context"
	"errors"
	"io"
	"sync"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
)

// Stream descriptions by connect.StreamType (client, server, bidi).
var streamDescs = [4]*grpc.StreamDesc{
	connect.StreamTypeClient: {ClientStreams: true},
	connect.StreamTypeServer: {ServerStreams: true},
	connect.StreamTypeBidi:   {ClientStreams: true, ServerStreams: true},
}

// stream runs a client-, server- or bidi-streaming call as a grpc-go
// ClientStream, opened by the first SendHeaders, Send, CloseSend or Receive
// (so that request headers set on the CallInfo until then are sent).
type stream struct {
	t      *transport
	ctx    context.Context //nolint:containedctx // the stream is opened lazily, on the call's context
	cancel context.CancelFunc
	spec   connect.Spec
	info   *connect.CallInfo

	openOnce sync.Once
	cs       grpc.ClientStream
	openErr  error

	// Receive side only.
	headerSynced bool
	gotHeader    bool // the server sent response headers
	ended        bool
}

func newStream(ctx context.Context, t *transport, spec connect.Spec, info *connect.CallInfo) *stream {
	ctx, cancel := context.WithCancel(ctx)
	return &stream{t: t, ctx: ctx, cancel: cancel, spec: spec, info: info}
}

func (s *stream) open() error {
	s.openOnce.Do(func() {
		desc := streamDescs[s.spec.StreamType&connect.StreamTypeBidi]
		if desc == nil {
			s.openErr = connect.Errorf(connect.CodeInternal, "grpcconn: unsupported stream type %v", s.spec.StreamType)
			return
		}
		ctx, err := s.t.outgoingContext(s.ctx, s.info.RequestHeader())
		if err != nil {
			s.openErr = err
			return
		}
		cs, err := s.t.cc.NewStream(ctx, desc, s.spec.Procedure, s.t.callOpts...)
		if err != nil {
			s.openErr = connectError(s.ctx, err, false)
			s.cancel()
			return
		}
		s.cs = cs
	})
	return s.openErr
}

// SendHeaders opens the stream; grpc-go sends the request headers when it
// opens a stream.
func (s *stream) SendHeaders() error { return s.open() }

// Send sends msg. As with grpc-go, an error matching io.EOF means the server
// ended the call: Receive returns its status.
func (s *stream) Send(msg any) error {
	if err := s.open(); err != nil {
		return err
	}
	err := s.cs.SendMsg(msg)
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return connectError(s.ctx, err, false)
}

func (s *stream) CloseSend() error {
	if err := s.open(); err != nil {
		return err
	}
	return s.cs.CloseSend()
}

// Receive reads the next response message. At the end of the response
// (io.EOF, an error, or the single response of a client-streaming call) it
// stores the trailers on the CallInfo and releases the stream.
func (s *stream) Receive(dst any) error {
	if s.ended {
		return io.EOF
	}
	if err := s.open(); err != nil {
		s.ended = true
		return err
	}
	err := s.cs.RecvMsg(dst)
	if !s.headerSynced {
		s.headerSynced = true
		md, _ := s.cs.Header() // available: a message or the end has arrived
		s.gotHeader = len(md) > 0
		copyMetadata(s.info.ResponseHeader(), md)
	}
	if err == nil && s.spec.StreamType&connect.StreamTypeServer != 0 {
		return nil
	}
	// The response is complete: grpc-go has checked that a client-streaming
	// call got exactly one message, and the trailers are in.
	s.ended = true
	trailer := s.cs.Trailer()
	copyMetadata(s.info.ResponseTrailer(), trailer)
	if err != nil && !errors.Is(err, io.EOF) {
		err = connectError(s.ctx, err, s.gotHeader || len(trailer) > 0)
	}
	s.cancel()
	return err
}

// Close cancels the stream's context, which ends the call (if still
// running) and releases its resources; a pending Receive returns.
func (s *stream) Close() error {
	s.cancel()
	return nil
}
