package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/cecportal/cecportal/internal/identity"
)

// FuzzRoleClaim: whatever a role claim holds, the roles read from it are
// plain group names that the claim spells exactly in one of the accepted
// shapes (one bare name, API Gateway's "[a b]", a JSON array of strings),
// and nothing else grants a role (issue 13, class 4).
func FuzzRoleClaim(f *testing.F) {
	for _, s := range []string{
		"staff", "[holder staff]", `["holder","staff"]`, "[staff]", "[]", "",
		" staff", "staff\n", `"staff"`, "holder staff", "[holder  staff]", "[ staff]", "holder,staff",
		`["staff "]`, "[sta\x00ff]", `["\"staff\""]`, `["sta\u0066f"]`, "Staff", "[holder staff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, claim string) {
		names, ok := parseRoles(claim)
		if !ok || len(names) == 0 {
			return
		}
		for _, n := range names {
			if !identity.ValidGroupName(n) {
				t.Fatalf("%q gave the name %q, which is not a plain group name", claim, n)
			}
		}
		if strings.ContainsFunc(claim, func(r rune) bool { return unicode.IsControl(r) || (unicode.IsSpace(r) && r != ' ') }) ||
			claim != strings.TrimSpace(claim) || strings.Contains(claim, "  ") || strings.Contains(claim, `\`) {
			t.Fatalf("%q was read as %q: a claim with other white space or escapes is no shape we accept", claim, names)
		}
		ag := "[" + strings.Join(names, " ") + "]"
		js, _ := json.Marshal(names)
		var loose []string
		jsonShape := json.Unmarshal([]byte(claim), &loose) == nil && slices.Equal(loose, names)
		if claim != ag && claim != string(js) && !(len(names) == 1 && claim == names[0]) && !jsonShape {
			t.Fatalf("%q was read as %q, though it is none of %q, %q or a JSON array of them", claim, names, ag, js)
		}
		// What API Gateway renders reads back the same.
		if again, ok := parseRoles(ag); !ok || !slices.Equal(again, names) {
			t.Fatalf("%q read back as %q, %v; want %q", ag, again, ok, names)
		}
	})
}
