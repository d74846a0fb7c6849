// Package interceptors provides connect-go v2 client interceptors for talking
// to Zitadel's Session API v2. The token sources that [Auth] takes (personal
// access token, client credentials, service-account keys) are in package
// github.com/sessionkit/zitadel-session-go/credentials.
//
// Every interceptor is a [connect.ClientInterceptor] and is passed to
// [connect.NewClient]. Interceptors run in argument order, the first one
// wrapping the outermost call. A sensible order is:
//
//	connect.NewClient(transport,
//		interceptors.Tracing(tp),           // one span per logical call
//		interceptors.Logging(logger),       // one record per logical call
//		interceptors.Retry(policy),         // re-opens the stream below this point
//		interceptors.Auth(tokenSource),     // Authorization header
//		interceptors.InstanceHost(host),    // x-zitadel-instance-host
//		interceptors.OrgID(orgID),          // x-zitadel-orgid
//	)
//
// Interceptors that only set request headers (Auth, Headers, InstanceHost,
// OrgID) write to the call's [connect.CallInfo], which is shared by every
// attempt of a retried call, so they work on either side of Retry. Tracing
// and Logging placed outside Retry observe the logical call; placed inside
// they observe every attempt.
//
// Secrets (access tokens, client secrets, private keys, passwords, one-time
// codes) never appear in errors, log records or String output produced by
// this package.
package interceptors
