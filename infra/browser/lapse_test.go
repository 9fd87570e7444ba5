package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_LapsedRenewal: a renewal unpaid after its grace period (issue
// 15) reads lapsed on the holder's phone with what paying now costs; paying
// adds the reinstatement fee once, on its own line, and reinstates; staff's
// record of the holder says the same.
func TestBrowser_LapsedRenewal(t *testing.T) {
	s := start(t, localstack.Config{Now: "2026-11-02T09:00:00-05:00"})
	staff := s.token(t, "office", "staff", "office@example.org")
	holderTok := s.token(t, "cy", "holder", "cy@example.com")
	var h struct{ HolderID string }
	s.api(t, "POST", "/holders", holderTok, map[string]any{"firstName": "Cy", "lastName": "Wrenfield", "email": "cy@example.com"}, 201, &h)
	s.api(t, "PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	for deadline := time.Now().Add(actionTimeout); s.status(t, "/holders/me/renewals/2027", holderTok) != 200; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the 2027 invoice was not issued")
		}
	}
	var inv struct{ Invoice struct{ TotalCents int64 } }
	s.api(t, "GET", "/holders/me/renewals/2027", holderTok, nil, 200, &inv)

	// 2 April 2027: the grace period ended on 31 March.
	s.setClock(t, "2027-04-02T09:00:00-04:00")
	cy := s.person(t, "holder", true)
	cy.signIn(t, "holder", "cy", "cy@example.com")
	cy.open(t, "#/holder/renewal?year=2027")
	cy.waitText(t, "#renewal-lapsed", "Your 2027 credentials have lapsed: the renewal was not paid by Wed, Mar 31, 2027")
	cy.waitText(t, "#renewal-lapsed", "reinstatement fee of $50.00")
	cy.waitText(t, `#invoice-lines tr[data-line="reinstatement-due"]`, "Reinstatement fee (added when you pay)$50.00")
	if got, want := cy.text(t, "#invoice-total"), dollars(inv.Invoice.TotalCents+5000); got != want {
		t.Fatalf("the total reads %q beside the fee to be added, want %q", got, want)
	}
	if got, want := cy.text(t, "#pay-renewal"), "Pay "+dollars(inv.Invoice.TotalCents+5000); got != want {
		t.Fatalf("the pay button reads %q, want %q", got, want)
	}
	cy.audit(t)
	noCodesShown(t, cy)
	// The status page says so too, with the way to the renewal.
	cy.open(t, "#/holder/status?year=2027")
	cy.waitText(t, "#status-lapsed", "Your 2027 credentials have lapsed")
	cy.open(t, "#/holder/renewal?year=2027")
	cy.waitText(t, "#renewal-lapsed", "have lapsed")
	office := s.person(t, "staff", false)
	office.signIn(t, "staff", "office", "office@example.org")
	office.open(t, "#/staff/holders/"+h.HolderID)
	office.waitText(t, ".invoice-status", "Not paid yet; lapsed since the grace period ended on Wed, Mar 31, 2027")
	// The directory says so.
	office.open(t, "#/staff/holders")
	office.fill(t, ".directory-form [name=q]", "cy@example.com")
	office.click(t, ".directory-form button[type=submit]")
	office.waitText(t, fmt.Sprintf(`.directory-results tr[data-holder-id=%q]`, h.HolderID), "CAM (lapsed: renewal not paid)")
	office.open(t, "#/staff/holders/"+h.HolderID)
	office.waitText(t, ".invoice-status", "lapsed since")
	// Staff reverse the lapse, with a reason (asked for when missing), then undo it.
	invID := "REN-" + h.HolderID + "-2027"
	office.click(t, "#lapse-"+invID+" button[type=submit]")
	if msg := office.errorOf(t, "#lapse-reason-"+invID); msg != "Enter why the lapse is reversed" {
		t.Fatalf("the error at the reason: %q", msg)
	}
	office.fill(t, "#lapse-reason-"+invID, "In hospital in March; the office agreed.")
	office.click(t, "#lapse-"+invID+" button[type=submit]")
	office.waitText(t, ".lapse-changed", "The 2027 lapse is reversed: the holder owes")
	office.waitText(t, ".invoice-status", "its lapse was reversed by the office")
	office.waitText(t, ".lapse-changes", "In hospital in March; the office agreed.")
	office.audit(t)
	cy.open(t, "#/holder/renewal?year=2027")
	cy.waitText(t, "#invoice-status", "Not paid yet")
	if eval[bool](t, cy, "the lapse notice", `!!document.querySelector("#renewal-lapsed")`) {
		t.Fatal("the holder's page says lapsed after staff reversed it")
	}
	office.fill(t, "#lapse-reason-"+invID, "Reversed by mistake.")
	office.click(t, "#lapse-"+invID+" button[type=submit]")
	office.waitText(t, ".invoice-status", "lapsed since the grace period ended")
	cy.open(t, "#/holder/renewal?year=2027")
	cy.waitText(t, "#renewal-lapsed", "have lapsed")
	cy.click(t, "#pay-renewal")
	cy.waitRendered(t, "/pay/cs_sim_REN-"+h.HolderID+"-2027")
	cy.click(t, "#pay-succeed")
	cy.waitText(t, "#pay-result", "Payment received")
	cy.click(t, "#pay-back")
	cy.waitJS(t, "the invoice to be paid", `document.querySelector("#invoice-status")?.dataset.status === "paid"`)
	if cy.text(t, `#invoice-lines tr[data-line="reinstatement"]`) != "Reinstatement fee$50.00" {
		t.Fatalf("the lines: %q", cy.text(t, "#invoice-lines"))
	}
	if eval[bool](t, cy, "the lapse notice", `!!document.querySelector("#renewal-lapsed")`) {
		t.Fatal("still lapsed after paying")
	}
	var paid struct {
		Invoice struct {
			TotalCents int64
			Lapsed     bool
			Lines      []struct{ Credential string }
		}
	}
	s.api(t, "GET", "/holders/me/renewals/2027", holderTok, nil, 200, &paid)
	if paid.Invoice.Lapsed || paid.Invoice.TotalCents != inv.Invoice.TotalCents+5000 || len(paid.Invoice.Lines) != 2 {
		t.Fatalf("the API after paying: %+v", paid)
	}
	office.open(t, "#/staff/holders/"+h.HolderID)
	if got := office.waitText(t, ".invoice-status", "Paid"); strings.Contains(got, "lapsed") {
		t.Fatalf("staff read %q", got)
	}
}

// dollars formats cents as the pages do: "$125.00".
func dollars(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }
