package grpcconn

import (
	"context"
	"strings"
	"sync/atomic"

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
func (t *transport) outgoingContext(ctx context.Context, h *connect.Header) (context.Context, error) {
	if h.Len() == 0 {
		return ctx, nil
	}
	if md := t.shared.lookup(ctx, h); md != nil {
		return metadata.NewOutgoingContext(ctx, md), nil
	}
	var buf [16]string
	kv := buf[:0]
	for key, values := range h.All() {
		if reservedRequestHeader(key) {
			continue
		}
		lower := lowerKey(key)
		binary := binaryKey(key)
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

// sharedMetadata keeps the outgoing metadata of the one-header request that
// a transport's calls send again and again: "Authorization: Bearer <token>"
// as the auth interceptor sets it, with the same []string for every call of
// one access token. Such calls share one metadata.MD (grpc-go only reads
// outgoing metadata) through metadata.NewOutgoingContext, two allocations
// fewer per call than metadata.AppendToOutgoingContext. A header is shared
// from the second call that carries the very same value slice, so calls
// whose header is new each time (e.g. a session token set per call) never
// build one.
type sharedMetadata struct {
	seen atomic.Pointer[string]      // &values[0] of the last header not shared yet
	last atomic.Pointer[sharedEntry] // the shared header
}

type sharedEntry struct {
	first *string // &values[0] of the header it was built from
	value string  // values[0] then
	md    metadata.MD
}

// lookup returns the shared metadata for h, or nil when h is not shared
// (yet), has more than one key or value, a reserved or "-Bin" key, or ctx
// carries outgoing metadata of its own (which must be kept).
func (m *sharedMetadata) lookup(ctx context.Context, h *connect.Header) metadata.MD {
	if h.Len() != 1 {
		return nil
	}
	var key string
	var values []string
	for k, v := range h.All() {
		key, values = k, v
	}
	if len(values) != 1 || reservedRequestHeader(key) || binaryKey(key) {
		return nil
	}
	if _, present := metadata.FromOutgoingContext(ctx); present {
		return nil
	}
	first := &values[0]
	if e := m.last.Load(); e != nil && e.first == first && e.value == *first {
		return e.md
	}
	if m.seen.Swap(first) != first {
		return nil // first sight of this header: not shared yet
	}
	e := &sharedEntry{first: first, value: *first, md: metadata.MD{lowerKey(key): {*first}}}
	m.last.Store(e)
	return e.md
}

// binaryKey reports whether a header or metadata key ends in "-bin" (any
// case): gRPC's suffix for binary values, in both directions.
func binaryKey(key string) bool {
	return len(key) >= 4 && strings.EqualFold(key[len(key)-4:], "-bin")
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
		if binaryKey(key) {
			enc := make([]string, len(values))
			for i, v := range values {
				enc[i] = connect.EncodeBinaryHeader([]byte(v))
			}
			values = enc
		}
		h.SetValues(canonicalKey(key), values)
	}
}

// canonicalKey returns the canonical form of a lower-case metadata key,
// without allocating for the response headers Zitadel sends on every call
// (connect.Header would canonicalize the key again, allocating a new string
// for each key textproto does not know).
func canonicalKey(key string) string {
	switch key {
	case "vary":
		return "Vary"
	case "x-request-id":
		return "X-Request-Id"
	case "x-robots-tag":
		return "X-Robots-Tag"
	case "cache-control":
		return "Cache-Control"
	case "pragma":
		return "Pragma"
	case "expires":
		return "Expires"
	}
	return key // connect.Header canonicalizes it
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
