package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests run Debian's chromium (or any Chromium / Chrome: set
// CHROMIUM to its path) headless through github.com/chromedp/chromedp.
// Without a browser they fail, saying how to install one: CI installs it
// (.ci/run), and a test that silently passes without a browser would prove
// nothing.
//
// Screenshots of every page go to $LOGIN_E2E_SCREENSHOTS/<test>/ when that
// variable names a directory, else to the test's temporary directory (gone
// after the test); each file is named <step>-<page>.png.

// chromiumPath finds the browser or fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: this test needs a real browser. Install Debian's chromium " +
		"(apt-get update && apt-get install -y chromium; .ci/run does), or set CHROMIUM to a Chromium or Chrome binary")
	return ""
}

// browser is one headless Chromium with a fresh profile, for one test.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	step  int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(520, 640),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium %s: %v", path, err)
	}
	b := &browser{t: t, ctx: ctx, shots: t.TempDir()}
	if dir := os.Getenv("LOGIN_E2E_SCREENSHOTS"); dir != "" {
		b.shots = filepath.Join(dir, t.Name())
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// submit marks the current page as seen and runs actions that load the
// next page (a click on a submit button, a navigation): expectPage then
// waits for that page.
func (b *browser) submit(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.do(append([]chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void]("window.__e2eSeen = true")(ctx, t)
			return err
		})}, actions...)...)
}

// do runs actions with a time limit.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown location: " + err.Error()
	}
	return loc
}

// text returns the text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: reading %s: %v (at %s)", sel, err, b.location())
	}
	return strings.TrimSpace(s)
}

// expectPage waits until the page whose <h1> is title has loaded, checks
// that it shows each of want, and takes its screenshot.
func (b *browser) expectPage(name, title string, want ...string) {
	b.t.Helper()
	// A page that loaded since the last submit has no __e2eSeen mark.
	const script = `!window.__e2eSeen && document.readyState === "complete" && document.querySelector("h1") ? document.querySelector("h1").textContent.trim() : ""`
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](script))
		cancel()
		if err == nil { // errors are expected while a page is replaced
			if got = h1; got == title {
				break
			}
		}
	}
	if got != title {
		b.t.Fatalf("no new page titled %q (at %s, showing %q)", title, b.location(), b.text("h1"))
	}
	body := b.text("main")
	for _, w := range want {
		if !strings.Contains(body, w) {
			b.t.Fatalf("page %q does not show %q; page:\n%s", title, w, body)
		}
	}
	b.screenshot(name)
}

// screenshot saves the viewport as <step>-<name>.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	b.step++
	file := filepath.Join(b.shots, strings.Join([]string{twoDigits(b.step), name}, "-")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10%10), byte('0' + n%10)})
}

// fill types value into the empty input.
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), value)
}

// click clicks the element.
func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
