package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestAPI_FreeTextRule: every string of a JSON body and of the query is
// held to the one free-text rule at the edge, whatever its field, before any
// handler runs; a verbatim body (the payment provider's signed events) is
// not (issue 13, class 7).
func TestAPI_FreeTextRule(t *testing.T) {
	holder := as("h1", "[holder]")
	for _, tc := range []struct {
		name   string
		event  events.APIGatewayV2HTTPRequest
		fields []string // the refused fields; none: it reaches the handler
	}{
		{"Clean", ev("PUT /holders/me/contact", "/holders/me/contact", holder, jsonBody(`{"address":"9 K St\nSão Paulo"}`)), nil},
		{"BELInAddress", ev("PUT /holders/me/contact", "/holders/me/contact", holder, jsonBody(`{"address":"9 K\u0007 St"}`)), []string{"address"}},
		{"NestedNUL", ev("POST /holders", "/holders", holder,
			jsonBody(`{"firstName":"Ana","lastName":"Lima","email":"ana@example.com","contact":{"address":"9 K\u0000 St"}}`)), []string{"contact.address"}},
		{"OverrideAndEscape", ev("POST /holders", "/holders", holder,
			jsonBody(`{"firstName":"\u202eAna","lastName":"\u001b[2J","email":"ana@example.com"}`)), []string{"firstName", "lastName"}},
		{"QueryControl", ev("GET /directory", "/directory", as("p1", "[provider]"), func(e *events.APIGatewayV2HTTPRequest) {
			e.RawQueryString = "q=lim%07a"
			e.QueryStringParameters = map[string]string{"q": "lim\aa"}
		}), []string{"q"}},
		{"VerbatimWebhook", ev("POST /webhooks/payments", "/webhooks/payments",
			jsonBody(`{"id":"evt_1","data":{"object":{"customer_details":{"name":"Ana\u0007"}}}}`)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			resp, err := f.api.Handle(t.Context(), tc.event)
			if err != nil {
				t.Fatal(err)
			}
			if tc.fields == nil {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
				}
				return
			}
			var body struct {
				Error struct {
					Code    string
					Details []struct{ Field, Code string }
				}
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			var got []string
			for _, d := range body.Error.Details {
				if d.Code == "control_characters" {
					got = append(got, d.Field)
				}
			}
			if len(got) != len(tc.fields) {
				t.Fatalf("refused %v, want %v: %s", got, tc.fields, resp.Body)
			}
			for i := range got {
				if got[i] != tc.fields[i] {
					t.Fatalf("refused %v, want %v", got, tc.fields)
				}
			}
			for k, rec := range f.h {
				if rec.last != nil {
					t.Errorf("handler %s ran", k)
				}
			}
		})
	}
}
