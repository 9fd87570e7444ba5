package main

import (
	"testing"
	"time"
)

// TestLocalStack_UndeliverableMail: mail to SES's bounce simulator comes
// back as a bounce, which marks the address (issue 16): the person's
// account says so, staff list it, the next mail to it is not sent, and
// its owner starts mailing it again.
func TestLocalStack_UndeliverableMail(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	undeliverableMail(t, c, c.token("sub-office-mail", "staff", "office@example.org"))
}

// undeliverableMail runs the bounce of a new holder's welcome mail over
// HTTP, on whichever backend the stack runs (the mail outbox answers SES's
// simulator addresses on either).
func undeliverableMail(t *testing.T, c *client, staff string) {
	t.Helper()
	const addr = "bounce+gil@simulator.amazonses.com"
	gil := c.token("sub-gil-bounce", "", addr)
	c.do("POST", "/holders", gil, map[string]any{"firstName": "Gil", "lastName": "Bounce", "email": addr}, 201, nil)
	c.waitForEmails(addr, 1) // the welcome went out, and bounced

	type mark struct{ Email, Reason string }
	var me struct{ EmailUndeliverable *mark }
	for deadline := time.Now().Add(15 * time.Second); me.EmailUndeliverable == nil; c.waitALittle() {
		if time.Now().After(deadline) {
			t.Fatal("the bounce did not mark the holder's address within 15 s")
		}
		c.do("GET", "/holders/me", gil, nil, 200, &me)
	}
	if *me.EmailUndeliverable != (mark{Email: addr, Reason: "refused"}) {
		t.Fatalf("the holder's mark: %+v", *me.EmailUndeliverable)
	}
	var list struct{ Addresses []mark }
	c.do("GET", "/undeliverable-emails", staff, nil, 200, &list)
	if len(list.Addresses) == 0 || list.Addresses[0].Email != addr {
		t.Fatalf("staff's list: %+v", list.Addresses)
	}
	c.do("GET", "/undeliverable-emails", gil, nil, 403, nil)

	// The same person registers their organisation at the same address:
	// its welcome is not sent.
	c.do("POST", "/providers", gil, map[string]any{"name": "Gil's Training", "contactName": "Gil Bounce", "email": addr,
		"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	var org struct{ EmailUndeliverable *mark }
	c.do("GET", "/providers/me", gil, nil, 200, &org)
	if org.EmailUndeliverable == nil {
		t.Fatal("the organisation's page does not say its address is undeliverable")
	}
	time.Sleep(2 * time.Second) // the relay and the mail queue's poller each run about every second
	c.waitForEmails(addr, 1)

	// Another person may not resume it; its owner may.
	other := c.token("sub-other-resume", "holder", "other@example.com")
	c.do("POST", "/undeliverable-emails/resume", other, map[string]any{"email": addr}, 404, nil)
	c.do("POST", "/undeliverable-emails/resume", gil, map[string]any{"email": "gil at example"}, 400, nil)
	c.do("POST", "/undeliverable-emails/resume", gil, map[string]any{"email": addr}, 200, nil)
	me.EmailUndeliverable = nil
	c.do("GET", "/holders/me", gil, nil, 200, &me)
	if me.EmailUndeliverable != nil {
		t.Fatalf("still undeliverable after its owner resumed it: %+v", *me.EmailUndeliverable)
	}
	c.do("POST", "/undeliverable-emails/resume", staff, map[string]any{"email": addr}, 404, nil) // nothing left to resume
}
