package interceptors_test

import (
	"net/http"
	"testing"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/interceptors"
)

func TestHeadersInstanceHostOrgID(t *testing.T) {
	svc := newFakeSessions()
	fixed := http.Header{"X-Custom": {"a", "b"}, "X-Override": {"fixed"}}
	client := startSessionServer(t, svc,
		interceptors.Headers(fixed),
		interceptors.InstanceHost("login.example.com"),
		interceptors.OrgID("org-42"))
	fixed.Set("X-Custom", "changed-after-construction")

	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	h := svc.lastHeader()
	if got := h.Get("X-Zitadel-Instance-Host"); got != "login.example.com" {
		t.Errorf("x-zitadel-instance-host = %q", got)
	}
	if got := h.Get("X-Zitadel-Orgid"); got != "org-42" {
		t.Errorf("x-zitadel-orgid = %q", got)
	}
	if got := h.Values("X-Custom"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("X-Custom = %v", got)
	}

	// Per-call values win.
	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("X-Override", "per-call")
	info.RequestHeader().Set("X-Zitadel-Orgid", "org-per-call")
	if err := getSession(ctx, client); err != nil {
		t.Fatal(err)
	}
	h = svc.lastHeader()
	if got := h.Values("X-Override"); len(got) != 1 || got[0] != "per-call" {
		t.Errorf("X-Override = %v, want [per-call]", got)
	}
	if got := h.Values("X-Zitadel-Orgid"); len(got) != 1 || got[0] != "org-per-call" {
		t.Errorf("x-zitadel-orgid = %v, want [org-per-call]", got)
	}
}
