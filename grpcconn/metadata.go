package grpcconn

import (
	"context"
	"strings"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc/metadata"
)

// outgoingContext returns ctx with the request headers h appended to its
// outgoing gRPC metadata (metadata the caller put on ctx is kept). Keys are
// sent in lower case; headers that gRPC reserves for itself (Content-Type,
// User-Agent, Te, Grpc-*, HTTP connection headers, pseudo-headers) are left
// out, as connect-go's HTTP transport leaves out its protocol headers. Values
// of "-Bin" keys are base64 in connect-go and raw bytes in grpc-go metadata:
// they are decoded here and grpc-go encodes them again on the wire.
func outgoingContext(ctx context.Context, h *connect.Header) (context.Context, error) {
	if h.Len() == 0 {
		return ctx, nil
	}
	var buf [16]string
	kv := buf[:0]
	for key, values := range h.All() {
		if reservedRequestHeader(key) {
			continue
		}
		lower := lowerKey(key)
		binary := strings.HasSuffix(lower, "-bin")
		for _, v := range values {
			if binary {
				raw, err := connect.DecodeBinaryHeader(v)
				if err != nil {
					return ctx, connect.Errorf(connect.CodeInternal,
						"grpcconn: request header %q: value is not base64 (binary \"-Bin\" header values must be encoded with connect.EncodeBinaryHeader)", key).WithCause(err)
				}
				v = string(raw)
			}
			kv = append(kv, lower, v)
		}
	}
	if len(kv) == 0 {
		return ctx, nil
	}
	return metadata.AppendToOutgoingContext(ctx, kv...), nil
}

// reservedRequestHeader reports whether the canonical header key is one that
// a gRPC client must not send as metadata.
func reservedRequestHeader(key string) bool {
	if key == "" || key[0] == ':' {
		return true
	}
	switch key {
	case "Content-Type", "Content-Length", "User-Agent", "Te", "Host", "Connection",
		"Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade":
		return true
	}
	return len(key) >= 5 && strings.EqualFold(key[:5], "grpc-")
}

// lowerKey lower-cases a canonical header key, without allocating for the
// keys this project sends on every call.
func lowerKey(key string) string {
	switch key {
	case "Authorization":
		return "authorization"
	case "X-Zitadel-Orgid":
		return "x-zitadel-orgid"
	case "X-Zitadel-Instance-Host":
		return "x-zitadel-instance-host"
	case "Traceparent":
		return "traceparent"
	case "Tracestate":
		return "tracestate"
	}
	return strings.ToLower(key)
}

// copyMetadata stores the gRPC response metadata md in h, re-encoding the
// raw bytes of "-bin" keys as base64 (connect.EncodeBinaryHeader), as they
// arrive over connect-go's HTTP transport. Protocol headers that grpc-go
// leaves in the metadata are not copied, as grpc-go itself hides
// grpc-status and grpc-encoding: Content-Type (always application/grpc;
// the codec is CallInfo.Codec), Date and every key with gRPC's reserved
// "grpc-" prefix (grpc-accept-encoding, grpc-status-details-bin, whose
// content is the error's details). So a call whose server sends no other
// header allocates no header map.
func copyMetadata(h *connect.Header, md metadata.MD) {
	for key, values := range md {
		if responseProtocolHeader(key) {
			continue
		}
		if strings.HasSuffix(key, "-bin") {
			enc := make([]string, len(values))
			for i, v := range values {
				enc[i] = connect.EncodeBinaryHeader([]byte(v))
			}
			values = enc
		}
		h.SetValues(key, values) // connect.Header canonicalizes the key
	}
}

// responseProtocolHeader reports whether a (lower-case) response metadata key
// is a protocol header rather than the server's metadata.
func responseProtocolHeader(key string) bool {
	switch key {
	case "content-type", "date":
		return true
	}
	return strings.HasPrefix(key, "grpc-")
}
