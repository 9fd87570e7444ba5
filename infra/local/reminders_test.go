package main

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

// TestLocalStack_Reminders moves the stack's clock through a season and
// runs the daily job on chosen days, each often, checking that exactly the
// expected emails arrive, once each (a day the job missed is caught up by
// the next run):
//   - a program applied for on 20 October is invoiced that day and left
//     unpaid: the provider is reminded on 27 October and 3 November;
//   - Ana's 2027 renewal invoice (issued 2 November, due 1 January) is
//     reminded for 2 November (60 days before) on 3 November and for 2
//     December (30 days before) on 3 December, with her outstanding CECs,
//     each caught up, the run of its day missed;
//     once paid, 25 December (7 days before) brings only the CEC reminder;
//   - a program approved in January that ends on 10 March 2027 and is not
//     reported is reminded on 9 and 19 April (30 and 40 days after).
func TestLocalStack_Reminders(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	at := func(now string) { c.do("PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil) }
	run := func() { c.do("POST", "/dev/run/reminders", "", nil, 200, nil) }
	at("2026-10-20T10:00:00-04:00")
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	acme := c.acmeProvider()
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	c.do("PUT", "/holders/"+fmt.Sprint(holder["holderId"])+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	var p map[string]any
	c.do("POST", "/programs", acme, map[string]any{"title": "Leasing Law", "description": "d", "format": "in_person",
		"startsAt": "2027-02-10T09:00:00-06:00", "endsAt": "2027-02-10T12:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Chicago", "contactHours": 3, "objectives": []string{"o"}, "instructors": []string{"i"}}, 201, &p)
	unpaid := fmt.Sprint(p["programId"])
	c.do("POST", "/programs/"+unpaid+"/submit", acme, nil, 202, nil)
	c.waitForStatus(acme, unpaid, "fee_due")

	kinds := map[string]struct{ to, subject string }{
		"fee":        {"desk@acme.example", "is still unpaid"},
		"renewal":    {"ana@example.com", "renewal is due"},
		"cecs":       {"ana@example.com", "CECs still outstanding"},
		"attendance": {"desk@acme.example", "Attendance for"},
	}
	counts := func() map[string]int {
		c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
		n := map[string]int{}
		for k, w := range kinds {
			for _, e := range c.emails(w.to) {
				if strings.Contains(e.Subject, w.subject) {
					n[k]++
				}
			}
		}
		return n
	}
	// settle waits for the asynchronous pipeline (outbox → mail queue →
	// consumer → outbox capture) to deliver the reminders wanted so far,
	// then waits on and checks that no further one arrives.
	want := map[string]int{}
	settle := func(add map[string]int) {
		t.Helper()
		for k, n := range add {
			want[k] += n
		}
		for i := 0; !maps.Equal(counts(), want); i++ {
			if i == 100 {
				t.Fatalf("reminders %v, want %v", counts(), want)
			}
			c.waitALittle()
		}
		for range 10 {
			c.waitALittle()
		}
		if got := counts(); !maps.Equal(got, want) {
			t.Fatalf("reminders after waiting %v, want %v", got, want)
		}
	}
	lastTo := func(to, subject string) email {
		t.Helper()
		var found email
		for _, e := range c.emails(to) { // newest first
			if strings.Contains(e.Subject, subject) {
				found = e
				break
			}
		}
		if found.Subject == "" || found.HTML == "" {
			t.Fatalf("no %q email with text and HTML to %s", subject, to)
		}
		return found
	}

	// The unpaid fee: 7 and 14 days after the invoice, not on the days between.
	at("2026-10-27T09:00:00-04:00")
	run()
	run()
	settle(map[string]int{"fee": 1})
	if e := lastTo("desk@acme.example", "is still unpaid"); !strings.Contains(e.Text, unpaid) || !strings.Contains(e.Text, "issued on 2026-10-20") {
		t.Fatalf("fee reminder %q:\n%s", e.Subject, e.Text)
	}
	at("2026-10-28T09:00:00-04:00")
	run()
	settle(nil)
	// 2 November, before the daily jobs' hours (06:00 and 07:00): the 2027
	// invoices, waited for (their sweep goes through the daily work queue),
	// so that no reminder piece races them.
	at("2026-11-02T05:00:00-05:00")
	c.do("POST", "/dev/run/renewal-invoices", "", nil, 200, nil)
	c.waitForRenewal(ana, 2027)
	// 3 November: the fee's 14-day reminder, and the renewal and CEC
	// reminders of 2 November (60 days before the due date), a day no run
	// planned (the clock jumped from 28 October): caught up, once each.
	at("2026-11-03T09:00:00-05:00")
	run()
	run()
	settle(map[string]int{"fee": 1, "renewal": 1, "cecs": 1})
	// 1 December is no reminder day, and no run planned the week before it
	// (the stack's clock jumped): that day only, nothing.
	at("2026-12-01T09:00:00-05:00")
	run()
	settle(nil)
	// 2 December, 30 days before 1 January, is missed: the run of 3
	// December catches it up, and the renewal and the CECs go out, once
	// each, however often the job runs (on 2 December too).
	at("2026-12-03T09:00:00-05:00")
	run()
	run()
	settle(map[string]int{"renewal": 1, "cecs": 1})
	at("2026-12-02T09:00:00-05:00")
	run()
	settle(nil)
	if e := lastTo("ana@example.com", "renewal is due"); !strings.Contains(e.Subject, "Your 2027 renewal is due on 2027-01-01") ||
		!strings.Contains(e.Text, "in 29 days") { // sent on 3 December, caught up: what is true then
		t.Fatalf("renewal reminder %q:\n%s", e.Subject, e.Text)
	}
	cecMail := lastTo("ana@example.com", "CECs still outstanding")
	if !strings.Contains(cecMail.Text, "0 of the 6 required") || !strings.Contains(cecMail.Text, fmt.Sprint(holder["holderId"])) {
		t.Fatalf("CEC reminder %q:\n%s", cecMail.Subject, cecMail.Text)
	}
	// Each reminder carries its one-click unsubscribe link (the header's,
	// the API's) and its page's in the text (the portal's); they name the
	// same signed token.
	token, ok := strings.CutPrefix(cecMail.Unsubscribe, st.URL+"/unsubscribe/")
	if !ok || !strings.Contains(cecMail.Text, st.URL+"/#/unsubscribe/"+token) || !strings.Contains(cecMail.HTML, st.URL+"/#/unsubscribe/"+token) {
		t.Fatalf("CEC reminder's links: header %q\n%s", cecMail.Unsubscribe, cecMail.Text)
	}
	if e := lastTo("ana@example.com", "renewal is due"); e.Unsubscribe == "" || e.Unsubscribe == cecMail.Unsubscribe {
		t.Fatalf("the renewal reminder's link %q, the CECs' %q: want one of its own", e.Unsubscribe, cecMail.Unsubscribe)
	}
	// Ana's mail client's one click (RFC 8058), with no sign-in: the CEC
	// reminders stop, the renewal's do not.
	var link map[string]any
	c.doRaw("POST", "/unsubscribe/"+token, "", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", 200, &link)
	if link["off"] != true || link["topic"].(map[string]any)["code"] != "cecs_outstanding" {
		t.Fatalf("one click: %v", link)
	}
	var prefs map[string]any
	c.do("GET", "/holders/me/email-preferences", ana, nil, 200, &prefs)
	if got := fmt.Sprint(prefs["choices"]); !strings.Contains(got, "code:cecs_outstanding hint:") || strings.Count(got, "on:false") != 1 {
		t.Fatalf("Ana's choices after the click: %s", got)
	}

	// Paid: on 25 December only the CEC reminder would come, and Ana
	// turned it off. The receipt (transactional) came all the same.
	var co map[string]any
	c.do("POST", "/holders/me/renewals/2027/checkout", ana, nil, 200, &co)
	c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil)
	at("2026-12-25T09:00:00-05:00")
	run()
	settle(nil)
	receipts := 0
	for _, e := range c.emails("ana@example.com") {
		if strings.HasPrefix(e.Subject, "Receipt for") {
			receipts++
			if e.Unsubscribe != "" || strings.Contains(e.Text, "unsubscribe") {
				t.Fatalf("the receipt offers to stop it: %q\n%s", e.Unsubscribe, e.Text)
			}
		}
	}
	if receipts != 1 {
		t.Fatalf("%d receipts to Ana, want 1", receipts)
	}

	// Attendance not reported: 30 and 40 days after the program's end.
	program := approvedProgram(t, c, acme, staff, 3) // ends 10 March 2027
	at("2027-04-08T09:00:00-04:00")
	run()
	settle(nil)
	at("2027-04-09T09:00:00-04:00")
	run()
	settle(map[string]int{"attendance": 1})
	if e := lastTo("desk@acme.example", "Attendance for"); !strings.Contains(e.Text, program) || !strings.Contains(e.Text, "by 2027-04-24") {
		t.Fatalf("attendance reminder %q:\n%s", e.Subject, e.Text)
	}
	// The provider turns the attendance reminders off on its page: the
	// one of 19 April does not come.
	c.do("PUT", "/providers/me/email-preferences", acme, map[string]any{"off": []string{"attendance_due"}}, 200, nil)
	at("2027-04-19T09:00:00-04:00")
	run()
	run()
	settle(nil)
}
