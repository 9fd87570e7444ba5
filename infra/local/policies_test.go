package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalStack_NAAEI2021Policy: the stack run with
// POLICY_FILE=policy/examples/naaei-2021.yaml applies those rules through
// the API (issue 18): a CAM holder owes 8 CECs with at least 5 in-network;
// a submission of 4 in-network and 4 other is refused by rule, each
// shortfall in words; association participation counts at most 2 CECs
// together; 5 in-network and 3 other are taken.
func TestLocalStack_NAAEI2021Policy(t *testing.T) {
	st := startStack(t, map[string]string{"POLICY_FILE": filepath.Join("..", "..", "policy", "examples", "naaei-2021.yaml")})
	c := &client{t: t, base: st.URL}
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-09-01T09:00:00-04:00"}, 200, nil)
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}, map[string]any{"code": "CALP", "earnedOn": "2021-06-01"}}}, 200, nil)

	activity := func(kind, title, org, date string, hours float64) map[string]any {
		doc := "certificate_of_completion"
		switch kind {
		case "association_board", "association_instruction":
			doc = "appointment_letter"
		case "legislative_event":
			doc = "promotional_piece"
		}
		return map[string]any{"kind": kind, "title": title, "organisation": org, "date": date, "hours": hours, "compliance": false,
			"documentation": map[string]any{"type": doc, "reference": "ref-" + title}}
	}
	var status struct {
		Required float64
		Window   struct{ From, To string }
	}
	c.do("GET", "/holders/me/status?year=2028", ana, nil, 200, &status)
	if status.Required != 8 || status.Window.From != "2027-01-01" || status.Window.To != "2027-12-31" {
		t.Fatalf("CAM and CALP's 2028 status: %+v, want 8 CECs earned in 2027", status)
	}

	type problem struct {
		Error struct {
			Code    string
			Details []struct{ Field, Code, Message string }
		}
	}
	// 4 in-network and 4 other: other counts 3 at most (8 − CAM's 5), so 7.
	var refused problem
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2028, "activities": []any{
		activity("association_course", "Leasing law", "Metro Apartment Association", "2027-03-02", 4),
		activity("college_course", "Finance 101", "State University", "2027-04-02", 4)}}, 422, &refused)
	messages := map[string]string{}
	for _, d := range refused.Error.Details {
		messages[d.Field] = d.Message
	}
	if refused.Error.Code != "requirement_not_met" || !strings.Contains(messages["total"], "1 CEC missing") ||
		!strings.Contains(messages["association_minimum"], "at least 5 CECs must come from association sources; 4 do") {
		t.Fatalf("refusal %+v", refused)
	}

	// Participation: two boards and a legislative event count 2 together.
	var sub struct {
		Activities []struct {
			Title   string
			Verdict struct{ Status, Reason, Message string }
		}
	}
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2028, "activities": []any{
		activity("association_board", "Board A", "Board A", "2027-02-01", 1),
		activity("association_board", "Board B", "Board B", "2027-02-02", 1),
		activity("legislative_event", "Capitol Day", "Metro Apartment Association", "2027-03-20", 1),
		activity("association_course", "Leasing law", "Metro Apartment Association", "2027-04-02", 3),
		activity("college_course", "Finance 101", "State University", "2027-05-02", 3)}}, 201, &sub)
	var capped string
	for _, a := range sub.Activities {
		if a.Title == "Capitol Day" {
			capped = a.Verdict.Status + " " + a.Verdict.Reason + ": " + a.Verdict.Message
		}
	}
	if !strings.HasPrefix(capped, "capped group_cap: Association participation") || !strings.Contains(capped, "at most 2 CECs together") {
		t.Fatalf("the legislative event after two boards: %q", capped)
	}
}

// TestLocalStack_BRPTPolicy: the stack run with
// POLICY_FILE=policy/examples/brpt-recertification.yaml follows each
// holder's own 5-year cycle (issue 18): an RPSGT earned on 20 December 2022
// is due on 20 December 2027, its status, invoice and reminders say so; a
// submission for another year is refused in words; online courses count at
// most 30 CECs together, journals 15, and an online course taken twice
// counts once.
func TestLocalStack_BRPTPolicy(t *testing.T) {
	st := startStack(t, map[string]string{"POLICY_FILE": filepath.Join("..", "..", "policy", "examples", "brpt-recertification.yaml")})
	c := &client{t: t, base: st.URL}
	at := func(now string) { c.do("PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil) }
	at("2027-09-01T09:00:00-04:00")
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "RPSGT", "earnedOn": "2022-12-20"}}}, 200, nil)

	type status struct {
		RenewalYear int
		DueOn       string
		Required    float64
		Window      struct{ From, To string }
	}
	for _, path := range []string{"/holders/me/status", "/holders/me/status?year=2025", "/holders/" + id + "/status"} {
		var s status
		token := ana
		if strings.HasPrefix(path, "/holders/H") {
			token = staff
		}
		c.do("GET", path, token, nil, 200, &s)
		if s.RenewalYear != 2027 || s.DueOn != "2027-12-20" || s.Required != 50 || s.Window.From != "2022-12-20" || s.Window.To != "2027-12-19" {
			t.Fatalf("GET %s: %+v, want the cycle from 20 December 2022, due 20 December 2027, 50 CECs", path, s)
		}
	}
	// Invoiced 120 days before the due date: already, so at once.
	inv := c.waitForRenewal(ana, 2027)["invoice"].(map[string]any)
	if inv["dueOn"] != "2027-12-20" || inv["graceUntil"] != "2028-02-18" {
		t.Fatalf("invoice %+v, want due 20 December 2027, grace to 18 February 2028", inv)
	}

	activity := func(kind, title, date string, hours float64) map[string]any {
		doc := "certificate_of_completion"
		if kind == "inservice" {
			doc = "inservice_sign_in_sheet"
		}
		return map[string]any{"kind": kind, "title": title, "organisation": "Sleep Academy", "date": date, "hours": hours, "compliance": false,
			"documentation": map[string]any{"type": doc, "reference": "ref-" + title}}
	}
	var refused struct {
		Error struct {
			Code    string
			Details []struct{ Field, Code, Message string }
		}
	}
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2026, "activities": []any{
		activity("college_course", "Physiology", "2026-03-02", 40)}}, 422, &refused)
	if refused.Error.Code != "not_a_renewal_year" || len(refused.Error.Details) != 1 || refused.Error.Details[0].Field != "year" ||
		refused.Error.Details[0].Message != "You have no renewal due in 2026. Your next is due on December 20, 2027, for CECs earned from December 20, 2022 to December 19, 2027: enter 2027." {
		t.Fatalf("a submission for 2026: %+v", refused)
	}

	// Online 20 + 12 (10 counts: 30 together), the first again (counts
	// once), journal 16 (15 counts), in-service 4, college 1: 50.
	var sub struct {
		Activities []struct {
			Title   string
			Verdict struct{ Status, Reason, Message string }
		}
	}
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2027, "activities": []any{
		activity("online_course", "Scoring A", "2023-02-01", 20),
		activity("online_course", "Scoring B", "2024-02-01", 12),
		activity("online_course", "scoring a", "2025-02-01", 2),
		activity("journal_self_study", "Journal quizzes", "2025-06-01", 16),
		activity("inservice", "Night shift in-service", "2026-01-10", 4),
		activity("college_course", "Physiology", "2026-03-02", 1)}}, 201, &sub)
	verdicts := map[string]string{}
	for _, a := range sub.Activities {
		verdicts[a.Title] = a.Verdict.Status + " " + a.Verdict.Reason + ": " + a.Verdict.Message
	}
	for title, want := range map[string]string{
		"Scoring B":       "capped group_cap: Online courses (live online or recorded) count at most 30 CECs together in a 5-year cycle",
		"scoring a":       "refused counted_once: ",
		"Journal quizzes": "capped year_cap: Journal article quiz or other self-study counts at most 15 CECs in a 5-year cycle",
	} {
		if !strings.HasPrefix(verdicts[title], want) {
			t.Errorf("%s: %q, want %q…", title, verdicts[title], want)
		}
	}

	// Reminders on the holder's own dates: 30 days before 20 December the
	// invoice and the CECs (not approved yet); 14 days before the grace
	// ends (18 February 2028), the lapse.
	wait := func(subject string) email {
		t.Helper()
		for range 300 {
			c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
			for _, e := range c.emails("ana@example.com") {
				if strings.Contains(e.Subject, subject) {
					return e
				}
			}
			c.waitALittle()
		}
		t.Fatalf("no email to ana@example.com about %q", subject)
		return email{}
	}
	at("2027-11-20T10:00:00-05:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	wait("Your 2027 renewal is due on 2027-12-20")
	if e := wait("Your 2027 renewal: CECs still outstanding"); !strings.Contains(e.Text, "from December 20, 2022 to December 19, 2027") {
		t.Errorf("the CEC reminder does not say the cycle:\n%s", e.Text)
	}
	at("2028-02-04T10:00:00-05:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	wait("Your 2027 credentials lapse after 2028-02-18")
}
