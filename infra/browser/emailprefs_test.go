package browser

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_EmailReminders: a holder ticks the reminders she wants on a
// phone and at a desk, and the choices stand after a reload; an email's
// unsubscribe link works for someone not signed in: it says which
// reminder it stops, stops it, and says so when opened again; a cut link
// says what to do; a provider's page lists the provider's reminders.
func TestBrowser_EmailReminders(t *testing.T) {
	s := start(t, localstack.Config{Now: "2026-11-10T10:00:00-05:00"})
	s.acme(t) // the provider whose page ends the walk
	ana := s.token(t, "ana", "holder", "ana@example.com")
	var hd struct{ HolderID string }
	s.api(t, "POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &hd)

	for _, phone := range []bool{true, false} {
		// Every reminder on again, for the width's own walk.
		s.api(t, "PUT", "/holders/me/email-preferences", ana, map[string]any{"off": []string{}}, 200, nil)
		a := s.person(t, "ana", phone)
		a.signIn(t, "holder", "ana", "ana@example.com")
		a.open(t, "#/holder/email")
		a.waitText(t, "#email-choices", "CECs still needed")
		if n := eval[int](t, a, "count the ticked reminders", `document.querySelectorAll("#email-choices input:checked").length`); n != 4 {
			t.Fatalf("%d reminders ticked at first, want all 4", n)
		}
		a.review(t)
		a.click(t, "#reminder-cecs_outstanding")
		a.click(t, "#email-form button[type=submit]")
		a.waitText(t, "#email-saved-notice", "We will send the 3 reminders you ticked")
		a.open(t, "#/holder/email")
		a.waitText(t, "#email-choices", "Your renewal is due")
		if off := eval[bool](t, a, "read the unticked reminder", `!document.querySelector("#reminder-cecs_outstanding").checked`); !off {
			t.Fatal("the unticked reminder is ticked again after a reload")
		}
	}

	token, err := s.stack.UnsubscribeToken(t.Context(), "holder", hd.HolderID, "renewal_due")
	if err != nil {
		t.Fatal(err)
	}
	for _, phone := range []bool{true, false} {
		if !phone { // the desk's walk starts with the reminder on again
			s.api(t, "PUT", "/holders/me/email-preferences", ana, map[string]any{"off": []string{"cecs_outstanding"}}, 200, nil)
		}
		someone := s.person(t, "reader", phone) // not signed in: the link is all they have
		someone.open(t, "#/unsubscribe/"+token)
		someone.waitText(t, "#reminder-name", "Your renewal is due")
		someone.review(t)
		someone.click(t, "#unsubscribe-form button[type=submit]")
		if got := someone.waitText(t, "#unsubscribed", "You will no longer get this reminder"); !strings.Contains(got, "Receipts, invoices and decisions still come") {
			t.Fatalf("the confirmation: %q", got)
		}
		someone.review(t)
		someone.open(t, "#/unsubscribe/"+token)
		someone.waitText(t, "#already-off", "You no longer get the reminder “Your renewal is due”")
		someone.open(t, "#/unsubscribe/"+token[:len(token)-4])
		someone.waitText(t, "#link-not-valid", "This link does not work")
		someone.open(t, "#/unsubscribe/"+token[:10]) // cut before its signature: malformed, the same words
		someone.waitText(t, "#link-not-valid", "This link does not work")
		someone.review(t)
	}
	var mine struct {
		Choices []struct {
			Code string
			On   bool
		}
	}
	s.api(t, "GET", "/holders/me/email-preferences", ana, nil, 200, &mine)
	for _, c := range mine.Choices {
		if want := c.Code != "renewal_due" && c.Code != "cecs_outstanding"; c.On != want {
			t.Errorf("after the page and the link, %s on = %v", c.Code, c.On)
		}
	}

	p := s.person(t, "acme", false)
	p.signIn(t, "provider", "acme", "desk@acme.example")
	p.open(t, "#/provider/email")
	if got := p.waitText(t, "#email-choices", "Attendance to report"); strings.Contains(got, "renewal") {
		t.Fatalf("the provider's page lists a holder's reminder: %q", got)
	}
	p.review(t)
}
