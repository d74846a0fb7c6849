package interceptors

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
)

// Logging returns an interceptor that writes exactly one record per call to
// l (nil means slog.Default()), when the call ends, with the attributes
//
//	procedure   e.g. "/zitadel.session.v2.SessionService/GetSession"
//	code        "ok" or the connect code name, e.g. "unavailable"
//	duration    time from opening the stream to the end of the call
//	peer        the server address reported by the transport, if any
//	error       the error text, for failed calls
//
// Successful calls are logged at Info, failed ones at Warn. Request headers
// (and thus the Authorization header) are never logged, and neither are
// messages at Info. Only when l is enabled for Debug, the same record also
// carries "request" and "response" (the last message sent and received) as
// protobuf JSON, redacted with [Redact]: every field named in [SecretFields]
// (password, session_token, code, idp_intent_token, otp_sms, otp_email,
// credential_assertion_data, ...) is replaced or cleared first, and the
// values of session metadata and of the user agent's headers are removed
// (their keys and header names stay).
//
// Placed before [Retry] in [connect.NewClient] it logs the logical call;
// placed after it, one record per attempt.
func Logging(l *slog.Logger) connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			logger := l
			if logger == nil {
				logger = slog.Default()
			}
			start := time.Now()
			debug := logger.Enabled(ctx, slog.LevelDebug)
			rec := &callRecord{}
			log := func(err error) {
				var peer string
				if info, ok := connect.CallInfoForClientContext(ctx); ok {
					peer = info.PeerAddr
				}
				attrs := []slog.Attr{
					slog.String("procedure", spec.Procedure),
					slog.String("code", codeString(err)),
					slog.Duration("duration", time.Since(start)),
					slog.String("peer", peer),
				}
				level := slog.LevelInfo
				if err != nil {
					level = slog.LevelWarn
					attrs = append(attrs, slog.String("error", err.Error()))
				}
				if debug {
					req, res := rec.get()
					if req != "" {
						attrs = append(attrs, slog.String("request", req))
					}
					if res != "" {
						attrs = append(attrs, slog.String("response", res))
					}
				}
				logger.LogAttrs(ctx, level, "rpc call", attrs...)
			}
			stream, err := next(ctx, spec)
			if err != nil {
				log(err)
				return nil, err
			}
			var onSend, onReceive func(any)
			if debug {
				onSend = func(m any) { rec.setReq(redactedJSON(m)) }
				onReceive = func(m any) { rec.setRes(redactedJSON(m)) }
			}
			return newObservedStream(ctx, spec, stream, onSend, onReceive, log), nil
		}
	}
}

// callRecord holds the redacted messages of a call; Send and Receive may run
// concurrently.
type callRecord struct {
	mu       sync.Mutex
	req, res string
}

func (r *callRecord) setReq(s string) { r.mu.Lock(); r.req = s; r.mu.Unlock() }
func (r *callRecord) setRes(s string) { r.mu.Lock(); r.res = s; r.mu.Unlock() }
func (r *callRecord) get() (string, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.req, r.res
}
