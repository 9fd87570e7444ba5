package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLocalStack_Programs runs SPEC §1 through the local stack over HTTP, as
// of 5 January 2027: application, asynchronous validation and invoicing,
// checkout and (simulated) payment, staff review, the calendar, copies, the
// late fee, and submissions answered at once when incomplete or under way.
func TestLocalStack_Programs(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-01-05T10:00:00-05:00"}, 200, nil)

	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")

	content := func(title, starts, ends string) map[string]any {
		return map[string]any{"title": title, "description": "What changed in fair housing law.", "format": "in_person",
			"startsAt": starts, "endsAt": ends, "timeZone": "America/Chicago", "location": "Hilton, 720 S Michigan Ave, Chicago",
			"contactHours": 6, "objectives": []string{"Apply the 2027 rules"}, "instructors": []string{"Dee Dunn"},
			"compliance": true, "calendarOptIn": true}
	}
	var prog map[string]any
	id := func(p map[string]any) string { return fmt.Sprint(p["programId"]) }

	t.Run("ApplyPayApprove", func(t *testing.T) {
		c.do("POST", "/programs", acme, content("Fair Housing", "2027-03-10T09:00:00-06:00", "2027-03-10T17:00:00-06:00"), 201, &prog)
		if prog["status"] != "draft" || prog["startsAt"] != "2027-03-10T09:00:00-06:00" {
			t.Fatalf("created %v", prog)
		}
		c.do("PUT", "/programs/"+id(prog), acme, content("Fair Housing Update", "2027-03-10T09:00:00-06:00", "2027-03-10T17:00:00-06:00"), 200, &prog)
		c.do("POST", "/programs/"+id(prog)+"/submit", acme, nil, 202, &prog)
		if prog["status"] != "submitted" {
			t.Fatalf("after submit %v", prog["status"])
		}
		c.do("POST", "/programs/"+id(prog)+"/submit", acme, nil, 409, nil) // not a draft any more

		prog = c.waitForStatus(acme, id(prog), "fee_due")
		fee := prog["fee"].(map[string]any)
		if fee["amountCents"] != 30000.0 || fee["currency"] != "USD" || fee["late"] != false || fee["status"] != "open" {
			t.Fatalf("fee %v, want 30000 USD on time (6 CECs × $50, 64 days before)", fee)
		}
		if e := c.waitForEmails("desk@acme.example", 2)[0]; !strings.Contains(e.Subject, "300.00 USD") {
			t.Fatalf("invoice email %q", e.Subject)
		}

		if e := c.do("GET", "/programs/"+id(prog)+"/fee/receipt", acme, nil, 409, nil); e.Error.Code != "not_paid" {
			t.Fatalf("receipt of an unpaid fee: %+v", e)
		}
		var co, co2 map[string]any
		c.do("POST", "/programs/"+id(prog)+"/checkout", acme, nil, 200, &co)
		c.do("POST", "/programs/"+id(prog)+"/checkout", acme, nil, 200, &co2)
		if co["reference"] == nil || co["reference"] != co2["reference"] || co["amountCents"] != 30000.0 {
			t.Fatalf("checkouts %v and %v", co, co2)
		}
		c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil)
		c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil) // a second delivery changes nothing
		c.do("GET", "/programs/"+id(prog), acme, nil, 200, &prog)
		if prog["status"] != "in_review" || prog["fee"].(map[string]any)["status"] != "paid" {
			t.Fatalf("after payment: %v, fee %v", prog["status"], prog["fee"])
		}
		// The fee's receipt, for the provider and for staff.
		for _, who := range []string{acme, staff} {
			receipt := c.download("/programs/"+id(prog)+"/fee/receipt", who, "application/pdf")
			for _, part := range []string{"%PDF-", fmt.Sprint(prog["fee"].(map[string]any)["invoiceId"]), "300.00 USD", fmt.Sprint(co["reference"])} {
				if !strings.Contains(receipt, part) {
					t.Fatalf("the fee receipt lacks %q", part)
				}
			}
		}

		var queue struct{ Programs []map[string]any }
		c.do("GET", "/review/programs", staff, nil, 200, &queue)
		if len(queue.Programs) != 1 || id(queue.Programs[0]) != id(prog) {
			t.Fatalf("review queue %v", queue.Programs)
		}
		c.do("GET", "/review/programs", acme, nil, 403, nil)
		c.do("POST", "/programs/"+id(prog)+"/decision", acme, map[string]any{"decision": "approve"}, 403, nil)
		c.do("POST", "/programs/"+id(prog)+"/decision", staff, map[string]any{"decision": "approve", "reason": "Meets the criteria."}, 200, &prog)
		if prog["status"] != "approved" {
			t.Fatalf("after approval %v", prog["status"])
		}
		c.do("POST", "/programs/"+id(prog)+"/decision", staff, map[string]any{"decision": "reject", "reason": "again"}, 409, nil)
		// Invoice, receipt (once, though paid twice), decision.
		mails := c.waitForEmails("desk@acme.example", 4)
		if e := mails[0]; !strings.Contains(e.Subject, "approved") {
			t.Fatalf("decision email %q", e.Subject)
		}
		receipts := 0
		for _, e := range mails {
			if strings.HasPrefix(e.Subject, "Receipt for") {
				receipts++
			}
		}
		if receipts != 1 {
			t.Fatalf("%d receipts, want 1", receipts)
		}
		history := prog["history"].([]any)
		var path []string
		for _, h := range history {
			path = append(path, fmt.Sprint(h.(map[string]any)["to"]))
		}
		if got := strings.Join(path, ">"); got != "draft>submitted>fee_due>paid>in_review>approved" {
			t.Fatalf("history %s", got)
		}
	})

	t.Run("Calendar", func(t *testing.T) {
		var cal struct{ Programs []map[string]any }
		c.do("GET", "/calendar", "", nil, 200, &cal) // public: no token
		if len(cal.Programs) != 1 || id(cal.Programs[0]) != id(prog) || cal.Programs[0]["providerName"] != "Acme Training" {
			t.Fatalf("calendar %v", cal.Programs)
		}
		c.do("GET", "/calendar?from=2027-03-11T00:00:00Z", "", nil, 200, &cal)
		if len(cal.Programs) != 0 {
			t.Fatalf("calendar after the program: %v", cal.Programs)
		}
		c.do("GET", "/calendar?from=2027-03-01T00:00:00Z&to=2027-02-01T00:00:00Z", "", nil, 400, nil)
	})

	t.Run("Copy", func(t *testing.T) {
		var cp map[string]any
		c.do("POST", "/programs/"+id(prog)+"/copy", acme, nil, 201, &cp)
		if cp["status"] != "draft" || cp["startsAt"] != nil || cp["copiedFrom"] != id(prog) || cp["title"] != "Fair Housing Update" {
			t.Fatalf("copy %v", cp)
		}
		c.do("POST", "/programs/"+id(cp)+"/copy", acme, nil, 409, nil) // a draft cannot be copied
		c.do("POST", "/programs/"+id(cp)+"/checkout", acme, nil, 409, nil)
	})

	t.Run("LateFee", func(t *testing.T) {
		var p map[string]any
		// 25 January is 20 days after 5 January: $50 + $25 per CEC.
		c.do("POST", "/programs", acme, content("Late one", "2027-01-25T09:00:00-06:00", "2027-01-25T17:00:00-06:00"), 201, &p)
		c.do("POST", "/programs/"+id(p)+"/submit", acme, nil, 202, nil)
		p = c.waitForStatus(acme, id(p), "fee_due")
		if fee := p["fee"].(map[string]any); fee["amountCents"] != 45000.0 || fee["late"] != true || fee["daysBefore"] != 20.0 {
			t.Fatalf("late fee %v", fee)
		}
	})

	t.Run("IncompleteOrPastAnsweredAtOnce", func(t *testing.T) {
		// Nothing but a title: every missing field at once, nothing submitted.
		var p map[string]any
		c.do("POST", "/programs", acme, map[string]any{"title": "Half done"}, 201, &p)
		e := c.do("POST", "/programs/"+id(p)+"/submit", acme, nil, 422, nil)
		if e.Error.Code != "application_incomplete" ||
			e.fields() != "contactHours,description,endsAt,format,instructors,objectives,startsAt,timeZone" {
			t.Fatalf("incomplete: %+v", e)
		}
		// Held yesterday: "past educational programs will not be considered".
		c.do("PUT", "/programs/"+id(p), acme, content("Already held", "2027-01-04T09:00:00-06:00", "2027-01-04T17:00:00-06:00"), 200, &p)
		e = c.do("POST", "/programs/"+id(p)+"/submit", acme, nil, 422, nil)
		if e.fields() != "startsAt" || e.Error.Details[0].Code != "program_started" ||
			!strings.Contains(e.Error.Details[0].Message, "past educational programs will not be considered") {
			t.Fatalf("past program: %+v", e)
		}
		c.do("GET", "/programs/"+id(p), acme, nil, 200, &p)
		if p["status"] != "draft" || p["submission"] != 0.0 || len(p["history"].([]any)) != 1 {
			t.Fatalf("a refused submission wrote: %v", p)
		}
		c.do("PUT", "/programs/"+id(p), acme, content("Held again", "2027-04-04T09:00:00-05:00", "2027-04-04T17:00:00-05:00"), 200, &p)
		c.do("POST", "/programs/"+id(p)+"/submit", acme, nil, 202, &p)
		c.waitForStatus(acme, id(p), "fee_due")
		// Its invoice is mailed; no refusal ever was.
		for deadline := time.Now().Add(15 * time.Second); ; c.waitALittle() {
			var subjects []string
			invoiced := false
			for _, m := range c.emails("desk@acme.example") {
				subjects = append(subjects, m.Subject)
				invoiced = invoiced || strings.Contains(m.Subject, `"Held again"`)
				if strings.Contains(m.Subject, "not accepted") {
					t.Fatalf("a refusal was mailed: %q", m.Subject)
				}
			}
			if invoiced {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no invoice email for the corrected program: %q", subjects)
			}
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		other := c.token("sub-other", "provider", "o@other.example")
		c.do("POST", "/providers", other, map[string]any{"name": "Other", "contactName": "Oz", "email": "o@other.example",
			"phone": "+1 202 555 0199", "address": map[string]any{"line1": "1 A St", "city": "Boston", "country": "US"}}, 201, nil)
		c.do("GET", "/programs/"+id(prog), other, nil, 404, nil)
		c.do("PUT", "/programs/"+id(prog), other, content("Mine now", "2027-03-10T09:00:00-06:00", "2027-03-10T17:00:00-06:00"), 404, nil)
		c.do("POST", "/programs/"+id(prog)+"/copy", other, nil, 404, nil)
		var list struct{ Programs []map[string]any }
		c.do("GET", "/programs", other, nil, 200, &list)
		if len(list.Programs) != 0 {
			t.Fatalf("another provider sees %d programs", len(list.Programs))
		}
		c.do("GET", "/programs", acme, nil, 200, &list)
		if len(list.Programs) != 4 {
			t.Fatalf("acme sees %d programs, want 4", len(list.Programs))
		}
		holder := c.token("sub-h", "holder", "")
		c.do("POST", "/programs", holder, content("x", "2027-03-10T09:00:00-06:00", "2027-03-10T17:00:00-06:00"), 403, nil)
		c.do("GET", "/programs/"+id(prog), staff, nil, 200, nil) // staff review any program
	})

	t.Run("BadInput", func(t *testing.T) {
		for name, tc := range map[string]struct {
			body  map[string]any
			field string
		}{
			"NoOffset":     {map[string]any{"startsAt": "2027-03-10T09:00:00"}, "startsAt"},
			"ThreeDecimal": {map[string]any{"contactHours": 1.234}, "contactHours"},
			"BadFormat":    {map[string]any{"format": "hybrid"}, "format"},
			"UnknownField": {map[string]any{"venue": "x"}, "venue"},
			"OfferingNoOffset": {map[string]any{"moreOfferings": []any{map[string]any{}, map[string]any{"endsAt": "2027-03-10T09:00"}}},
				"moreOfferings.1.endsAt"}, // the contract check names items so (forms read both)
			"OfferingUnknownField": {map[string]any{"moreOfferings": []any{map[string]any{"venue": "x"}}}, "moreOfferings.0.venue"},
		} {
			e := c.do("POST", "/programs", acme, tc.body, 400, nil)
			if e.fields() != tc.field {
				t.Errorf("%s: fields %q, want %q (%+v)", name, e.fields(), tc.field, e)
			}
		}
	})

	t.Run("SeveralOfferings", func(t *testing.T) { severalOfferings(t, c, acme, staff) })
}

// waitForStatus polls a program until the asynchronous steps bring it to want.
func (c *client) waitForStatus(token, id, want string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var p map[string]any
		c.do("GET", "/programs/"+id, token, nil, 200, &p)
		if p["status"] == want {
			return p
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("program %s is %v after 15 s, want %s (problems %v)", id, p["status"], want, p["problems"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// severalOfferings runs an application of three offerings through the
// stack over HTTP, on whichever backend it runs (issue 15): on 5 January
// 2027 offering 1 has started (refused by itself), offering 2 on 20 January
// is late, offering 3 on 10 March is on time; the invoice sums them and its
// email says each; paid and approved, the calendar lists offerings 2 and 3;
// on 12 March attendance names its offering, and offering 3's is credited.
func severalOfferings(t *testing.T, c *client, provider, staff string) {
	t.Helper()
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-01-05T10:00:00-05:00"}, 200, nil)
	ona := c.token("sub-ona", "holder", "ona@example.com")
	var holder struct{ HolderID string }
	c.do("POST", "/holders", ona, map[string]any{"firstName": "Ona", "lastName": "Lind", "email": "ona@example.com"}, 201, &holder)
	offering := func(day string) map[string]any {
		return map[string]any{"startsAt": day + "T09:00:00-06:00", "endsAt": day + "T12:00:00-06:00", "timeZone": "America/Chicago",
			"location": "Palmer House " + day}
	}
	var p struct {
		ProgramID        string
		Status           string
		RefusedOfferings []struct{ Offering int }
		Fee              struct {
			AmountCents int64
			Offerings   []struct {
				Offering int
				Late     bool
			}
		}
	}
	c.do("POST", "/programs", provider, map[string]any{"title": "Leasing in three cities", "description": "The same course, three times.",
		"format": "in_person", "startsAt": "2027-01-04T09:00:00-06:00", "endsAt": "2027-01-04T12:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Hilton, Chicago", "contactHours": 2, "objectives": []string{"Lease well"}, "instructors": []string{"Dee Dunn"},
		"calendarOptIn": true, "moreOfferings": []any{offering("2027-01-20"), offering("2027-03-10")}}, 201, &p)
	c.do("POST", "/programs/"+p.ProgramID+"/submit", provider, nil, 202, &p)
	if len(p.RefusedOfferings) != 1 || p.RefusedOfferings[0].Offering != 1 {
		t.Fatalf("refused offerings %+v, want offering 1 alone", p.RefusedOfferings)
	}
	c.waitForStatus(provider, p.ProgramID, "fee_due")
	c.do("GET", "/programs/"+p.ProgramID, provider, nil, 200, &p)
	// 2 CECs × $75 (offering 2, 15 days ahead) + 2 CECs × $50 (offering 3).
	if p.Fee.AmountCents != 25000 || len(p.Fee.Offerings) != 2 || !p.Fee.Offerings[0].Late || p.Fee.Offerings[1].Late {
		t.Fatalf("fee %+v", p.Fee)
	}
	invoice := false
	for deadline := time.Now().Add(15 * time.Second); !invoice; c.waitALittle() {
		for _, e := range c.emails("desk@acme.example") {
			invoice = invoice || strings.Contains(e.Subject, "Leasing in three cities") && strings.Contains(e.Text, "Offering 3, starting 10 March 2027: 100.00 USD") &&
				strings.Contains(e.Text, "Offering 1 had started when the application was submitted")
		}
		if !invoice && time.Now().After(deadline) {
			t.Fatalf("no invoice email naming each offering: %+v", c.emails("desk@acme.example"))
		}
	}
	var co struct{ Reference string }
	c.do("POST", "/programs/"+p.ProgramID+"/checkout", provider, nil, 200, &co)
	c.do("POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)
	c.waitForStatus(provider, p.ProgramID, "in_review")
	c.do("POST", "/programs/"+p.ProgramID+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)

	var cal struct {
		Programs []struct {
			ProgramID, Location string
			Offering            int
		}
	}
	c.do("GET", "/calendar?from=2027-01-01T00:00:00Z&to=2027-12-31T00:00:00Z", "", nil, 200, &cal)
	var listed []string
	for _, e := range cal.Programs {
		if e.ProgramID == p.ProgramID {
			listed = append(listed, fmt.Sprintf("%d %s", e.Offering, e.Location))
		}
	}
	if fmt.Sprint(listed) != "[2 Palmer House 2027-01-20 3 Palmer House 2027-03-10]" {
		t.Fatalf("calendar lists %v, want offerings 2 and 3", listed)
	}

	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T10:00:00-05:00"}, 200, nil)
	roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + p.ProgramID + "," + holder.HolderID + ",Ona,Lind,2027-03-10\n"
	path := "/programs/" + p.ProgramID + "/attendance"
	for _, tc := range []struct {
		query  string
		status int
		code   string
	}{
		{"", 400, "offering_required"},
		{"?offering=1", 400, "unknown_offering"}, // refused
		{"?offering=4", 400, "unknown_offering"},
		{"?offering=2", 422, "reporting_window_closed"}, // ended 20 January: closed on 6 March
	} {
		if status, e := c.raw("POST", path+tc.query, provider, "text/csv", roster); status != tc.status || e.Error.Code != tc.code {
			t.Fatalf("attendance%s: %d %+v, want %d %s", tc.query, status, e, tc.status, tc.code)
		}
	}
	var up struct{ UploadID string }
	c.doRaw("POST", path+"?offering=3", provider, "text/csv", roster, 202, &up)
	done := c.waitForUpload(provider, p.ProgramID, up.UploadID)
	if done["offering"] != 3.0 || done["totals"].(map[string]any)["accepted"] != 1.0 {
		t.Fatalf("offering 3's upload: %v", done)
	}
}
