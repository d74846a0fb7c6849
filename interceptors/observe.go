package interceptors

import (
	"context"
	"errors"
	"io"
	"sync"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/internal/connerr"
)

// observedStream wraps a ClientStream and reports the end of the RPC exactly
// once: when Receive finishes a unary or client-streaming response, when a
// streaming Receive fails or reaches io.EOF, or when Close abandons the
// stream. It also reports every message sent and received.
type observedStream struct {
	connect.ClientStream
	ctx       context.Context
	unaryResp bool // the response side carries exactly one message

	onSend    func(msg any)
	onReceive func(msg any)
	onEnd     func(err error)

	mu      sync.Mutex
	ended   bool
	sendErr error
}

func newObservedStream(ctx context.Context, spec connect.Spec, s connect.ClientStream,
	onSend, onReceive func(any), onEnd func(error),
) *observedStream {
	return &observedStream{
		ClientStream: s,
		ctx:          ctx,
		unaryResp:    spec.StreamType == connect.StreamTypeUnary || spec.StreamType == connect.StreamTypeClient,
		onSend:       onSend,
		onReceive:    onReceive,
		onEnd:        onEnd,
	}
}

func (s *observedStream) end(err error) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.mu.Unlock()
	if s.onEnd != nil {
		s.onEnd(err)
	}
}

func (s *observedStream) noteSendErr(err error) {
	if err != nil && !errors.Is(err, io.EOF) {
		s.mu.Lock()
		if s.sendErr == nil {
			s.sendErr = err
		}
		s.mu.Unlock()
	}
}

func (s *observedStream) Send(msg any) error {
	err := s.ClientStream.Send(msg)
	if err == nil && s.onSend != nil {
		s.onSend(msg)
	}
	s.noteSendErr(err)
	return err
}

func (s *observedStream) CloseSend() error {
	err := s.ClientStream.CloseSend()
	s.noteSendErr(err)
	return err
}

func (s *observedStream) Receive(msg any) error {
	err := s.ClientStream.Receive(msg)
	if err == nil && s.onReceive != nil {
		s.onReceive(msg)
	}
	switch {
	case s.unaryResp:
		s.end(err)
	case errors.Is(err, io.EOF):
		s.end(nil)
	case err != nil:
		s.end(err)
	}
	return err
}

func (s *observedStream) Close() error {
	err := s.ClientStream.Close()
	s.mu.Lock()
	endErr := s.sendErr
	s.mu.Unlock()
	if endErr == nil {
		endErr = s.ctx.Err()
	}
	if endErr == nil {
		endErr = connect.NewError(connect.CodeCanceled, "stream closed before the response was complete")
	}
	s.end(endErr)
	return err
}

// codeString renders the outcome of a call: "ok" for success, else the
// connect code name.
func codeString(err error) string {
	if err == nil {
		return "ok"
	}
	return connerr.CodeOf(err).String()
}
