// Package loopback decides whether a host is a loopback address, the only
// kind of host credentials may be sent to over plain http:// without the
// caller's explicit opt-in.
package loopback

import (
	"net/netip"
	"strings"
)

// Host reports whether host (a host name or IP literal, without port or
// brackets, as returned by url.URL.Hostname) is "localhost", an address in
// 127.0.0.0/8 or ::1. Other names are not resolved: a name that merely
// resolves to a loopback address does not count.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}
