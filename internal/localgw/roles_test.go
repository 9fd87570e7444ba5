package localgw_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cecportal/cecportal/internal/localgw"
)

// mintGroups signs, with the local key, a token whose cognito:groups is
// groups (left out when nil).
func mintGroups(t *testing.T, groups any) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": localgw.DefaultIssuer, "aud": localgw.DefaultAudience, "sub": "user-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "token_use": "id"}
	if groups != nil {
		c[localgw.RolesClaim] = groups
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// groupsCases are role claims in tokens signed with the local key: those
// Cognito issues pass, to be rendered "[a b]" for the Lambda; those it
// never would (a group name with whitespace, a quote, a control
// character, or groups that are not an array of names) are refused like a
// forged token. Rendered by API Gateway, `["holder staff"]` would read as
// two groups and `["\"staff\""]` as the JSON array ["staff"].
var groupsCases = []struct {
	name     string
	groups   any    // nil: no claim
	rendered string // the claim the Lambda sees; "" when refused
}{
	{"HolderStaff", []string{"holder", "staff"}, "[holder staff]"},
	{"One", []string{"provider"}, "[provider]"},
	{"UnknownGroup", []string{"admins", "holder"}, "[admins holder]"},
	{"Empty", []string{}, "[]"},
	{"None", nil, ""},
	{"NameWithSpace", []string{"holder staff"}, ""},
	{"LeadingSpace", []string{" staff"}, ""},
	{"TrailingNewline", []string{"staff\n"}, ""},
	{"Quoted", []string{`"staff"`}, ""},
	{"Comma", []string{"holder,staff"}, ""},
	{"NUL", []string{"sta\x00ff"}, ""},
	{"EmptyName", []string{"holder", ""}, ""},
	{"NotAString", []any{"holder", 1}, ""},
	{"Nested", []any{[]string{"staff"}}, ""},
	{"StringClaim", " staff", ""},
	{"StringClaimPlain", "staff", ""},
	{"Object", map[string]any{"staff": true}, ""},
}

func TestVerifier_VerifyGroups(t *testing.T) {
	for _, tc := range groupsCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := localgw.NewVerifier(testKey).Verify(mintGroups(t, tc.groups))
			refused := tc.rendered == "" && tc.groups != nil
			switch {
			case !refused && err != nil:
				t.Fatalf("Verify: %v", err)
			case refused && !errors.Is(err, localgw.ErrGroupsRefused):
				t.Fatalf("Verify error = %v, want %v", err, localgw.ErrGroupsRefused)
			}
		})
	}
}

func TestGateway_GroupsOfToken(t *testing.T) {
	g := newGateway(t)
	for _, tc := range groupsCases {
		t.Run(tc.name, func(t *testing.T) {
			lambda := g.lambdas["GET /holders/me"]
			before := len(lambda.calls())
			req := g.request(t, "GET", "/holders/me", nil)
			req.Header.Set("Authorization", "Bearer "+mintGroups(t, tc.groups))
			resp, body := g.do(t, req)
			calls := lambda.calls()
			if tc.rendered == "" && tc.groups != nil {
				if resp.StatusCode != 401 || len(calls) != before {
					t.Fatalf("status %d, lambda calls %d: want 401 and no call: %s", resp.StatusCode, len(calls)-before, body)
				}
				return
			}
			if resp.StatusCode != 200 || len(calls) != before+1 {
				t.Fatalf("status %d, lambda calls %d: want 200 and one call: %s", resp.StatusCode, len(calls)-before, body)
			}
			got, present := calls[len(calls)-1].RequestContext.Authorizer.JWT.Claims[localgw.RolesClaim]
			if got != tc.rendered || present != (tc.groups != nil) {
				t.Errorf("claim %s = %q (present %v), want %q", localgw.RolesClaim, got, present, tc.rendered)
			}
		})
	}
}
