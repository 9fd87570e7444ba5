package httpapi_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/httpapi"
)

// wantSecurityHeaders are the headers every answer must carry, whatever
// its route or status (OWASP REST Security Cheat Sheet, plus no Referer).
var wantSecurityHeaders = map[string]string{
	"cache-control":             "no-store",
	"content-security-policy":   "default-src 'none'; frame-ancestors 'none'",
	"referrer-policy":           "no-referrer",
	"strict-transport-security": "max-age=31536000",
	"x-content-type-options":    "nosniff",
	"x-frame-options":           "DENY",
}

func TestAPI_HandleSecurityHeaders(t *testing.T) {
	holderGET := func(f *fixture, r httpapi.Response, err error) {
		f.h["GET /holders/me"].resp, f.h["GET /holders/me"].err = r, err
	}
	tests := []struct {
		name   string
		event  events.APIGatewayV2HTTPRequest
		setup  func(f *fixture)
		status int
		ctype  string
	}{
		{"Public", ev("GET /health", "/health"), nil, 200, "application/json"},
		{"Unauthenticated", ev("GET /holders/me", "/holders/me"), nil, 401, "application/json"},
		{"Forbidden", ev("GET /holders/me", "/holders/me", as("p1", "[provider]")), nil, 403, "application/json"},
		{"NotFound", ev("$default", "/nowhere", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "GET" }), nil, 404, "application/json"},
		{"UnknownMethod", ev("$default", "/health", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "DELETE" }), nil, 404, "application/json"},
		{"Invalid", ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", "[holder]"), jsonBody(`{"fax":1}`)), nil, 400, "application/json"},
		{"JSON", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), nil, 200, "application/json"},
		{"CSV", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) {
			holderGET(f, httpapi.Response{Raw: []byte("a,b\n1,2\n"), ContentType: "text/csv; charset=utf-8",
				Headers: map[string]string{"Content-Disposition": `attachment; filename="x.csv"`}}, nil)
		}, 200, "text/csv; charset=utf-8"},
		{"Binary", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) {
			holderGET(f, httpapi.Response{Raw: []byte{0xff, 0}}, nil)
		}, 200, "application/octet-stream"},
		{"NoContent", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) { holderGET(f, httpapi.NoContent(), nil) }, 204, "application/json"},
		{"HandlerError", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) { holderGET(f, httpapi.Response{}, errors.New("boom")) }, 500, "application/json"},
		{"Panic", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) { f.h["GET /holders/me"].fail = func() { panic("bug") } }, 500, "application/json"},
		{"Unencodable", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) {
			holderGET(f, httpapi.JSON(200, map[string]any{"c": make(chan int)}), nil)
		}, 500, "application/json"},
		{"HandlerHeadersKept", ev("GET /holders/me", "/holders/me", as("h1", "[holder]")), func(f *fixture) {
			holderGET(f, httpapi.Response{Status: 201, Body: map[string]string{}, Headers: map[string]string{"Location": "/holders/me"}}, nil)
		}, 201, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			resp, err := f.api.Handle(t.Context(), tt.event)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %d, err %v, want %d: %s", resp.StatusCode, err, tt.status, resp.Body)
			}
			for k, want := range wantSecurityHeaders {
				if got := resp.Headers[k]; got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got := resp.Headers["content-type"]; got != tt.ctype {
				t.Errorf("content-type = %q, want %q", got, tt.ctype)
			}
		})
	}
	if got := httpapi.SecurityHeaders(); !maps.Equal(got, wantSecurityHeaders) {
		t.Errorf("SecurityHeaders() = %v, want %v", got, wantSecurityHeaders)
	}
}

// A handler may still name one of them itself (none does today): its value wins.
func TestAPI_HandleSecurityHeadersOverridable(t *testing.T) {
	f := newFixture(t)
	f.h["GET /health"].resp = httpapi.Response{Body: map[string]string{}, Headers: map[string]string{"Cache-Control": "max-age=60"}}
	resp, err := f.api.Handle(t.Context(), ev("GET /health", "/health"))
	if err != nil || resp.Headers["cache-control"] != "max-age=60" || resp.Headers["x-content-type-options"] != "nosniff" {
		t.Fatalf("err %v, headers %v", err, resp.Headers)
	}
}
