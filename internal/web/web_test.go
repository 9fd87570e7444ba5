package web_test

import (
	"bytes"
	"flag"
	"github.com/cecportal/cecportal/internal/accounts"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/web"
)

var update = flag.Bool("update", false, "rewrite static/config.js, static/policy.js and static/js/problems.js from their sources")

func defaultPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

// TestShippedModules_MatchTheDefaults keeps the shipped config.js,
// policy.js and js/problems.js what the generators make of the defaults and
// openapi.yaml, so that the files a deployment copies never drift from
// policy/default.yaml or the API's words.
func TestShippedModules_MatchTheDefaults(t *testing.T) {
	pol := defaultPolicy(t)
	configJS, err := web.ConfigJS(web.LocalConfig())
	if err != nil {
		t.Fatal(err)
	}
	policyJS, err := web.PolicyJS(pol)
	if err != nil {
		t.Fatal(err)
	}
	modules := map[string][]byte{"config.js": configJS, "policy.js": policyJS, "js/problems.js": httpapi.ProblemsJS()}
	// problems.js words what the forms find before sending as the API would.
	for _, s := range []string{`"POST /providers"`, `"Enter the organisation's email address"`,
		`"Enter the organisation's email address in the correct format, like name@example.org"`,
		`"Enter the title of activity {n}"`, `"Choose the kind of activity {n}"`,
		`"Choose whether activity {n} addresses legislative or regulatory compliance"`} {
		if !bytes.Contains(modules["js/problems.js"], []byte(s)) {
			t.Errorf("problems.js lacks %s", s)
		}
	}
	for name, want := range modules {
		path := filepath.Join("static", filepath.FromSlash(name))
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("static/%s differs from what the defaults and openapi.yaml generate; run: go test ./internal/web -run ShippedModules -update", name)
		}
	}
}

func TestViewOf_DefaultPolicy(t *testing.T) {
	v := web.ViewOf(defaultPolicy(t))
	if v.Programs.ApplicationFeePerCecCents != 5000 || v.Programs.LateFeePerCecCents != 2500 || v.Programs.LateWithinDays != 30 ||
		v.Programs.Currency != "USD" || v.Association.TimeZone != "America/New_York" || v.Programs.MinContactHours != "0.5" {
		t.Fatalf("programs %+v association %+v", v.Programs, v.Association)
	}
	if len(v.Credentials) != 5 || v.Credentials[0].Code != "CAM" || v.Credentials[0].CECsPerPeriod != "6" {
		t.Fatalf("credentials %+v", v.Credentials)
	}
	kinds := map[string]string{}
	for _, k := range v.ActivityKinds {
		kinds[k.Code] = strings.Join(k.Documentation, ",")
	}
	// Each group's types once; a kind names its groups (the forms offer their union).
	if got := strings.Join(v.Documentation["education"], ","); got != "certificate_of_completion,transcript_or_exam_result,receipt_or_payment_confirmation,affiliate_cec_reporting_form" {
		t.Errorf("education documentation %s", got)
	}
	if got := v.Documentation["service"]; len(got) != 5 || got[0] != "directory_or_newsletter_listing" || len(v.Documentation) != 2 {
		t.Errorf("documentation groups %v", v.Documentation)
	}
	if len(kinds) != 11 || kinds["association_course"] != "education" || kinds["association_board"] != "service" || kinds["legislative_event"] != "education,service" {
		t.Errorf("kinds' documentation groups %v", kinds)
	}
	if len(v.Vendors) != 1 || v.EarnedYearsBefore != 1 {
		t.Errorf("vendors %v, earnedYearsBefore %d", v.Vendors, v.EarnedYearsBefore)
	}
}

func TestConfigJS_Validation(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg web.Config
		ok  bool
	}{
		"Local":           {web.LocalConfig(), true},
		"Cognito":         {web.Config{SignIn: "cognito", APIBase: "https://api.example.org", Cognito: web.Cognito{Domain: "https://ami.auth.us-east-1.amazoncognito.com", ClientID: "abc"}}, true},
		"CognitoNoPool":   {web.Config{SignIn: "cognito"}, false},
		"CognitoHTTP":     {web.Config{SignIn: "cognito", Cognito: web.Cognito{Domain: "http://x.example", ClientID: "abc"}}, false},
		"CognitoLoopback": {web.Config{SignIn: "cognito", Cognito: web.Cognito{Domain: "http://127.0.0.1:9999", ClientID: "abc"}}, true},
		"UnknownSignIn":   {web.Config{SignIn: "password"}, false},
		"RelativeAPIURL":  {web.Config{SignIn: "local", APIBase: "/api"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			js, err := web.ConfigJS(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && !bytes.HasPrefix(js, []byte("// ")) || tc.ok && !bytes.Contains(js, []byte("export default {")) {
				t.Fatalf("not an ES module: %s", js)
			}
		})
	}
}

func newSite(t *testing.T, cfg web.Config) *web.Site {
	t.Helper()
	s, err := web.NewSite(cfg, defaultPolicy(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestSite_Front(t *testing.T) {
	site := newSite(t, web.LocalConfig())
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, `{"api":true}`)
	})
	h := site.Front(api)

	t.Run("Index", func(t *testing.T) {
		resp := get(t, h, "GET", "/", nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("content-type"), "text/html") ||
			!bytes.Contains(body, []byte(`<script type="module" src="js/app.js">`)) {
			t.Fatalf("GET / %d %s", resp.StatusCode, resp.Header.Get("content-type"))
		}
		csp := resp.Header.Get("content-security-policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("csp %q", csp)
		}
	})
	t.Run("ModulesAndTypes", func(t *testing.T) {
		for path, ctype := range map[string]string{"/js/app.js": "text/javascript", "/app.css": "text/css", "/config.js": "text/javascript", "/favicon.svg": "image/svg+xml"} {
			resp := get(t, h, "GET", path, nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("content-type"), ctype) || resp.Header.Get("x-content-type-options") != "nosniff" {
				t.Errorf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("content-type"))
			}
		}
	})
	t.Run("GeneratedConfig", func(t *testing.T) {
		cfg := web.Config{SignIn: "cognito", APIBase: "https://api.example.org/prod", Cognito: web.Cognito{Domain: "https://ami.auth.us-east-1.amazoncognito.com", ClientID: "client123"}}
		resp := get(t, newSite(t, cfg).Front(api), "GET", "/config.js", nil)
		body, _ := io.ReadAll(resp.Body)
		if !bytes.Contains(body, []byte(`"signIn": "cognito"`)) || !bytes.Contains(body, []byte(`"clientId": "client123"`)) || !bytes.Contains(body, []byte(`"devTools": false`)) {
			t.Fatalf("config.js %s", body)
		}
		csp := get(t, newSite(t, cfg).Front(api), "GET", "/", nil).Header.Get("content-security-policy")
		if !strings.Contains(csp, "connect-src 'self' https://api.example.org https://ami.auth.us-east-1.amazoncognito.com;") {
			t.Fatalf("csp %q", csp)
		}
	})
	t.Run("ETag", func(t *testing.T) {
		first := get(t, h, "GET", "/js/app.js", nil)
		etag := first.Header.Get("etag")
		again := get(t, h, "GET", "/js/app.js", map[string]string{"if-none-match": etag})
		if etag == "" || again.StatusCode != http.StatusNotModified || first.Header.Get("cache-control") != "no-cache" {
			t.Fatalf("etag %q, revalidation %d", etag, again.StatusCode)
		}
	})
	t.Run("EverythingElseIsTheAPIs", func(t *testing.T) {
		for _, tc := range []struct{ method, path string }{
			{"GET", "/health"}, {"GET", "/nowhere.js"}, {"POST", "/"}, {"POST", "/js/app.js"}, {"GET", "/dev/outbox"}, {"GET", "/static/index.html"},
		} {
			if resp := get(t, h, tc.method, tc.path, nil); resp.StatusCode != http.StatusTeapot {
				t.Errorf("%s %s went to the site (%d)", tc.method, tc.path, resp.StatusCode)
			}
		}
		if resp := get(t, h, "HEAD", "/index.html", nil); resp.StatusCode != 200 {
			t.Errorf("HEAD /index.html %d", resp.StatusCode)
		}
	})
}

// TestSite_NoAPIPathServed: no file of the site may hide an API route.
func TestSite_NoAPIPathServed(t *testing.T) {
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	site := newSite(t, web.LocalConfig())
	for _, p := range site.Paths() {
		for api := range doc.Paths.Map() {
			re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(api), `[^/]+`) + "$")
			if re.MatchString(p) || strings.HasPrefix(p, "/dev/") {
				t.Errorf("site file %s would hide %s", p, api)
			}
		}
	}
}

// TestStatic_Hygiene checks what the browser tests cannot see at a glance:
// every module is referenced, nothing builds HTML from strings, and every
// page script keeps to ES modules.
func TestStatic_Hygiene(t *testing.T) {
	files := web.Files()
	var all []string
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			all = append(all, p)
		}
		return err
	})
	source := map[string]string{}
	for _, p := range all {
		b, _ := fs.ReadFile(files, p)
		source[p] = string(b)
	}
	for p, src := range source {
		if !strings.HasSuffix(p, ".js") {
			continue
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s: build DOM nodes with dom.js instead", p, bad)
			}
		}
		if p == "config.js" || p == "policy.js" {
			continue
		}
		name := filepath.Base(p)
		referenced := false
		for q, other := range source {
			if q != p && (strings.Contains(other, "/"+name+`"`) || strings.Contains(other, `"./`+name+`"`)) {
				referenced = true
			}
		}
		if !referenced {
			t.Errorf("%s is not imported by any page", p)
		}
	}
	if !strings.Contains(source["index.html"], `<meta name="viewport" content="width=device-width, initial-scale=1">`) || !strings.Contains(source["index.html"], `<html lang="en">`) {
		t.Error("index.html needs lang and the viewport meta")
	}
}

func TestSite_Export(t *testing.T) {
	cfg := web.Config{SignIn: "cognito", APIBase: "https://api.example.org", Cognito: web.Cognito{Domain: "https://ami.auth.us-east-1.amazoncognito.com", ClientID: "c1"}}
	site := newSite(t, cfg)
	dir := t.TempDir()
	if err := site.Export(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range site.Paths() {
		if p == "/" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/"))))
		if err != nil {
			t.Fatalf("%s not exported: %v", p, err)
		}
		served, _ := io.ReadAll(get(t, site, "GET", p, nil).Body)
		if !bytes.Equal(b, served) {
			t.Errorf("%s: exported file differs from the served one", p)
		}
	}
	cfgJS, _ := os.ReadFile(filepath.Join(dir, "config.js"))
	if !bytes.Contains(cfgJS, []byte(`"apiBase": "https://api.example.org"`)) || !bytes.Contains(cfgJS, []byte(`"devTools": false`)) {
		t.Fatalf("exported config.js %s", cfgJS)
	}
	// A static host sends no CSP header: the page's meta element carries it.
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !bytes.Contains(index, []byte(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://api.example.org https://ami.auth.us-east-1.amazoncognito.com; form-action 'none'; base-uri 'none'">`)) {
		t.Fatalf("exported index.html has no CSP for the API and Cognito: %s", index)
	}
}

// TestImportTemplate_IsTheImportHeader: the CSV template staff's import
// page offers, and the header it shows, are the import's header.
func TestImportTemplate_IsTheImportHeader(t *testing.T) {
	tmpl, err := fs.ReadFile(web.Files(), "holders-import-template.csv")
	if err != nil {
		t.Fatal(err)
	}
	if string(tmpl) != accounts.ImportHeader+"\r\n" {
		t.Errorf("the template is %q, want the import's header %q and CRLF", tmpl, accounts.ImportHeader)
	}
	page, _ := fs.ReadFile(web.Files(), "js/imports.js")
	if !strings.Contains(string(page), `export const importHeader = "`+accounts.ImportHeader+`";`) {
		t.Error("js/imports.js does not show the import's header as importHeader")
	}
}

// TestRosterTemplate_IsTheRosterHeader: the CSV template the attendance
// page offers, and the header the page shows, are the roster's header, and
// the site serves the template as CSV.
func TestRosterTemplate_IsTheRosterHeader(t *testing.T) {
	tmpl, err := fs.ReadFile(web.Files(), "attendance-roster-template.csv")
	if err != nil {
		t.Fatal(err)
	}
	if string(tmpl) != roster.Header+"\r\n" {
		t.Errorf("the template is %q, want the roster's header %q and CRLF", tmpl, roster.Header)
	}
	page, _ := fs.ReadFile(web.Files(), "js/attendance.js")
	if !strings.Contains(string(page), `export const rosterHeader = "`+roster.Header+`";`) {
		t.Error("js/attendance.js does not show the roster's header as rosterHeader")
	}
	resp := get(t, newSite(t, web.LocalConfig()), "GET", "/attendance-roster-template.csv", nil)
	if ct := resp.Header.Get("content-type"); resp.StatusCode != 200 || ct != "text/csv; charset=utf-8" {
		t.Errorf("GET the template: %d %s", resp.StatusCode, ct)
	}
}

// The policy's logo is served from the brand folder beside it, where the
// forms' policy.js points; a logo the folder lacks is refused.
func TestSite_Logo(t *testing.T) {
	pol := defaultPolicy(t)
	pol.Association.Logo = "logo.svg"
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`)
	s, err := web.NewSite(web.LocalConfig(), pol)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddLogo(pol, fstest.MapFS{"logo.svg": {Data: svg}}); err != nil {
		t.Fatal(err)
	}
	resp := get(t, s, "GET", "/brand/logo.svg", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") || !bytes.Equal(body, svg) {
		t.Fatalf("the logo: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if v := web.ViewOf(pol); v.Association.Logo != "brand/logo.svg" {
		t.Fatalf("policy.js's logo %q", v.Association.Logo)
	}
	if err := s.AddLogo(pol, fstest.MapFS{"other.svg": {Data: svg}}); err == nil || !strings.Contains(err.Error(), "logo.svg") {
		t.Fatalf("a logo the folder lacks: %v", err)
	}
	if err := s.AddLogo(pol, nil); err == nil {
		t.Fatal("a logo without a brand folder was taken")
	}
	pol.Association.Logo = ""
	if err := s.AddLogo(pol, nil); err != nil || web.ViewOf(pol).Association.Logo != "" {
		t.Fatalf("no logo: %v", err)
	}
}
