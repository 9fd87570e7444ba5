package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
	"github.com/cecportal/cecportal/internal/identity"
)

// loadDoc is the request contract of the test document.
func loadDoc(tb testing.TB) *contract.Contract {
	tb.Helper()
	data, err := os.ReadFile("testdata/openapi.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := apispec.Load(data)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := apispec.Compile(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// recorder is a handler that keeps the last request it saw.
type recorder struct {
	mu   sync.Mutex
	last *httpapi.Request
	resp httpapi.Response
	err  error
	fail func() // optional: panics, for the panic case
}

func (h *recorder) handle(_ context.Context, r *httpapi.Request) (httpapi.Response, error) {
	h.mu.Lock()
	h.last = r
	h.mu.Unlock()
	if h.fail != nil {
		h.fail()
	}
	return h.resp, h.err
}

func (h *recorder) seen() *httpapi.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

type fixture struct {
	api *httpapi.API
	h   map[string]*recorder // by "METHOD /template"
	log *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{h: map[string]*recorder{}, log: &bytes.Buffer{}}
	add := func(method, path string, acc httpapi.Access) httpapi.Route {
		rec := &recorder{resp: httpapi.JSON(200, map[string]string{"ok": "yes"})}
		f.h[method+" "+path] = rec
		return httpapi.Route{Method: method, Path: path, Access: acc, Handle: rec.handle}
	}
	routes := []httpapi.Route{
		add("GET", "/health", httpapi.Public),
		add("POST", "/holders", httpapi.SignedIn),
		add("GET", "/holders/me", httpapi.Roles(identity.RoleHolder)),
		add("PUT", "/holders/me/contact", httpapi.Roles(identity.RoleHolder)),
		add("GET", "/holders/me/status", httpapi.Roles(identity.RoleHolder)),
		add("GET", "/holders/{holderId}", httpapi.Roles(identity.RoleStaff)),
		add("PUT", "/holders/{holderId}/credentials", httpapi.Roles(identity.RoleStaff)),
		add("POST", "/programs/{programId}/attendance", httpapi.Roles(identity.RoleProvider)),
		add("GET", "/directory", httpapi.Roles(identity.RoleProvider, identity.RoleStaff)),
		add("POST", "/webhooks/payments", httpapi.Public),
	}
	routes[len(routes)-1].Verbatim = true // as PaymentWebhookRoutes declares it
	logger := slog.New(slog.NewJSONHandler(f.log, nil))
	api, err := httpapi.New(loadDoc(t), routes, httpapi.Options{Logger: logger, MaxBodyBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	f.api = api
	return f
}

// ev builds an event the way API Gateway does for a matched route.
func ev(routeKey, rawPath string, mods ...func(*events.APIGatewayV2HTTPRequest)) events.APIGatewayV2HTTPRequest {
	method, _, _ := strings.Cut(routeKey, " ")
	e := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: routeKey,
		RawPath:  rawPath,
		Headers:  map[string]string{"host": "api.example.test", "user-agent": "test"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-123",
			RouteKey:  routeKey,
			Stage:     "$default",
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath},
		},
	}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func claims(c map[string]string) func(*events.APIGatewayV2HTTPRequest) {
	return func(e *events.APIGatewayV2HTTPRequest) {
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c},
		}
	}
}

func as(sub string, groups string) func(*events.APIGatewayV2HTTPRequest) {
	return claims(map[string]string{"sub": sub, "email": sub + "@example.test", "cognito:groups": groups})
}

func jsonBody(body string) func(*events.APIGatewayV2HTTPRequest) {
	return func(e *events.APIGatewayV2HTTPRequest) {
		e.Headers["content-type"] = "application/json"
		e.Body = body
	}
}

func header(k, v string) func(*events.APIGatewayV2HTTPRequest) {
	return func(e *events.APIGatewayV2HTTPRequest) { e.Headers[k] = v }
}

// params sets the path parameters API Gateway extracts, as name, value pairs.
func params(kv ...string) func(*events.APIGatewayV2HTTPRequest) {
	return func(e *events.APIGatewayV2HTTPRequest) {
		e.PathParameters = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			e.PathParameters[kv[i]] = kv[i+1]
		}
	}
}

func query(raw string) func(*events.APIGatewayV2HTTPRequest) {
	return func(e *events.APIGatewayV2HTTPRequest) { e.RawQueryString = raw }
}

type errorDoc struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details []fault.Detail `json:"details"`
	} `json:"error"`
}

func TestAPI_Handle(t *testing.T) {
	const holder, staff, provider = "[holder]", "[staff]", "[provider]"
	tests := []struct {
		name     string
		event    events.APIGatewayV2HTTPRequest
		setup    func(f *fixture) // adjust a handler before the call
		status   int
		code     string         // error code expected, "" for success
		handler  string         // route key expected to be called ("" = none)
		details  []fault.Detail // when set, must equal the response's details
		check    func(t *testing.T, f *fixture, resp events.APIGatewayV2HTTPResponse)
		noLeakOf string // text that must not appear in the body
	}{
		{
			name:    "RouteKey",
			event:   ev("GET /health", "/health"),
			status:  200,
			handler: "GET /health",
		},
		{
			name:    "PathParametersFromEvent",
			event:   ev("PUT /holders/{holderId}/credentials", "/holders/h_abc/credentials", as("s1", staff), jsonBody(`{"credentials":[]}`), params("holderId", "h_abc")),
			status:  200,
			handler: "PUT /holders/{holderId}/credentials",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				if got := f.h["PUT /holders/{holderId}/credentials"].seen().Params["holderId"]; got != "h_abc" {
					t.Errorf("holderId = %q, want h_abc", got)
				}
			},
		},
		{
			// API Gateway only invokes the function for the routes the
			// template declares, by key; httpapi does not match paths.
			name:   "DefaultRouteKey",
			event:  ev("$default", "/health", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "GET" }),
			status: 404,
			code:   "route_not_found",
		},
		{
			name:   "RouteKeyNotServed",
			event:  ev("DELETE /health", "/health"),
			status: 404,
			code:   "route_not_found",
		},
		{
			name:   "NoRouteKey",
			event:  ev("", "/holders/me", as("h1", holder), func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "GET" }),
			status: 404,
			code:   "route_not_found",
		},
		{
			name:   "NoClaims",
			event:  ev("GET /holders/me", "/holders/me"),
			status: 401,
			code:   "unauthenticated",
		},
		{
			name:   "ClaimsWithoutSub",
			event:  ev("GET /holders/me", "/holders/me", claims(map[string]string{"cognito:groups": holder})),
			status: 401,
			code:   "unauthenticated",
		},
		{
			name:   "WrongRole",
			event:  ev("GET /holders/me", "/holders/me", as("p1", provider)),
			status: 403,
			code:   "forbidden",
		},
		{
			name:    "SignedInWithoutRoles",
			event:   ev("POST /holders", "/holders", as("u1", ""), jsonBody(`{"firstName":"Ada","lastName":"L","email":"a@example.test"}`)),
			status:  200,
			handler: "POST /holders",
		},
		{
			name:    "RolesBracketForm",
			event:   ev("GET /directory", "/directory", as("s1", "[holder staff]")),
			status:  200,
			handler: "GET /directory",
			check:   wantRoles("GET /directory", "holder", "staff"),
		},
		{
			// No shape API Gateway produces: refused, so no role at all.
			name:   "RolesCommaFormRefused",
			event:  ev("GET /directory", "/directory", as("s1", "holder, provider")),
			status: 403,
			code:   "forbidden",
		},
		{
			name:    "RolesSingleForm",
			event:   ev("GET /directory", "/directory", as("s1", "staff")),
			status:  200,
			handler: "GET /directory",
			check:   wantRoles("GET /directory", "staff"),
		},
		{
			name:    "RolesJSONForm",
			event:   ev("GET /directory", "/directory", as("s1", `["provider"]`)),
			status:  200,
			handler: "GET /directory",
			check:   wantRoles("GET /directory", "provider"),
		},
		{
			name:   "UnsupportedMediaType",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{}`), header("content-type", "text/plain")),
			status: 415,
			code:   "unsupported_media_type",
		},
		{
			name:   "MissingContentType",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), func(e *events.APIGatewayV2HTTPRequest) { e.Body = `{}` }),
			status: 415,
			code:   "unsupported_media_type",
		},
		{
			name:   "JSONInOtherCharset",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{}`), header("content-type", "application/json; charset=iso-8859-1")),
			status: 415,
			code:   "unsupported_media_type",
		},
		{
			name:    "JSONWithCharsetParameter",
			event:   ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{}`), header("content-type", "application/json; charset=UTF-8")),
			status:  200,
			handler: "PUT /holders/me/contact",
		},
		{
			name:   "BodyTooLarge",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{"address":"`+strings.Repeat("x", 1100)+`"}`)),
			status: 413,
			code:   "body_too_large",
		},
		{
			name:   "EmptyRequiredBody",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody("")),
			status: 400,
			code:   "body_required",
		},
		{
			name:    "MalformedJSON",
			event:   ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody("{\n  \"phone\": \"+4412345678\",\n  \"address\" \"x\"\n}")),
			status:  400,
			code:    "malformed_json",
			details: []fault.Detail{{Code: "syntax", Message: `line 3, column 13 (offset 41): invalid character '"' after object key`}},
		},
		{
			name:   "TrailingData",
			event:  ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{} {}`)),
			status: 400,
			code:   "malformed_json",
		},
		{
			name:    "UnknownField",
			event:   ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(`{"phone":"+4412345678","fax":"1"}`)),
			status:  400,
			code:    "invalid_request",
			details: []fault.Detail{{Field: "fax", Code: "unknown_field", Message: `Unknown field "fax"`}},
		},
		{
			name:   "SchemaViolationNamesNestedField",
			event:  ev("POST /holders", "/holders", as("u1", ""), jsonBody(`{"firstName":"","lastName":"L","email":"a@example.test","contact":{"phone":"12","extra":true}}`)),
			status: 400,
			code:   "invalid_request",
			details: []fault.Detail{
				{Field: "contact.extra", Code: "unknown_field", Message: `Unknown field "extra"`},
				{Field: "contact.phone", Code: "pattern", Message: "Enter the phone in the correct format"},
				{Field: "firstName", Code: "min_length", Message: "Enter the first name"},
			},
			noLeakOf: "Schema:",
		},
		{
			name:   "SchemaViolationInArray",
			event:  ev("PUT /holders/{holderId}/credentials", "/holders/h_1/credentials", as("s1", staff), params("holderId", "h_1"), jsonBody(`{"credentials":[{"code":"CAM","earnedOn":"2024-01-02"},{"code":"XYZ","earnedOn":"02/01/2024"}]}`)),
			status: 400,
			code:   "invalid_request",
			check: func(t *testing.T, _ *fixture, resp events.APIGatewayV2HTTPResponse) {
				fields := map[string]string{}
				for _, d := range decodeError(t, resp).Error.Details {
					fields[d.Field] = d.Code
				}
				want := map[string]string{"credentials.1.code": "enum", "credentials.1.earnedOn": "format"}
				if !reflect.DeepEqual(fields, want) {
					t.Errorf("details fields = %v, want %v", fields, want)
				}
			},
		},
		{
			name:    "MissingRequiredProperty",
			event:   ev("POST /holders", "/holders", as("u1", ""), jsonBody(`{"firstName":"Ada","email":"a@example.test"}`)),
			status:  400,
			code:    "invalid_request",
			details: []fault.Detail{{Field: "lastName", Code: "required", Message: "Enter the last name"}},
		},
		{
			name:    "PathParameterViolation",
			event:   ev("GET /holders/{holderId}", "/holders/BAD", as("s1", staff), params("holderId", "BAD")),
			status:  400,
			code:    "invalid_request",
			details: []fault.Detail{{Field: "holderId", Code: "pattern", Message: "Enter the holder ID in the correct format"}},
		},
		{
			name:    "QueryParameterMissing",
			event:   ev("GET /holders/me/status", "/holders/me/status", as("h1", holder)),
			status:  400,
			code:    "invalid_request",
			details: []fault.Detail{{Field: "year", Code: "required", Message: "Enter the year"}},
		},
		{
			name:   "QueryParameterNotANumber",
			event:  ev("GET /holders/me/status", "/holders/me/status", as("h1", holder), query("year=next")),
			status: 400,
			code:   "invalid_request",
			check: func(t *testing.T, _ *fixture, resp events.APIGatewayV2HTTPResponse) {
				d := decodeError(t, resp).Error.Details
				if len(d) != 1 || d[0].Field != "year" || d[0].Code != "invalid_format" {
					t.Errorf("details = %+v, want one invalid_format on year", d)
				}
			},
		},
		{
			name:    "QueryParameterOutOfRange",
			event:   ev("GET /holders/me/status", "/holders/me/status", as("h1", holder), query("year=1999")),
			status:  400,
			code:    "invalid_request",
			details: []fault.Detail{{Field: "year", Code: "minimum", Message: "The year must be 2000 or more"}},
		},
		{
			name:    "ValidRequestReachesHandler",
			event:   ev("PUT /holders/{holderId}/credentials", "/holders/h_42/credentials", as("staff-1", "[staff]"), jsonBody(`{"credentials":[{"code":"CAM","earnedOn":"2024-05-01"}]}`), query("a=1&a=2"), header("x-custom", "v"), params("holderId", "h_42")),
			status:  200,
			handler: "PUT /holders/{holderId}/credentials",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				r := f.h["PUT /holders/{holderId}/credentials"].seen()
				wantCaller := identity.Caller{Sub: "staff-1", Email: "staff-1@example.test", Roles: []string{"staff"}}
				if !reflect.DeepEqual(r.Caller, wantCaller) {
					t.Errorf("Caller = %+v, want %+v", r.Caller, wantCaller)
				}
				if r.Params["holderId"] != "h_42" {
					t.Errorf("Params = %v", r.Params)
				}
				if got := r.Query["a"]; !reflect.DeepEqual(got, []string{"1", "2"}) {
					t.Errorf("Query[a] = %v", got)
				}
				if r.Header.Get("X-Custom") != "v" || r.MediaType != "application/json" {
					t.Errorf("Header = %v, MediaType = %q", r.Header, r.MediaType)
				}
				var body struct {
					Credentials []struct{ Code, EarnedOn string }
				}
				if err := r.Decode(&body); err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if len(body.Credentials) != 1 || body.Credentials[0].Code != "CAM" {
					t.Errorf("decoded body = %+v", body)
				}
			},
		},
		{
			name: "Base64Body",
			event: ev("PUT /holders/me/contact", "/holders/me/contact", as("h1", holder), jsonBody(base64.StdEncoding.EncodeToString([]byte(`{"phone":"+4412345678"}`))),
				func(e *events.APIGatewayV2HTTPRequest) { e.IsBase64Encoded = true }),
			status:  200,
			handler: "PUT /holders/me/contact",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				if got := string(f.h["PUT /holders/me/contact"].seen().Body); got != `{"phone":"+4412345678"}` {
					t.Errorf("Body = %q", got)
				}
			},
		},
		{
			name: "CSVBodyWhenDeclared",
			event: ev("POST /programs/{programId}/attendance", "/programs/p1/attendance", as("p1", provider), params("programId", "p1"), query("dryRun=true"),
				header("content-type", "text/csv"), func(e *events.APIGatewayV2HTTPRequest) { e.Body = "holderId\nh_1\n" }),
			status:  200,
			handler: "POST /programs/{programId}/attendance",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				if r := f.h["POST /programs/{programId}/attendance"].seen(); r.MediaType != "text/csv" || r.Params["programId"] != "p1" {
					t.Errorf("MediaType = %q, Params = %v", r.MediaType, r.Params)
				}
			},
		},
		{
			name:    "GETBodyIgnored",
			event:   ev("GET /health", "/health", header("content-type", "text/plain"), func(e *events.APIGatewayV2HTTPRequest) { e.Body = "{nonsense" }),
			status:  200,
			handler: "GET /health",
		},
		{
			name:    "PublicRouteTakesRawBody",
			event:   ev("POST /webhooks/payments", "/webhooks/payments", jsonBody(`{"type":"payment.succeeded","extra":{"any":1}}`)),
			status:  200,
			handler: "POST /webhooks/payments",
		},
		{
			name:  "FaultNotFound",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].err = fault.New(fault.NotFound, "holder_not_found", "no holder account yet")
			},
			handler: "GET /holders/me",
			status:  404,
			code:    "holder_not_found",
		},
		{
			name:  "FaultConflictWrapped",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].err = errors.Join(errors.New("context"), fault.New(fault.Conflict, "already_exists", "exists"))
			},
			handler: "GET /holders/me",
			status:  409,
			code:    "already_exists",
		},
		{
			name:  "FaultUnprocessableWithDetails",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].err = fault.New(fault.Unprocessable, "too_many_hours", "no", fault.Detail{Field: "hours", Message: "max 10"})
			},
			handler: "GET /holders/me",
			status:  422,
			code:    "too_many_hours",
			details: []fault.Detail{{Field: "hours", Message: "max 10"}},
		},
		{
			name:    "FaultUnknownKindIsInternal",
			event:   ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup:   func(f *fixture) { f.h["GET /holders/me"].err = &fault.Error{Kind: 99, Code: "weird", Message: "weird"} },
			handler: "GET /holders/me",
			status:  500,
			code:    "internal",
		},
		{
			name:     "PlainErrorIsInternalWithoutLeaking",
			event:    ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup:    func(f *fixture) { f.h["GET /holders/me"].err = errors.New("dynamodb: secret table name t-9") },
			handler:  "GET /holders/me",
			status:   500,
			code:     "internal",
			noLeakOf: "secret table",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				logged := f.log.String()
				if !strings.Contains(logged, `"request_id":"req-123"`) || !strings.Contains(logged, "secret table name") {
					t.Errorf("log lacks request ID or error: %s", logged)
				}
			},
		},
		{
			name:     "PanicIsInternal",
			event:    ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup:    func(f *fixture) { f.h["GET /holders/me"].fail = func() { panic("nil map in handler") } },
			handler:  "GET /holders/me",
			status:   500,
			code:     "internal",
			noLeakOf: "nil map",
			check: func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
				if !strings.Contains(f.log.String(), "handler panicked") {
					t.Errorf("panic not logged: %s", f.log.String())
				}
			},
		},
		{
			name:  "UnencodableBodyIsInternal",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].resp = httpapi.JSON(200, map[string]any{"f": func() {}})
			},
			status: 500,
			code:   "internal",
		},
		{
			name:  "RawResponseKeepsItsType",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].resp = httpapi.Response{Status: 200, Raw: []byte("a,b\n1,2\n"), ContentType: "text/csv", Headers: map[string]string{"Content-Disposition": "attachment"}}
			},
			status: 200,
			check: func(t *testing.T, _ *fixture, resp events.APIGatewayV2HTTPResponse) {
				if resp.Headers["content-type"] != "text/csv" || resp.Body != "a,b\n1,2\n" || resp.IsBase64Encoded || resp.Headers["content-disposition"] != "attachment" {
					t.Errorf("resp = %+v", resp)
				}
			},
		},
		{
			name:  "RawBinaryResponseIsBase64",
			event: ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup: func(f *fixture) {
				f.h["GET /holders/me"].resp = httpapi.Response{Raw: []byte{0xff, 0x00}, ContentType: "application/pdf"}
			},
			status: 200,
			check: func(t *testing.T, _ *fixture, resp events.APIGatewayV2HTTPResponse) {
				if !resp.IsBase64Encoded || resp.Body != "/wA=" {
					t.Errorf("resp = %+v", resp)
				}
			},
		},
		{
			name:   "NoContent",
			event:  ev("GET /holders/me", "/holders/me", as("h1", holder)),
			setup:  func(f *fixture) { f.h["GET /holders/me"].resp = httpapi.NoContent() },
			status: 204,
			check: func(t *testing.T, _ *fixture, resp events.APIGatewayV2HTTPResponse) {
				if resp.Body != "" {
					t.Errorf("body = %q", resp.Body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			resp, err := f.api.Handle(context.Background(), tt.event)
			if err != nil {
				t.Fatalf("Handle returned a Go error: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if resp.Headers["x-request-id"] != "req-123" {
				t.Errorf("x-request-id = %q", resp.Headers["x-request-id"])
			}
			if ct := resp.Headers["content-type"]; ct == "" {
				t.Errorf("no content-type")
			}
			if tt.code != "" {
				e := decodeError(t, resp)
				if e.Error.Code != tt.code {
					t.Errorf("code = %q, want %q; body %s", e.Error.Code, tt.code, resp.Body)
				}
				if e.Error.Message == "" || e.Error.Details == nil {
					t.Errorf("error body lacks message or details: %s", resp.Body)
				}
				if resp.Headers["content-type"] != "application/json" {
					t.Errorf("content-type = %q", resp.Headers["content-type"])
				}
				if tt.details != nil && !reflect.DeepEqual(e.Error.Details, tt.details) {
					t.Errorf("details = %+v\nwant      %+v", e.Error.Details, tt.details)
				}
			}
			for key, rec := range f.h {
				called := rec.seen() != nil
				if want := key == tt.handler; called != want && tt.handler != "" {
					t.Errorf("handler %s called = %v, want %v", key, called, want)
				}
				if tt.status >= 400 && tt.status < 500 && called && key != tt.handler {
					t.Errorf("handler %s called for a %d", key, tt.status)
				}
			}
			if tt.noLeakOf != "" && strings.Contains(resp.Body, tt.noLeakOf) {
				t.Errorf("body leaks %q: %s", tt.noLeakOf, resp.Body)
			}
			if tt.check != nil {
				tt.check(t, f, resp)
			}
		})
	}
}

func wantRoles(key string, roles ...string) func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
	return func(t *testing.T, f *fixture, _ events.APIGatewayV2HTTPResponse) {
		if got := f.h[key].seen().Caller.Roles; !reflect.DeepEqual(got, roles) {
			t.Errorf("roles = %q, want %q", got, roles)
		}
	}
}

func decodeError(t *testing.T, resp events.APIGatewayV2HTTPResponse) errorDoc {
	t.Helper()
	var e errorDoc
	if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, resp.Body)
	}
	return e
}

func TestNew(t *testing.T) {
	doc := loadDoc(t)
	ok := func(context.Context, *httpapi.Request) (httpapi.Response, error) { return httpapi.NoContent(), nil }
	tests := []struct {
		name   string
		routes []httpapi.Route
		want   string // substring of the error; "" for success
	}{
		{"Valid", []httpapi.Route{{Method: "GET", Path: "/health", Access: httpapi.Public, Handle: ok}}, ""},
		{"PathNotInDocument", []httpapi.Route{{Method: "GET", Path: "/nope", Access: httpapi.Public, Handle: ok}}, "path not in the OpenAPI document"},
		{"MethodNotInDocument", []httpapi.Route{{Method: "POST", Path: "/health", Access: httpapi.Public, Handle: ok}}, "method not in the OpenAPI document"},
		{"TemplateSpelledDifferently", []httpapi.Route{{Method: "GET", Path: "/holders/{id}", Access: httpapi.SignedIn, Handle: ok}}, "path not in the OpenAPI document"},
		{"PublicButDocumentNeedsToken", []httpapi.Route{{Method: "GET", Path: "/holders/me", Access: httpapi.Public, Handle: ok}}, "requires a token"},
		{"SignedInButDocumentIsPublic", []httpapi.Route{{Method: "GET", Path: "/health", Access: httpapi.SignedIn, Handle: ok}}, "security: []"},
		{"RolesButDocumentIsPublic", []httpapi.Route{{Method: "GET", Path: "/health", Access: httpapi.Roles("staff"), Handle: ok}}, "security: []"},
		{"NoAccess", []httpapi.Route{{Method: "GET", Path: "/holders/me", Handle: ok}}, "no Access"},
		{"EmptyRoles", []httpapi.Route{{Method: "GET", Path: "/holders/me", Access: httpapi.Roles(), Handle: ok}}, "at least one role"},
		{"NoHandler", []httpapi.Route{{Method: "GET", Path: "/health", Access: httpapi.Public}}, "no handler"},
		{"LowerCaseMethod", []httpapi.Route{{Method: "get", Path: "/health", Access: httpapi.Public, Handle: ok}}, "upper case"},
		{"Duplicate", []httpapi.Route{
			{Method: "GET", Path: "/health", Access: httpapi.Public, Handle: ok},
			{Method: "GET", Path: "/health", Access: httpapi.Public, Handle: ok},
		}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpapi.New(doc, tt.routes, httpapi.Options{})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNew_OptionalSecurityRefused(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      security: [{}, {bearer: []}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`
	doc, err := apispec.Load([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	// The contract cannot even be compiled, so no API can serve it.
	_, err = apispec.Compile(doc)
	if err == nil || !strings.Contains(err.Error(), "optional security") {
		t.Fatalf("Compile error = %v, want optional security refused", err)
	}
}

func TestRequest_Decode(t *testing.T) {
	type contact struct {
		Phone string `json:"phone"`
		Hours int    `json:"hours"`
	}
	tests := []struct {
		name  string
		body  string
		code  string
		field string
	}{
		{"Valid", `{"phone":"+1","hours":2}`, "", ""},
		{"Empty", ``, "body_required", ""},
		{"UnknownField", `{"phone":"+1","fax":"2"}`, "invalid_request", "fax"},
		{"WrongType", `{"hours":"two"}`, "invalid_request", "hours"},
		{"Syntax", `{"phone":}`, "malformed_json", ""},
		{"Truncated", `{"phone":"+1"`, "malformed_json", ""},
		{"TwoValues", `{} {}`, "malformed_json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &httpapi.Request{Body: []byte(tt.body)}
			var c contact
			err := r.Decode(&c)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || fe.Code != tt.code {
				t.Fatalf("Decode error = %#v, want Invalid %s", err, tt.code)
			}
			if tt.field != "" && (len(fe.Details) != 1 || fe.Details[0].Field != tt.field) {
				t.Errorf("details = %+v, want field %q", fe.Details, tt.field)
			}
			if tt.code == "malformed_json" && (len(fe.Details) != 1 || !strings.Contains(fe.Details[0].Message, "line 1, column")) {
				t.Errorf("details = %+v, want a position", fe.Details)
			}
		})
	}
}

// TestAPI_HandleConcurrent exercises one API from many goroutines, as a warm
// Lambda never does but the local stack does; run with -race.
func TestAPI_HandleConcurrent(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			body := `{"credentials":[{"code":"CAM","earnedOn":"2024-05-01"}]}`
			want := 200
			if i%2 == 1 {
				body = `{"credentials":[{"code":"BAD","earnedOn":"2024-05-01"}]}`
				want = 400
			}
			resp, _ := f.api.Handle(context.Background(), ev("PUT /holders/{holderId}/credentials", "/holders/h_1/credentials", as("s", "[staff]"), params("holderId", "h_1"), jsonBody(body)))
			if resp.StatusCode != want {
				t.Errorf("status = %d, want %d: %s", resp.StatusCode, want, resp.Body)
			}
		})
	}
	wg.Wait()
}

func BenchmarkAPI_Handle(b *testing.B) {
	api, err := httpapi.New(loadDoc(b), []httpapi.Route{{Method: "POST", Path: "/holders", Access: httpapi.SignedIn,
		Handle: func(context.Context, *httpapi.Request) (httpapi.Response, error) {
			return httpapi.JSON(201, map[string]string{"holderId": "h_1"}), nil
		}}},
		httpapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e := ev("POST /holders", "/holders", as("u1", ""), jsonBody(`{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.test","contact":{"phone":"+441234567890"}}`))
	for b.Loop() {
		if resp, _ := api.Handle(context.Background(), e); resp.StatusCode != 201 {
			b.Fatal(resp.Body)
		}
	}
}

// BenchmarkNew is what a cold start pays for the contract: building the
// API from openapi.yaml's compiled contract and the accounts routes.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := httpapi.NewAccountsAPI(nil, nil, nil, nil, nil, nil, httpapi.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAPI_RouteKeys(t *testing.T) {
	got := newFixture(t).api.RouteKeys()
	if len(got) != 10 || got[0] != "GET /health" || got[5] != "GET /holders/{holderId}" {
		t.Errorf("RouteKeys = %q", got)
	}
}

// refuser is a field whose own UnmarshalJSON refuses what the client sent.
type refuser struct{}

func (*refuser) UnmarshalJSON([]byte) error {
	return errors.New("hours may have at most two decimal places")
}

func TestRequest_DecodeFieldRefusal(t *testing.T) {
	r := &httpapi.Request{Body: []byte(`{"hours": 1.234}`)}
	var v struct {
		Hours refuser `json:"hours"`
	}
	err := r.Decode(&v)
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Invalid || len(fe.Details) != 1 || !strings.Contains(fe.Details[0].Message, "two decimal places") {
		t.Fatalf("a field refusing its value gave %v, want a 400 naming the problem", err)
	}
	if err := r.Decode(v); err == nil || fault.Is(err, fault.Invalid) {
		t.Fatalf("decoding into a non-pointer is a programming error, got %v", err)
	}
}
