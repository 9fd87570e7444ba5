package localgw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/localgw"
)

var testKey = bytes.Repeat([]byte{7}, localgw.KeySize)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("testdata/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := apispec.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// fakeLambda records the events it is given and answers with resp or err.
type fakeLambda struct {
	mu     sync.Mutex
	events []events.APIGatewayV2HTTPRequest
	resp   events.APIGatewayV2HTTPResponse
	err    error
	panics bool
}

func (f *fakeLambda) invoke(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.mu.Unlock()
	if f.panics {
		panic("lambda bug")
	}
	return f.resp, f.err
}

func (f *fakeLambda) calls() []events.APIGatewayV2HTTPRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slicesClone(f.events)
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

var fixedNow = time.Date(2026, 3, 12, 19, 3, 58, 123e6, time.UTC)

type gw struct {
	srv     *httptest.Server
	lambdas map[string]*fakeLambda
	signer  *localgw.Signer
	gw      *localgw.Gateway
}

func newGateway(t *testing.T) *gw {
	t.Helper()
	g := &gw{lambdas: map[string]*fakeLambda{}, signer: localgw.NewSigner(testKey)}
	targets := map[string]localgw.Target{}
	for _, key := range []string{"GET /health", "GET /holders/me", "GET /holders/{holderId}", "POST /programs/{programId}/attendance", "GET /calendar"} {
		f := &fakeLambda{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`, Headers: map[string]string{"content-type": "application/json"}}}
		g.lambdas[key] = f
		targets[key] = f.invoke
	}
	var err error
	g.gw, err = localgw.New(loadDoc(t), targets, localgw.NewVerifier(testKey), localgw.Options{
		Now:    func() time.Time { return fixedNow },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.gw)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gw) token(t *testing.T, roles ...string) string {
	t.Helper()
	tok, err := g.signer.Sign("user-1", "user@example.test", roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (g *gw) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := g.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func (g *gw) request(t *testing.T, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestGateway_Event(t *testing.T) {
	g := newGateway(t)
	req := g.request(t, "GET", "/holders/h%201?x=1&x=2&y=a%20b", nil)
	req.Header.Set("Authorization", "Bearer "+g.token(t, "holder", "staff"))
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Add("Cookie", "a=1; b=2")
	req.Header.Set("User-Agent", "forms/1.0")
	resp, _ := g.do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	calls := g.lambdas["GET /holders/{holderId}"].calls()
	if len(calls) != 1 {
		t.Fatalf("lambda called %d times", len(calls))
	}
	ev := calls[0]
	host := strings.TrimPrefix(g.srv.URL, "http://")

	checks := []struct {
		name      string
		got, want any
	}{
		{"Version", ev.Version, "2.0"},
		{"RouteKey", ev.RouteKey, "GET /holders/{holderId}"},
		{"RawPath", ev.RawPath, "/holders/h 1"},
		{"RawQueryString", ev.RawQueryString, "x=1&x=2&y=a%20b"},
		{"Cookies", ev.Cookies, []string{"a=1", "b=2"}},
		{"QueryStringParameters", ev.QueryStringParameters, map[string]string{"x": "1,2", "y": "a b"}},
		{"PathParameters", ev.PathParameters, map[string]string{"holderId": "h 1"}},
		{"Header joined", ev.Headers["x-multi"], "a,b"},
		{"Header host", ev.Headers["host"], host},
		{"Header user-agent", ev.Headers["user-agent"], "forms/1.0"},
		{"Header x-forwarded-for", ev.Headers["x-forwarded-for"], "127.0.0.1"},
		{"Header x-forwarded-proto", ev.Headers["x-forwarded-proto"], "http"},
		{"Body", ev.Body, ""},
		{"IsBase64Encoded", ev.IsBase64Encoded, false},
		{"ctx.RouteKey", ev.RequestContext.RouteKey, "GET /holders/{holderId}"},
		{"ctx.AccountID", ev.RequestContext.AccountID, "000000000000"},
		{"ctx.APIID", ev.RequestContext.APIID, "local"},
		{"ctx.Stage", ev.RequestContext.Stage, "$default"},
		{"ctx.DomainName", ev.RequestContext.DomainName, "127.0.0.1"},
		{"ctx.DomainPrefix", ev.RequestContext.DomainPrefix, "127"},
		{"ctx.Time", ev.RequestContext.Time, "12/Mar/2026:19:03:58 +0000"},
		{"ctx.TimeEpoch", ev.RequestContext.TimeEpoch, fixedNow.UnixMilli()},
		{"ctx.http.Method", ev.RequestContext.HTTP.Method, "GET"},
		{"ctx.http.Path", ev.RequestContext.HTTP.Path, "/holders/h 1"},
		{"ctx.http.Protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"ctx.http.SourceIP", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		{"ctx.http.UserAgent", ev.RequestContext.HTTP.UserAgent, "forms/1.0"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Errorf("header %q is not lower case", name)
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Errorf("cookie header kept; API Gateway moves it to cookies")
	}
	if ev.RequestContext.RequestID == "" || resp.Header.Get("Apigw-Requestid") != ev.RequestContext.RequestID {
		t.Errorf("requestId = %q, apigw-requestid = %q", ev.RequestContext.RequestID, resp.Header.Get("Apigw-Requestid"))
	}

	a := ev.RequestContext.Authorizer
	if a == nil || a.JWT == nil {
		t.Fatal("no jwt authorizer context")
	}
	cl := a.JWT.Claims
	for k, want := range map[string]string{
		"sub": "user-1", "email": "user@example.test", "cognito:groups": "[holder staff]",
		"iss": localgw.DefaultIssuer, "aud": localgw.DefaultAudience, "token_use": "id",
	} {
		if cl[k] != want {
			t.Errorf("claim %s = %q, want %q", k, cl[k], want)
		}
	}
	if exp := cl["exp"]; len(exp) != 10 || strings.ContainsAny(exp, ".eE") {
		t.Errorf("claim exp = %q, want decimal seconds", exp)
	}

	// Request IDs are unique.
	resp2, _ := g.do(t, func() *http.Request {
		r := g.request(t, "GET", "/holders/h1", nil)
		r.Header.Set("Authorization", "Bearer "+g.token(t, "holder"))
		return r
	}())
	if resp2.Header.Get("Apigw-Requestid") == resp.Header.Get("Apigw-Requestid") {
		t.Error("request IDs repeat")
	}
}

func TestGateway_ClaimsStringified(t *testing.T) {
	g := newGateway(t)
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": localgw.DefaultIssuer, "aud": []string{"other", localgw.DefaultAudience},
		"sub": "u", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"big": 12345678901234567, "float": 2.5, "exp_form": 1.5e21, "verified": true, "off": false,
		"groups": []any{"a", 1, true}, "nested": map[string]any{"k": "v"}, "scope": "read write",
	}).SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	req := g.request(t, "GET", "/holders/me", nil)
	req.Header.Set("Authorization", "bearer "+tok)
	if resp, body := g.do(t, req); resp.StatusCode != 200 {
		t.Fatalf("status = %d: %s", resp.StatusCode, body)
	}
	jwtCtx := g.lambdas["GET /holders/me"].calls()[0].RequestContext.Authorizer.JWT
	want := map[string]string{
		"aud": "[other cecportal]", "big": "12345678901234567", "float": "2.5", "exp_form": "1500000000000000000000",
		"verified": "true", "off": "false", "groups": "[a 1 true]", "nested": `{"k":"v"}`, "scope": "read write",
	}
	for k, w := range want {
		if got := jwtCtx.Claims[k]; got != w {
			t.Errorf("claim %s = %q, want %q", k, got, w)
		}
	}
	if !reflect.DeepEqual(jwtCtx.Scopes, []string{"read", "write"}) {
		t.Errorf("scopes = %q", jwtCtx.Scopes)
	}
}

func TestGateway_Body(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantBody    string
		wantBase64  bool
	}{
		{"JSONAsText", "application/json; charset=utf-8", []byte(`{"rows":[]}`), `{"rows":[]}`, false},
		{"CSVAsText", "text/csv", []byte("holderId\nh1\n"), "holderId\nh1\n", false},
		{"BinaryAsBase64", "application/octet-stream", []byte{0, 1, 0xfe, 0xff}, base64.StdEncoding.EncodeToString([]byte{0, 1, 0xfe, 0xff}), true},
		{"NoTypeAsBase64", "", []byte("a=b"), base64.StdEncoding.EncodeToString([]byte("a=b")), true},
		{"InvalidUTF8TextAsBase64", "text/plain", []byte{0xff, 'a'}, base64.StdEncoding.EncodeToString([]byte{0xff, 'a'}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t)
			req := g.request(t, "POST", "/programs/p1/attendance", bytes.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+g.token(t, "provider"))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if resp, body := g.do(t, req); resp.StatusCode != 200 {
				t.Fatalf("status = %d: %s", resp.StatusCode, body)
			}
			ev := g.lambdas["POST /programs/{programId}/attendance"].calls()[0]
			if ev.Body != tt.wantBody || ev.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("body = %q (base64 %v), want %q (base64 %v)", ev.Body, ev.IsBase64Encoded, tt.wantBody, tt.wantBase64)
			}
			if ev.PathParameters["programId"] != "p1" {
				t.Errorf("pathParameters = %v", ev.PathParameters)
			}
		})
	}
}

func TestGateway_Refusals(t *testing.T) {
	other := localgw.NewSigner(bytes.Repeat([]byte{9}, localgw.KeySize))
	wrongAud := localgw.NewSigner(testKey)
	wrongAud.Audience = "someone-else"
	wrongIss := localgw.NewSigner(testKey)
	wrongIss.Issuer = "https://cognito-idp.example/pool"
	expired := localgw.NewSigner(testKey)
	expired.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	sign := func(s *localgw.Signer) string {
		tok, err := s.Sign("u", "", []string{"holder"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"iss": localgw.DefaultIssuer, "aud": localgw.DefaultAudience, "sub": "u", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)

	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		body   io.Reader
		status int
		code   string
	}{
		{"NoToken", "GET", "/holders/me", "", nil, 401, "unauthorized"},
		{"NotBearer", "GET", "/holders/me", "Basic dTpw", nil, 401, "unauthorized"},
		{"EmptyBearer", "GET", "/holders/me", "Bearer ", nil, 401, "unauthorized"},
		{"Garbage", "GET", "/holders/me", "Bearer not.a.jwt", nil, 401, "unauthorized"},
		{"BadSignature", "GET", "/holders/me", "Bearer " + sign(other), nil, 401, "unauthorized"},
		{"Expired", "GET", "/holders/me", "Bearer " + sign(expired), nil, 401, "unauthorized"},
		{"WrongAudience", "GET", "/holders/me", "Bearer " + sign(wrongAud), nil, 401, "unauthorized"},
		{"WrongIssuer", "GET", "/holders/me", "Bearer " + sign(wrongIss), nil, 401, "unauthorized"},
		{"AlgNone", "GET", "/holders/me", "Bearer " + none, nil, 401, "unauthorized"},
		{"UnknownPath", "GET", "/nowhere", "", nil, 404, "route_not_found"},
		{"UndocumentedMethod", "DELETE", "/holders/me", "", nil, 404, "route_not_found"},
		{"ServersBasePathIgnored", "GET", "/v1/health", "", nil, 404, "route_not_found"},
		{"DocumentedButNoLambda", "GET", "/unserved", "Bearer " + sign(localgw.NewSigner(testKey)), nil, 404, "route_not_found"},
		{"BodyOver10MB", "POST", "/programs/p1/attendance", "Bearer " + sign(localgw.NewSigner(testKey)),
			bytes.NewReader(make([]byte, localgw.DefaultMaxBodyBytes+1)), 413, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t)
			req := g.request(t, tt.method, tt.path, tt.body)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, body := g.do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Details []any  `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tt.code || e.Error.Details == nil {
				t.Errorf("body = %s, want code %q (%v)", body, tt.code, err)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type = %q", ct)
			}
			if tt.status == 401 && resp.Header.Get("Www-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			for key, l := range g.lambdas {
				if n := len(l.calls()); n != 0 {
					t.Errorf("lambda %s invoked %d times", key, n)
				}
			}
		})
	}
}

func TestGateway_PublicRouteWithoutToken(t *testing.T) {
	g := newGateway(t)
	resp, body := g.do(t, g.request(t, "GET", "/calendar?from=2026-01-01", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d: %s", resp.StatusCode, body)
	}
	ev := g.lambdas["GET /calendar"].calls()[0]
	if ev.RequestContext.Authorizer != nil {
		t.Errorf("public route got an authorizer context: %+v", ev.RequestContext.Authorizer)
	}
	if ev.QueryStringParameters["from"] != "2026-01-01" {
		t.Errorf("query = %v", ev.QueryStringParameters)
	}
}

func TestGateway_ResponseWrittenBack(t *testing.T) {
	g := newGateway(t)
	g.lambdas["GET /health"].resp = events.APIGatewayV2HTTPResponse{
		StatusCode:        201,
		Headers:           map[string]string{"content-type": "application/pdf", "x-request-id": "r1"},
		MultiValueHeaders: map[string][]string{"x-ignored": {"1"}},
		Cookies:           []string{"a=1; Path=/; HttpOnly", "b=2; Secure"},
		Body:              base64.StdEncoding.EncodeToString([]byte{0x25, 0x50, 0x44, 0x46, 0x00}),
		IsBase64Encoded:   true,
	}
	resp, body := g.do(t, g.request(t, "GET", "/health", nil))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if !bytes.Equal(body, []byte{0x25, 0x50, 0x44, 0x46, 0x00}) {
		t.Errorf("body = %q", body)
	}
	if resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Request-Id") != "r1" {
		t.Errorf("headers = %v", resp.Header)
	}
	if got := resp.Header.Values("Set-Cookie"); !reflect.DeepEqual(got, []string{"a=1; Path=/; HttpOnly", "b=2; Secure"}) {
		t.Errorf("Set-Cookie = %q", got)
	}
	if resp.Header.Get("X-Ignored") != "" {
		t.Error("multiValueHeaders written; API Gateway ignores them in payload 2.0")
	}
}

func TestGateway_LambdaFailure(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeLambda)
	}{
		{"Error", func(f *fakeLambda) { f.err = errors.New("boom") }},
		{"Panic", func(f *fakeLambda) { f.panics = true }},
		{"NoStatus", func(f *fakeLambda) { f.resp = events.APIGatewayV2HTTPResponse{Body: "x"} }},
		{"BadBase64", func(f *fakeLambda) {
			f.resp = events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "!!", IsBase64Encoded: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t)
			tt.setup(g.lambdas["GET /health"])
			resp, body := g.do(t, g.request(t, "GET", "/health", nil))
			if resp.StatusCode != 500 || !strings.Contains(string(body), `"code":"internal"`) {
				t.Fatalf("got %d %s, want 500 internal", resp.StatusCode, body)
			}
			if strings.Contains(string(body), "boom") || strings.Contains(string(body), "lambda bug") {
				t.Errorf("body leaks the failure: %s", body)
			}
		})
	}
}

func TestGateway_Mount(t *testing.T) {
	g := newGateway(t)
	g.gw.Mount("/dev/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	resp, body := g.do(t, g.request(t, "POST", "/dev/token", nil))
	if resp.StatusCode != http.StatusTeapot || string(body) != "/dev/token" {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if resp, _ := g.do(t, g.request(t, "GET", "/devices", nil)); resp.StatusCode != 404 {
		t.Errorf("/devices status = %d, want 404 (not under /dev)", resp.StatusCode)
	}
	for _, prefix := range []string{"/holders", "/", "dev", "/holders/me/"} {
		t.Run("Refuses"+prefix, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Mount(%q) did not panic", prefix)
				}
			}()
			g.gw.Mount(prefix, http.NotFoundHandler())
		})
	}
}

func TestNew(t *testing.T) {
	doc := loadDoc(t)
	ok := (&fakeLambda{}).invoke
	tests := []struct {
		name    string
		targets map[string]localgw.Target
		v       *localgw.Verifier
		want    string
	}{
		{"Valid", map[string]localgw.Target{"GET /health": ok}, localgw.NewVerifier(testKey), ""},
		{"UnknownRoute", map[string]localgw.Target{"GET /nope": ok}, localgw.NewVerifier(testKey), "not an operation"},
		{"TemplateMisspelt", map[string]localgw.Target{"GET /holders/{id}": ok}, localgw.NewVerifier(testKey), "not an operation"},
		{"NilTarget", map[string]localgw.Target{"GET /health": nil}, localgw.NewVerifier(testKey), "is nil"},
		{"NoVerifierForPublicOnly", map[string]localgw.Target{"GET /health": ok}, nil, ""},
		{"NoVerifier", map[string]localgw.Target{"GET /holders/me": ok}, nil, "no Verifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := localgw.New(doc, tt.targets, tt.v, localgw.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestGateway_WithHTTPAPI runs the two halves together, as the local stack
// does: a token from the Signer becomes a Caller with roles in a handler.
func TestGateway_WithHTTPAPI(t *testing.T) {
	doc := loadDoc(t)
	c, err := apispec.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	var got httpapi.Request
	api, err := httpapi.New(c, []httpapi.Route{{
		Method: "GET", Path: "/holders/{holderId}", Access: httpapi.Roles("staff"),
		Handle: func(_ context.Context, r *httpapi.Request) (httpapi.Response, error) {
			got = *r
			return httpapi.JSON(200, map[string]string{"holderId": r.Params["holderId"]}), nil
		},
	}}, httpapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := localgw.New(doc, map[string]localgw.Target{"GET /holders/{holderId}": api.Handle},
		localgw.NewVerifier(testKey), localgw.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway)
	defer srv.Close()

	call := func(roles ...string) (*http.Response, string) {
		tok, err := localgw.NewSigner(testKey).Sign("s-1", "s@example.test", roles, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/holders/h_9", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := call("holder", "staff")
	if resp.StatusCode != 200 || body != `{"holderId":"h_9"}` {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if !reflect.DeepEqual(got.Caller.Roles, []string{"holder", "staff"}) || got.Caller.Sub != "s-1" || got.Caller.Email != "s@example.test" {
		t.Errorf("caller = %+v", got.Caller)
	}
	if resp.Header.Get("X-Request-Id") != got.Event.RequestContext.RequestID || resp.Header.Get("Apigw-Requestid") != got.Event.RequestContext.RequestID {
		t.Errorf("request IDs differ: x-request-id %q, apigw %q, event %q", resp.Header.Get("X-Request-Id"), resp.Header.Get("Apigw-Requestid"), got.Event.RequestContext.RequestID)
	}
	if resp, body := call("holder"); resp.StatusCode != 403 || !strings.Contains(body, `"forbidden"`) {
		t.Errorf("holder got %d %s, want 403 forbidden", resp.StatusCode, body)
	}
}
