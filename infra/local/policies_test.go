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
