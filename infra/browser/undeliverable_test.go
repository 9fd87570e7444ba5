package browser

import (
	"fmt"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_UndeliverableEmail: a holder's welcome bounces and a
// provider's is reported as spam (SES's simulator addresses, which the
// local outbox answers as SES does; issue 16). The holder's phone says it
// cannot email them and why, with the way back; the provider's says so for
// the organisation; staff see both on their home page, on the list of
// addresses and on the holder's record, find the holder from the address,
// and email the provider's address again; the holder does their own.
func TestBrowser_UndeliverableEmail(t *testing.T) {
	s := start(t, localstack.Config{})
	const gilAddr, acmeAddr = "bounce+gil@simulator.amazonses.com", "complaint+acme@simulator.amazonses.com"
	var gil struct{ HolderID string }
	s.api(t, "POST", "/holders", s.token(t, "gil", "", gilAddr), map[string]any{"firstName": "Gil", "lastName": "Marsh", "email": gilAddr}, 201, &gil)
	acmeTok := s.token(t, "acme", "", acmeAddr)
	s.api(t, "POST", "/providers", acmeTok, map[string]any{"name": "Acme Training", "contactName": "Ann Acme", "email": acmeAddr,
		"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	staffTok := s.token(t, "office", "staff", "office@example.org")
	for deadline := time.Now().Add(actionTimeout); ; time.Sleep(100 * time.Millisecond) {
		var list struct{ Addresses []struct{ Email string } }
		s.api(t, "GET", "/undeliverable-emails", staffTok, nil, 200, &list)
		if len(list.Addresses) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bounce and the complaint marked %d addresses, want 2", len(list.Addresses))
		}
	}

	holder := s.person(t, "holder", true)
	holder.signIn(t, "holder", "gil", gilAddr)
	holder.open(t, "#/")
	holder.waitText(t, "#cannot-email-heading", "We cannot email you at "+gilAddr)
	holder.waitText(t, "#cannot-email", "the mailbox has refused our emails")
	holder.waitText(t, "#cannot-email", "no reminders, receipts or decisions")
	holder.waitText(t, "#change-email", "change your email address")
	holder.audit(t)
	noCodesShown(t, holder)

	provider := s.person(t, "provider", true)
	provider.signIn(t, "provider", "acme", acmeAddr)
	provider.open(t, "#/")
	provider.waitText(t, "#cannot-email-heading", "We have stopped emailing your organisation at "+acmeAddr)
	provider.waitText(t, "#cannot-email", "our email to this address was marked as spam")
	provider.waitText(t, "#cannot-email", "write to the association's office")
	provider.audit(t)

	for _, phone := range []bool{true, false} {
		office := s.person(t, fmt.Sprintf("staff-phone-%v", phone), phone)
		office.signIn(t, "staff", "office", "office@example.org")
		office.open(t, "#/")
		office.waitText(t, "#home-undeliverable-count", "2 addresses are not emailed. The latest: "+acmeAddr)
		office.audit(t)
		office.open(t, "#/staff/email")
		office.waitText(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q]`, gilAddr), "The mail server that receives it refuses our email.")
		office.waitText(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q]`, acmeAddr), "Our email to it was reported as spam.")
		office.waitText(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q]`, acmeAddr), "No holder account has it")
		office.waitText(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q]`, gilAddr), "Gil Marsh ("+gil.HolderID+")")
		office.audit(t)
		noCodesShown(t, office)
		if phone {
			continue // staff act once, at the desk
		}
		// From the address to the holder's record, which says the same.
		office.click(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q] a`, gilAddr))
		office.waitText(t, "#record-email-undeliverable", "Not emailed: The mail server that receives it refuses our email.")
		office.audit(t)
		// The provider's address, emailed again from the list.
		office.open(t, "#/staff/email")
		office.click(t, fmt.Sprintf(`#undeliverable-emails button[data-email=%q]`, acmeAddr))
		office.waitText(t, fmt.Sprintf(`#undeliverable-emails tr[data-email=%q]`, acmeAddr), "Emailed again from now on")
		if got := eval[string](t, office, "where focus is", `document.activeElement.textContent`); got != "Emailed again from now on" {
			t.Fatalf("focus after Email again is on %q, want the row's new status", got)
		}
	}
	provider.open(t, "#/")
	provider.waitText(t, "#home-to-do", "Nothing waits for you")
	if eval[bool](t, provider, "the warning", `!!document.querySelector("#cannot-email")`) {
		t.Fatal("the provider's home still says it cannot email them after staff emailed the address again")
	}

	// The holder's own way back.
	holder.click(t, "#email-me-again")
	holder.waitText(t, "#emailing-again", "We will email you at "+gilAddr+" again.")
	holder.audit(t)
	var me struct{ EmailUndeliverable any }
	s.api(t, "GET", "/holders/me", holder.token(t), nil, 200, &me)
	if me.EmailUndeliverable != nil {
		t.Fatalf("still undeliverable after the holder asked for email again: %v", me.EmailUndeliverable)
	}
	office := s.person(t, "staff-after", false)
	office.signIn(t, "staff", "office", "office@example.org")
	office.open(t, "#/staff/email")
	office.waitText(t, "#no-undeliverable-emails", "We can email every address.")
}
