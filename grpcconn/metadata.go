package grpcconn

import (
	"context"
	"maps"
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

// canonicalKey is textproto.CanonicalMIMEHeaderKey (what connect.Header
// applies), without allocating for the response header every gRPC server
// sends.
func canonicalKey(key string) string {
	if key == "content-type" {
		return "Content-Type"
	}
	return key // connect.Header canonicalizes it
}

// copyMetadata stores the gRPC response metadata md in h, re-encoding the
// raw bytes of "-bin" keys as base64 (connect.EncodeBinaryHeader), as they
// arrive over connect-go's HTTP transport. grpc-status-details-bin, which
// grpc-go leaves in the trailer, is not copied: its content is the error's
// details.
func copyMetadata(h *connect.Header, md metadata.MD) {
	for key, values := range md {
		if strings.HasSuffix(key, "-bin") {
			if key == "grpc-status-details-bin" {
				continue
			}
			enc := make([]string, len(values))
			for i, v := range values {
				enc[i] = connect.EncodeBinaryHeader([]byte(v))
			}
			values = enc
		}
		h.SetValues(canonicalKey(key), values)
	}
}

// syncMetadata stores a finished call's response header and trailer metadata
// on info. A trailers-only response (an error before any response message)
// arrives from grpc-go as trailer metadata only; its Content-Type is moved
// to the response header, where it is for every other response, and the
// rest stays trailing metadata, as the gRPC specification has it.
func syncMetadata(info *connect.CallInfo, header, trailer metadata.MD) {
	if len(header) == 0 {
		if ct, ok := trailer["content-type"]; ok {
			info.ResponseHeader().SetValues("Content-Type", ct)
			trailer = maps.Clone(trailer)
			delete(trailer, "content-type")
		}
	}
	copyMetadata(info.ResponseHeader(), header)
	copyMetadata(info.ResponseTrailer(), trailer)
}
