package main

import (
	"testing"
	"time"
)

// TestLocalStack_Compliance: the dashboard's CEC compliance of the coming
// renewal follows the holders' CECs as they change: Ana's 2027 invoice is
// issued short; staff approve her submission of six CECs, and the
// renewals queue judges her again (the decision's message): she counts as
// met. Run on the embedded store and on the AWS backend in moto.
func TestLocalStack_Compliance(t *testing.T) {
	for _, backend := range []string{"embedded", "aws"} {
		t.Run(backend, func(t *testing.T) {
			st := startStackOn(t, backend)
			c := &client{t: t, base: st.URL}
			c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-11-10T10:00:00-05:00"}, 200, nil)
			staff := c.token("sub-staff", "staff", "office@example.org")
			ana := c.token("sub-ana", "holder", "ana@example.com")
			var h struct{ HolderID string }
			c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &h)
			c.do("PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
				"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
			c.waitForRenewal(ana, 2027)
			type compliance struct {
				Year, Met, Short int
				ShortBy          []struct {
					Key   string
					Value int
				}
			}
			figure := func() compliance {
				var f struct{ Compliance compliance }
				c.do("GET", "/dashboard", staff, nil, 200, &f)
				return f.Compliance
			}
			if got := figure(); got.Year != 2027 || got.Met != 0 || got.Short != 1 || len(got.ShortBy) == 0 || got.ShortBy[0].Key != "total" {
				t.Fatalf("at issue: %+v", got)
			}
			var sub struct{ SubmissionID string }
			c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2027, "activities": []any{map[string]any{
				"kind": "association_course", "title": "Fair housing", "organisation": "Chapter 7", "date": "2026-06-01", "hours": 6,
				"compliance": true, "documentation": map[string]any{"type": "certificate_of_completion", "reference": "cert-1"}}}}, 201, &sub)
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				status, _ := c.raw("POST", "/submissions/"+sub.SubmissionID+"/decision", staff, "application/json", `{"decision":"approve"}`)
				if status == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the submission could not be decided: %d", status)
				}
			}
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				got := figure()
				if got.Met == 1 && got.Short == 0 && len(got.ShortBy) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("15 s after the approval: %+v, want Ana met", got)
				}
			}
		})
	}
}
