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
	s.approvedSubmission(t, ana, staff, 2028, []any{
		activity("association_board", "Board A", "Board A", "2027-02-01", "appointment_letter", 1),
		activity("association_board", "Board B", "Board B", "2027-02-02", "appointment_letter", 1),
		activity("legislative_event", "Capitol Day", "Metro Apartment Association", "2027-03-20", "promotional_piece", 1),
		activity("association_course", "Leasing law", "Metro Apartment Association", "2027-04-02", "certificate_of_completion", 3),
		activity("college_course", "Finance 101", "State University", "2027-05-02", "certificate_of_completion", 3)})

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

// TestBrowser_BRPTPolicy: the stack run on
// policy/examples/brpt-recertification.yaml shows a holder's own 5-year
// cycle in the forms (issue 18), on a phone: the status opens on the cycle
// due on the holder's anniversary, with its dates and the caps' words and
// no split by source the policy does not have; the year field says renewals
// follow the anniversary; a submission for a year without a renewal is
// refused on the field, saying which year is; staff's record lists the
// holder's cycles, not calendar years. Axe-clean at both widths.
func TestBrowser_BRPTPolicy(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-09-01T09:00:00-04:00", PolicyFile: "../../policy/examples/brpt-recertification.yaml"})
	staff := s.token(t, "office", "staff", "office@example.org")
	ana := s.token(t, "ana", "holder", "ana@example.com")
	var h struct{ HolderID string }
	s.api(t, "POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &h)
	s.api(t, "PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "RPSGT", "earnedOn": "2022-12-20"}}}, 200, nil)
	activity := func(kind, title, date, doc string, hours float64) map[string]any {
		return map[string]any{"kind": kind, "title": title, "organisation": "Sleep Academy", "date": date, "hours": hours, "compliance": false,
			"documentation": map[string]any{"type": doc, "reference": "ref " + title}}
	}
	s.approvedSubmission(t, ana, staff, 2027, []any{
		activity("online_course", "Scoring A", "2023-02-01", "certificate_of_completion", 20),
		activity("online_course", "Scoring B", "2024-02-01", "certificate_of_completion", 12),
		activity("journal_self_study", "Journal quizzes", "2025-06-01", "quiz_score_report", 16),
		activity("inservice", "Night shift in-service", "2026-01-10", "inservice_sign_in_sheet", 4),
		activity("college_course", "Physiology", "2026-03-02", "certificate_of_completion", 1)})

	p := s.person(t, "holder", true)
	p.signIn(t, "holder", "ana", "ana@example.com")
	p.open(t, "#/holder/status")
	// The portal wears BRPT's colours (its policy's), not the shipped ones.
	if bg := eval[string](t, p, "read the header's colour", `getComputedStyle(document.querySelector(".top")).backgroundColor`); bg != "rgb(0, 90, 112)" {
		t.Fatalf("the header's colour %q, want BRPT's #005a70", bg)
	}
	// And its logo, from the brand folder beside its policy, loaded.
	if w := eval[int](t, p, "read the logo's width", `(document.querySelector("#brand img.logo") || {}).naturalWidth || 0`); w == 0 {
		t.Fatal("the header shows no BRPT logo")
	}
	p.waitText(t, "main h2", "Renewal 2027")
	p.waitText(t, "#status-window", "CECs earned from Tue, Dec 20, 2022 to Sun, Dec 19, 2027 count; the renewal is due on Mon, Dec 20, 2027")
	p.waitText(t, "#status-required", "50")
	p.waitText(t, "#status-met", "Your CECs meet the requirement")
	p.waitText(t, `#status-activities tr[data-status=capped]`, "Online courses (live online or recorded) count at most 30 CECs together in a 5-year cycle")
	if hint := p.text(t, "main form .hint"); !strings.Contains(hint, "You renew every 5 years, on the anniversary of the day you earned your first credential") {
		t.Fatalf("the year field's hint: %q", hint)
	}
	if page := p.text(t, "main"); strings.Contains(page, "Association sources") || strings.Contains(page, "Compliance") {
		t.Fatalf("the page splits by sources or counts toward a minimum the policy does not have:\n%s", page)
	}
	p.review(t)

	// A submission for 2026, a year without a renewal of hers.
	p.open(t, "#/holder/submit?year=2026")
	p.waitText(t, "#running-other-year", "You have no renewal due in 2026. Your next is the 2027 renewal, due on Mon, Dec 20, 2027.")
	a := `#submission-form [name="activities[0].`
	for _, f := range [][2]string{{`kind"]`, "college_course"}, {`title"]`, "Pharmacology"}, {`organisation"]`, "State University"},
		{`date"]`, "2026-04-01"}, {`hours"]`, "3"}, {`documentation.type"]`, "certificate_of_completion"}} {
		p.fill(t, a+f[0], f[1])
	}
	p.click(t, "#submission-form button[type=submit]")
	if got := p.errorOf(t, "#submission-form [name=year]"); !strings.Contains(got, "Your next is due on December 20, 2027") || !strings.Contains(got, "enter 2027") {
		t.Fatalf("the year's error: %q", got)
	}
	// The way out the running total offers: the holder's renewal year.
	p.click(t, "#running-use-year")
	p.waitText(t, "#running-heading", "Your running total for the 2027 renewal")
	if y := eval[string](t, p, "read the year", `document.querySelector("#submission-form [name=year]").value`); y != "2027" {
		t.Fatalf("the year field says %q after choosing the holder's renewal", y)
	}
	if eval[bool](t, p, "look for rules", `!!document.querySelector("#running-rules")`) {
		t.Fatal("the running total lists minimums the policy does not set")
	}

	// Staff's record of the holder: her cycle, and the one before it is
	// none (she earned the credential in 2022): one row.
	o := s.person(t, "staff", false)
	o.signIn(t, "staff", "office", "office@example.org")
	o.open(t, "#/staff/holders/"+h.HolderID)
	o.waitText(t, "#record-years", "Tue, Dec 20, 2022 to Sun, Dec 19, 2027")
	if n := eval[int](t, o, "count the years", `document.querySelectorAll("#record-years tbody tr").length`); n != 1 {
		t.Fatalf("%d rows of renewal years, want the one cycle", n)
	}
	o.review(t)
}

// approvedSubmission submits activities for year as holder, waits for the
// submission to reach staff's review, and approves it as staff.
func (s *suite) approvedSubmission(t *testing.T, holder, staff string, year int, activities []any) {
	t.Helper()
	var sub struct{ SubmissionID, Status string }
	s.api(t, "POST", "/holders/me/submissions", holder, map[string]any{"year": year, "activities": activities}, 201, &sub)
	for deadline := time.Now().Add(15 * time.Second); sub.Status != "in_review"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the submission is %s after 15 s", sub.Status)
		}
		s.api(t, "GET", "/holders/me/submissions/"+sub.SubmissionID, holder, nil, 200, &sub)
	}
	s.api(t, "POST", "/submissions/"+sub.SubmissionID+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)
}
