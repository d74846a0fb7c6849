package interceptors

import (
	"context"
	"errors"
	"io"
	"testing"

	"connectrpc.com/connect/v2"
)

// scriptedStream returns the queued Receive results in order.
type scriptedStream struct {
	receives []error
	sendErr  error
	closed   int
}

func (s *scriptedStream) SendHeaders() error { return nil }
func (s *scriptedStream) Send(any) error     { return s.sendErr }
func (s *scriptedStream) CloseSend() error   { return nil }
func (s *scriptedStream) Receive(any) error {
	if len(s.receives) == 0 {
		return io.EOF
	}
	err := s.receives[0]
	s.receives = s.receives[1:]
	return err
}
func (s *scriptedStream) Close() error { s.closed++; return nil }

func TestObservedStreamEndsOnce(t *testing.T) {
	unavailable := connect.NewError(connect.CodeUnavailable, "x")
	tests := []struct {
		name     string
		st       connect.StreamType
		script   *scriptedStream
		drive    func(s connect.ClientStream)
		wantCode string
	}{
		{"unary ok", connect.StreamTypeUnary, &scriptedStream{receives: []error{nil}}, func(s connect.ClientStream) {
			_ = s.Send(nil)
			_ = s.Receive(nil)
			_ = s.Close()
		}, "ok"},
		{"unary send error", connect.StreamTypeUnary, &scriptedStream{sendErr: unavailable}, func(s connect.ClientStream) {
			_ = s.Send(nil)
			_ = s.Close()
		}, "unavailable"},
		{"server stream to EOF", connect.StreamTypeServer, &scriptedStream{receives: []error{nil, nil, io.EOF}}, func(s connect.ClientStream) {
			for s.Receive(nil) == nil {
			}
			_ = s.Close()
		}, "ok"},
		{"server stream error", connect.StreamTypeServer, &scriptedStream{receives: []error{nil, unavailable}}, func(s connect.ClientStream) {
			for s.Receive(nil) == nil {
			}
		}, "unavailable"},
		{"bidi abandoned", connect.StreamTypeBidi, &scriptedStream{receives: []error{nil, nil}}, func(s connect.ClientStream) {
			_ = s.Receive(nil)
			_ = s.Close()
			_ = s.Close()
		}, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ends []error
			s := newObservedStream(context.Background(), connect.Spec{StreamType: tt.st}, tt.script, nil, nil,
				func(err error) { ends = append(ends, err) })
			tt.drive(s)
			if len(ends) != 1 {
				t.Fatalf("onEnd called %d times, want 1", len(ends))
			}
			if got := codeString(ends[0]); got != tt.wantCode {
				t.Fatalf("code = %s, want %s", got, tt.wantCode)
			}
		})
	}
	if codeString(context.DeadlineExceeded) != "deadline_exceeded" || codeString(errors.New("x")) != "unknown" {
		t.Fatal("codeString mapping")
	}
}
