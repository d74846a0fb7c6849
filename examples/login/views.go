package main

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
)

//go:embed templates
var templateFiles embed.FS

// staticFiles are the stylesheet and the WebAuthn script, served at
// <base>/static/.
//
//go:embed static
var staticFiles embed.FS

// view is the data of every page; each template uses the fields it needs.
// html/template escapes all of it for its context.
type view struct {
	Base  string // path of the login service
	Title string
	// User is the session's user, e.g. "Alice Example (alice@example.com)".
	User  string
	Error string // a message about the last input, shown above the form

	Request   *requestView // login: what is asking
	LoginName string       // login: prefilled login name
	Code      string       // email: the code from the e-mailed link
	// WebAuthnOptions is Zitadel's credential request options (JSON) for
	// navigator.credentials.get.
	WebAuthnOptions string
	SecurityKey     bool // passkey: a security key as second factor

	Problem *problem
	Restart string // problem: URL to start this login again

	Claims *claimsView  // app: the verified ID token
	Hint   *standInHint // app: the stand-in's demo users
}

// requestView is what the login page shows about the auth request.
type requestView struct {
	ID       string // "V2_…"
	ClientID string
	Scopes   []string
	Prompt   []string
}

func describe(ar *oidcv2.AuthRequest) *requestView {
	v := &requestView{ID: ar.GetId(), ClientID: ar.GetClientId(), Scopes: ar.GetScope()}
	for _, p := range ar.GetPrompt() {
		v.Prompt = append(v.Prompt, strings.ToLower(strings.TrimPrefix(p.String(), "PROMPT_")))
	}
	return v
}

// views holds one parsed template per page, each with the shared layout.
type views struct {
	pages map[string]*template.Template
	base  string
	log   *slog.Logger
}

var pageTitles = map[string]string{
	"login":    "Sign in",
	"password": "Enter your password",
	"mfa":      "Confirm it's you",
	"email":    "Enter the code we e-mailed you",
	"passkey":  "Use your passkey",
	"problem":  "",
	"app":      "Demo app",
}

func newViews(base string, log *slog.Logger) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, base: base, log: log}
	for name := range pageTitles {
		t, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		v.pages[name] = t
	}
	return v, nil
}

// render writes page name with status.
func (ui *loginUI) render(w http.ResponseWriter, status int, name string, v view) {
	ui.views.render(w, status, name, v)
}

func (vs *views) render(w http.ResponseWriter, status int, name string, v view) {
	v.Base = vs.base
	if v.Title == "" {
		v.Title = pageTitles[name]
	}
	if v.Problem != nil {
		v.Title = v.Problem.Title
	}
	var buf bytes.Buffer
	if err := vs.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		vs.log.Error("rendering a page failed", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
