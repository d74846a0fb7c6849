package connerr

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"connectrpc.com/connect/v2"
)

func TestCode(t *testing.T) {
	reset := connect.NewError(connect.CodeCanceled, "read: connection reset by peer").
		WithCause(fmt.Errorf("read tcp: %w", syscall.ECONNRESET))
	pipe := connect.NewError(connect.CodeCanceled, "write: broken pipe").WithCause(syscall.EPIPE)
	plainCanceled := connect.NewError(connect.CodeCanceled, "canceled")
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want connect.Code
	}{
		{"reset, live ctx", live, reset, connect.CodeUnavailable},
		{"broken pipe, live ctx", live, pipe, connect.CodeUnavailable},
		{"reset, nil ctx", nil, reset, connect.CodeUnavailable},
		{"reset, caller canceled", done, reset, connect.CodeCanceled},
		{"canceled without drop", live, plainCanceled, connect.CodeCanceled},
		{"other code kept", live, connect.NewError(connect.CodeNotFound, "x").WithCause(syscall.ECONNRESET), connect.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Code(tt.ctx, tt.err); got != tt.want {
				t.Errorf("Code = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want connect.Code
	}{
		{nil, connect.CodeUnknown},
		{errors.New("x"), connect.CodeUnknown},
		{context.Canceled, connect.CodeCanceled},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), connect.CodeDeadlineExceeded},
		{fmt.Errorf("wrapped: %w", connect.NewError(connect.CodeNotFound, "x")), connect.CodeNotFound},
		{connect.NewError(connect.CodeUnavailable, "x").WithCause(context.Canceled), connect.CodeUnavailable},
	}
	for _, tt := range tests {
		if got := CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
