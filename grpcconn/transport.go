package grpcconn

import (
	"context"
	"slices"
	"strings"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
)

// Option configures [NewTransport].
type Option func(*transport)

// WithCallOptions adds grpc-go call options to every call of the transport,
// after the ClientConn's own default call options (grpc.WithDefaultCallOptions),
// e.g. grpc.WaitForReady(true) to wait for a connection instead of failing
// fast while none is ready, or grpc.MaxCallRecvMsgSize. Options that return
// values (grpc.Header, grpc.Trailer, grpc.Peer) would be shared by all calls;
// read response metadata from the call's [connect.CallInfo] instead.
func WithCallOptions(opts ...grpc.CallOption) Option {
	return func(t *transport) { t.callOpts = append(t.callOpts, opts...) }
}

// NewTransport returns a [connect.Transport] that runs every call over cc, a
// grpc-go connection such as a [*grpc.ClientConn]: unary calls with
// cc.Invoke, streaming calls with cc.NewStream. The caller keeps owning cc
// and closes it when done.
//
// Pass it to [connect.NewClient], or to this project's session client with
// session.WithTransport. With a nil cc every call fails with CodeInternal.
// Besides cc, the transport keeps only the outgoing metadata of the last
// request header it saw repeated (typically "Authorization: Bearer <token>"
// of the auth interceptor), which calls sending that same header share
// instead of building their own.
//
// Each call's [connect.CallInfo] reports Protocol "grpc", Codec "proto" (or
// the name of a codec forced with [WithCallOptions]), RequestEncoding
// "identity" (or the compressor set with grpc.UseCompressor in
// [WithCallOptions]) and, as PeerAddr, the endpoint of cc's target (e.g.
// "zitadel.example.com:443"), as connect-go's HTTP transport reports its
// URL's host. Response headers and trailers carry the server's metadata
// without the protocol's own keys (Content-Type, Date, grpc-*). grpc-go
// does not tell its callers the compression of a response or the size of a
// message, so ResponseEncoding stays empty and SendStats and ReceiveStats
// stay zero.
//
// Closing a unary call's stream does not interrupt a cc.Invoke in flight
// (grpc-go offers no way to); cancel the call's context for that, as with
// grpc-go itself. Closing a streaming call's stream cancels it.
func NewTransport(cc grpc.ClientConnInterface, opts ...Option) connect.Transport {
	conn, isConn := cc.(*grpc.ClientConn)
	t := &transport{cc: cc, noConn: cc == nil || (isConn && conn == nil), codec: connect.CodecNameProto, requestEncoding: connect.CompressionNameIdentity}
	if !t.noConn {
		t.peer = targetEndpoint(cc)
	}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	for _, o := range t.callOpts {
		switch o := o.(type) {
		case grpc.CompressorCallOption:
			t.requestEncoding = o.CompressorType
		case grpc.ForceCodecCallOption:
			t.codec = o.Codec.Name()
		case grpc.ForceCodecV2CallOption:
			t.codec = o.CodecV2.Name()
		}
	}
	// Every call passes grpc.StaticMethod (generated code names a fixed
	// method, so grpc-go's metrics may label by it) and, for unary calls,
	// grpc.Header and grpc.Trailer pointing into the call's own stream.
	t.callOpts = append(slices.Clip(t.callOpts), grpc.StaticMethod())
	return t
}

var errNoConn = connect.NewError(connect.CodeInternal, "grpcconn: NewTransport was given a nil connection")

type transport struct {
	cc              grpc.ClientConnInterface
	noConn          bool // cc is nil (or a nil *grpc.ClientConn)
	callOpts        []grpc.CallOption
	peer            string
	codec           string
	requestEncoding string
	shared          sharedMetadata
}

// NewClientStream implements [connect.Transport].
func (t *transport) NewClientStream(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
	if t.noConn {
		return nil, errNoConn
	}
	info, ok := connect.CallInfoForClientContext(ctx)
	if !ok {
		ctx, info = connect.NewClientContext(ctx)
	}
	info.Spec = spec
	info.PeerAddr = t.peer
	info.Protocol = connect.ProtocolNameGRPC
	info.Codec = t.codec
	info.RequestEncoding = t.requestEncoding
	if spec.StreamType == connect.StreamTypeUnary {
		return &unaryStream{t: t, ctx: ctx, procedure: spec.Procedure, info: info}, nil
	}
	return newStream(ctx, t, spec, info), nil
}

// targetEndpoint returns the endpoint of a *grpc.ClientConn's target
// ("dns:///host:443" → "host:443"), or "" for other connections.
func targetEndpoint(cc grpc.ClientConnInterface) string {
	c, ok := cc.(interface{ CanonicalTarget() string })
	if !ok {
		return ""
	}
	target := c.CanonicalTarget() // "<scheme>://[authority]/<endpoint>"
	_, rest, ok := strings.Cut(target, "://")
	if !ok {
		return target
	}
	_, endpoint, _ := strings.Cut(rest, "/")
	return endpoint
}
