package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
)

// corsPage calls serve from another origin the way browser clients do:
// Connect (JSON), gRPC-Web (binary frames) and REST, with credentials, and
// once with a header outside Zitadel's CORS list, which must be blocked.
const corsPage = `<!doctype html><html><head><meta charset="utf-8"><title>cors</title></head><body><script>
async function runTests(base) {
  const out = {};
  const auth = {"Authorization": "Bearer dev-login-client-token"};
  // Connect protocol, JSON.
  let res = await fetch(base + "/zitadel.session.v2.SessionService/CreateSession", {
    method: "POST", credentials: "include", mode: "cors",
    headers: {...auth, "Content-Type": "application/json", "Connect-Protocol-Version": "1", "Connect-Timeout-Ms": "10000"},
    body: JSON.stringify({checks: {user: {loginName: "alice@example.com"}, password: {password: "Correct-Horse-7"}}}),
  });
  const created = await res.json();
  out.connectStatus = res.status;
  out.sessionId = created.sessionId || "";
  // gRPC-Web, binary: GetSession{session_id} in one data frame.
  const enc = new TextEncoder().encode(out.sessionId);
  const msg = new Uint8Array([0x0a, enc.length, ...enc]);
  const frame = new Uint8Array(5 + msg.length);
  frame.set([0, 0, 0, 0, msg.length], 0);
  frame.set(msg, 5);
  res = await fetch(base + "/zitadel.session.v2.SessionService/GetSession", {
    method: "POST", credentials: "include",
    headers: {...auth, "Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "X-User-Agent": "grpc-web-javascript/0.1"},
    body: frame,
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const trailer = new TextDecoder().decode(body.slice(body.lastIndexOf(0x80) + 5));
  out.grpcWebStatus = res.status;
  out.grpcWebTrailer = trailer.trim();
  out.grpcWebHasSessionId = new TextDecoder().decode(body).includes(out.sessionId);
  // gRPC-Web error: a trailers-only answer, read from the exposed headers.
  const unknown = new Uint8Array([0, 0, 0, 0, 3, 0x0a, 1, 0x31]);
  res = await fetch(base + "/zitadel.session.v2.SessionService/GetSession", {
    method: "POST", credentials: "include",
    headers: {...auth, "Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1"}, body: unknown,
  });
  out.grpcWebErrorStatus = res.headers.get("Grpc-Status");
  out.grpcWebErrorMessage = res.headers.get("Grpc-Message");
  // REST, as Zitadel's docs call it.
  res = await fetch(base + "/v2/sessions/" + out.sessionId, {
    method: "PATCH", credentials: "include",
    headers: {...auth, "Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({metadata: {k: "dg=="}}),
  });
  out.restStatus = res.status;
  out.restHasToken = !!(await res.json()).sessionToken;
  // A header outside the list: the preflight fails, so fetch rejects.
  try {
    await fetch(base + "/zitadel.session.v2.SessionService/GetSession", {
      method: "POST", headers: {...auth, "Content-Type": "application/json", "X-Not-Allowed": "1"}, body: "{}",
    });
    out.unlistedHeader = "allowed";
  } catch (e) {
    out.unlistedHeader = "blocked";
  }
  return out;
}
</script></body></html>`

// TestBrowserCORS loads a page from another origin in headless Chromium and
// calls serve from it with Connect, gRPC-Web and REST requests.
func TestBrowserCORS(t *testing.T) {
	heavytest.Require(t) // drives a real browser: ZS_HEAVY_TESTS=1, as in CI
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (Debian: apt-get install -y chromium); this test needs a real browser")
	}
	base := startServe(t).url

	// The page's origin: another port on loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	page := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(corsPage))
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = page.Serve(ln) }()
	defer page.Close()
	pageURL := "http://" + ln.Addr().String() + "/"

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("starting chromium and loading the page: %v", err)
	}
	runCtx, cancelRun := context.WithTimeout(ctx, 60*time.Second)
	defer cancelRun()
	raw, err := chromedp.Run(runCtx, chromedp.Evaluate[[]byte]("runTests("+jsString(base)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running the page's requests: %v", err)
	}
	var got struct {
		ConnectStatus       int    `json:"connectStatus"`
		SessionID           string `json:"sessionId"`
		GRPCWebStatus       int    `json:"grpcWebStatus"`
		GRPCWebTrailer      string `json:"grpcWebTrailer"`
		GRPCWebHasSessionID bool   `json:"grpcWebHasSessionId"`
		GRPCWebErrorStatus  string `json:"grpcWebErrorStatus"`
		GRPCWebErrorMessage string `json:"grpcWebErrorMessage"`
		RESTStatus          int    `json:"restStatus"`
		RESTHasToken        bool   `json:"restHasToken"`
		UnlistedHeader      string `json:"unlistedHeader"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("page result %s: %v", raw, err)
	}
	if got.ConnectStatus != 200 || len(got.SessionID) != 18 {
		t.Errorf("Connect CreateSession from another origin: %+v", got)
	}
	if got.GRPCWebStatus != 200 || !strings.Contains(got.GRPCWebTrailer, "grpc-status: 0") || !got.GRPCWebHasSessionID {
		t.Errorf("gRPC-Web GetSession from another origin: %+v", got)
	}
	if got.GRPCWebErrorStatus != "5" || !strings.Contains(got.GRPCWebErrorMessage, "QUERY-SFeaa") {
		t.Errorf("gRPC-Web error headers not readable from another origin (exposed headers): %+v", got)
	}
	if got.RESTStatus != 200 || !got.RESTHasToken {
		t.Errorf("REST PATCH from another origin: %+v", got)
	}
	if got.UnlistedHeader != "blocked" {
		t.Errorf("a request with a header outside the CORS list was %s", got.UnlistedHeader)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
