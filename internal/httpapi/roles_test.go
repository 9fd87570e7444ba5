package httpapi_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestAPI_RoleClaim sends each shape a role claim can take to a signed-in
// route and checks the roles the handler sees: the shapes Cognito and API
// Gateway produce give their names, compared exactly; anything else gives
// no role at all, not even the well-formed names beside the bad one.
func TestAPI_RoleClaim(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		want  []string // nil: no role
	}{
		// Accepted shapes.
		{"BracketForm", "[holder staff]", []string{"holder", "staff"}},
		{"BracketFormOne", "[staff]", []string{"staff"}},
		{"BracketFormUnknownName", "[admins staff]", []string{"admins", "staff"}},
		{"BracketFormFederatedGroup", "[us-east-1_AbC123_Google holder]", []string{"us-east-1_AbC123_Google", "holder"}},
		{"JSONArray", `["holder","staff"]`, []string{"holder", "staff"}},
		{"JSONArrayOne", `["provider"]`, []string{"provider"}},
		{"JSONArraySpaced", `[ "holder", "staff" ]`, []string{"holder", "staff"}},
		{"SingleName", "staff", []string{"staff"}},
		{"SingleDottedName", "cec.staff-2", []string{"cec.staff-2"}},
		{"CaseKept", "Staff", []string{"Staff"}}, // not our staff: names compare exactly
		{"EmptyClaim", "", nil},
		{"EmptyBrackets", "[]", nil},

		// The four of issue 13, as a string claim carries them.
		{"LeadingSpace", " staff", nil},
		{"TrailingNewline", "staff\n", nil},
		{"Quoted", `"staff"`, nil},
		{"TwoNamesNoBrackets", "holder staff", nil},
		// The same as API Gateway renders them from an array claim.
		{"BracketLeadingSpace", "[ staff]", nil},
		{"BracketTrailingNewline", "[staff\n]", nil},
		{"BracketDoubleSpace", "[holder  staff]", nil},
		{"BracketTrailingSpace", "[holder ]", nil},
		{"BracketTab", "[holder\tstaff]", nil},
		{"BracketComma", "[holder,staff]", nil},
		{"BracketOnlySpace", "[ ]", nil},
		{"BracketNested", "[[staff]]", nil},
		{"BracketNUL", "[sta\x00ff]", nil},
		{"BracketQuotesUnbalanced", `["staff" holder]`, nil},
		{"CommaList", "holder,staff", nil},
		{"CommaListSpaced", "holder, staff", nil},
		{"SingleNUL", "sta\x00ff", nil},
		{"SingleControl", "staff\r", nil},
		{"SingleNonASCII", "stäff", nil},
		{"UnclosedBracket", "[holder staff", nil},
		{"UnopenedBracket", "holder staff]", nil},
		{"JSONSpaceInName", `["staff "]`, nil},
		{"JSONNameWithSpace", `["holder staff"]`, nil},
		{"JSONQuotedName", `["\"staff\""]`, nil},
		{"JSONEscapedName", `["\u0073taff"]`, nil},
		{"JSONEscapedNUL", `["sta\u0000ff"]`, nil},
		{"JSONEmptyName", `["holder",""]`, nil},
		{"JSONNull", `["holder",null]`, nil},
		{"JSONNumber", `["holder",1]`, nil},
		{"JSONObject", `[{"staff":true}]`, nil},
		{"JSONTrailingComma", `["holder","staff",]`, nil},
		{"JSONObjectClaim", `{"staff":true}`, nil},
		{"NameTooLong", strings.Repeat("s", 129), nil},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.log.Reset()
			resp, err := f.api.Handle(t.Context(), ev("POST /holders", "/holders", as("u1", tt.claim),
				jsonBody(`{"firstName":"Ada","lastName":"L","email":"a@example.test"}`)))
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, err %v: %s", resp.StatusCode, err, resp.Body)
			}
			got := f.h["POST /holders"].seen().Caller.Roles
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("roles of %q = %q, want %q", tt.claim, got, tt.want)
			}
			refused := tt.want == nil && tt.claim != "" && tt.claim != "[]"
			if logged := strings.Contains(f.log.String(), "role claim refused"); logged != refused {
				t.Errorf("role claim refused logged = %v, want %v: %s", logged, refused, f.log)
			}
		})
	}
}

// A refused claim grants no role: the routes of every role answer 403.
func TestAPI_RoleClaimRefusedIsForbidden(t *testing.T) {
	f := newFixture(t)
	for _, claim := range []string{" staff", "staff\n", `"staff"`, "holder staff", "[holder  staff]", "[ staff]", "holder,staff", "Staff", `["staff "]`} {
		for _, route := range [][2]string{{"GET /holders/{holderId}", "/holders/h_1"}, {"GET /directory", "/directory"}, {"GET /holders/me", "/holders/me"}} {
			resp, err := f.api.Handle(t.Context(), ev(route[0], route[1], as("u1", claim), func(e *events.APIGatewayV2HTTPRequest) {
				if route[0] == "GET /holders/{holderId}" {
					e.PathParameters = map[string]string{"holderId": "h_1"}
				}
			}))
			if err != nil || resp.StatusCode != 403 {
				t.Errorf("%s with claim %q: status %d, err %v, want 403", route[0], claim, resp.StatusCode, err)
			}
		}
	}
}
