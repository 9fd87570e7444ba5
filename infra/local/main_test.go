package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestLocalStack_Accounts starts the real local stack (the code `make run`
// runs) on a free port and drives the accounts feature over HTTP, as the
// README's curl lines do.
func TestLocalStack_Accounts(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}

	t.Run("Health", func(t *testing.T) {
		var h struct{ Status, Time string }
		c.do("GET", "/health", "", nil, 200, &h)
		if h.Status != "ok" || h.Time == "" {
			t.Fatalf("health %+v", h)
		}
	})

	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	t.Run("CreateHolder", func(t *testing.T) {
		c.do("POST", "/holders", ana, map[string]any{"firstName": " Ana ", "lastName": "Lima", "email": "ana@example.com",
			"contact": map[string]any{"phone": "+1 703 555 0100"}}, 201, &holder)
		if holder["membership"] != "guest" || holder["firstName"] != "Ana" || !strings.HasPrefix(fmt.Sprint(holder["holderId"]), "H-") {
			t.Fatalf("created holder %v", holder)
		}
		var me map[string]any
		c.do("GET", "/holders/me", ana, nil, 200, &me)
		if me["holderId"] != holder["holderId"] {
			t.Fatalf("GET /holders/me %v, want %v", me["holderId"], holder["holderId"])
		}
	})
	t.Run("WelcomeEmailArrivesOnce", func(t *testing.T) {
		emails := c.waitForEmails("ana@example.com", 1)
		if !strings.Contains(emails[0].Text, fmt.Sprint(holder["holderId"])) {
			t.Fatalf("welcome email does not carry the holder ID: %q", emails[0].Text)
		}
	})
	t.Run("SecondHolderForSameIdentity", func(t *testing.T) {
		e := c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "other@example.com"}, 409, nil)
		if e.Error.Code != "holder_exists" || e.Error.Details[0].Message != holder["holderId"] {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("EmailOfAnotherHolder", func(t *testing.T) {
		bo := c.token("sub-bo", "holder", "")
		e := c.do("POST", "/holders", bo, map[string]any{"firstName": "Bo", "lastName": "Berg", "email": "ANA@example.com"}, 409, nil)
		if e.Error.Code != "email_taken" {
			t.Fatalf("error %+v", e)
		}
		c.do("GET", "/holders/me", bo, nil, 404, nil) // nothing was written for Bo
	})
	t.Run("UpdateContact", func(t *testing.T) {
		var h map[string]any
		c.do("PUT", "/holders/me/contact", ana, map[string]any{"phone": "+1 703 555 0199", "email": "ana.lima@example.com",
			"address": map[string]any{"line1": "1 Main St", "city": "Arlington", "region": "VA", "country": "us"}}, 200, &h)
		contact := h["contact"].(map[string]any)
		if contact["phone"] != "+1 703 555 0199" || contact["address"].(map[string]any)["country"] != "US" ||
			h["email"] != "ana.lima@example.com" || h["contactConfirmedAt"] == nil {
			t.Fatalf("after update %v", h)
		}
		// The old email is free again, the new one taken.
		cy := c.token("sub-cy", "holder", "")
		c.do("POST", "/holders", cy, map[string]any{"firstName": "Cy", "lastName": "Cole", "email": "ana.lima@example.com"}, 409, nil)
		c.do("POST", "/holders", cy, map[string]any{"firstName": "Cy", "lastName": "Cole", "email": "ana@example.com"}, 201, nil)
	})
	t.Run("StaffSetsCredentials", func(t *testing.T) {
		staff := c.token("sub-staff", "staff", "office@example.org")
		path := fmt.Sprintf("/holders/%s/credentials", holder["holderId"])
		body := map[string]any{"membership": "member", "credentials": []any{
			map[string]any{"code": "NALP", "earnedOn": "2019-05-01"}, map[string]any{"code": "cam", "earnedOn": "2020-01-15"}}}
		c.do("PUT", path, ana, body, 403, nil) // a holder may not
		var h map[string]any
		c.do("PUT", path, staff, body, 200, &h)
		creds := h["credentials"].([]any)
		if h["membership"] != "member" || len(creds) != 2 || creds[0].(map[string]any)["code"] != "CAM" {
			t.Fatalf("after set %v", h)
		}
		e := c.do("PUT", path, staff, map[string]any{"membership": "member", "credentials": []any{
			map[string]any{"code": "XYZ", "earnedOn": "2019-05-01"}, map[string]any{"code": "CAS", "earnedOn": "2999-01-01"}}}, 400, nil)
		if fields := e.fields(); fields != "credentials[0].code,credentials[1].earnedOn" {
			t.Fatalf("fields %q in %+v", fields, e)
		}
		c.do("PUT", "/holders/H-NOSUCHHOLD/credentials", staff, body, 404, nil)
	})
	t.Run("Provider", func(t *testing.T) {
		acme := c.token("sub-acme", "provider", "desk@acme.example")
		c.do("GET", "/providers/me", acme, nil, 404, nil)
		reg := map[string]any{"name": "Acme Training", "contactName": "Dee Dunn", "email": "desk@acme.example",
			"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}
		var p map[string]any
		c.do("POST", "/providers", acme, reg, 201, &p)
		if !strings.HasPrefix(fmt.Sprint(p["providerId"]), "P-") {
			t.Fatalf("provider %v", p)
		}
		var me map[string]any
		c.do("GET", "/providers/me", acme, nil, 200, &me)
		if me["providerId"] != p["providerId"] || me["name"] != "Acme Training" {
			t.Fatalf("GET /providers/me %v", me)
		}
		if e := c.do("POST", "/providers", acme, reg, 409, nil); e.Error.Code != "provider_exists" {
			t.Fatalf("second registration: %+v", e)
		}
		c.waitForEmails("desk@acme.example", 1)
	})
}

// TestLocalStack_BadInput sends what the issue lists as bad input: each
// gets a 4xx JSON error and writes nothing.
func TestLocalStack_BadInput(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	tok := c.token("sub-x", "holder", "")
	good := `{"firstName":"Xi","lastName":"Xu","email":"xi@example.com"}`
	expired := c.forge(jwt.MapClaims{"sub": "sub-x", "cognito:groups": []string{"holder"}, "iss": "cecportal-local",
		"aud": "cecportal", "exp": time.Now().Add(-time.Hour).Unix()}, c.key(st))
	wrongKey := c.forge(jwt.MapClaims{"sub": "sub-x", "cognito:groups": []string{"holder"}, "iss": "cecportal-local",
		"aud": "cecportal", "exp": time.Now().Add(time.Hour).Unix()}, []byte("not-the-local-key-not-the-local-key"))
	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		status                                 int
		code                                   string
	}{
		{"MalformedJSON", "POST", "/holders", tok, "application/json", `{"firstName": "Xi",`, 400, "malformed_json"},
		{"WrongContentType", "POST", "/holders", tok, "text/plain", good, 415, "unsupported_media_type"},
		{"Oversized", "POST", "/holders", tok, "application/json", `{"firstName":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large"},
		{"UnknownField", "POST", "/holders", tok, "application/json", `{"firstName":"Xi","lastName":"Xu","email":"xi@example.com","admin":true}`, 400, "invalid_request"},
		{"MissingField", "POST", "/holders", tok, "application/json", `{"firstName":"Xi","email":"xi@example.com"}`, 400, "invalid_request"},
		{"BadEmail", "POST", "/holders", tok, "application/json", `{"firstName":"Xi","lastName":"Xu","email":"xi at example"}`, 400, "invalid_request"},
		{"EmptyBody", "POST", "/holders", tok, "application/json", ``, 400, "body_required"},
		{"NoToken", "POST", "/holders", "", "application/json", good, 401, "unauthorized"},
		{"ExpiredToken", "POST", "/holders", expired, "application/json", good, 401, "unauthorized"},
		{"BadlySignedToken", "POST", "/holders", wrongKey, "application/json", good, 401, "unauthorized"},
		{"GarbageToken", "POST", "/holders", "abc.def.ghi", "application/json", good, 401, "unauthorized"},
		{"WrongRole", "PUT", "/holders/H-X/credentials", tok, "application/json", `{"membership":"member","credentials":[]}`, 403, "forbidden"},
		{"UnknownRoute", "GET", "/nowhere", tok, "", "", 404, "route_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := c.raw(tc.method, tc.path, tc.token, tc.ctype, tc.body)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s", status, e, tc.status, tc.code)
			}
		})
	}
	// Nothing of the above was written: the identity has no account, and no
	// email went out.
	c.do("GET", "/holders/me", tok, nil, 404, nil)
	c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
	if n := len(c.emails("")); n != 0 {
		t.Fatalf("%d emails after bad input only", n)
	}
}

// TestLocalStack_Clock checks /dev/clock: the stack runs "as of" a date and
// keeps it across a restart on the same data directory.
func TestLocalStack_Clock(t *testing.T) {
	dir := t.TempDir()
	st := startStack(t, map[string]string{"CECPORTAL_DATA": dir})
	c := &client{t: t, base: st.URL}
	var clk struct{ Now string }
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2021-08-31T23:30:00-04:00"}, 200, &clk)
	var h struct{ Time time.Time }
	c.do("GET", "/health", "", nil, 200, &h)
	want := time.Date(2021, 9, 1, 3, 30, 0, 0, time.UTC)
	if d := h.Time.Sub(want); d < 0 || d > time.Minute {
		t.Fatalf("health time %v, want about %v", h.Time, want)
	}
	c.raw("PUT", "/dev/clock", "", "application/json", `{"now":"yesterday"}`)
	st.stop()

	st2 := startStack(t, map[string]string{"CECPORTAL_DATA": dir})
	c2 := &client{t: t, base: st2.URL}
	c2.do("GET", "/health", "", nil, 200, &h)
	if d := h.Time.Sub(want); d < 0 || d > time.Minute {
		t.Fatalf("after restart the clock reads %v, want about %v", h.Time, want)
	}
	c2.do("PUT", "/dev/clock", "", map[string]any{"now": nil}, 200, nil)
	c2.do("GET", "/health", "", nil, 200, &h)
	if d := time.Since(h.Time); d < -time.Minute || d > time.Minute {
		t.Fatalf("reset clock reads %v", h.Time)
	}
}

// running is a stack started through run(), the function main calls.
type running struct {
	*localstack.Stack
	stop func()
}

func startStack(t *testing.T, env map[string]string) *running {
	t.Helper()
	return startStackLogged(t, env, io.Discard)
}

// startStackLogged starts the stack with its JSON logs written to logs.
func startStackLogged(t *testing.T, env map[string]string, logs io.Writer) *running {
	t.Helper()
	vars := map[string]string{"CECPORTAL_ADDR": "127.0.0.1:0", "CECPORTAL_DATA": t.TempDir(), "LOG_LEVEL": "WARN"}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *localstack.Stack, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return vars[k] }, logs, func(s *localstack.Stack) { ready <- s })
	}()
	var st *localstack.Stack
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("local stack did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("local stack did not start within 30 s")
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("local stack stopped with %v", err)
		}
	}
	t.Cleanup(stop)
	return &running{Stack: st, stop: stop}
}

type client struct {
	t    *testing.T
	base string
}

type apiError struct {
	Error struct {
		Code    string
		Message string
		Details []struct{ Field, Code, Message string }
	}
}

func (e apiError) fields() string {
	var f []string
	for _, d := range e.Error.Details {
		f = append(f, d.Field)
	}
	return strings.Join(f, ",")
}

func (c *client) raw(method, path, token, ctype, body string) (int, apiError) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("content-type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e apiError
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("content-type"); !strings.HasPrefix(ct, "application/json") {
			c.t.Fatalf("%s %s: error with content type %q: %s", method, path, ct, raw)
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" {
			c.t.Fatalf("%s %s: error body not in the SPEC §6 shape: %s", method, path, raw)
		}
	}
	return resp.StatusCode, e
}

// download GETs path as token, requires a 200 of content type ctype
// offered as an attachment, and returns the body.
func (c *client) download(path, token, ctype string) string {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("content-type") != ctype || !strings.HasPrefix(resp.Header.Get("content-disposition"), "attachment;") {
		c.t.Fatalf("GET %s: %d %s %q: %.200s", path, resp.StatusCode, resp.Header.Get("content-type"), resp.Header.Get("content-disposition"), raw)
	}
	return string(raw)
}

// do sends body as JSON, checks the status and decodes the answer into out.
func (c *client) do(method, path, token string, body any, status int, out any) apiError {
	c.t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, raw)
	}
	var e apiError
	if status >= 400 {
		_ = json.Unmarshal(raw, &e)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return e
}

func (c *client) token(sub, role, email string) string {
	c.t.Helper()
	var out struct{ Token string }
	c.do("POST", "/dev/token", "", map[string]any{"sub": sub, "role": role, "email": email}, 200, &out)
	return out.Token
}

func (c *client) key(st *running) []byte {
	c.t.Helper()
	return st.SigningKey()
}

func (c *client) forge(claims jwt.MapClaims, key []byte) string {
	c.t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

type email struct {
	ID, Subject, Text, HTML string
	To                      []string
	Unsubscribe             string // the List-Unsubscribe header's link
}

func (c *client) emails(to string) []email {
	c.t.Helper()
	var out struct{ Emails []email }
	c.do("GET", "/dev/outbox?format=json&to="+url.QueryEscape(to), "", nil, 200, &out)
	return out.Emails
}

// waitForEmails waits for n emails to to arrive (the welcome email is sent
// asynchronously), then checks that no more follow.
func (c *client) waitForEmails(to string, n int) []email {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := c.emails(to)
		if len(got) >= n {
			time.Sleep(300 * time.Millisecond)
			if again := c.emails(to); len(again) != n {
				c.t.Fatalf("%d emails to %s, want exactly %d", len(again), to, n)
			}
			return got
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d emails to %s after 15 s, want %d", len(got), to, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitALittle paces polling loops.
func (c *client) waitALittle() { time.Sleep(50 * time.Millisecond) }

// acmeProvider signs in as Acme's desk and registers Acme as a provider.
func (c *client) acmeProvider() string {
	c.t.Helper()
	acme := c.token("sub-acme", "provider", "desk@acme.example")
	c.do("POST", "/providers", acme, map[string]any{"name": "Acme Training", "contactName": "Dee Dunn", "email": "desk@acme.example",
		"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	return acme
}

// TestLocalStack_SelfSignUp: a person who signed up through the hosted UI
// has a token with no group (issue 16); creating their holder account makes
// them a holder, registering their organisation a provider, at once and
// with nobody acting first; staff stays a group the office grants.
func TestLocalStack_SelfSignUp(t *testing.T) {
	st := startStack(t, nil)
	selfSignUp(t, &client{t: t, base: st.URL})
}

// selfSignUp runs the sign-up of a person with no group over HTTP, on
// whichever backend the stack runs.
func selfSignUp(t *testing.T, c *client) {
	t.Helper()
	dee := c.token("sub-dee-self", "", "dee@example.com") // what the hosted UI gives a new person
	roles := func() []string {
		var me struct{ Roles []string }
		c.do("GET", "/me", dee, nil, 200, &me)
		return me.Roles
	}
	if got := roles(); len(got) != 0 {
		t.Fatalf("a new person has roles %v", got)
	}
	c.do("GET", "/holders/me", dee, nil, 404, nil)
	c.do("GET", "/holders/me/status?year=2028", dee, nil, 403, nil)
	c.do("GET", "/programs", dee, nil, 403, nil)

	c.do("POST", "/holders", dee, map[string]any{"firstName": "Dee", "lastName": "Self", "email": "dee@example.com"}, 201, nil)
	if got := fmt.Sprint(roles()); got != "[holder]" {
		t.Fatalf("after creating the holder account: roles %s", got)
	}
	c.do("GET", "/holders/me", dee, nil, 200, nil)
	c.do("GET", "/holders/me/status?year=2028", dee, nil, 200, nil)
	c.do("GET", "/programs", dee, nil, 403, nil) // not a provider yet

	c.do("POST", "/providers", dee, map[string]any{"name": "Dee's Training", "contactName": "Dee Self", "email": "dee@example.com",
		"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	if got := fmt.Sprint(roles()); got != "[holder provider]" {
		t.Fatalf("after registering the organisation: roles %s", got)
	}
	c.do("GET", "/programs", dee, nil, 200, nil)
	c.do("POST", "/programs", dee, map[string]any{"title": "Dee's first program"}, 201, nil)
	c.do("GET", "/directory?q=Self", dee, nil, 200, nil)
	c.do("GET", "/holders/me/status?year=2028", dee, nil, 200, nil) // both at once
	// Staff is never derived.
	c.do("GET", "/review/programs", dee, nil, 403, nil)
	c.do("GET", "/holders/H-NONE", dee, nil, 403, nil)
}
