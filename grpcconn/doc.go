// Package grpcconn runs connect-go v2 calls over an existing grpc-go
// [*grpc.ClientConn]: a [connect.Transport] for services that already hold a
// ClientConn per upstream, configured their way (TLS and per-RPC
// credentials, keepalives, resolvers and load balancing, their own grpc-go
// interceptors for metrics and tracing).
//
// With it, this project's session client runs on that connection:
//
//	cc, err := grpc.NewClient("zitadel.example.com:443",
//		grpc.WithTransportCredentials(credentials.NewTLS(nil)))
//	c, err := session.New("https://zitadel.example.com",
//		session.WithTransport(grpcconn.NewTransport(cc)),
//		session.WithPersonalAccessToken(pat))
//
// Every call is a gRPC call made by grpc-go (ClientConn.Invoke for unary
// calls, ClientConn.NewStream for streams), so grpc-go's dial and call
// options, interceptors, per-RPC credentials, name resolution, load
// balancing and retries all apply. Messages are marshalled once, by the
// ClientConn's codec (protobuf unless the ClientConn forces another).
//
// What connect-go v2 carries on the call's [connect.CallInfo] is mapped to
// gRPC: request headers become outgoing metadata (keys in lower case;
// "-Bin" values, base64 in connect-go, are sent as their decoded bytes);
// response headers and trailers come back from grpc-go's Header and Trailer
// metadata; gRPC status codes, messages and details become [*connect.Error]
// values with [connect.ErrorDetail]s, so connectproto.UnmarshalErrorDetail
// and this project's session.Error (Zitadel's error ID, failed attempts)
// work unchanged. The context's deadline is sent as grpc-timeout and
// cancelling the context cancels the call.
//
// The module is nested (its own go.mod), so that google.golang.org/grpc is
// not a dependency of the root module.
package grpcconn
