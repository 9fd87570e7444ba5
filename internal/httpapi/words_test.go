package httpapi

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// TestLabels_EveryRequestField: every property of every JSON request body
// in openapi.yaml has a label (x-labels), so that no problem a person reads
// names a field by its JSON name.
func TestLabels_EveryRequestField(t *testing.T) {
	var walk func(where string, s *contract.Schema)
	walk = func(where string, s *contract.Schema) {
		if s == nil {
			return
		}
		for name, p := range s.Properties {
			if s.Labels[name] == "" {
				t.Errorf("%s.%s has no label: add it to the schema's x-labels", where, name)
			}
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
	}
	for _, op := range generatedContract().Operations {
		if op.Body == nil {
			continue
		}
		for _, m := range op.Body.Content {
			if contract.IsJSON(m.Type) && op.Path != "/webhooks/payments" {
				walk(op.Method+" "+op.Path, m.Schema)
			}
		}
		for _, p := range op.Params {
			if p.In != "header" && p.Label == "" {
				t.Errorf("%s %s: parameter %q has no x-label", op.Method, op.Path, p.Name)
			}
		}
	}
}

// apiTerms are what a person must never read in a problem: the API's own
// words and names of fields as JSON spells them.
var apiTerms = regexp.MustCompile(`\b(?i:property|properties|contract|schema|payload|json|null)\b|\b[a-z]+[A-Z][A-Za-z]*\b|\b[a-z]+_[a-z]+\b`)

func TestWordDetail(t *testing.T) {
	c := generatedContract()
	op := func(method, path string) *contract.Operation { return c.Operation(method, path) }
	for _, tc := range []struct {
		name  string
		op    *contract.Operation
		d     fault.Detail
		want  string
		media string
	}{
		{"Required", op("POST", "/providers"), fault.Detail{Field: "name", Code: "required", Message: `property "name" is missing`}, "Enter the organisation's name", ""},
		{"RequiredNested", op("POST", "/providers"), fault.Detail{Field: "address.city", Code: "required"}, "Enter the town or city", ""},
		{"DomainEmail", op("POST", "/providers"), fault.Detail{Field: "email", Code: "invalid_email", Message: "must be a plain email address such as ana@example.com"},
			"Enter the organisation's email address in the correct format, like name@example.org", ""},
		{"Pattern", op("POST", "/providers"), fault.Detail{Field: "address.country", Code: "pattern", Message: "is not in the expected form"},
			"Enter the country code in the correct format, like US", ""},
		{"MaxLength", op("POST", "/programs"), fault.Detail{Field: "title", Code: "max_length", Message: "maximum string length is 200"},
			"The program's title must be 200 characters or fewer", ""},
		{"Enum", op("POST", "/programs"), fault.Detail{Field: "format", Code: "enum"}, "Choose the format from the list", ""},
		{"EnumWhether", op("POST", "/programs/{programId}/decision"), fault.Detail{Field: "decision", Code: "enum"}, "Choose whether to approve or reject", ""},
		{"Boolean", op("POST", "/programs"), fault.Detail{Field: "compliance", Code: "type"}, "Enter whether it addresses legislative or regulatory compliance as yes or no", ""},
		{"ItemNumber", op("POST", "/holders/me/submissions"), fault.Detail{Field: "activities[1].title", Code: "required", Message: "is required"},
			"Enter the title of activity 2", ""},
		{"ItemNumberContractPath", op("POST", "/holders/me/submissions"), fault.Detail{Field: "activities.2.documentation.reference", Code: "required"},
			"Enter the certificate number of activity 3", ""},
		{"DomainFragment", op("POST", "/holders/me/submissions"), fault.Detail{Field: "activities[0].hours", Code: "out_of_range", Message: "must be at most 60 CECs for one activity"},
			"The hours (CECs) of activity 1 must be at most 60 CECs for one activity", ""},
		{"FutureDate", op("POST", "/holders/me/submissions"), fault.Detail{Field: "activities[0].date", Code: "future_date"},
			"The date of activity 1 must be today or in the past", ""},
		{"Param", op("GET", "/holders/me/status"), fault.Detail{Field: "year", Code: "minimum", Message: "number must be at least 2000"},
			"The renewal year must be 2000 or more", ""},
		{"DomainSentenceKept", op("GET", "/directory"), fault.Detail{Field: "q", Code: "too_short", Message: "Enter at least 2 letters of a last name, or a holder ID"},
			"Enter at least 2 letters of a last name, or a holder ID", ""},
		{"UnknownFieldNamed", op("POST", "/providers"), fault.Detail{Field: "fax", Code: "unknown_field", Message: `unknown field "fax"`}, `Unknown field "fax"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.op == nil {
				t.Fatal("no such operation")
			}
			media := tc.media
			if media == "" && tc.op.Body != nil {
				media = "application/json"
			}
			got := wordDetail(tc.op, media, tc.d)
			if got != tc.want {
				t.Fatalf("wordDetail = %q, want %q", got, tc.want)
			}
			if tc.d.Code != "unknown_field" && apiTerms.MatchString(got) {
				t.Errorf("%q holds an API term: %q", got, apiTerms.FindString(got))
			}
		})
	}
}

// TestAPI_EveryProblemAtOnce: a form with fields missing and others
// malformed hears of all of them in one answer, in words, each on its field
// (issue 14): the contract's problems and the service's own.
func TestAPI_EveryProblemAtOnce(t *testing.T) {
	api, _ := newDirectoryAPI(t)
	resp := dirCall(t, api, "POST", "/providers", "p1", `{"email":"not-an-email","phone":"12","address":{"line1":"9 K St","country":"USA"}}`)
	if resp.StatusCode != 400 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var body struct {
		Error struct {
			Message string
			Details []struct{ Field, Code, Message string }
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range body.Error.Details {
		if _, dup := got[d.Field]; dup {
			t.Errorf("two problems on %s", d.Field)
		}
		got[d.Field] = d.Message
		if apiTerms.MatchString(d.Message) {
			t.Errorf("%s: %q holds an API term", d.Field, d.Message)
		}
	}
	want := map[string]string{
		"name":            "Enter the organisation's name",
		"contactName":     "Enter the contact person's name",
		"email":           "Enter the organisation's email address in the correct format, like name@example.org",
		"phone":           "Enter the organisation's phone number in the correct format, like +1 703 555 0100",
		"address.city":    "Enter the town or city",
		"address.country": "Enter the country code in the correct format, like US",
	}
	if !maps.Equal(got, want) || body.Error.Message != "There is a problem" {
		t.Fatalf("%q with\n%v\nwant every problem at once:\n%v", body.Error.Message, got, want)
	}
}

// TestAPI_CheckOnly: checkOnly=true answers what the operation's field
// checks find, the contract's and the service's, and never reaches the
// handler: the fake store has no CreateProvider, so a call would be a 500.
func TestAPI_CheckOnly(t *testing.T) {
	api, _ := newDirectoryAPI(t)
	const good = `{"name":"Acme","contactName":"Dee","email":"desk@acme.example","phone":"+1 202 555 0142","address":{"line1":"9 K St","city":"Washington","country":"US"}}`
	for _, tc := range []struct {
		name, target, body string
		status             int
		fields             []string
	}{
		{"WellFormed", "/providers?checkOnly=true", good, 204, nil},
		{"ServiceCheck", "/providers?checkOnly=true", strings.Replace(good, "+1 202 555 0142", "12", 1), 400, []string{"phone"}},
		{"ContractAndService", "/providers?checkOnly=true", `{"email":"x","phone":"12","address":{"line1":"9 K St","country":"USA"}}`, 400,
			[]string{"address.city", "address.country", "contactName", "email", "name", "phone"}},
		{"NotABoolean", "/providers?checkOnly=yes", good, 400, []string{"checkOnly"}},
		{"False", "/providers?checkOnly=false", good, 500, nil}, // reaches the store, which the fake lacks
		// Every spelling the contract takes as true checks only.
		{"One", "/providers?checkOnly=1", good, 204, nil},
		{"Upper", "/providers?checkOnly=TRUE", good, 204, nil},
		{"EmptyThenTrue", "/providers?checkOnly=&checkOnly=true", good, 204, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := dirCall(t, api, "POST", tc.target, "p1", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.status == 204 && resp.Body != "" {
				t.Fatalf("a body with 204: %q", resp.Body)
			}
			if tc.status != 400 {
				return
			}
			var body struct {
				Error struct{ Details []struct{ Field string } }
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, d := range body.Error.Details {
				fields = append(fields, d.Field)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tc.fields) {
				t.Fatalf("problems on %v, want %v", fields, tc.fields)
			}
		})
	}
}
