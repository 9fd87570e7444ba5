package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

// The transcript service under these tests runs on in-memory records, so
// that they can hold self-reported activities (capped, refused, other
// sources) before their feature lands; the store has its own suite.

// cecRecords is transcript.Store in memory: holders by ID and their activities.
type cecRecords struct {
	holders    map[string]accounts.Holder
	activities map[string][]credits.Activity
}

func (r cecRecords) Records(_ context.Context, id string) (accounts.Holder, []credits.Activity, error) {
	h, ok := r.holders[id]
	if !ok {
		return accounts.Holder{}, nil, accounts.ErrNotFound
	}
	return h, slices.Clone(r.activities[id]), nil
}

// Pending: nobody's credit waits for a filing fee here.
func (r cecRecords) Pending(context.Context, string) ([]transcript.Pending, error) { return nil, nil }

// MyHolderID finds the caller's holder by subject, as accounts.Service does.
func (r cecRecords) MyHolderID(_ context.Context, c identity.Caller) (string, error) {
	for _, h := range r.holders {
		if h.Sub == c.Sub {
			return h.ID, nil
		}
	}
	return "", fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet")
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// newCecAPI: holder ana (subject h1, CAM) has, in 2027, a credited
// compliance program, two board seats on one board (capped), a college
// course (other source), corporate training (refused), and a 2026
// program outside the 2028 window; bo (subject h2) holds nothing and has
// nothing.
func newCecAPI(t *testing.T) *API {
	t.Helper()
	recs := cecRecords{
		holders: map[string]accounts.Holder{
			"H-ANA": {ID: "H-ANA", Sub: "h1", Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2019-05-01"}}},
			"H-BO":  {ID: "H-BO", Sub: "h2"},
		},
		activities: map[string][]credits.Activity{"H-ANA": {
			{ID: "PRG-OLD", Source: credits.Credited, Kind: "association_course", Title: "Old", Organisation: "Acme", Date: day(2026, 12, 31), Hours: cec.Of(6), Compliance: true},
			{ID: "ACT-CORP", Source: credits.SelfReported, Kind: "corporate_in_house_training", Title: "In-house", Organisation: "Employer",
				Date: day(2027, 2, 1), Hours: cec.Of(2), DocumentationType: "certificate_of_completion"},
			{ID: "PRG-FAIR", Source: credits.Credited, Kind: "association_course", Title: `Fair Housing, "2027"`,
				Organisation: "=HYPERLINK(\"http://x\")", Date: day(2027, 3, 10), Hours: cec.Hours(450), Compliance: true},
			{ID: "ACT-BOARD1", Source: credits.SelfReported, Kind: "association_board", Title: "Board seat", Organisation: "Local Affiliate",
				Date: day(2027, 4, 1), Hours: cec.Of(2), DocumentationType: "appointment_letter"},
			{ID: "ACT-COLLEGE", Source: credits.SelfReported, Kind: "college_course", Title: "Real Estate Law\nPart 1", Organisation: "State U",
				Date: day(2027, 9, 1), Hours: cec.Of(4), DocumentationType: "transcript_or_exam_result"},
		}},
	}
	now := time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC)
	svc := transcript.NewService(recs, recs, testkit.Policy(t), clock.Fixed(now))
	api, err := newAPI(CecRoutes(svc, nil), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

var cecCallers = map[string][2]string{
	"ana":      {"h1", "[holder]"},
	"bo":       {"h2", "[holder]"},
	"nobody":   {"h9", "[holder]"}, // holder role, no holder account
	"provider": {"p1", "[provider]"},
	"staff":    {"s1", "[staff]"},
}

func cecCall(t *testing.T, api *API, target, caller, accept string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	e := gatewayEvent(t, http.MethodGet, target)
	if accept != "" {
		e.Headers["accept"] = accept
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

// conforms checks a JSON response against its operation in openapi.yaml.
func conforms(t *testing.T, target string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	router, err := specRouter()
	if err != nil {
		t.Fatal(err)
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, PathParams: params,
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

func TestCecRoutes_AgreeWithSpec(t *testing.T) {
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	routes := CecRoutes(nil, nil)
	if _, err := New(generatedContract(), routes, Options{}); err != nil {
		t.Fatalf("New refuses the CEC routes: %v", err)
	}
	for _, r := range routes {
		op := doc.Paths.Value(r.Path).GetOperation(r.Method)
		if public, _ := apispec.PublicOperation(doc, op); public || r.Access.IsPublic() {
			t.Errorf("%s %s is public", r.Method, r.Path)
		}
		// The caller's own routes are the holder's; another holder's, staff's.
		want := identity.RoleHolder
		if !strings.HasPrefix(r.Path, "/holders/me/") {
			want = identity.RoleStaff
		}
		roles, _ := op.Extensions["x-roles"].([]any)
		if len(roles) != 1 || roles[0] != want || !slices.Equal(r.Access.RoleList(), []string{want}) {
			t.Errorf("%s %s: x-roles %v, served as %s; want %s only", r.Method, r.Path, roles, r.Access, want)
		}
	}
}

func TestCecAPI_Status(t *testing.T) {
	api := newCecAPI(t)
	target := "/holders/me/status?year=2028"
	resp := cecCall(t, api, target, "ana", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	conforms(t, target, resp)
	// CECs are JSON numbers, exact: 4.5, not "4.5" or 4.499999.
	for _, want := range []string{
		`"renewalYear":2028`, `"window":{"from":"2027-01-01","to":"2027-12-31"}`, `"credentials":["CAM"]`,
		`"required":6`, `"counted":8.5`, `"met":true`, `"outstanding":0`,
		`"bySource":{"association":5.5,"other":4,"otherLimit":3,"otherCounted":3}`,
		`"compliance":{"counted":4.5,"minimum":1}`, `"shortfalls":[]`,
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("body lacks %s:\n%s", want, resp.Body)
		}
	}
	var body struct {
		Activities []map[string]any `json:"activities"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range body.Activities {
		got = append(got, strings.TrimSpace(strings.Join([]string{a["id"].(string), a["status"].(string), jsonNum(a["counts"]), str(a["reason"])}, " ")))
	}
	want := []string{"ACT-CORP refused 0 kind_not_accepted", "PRG-FAIR counted 4.5", "ACT-BOARD1 capped 1 per_item_cap", "ACT-COLLEGE counted 4"}
	if !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
	fair := body.Activities[1]
	if fair["source"] != "program" || fair["kind"] != "association_course" || fair["category"] != "association" ||
		fair["date"] != "2027-03-10" || fair["hours"] != 4.5 || fair["compliance"] != true || fair["organisation"] != `=HYPERLINK("http://x")` {
		t.Fatalf("credited program %v", fair)
	}
	if corp := body.Activities[0]; corp["message"] == nil || corp["category"] != nil {
		t.Fatalf("a refused kind needs its message and has no category: %v", corp)
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func TestCecAPI_StatusWithoutCredential(t *testing.T) {
	api := newCecAPI(t)
	resp := cecCall(t, api, "/holders/me/status", "bo", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	conforms(t, "/holders/me/status", resp)
	for _, want := range []string{`"renewalYear":2028`, `"credentials":[]`, `"required":0`, `"met":false`, `"standing":"no_credentials"`, `"compliance":{"counted":0,"minimum":0}`, `"activities":[]`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("body lacks %s:\n%s", want, resp.Body)
		}
	}
}

func TestCecAPI_Transcript(t *testing.T) {
	api := newCecAPI(t)
	t.Run("JSON", func(t *testing.T) {
		target := "/holders/me/transcript?year=2028"
		resp := cecCall(t, api, target, "ana", "application/json")
		if resp.StatusCode != 200 || resp.Headers["content-type"] != "application/json" {
			t.Fatalf("%d %s: %s", resp.StatusCode, resp.Headers["content-type"], resp.Body)
		}
		conforms(t, target, resp)
		var body struct {
			RenewalYear int
			Window      struct{ From, To string }
			Entries     []struct {
				ID    string
				Hours cec.Hours
			}
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		if body.RenewalYear != 2028 || body.Window.From != "2027-01-01" || len(body.Entries) != 4 || body.Entries[1].Hours != cec.Hours(450) {
			t.Fatalf("transcript %+v", body)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		resp := cecCall(t, api, "/holders/me/transcript?year=2028", "ana", "text/csv")
		if resp.StatusCode != 200 || resp.Headers["content-type"] != "text/csv; charset=utf-8" || resp.IsBase64Encoded {
			t.Fatalf("%d %s base64=%v: %s", resp.StatusCode, resp.Headers["content-type"], resp.IsBase64Encoded, resp.Body)
		}
		if cd := resp.Headers["content-disposition"]; cd != `attachment; filename="cec-transcript-2028.csv"` {
			t.Fatalf("content-disposition %q", cd)
		}
		rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, resp.Body)
		}
		want := [][]string{
			{"Date", "Source", "Kind", "Title", "Organisation", "Hours", "Compliance", "Status", "Counts", "Reason"},
			{"2027-02-01", "self", "corporate_in_house_training", "In-house", "Employer", "2", "no", "refused", "0", "kind_not_accepted"},
			{"2027-03-10", "program", "association_course", `Fair Housing, "2027"`, `'=HYPERLINK("http://x")`, "4.5", "yes", "counted", "4.5", ""},
			{"2027-04-01", "self", "association_board", "Board seat", "Local Affiliate", "2", "no", "capped", "1", "per_item_cap"},
			{"2027-09-01", "self", "college_course", "Real Estate Law\nPart 1", "State U", "4", "no", "counted", "4", ""},
		}
		if !slices.EqualFunc(rows, want, slices.Equal) {
			t.Fatalf("rows\n got %q\nwant %q", rows, want)
		}
		if !strings.HasPrefix(resp.Body, strings.Join(want[0], ",")+"\r\n") {
			t.Fatalf("header line %q", strings.SplitN(resp.Body, "\n", 2)[0])
		}
	})
	t.Run("CSVEmpty", func(t *testing.T) {
		resp := cecCall(t, api, "/holders/me/transcript?year=2100", "ana", "text/csv")
		if resp.StatusCode != 200 || resp.Body != "Date,Source,Kind,Title,Organisation,Hours,Compliance,Status,Counts,Reason\r\n" {
			t.Fatalf("%d %q", resp.StatusCode, resp.Body)
		}
	})
}

func TestCecAPI_Errors(t *testing.T) {
	api := newCecAPI(t)
	tests := []struct {
		name   string
		target string
		caller string
		status int
		code   string
		field  string
	}{
		{"ErrYearNotANumber", "/holders/me/status?year=next", "ana", 400, "invalid_request", "year"},
		{"ErrYearTooEarly", "/holders/me/status?year=1999", "ana", 400, "invalid_request", "year"},
		{"ErrYearTooLate", "/holders/me/transcript?year=2101", "ana", 400, "invalid_request", "year"},
		{"ErrYearFraction", "/holders/me/transcript?year=2028.5", "ana", 400, "invalid_request", "year"},
		{"ErrAnonymous", "/holders/me/status", "", 401, "unauthenticated", ""},
		{"ErrProvider", "/holders/me/status", "provider", 403, "forbidden", ""},
		{"ErrStaff", "/holders/me/transcript", "staff", 403, "forbidden", ""},
		{"ErrNoHolderAccount", "/holders/me/transcript", "nobody", 404, "holder_not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := cecCall(t, api, tt.target, tt.caller, "text/csv")
			var e progErrorBody
			if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || resp.StatusCode != tt.status || e.Error.Code != tt.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tt.status, tt.code)
			}
			if resp.Headers["content-type"] != "application/json" {
				t.Fatalf("an error as %s", resp.Headers["content-type"])
			}
			if tt.field != "" && !slices.ContainsFunc(e.Error.Details, func(d fault.Detail) bool { return d.Field == tt.field }) {
				t.Fatalf("no detail on %s: %s", tt.field, resp.Body)
			}
			if tt.status != 401 {
				conforms(t, tt.target, resp)
			}
		})
	}
}

func TestWantsCSV(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"text/csv", true},
		{"TEXT/CSV; charset=utf-8", true},
		{"application/json", false},
		{"*/*", false},
		{"text/csv, application/json", false}, // a tie: JSON
		{"text/csv, application/json;q=0.9", true},
		{"text/csv;q=0.5, application/json", false},
		{"text/*, application/json;q=0.1", true},
		{"text/csv;q=0", false},
		{"text/csv;q=0, */*", false},
		{"text/csv;q=bogus", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"text/csv, */*;q=0.1", true},
		{",,;;garbage, text/csv", true},
	}
	for _, tt := range tests {
		if got := wantsCSV(tt.accept); got != tt.want {
			t.Errorf("wantsCSV(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestSpreadsheetText(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Fair Housing": "Fair Housing", "=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "Ørsted": "Ørsted",
	} {
		if got := spreadsheetText(in); got != want {
			t.Errorf("spreadsheetText(%q) = %q, want %q", in, got, want)
		}
	}
}
