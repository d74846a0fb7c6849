package sessiontest

import (
	"net/http"

	"github.com/rs/cors"
)

// corsOptions is the CORS policy Zitadel answers with (rs/cors, observed on
// v4.13.1): any origin is allowed and echoed, with credentials; a preflight
// asking for a header outside AllowedHeaders gets 204 without any
// Access-Control-Allow-* header.
var corsOptions = cors.Options{
	AllowOriginFunc:  func(string) bool { return true },
	AllowCredentials: true,
	AllowedHeaders: []string{
		"origin", "content-type", "accept", "accept-language", "authorization", "x-zitadel-orgid",
		"x-user-agent", "x-grpc-web", "x-requested-with", "connect-protocol-version",
		"connect-timeout-ms", "grpc-timeout",
	},
	AllowedMethods: []string{
		http.MethodOptions, http.MethodGet, http.MethodHead, http.MethodPost,
		http.MethodPut, http.MethodPatch, http.MethodDelete,
	},
	ExposedHeaders: []string{"Location", "Content-Length", "Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin"},
}

// withCORS wraps h with Zitadel's CORS policy, so that browser clients on
// other origins (connect-web, gRPC-Web, REST) can call the server.
func withCORS(h http.Handler) http.Handler { return cors.New(corsOptions).Handler(h) }

// mountSurfaces installs what Zitadel serves on the same port besides the
// RPCs: the REST paths, gRPC reflection and health, and the OpenID provider.
func (s *Server) mountSurfaces(mux *http.ServeMux) {
	s.mountREST(mux)
	s.mountReflection(mux)
	if s.oidc != nil {
		s.oidc.mount(mux)
	}
}
