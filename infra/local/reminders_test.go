package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestLocalStack_Reminders moves the clock through a renewal season: the
// invoice issued on 2 November 2026 is due on 1 January 2027, so the daily
// job reminds the holder on 2 December (30 days before) exactly once,
// however often it runs, and not on a day that is not a reminder day; once
// the invoice is paid, the 7-day reminder does not come.
func TestLocalStack_Reminders(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-10-20T10:00:00-04:00"}, 200, nil)
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	c.do("PUT", "/holders/"+fmt.Sprint(holder["holderId"])+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-11-02T09:00:00-05:00"}, 200, nil)
	c.do("POST", "/dev/run/renewal-invoices", "", nil, 200, nil)

	reminders := func() int {
		c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
		n := 0
		for _, e := range c.emails("ana@example.com") {
			if strings.Contains(e.Subject, "renewal is due") {
				n++
			}
		}
		return n
	}
	// settle waits for the asynchronous pipeline (outbox → mail queue →
	// consumer → outbox capture) to deliver want reminders, then waits on
	// and checks that no further one arrives.
	settle := func(want int) {
		t.Helper()
		for i := 0; reminders() != want; i++ {
			if i == 100 {
				t.Fatalf("%d renewal reminders, want %d", reminders(), want)
			}
			c.waitALittle()
		}
		for range 10 {
			c.waitALittle()
		}
		if got := reminders(); got != want {
			t.Fatalf("%d renewal reminders after waiting, want %d", got, want)
		}
	}

	// 3 December is no reminder day (29 days before): nothing.
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-12-03T09:00:00-05:00"}, 200, nil)
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	settle(0)

	// 2 December, 30 days before 1 January: one reminder, even when the job
	// runs twice.
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-12-02T09:00:00-05:00"}, 200, nil)
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	settle(1)
	e := c.waitForEmails("ana@example.com", 2)[0] // welcome, then the reminder
	if !strings.Contains(e.Subject, "Your 2027 renewal is due on 2027-01-01") || !strings.Contains(e.Text, "in 30 days") {
		t.Fatalf("reminder %q:\n%s", e.Subject, e.Text)
	}

	// Paid: the 7-day reminder (25 December) does not come.
	var co map[string]any
	c.do("POST", "/holders/me/renewals/2027/checkout", ana, nil, 200, &co)
	c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-12-25T09:00:00-05:00"}, 200, nil)
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	settle(1)
}
