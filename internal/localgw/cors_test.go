package localgw_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/localgw"
)

const formsOrigin = "https://forms.example.org"

// newCORSGateway serves GET /holders/me (token) and GET /health (public)
// with CORS for origins; the health Lambda sets CORS headers of its own,
// which the gateway must drop as API Gateway does.
func newCORSGateway(t *testing.T, origins string) *gw {
	t.Helper()
	cors, err := localgw.ParseCORS(origins)
	if err != nil {
		t.Fatal(err)
	}
	g := &gw{lambdas: map[string]*fakeLambda{}, signer: localgw.NewSigner(testKey)}
	targets := map[string]localgw.Target{}
	for _, key := range []string{"GET /health", "GET /holders/me"} {
		f := &fakeLambda{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`,
			Headers: map[string]string{"content-type": "application/json"}}}
		g.lambdas[key] = f
		targets[key] = f.invoke
	}
	g.lambdas["GET /health"].resp.Headers["access-control-allow-origin"] = "https://evil.example"
	g.lambdas["GET /health"].resp.Headers["access-control-allow-credentials"] = "true"
	g.gw, err = localgw.New(loadDoc(t), targets, localgw.NewVerifier(testKey), localgw.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CORS: cors,
	})
	if err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.gw)
	t.Cleanup(g.srv.Close)
	return g
}

// corsHeaders are the response's Access-Control-* headers.
func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for name, v := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			out[name] = strings.Join(v, ",")
		}
	}
	return out
}

func TestGateway_CORSPreflight(t *testing.T) {
	allowed := map[string]string{
		"Access-Control-Allow-Origin":  formsOrigin,
		"Access-Control-Allow-Methods": "GET,POST,PUT,DELETE",
		"Access-Control-Allow-Headers": "Authorization,Content-Type",
		"Access-Control-Max-Age":       "3600",
	}
	tests := []struct {
		name    string
		origins string // CORS_ALLOW_ORIGINS
		path    string
		origin  string
		method  string // Access-Control-Request-Method
		status  int
		want    map[string]string
	}{
		{"AllowedOrigin", formsOrigin, "/holders/me", formsOrigin, "GET", 204, allowed},
		{"AllowedOriginAmongSeveral", "http://localhost:5173, " + formsOrigin, "/holders/me", formsOrigin, "PUT", 204, allowed},
		{"OriginCaseIgnored", "HTTPS://Forms.Example.org", "/holders/me", formsOrigin, "GET", 204, allowed},
		{"PublicRoute", formsOrigin, "/health", formsOrigin, "GET", 204, allowed},
		// API Gateway answers preflights before it matches a route.
		{"UnknownPath", formsOrigin, "/nowhere", formsOrigin, "GET", 204, allowed},
		{"SchemeWildcard", "https://*", "/holders/me", formsOrigin, "GET", 204, allowed},
		{"AnyOrigin", "*", "/holders/me", formsOrigin, "GET", 204, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,POST,PUT,DELETE",
			"Access-Control-Allow-Headers": "Authorization,Content-Type", "Access-Control-Max-Age": "3600"}},
		{"DisallowedOrigin", formsOrigin, "/holders/me", "https://evil.example", "GET", 204, map[string]string{}},
		{"OtherPort", formsOrigin, "/holders/me", formsOrigin + ":8443", "GET", 204, map[string]string{}},
		{"OtherScheme", formsOrigin, "/holders/me", "http://forms.example.org", "GET", 204, map[string]string{}},
		{"SchemeWildcardOtherScheme", "https://*", "/holders/me", "http://forms.example.org", "GET", 204, map[string]string{}},
		{"SuffixIsNotTheOrigin", formsOrigin, "/holders/me", formsOrigin + ".evil.example", "GET", 204, map[string]string{}},
		// Without a CORS configuration, or without the preflight headers, an
		// OPTIONS request is an ordinary request of an undocumented method.
		{"CORSOff", "", "/holders/me", formsOrigin, "GET", 404, map[string]string{}},
		{"NotAPreflight", formsOrigin, "/holders/me", formsOrigin, "", 404, map[string]string{"Access-Control-Allow-Origin": formsOrigin, "Access-Control-Expose-Headers": "Link"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newCORSGateway(t, tt.origins)
			req := g.request(t, "OPTIONS", tt.path, nil)
			req.Header.Set("Origin", tt.origin)
			if tt.method != "" {
				req.Header.Set("Access-Control-Request-Method", tt.method)
				req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			}
			resp, body := g.do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := corsHeaders(resp.Header); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CORS headers\n got %v\nwant %v", got, tt.want)
			}
			if tt.status == 204 && len(body) != 0 {
				t.Errorf("preflight body %q", body)
			}
			for key, l := range g.lambdas {
				if n := len(l.calls()); n != 0 {
					t.Errorf("lambda %s invoked %d times by a preflight", key, n)
				}
			}
		})
	}
}

func TestGateway_CORSResponses(t *testing.T) {
	g := newCORSGateway(t, formsOrigin)
	holder := "Bearer " + g.token(t, "holder")
	tests := []struct {
		name, method, path, auth, origin string
		status                           int
		allow                            string // Access-Control-Allow-Origin; "" for none
	}{
		{"Allowed", "GET", "/holders/me", holder, formsOrigin, 200, formsOrigin},
		// A browser can read why it was refused, and send the person to sign in.
		{"AllowedUnauthorized", "GET", "/holders/me", "", formsOrigin, 401, formsOrigin},
		{"AllowedNotFound", "GET", "/nowhere", holder, formsOrigin, 404, formsOrigin},
		{"Disallowed", "GET", "/holders/me", holder, "https://evil.example", 200, ""},
		{"DisallowedUnauthorized", "GET", "/holders/me", "", "https://evil.example", 401, ""},
		{"SameOriginNoOriginHeader", "GET", "/holders/me", holder, "", 200, ""},
		// The Lambda's own CORS headers never reach the browser.
		{"LambdaHeadersReplaced", "GET", "/health", "", formsOrigin, 200, formsOrigin},
		{"LambdaHeadersDropped", "GET", "/health", "", "https://evil.example", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := g.request(t, tt.method, tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, body := g.do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			want := map[string]string{}
			if tt.allow != "" {
				// An allowed page may read the Link to an upload's next CSV part.
				want["Access-Control-Allow-Origin"], want["Access-Control-Expose-Headers"] = tt.allow, "Link"
			}
			if got := corsHeaders(resp.Header); !reflect.DeepEqual(got, want) {
				t.Errorf("CORS headers %v, want %v", got, want)
			}
			if v := resp.Header.Values("Vary"); len(v) != 1 || v[0] != "Origin" {
				t.Errorf("Vary = %q, want Origin", v)
			}
		})
	}
}

// Without a configuration the gateway adds nothing and passes the
// Lambda's headers through, as API Gateway does for an API without CORS.
func TestGateway_CORSOff(t *testing.T) {
	g := newCORSGateway(t, "")
	req := g.request(t, "GET", "/health", nil)
	req.Header.Set("Origin", formsOrigin)
	resp, _ := g.do(t, req)
	want := map[string]string{"Access-Control-Allow-Origin": "https://evil.example", "Access-Control-Allow-Credentials": "true"}
	if got := corsHeaders(resp.Header); !reflect.DeepEqual(got, want) {
		t.Errorf("CORS headers %v, want the Lambda's %v", got, want)
	}
	if v := resp.Header.Get("Vary"); v != "" {
		t.Errorf("Vary = %q", v)
	}
}

func TestParseCORS(t *testing.T) {
	c, err := localgw.ParseCORS(" https://Forms.Example.org ,http://localhost:5173,, https://* ")
	if err != nil {
		t.Fatal(err)
	}
	want := localgw.CORS{AllowOrigins: []string{"https://forms.example.org", "http://localhost:5173", "https://*"},
		AllowMethods: localgw.CORSAllowMethods, AllowHeaders: localgw.CORSAllowHeaders, ExposeHeaders: localgw.CORSExposeHeaders, MaxAge: localgw.CORSMaxAge}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("ParseCORS = %+v, want %+v", c, want)
	}
	if c, err := localgw.ParseCORS(" , "); err != nil || len(c.AllowOrigins) != 0 {
		t.Errorf("blank list: %+v, %v; want CORS off", c, err)
	}
	for _, bad := range []string{
		"forms.example.org", "https://forms.example.org/", "https://forms.example.org/app", "ftp://forms.example.org",
		"https://", "https://user@forms.example.org", "https://forms.example.org?x=1", "https://forms.example.org:0",
		"https://forms.example.org:99999", "https://*.example.org", "null",
	} {
		if _, err := localgw.ParseCORS(bad); err == nil || !strings.Contains(err.Error(), "cors:") {
			t.Errorf("ParseCORS(%q) = %v, want an error", bad, err)
		}
	}
	// New refuses what ParseCORS refuses, whoever built the CORS value.
	if _, err := localgw.New(loadDoc(t), nil, nil, localgw.Options{CORS: localgw.CORS{AllowOrigins: []string{"https://x.example/"},
		AllowMethods: []string{"GET"}}}); err == nil {
		t.Error("New accepted an origin with a path")
	}
	if _, err := localgw.New(loadDoc(t), nil, nil, localgw.Options{CORS: localgw.CORS{AllowOrigins: []string{formsOrigin}}}); err == nil {
		t.Error("New accepted allowed origins with no allowed methods")
	}
}
