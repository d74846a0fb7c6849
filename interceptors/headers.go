package interceptors

import (
	"context"
	"net/http"

	"connectrpc.com/connect/v2"
)

const (
	// HeaderInstanceHost is the request header that selects the Zitadel
	// instance, see [InstanceHost].
	HeaderInstanceHost = "x-zitadel-instance-host"
	// HeaderOrgID is the request header that selects the organization
	// context of a call, see [OrgID].
	HeaderOrgID = "x-zitadel-orgid"
)

// Headers returns an interceptor that adds the fixed headers h to every call.
// A header key that the call has already set (for example through
// [connect.NewClientContext]) is left untouched, so per-call values win. h is
// copied; later changes to it have no effect. Values of h are sent as given:
// do not put secrets in h unless you mean to send them on every call.
func Headers(h http.Header) connect.ClientInterceptor {
	fixed := h.Clone()
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			info, ok := connect.CallInfoForClientContext(ctx)
			if !ok {
				ctx, info = connect.NewClientContext(ctx)
			}
			hdr := info.RequestHeader()
			for key, values := range fixed {
				if len(values) == 0 || hdr.Has(key) {
					continue
				}
				for _, v := range values {
					hdr.Add(key, v)
				}
			}
			return next(ctx, spec)
		}
	}
}

// InstanceHost returns an interceptor that sets the "x-zitadel-instance-host"
// header (unless the call already set it).
//
// Zitadel is multi-tenant and picks the instance from the request's host.
// When the client reaches Zitadel through an address that is not the
// instance's public domain (a proxy, a Kubernetes service name, 127.0.0.1 in
// development, or a connection that must not rewrite the HTTP Host header),
// this header tells Zitadel which instance (its public host, e.g.
// "example.zitadel.cloud" or "localhost:8080") the call is meant for.
// Connect-go derives the HTTP Host header from the transport's base URL and
// does not let a CallInfo header override it, which is why the dedicated
// header is used instead of "Host".
func InstanceHost(host string) connect.ClientInterceptor {
	return Headers(http.Header{http.CanonicalHeaderKey(HeaderInstanceHost): {host}})
}

// OrgID returns an interceptor that sets the "x-zitadel-orgid" header
// (unless the call already set it), which makes Zitadel execute the call in
// the context of that organization instead of the caller's own one.
func OrgID(id string) connect.ClientInterceptor {
	return Headers(http.Header{http.CanonicalHeaderKey(HeaderOrgID): {id}})
}
