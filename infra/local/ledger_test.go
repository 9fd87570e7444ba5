package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestLocalStack_PaymentsLedger: payments made through the stack (a
// renewal paid in November; a program's application fee declined, then
// paid in January) are in staff's ledger in the order they came, with
// their kind, payer and invoice; the bookkeeper's CSV has them with amounts
// in money; the totals per month and kind say what was taken; a range
// longer than 93 days and a holder are refused.
func TestLocalStack_PaymentsLedger(t *testing.T) {
	for _, backend := range []string{"embedded", "aws"} {
		t.Run(backend, func(t *testing.T) { paymentsLedger(t, startStackOn(t, backend)) })
	}
}

// paymentsLedger is the ledger's walk on the stack st.
func paymentsLedger(t *testing.T, st *running) {
	c := &client{t: t, base: st.URL}
	at := func(now string) { c.do("PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil) }
	at("2026-11-02T09:00:00-05:00")
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	hid := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/holders/"+hid+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.waitForRenewal(ana, 2027)
	at("2026-11-03T10:00:00-05:00")
	var co map[string]any
	c.do("POST", "/holders/me/renewals/2027/checkout", ana, nil, 200, &co)
	c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil)

	at("2027-01-05T10:00:00-05:00")
	acme := c.acmeProvider()
	var p map[string]any
	c.do("POST", "/programs", acme, map[string]any{"title": "Fair Housing", "description": "d", "format": "in_person",
		"startsAt": "2027-03-10T09:00:00-06:00", "endsAt": "2027-03-10T17:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Chicago", "contactHours": 6, "objectives": []string{"o"}, "instructors": []string{"i"}}, 201, &p)
	pid := fmt.Sprint(p["programId"])
	c.do("POST", "/programs/"+pid+"/submit", acme, nil, 202, nil)
	c.waitForStatus(acme, pid, "fee_due")
	c.do("POST", "/programs/"+pid+"/checkout", acme, nil, 200, &co)
	ref := fmt.Sprint(co["reference"])
	c.do("POST", "/dev/payments/"+ref+"/fail", "", nil, 200, nil)
	c.do("POST", "/dev/payments/"+ref+"/succeed", "", nil, 200, nil)

	var page struct {
		Entries []struct {
			Status, Kind, InvoiceID, PayerID, PayerName, Currency string
			AmountCents                                           int64
		}
		NextCursor string
	}
	c.do("GET", "/payments?from=2026-11-01&to=2027-01-31", staff, nil, 200, &page)
	var got []string
	for _, e := range page.Entries {
		got = append(got, fmt.Sprintf("%s %s %d %s %s %s", e.Kind, e.Status, e.AmountCents, e.Currency, e.PayerID, e.InvoiceID))
	}
	want := []string{
		fmt.Sprintf("renewal succeeded 12500 USD %s REN-%s-2027", hid, hid),
		fmt.Sprintf("application_fee failed 30000 USD %s %s", p["providerId"], co["invoiceId"]),
		fmt.Sprintf("application_fee succeeded 30000 USD %s %s", p["providerId"], co["invoiceId"]),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || page.NextCursor != "" {
		t.Fatalf("ledger:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Filtered by kind, a page at a time.
	c.do("GET", "/payments?from=2026-11-01&to=2027-01-31&kind=application_fee&limit=1", staff, nil, 200, &page)
	if len(page.Entries) != 1 || page.Entries[0].Kind != "application_fee" || page.NextCursor == "" {
		t.Fatalf("first page of application fees: %+v", page)
	}

	hdr, csv := c.getWithAccept("/payments?from=2026-11-01&to=2027-01-31", staff, "text/csv", 200)
	if hdr.Get("content-disposition") != `attachment; filename="payments-2026-11-01-to-2027-01-31.csv"` {
		t.Errorf("CSV offered as %q", hdr.Get("content-disposition"))
	}
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	if len(lines) != 4 || lines[0] != "Date,Time,UTC offset,Kind,Status,Amount,Currency,Reinstatement fee,Invoice,Payer ID,Payer,Payment system reference,Event,Note" ||
		!strings.HasPrefix(lines[1], "2026-11-03,10:00:00,-05:00,Renewal,Paid,125.00,USD,,REN-"+hid+"-2027,"+hid+",Ana Lima,") ||
		// The payment recorded a moment after the failure: the stack's
		// clock runs on, and on moto the second may turn.
		!strings.HasPrefix(lines[3], "2027-01-05,10:00:0") || !strings.Contains(lines[3], ",-05:00,Application fee,Paid,300.00,USD,,") {
		t.Fatalf("CSV:\n%s", csv)
	}

	var totals struct {
		Totals []struct {
			Month, Kind                               string
			SucceededCents, NetCents, MismatchedCents int64
			Failed                                    int
		}
	}
	c.do("GET", "/payments/totals?from=2026-11-01&to=2027-01-31", staff, nil, 200, &totals)
	var sums []string
	for _, x := range totals.Totals {
		sums = append(sums, fmt.Sprintf("%s %s %d %d failed %d", x.Month, x.Kind, x.SucceededCents, x.NetCents, x.Failed))
	}
	if strings.Join(sums, "; ") != "2026-11 renewal 12500 12500 failed 0; 2027-01 application_fee 30000 30000 failed 1" {
		t.Fatalf("totals: %s", strings.Join(sums, "; "))
	}

	if e := c.do("GET", "/payments?from=2027-01-01&to=2027-04-04", staff, nil, 400, nil); len(e.Error.Details) != 1 || e.Error.Details[0].Field != "to" {
		t.Fatalf("94 days: %+v", e)
	}
	c.do("GET", "/payments?from=2027-01-01&to=2027-01-31", ana, nil, 403, nil)
}
