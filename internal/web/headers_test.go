package web_test

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/web"
)

// localCSP is the policy the local stack's pages run under: what they use
// and nothing more (docs/web.md).
const localCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

func TestSite_SecurityHeaders(t *testing.T) {
	site := newSite(t, web.LocalConfig())
	want := map[string]string{
		"Content-Security-Policy":   localCSP,
		"Referrer-Policy":           "no-referrer",
		"Strict-Transport-Security": "max-age=31536000",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
	}
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/js/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/config.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/app.css", 200, "text/css; charset=utf-8"},
		{"GET", "/favicon.svg", 200, "image/svg+xml"},
		{"GET", "/nowhere.js", 404, "application/json"}, // the site alone, without the API behind it
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			resp := get(t, site, tc.method, tc.path, nil)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype)
			}
			for k, v := range want {
				if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
	if got := site.SecurityHeaders(); len(got) != len(want) {
		t.Errorf("SecurityHeaders() = %v, want %d headers", got, len(want))
	}
}

// The pages satisfy their policy: no inline script or style, no handler
// attributes, no javascript: URL, nothing loaded from elsewhere; and the
// shipped index.html carries the policy the local stack serves (without
// frame-ancestors, which a meta element cannot give).
func TestStatic_SatisfiesCSP(t *testing.T) {
	index, err := fs.ReadFile(web.Files(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`<script\b[^>]*>[^<]*`).FindAllString(string(index), -1) {
		if !strings.Contains(m, ` src="`) || !strings.HasSuffix(m, ">") {
			t.Errorf("index.html: inline script %q", m)
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<style`),                               // style element
		regexp.MustCompile(`\sstyle=`),                             // style attribute
		regexp.MustCompile(`\son[a-z]+=`),                          // handler attribute
		regexp.MustCompile(`javascript:`),                          // script URL
		regexp.MustCompile(`(?:src|href)="(?:https?:)?//`),         // another origin
		regexp.MustCompile(`<(?:iframe|object|embed|base|form)\b`), // nothing of those
	} {
		for _, m := range bad.FindAllString(string(index), -1) {
			t.Errorf("index.html: %q breaks the policy", m)
		}
	}
	meta := `<meta http-equiv="Content-Security-Policy" content="` + strings.Replace(localCSP, " frame-ancestors 'none';", "", 1) + `">`
	if !bytes.Contains(index, []byte(meta)) {
		t.Errorf("shipped index.html lacks %s", meta)
	}
	served, _ := io.ReadAll(get(t, newSite(t, web.LocalConfig()), http.MethodGet, "/", nil).Body)
	if !bytes.Equal(served, index) {
		t.Error("the shipped index.html differs from the one the local stack serves: update its CSP meta element")
	}
	modules, _ := fs.Glob(web.Files(), "js/*.js")
	if len(modules) == 0 {
		t.Fatal("no modules under js/")
	}
	for _, p := range modules {
		src, _ := fs.ReadFile(web.Files(), p)
		for _, bad := range []string{`setAttribute("style"`, "cssText", `"style"`, "javascript:", "setTimeout(\"", "setInterval(\""} {
			if bytes.Contains(src, []byte(bad)) {
				t.Errorf("%s uses %s, which the policy blocks", p, bad)
			}
		}
		// dom.js's h() sets attributes, so {style: ...} would be a style
		// attribute; Intl's {style: "currency"} is the one other use.
		if bytes.Count(src, []byte("style:")) != bytes.Count(src, []byte(`style: "currency"`)) {
			t.Errorf("%s gives an element a style attribute, which the policy blocks: use a class of app.css", p)
		}
	}
}
