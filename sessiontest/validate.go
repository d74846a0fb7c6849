package sessiontest

import (
	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	"github.com/sessionkit/zitadel-session-go/internal/validate"
)

// validateRequest runs upstream's protoc-gen-validate rules (via
// internal/validate) and returns INVALID_ARGUMENT with the PGV text and no
// error detail, as Zitadel's validation interceptor does.
func validateRequest(msg proto.Message) error {
	if err := validate.Request(msg); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err.Error())
	}
	return nil
}
