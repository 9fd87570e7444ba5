package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_StaffHolders: staff cannot give one holder's credentials to
// another, and read a holder's whole record (issue 14, item 5). At desktop
// width and on a phone: choosing a holder loads their own membership and
// credentials (after saving holder A, choosing holder B shows B's, not A's
// ticks), saving shows before and after, and the holder page, reached from
// the directory search and from the review queue's holder ID, shows what
// the API has: profile, credentials with their history, CEC status per
// year, submissions, and renewal invoices with payments and the payment
// mismatch flag, in words.
func TestBrowser_StaffHolders(t *testing.T) {
	// 2 November 2026: the 2027 renewal invoices are out, so recording a
	// holder's credentials issues theirs.
	s := start(t, localstack.Config{Now: "2026-11-02T09:00:00-05:00"})
	holderToken := func(sub string) string { return s.token(t, sub, "holder", sub+"@example.com") }
	newHolder := func(sub, first, last string) (string, string) {
		tok := holderToken(sub)
		var h struct{ HolderID string }
		s.api(t, "POST", "/holders", tok, map[string]any{"firstName": first, "lastName": last, "email": sub + "@example.com",
			"contact": map[string]any{"phone": "+1 703 555 0142", "address": map[string]any{"line1": "17 Quillon Lane", "city": "Arlington", "region": "VA", "country": "US"}}}, 201, &h)
		return h.HolderID, tok
	}
	staffToken := s.token(t, "office", "staff", "office@example.org")
	// Holder B already holds NALP as a guest; holder A holds nothing yet.
	anaID, anaToken := newHolder("ana", "Ana", "Quillfeather")
	boID, _ := newHolder("bo", "Bo", "Quillfeather")
	cyID, _ := newHolder("cy", "Cy", "Wrenfield")
	s.api(t, "PUT", "/holders/"+boID+"/credentials", staffToken, map[string]any{"membership": "guest",
		"credentials": []any{map[string]any{"code": "NALP", "earnedOn": "2019-03-04"}}}, 200, nil)

	office := s.person(t, "staff", false)
	office.signIn(t, "staff", "office", "office@example.org")
	phone := s.person(t, "staff-phone", true)
	phone.signIn(t, "staff", "desk", "desk@example.org")

	type held struct {
		Membership  string
		Credentials []struct{ Code, EarnedOn string }
	}
	apiHolder := func(id string) held {
		var rec struct{ Holder held }
		s.api(t, "GET", "/holders/"+id, staffToken, nil, 200, &rec)
		return rec.Holder
	}
	// form reads what the credentials form shows: membership, then each
	// ticked credential with its date, and every date typed.
	form := func(p *person) string {
		return eval[string](t, p, "read the credentials form", `(() => {
			const f = document.querySelector("#credentials-form");
			if (f.hidden) return "hidden";
			const m = f.querySelector("input[name=membership]:checked")?.value || "none";
			const out = [m];
			for (const box of f.querySelectorAll("input[type=checkbox][id^=cred-]")) {
				const date = document.getElementById(box.id + "-earned").value;
				if (box.checked || date) out.push(box.id.slice(5) + (box.checked ? "" : "(unticked)") + " " + date);
			}
			return out.join(", ");
		})()`)
	}
	choose := func(p *person, id, name string) {
		p.fill(t, "#holder-choice [name=holderId]", id)
		p.click(t, "#holder-choice button[type=submit]")
		p.waitText(t, "#credentials-holder", name+" ("+id+")")
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"ChoosingAHolderLoadsTheirs", func(t *testing.T) {
			office.open(t, "#/staff/holders")
			if got := form(office); got != "hidden" {
				t.Fatalf("before a holder is chosen the form shows %q", got)
			}
			choose(office, anaID, "Ana Quillfeather")
			if got := form(office); got != "guest" {
				t.Fatalf("Ana's form %q, want a guest with nothing ticked", got)
			}
			office.waitText(t, "#credentials-now", "Guest; no credentials")
			office.click(t, "#credentials-form input[name=membership][value=member]")
			office.click(t, "#cred-CAM")
			office.fill(t, "#cred-CAM-earned", "2020-06-01")
			office.click(t, "#credentials-form button[type=submit]")
			office.waitText(t, "#credentials-saved", "Saved for Ana Quillfeather ("+anaID+")")
			// Before and after, row by row.
			rows := eval[[]string](t, office, "the before and after", `[...document.querySelectorAll("#credentials-before-after tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent).join(" | "))`)
			want := []string{"Membership | Guest | Member", "CAM (Certified Apartment Manager) | Not held | Earned Mon, Jun 1, 2020"}
			if strings.Join(rows, "\n") != strings.Join(want, "\n") {
				t.Fatalf("before and after:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
			}
			if focused := eval[string](t, office, "focus", `document.activeElement.id`); focused != "credentials-saved" {
				t.Fatalf("focus on %q after saving, want the confirmation", focused)
			}
			office.audit(t)
			if h := apiHolder(anaID); h.Membership != "member" || len(h.Credentials) != 1 || h.Credentials[0].Code != "CAM" || h.Credentials[0].EarnedOn != "2020-06-01" {
				t.Fatalf("the API has %+v", h)
			}
			office.waitText(t, "#credentials-now", "Member; CAM earned Mon, Jun 1, 2020")
			noCodesShown(t, office)

			// Holder B, picked from the directory: B's own values, none of A's.
			office.fill(t, ".directory-form [name=q]", "Quillfeather")
			office.click(t, ".directory-form button[type=submit]")
			office.click(t, fmt.Sprintf(`.directory-results button[data-holder-id=%q]`, boID))
			office.waitText(t, "#credentials-holder", "Bo Quillfeather ("+boID+")")
			if got := form(office); got != "guest, NALP 2019-03-04" {
				t.Fatalf("after saving Ana and choosing Bo the form shows %q, want Bo's own: guest, NALP 2019-03-04", got)
			}
			office.waitText(t, "#credentials-now", "Guest; NALP earned Mon, Mar 4, 2019")
			office.audit(t)
			// A holder out of the directory is found by the email of their account.
			s.api(t, "PUT", "/holders/me/contact", holderToken("cy"), map[string]any{"phone": "+1 703 555 0142",
				"address": map[string]any{"line1": "17 Quillon Lane", "city": "Arlington", "region": "VA", "country": "US"}, "listedInDirectory": false}, 200, nil)
			for _, q := range []string{"CY@example.com", "wrenf"} { // by email, and by name
				office.fill(t, ".directory-form [name=q]", q)
				office.click(t, ".directory-form button[type=submit]")
				office.waitText(t, fmt.Sprintf(`.directory-results tr[data-holder-id=%q]`, cyID), "Cy Wrenfield")
				office.fill(t, ".directory-form [name=q]", "")
				eval[bool](t, office, "clear the results", `(document.querySelector(".directory-results").replaceChildren(), true)`)
			}
			// A holder typed by ID is read as well; a mistyped one is refused at the field.
			choose(office, cyID, "Cy Wrenfield")
			if got := form(office); got != "guest" {
				t.Fatalf("Cy's form %q", got)
			}
			office.fill(t, "#holder-choice [name=holderId]", "H-0000000000")
			if got := form(office); got != "hidden" {
				t.Fatalf("with another ID typed the form still shows %q", got)
			}
			office.click(t, "#holder-choice button[type=submit]")
			if msg := office.errorOf(t, "#holder-choice [name=holderId]"); !strings.Contains(msg, "No holder has the ID H-0000000000") {
				t.Fatalf("unknown holder: %q", msg)
			}
			choose(office, anaID, "Ana Quillfeather")
			if got := form(office); got != "member, CAM 2020-06-01" {
				t.Fatalf("Ana again: %q", got)
			}
		}},
		{"OnAPhone", func(t *testing.T) {
			phone.open(t, "#/staff/holders")
			choose(phone, boID, "Bo Quillfeather")
			phone.click(t, "#cred-CAPS")
			// Ticked without its date: asked for on that credential's date, by
			// name; a date without its tick is not dropped silently.
			phone.fill(t, "#cred-CAM-earned", "2021-01-01")
			phone.click(t, "#credentials-form button[type=submit]")
			if msg := phone.errorOf(t, "#cred-CAPS-earned"); msg != "Enter the date CAPS was earned" {
				t.Fatalf("the error at CAPS's date: %q", msg)
			}
			if msg := phone.errorOf(t, "#cred-CAM"); msg != "Tick CAM to record it, or clear its date" {
				t.Fatalf("the error at CAM: %q", msg)
			}
			phone.fill(t, "#cred-CAM-earned", "")
			if h := apiHolder(boID); len(h.Credentials) != 1 {
				t.Fatalf("Bo changed in the API: %+v", h)
			}
			phone.fill(t, "#cred-CAPS-earned", "2022-09-30")
			phone.click(t, "#credentials-form button[type=submit]")
			phone.waitText(t, "#credentials-saved", "Saved for Bo Quillfeather")
			rows := eval[[]string](t, phone, "the before and after", `[...document.querySelectorAll("#credentials-before-after tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent).join(" | "))`)
			want := []string{"Membership | Guest | Guest", "NALP (National Apartment Leasing Professional) | Earned Mon, Mar 4, 2019 | Earned Mon, Mar 4, 2019",
				"CAPS (Certified Apartment Portfolio Supervisor) | Not held | Earned Fri, Sep 30, 2022"}
			if strings.Join(rows, "\n") != strings.Join(want, "\n") {
				t.Fatalf("before and after:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
			}
			phone.audit(t)
			choose(phone, anaID, "Ana Quillfeather")
			if got := form(phone); got != "member, CAM 2020-06-01" {
				t.Fatalf("Ana after Bo on the phone: %q", got)
			}
			if h := apiHolder(boID); h.Membership != "guest" || len(h.Credentials) != 2 {
				t.Fatalf("Bo in the API: %+v", h)
			}
			noCodesShown(t, phone)
		}},
		{"HolderRecordShowsWhatTheAPIHas", func(t *testing.T) {
			// Ana's 2027 invoice (issued when her credentials were
			// recorded), paid once with the wrong amount, then in full; and
			// a submission for 2027 in review.
			var inv struct{ Invoice struct{ Status string } }
			for deadline := time.Now().Add(actionTimeout); s.status(t, "/holders/me/renewals/2027", anaToken) != http.StatusOK; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("Ana's 2027 invoice was not issued")
				}
			}
			var co struct{ Reference string }
			s.api(t, "POST", "/holders/me/renewals/2027/checkout", anaToken, nil, 200, &co)
			s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", map[string]any{"amountCents": 100}, 200, nil)
			s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)
			s.api(t, "GET", "/holders/me/renewals/2027", anaToken, nil, 200, &inv)
			if inv.Invoice.Status != "paid" {
				t.Fatalf("invoice %+v", inv)
			}
			var sub struct{ SubmissionID string }
			s.api(t, "POST", "/holders/me/submissions", anaToken, map[string]any{"year": 2027, "activities": []any{map[string]any{
				"kind": "association_course", "title": "Leasing law", "organisation": "Chapter 7", "date": "2026-03-01", "hours": 6,
				"compliance": true, "documentation": map[string]any{"type": "certificate_of_completion", "reference": "cert-42"}}}}, 201, &sub)
			for deadline := time.Now().Add(actionTimeout); ; time.Sleep(100 * time.Millisecond) {
				var got struct{ Status string }
				s.api(t, "GET", "/holders/me/submissions/"+sub.SubmissionID, anaToken, nil, 200, &got)
				if got.Status == "in_review" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("submission %s is %s", sub.SubmissionID, got.Status)
				}
			}

			// From the review queue's holder ID to the record.
			office.open(t, "#/staff/submissions")
			office.click(t, fmt.Sprintf(`article[data-submission-id=%q] a.holder-link`, sub.SubmissionID))
			office.waitRendered(t, "/staff/holders/"+anaID)
			checkRecord(t, s, office, anaID, sub.SubmissionID, staffToken)
			// Another year in detail: its activities, as the API has them.
			office.click(t, `#record-years tr[data-year="2026"] a`)
			office.waitText(t, "#record-year-heading", "Renewal 2026 in detail")
			if n := eval[int](t, office, "the 2026 activities", `document.querySelectorAll("#record-activities tbody tr").length`); n != 0 {
				t.Fatalf("%d activities shown for 2026, which has none", n)
			}
			office.click(t, `#record-years tr[data-year="2027"] a`)
			office.waitText(t, "#record-year-heading", "Renewal 2027 in detail")

			// Approved, the activity counts for 2027: on a phone, from the
			// directory search's holder ID.
			s.api(t, "POST", "/submissions/"+sub.SubmissionID+"/decision", staffToken, map[string]any{"decision": "approve"}, 200, nil)
			phone.open(t, "#/staff/holders")
			phone.fill(t, ".directory-form [name=q]", "Quillfeather")
			phone.click(t, ".directory-form button[type=submit]")
			phone.click(t, fmt.Sprintf(`.directory-results tr[data-holder-id=%q] a`, anaID))
			phone.waitRendered(t, "/staff/holders/"+anaID)
			checkRecord(t, s, phone, anaID, sub.SubmissionID, staffToken)

			// "Change the credentials" opens the form with the holder's own values.
			phone.click(t, "#change-credentials")
			phone.waitRendered(t, "/staff/holders")
			phone.waitText(t, "#credentials-holder", "Ana Quillfeather ("+anaID+")")
			if got := form(phone); got != "member, CAM 2020-06-01" {
				t.Fatalf("the form from the record: %q", got)
			}

			// A holder nobody has.
			office.open(t, "#/staff/holders/H-0000000000")
			office.waitText(t, "#holder-not-found", "No holder has the ID H-0000000000")
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			t.Fatalf("stopped after %s failed", st.name)
		}
	}
}

// checkRecord checks the holder page p shows against the API.
func checkRecord(t *testing.T, s *suite, p *person, id, submissionID, staff string) {
	t.Helper()
	var rec struct {
		Holder struct {
			HolderID, FirstName, LastName, Email, Membership string
			Credentials                                      []struct{ Code, EarnedOn string }
		}
		History []struct{ Action string }
	}
	s.api(t, "GET", "/holders/"+id, staff, nil, 200, &rec)
	p.waitText(t, "#record-holder-id", id)
	if got := p.text(t, "main h1"); got != rec.Holder.FirstName+" "+rec.Holder.LastName {
		t.Fatalf("heading %q", got)
	}
	profile := p.text(t, "#holder-profile")
	for _, want := range []string{rec.Holder.Email, "17 Quillon Lane, Arlington VA, US", "+1 703 555 0142", "Member"} {
		if !strings.Contains(profile, want) {
			t.Fatalf("the profile lacks %q: %q", want, profile)
		}
	}
	creds := eval[[]string](t, p, "the credentials", `[...document.querySelectorAll("#record-credentials tbody tr")].map((tr) => tr.dataset.code + " " + tr.dataset.earnedOn)`)
	if len(creds) != len(rec.Holder.Credentials) {
		t.Fatalf("credentials shown %q, the API has %+v", creds, rec.Holder.Credentials)
	}
	for i, c := range rec.Holder.Credentials {
		if creds[i] != c.Code+" "+c.EarnedOn {
			t.Fatalf("credential %d shown %q, the API has %+v", i, creds[i], c)
		}
	}
	// The history, newest first: the credentials staff recorded, then the holder's account.
	history := eval[[]string](t, p, "the history", `[...document.querySelectorAll("#record-history tbody tr")].map((tr) => tr.cells[2].textContent)`)
	if len(history) != len(rec.History) || len(history) == 0 ||
		history[0] != "Credentials: Guest; no credentials → Member; CAM earned Mon, Jun 1, 2020" {
		t.Fatalf("history shown %q; the API has %d changes", history, len(rec.History))
	}

	// CEC status per year: the coming renewal (2027) and the two before, each as the API has it.
	p.waitJS(t, "the years", `document.querySelectorAll("#record-years tbody tr").length === 3`)
	for _, year := range []int{2027, 2026, 2025} {
		var st struct {
			Required, Counted, Outstanding float64
			Standing                       string
		}
		s.api(t, "GET", fmt.Sprintf("/holders/%s/status?year=%d", id, year), staff, nil, 200, &st)
		row := eval[string](t, p, "a year's row", fmt.Sprintf(`(() => { const tr = document.querySelector('#record-years tr[data-year="%d"]');
			return tr.dataset.standing + " | " + [...tr.cells].map((c) => c.textContent).join(" | "); })()`, year))
		want := fmt.Sprintf("%s | %d | %d | %g | %g |", st.Standing, year, year-1, st.Required, st.Counted)
		if !strings.HasPrefix(row, want) {
			t.Fatalf("year %d: %q, want it to begin %q", year, row, want)
		}
	}

	// Submissions and invoices: one each, as the API has them.
	var subs struct {
		Submissions []struct{ SubmissionID, Status string }
	}
	s.api(t, "GET", "/holders/"+id+"/submissions", staff, nil, 200, &subs)
	shown := eval[[]string](t, p, "the submissions", `[...document.querySelectorAll("#holder-submissions article")].map((a) => a.dataset.submissionId + " " + a.dataset.status)`)
	if len(subs.Submissions) != 1 || len(shown) != 1 || shown[0] != subs.Submissions[0].SubmissionID+" "+subs.Submissions[0].Status ||
		subs.Submissions[0].SubmissionID != submissionID {
		t.Fatalf("submissions shown %q; the API has %+v", shown, subs.Submissions)
	}
	p.waitText(t, "#holder-submissions article .status", map[string]string{"in_review": "In review", "approved": "Approved"}[subs.Submissions[0].Status])
	// The coming renewal's activities in detail, each with its verdict.
	var st struct {
		Activities []struct{ ID, Status string }
	}
	s.api(t, "GET", "/holders/"+id+"/status?year=2027", staff, nil, 200, &st)
	acts := eval[[]string](t, p, "the activities", `[...document.querySelectorAll("#record-activities tbody tr")].map((tr) => tr.dataset.id + " " + tr.dataset.status)`)
	var want []string
	for _, a := range st.Activities {
		want = append(want, a.ID+" "+a.Status)
	}
	if fmt.Sprint(acts) != fmt.Sprint(want) || (subs.Submissions[0].Status == "approved") != (len(want) == 1) {
		t.Fatalf("activities shown %q; the API has %q", acts, want)
	}
	var invs struct {
		Invoices []struct {
			InvoiceID, Status string
			Flag              *string
			TotalCents        int64
			Payments          []struct{ Kind string }
		}
	}
	s.api(t, "GET", "/holders/"+id+"/renewals", staff, nil, 200, &invs)
	if len(invs.Invoices) != 1 || invs.Invoices[0].Flag == nil || *invs.Invoices[0].Flag != "payment_mismatch" || len(invs.Invoices[0].Payments) != 2 {
		t.Fatalf("the API's invoices %+v", invs.Invoices)
	}
	inv := invs.Invoices[0]
	card := fmt.Sprintf(`#holder-renewals article[data-invoice-id=%q]`, inv.InvoiceID)
	p.waitText(t, card+" .invoice-flag", "Payment mismatch")
	p.waitText(t, card+" .invoice-status", "Paid")
	p.waitText(t, card+" .invoice-total", "$125.00")
	kinds := eval[[]string](t, p, "the payments", fmt.Sprintf(`[...document.querySelectorAll('%s tbody tr')].map((tr) => tr.dataset.kind + " " + tr.querySelector("td.outcome").textContent)`, card))
	if len(kinds) != 2 || kinds[0] != "mismatch Not taken as payment: $1.00 paid, and the invoice is $125.00" || kinds[1] != "succeeded Paid" ||
		inv.Payments[0].Kind != "mismatch" || inv.Payments[1].Kind != "succeeded" {
		t.Fatalf("payments shown %q; the API has %+v", kinds, inv.Payments)
	}
	p.audit(t)
	noCodesShown(t, p)
	// On a phone each cell's label (its header's name) fits beside its value.
	if p.phone {
		if over := eval[[]string](t, p, "labels that do not fit", `[...document.querySelectorAll("table.stack td")]
			.filter((td) => td.scrollHeight > td.clientHeight + 1).map((td) => td.dataset.label)`); len(over) > 0 {
			t.Fatalf("on a phone the labels %q run past their cells", over)
		}
	}
}

// status is the status of a GET of path with token.
func (s *suite) status(t *testing.T, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, http.NoBody)
	req.Header.Set("authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
