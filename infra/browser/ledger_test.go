package browser

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_PaymentsLedger: the office reads the payments ledger (issue
// 19), on a phone and at a desk: a range of dates opens on the month so
// far; two programs' application fees (one declined, then paid $1 short,
// first) show with their totals; a range longer than a quarter is refused
// on its field before anything is asked; the CSV downloaded is the API's,
// byte for byte; the short payment waits in the payment issues, where a
// note without text is refused on its field and a note resolves it.
// Axe-clean at both widths.
func TestBrowser_PaymentsLedger(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-20T10:00:00-05:00"})
	provider, staff := s.acme(t)
	s.approvedProgram(t, provider, staff, "Fair Housing")
	var p struct{ ProgramID string }
	s.api(t, "POST", "/programs", provider, map[string]any{"title": "Leasing Law", "description": "d",
		"format": "live_online", "startsAt": "2027-03-11T09:00:00-06:00", "endsAt": "2027-03-11T12:00:00-06:00", "timeZone": "America/Chicago",
		"url": "https://acme.example/live", "contactHours": 3, "objectives": []string{"o"}, "instructors": []string{"Dee Dunn"}}, 201, &p)
	s.api(t, "POST", "/programs/"+p.ProgramID+"/submit", provider, nil, 202, nil)
	s.waitForStatus(t, provider, p.ProgramID, "fee_due")
	var co struct{ Reference string }
	s.api(t, "POST", "/programs/"+p.ProgramID+"/checkout", provider, nil, 200, &co)
	s.api(t, "POST", "/dev/payments/"+co.Reference+"/fail", "", nil, 200, nil)
	// $1 short first: not taken, an issue for the office.
	var short struct{ EventID string }
	s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", map[string]any{"amountCents": 14900, "currency": "USD"}, 200, &short)
	s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)

	for _, phone := range []bool{true, false} {
		o := s.person(t, "office", phone)
		o.signIn(t, "staff", "office", "office@example.org")
		o.open(t, "#/staff/payments")
		o.waitText(t, "#ledger-heading", "Payments from Fri, Jan 1, 2027 to Wed, Jan 20, 2027")
		o.waitText(t, "#ledger-totals", "Application fee")
		// Two fees of 3 CECs at $50 and one declined attempt: $300 net.
		o.waitText(t, "#ledger-net", "Net for the range: $300.00")
		if n := eval[int](t, o, "count the rows", `document.querySelectorAll("#ledger-entries tbody tr").length`); n != 4 {
			t.Fatalf("%d rows, want the two payments, the failed attempt and the short one", n)
		}
		o.waitText(t, `#ledger-entries tr[data-status=mismatch]`, "Paid another amount (not taken)")
		o.waitText(t, `#ledger-entries tr[data-status=failed]`, "Failed")
		o.review(t)
	}

	o := s.person(t, "office", true)
	o.signIn(t, "staff", "office", "office@example.org")
	o.open(t, "#/staff/payments?from=2027-01-01&to=2027-01-31&kind=application_fee")
	o.waitText(t, "#ledger-heading", "Application fees from Fri, Jan 1, 2027 to Sun, Jan 31, 2027")
	got := o.download(t, "#ledger-csv", "payments-2027-01-01-to-2027-01-31.csv")
	want := s.call(t, "GET", "/payments?from=2027-01-01&to=2027-01-31&kind=application_fee", staff, nil, "text/csv", 200)
	if string(got) != string(want) || !strings.HasPrefix(string(got), "Date,Time,UTC offset,Kind,Status,Amount") {
		t.Fatalf("the CSV downloaded:\n%s\nthe API's:\n%s", got, want)
	}
	o.fill(t, "#ledger-form [name=from]", "2026-10-01")
	o.click(t, "#ledger-form button[type=submit]")
	if e := o.errorOf(t, "#ledger-form [name=to]"); !strings.Contains(e, "The range must be at most 93 days, both dates included") {
		t.Fatalf("a range of four months: %q", e)
	}

	// The short payment is in the office's queue.
	o.open(t, "#/staff/payment-issues")
	card := "#issue-" + short.EventID
	o.waitText(t, card+" h2", "Paid another amount: not taken: $149.00, Acme Training")
	o.review(t)
	o.click(t, card+" button[type=submit]")
	if e := o.errorOf(t, card+" [name=note]"); !strings.Contains(e, "Enter the note") {
		t.Fatalf("an empty note: %q", e)
	}
	o.fill(t, card+" [name=note]", "Refunded the $149 by hand; Acme paid the right amount.")
	o.click(t, card+" [name=resolved]")
	o.click(t, card+" button[type=submit]")
	o.waitText(t, card, "Resolved")
	o.waitText(t, card+" .notes", "Refunded the $149 by hand")
	o.open(t, "#/staff/payment-issues")
	o.waitText(t, "#no-payment-issues", "Nothing to look at")
	o.open(t, "#/staff/payment-issues?status=resolved")
	o.waitText(t, card+" .notes", "(resolved)")
	o.review(t)
}
