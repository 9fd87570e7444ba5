package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/policy"
)

// TestLocalStack_Renewals renews a holder's CAM for 2027 end to end: the
// daily job issues the invoice on 1 November 2026, the holder sees it with
// the four steps, confirms their contact, pays through the simulator
// (signed event → webhook → payments queue → paid), and gets one receipt,
// however often the payment is delivered.
func TestLocalStack_Renewals(t *testing.T) {
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	dues := pol.RenewalInvoices.DuesCents["CAM"]
	if dues <= 0 {
		t.Fatalf("the default policy prices no CAM dues")
	}
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-10-20T10:00:00-04:00"}, 200, nil)
	staff := c.token("sub-staff", "staff", "office@example.org")
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)

	// Before the issue date there is no invoice, and the job issues none.
	c.do("POST", "/dev/run/renewal-invoices", "", nil, 200, nil)
	if e := c.do("GET", "/holders/me/renewals/2027", ana, nil, 404, nil); e.Error.Code != "renewal_not_found" {
		t.Fatalf("before the issue date: %+v", e)
	}
	c.do("GET", "/holders/me/renewals/1999", ana, nil, 400, nil)
	c.do("GET", "/holders/me/renewals/2027", staff, nil, 403, nil)

	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-11-02T09:00:00-05:00"}, 200, nil)
	c.do("POST", "/dev/run/renewal-invoices", "", nil, 200, nil)
	c.waitForRenewal(ana, 2027) // the sweep's pieces go through the daily work queue

	steps := func(r map[string]any) map[string]bool {
		out := map[string]bool{}
		for _, s := range r["steps"].([]any) {
			m := s.(map[string]any)
			out[fmt.Sprint(m["step"])] = m["done"].(bool)
		}
		return out
	}
	var r map[string]any
	c.do("GET", "/holders/me/renewals/2027", ana, nil, 200, &r)
	inv := r["invoice"].(map[string]any)
	want := "REN-" + id + "-2027"
	if inv["invoiceId"] != want || inv["totalCents"] != float64(dues) || inv["currency"] != "USD" || inv["status"] != "open" ||
		inv["dueOn"] != "2027-01-01" || inv["graceUntil"] != "2027-03-31" || len(inv["lines"].([]any)) != 1 ||
		inv["lines"].([]any)[0].(map[string]any)["credential"] != "CAM" || inv["paidAt"] != nil || r["complete"] != false {
		t.Fatalf("renewal %v", r)
	}
	if s := steps(r); len(s) != 4 || s["contact_updated"] || s["paid"] || s["cec_status_checked"] || s["cecs_approved"] {
		t.Fatalf("steps %v", s)
	}

	c.do("PUT", "/holders/me/contact", ana, map[string]any{"phone": "+1 703 555 0199", "email": "ana@example.com",
		"address": map[string]any{"line1": "1 Main St", "city": "Arlington", "region": "VA", "country": "US"}}, 200, nil)
	c.do("GET", "/holders/me/renewals/2027", ana, nil, 200, &r)
	if s := steps(r); !s["contact_updated"] || s["paid"] {
		t.Fatalf("steps after the contact update %v", s)
	}

	// The invoice as a PDF, unpaid.
	if pdf := c.download("/holders/me/renewals/2027/invoice", ana, "application/pdf"); !strings.Contains(pdf, want) || !strings.Contains(pdf, "Unpaid: due") {
		t.Fatal("the invoice PDF does not say it is unpaid")
	}
	// No receipt before it is paid.
	if e := c.do("GET", "/holders/me/renewals/2027/receipt", ana, nil, 409, nil); e.Error.Code != "not_paid" {
		t.Fatalf("receipt of an unpaid invoice: %+v", e)
	}
	var co map[string]any
	c.do("POST", "/holders/me/renewals/2027/checkout", ana, nil, 200, &co)
	ref := fmt.Sprint(co["reference"])
	if ref == "" || co["invoiceId"] != want || co["amountCents"] != float64(dues) || co["currency"] != "USD" || co["url"] == "" {
		t.Fatalf("checkout %v", co)
	}
	var res map[string]any
	c.do("POST", "/dev/payments/"+ref+"/succeed", "", nil, 200, &res)
	if res["status"] != "paid" || res["invoiceId"] != want {
		t.Fatalf("simulated payment answered %v", res)
	}
	c.do("GET", "/holders/me/renewals/2027", ana, nil, 200, &r)
	inv = r["invoice"].(map[string]any)
	if s := steps(r); inv["status"] != "paid" || inv["paidAt"] == nil || !s["paid"] || !s["contact_updated"] || r["complete"] != false {
		t.Fatalf("after payment %v", r)
	}
	if e := c.do("POST", "/holders/me/renewals/2027/checkout", ana, nil, 409, nil); e.Error.Code != "invoice_paid" {
		t.Fatalf("checkout of a paid invoice: %+v", e)
	}
	// The receipt, a PDF with the invoice, the amount and the reference.
	pdf := c.download("/holders/me/renewals/2027/receipt", ana, "application/pdf")
	for _, part := range []string{"%PDF-", want, "Renewal 2027", ref} {
		if !strings.Contains(pdf, part) {
			t.Fatalf("the receipt lacks %q", part)
		}
	}

	receipts := func() []email {
		var out []email
		for _, m := range c.emails("ana@example.com") {
			if strings.HasPrefix(m.Subject, "Receipt") {
				out = append(out, m)
			}
		}
		return out
	}
	waitReceipts := func() []email {
		t.Helper()
		for range 300 {
			if got := receipts(); len(got) > 0 {
				return got
			}
			c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
		}
		t.Fatal("no receipt for the renewal")
		return nil
	}
	got := waitReceipts()
	if len(got) != 1 || !strings.Contains(got[0].Subject, want) {
		t.Fatalf("receipts %+v", got)
	}

	// A second delivery of the payment changes nothing.
	c.do("POST", "/dev/payments/"+ref+"/succeed", "", nil, 200, &res)
	c.do("POST", "/dev/run/outbox-relay", "", nil, 200, nil)
	c.do("GET", "/holders/me/renewals/2027", ana, nil, 200, &r)
	if r["invoice"].(map[string]any)["status"] != "paid" || r["invoice"].(map[string]any)["paidAt"] != inv["paidAt"] {
		t.Fatalf("after a second payment %v", r)
	}
	if got := receipts(); len(got) != 1 {
		t.Fatalf("%d receipts after a second payment, want 1", len(got))
	}
}

// TestLocalStack_RenewalAfterCredentials: staff record a holder's
// credentials after the 2027 invoices went out, and the holder's invoice
// follows through the renewals queue (the message written with the change,
// dispatched at once, consumed by RenewalIssuer), without the daily job:
// at 05:00 on 2 November its 06:00 run is not due, and nobody runs it.
func TestLocalStack_RenewalAfterCredentials(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-11-02T05:00:00-05:00"}, 200, nil)
	staff := c.token("sub-staff", "staff", "office@example.org")
	bo := c.token("sub-bo", "holder", "bo@example.com")
	var holder map[string]any
	c.do("POST", "/holders", bo, map[string]any{"firstName": "Bo", "lastName": "Berg", "email": "bo@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	if e := c.do("GET", "/holders/me/renewals/2027", bo, nil, 404, nil); e.Error.Code != "renewal_not_found" {
		t.Fatalf("before the credentials: %+v", e)
	}
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	r := c.waitForRenewal(bo, 2027)
	inv := r["invoice"].(map[string]any)
	if inv["invoiceId"] != "REN-"+id+"-2027" || inv["status"] != "open" || len(inv["lines"].([]any)) != 1 ||
		inv["lines"].([]any)[0].(map[string]any)["credential"] != "CAM" {
		t.Fatalf("renewal %v", r)
	}
}

// waitForRenewal returns the caller's renewal of year once its invoice
// exists (the renewals queue's consumer issues it after staff record
// credentials), waiting at most 15 s.
func (c *client) waitForRenewal(token string, year int) map[string]any {
	c.t.Helper()
	path := fmt.Sprintf("/holders/me/renewals/%d", year)
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, e := c.raw("GET", path, token, "", "")
		if status == 200 {
			var r map[string]any
			c.do("GET", path, token, nil, 200, &r)
			return r
		}
		if status != 404 || e.Error.Code != "renewal_not_found" {
			c.t.Fatalf("GET %s: %d %+v", path, status, e)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no %d renewal invoice 15 s after the credentials", year)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
