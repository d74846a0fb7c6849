// Package connerr corrects the code of client-side connect errors where
// connect-go v2.0.2 reports a transport failure as if the caller had given up.
package connerr

import (
	"context"
	"errors"
	"syscall"

	"connectrpc.com/connect/v2"
)

// Code returns the code a caller should act on for err, an error of a call
// made with ctx. connect-go maps a connection reset or broken pipe to
// CodeCanceled, its server-side meaning ("the client went away"). On the
// client, with ctx still live, it means the server or a proxy dropped the
// connection, which is CodeUnavailable (and so retryable for idempotent
// calls). Every other error keeps its code.
func Code(ctx context.Context, err error) connect.Code {
	code := connect.CodeOf(err)
	if code == connect.CodeCanceled && (ctx == nil || ctx.Err() == nil) && IsConnectionDrop(err) {
		return connect.CodeUnavailable
	}
	return code
}

// IsConnectionDrop reports whether err's chain holds a connection reset or a
// broken pipe.
func IsConnectionDrop(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// CodeOf returns the code of the *connect.Error in err's chain; for an error
// without one, CodeCanceled / CodeDeadlineExceeded when it wraps
// context.Canceled / context.DeadlineExceeded (as the transports report
// them), else CodeUnknown (also for nil).
func CodeOf(err error) connect.Code {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return connect.CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return connect.CodeDeadlineExceeded
	}
	return connect.CodeUnknown
}
