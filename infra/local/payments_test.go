package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestLocalStack_Payments pays a program's application fee end to end
// through the local stack: checkout, a declined payment (the invoice stays
// open), forged and unsigned deliveries to the webhook (refused, nothing
// recorded), the payment (signed event → webhook → payments queue →
// in_review), and a late failure that changes nothing.
func TestLocalStack_Payments(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-01-05T10:00:00-05:00"}, 200, nil)
	acme := c.acmeProvider()
	var p map[string]any
	c.do("POST", "/programs", acme, map[string]any{"title": "Fair Housing", "description": "d", "format": "in_person",
		"startsAt": "2027-03-10T09:00:00-06:00", "endsAt": "2027-03-10T17:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Chicago", "contactHours": 6, "objectives": []string{"o"}, "instructors": []string{"i"}, "compliance": true}, 201, &p)
	id := fmt.Sprint(p["programId"])
	c.do("POST", "/programs/"+id+"/submit", acme, nil, 202, nil)
	c.waitForStatus(acme, id, "fee_due")
	var co map[string]any
	c.do("POST", "/programs/"+id+"/checkout", acme, nil, 200, &co)
	ref := fmt.Sprint(co["reference"])
	fee := func() map[string]any {
		c.do("GET", "/programs/"+id, acme, nil, 200, &p)
		return p["fee"].(map[string]any)
	}

	var res map[string]any
	c.do("POST", "/dev/payments/"+ref+"/fail", "", nil, 200, &res)
	if f := fee(); p["status"] != "fee_due" || f["status"] != "open" || len(f["payments"].([]any)) != 1 ||
		f["payments"].([]any)[0].(map[string]any)["kind"] != "failed" {
		t.Fatalf("after a failed payment: %v, fee %v", p["status"], f)
	}

	// A delivery that is not signed with the webhook secret is refused.
	body := `{"id":"evt_forged","object":"event","type":"checkout.session.completed","data":{"object":{"id":"` + ref +
		`","amount_total":30000,"currency":"usd","payment_status":"paid","metadata":{"invoiceId":"` + fmt.Sprint(co["invoiceId"]) + `"}}}}`
	for _, sig := range []string{"t=1700000000,v1=0000000000000000000000000000000000000000000000000000000000000000", ""} {
		req, _ := http.NewRequest("POST", st.URL+"/webhooks/payments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || e.Error.Code != "invalid_signature" { // a missing signature too (issue 13)
			t.Fatalf("signature %q: %d %+v", sig, resp.StatusCode, e)
		}
	}
	if f := fee(); f["status"] != "open" || len(f["payments"].([]any)) != 1 {
		t.Fatalf("a forged event changed the fee: %v", f)
	}

	c.do("POST", "/dev/payments/"+ref+"/succeed", "", nil, 200, &res)
	if res["status"] != "in_review" || res["feeStatus"] != "paid" {
		t.Fatalf("simulated payment answered %v", res)
	}
	if f := fee(); p["status"] != "in_review" || f["status"] != "paid" || len(f["payments"].([]any)) != 2 {
		t.Fatalf("after payment: %v, fee %v", p["status"], f)
	}
	c.do("POST", "/dev/payments/"+ref+"/fail", "", nil, 200, nil)
	if f := fee(); p["status"] != "in_review" || f["status"] != "paid" || len(f["payments"].([]any)) != 3 ||
		f["payments"].([]any)[2].(map[string]any)["kind"] != "failed" {
		t.Fatalf("a failure after the payment: %v, fee %v; want it recorded, the fee still paid", p["status"], f)
	}
	c.do("POST", "/dev/payments/cs_live_x/succeed", "", nil, 404, nil)
	c.do("POST", "/dev/payments/"+ref+"/refund", "", nil, 404, nil)
}
