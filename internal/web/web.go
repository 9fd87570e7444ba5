// Package web owns cecportal's web forms: plain HTML, CSS and ES modules with
// no build step, embedded so that the local stack serves them at / and so
// that the very same files can be copied to any static host (S3 +
// CloudFront). Two small modules carry everything that differs between
// deployments: config.js (where the API is, how people sign in) and
// policy.js (the association's numbers the forms show before the API does,
// such as the fee preview). The local stack generates both from its own
// configuration and policy; the shipped copies hold the defaults.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/policy"
)

//go:embed static
var static embed.FS

// Files are the front end's files as shipped (config.js and policy.js hold
// the defaults): what a deployment copies to its static host.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Config is config.js: what differs between the local stack and a
// deployment.
type Config struct {
	// APIBase is the HTTP API's base URL, e.g. the API Gateway stage URL;
	// empty means the origin that serves the forms.
	APIBase string `json:"apiBase"`
	// SignIn is "local" (the local stack's /dev/token role picker) or
	// "cognito" (the Cognito hosted UI, authorization code flow with PKCE).
	SignIn  string  `json:"signIn"`
	Cognito Cognito `json:"cognito"`
	// FilesOrigin is where the forms post holders' files: the documents
	// bucket's https origin (the stack's DocumentsOrigin output); empty
	// means the origin that serves the forms (the local stack's /files).
	FilesOrigin string `json:"filesOrigin,omitempty"`
	// DevTools shows the local stack's clock, jobs, outbox and payment
	// simulator. Never true in a deployment: those endpoints do not exist there.
	DevTools bool `json:"devTools"`
}

// Cognito is the user pool's hosted UI and app client.
type Cognito struct {
	Domain      string   `json:"domain"`      // https://<prefix>.auth.<region>.amazoncognito.com
	ClientID    string   `json:"clientId"`    // a public app client (no secret)
	RedirectURI string   `json:"redirectUri"` // where the forms are served; "" means their own URL
	LogoutURI   string   `json:"logoutUri"`   // "" means the same
	Scopes      []string `json:"scopes"`
}

// LocalConfig is config.js on the local stack.
func LocalConfig() Config {
	return Config{SignIn: "local", DevTools: true, Cognito: Cognito{Scopes: []string{"openid", "email"}}}
}

func (c Config) validate() error {
	switch c.SignIn {
	case "local":
	case "cognito":
		if c.Cognito.Domain == "" || c.Cognito.ClientID == "" {
			return fmt.Errorf("web: cognito sign-in needs cognito.domain and cognito.clientId")
		}
		if u, err := url.Parse(c.Cognito.Domain); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
			return fmt.Errorf("web: cognito.domain %q must be an https URL (http only on loopback, for tests)", c.Cognito.Domain)
		}
	default:
		return fmt.Errorf("web: signIn %q: want local or cognito", c.SignIn)
	}
	if c.APIBase != "" {
		if u, err := url.Parse(c.APIBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("web: apiBase %q must be an http(s) URL or empty", c.APIBase)
		}
	}
	if c.FilesOrigin != "" {
		if u, err := url.Parse(c.FilesOrigin); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("web: filesOrigin %q must be an https origin (http only on loopback) or empty", c.FilesOrigin)
		}
	}
	return nil
}

// PolicyView is policy.js: the part of the association's policy the forms
// need before they ask the API (fee preview, activity kinds and their
// documentation types, credential codes). The server stays the judge.
type PolicyView struct {
	Association struct {
		Name      string `json:"name"`
		ShortName string `json:"shortName"`
		TimeZone  string `json:"timeZone"`
		// SupportEmail is where a person whose application or submission
		// is stuck can ask the association's office.
		SupportEmail string `json:"supportEmail"`
		// Logo is the logo's path under the site ("brand/logo.svg"), if any.
		Logo string `json:"logo,omitempty"`
		// Colours are the portal's (checked for contrast by the policy).
		Colours struct {
			Accent     string `json:"accent"`
			AccentText string `json:"accentText"`
		} `json:"colours"`
	} `json:"association"`
	Programs struct {
		Currency                  string `json:"currency"`
		ApplicationFeePerCecCents int64  `json:"applicationFeePerCecCents"`
		LateFeePerCecCents        int64  `json:"lateFeePerCecCents"`
		LateWithinDays            int    `json:"lateWithinDays"`
		Refundable                bool   `json:"refundable"`
		MinContactHours           string `json:"minContactHours"`
		MaxContactHours           string `json:"maxContactHours"`
	} `json:"programs"`
	Credentials []CredentialView `json:"credentials"`
	// Documentation lists each group's documentation types once, as the
	// policy file does; activity kinds name their groups.
	Documentation map[string][]string  `json:"documentation"`
	ActivityKinds []ActivityKindView   `json:"activityKinds"`
	NotAccepted   []policy.NotAccepted `json:"notAccepted"`
	Vendors       []string             `json:"vendors"`
	// EarnedYearsBefore: renewal year Y counts what was earned in Y − this,
	// unless RollingMonthsBeforeDue: the months before Y's due date.
	EarnedYearsBefore      int `json:"earnedYearsBefore"`
	RollingMonthsBeforeDue int `json:"rollingMonthsBeforeDue"`
	// PeriodYears and PeriodAnchor: renewals every PeriodYears years, on the
	// calendar or on each holder's own anniversary ("credential"), when the
	// forms ask the API which renewal is a holder's next.
	PeriodYears  int    `json:"periodYears"`
	PeriodAnchor string `json:"periodAnchor"`
	// IssueDaysBeforeDue: with holders' own cycles, how long before its due
	// date a renewal is invoiced.
	IssueDaysBeforeDue int `json:"issueDaysBeforeDue"`
	// ReportingWindowDays: attendance is reported within this many days of
	// a program's end (a provider's home page shows the deadline).
	ReportingWindowDays int `json:"reportingWindowDays"`
	// ReinstatementFeeCents: what paying a renewal after its grace period
	// adds (the renewal page says so before it is added).
	ReinstatementFeeCents int64 `json:"reinstatementFeeCents"`
	// Attachments bound the files a holder attaches (the form checks a
	// file's size before sending it).
	Attachments struct {
		MaxMegabytes int `json:"maxMegabytes"`
		PerActivity  int `json:"perActivity"`
	} `json:"attachments"`
}

// CredentialView is a credential and its yearly requirement.
type CredentialView struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	CECsPerPeriod string `json:"cecsPerYear"`
}

// ActivityKindView is an activity kind with the documentation groups whose
// types fit it (PolicyView.Documentation).
type ActivityKindView struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	Documentation []string `json:"documentation"`
}

// ViewOf extracts what the forms show of pol.
func ViewOf(pol *policy.Policy) PolicyView {
	var v PolicyView
	v.Association.Name = pol.Association.Name
	v.Association.ShortName = pol.Association.ShortName
	v.Association.TimeZone = pol.Association.TimeZone
	v.Association.SupportEmail = pol.Association.SupportEmail
	v.Association.Colours.Accent, v.Association.Colours.AccentText = pol.Association.Colours.Accent, pol.Association.Colours.AccentText
	if pol.Association.Logo != "" {
		v.Association.Logo = "brand/" + pol.Association.Logo
	}
	pr := pol.Programs
	v.Programs.Currency = pr.Currency
	v.Programs.ApplicationFeePerCecCents = pr.ApplicationFeePerCecCents
	v.Programs.LateFeePerCecCents = pr.LateFeePerCecCents
	v.Programs.LateWithinDays = pr.LateWithinDays
	v.Programs.Refundable = pr.Refundable
	v.Programs.MinContactHours = pr.MinContactHours.String()
	v.Programs.MaxContactHours = pr.MaxContactHours.String()
	for _, c := range pol.Credentials {
		v.Credentials = append(v.Credentials, CredentialView{Code: c.Code, Name: c.Name, CECsPerPeriod: c.CECsPerPeriod.String()})
	}
	v.Documentation = map[string][]string{}
	for group, types := range pol.Documentation {
		v.Documentation[group] = append([]string{}, types...)
	}
	for _, k := range pol.ActivityKinds {
		v.ActivityKinds = append(v.ActivityKinds, ActivityKindView{Code: k.Code, Name: k.Name, Category: k.Category,
			Documentation: append([]string{}, k.Documentation...)})
	}
	v.NotAccepted = append([]policy.NotAccepted{}, pol.NotAccepted...)
	v.Vendors = []string{}
	for _, r := range pol.VendorRestrictions {
		v.Vendors = append(v.Vendors, r.Vendor)
	}
	v.EarnedYearsBefore = pol.Renewal.EarnedYearsBefore
	v.RollingMonthsBeforeDue = pol.Renewal.RollingMonths
	v.PeriodYears = max(1, pol.Renewal.PeriodYears)
	v.PeriodAnchor = pol.Renewal.PeriodAnchor
	v.IssueDaysBeforeDue = pol.RenewalInvoices.IssueDaysBeforeDue
	v.ReportingWindowDays = pol.Attendance.ReportingWindowDays
	v.ReinstatementFeeCents = pol.RenewalInvoices.ReinstatementFeeCents
	v.Attachments.MaxMegabytes = pol.Attachments.MaxMegabytes
	v.Attachments.PerActivity = pol.Attachments.PerActivity
	return v
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// ConfigJS renders config.js.
func ConfigJS(c Config) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if c.Cognito.Scopes == nil {
		c.Cognito.Scopes = []string{"openid", "email"}
	}
	return module("Where the API is and how people sign in. Edit it when deploying (docs/web.md);\n// the local stack serves its own.", c)
}

// PolicyJS renders policy.js from the association's policy.
func PolicyJS(pol *policy.Policy) ([]byte, error) {
	return module("Generated from the association's policy file (policy/default.yaml): the numbers\n// and lists the forms show before the API answers. Regenerate it when the policy\n// changes (docs/web.md); the local stack serves one from the policy it runs.", ViewOf(pol))
}

func module(comment string, v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "// %s\nexport default %s;\n", comment, b)
	return out.Bytes(), nil
}

// Site serves the forms: the embedded files, with config.js and policy.js
// generated for this process.
type Site struct {
	files map[string]file // by URL path
	csp   string
}

type file struct {
	body  []byte
	ctype string
	etag  string
}

// NewSite builds the site for cfg and pol.
func NewSite(cfg Config, pol *policy.Policy) (*Site, error) {
	configJS, err := ConfigJS(cfg)
	if err != nil {
		return nil, err
	}
	policyJS, err := PolicyJS(pol)
	if err != nil {
		return nil, err
	}
	s := &Site{files: map[string]file{}, csp: csp(cfg)}
	err = fs.WalkDir(Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Files(), p)
		if err != nil {
			return err
		}
		switch p {
		case "config.js":
			b = configJS
		case "policy.js":
			b = policyJS
		case "index.html":
			// A static host sends no headers of ours: the page carries its policy.
			b = cspMeta.ReplaceAll(b, []byte(`<meta http-equiv="Content-Security-Policy" content="`+metaCSP(cfg)+`">`))
		}
		s.add("/"+p, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read embedded files: %w", err)
	}
	s.files["/"] = s.files["/index.html"]
	return s, nil
}

func (s *Site) add(p string, b []byte) {
	sum := sha256.Sum256(b)
	ctype := mime.TypeByExtension(path.Ext(p))
	if path.Ext(p) == ".csv" { // the roster template; not every system's MIME table knows .csv
		ctype = "text/csv; charset=utf-8"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	s.files[p] = file{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// AddLogo serves the policy's logo (association.logo) from brand, the
// folder beside the policy (app.Brand), at /brand/<file>, where the forms
// show it; a logo the folder does not hold is refused, so that a site is
// never built with a broken header.
func (s *Site) AddLogo(pol *policy.Policy, brand fs.FS) error {
	logo := pol.Association.Logo
	if logo == "" {
		return nil
	}
	if brand == nil {
		return fmt.Errorf("web: association.logo %q: the policy has no brand folder beside it", logo)
	}
	b, err := fs.ReadFile(brand, logo)
	if err != nil {
		return fmt.Errorf("web: association.logo %q: %w", logo, err)
	}
	s.add("/brand/"+logo, b)
	return nil
}

// Export writes the site for cfg and pol into dir, ready to copy to a
// static host (aws s3 sync dir s3://bucket).
func (s *Site) Export(dir string) error {
	for p, f := range s.files {
		if p == "/" {
			continue
		}
		out := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("web: export: %w", err)
		}
		if err := os.WriteFile(out, f.body, 0o644); err != nil {
			return fmt.Errorf("web: export: %w", err)
		}
	}
	return nil
}

// Paths lists the URL paths the site serves (tests check that none is an API path).
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Owns reports whether r is a request for one of the site's files.
func (s *Site) Owns(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	_, ok := s.files[r.URL.Path]
	return ok
}

// SecurityHeaders are the headers the site sends with every file, names
// in lower case: the Content-Security-Policy (which only a header can give
// frame-ancestors), no framing, no sniffing, no Referer, HTTPS only (which
// browsers ignore over the local stack's plain HTTP). A static host should
// send the same: CloudFront's response headers policy (docs/web.md), for
// which webexport prints them.
func (s *Site) SecurityHeaders() map[string]string {
	return map[string]string{
		"content-security-policy":   s.csp,
		"referrer-policy":           "no-referrer",
		"strict-transport-security": "max-age=31536000",
		"x-content-type-options":    "nosniff",
		"x-frame-options":           "DENY",
	}
}

// ServeHTTP serves one file, or a JSON 404 like the API's.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range s.SecurityHeaders() {
		h.Set(k, v)
	}
	f, ok := s.files[r.URL.Path]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		h.Set("content-type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"route_not_found","message":"no such file","details":[]}}` + "\n"))
		return
	}
	h.Set("content-type", f.ctype)
	h.Set("etag", f.etag)
	// Revalidate every time: the files are small and a stale config.js
	// would point people at the wrong API.
	h.Set("cache-control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// Front sends requests for the site's files to the site and everything else
// (the API, /dev) to api, so that both share one origin.
func (s *Site) Front(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Owns(r) {
			s.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

var cspMeta = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="[^"]*">`)

// metaCSP is the policy for the page's meta element, which cannot carry
// frame-ancestors (the local stack sends that as a header).
func metaCSP(c Config) string {
	return strings.Replace(csp(c), " frame-ancestors 'none';", "", 1)
}

// csp allows exactly what the pages use: nothing by default; their own ES
// modules (no inline script, no eval), their own stylesheet (no style
// attribute or element), their own icon; fetch to the site, the API and
// the Cognito domain the configuration names (the token endpoint). Forms
// never submit themselves (scripts send them with fetch), so form-action
// is 'none'; sign-in and checkout are navigations, which CSP does not
// govern. No framing, no <base>.
func csp(c Config) string {
	connect := []string{"'self'"}
	for _, u := range []string{c.APIBase, c.Cognito.Domain, c.FilesOrigin} {
		if pu, err := url.Parse(u); err == nil && pu.Host != "" {
			connect = append(connect, pu.Scheme+"://"+pu.Host)
		}
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src " +
		strings.Join(connect, " ") + "; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
}
