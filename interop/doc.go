// Package interop holds the grpc-go interoperability tests and the
// cross-client benchmarks of zitadel-session-go. It is a separate module so
// that google.golang.org/grpc never enters the root module's dependency graph.
package interop
