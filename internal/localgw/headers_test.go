package localgw_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/localgw"
)

// TestGateway_SecurityHeaders: every answer, the Lambda's and the
// gateway's own refusals and failures alike, carries the API's security
// headers, and CORS still works beside them.
func TestGateway_SecurityHeaders(t *testing.T) {
	doc := loadDoc(t)
	c, err := apispec.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(c, []httpapi.Route{
		{Method: "GET", Path: "/health", Access: httpapi.Public, Handle: func(context.Context, *httpapi.Request) (httpapi.Response, error) {
			return httpapi.JSON(200, map[string]string{"status": "ok"}), nil
		}},
		{Method: "GET", Path: "/holders/me", Access: httpapi.Roles("holder"), Handle: func(_ context.Context, r *httpapi.Request) (httpapi.Response, error) {
			if r.Header.Get("Accept") == "text/csv" {
				return httpapi.Response{Raw: []byte("a,b\n1,2\n"), ContentType: "text/csv; charset=utf-8"}, nil
			}
			return httpapi.JSON(200, map[string]string{"holderId": "h_1"}), nil
		}},
		{Method: "GET", Path: "/holders/{holderId}", Access: httpapi.Roles("staff"), Handle: func(context.Context, *httpapi.Request) (httpapi.Response, error) {
			return httpapi.Response{}, fault.New(fault.NotFound, "holder_not_found", "no such holder")
		}},
	}, httpapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	failing := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{}, errors.New("boom")
	}
	unusable := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{Body: "no status"}, nil
	}
	cors, err := localgw.ParseCORS(formsOrigin)
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := localgw.New(doc, map[string]localgw.Target{
		"GET /health": api.Handle, "GET /holders/me": api.Handle, "GET /holders/{holderId}": api.Handle,
		"POST /programs/{programId}/attendance": failing, "GET /calendar": unusable,
	}, localgw.NewVerifier(testKey), localgw.Options{CORS: cors, MaxBodyBytes: 1024, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway)
	defer srv.Close()
	holder, err := localgw.NewSigner(testKey).Sign("h-1", "", []string{"holder"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, method, path, token, accept string
		body                              []byte
		status                            int
		ctype                             string
	}{
		{"Public", "GET", "/health", "", "", nil, 200, "application/json"},
		{"JSON", "GET", "/holders/me", holder, "", nil, 200, "application/json"},
		{"CSV", "GET", "/holders/me", holder, "text/csv", nil, 200, "text/csv; charset=utf-8"},
		{"GatewayUnauthorized", "GET", "/holders/me", "", "", nil, 401, "application/json"},
		{"GatewayForgedGroups", "GET", "/holders/me", mintGroups(t, []string{"holder staff"}), "", nil, 401, "application/json"},
		{"LambdaForbidden", "GET", "/holders/h_1", holder, "", nil, 403, "application/json"},
		{"GatewayNotFound", "GET", "/nowhere", "", "", nil, 404, "application/json"},
		{"GatewayUndocumentedMethod", "DELETE", "/health", "", "", nil, 404, "application/json"},
		{"GatewayNoLambda", "GET", "/unserved", holder, "", nil, 404, "application/json"},
		{"GatewayTooLarge", "POST", "/programs/p1/attendance", holder, "", make([]byte, 2048), 413, "application/json"},
		{"GatewayLambdaFailed", "POST", "/programs/p1/attendance", holder, "", []byte("{}"), 500, "application/json"},
		{"GatewayLambdaUnusable", "GET", "/calendar", "", "", nil, 500, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", formsOrigin)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			if tt.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			for k, want := range map[string]string{
				"Cache-Control":               "no-store",
				"Content-Security-Policy":     "default-src 'none'; frame-ancestors 'none'",
				"Referrer-Policy":             "no-referrer",
				"Strict-Transport-Security":   "max-age=31536000",
				"X-Content-Type-Options":      "nosniff",
				"X-Frame-Options":             "DENY",
				"Content-Type":                tt.ctype,
				"Access-Control-Allow-Origin": formsOrigin,
			} {
				if got := resp.Header.Values(k); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if strings.Contains(string(body), "boom") {
				t.Errorf("body leaks the failure: %s", body)
			}
		})
	}
}
