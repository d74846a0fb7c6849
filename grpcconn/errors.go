package grpcconn

import (
	"context"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// connectError converts an error returned by grpc-go for a call made with
// ctx into a *connect.Error with the same code, message and details (each
// google.protobuf.Any detail of the status becomes a connect.ErrorDetail).
// The grpc-go error stays reachable as the cause, so status.FromError and
// errors.As work on the result too.
//
// The error is marked remote (connect.Error.IsRemote, a server's verdict)
// when the server answered, i.e. fromServer is true, unless it is the
// caller's own cancellation or deadline, or grpc-go's own limit on the size
// of a received message.
func connectError(ctx context.Context, err error, fromServer bool) error {
	st, isStatus := status.FromError(err)
	code := st.Code()
	if code == codes.OK {
		code = codes.Unknown
	}
	ce := connect.NewError(connect.Code(code), st.Message())
	if isStatus {
		for _, d := range st.Proto().GetDetails() {
			detail, derr := connectproto.NewErrorDetail(d) // never fails for an *anypb.Any
			if derr == nil {
				ce = ce.WithDetail(detail)
			}
		}
	}
	if ctxErr := ctx.Err(); ctxErr != nil && (code == codes.Canceled || code == codes.DeadlineExceeded) {
		return ce.WithCause(ctxErr).WithCause(err)
	}
	if isStatus && fromServer && !localLimit(code, st.Message()) {
		ce = ce.WithRemote()
	}
	return ce.WithCause(err)
}

// localLimit reports whether grpc-go raised the status itself because a
// received message exceeded the call's limit (grpc.MaxCallRecvMsgSize).
func localLimit(code codes.Code, msg string) bool {
	return code == codes.ResourceExhausted && strings.HasPrefix(msg, "grpc: received message")
}
