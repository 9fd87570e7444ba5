package main

import (
	"strings"
	"testing"
	"time"
)

// dailyJobs runs the daily jobs over HTTP on whichever backend the stack
// runs, their pieces through the daily work queue (issue 16): on 20
// October a holder's credentials are recorded (no invoice yet); on 2
// November the renewal sweep issues the invoice; the reminders of 2
// December are missed, and the run of 3 December catches them up: the
// renewal and CEC reminders, once each.
func dailyJobs(t *testing.T, c *client, staff string) {
	t.Helper()
	at := func(now string) { c.do("PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil) }
	const addr = "dana.daily@example.com"
	dana := c.token("sub-dana-daily", "", addr)
	at("2026-10-20T05:00:00-04:00")
	var h struct{ HolderID string }
	c.do("POST", "/holders", dana, map[string]any{"firstName": "Dana", "lastName": "Daily", "email": addr}, 201, &h)
	c.do("PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.do("GET", "/holders/me/renewals/2027", dana, nil, 404, nil)

	// 05:00, before the stack's own schedule (06:00 and 07:00).
	at("2026-11-02T05:00:00-05:00")
	c.do("POST", "/dev/run/renewal-invoices", "", nil, 200, nil)
	c.waitForRenewal(dana, 2027)

	at("2026-11-30T05:00:00-05:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	at("2026-12-03T05:00:00-05:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	want := map[string]int{"Your 2027 renewal is due": 1, "CECs still outstanding": 1}
	for deadline := time.Now().Add(20 * time.Second); ; c.waitALittle() {
		c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
		got := map[string]int{}
		for _, e := range c.emails(addr) {
			for subject := range want {
				if strings.Contains(e.Subject, subject) {
					got[subject]++
				}
			}
		}
		if len(got) == len(want) && got["Your 2027 renewal is due"] == 1 && got["CECs still outstanding"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reminders to %s: %v, want %v", addr, got, want)
		}
	}
	time.Sleep(time.Second)
	c.waitForEmails(addr, 3) // the welcome and the two reminders, and no more
}

// TestLocalStack_DailyJobs: the daily jobs in pieces on the embedded stack.
func TestLocalStack_DailyJobs(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	dailyJobs(t, c, c.token("sub-office-daily", "staff", "office@example.org"))
}
