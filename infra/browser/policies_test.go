package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_NAAEIPolicy: the stack run on policy/examples/naaei-2021.yaml
// shows that body's rules in the forms (issue 18), on a phone: a CAM and
// CALP holder owes 8 CECs; the year field says the window is the 12 months
// before the due date; of two boards and a legislative event, the event is
// capped by the participation group, in words; the page is axe-clean at
// both widths.
func TestBrowser_NAAEIPolicy(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-09-01T09:00:00-04:00", PolicyFile: "../../policy/examples/naaei-2021.yaml"})
	staff := s.token(t, "office", "staff", "office@example.org")
	ana := s.token(t, "ana", "holder", "ana@example.com")
	var h struct{ HolderID string }
	s.api(t, "POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &h)
	s.api(t, "PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}, map[string]any{"code": "CALP", "earnedOn": "2021-06-01"}}}, 200, nil)
	activity := func(kind, title, org, date, doc string, hours float64) map[string]any {
		return map[string]any{"kind": kind, "title": title, "organisation": org, "date": date, "hours": hours, "compliance": false,
			"documentation": map[string]any{"type": doc, "reference": "ref " + title}}
	}
	var sub struct{ SubmissionID, Status string }
	s.api(t, "POST", "/holders/me/submissions", ana, map[string]any{"year": 2028, "activities": []any{
		activity("association_board", "Board A", "Board A", "2027-02-01", "appointment_letter", 1),
		activity("association_board", "Board B", "Board B", "2027-02-02", "appointment_letter", 1),
		activity("legislative_event", "Capitol Day", "Metro Apartment Association", "2027-03-20", "promotional_piece", 1),
		activity("association_course", "Leasing law", "Metro Apartment Association", "2027-04-02", "certificate_of_completion", 3),
		activity("college_course", "Finance 101", "State University", "2027-05-02", "certificate_of_completion", 3)}}, 201, &sub)
	for deadline := time.Now().Add(15 * time.Second); sub.Status != "in_review"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the submission is %s after 15 s", sub.Status)
		}
		s.api(t, "GET", "/holders/me/submissions/"+sub.SubmissionID, ana, nil, 200, &sub)
	}
	s.api(t, "POST", "/submissions/"+sub.SubmissionID+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)

	p := s.person(t, "holder", true)
	p.signIn(t, "holder", "ana", "ana@example.com")
	p.open(t, "#/holder/status?year=2028")
	p.waitText(t, "#status-required", "8")
	p.waitText(t, "#status-met", "Your CECs meet the requirement")
	p.waitText(t, `#status-activities tr[data-status=capped]`, "Association participation (legislative events, instructing without pay, boards and committees) count at most 2 CECs together")
	if hint := p.text(t, "main form .hint"); !strings.Contains(hint, "the 12 months before it is due") {
		t.Fatalf("the year field's hint: %q", hint)
	}
	// NAAEI sets no compliance minimum: the page does not count toward one.
	if page := p.text(t, "main"); strings.Contains(page, "Compliance") {
		t.Fatalf("the page speaks of a compliance minimum the policy does not set:\n%s", page)
	}
	p.review(t)
}
