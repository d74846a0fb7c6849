package sessiontest

import (
	"context"
	"fmt"
	"io"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/protobuf/proto"
)

// zitadelCodecs are connect's JSON and binary codecs with Zitadel's decode
// error text. Zitadel runs connect-go v1, whose codecs say which message
// could not be decoded, with the Go type of Zitadel's generated code:
// "unmarshal message: unmarshal into *session.CreateSessionRequest: proto: ...".
func zitadelCodecs() []connect.Codec {
	return []connect.Codec{
		&zitadelCodec{Codec: connectproto.NewJSONCodec()},
		&zitadelCodec{Codec: &connectproto.BinaryCodec{}},
	}
}

type zitadelCodec struct{ connect.Codec }

func (c *zitadelCodec) UnmarshalRead(ctx context.Context, src io.Reader, msg any) error {
	err := c.Codec.UnmarshalRead(ctx, src, msg)
	if err == nil || err.Error() == "zero-length payload is not a valid JSON object" {
		return err
	}
	return fmt.Errorf("unmarshal into %s: %w", zitadelGoType(msg), err)
}

// zitadelGoType is the Go type Zitadel's generated code has for msg: the
// package is the proto package's last name but the version
// ("zitadel.session.v2.CreateSessionRequest" → "*session.CreateSessionRequest").
func zitadelGoType(msg any) string {
	m, ok := msg.(proto.Message)
	if !ok {
		return fmt.Sprintf("%T", msg)
	}
	d := m.ProtoReflect().Descriptor()
	pkg := strings.Split(string(d.ParentFile().Package()), ".")
	name := pkg[len(pkg)-1]
	if len(pkg) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = pkg[len(pkg)-2]
	}
	return "*" + name + "." + string(d.Name())
}
