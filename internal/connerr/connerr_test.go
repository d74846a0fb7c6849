package connerr

import (
	"context"
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
