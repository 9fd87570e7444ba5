package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

// newSubmissionsAPI is the cec-api on a real embedded table at 12 March
// 2027, with ana (subject h1, CAM) and bo (subject h2, CAM), nothing
// credited.
func newSubmissionsAPI(t *testing.T) (*API, *submissions.Service, *testkit.Relay) {
	t.Helper()
	tbl := testkit.TempTable(t, testkit.NoSync) // expiry on the wall clock, as before
	pol := testkit.Policy(t)
	clk := clock.Fixed(time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC))
	newID := testkit.IDs()
	kept := &testkit.Relay{}
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, newID, kept)
	kit := testkit.Accounts{Service: acc, Staff: identity.Caller{Sub: "s1", Roles: []string{identity.RoleStaff}}}
	for _, h := range []struct{ sub, name string }{{"h1", "ana"}, {"h2", "bo"}} {
		kit.Holder(t, identity.Caller{Sub: h.sub, Roles: []string{identity.RoleHolder}},
			accounts.NewHolder{FirstName: h.name, LastName: "Lima", Email: h.name + "@example.com"}, testkit.Credentials("2020-01-01", "CAM"))
	}
	subs := submissions.NewService(store.NewSubmissions(tbl), acc, pol, clk, newID, kept)
	api, err := NewCecAPI(transcript.NewService(store.NewTranscript(tbl), acc, pol, clk), subs, nil,
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return api, subs, kept
}

func subCall(t *testing.T, api *API, method, target, caller, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	e := gatewayEvent(t, method, target)
	if body != "" {
		e.Headers["content-type"] = "application/json"
		e.Body = body
	}
	if caller != "" {
		c := cecCallers[caller]
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": c[0], "cognito:groups": c[1]}}}
	}
	resp, err := api.Handle(context.Background(), e)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

// subConforms checks a response against its operation in openapi.yaml.
func subConforms(t *testing.T, method, template, target string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	item := doc.Paths.Value(template)
	route := &routers.Route{Spec: doc, Path: template, PathItem: item, Method: method, Operation: item.GetOperation(method)}
	req := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  resp.StatusCode,
		Header:  http.Header{"Content-Type": {resp.Headers["content-type"]}},
		Body:    io.NopCloser(strings.NewReader(resp.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("response does not conform to openapi.yaml: %v\n%s", err, resp.Body)
	}
}

const activityBody = `{"kind":"association_course","title":"Leasing","organisation":"Chapter","date":"2027-03-02","hours":%s,` +
	`"compliance":true,"documentation":{"type":"certificate_of_completion","reference":"cert-1"}}`

func TestSubmissionRoutes(t *testing.T) {
	api, subs, kept := newSubmissionsAPI(t)
	submit := func(hours string) string {
		return `{"year":2028,"activities":[` + fmt.Sprintf(activityBody, hours) + `]}`
	}

	t.Run("RequirementNotMet", func(t *testing.T) {
		resp := subCall(t, api, "POST", "/holders/me/submissions", "ana", submit("5"))
		if resp.StatusCode != 422 || !strings.Contains(resp.Body, `"requirement_not_met"`) || !strings.Contains(resp.Body, `"field":"total"`) {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
		subConforms(t, "POST", "/holders/me/submissions", "/holders/me/submissions", resp)
	})
	t.Run("BadRequests", func(t *testing.T) {
		for name, body := range map[string]string{
			"ThreeDecimals": submit("1.234"),
			"BadDate":       strings.Replace(submit("6"), "2027-03-02", "2027-02-30", 1),
			"NoActivities":  `{"year":2028,"activities":[]}`,
			"UnknownField":  `{"year":2028,"activities":[],"x":1}`,
		} {
			if resp := subCall(t, api, "POST", "/holders/me/submissions", "ana", body); resp.StatusCode != 400 {
				t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
			}
		}
		if resp := subCall(t, api, "POST", "/holders/me/submissions", "staff", submit("6")); resp.StatusCode != 403 {
			t.Errorf("staff submitted: %d", resp.StatusCode)
		}
	})

	resp := subCall(t, api, "POST", "/holders/me/submissions", "ana", submit("6"))
	if resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	subConforms(t, "POST", "/holders/me/submissions", "/holders/me/submissions", resp)
	var sub struct {
		SubmissionID string `json:"submissionId"`
		Status       string `json:"status"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &sub); err != nil || sub.Status != "received" {
		t.Fatalf("%s %v", resp.Body, err)
	}
	if loc := resp.Headers["location"]; loc != "/holders/me/submissions/"+sub.SubmissionID {
		t.Fatalf("location %q", loc)
	}
	if r := subCall(t, api, "POST", "/holders/me/submissions", "ana", submit("6")); r.StatusCode != 409 {
		t.Fatalf("second open submission: %d %s", r.StatusCode, r.Body)
	}

	own := "/holders/me/submissions/" + sub.SubmissionID
	if r := subCall(t, api, "GET", own, "ana", ""); r.StatusCode != 200 {
		t.Fatalf("get own: %d %s", r.StatusCode, r.Body)
	} else {
		subConforms(t, "GET", "/holders/me/submissions/{submissionId}", own, r)
	}
	if r := subCall(t, api, "GET", own, "bo", ""); r.StatusCode != 404 {
		t.Fatalf("bo read ana's: %d", r.StatusCode)
	}
	// Each holder's list holds their own submissions only.
	if r := subCall(t, api, "GET", "/holders/me/submissions", "ana", ""); r.StatusCode != 200 || !strings.Contains(r.Body, sub.SubmissionID) {
		t.Fatalf("ana's list: %d %s", r.StatusCode, r.Body)
	} else {
		subConforms(t, "GET", "/holders/me/submissions", "/holders/me/submissions", r)
	}
	if r := subCall(t, api, "GET", "/holders/me/submissions", "bo", ""); r.StatusCode != 200 || r.Body != `{"submissions":[]}` {
		t.Fatalf("bo's list: %d %s", r.StatusCode, r.Body)
	}

	decision := "/submissions/" + sub.SubmissionID + "/decision"
	if r := subCall(t, api, "POST", decision, "staff", `{"decision":"approve"}`); r.StatusCode != 409 {
		t.Fatalf("decided a received submission: %d %s", r.StatusCode, r.Body)
	}
	for _, m := range kept.Sent() {
		if m.Queue == submissions.Queue {
			if err := subs.Review(t.Context(), m.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := subCall(t, api, "GET", "/review/submissions", "staff", "")
	if r.StatusCode != 200 || !strings.Contains(r.Body, sub.SubmissionID) || !strings.Contains(r.Body, `"audit":`) {
		t.Fatalf("queue: %d %s", r.StatusCode, r.Body)
	}
	subConforms(t, "GET", "/review/submissions", "/review/submissions", r)
	if r := subCall(t, api, "GET", "/review/submissions", "ana", ""); r.StatusCode != 403 {
		t.Fatalf("holder read the queue: %d", r.StatusCode)
	}
	if r := subCall(t, api, "POST", decision, "staff", `{"decision":"reject"}`); r.StatusCode != 400 || !strings.Contains(r.Body, `"reason"`) {
		t.Fatalf("reject without reason: %d %s", r.StatusCode, r.Body)
	}
	r = subCall(t, api, "POST", decision, "staff", `{"decision":"approve","reason":"ok"}`)
	if r.StatusCode != 200 || !strings.Contains(r.Body, `"met":true`) || !strings.Contains(r.Body, `"status":"approved"`) {
		t.Fatalf("approve: %d %s", r.StatusCode, r.Body)
	}
	subConforms(t, "POST", "/submissions/{submissionId}/decision", decision, r)
	st := subCall(t, api, "GET", "/holders/me/status?year=2028", "ana", "")
	if st.StatusCode != 200 || !strings.Contains(st.Body, `"met":true`) || !strings.Contains(st.Body, `"source":"self"`) ||
		!strings.Contains(st.Body, `"reference":"cert-1"`) {
		t.Fatalf("status: %d %s", st.StatusCode, st.Body)
	}
	conforms(t, "/holders/me/status?year=2028", st)
}
