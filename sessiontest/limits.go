package sessiontest

import (
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect/v2"
)

// Limits are the test server's resource limits: what a development server
// needs so that idle or slow clients and oversized requests cannot exhaust
// it. Zitadel has limits of its own in other places (a proxy's timeouts, the
// database); the metadata and list caps are this server's only, and a
// request over them fails with INVALID_ARGUMENT naming the limit.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers (HTTP/1.1).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (HTTP/1.1,
	// and each HTTP/2 stream).
	ReadTimeout time.Duration
	// IdleTimeout closes keep-alive HTTP/1.1 and idle HTTP/2 (h2c or TLS)
	// connections.
	IdleTimeout time.Duration
	// MaxConcurrentStreams caps the concurrent streams (calls) of one
	// HTTP/2 connection.
	MaxConcurrentStreams int
	// MaxRequestBytes caps a request message (gRPC's default 4 MiB).
	MaxRequestBytes int
	// MaxMetadataEntries and MaxMetadataBytes (keys plus values) cap the
	// metadata one Create or Set request may send, and so what a session
	// holds.
	MaxMetadataEntries int
	MaxMetadataBytes   int
	// MaxListPage caps the sessions in one ListSessions response: a request
	// with limit 0 (which Zitadel answers with every match) or a larger
	// limit gets this many; details.total_result still counts every match,
	// so a client can page with offset.
	MaxListPage int
}

// DefaultLimits returns the limits a Server has unless WithLimits replaces
// them: 10 s to read headers, 30 s to read a request, 2 min idle, 100
// concurrent streams per HTTP/2 connection, 4 MiB per request, 64 metadata
// entries and 64 KiB of metadata per session, 1,000 sessions per
// ListSessions page.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout:    10 * time.Second,
		ReadTimeout:          30 * time.Second,
		IdleTimeout:          2 * time.Minute,
		MaxConcurrentStreams: 100,
		MaxRequestBytes:      4 << 20,
		MaxMetadataEntries:   64,
		MaxMetadataBytes:     64 << 10,
		MaxListPage:          DefaultMaxListPage,
	}
}

// WithLimits replaces the server's limits. Fields left zero keep their
// DefaultLimits value.
func WithLimits(l Limits) Option {
	return func(c *config) {
		d := DefaultLimits()
		pick := func(v, def time.Duration) time.Duration {
			if v > 0 {
				return v
			}
			return def
		}
		pickInt := func(v, def int) int {
			if v > 0 {
				return v
			}
			return def
		}
		c.limits = Limits{
			ReadHeaderTimeout:    pick(l.ReadHeaderTimeout, d.ReadHeaderTimeout),
			ReadTimeout:          pick(l.ReadTimeout, d.ReadTimeout),
			IdleTimeout:          pick(l.IdleTimeout, d.IdleTimeout),
			MaxConcurrentStreams: pickInt(l.MaxConcurrentStreams, d.MaxConcurrentStreams),
			MaxRequestBytes:      pickInt(l.MaxRequestBytes, d.MaxRequestBytes),
			MaxMetadataEntries:   pickInt(l.MaxMetadataEntries, d.MaxMetadataEntries),
			MaxMetadataBytes:     pickInt(l.MaxMetadataBytes, d.MaxMetadataBytes),
			MaxListPage:          pickInt(l.MaxListPage, d.MaxListPage),
		}
	}
}

// NewHTTPServer returns an http.Server for handler (usually a mux the
// server was mounted on) that serves HTTP/1.1 and cleartext HTTP/2 (h2c)
// with the server's Limits. Start uses it; so does `zitadel-session serve`.
func (s *Server) NewHTTPServer(handler http.Handler) *http.Server {
	l := s.cfg.limits
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           handler,
		Protocols:         protocols,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		IdleTimeout:       l.IdleTimeout,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: l.MaxConcurrentStreams},
	}
}

// checkMetadataLimits rejects request metadata over the server's limits.
func (s *Server) checkMetadataLimits(md map[string][]byte) error {
	l := s.cfg.limits
	if len(md) > l.MaxMetadataEntries {
		return plainErr(connect.CodeInvalidArgument, fmt.Sprintf(
			"metadata: %d entries exceed the test server's limit of %d per session, see sessiontest Limits.MaxMetadataEntries", len(md), l.MaxMetadataEntries))
	}
	n := 0
	for k, v := range md {
		n += len(k) + len(v)
	}
	if n > l.MaxMetadataBytes {
		return plainErr(connect.CodeInvalidArgument, fmt.Sprintf(
			"metadata: %d bytes exceed the test server's limit of %d per session, see sessiontest Limits.MaxMetadataBytes", n, l.MaxMetadataBytes))
	}
	return nil
}
