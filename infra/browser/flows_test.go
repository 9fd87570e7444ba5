package browser

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/badges/badgetest"
	"github.com/cecportal/cecportal/internal/localstack"
	"github.com/cecportal/cecportal/internal/policy"
)

// TestBrowser_Flows goes through the provider's and the holder's whole
// flows in the forms, as three people in three tabs (a provider, staff, and
// a holder on a phone-sized screen), the stack's clock moved through 2027
// as the README's walkthrough does. After each step what the browser
// showed is checked against the API.
func TestBrowser_Flows(t *testing.T) {
	began := time.Now()
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	acme := s.person(t, "provider", false)
	office := s.person(t, "staff", false)
	ana := s.person(t, "holder", true)
	visitor := s.person(t, "visitor", true) // signs in as nobody

	var programID, holderID string
	var programBadge []byte
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"ProviderRegisters", func(t *testing.T) {
			acme.signIn(t, "provider", "acme", "desk@acme.example")
			acme.waitRendered(t, "/provider")
			f := "#provider-form "
			// Sent empty, the form lists every problem at once, in the API's
			// words and the form's order; the only request asks the API to
			// check, writing nothing (issue 14).
			eval[bool](t, acme, "count requests", `(() => { window.sent = []; const f = window.fetch; window.fetch = (...a) => { window.sent.push((a[1]?.method || "GET") + " " + String(a[0]).replace(/^https?:\/\/[^/]+/, "")); return f(...a); }; return true; })()`)
			acme.click(t, f+"button[type=submit]")
			acme.waitText(t, f+".summary", "There is a problem")
			listed := eval[string](t, acme, "the summary's lines", `document.querySelector("#provider-form .summary").innerText.trim()`)
			want := "There is a problem\nEnter the organisation's name\nEnter the contact person's name\nEnter the organisation's email address\n" +
				"Enter the organisation's phone number\nEnter the first line of the address\nEnter the town or city\nEnter the country code"
			if sent := eval[[]string](t, acme, "requests sent", `window.sent`); listed != want || !slices.Equal(sent, []string{"POST /providers?checkOnly=true"}) {
				t.Fatalf("the empty form's summary reads %q (want %q), after requests %q", listed, want, sent)
			}
			if msg := acme.errorOf(t, f+"[name=contactName]"); msg != "Enter the contact person's name" {
				t.Fatalf("error next to the contact person: %q", msg)
			}
			// A malformed email (found by the browser) with a malformed phone
			// number and country (found by the API's check): all in one round.
			acme.fillIn(t, f, "[name=name]", "Acme Training", "[name=contactName]", "Dee Dunn", "[name=email]", "desk at acme",
				"[name=phone]", "12", `[name="address.line1"]`, "9 K St", `[name="address.city"]`, "Washington", `[name="address.country"]`, "Atlantis")
			acme.click(t, f+"button[type=submit]")
			for sel, want := range map[string]string{
				"[name=phone]":             "Enter the organisation's phone number in the correct format, like +1 703 555 0100",
				`[name="address.country"]`: "Enter the country code in the correct format, like US",
			} {
				if msg := acme.errorOf(t, f+sel); msg != want {
					t.Fatalf("error at %s: %q, want %q", sel, msg, want)
				}
			}
			acme.fillIn(t, f, "[name=phone]", "+1 202 555 0142", `[name="address.country"]`, "US")
			acme.click(t, f+"button[type=submit]")
			// The API's error lands next to the field, and the summary takes focus.
			if msg := acme.errorOf(t, f+"[name=email]"); !strings.Contains(strings.ToLower(msg), "email") {
				t.Fatalf("error next to the email field: %q", msg)
			}
			if focused := eval[string](t, acme, "focus", `document.activeElement.className`); focused != "summary" {
				t.Fatalf("focus on %q after the error, want the summary", focused)
			}
			s.api(t, "GET", "/providers/me", acme.token(t), nil, 404, nil) // nothing written
			acme.fill(t, f+"[name=email]", "desk@acme.example")
			acme.click(t, f+"button[type=submit]")
			shown := acme.waitText(t, "#provider-registered", "P-")
			var p struct{ ProviderID, Name, Email string }
			s.api(t, "GET", "/providers/me", acme.token(t), nil, 200, &p)
			if !strings.Contains(shown, p.ProviderID) || p.Name != "Acme Training" || p.Email != "desk@acme.example" {
				t.Fatalf("page says %q; API has %+v", shown, p)
			}
			if got := eval[string](t, acme, "the focus", `document.activeElement.id`); got != "provider-registered" || !strings.Contains(shown, "What happens next") {
				t.Fatalf("focus on %q; the confirmation reads %q", got, shown)
			}
		}},
		{"ProviderAppliesWithFeePreview", func(t *testing.T) {
			acme.open(t, "#/provider/programs/new")
			f := "#program-form "
			acme.fill(t, f+"[name=title]", "Fair Housing Update")
			acme.fill(t, f+"[name=description]", "What changed in fair housing law.")
			acme.click(t, f+"input[name=format][value=in_person]")
			acme.fill(t, f+"[name=timeZone]", "America/Chicago")
			acme.fill(t, f+"[name=startsAt]", "2027-03-10T09:00")
			acme.fill(t, f+"[name=endsAt]", "2027-03-10T12:00")
			acme.fill(t, f+"[name=location]", "Hilton, 720 S Michigan Ave, Chicago")
			// Typed key by key: the preview follows the keyboard.
			acme.do(t, "type the contact hours", chromedp.SendKeys(chromedp.CSS(f+"[name=contactHours]"), "3"))
			acme.waitText(t, "#fee-preview", "$150.00")
			acme.waitText(t, "#fee-preview", "starts in 64 days")
			// 20 days before the start the late fee applies: $75 per CEC.
			acme.fill(t, f+"[name=startsAt]", "2027-01-25T09:00")
			acme.waitText(t, "#fee-preview", "$225.00")
			acme.waitText(t, "#fee-late", "20 days")
			acme.audit(t) // the form with the late fee's warning
			acme.fill(t, f+"[name=startsAt]", "2027-03-10T09:00")
			acme.waitText(t, "#fee-preview", "$150.00")
			acme.fill(t, f+"[name=objectives]", "Apply the 2027 rules\nSpot unlawful screening")
			acme.fill(t, f+"[name=instructors]", "Dee Dunn")
			acme.click(t, f+"[name=compliance]")
			acme.click(t, f+"[name=calendarOptIn]")
			acme.audit(t) // the form filled in, with the fee on time
			// A year typed with the time's digits after it (Chromium's year
			// takes six) is asked for again, on its field, and nothing is sent.
			if !eval[bool](t, acme, "type a six-digit year", `(() => { const el = document.querySelector("#program-form [name=startsAt]"); el.value = "202709-03-10T09:00"; return el.value === "202709-03-10T09:00"; })()`) {
				t.Fatal("the start did not take the six-digit year")
			}
			// A start typed half: no fee of an earlier value stays in the preview.
			acme.fill(t, f+"[name=startsAt]", "")
			acme.do(t, "type only the month of the start", chromedp.SendKeys(f+"[name=startsAt]", "03"))
			acme.waitText(t, "#fee-preview", "enter the start date and time in full to see it")
			// With it, the other problems the browser can find, all at once.
			hoursBefore := eval[string](t, acme, "the contact hours", `document.querySelector("#program-form [name=contactHours]").value`)
			acme.fill(t, f+"[name=contactHours]", "500")
			acme.click(t, "#submit-program")
			if msg := acme.errorOf(t, f+"[name=startsAt]"); msg != "Enter the start date and time in full, with a four-digit year" {
				t.Fatalf("error next to the start: %q", msg)
			}
			if msg := acme.errorOf(t, f+"[name=contactHours]"); msg != "The contact hours (CECs) must be from 0.5 to 100" {
				t.Fatalf("error next to the contact hours: %q", msg)
			}
			acme.fill(t, f+"[name=contactHours]", hoursBefore)
			if got := eval[string](t, acme, "the address", `location.hash`); got != "#/provider/programs/new" {
				t.Fatalf("went on to %s", got)
			}
			acme.fill(t, f+"[name=startsAt]", "2027-03-10T09:00")
			acme.click(t, "#submit-program")
			acme.waitJS(t, "the program page", `/^#\/provider\/programs\/PRG-/.test(location.hash) && document.getElementById("main").dataset.rendered`)
			acme.waitJS(t, "the fee to be invoiced", `document.querySelector("#program-status")?.dataset.status === "fee_due"`)
			programID = acme.text(t, "#program-id")
			// The confirmation stands at the top with the reference and what
			// happens next, and has the focus (issue 14, item 8).
			if got := acme.text(t, "#program-submitted"); !strings.Contains(got, programID) || !strings.Contains(got, "What happens next") {
				t.Fatalf("the confirmation reads %q", got)
			}
			shown := acme.text(t, "#fee-amount")
			var p struct {
				Status, StartsAt string
				Fee              struct {
					AmountCents int64
					Late        bool
					Status      string
				}
			}
			s.api(t, "GET", "/programs/"+programID, acme.token(t), nil, 200, &p)
			if p.Status != "fee_due" || p.Fee.AmountCents != 15000 || p.Fee.Late || shown != "$150.00" || p.StartsAt != "2027-03-10T09:00:00-06:00" {
				t.Fatalf("page shows %s; API has %+v", shown, p)
			}
		}},
		{"ProviderSavesADraft", func(t *testing.T) {
			acme.open(t, "#/provider/programs/new")
			acme.fill(t, "#program-form [name=title]", "Leasing basics (draft)")
			acme.click(t, "#save-draft")
			shown := acme.waitText(t, "#draft-saved", "PRG-")
			draftID := acme.text(t, "#draft-saved .reference strong")
			var d struct{ Status, Title string }
			s.api(t, "GET", "/programs/"+draftID, acme.token(t), nil, 200, &d)
			if d.Status != "draft" || d.Title != "Leasing basics (draft)" || !strings.Contains(shown, "Nothing was sent for approval") {
				t.Fatalf("the page says %q; the API has %+v", shown, d)
			}
			acme.open(t, "#/provider/programs/"+programID) // back to the application, for the payment
		}},
		{"ProviderPays", func(t *testing.T) {
			acme.click(t, "#pay-fee")
			acme.waitRendered(t, "/pay/cs_sim_INV-"+programID+"-1")
			if got := acme.text(t, "#pay-amount"); got != "$150.00" {
				t.Fatalf("checkout amount %q", got)
			}
			acme.click(t, "#pay-succeed")
			acme.waitText(t, "#pay-result", "Payment received")
			acme.click(t, "#pay-back")
			acme.waitRendered(t, "/provider/programs/"+programID)
			acme.waitJS(t, "the program to be in review", `document.querySelector("#program-status")?.dataset.status === "in_review"`)
			var p struct {
				Status string
				Fee    struct{ Status string }
			}
			s.api(t, "GET", "/programs/"+programID, acme.token(t), nil, 200, &p)
			if p.Status != "in_review" || p.Fee.Status != "paid" || acme.text(t, "#fee-status") == "Open" {
				t.Fatalf("after paying: %+v, page fee status %q", p, acme.text(t, "#fee-status"))
			}
			// The fee's receipt downloads: the API's PDF.
			var withFee struct{ Fee struct{ InvoiceID string } }
			s.api(t, "GET", "/programs/"+programID, acme.token(t), nil, 200, &withFee)
			receipt := acme.download(t, "#download-fee-receipt", "receipt-"+withFee.Fee.InvoiceID+".pdf")
			if want := s.call(t, "GET", "/programs/"+programID+"/fee/receipt", acme.token(t), nil, "application/pdf", 200); !bytes.HasPrefix(receipt, []byte("%PDF-")) || !bytes.Equal(receipt, want) {
				t.Fatalf("the downloaded fee receipt (%d bytes) is not the API's (%d bytes)", len(receipt), len(want))
			}
		}},
		{"StaffApprovesInTheReviewQueue", func(t *testing.T) {
			office.signInByKeyboard(t)
			// Staff's home says how many wait, as the queue has them (issue 14).
			office.open(t, "#/")
			office.waitJS(t, "the program queue's count", `document.querySelector("#home-program-reviews-count")?.dataset.count === "1"`)
			if got := office.text(t, "#home-program-reviews-count"); !strings.Contains(got, "Fair Housing Update") {
				t.Fatalf("the longest waiting reads %q", got)
			}
			office.open(t, "#/staff/programs")
			card := fmt.Sprintf(`#program-queue article[data-program-id=%q] `, programID)
			office.waitText(t, card+"h2", "Fair Housing Update")
			// The queue says how many wait, and finds in what it shows.
			office.waitText(t, "#program-count", "1 is shown: the longest waiting first.")
			office.fill(t, "#program-search", "no such words")
			office.waitText(t, "#program-count", "0 of the 1 shown match.")
			if hidden := eval[bool](t, office, "the card hidden", fmt.Sprintf(`document.querySelector(%s).hidden`, js(strings.TrimSpace(card)))); !hidden {
				t.Fatal("a card that does not match is still shown")
			}
			office.fill(t, "#program-search", "housing acme")
			office.waitText(t, "#program-count", "1 of the 1 shown match.")
			// A rejection needs a reason: the API says so next to the field.
			office.click(t, card+"input[name=decision][value=reject]")
			office.click(t, card+"button[type=submit]")
			if msg := office.errorOf(t, card+"[name=reason]"); !strings.Contains(msg, "Enter the reason") {
				t.Fatalf("error next to the reason: %q", msg)
			}
			office.click(t, card+"input[name=decision][value=approve]")
			office.fill(t, card+"[name=reason]", "Meets the criteria.")
			office.click(t, card+"button[type=submit]")
			office.waitJS(t, "the decision", fmt.Sprintf(`document.querySelector(%s)?.dataset.status === "approved"`, js(card+".decided")))
			var p struct {
				Status  string
				History []struct{ To, Reason string }
			}
			s.api(t, "GET", "/programs/"+programID, office.token(t), nil, 200, &p)
			last := p.History[len(p.History)-1]
			if p.Status != "approved" || last.To != "approved" || last.Reason != "Meets the criteria." {
				t.Fatalf("after the decision %+v", p)
			}
			// The provider's list and history show it.
			acme.open(t, "#/provider/programs")
			acme.waitJS(t, "approved in the list", fmt.Sprintf(`document.querySelector('#program-list tr[data-program-id=%q] [data-status]')?.dataset.status === "approved"`, programID))
			acme.open(t, "#/provider/programs/"+programID)
			history := acme.text(t, "#program-history tbody")
			for _, want := range []string{"Draft", "Submitted: being checked", "Fee due", "Paid", "In staff review", "Approved", "Meets the criteria.",
				"Application started", "Application fee invoiced: $", "Application fee paid, payment reference ", "The association's office", "The portal, automatically"} {
				if !strings.Contains(history, want) {
					t.Fatalf("history %q lacks %q", history, want)
				}
			}
			// The portal's notes for its log, and account IDs, are not what people read.
			for _, not := range []string{"created", "invoiced ", "queued for", " USD", "system", "acme"} {
				if strings.Contains(history, not) {
					t.Fatalf("history %q shows %q", history, not)
				}
			}
		}},
		{"AnyoneReadsTheCalendar", func(t *testing.T) {
			// Approved and opted in: on the public calendar, for anyone, no
			// sign-in, on a phone (issue 14).
			visitor.open(t, "#/calendar")
			entry := fmt.Sprintf(`#calendar-list li[data-program-id=%q] `, programID)
			visitor.waitText(t, entry+"h2", "Fair Housing Update")
			var cal struct {
				Programs []struct{ ProgramID, Title, ProviderName string }
			}
			s.api(t, "GET", "/calendar", "", nil, 200, &cal)
			if len(cal.Programs) != 1 || cal.Programs[0].ProgramID != programID {
				t.Fatalf("the API's calendar %+v", cal)
			}
			if got := visitor.text(t, entry+"p"); !strings.Contains(got, cal.Programs[0].ProviderName) || !strings.Contains(got, "CECs") {
				t.Fatalf("the calendar entry reads %q", got)
			}
			visitor.audit(t)
		}},
		{"ProviderCopiesAndIsToldAtOnceWhatToFix", func(t *testing.T) {
			acme.click(t, "#copy-program")
			acme.waitJS(t, "the copy's form", `/^#\/provider\/programs\/PRG-[A-Z0-9]+\/edit$/.test(location.hash) && document.getElementById("main").dataset.rendered`)
			copyID := strings.Split(eval[string](t, acme, "the copy's ID", `location.hash`), "/")[3]
			f := "#program-form "
			if got := eval[string](t, acme, "the copied content", `document.querySelector("#program-form [name=title]").value + "|" + document.querySelector("#program-form [name=startsAt]").value + "|" + document.querySelector("#program-form [name=objectives]").value`); got != "Fair Housing Update||Apply the 2027 rules\nSpot unlawful screening" {
				t.Fatalf("copy form %q", got)
			}
			// Held on day from 9 to 12; the preview says so.
			dated := func(day, preview, says string) {
				acme.fill(t, f+"[name=startsAt]", day+"T09:00")
				acme.fill(t, f+"[name=endsAt]", day+"T12:00")
				acme.waitText(t, preview, says)
				acme.click(t, "#submit-program")
			}
			// Held yesterday: answered at once, on the field; nothing submitted.
			dated("2027-01-04", "#fee-preview", "already started")
			if eval[bool](t, acme, "a fee shown", `!!document.querySelector("#fee-preview #fee-amount")`) {
				t.Fatal("the preview shows a fee for a program that has started, which would not be invoiced")
			}
			if msg := acme.errorOf(t, f+"[name=startsAt]"); !strings.Contains(msg, "past educational programs will not be considered") {
				t.Fatalf("error next to the start: %q", msg)
			}
			acme.waitText(t, "#program-not-submitted", "not submitted")
			var draft struct {
				Status     string
				Submission int
			}
			s.api(t, "GET", "/programs/"+copyID, acme.token(t), nil, 200, &draft)
			if draft.Status != "draft" || draft.Submission != 0 {
				t.Fatalf("after a submission answered at once: %+v", draft)
			}
			dated("2027-04-14", "#fee-on-time", "99 days")
			acme.waitRendered(t, "/provider/programs/"+copyID)
			acme.waitJS(t, "the status fee_due", `document.querySelector("#program-status")?.dataset.status === "fee_due"`)
			var p struct {
				Status, CopiedFrom, StartsAt string
				Fee                          struct{ AmountCents int64 }
			}
			s.api(t, "GET", "/programs/"+copyID, acme.token(t), nil, 200, &p)
			if p.CopiedFrom != programID || p.StartsAt != "2027-04-14T09:00:00-05:00" || p.Fee.AmountCents != 15000 || acme.text(t, "#fee-amount") != "$150.00" {
				t.Fatalf("the corrected copy %+v", p)
			}
		}},
		{"HolderSignsUpAndUpdatesContact", func(t *testing.T) {
			ana.signIn(t, "holder", "ana", "ana@example.com")
			ana.waitRendered(t, "/holder")
			f := "#signup-form "
			ana.fillIn(t, f, "[name=firstName]", "Ana", "[name=lastName]", "Lima", `[name="contact.phone"]`, "+1 703 555 0100")
			ana.click(t, f+"button[type=submit]")
			holderID = strings.TrimSpace(ana.text(t, "#holder-id"))
			var h struct {
				HolderID, FirstName, Email, Membership string
				Contact                                struct{ Phone string }
			}
			s.api(t, "GET", "/holders/me", ana.token(t), nil, 200, &h)
			if h.HolderID != holderID || h.FirstName != "Ana" || h.Email != "ana@example.com" || h.Contact.Phone != "+1 703 555 0100" || h.Membership != "guest" {
				t.Fatalf("page shows %s; API has %+v", holderID, h)
			}
			c := "#contact-form "
			ana.fillIn(t, c, "[name=phone]", "+1 703 555 0199", `[name="address.line1"]`, "1 Main St", `[name="address.city"]`, "Arlington",
				`[name="address.region"]`, "VA", `[name="address.country"]`, "XYZ")
			ana.click(t, c+"button[type=submit]")
			if msg := ana.errorOf(t, c+`[name="address.country"]`); msg != "Enter the country code in the correct format, like US" {
				t.Fatalf("error next to the country: %q", msg)
			}
			ana.fill(t, c+`[name="address.country"]`, "us")
			ana.click(t, c+"button[type=submit]")
			ana.waitText(t, "#contact-saved", "Contact details saved")
			var after struct {
				Contact struct {
					Phone   string
					Address struct{ City, Country string }
				}
				ContactConfirmedAt *string
			}
			s.api(t, "GET", "/holders/me", ana.token(t), nil, 200, &after)
			if after.Contact.Phone != "+1 703 555 0199" || after.Contact.Address.Country != "US" || after.Contact.Address.City != "Arlington" || after.ContactConfirmedAt == nil {
				t.Fatalf("after the contact update %+v", after)
			}
			// Opened again, the profile shows no stray "null" (an empty slot).
			ana.open(t, "#/holder")
			ana.waitText(t, "#holder-id", holderID)
			if txt := eval[string](t, ana, "the profile's text", `document.querySelector("main").innerText`); regexp.MustCompile(`\b(null|undefined|NaN)\b`).MatchString(txt) {
				t.Fatalf("the profile shows an empty slot's placeholder: %q", txt)
			}
			// A new error does not stand beside an earlier save's confirmation.
			ana.fill(t, c+`[name="address.country"]`, "XYZ")
			ana.click(t, c+"button[type=submit]")
			ana.errorOf(t, c+`[name="address.country"]`)
			if got := ana.text(t, "#contact-saved"); got != "" {
				t.Fatalf("beside the error, the earlier confirmation %q", got)
			}
		}},
		{"HolderWithoutCredentialsHasNothingToMeet", func(t *testing.T) {
			// Before staff record a credential there is nothing to meet:
			// the page says so, and offers nothing to report (issue 13).
			ana.open(t, "#/holder/status?year=2028")
			ana.waitText(t, "#status-no-credentials", "You hold no credential that needs renewal CECs")
			if n := eval[int](t, ana, "the met notice, the figures and the report button", `document.querySelectorAll('#status-met, #status-required, a[href^="#/holder/submit"].button').length`); n != 0 {
				t.Fatalf("a holder without credentials is shown %d met notices, figures or report buttons", n)
			}
		}},
		{"StaffRecordsCredentials", func(t *testing.T) {
			office.open(t, "#/staff/holders")
			office.fill(t, "#holder-choice [name=holderId]", holderID)
			office.click(t, "#holder-choice button[type=submit]")
			office.waitText(t, "#credentials-now", "Guest; no credentials")
			f := "#credentials-form "
			office.click(t, f+"input[name=membership][value=member]")
			office.click(t, "#cred-CAM")
			office.fill(t, "#cred-CAM-earned", "2020-06-01")
			office.click(t, f+"button[type=submit]")
			office.waitText(t, "#credentials-saved", "CAM")
			var h struct {
				Membership  string
				Credentials []struct{ Code, EarnedOn string }
			}
			s.api(t, "GET", "/holders/me", ana.token(t), nil, 200, &h)
			if h.Membership != "member" || len(h.Credentials) != 1 || h.Credentials[0].Code != "CAM" || h.Credentials[0].EarnedOn != "2020-06-01" {
				t.Fatalf("credentials %+v", h)
			}
		}},
		{"ProviderSearchesTheDirectory", func(t *testing.T) {
			// 21 holders named Moreau: one more than the directory's page.
			for i := 1; i <= 21; i++ {
				sub := fmt.Sprintf("moreau-%02d", i)
				var tok struct{ Token string }
				s.api(t, "POST", "/dev/token", "", map[string]any{"sub": sub, "role": "holder", "email": sub + "@example.com"}, 200, &tok)
				s.api(t, "POST", "/holders", tok.Token, map[string]any{"firstName": fmt.Sprintf("Zoé %02d", i), "lastName": "Moreau", "email": sub + "@example.com"}, 201, nil)
			}
			type entry struct {
				HolderID, FirstName, LastName, Membership string
				Credentials                               []string
			}
			apiPage := func(q, cursor string) ([]entry, string) {
				var page struct {
					Entries    []entry
					NextCursor string
				}
				v := url.Values{"q": {q}}
				if cursor != "" {
					v.Set("cursor", cursor)
				}
				s.api(t, "GET", "/directory?"+v.Encode(), acme.token(t), nil, 200, &page)
				return page.Entries, page.NextCursor
			}
			ids := func(es []entry) string {
				var out []string
				for _, e := range es {
					out = append(out, e.HolderID)
				}
				return strings.Join(out, " ")
			}
			d := ".directory-results "
			shownIDs := func() string {
				return eval[string](t, acme, "the holders shown", `[...document.querySelectorAll(".directory-results tbody tr")].map((r) => r.dataset.holderId).join(" ")`)
			}
			search := func(q string) {
				acme.fill(t, ".directory-form [name=q]", q)
				acme.click(t, ".directory-form button[type=submit]")
			}
			waitCaption := func(want string) {
				acme.waitJS(t, "the caption "+want, fmt.Sprintf(`document.querySelector(".directory-results caption")?.textContent === %s`, js(want)))
			}

			acme.open(t, "#/provider/directory")
			search("m")
			if msg := acme.errorOf(t, ".directory-form [name=q]"); msg != "Enter at least 2 letters of a last name, or a holder ID" {
				t.Fatalf("error next to the search field: %q", msg)
			}
			search("moreau")
			waitCaption("The first 20 found")
			acme.audit(t)
			first, cursor := apiPage("moreau", "")
			if got := shownIDs(); cursor == "" || len(first) != 20 || got != ids(first) {
				t.Fatalf("first page: page %q; API %d entries, cursor %q", got, len(first), cursor)
			}
			acme.do(t, "press Show more with the keyboard", chromedp.Focus(chromedp.CSS(d+".show-more")), chromedp.KeyEvent(kb.Enter))
			waitCaption("21 found")
			second, after := apiPage("moreau", cursor)
			if got := shownIDs(); after != "" || len(second) != 1 || got != ids(append(first, second...)) {
				t.Fatalf("after Show more: page %q; API %d more, cursor %q", got, len(second), after)
			}
			// Focus goes on to the new row, and the button is gone with the last page.
			if got := eval[string](t, acme, "the focus and the button", `document.activeElement.dataset.holderId + " " + document.querySelectorAll(".show-more").length`); got != second[0].HolderID+" 0" {
				t.Fatalf("after the last page: %q", got)
			}

			// By holder ID, in any case.
			search(strings.ToLower(holderID))
			waitCaption("1 found")
			byID, _ := apiPage(holderID, "")
			row := acme.text(t, d+"tbody tr")
			if len(byID) != 1 || row != byID[0].HolderID+byID[0].FirstName+" "+byID[0].LastName+strings.Join(byID[0].Credentials, ", ")+strings.ToUpper(byID[0].Membership[:1])+byID[0].Membership[1:] ||
				row != holderID+"Ana LimaCAMMember" {
				t.Fatalf("by ID: page %q; API %+v", row, byID)
			}

			// A holder may not search: the page says so, and so does the API.
			ana.open(t, "#/provider/directory")
			ana.waitText(t, "#wrong-role", "This page is for providers")
			if n := eval[int](t, ana, "the holder's menu", `document.querySelectorAll('#nav a[href="#/provider/directory"], .directory-form').length`); n != 0 {
				t.Fatalf("the holder's page offers the directory (%d elements)", n)
			}
			var e struct{ Error struct{ Code string } }
			s.api(t, "GET", "/directory?q=moreau", ana.token(t), nil, 403, &e)
			if e.Error.Code != "forbidden" {
				t.Fatalf("the directory for a holder: %+v", e)
			}
		}},
		{"HolderSeesWhatIsOutstanding", func(t *testing.T) {
			ana.open(t, "#/holder/status?year=2028")
			got := statusOnPage(t, ana)
			want := apiStatus(t, s, ana, 2028)
			if got != want || want != "required 6 counted 0 outstanding 6" {
				t.Fatalf("page %q, API %q", got, want)
			}
			ana.waitText(t, "#status-outstanding", "Outstanding: 6 CECs")
			// The holder's home shows the same, with a measure of progress.
			ana.open(t, "#/")
			ana.waitText(t, "#home-cecs-counted", "0 of 6 CECs")
			ana.waitText(t, "#home-cecs", "Still needed: 6 CECs")
		}},
		{"ProviderReportsAttendance", func(t *testing.T) {
			s.setClock(t, "2027-03-12T09:00:00-05:00")
			// The provider's home names the report that waits, with its deadline:
			// 45 days after 10 March 2027.
			acme.open(t, "#/")
			due := fmt.Sprintf(`#home-attendance-due li[data-program-id=%q]`, programID)
			acme.waitText(t, due, "report attendance by Sat, Apr 24, 2027")
			acme.open(t, "#/provider/programs/"+programID)
			acme.click(t, "#report-attendance")
			acme.waitRendered(t, "/provider/programs/"+programID+"/attendance")
			// A roster with the wrong header is refused whole, shown at the field.
			acme.fill(t, "#roster-form [name=rosterText]", "Holder,Name\nH-X,Ana\n")
			acme.click(t, "#roster-form button[type=submit]")
			if msg := acme.errorOf(t, "#roster-form [name=rosterText]"); !strings.Contains(strings.ToLower(msg), "header") {
				t.Fatalf("error next to the roster: %q", msg)
			}
			acme.fill(t, "#roster-form [name=rosterText]", "")
			roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" +
				fmt.Sprintf("%s,%s,ANA,lima,2027-03-10\n", programID, holderID) +
				fmt.Sprintf("%s,H-NOSUCHHOLD,Cy,Cole,2027-03-10\n", programID) +
				fmt.Sprintf("%s,%s,Ana,Lima,2027-03-11\n", programID, holderID)
			file := filepath.Join(t.TempDir(), "roster.csv")
			if err := os.WriteFile(file, []byte(roster), 0o644); err != nil {
				t.Fatal(err)
			}
			acme.do(t, "choose the roster file", chromedp.SetUploadFiles(chromedp.CSS("#roster-form [name=roster]"), []string{file}))
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitJS(t, "the upload to be done", `document.querySelector("#upload-status")?.dataset.status === "done"`)
			uploadID := strings.TrimPrefix(acme.text(t, "#report-heading"), "Upload ")
			rows := eval[string](t, acme, "the row results", `[...document.querySelectorAll("#row-results tbody tr")].map((r) => r.dataset.row + ":" + (r.dataset.accepted === "true" ? "ok" : r.dataset.reason)).join(" ")`)
			totals := acme.text(t, "#total-rows") + "/" + acme.text(t, "#total-accepted") + "/" + acme.text(t, "#total-rejected") + "/" + acme.text(t, "#total-fees")
			var up struct {
				Status string
				Totals struct {
					Rows, Accepted, Rejected int
					Fees                     struct{ AmountCents int64 }
				}
				Rows []struct {
					Row      int
					Accepted bool
					Reason   string
				}
			}
			s.api(t, "GET", "/programs/"+programID+"/attendance/"+uploadID, acme.token(t), nil, 200, &up)
			var apiRows []string
			for _, r := range up.Rows {
				v := r.Reason
				if r.Accepted {
					v = "ok"
				}
				apiRows = append(apiRows, fmt.Sprintf("%d:%s", r.Row, v))
			}
			apiTotals := fmt.Sprintf("%d/%d/%d/$%d.00", up.Totals.Rows, up.Totals.Accepted, up.Totals.Rejected, up.Totals.Fees.AmountCents/100)
			// The page shows the rejected rows first; the API, in row order.
			if rows != "3:holder_not_found 4:completion_outside_program 2:ok" || strings.Join(apiRows, " ") != "2:ok 3:holder_not_found 4:completion_outside_program" ||
				totals != apiTotals || totals != "3/1/2/$0.00" {
				t.Fatalf("page rows %q totals %q; API rows %v totals %s", rows, totals, apiRows, apiTotals)
			}
			if msg := acme.text(t, `#row-results tr[data-row="3"]`); !strings.Contains(msg, "Rejected") {
				t.Fatalf("row 3 reads %q", msg)
			}

			// One attendee: sent empty, each field says what it needs.
			acme.click(t, "#attendee-form button[type=submit]")
			if msg := acme.errorOf(t, "#attendee-date"); msg != "Enter the completion date" {
				t.Fatalf("error next to the completion date: %q", msg)
			}
			acme.waitText(t, "#attendee-form .summary", "Enter the holder ID")
			// Found in the directory, reported as JSON; Ana is credited
			// already, so nobody is credited twice.
			acme.fill(t, ".directory-form [name=q]", "lim")
			acme.click(t, ".directory-form button[type=submit]")
			acme.click(t, fmt.Sprintf(`button[data-holder-id=%q]`, holderID))
			if got := eval[string](t, acme, "the picked holder", `document.querySelector("#attendee-holder").value + " " + document.querySelector("#attendee-first").value`); got != holderID+" Ana" {
				t.Fatalf("picked %q", got)
			}
			acme.fill(t, "#attendee-date", "2027-03-10")
			acme.click(t, "#attendee-form button[type=submit]")
			// The outcome speaks of Ana, not of rows of a file.
			acme.waitJS(t, "the attendee's outcome", `document.querySelector("#report-heading")?.dataset.uploadId !== undefined`)
			second := eval[string](t, acme, "the upload", `document.querySelector("#report-heading").dataset.uploadId`)
			var again struct {
				Rows []struct{ Reason string }
			}
			s.api(t, "GET", "/programs/"+programID+"/attendance/"+second, acme.token(t), nil, 200, &again)
			heading, outcome := acme.text(t, "#report-heading"), acme.text(t, "#upload-outcome")
			if len(again.Rows) != 1 || again.Rows[0].Reason != "already_credited" || heading != "Already credited" ||
				outcome != "Ana Lima ("+holderID+") was already credited for this program: nothing was changed." {
				t.Fatalf("single attendee: page %q / %q, API %+v", heading, outcome, again)
			}
			if second == uploadID || strings.Contains(outcome, "row") {
				t.Fatalf("the outcome %q (upload %s) speaks of the file", outcome, second)
			}
			// Home says it is reported, and until when more can be.
			acme.open(t, "#/")
			acme.waitText(t, due, "more attendees can be reported until Sat, Apr 24, 2027")
		}},
		{"HolderIsCredited", func(t *testing.T) {
			ana.open(t, "#/holder/status?year=2028")
			got := statusOnPage(t, ana)
			if want := apiStatus(t, s, ana, 2028); got != want || want != "required 6 counted 3 outstanding 3" {
				t.Fatalf("page %q, API %q", got, want)
			}
			ana.waitText(t, `#status-activities tr[data-source=program]`, "Fair Housing Update")
			// Its certificate of completion downloads: the API's PDF.
			id := eval[string](t, ana, "the credited program's ID", `document.querySelector("#status-activities button.certificate").dataset.programId`)
			cert := ana.download(t, "#status-activities button.certificate", "certificate-"+id+".pdf")
			if want := s.call(t, "GET", "/holders/me/certificates/"+id, ana.token(t), nil, "application/pdf", 200); !bytes.HasPrefix(cert, []byte("%PDF-")) || !bytes.Equal(cert, want) {
				t.Fatalf("the downloaded certificate (%d bytes) is not the API's (%d bytes)", len(cert), len(want))
			}
			// And its digital badge: the API's signed file.
			ana.waitText(t, "#status-about-badges", "check a digital badge")
			badge := ana.download(t, "#status-activities button.open-badge", "badge-"+id+".jwt")
			if want := s.call(t, "GET", "/holders/me/badges/programs/"+id, ana.token(t), nil, "application/vc+jwt", 200); !bytes.HasPrefix(badge, []byte("eyJ")) || !bytes.Equal(badge, want) {
				t.Fatalf("the downloaded badge (%d bytes) is not the API's (%d bytes)", len(badge), len(want))
			}
			if err := badgetest.Validate(t, badgetest.Payload(t, string(badge))); err != nil {
				t.Fatalf("the downloaded badge is not a valid OB 3.0 AchievementCredential: %v", err)
			}
			programBadge = badge
		}},
		{"AnyoneChecksTheBadge", func(t *testing.T) {
			// Signed in as nobody, on a phone: the badge's file checks as genuine.
			visitor.open(t, "#/badges/check")
			visitor.click(t, "#badge-check button[type=submit]")
			visitor.waitText(t, "#badge-check .summary", "Choose the badge file, or paste the badge")
			if msg := visitor.errorOf(t, `#badge-check [name=file]`); msg != "Choose the badge file, or paste the badge" {
				t.Fatalf("error next to the file: %q", msg)
			}
			visitor.review(t)
			path := filepath.Join(t.TempDir(), "badge.jwt")
			if err := os.WriteFile(path, programBadge, 0o600); err != nil {
				t.Fatal(err)
			}
			visitor.do(t, "choose the badge file", chromedp.SetUploadFiles(chromedp.CSS("#badge-check [name=file]"), []string{path}))
			visitor.click(t, "#badge-check button[type=submit]")
			visitor.waitText(t, "#badge-valid", "This badge is genuine")
			if got := visitor.text(t, "#badge-result"); !strings.Contains(got, "Ana Lima") || !strings.Contains(got, "Fair Housing Update") {
				t.Fatalf("the check shows %q", got)
			}
			visitor.review(t)
			// A badge whose CECs were changed by hand is not genuine.
			parts := strings.Split(string(programBadge), ".")
			visitor.fill(t, "#badge-check [name=credential]", parts[0]+"."+parts[1]+"x."+parts[2])
			visitor.click(t, "#badge-check button[type=submit]")
			visitor.waitText(t, "#badge-not-valid", "This is not a genuine badge")
			visitor.review(t)
		}},
		{"StaffWithdrawTheBadge", func(t *testing.T) {
			office.open(t, "#/staff/holders/"+holderID)
			card := fmt.Sprintf(`#holder-badges .badge-card[data-kind=program][data-key="%s"] `, programID)
			office.waitText(t, card+".badge-standing", "Valid")
			// Sent without a reason, it says what to write, and withdraws nothing.
			office.click(t, card+"button[type=submit]")
			office.waitText(t, card+".summary", "Enter why the badge is withdrawn")
			office.review(t)
			office.fill(t, card+"[name=reason]", "Reported in error: Ana attended another session.")
			office.click(t, card+"button[type=submit]")
			office.waitText(t, "#badge-withdrawn-program-"+programID, "The badge is withdrawn")
			office.waitText(t, card+".badge-standing", "by the association's office: Reported in error")
			office.review(t)
			// Checked again, it says so.
			visitor.fill(t, "#badge-check [name=credential]", string(programBadge))
			visitor.click(t, "#badge-check button[type=submit]")
			visitor.waitText(t, "#badge-revoked", "has withdrawn it")
			if got := visitor.text(t, "#badge-result"); !strings.Contains(got, "Reported in error: Ana attended another session.") {
				t.Fatalf("the check of the withdrawn badge shows %q", got)
			}
			visitor.review(t)
		}},
		{"HolderSubmitsSelfReportedCECs", func(t *testing.T) {
			ana.open(t, "#/holder/submit?year=2028")
			// Sent empty, each problem names its activity by number, as the API would.
			ana.click(t, "#submission-form button[type=submit]")
			ana.waitText(t, "#submission-form .summary", "Choose the kind of activity 1")
			if msg := ana.errorOf(t, `#submission-form [name="activities[0].documentation.type"]`); msg != "Choose the type of documentation of activity 1" {
				t.Fatalf("error next to the documentation's type: %q", msg)
			}
			activity := func(i int, kind, title, hours, doc string) {
				p := fmt.Sprintf(`#submission-form [name="activities[%d].`, i)
				ana.fill(t, p+`kind"]`, kind)
				ana.fill(t, p+`title"]`, title)
				ana.fill(t, p+`organisation"]`, "Chapter 7")
				ana.fill(t, p+`date"]`, "2027-03-02")
				ana.fill(t, p+`hours"]`, hours)
				ana.fill(t, p+`documentation.type"]`, doc)
				ana.fill(t, p+`documentation.reference"]`, "cert-42")
			}
			activity(0, "association_course", "Leasing law", "2", "certificate_of_completion")
			// While the form is filled in, a running total against the
			// requirement: 3 credited + 2 = 5 of 6, 1 short.
			ana.waitText(t, "#running-counted", "5 of 6 CECs")
			ana.waitText(t, "#running-shortfalls", "Add at least 1 more CEC: 5 of the 6 CECs required count so far.")
			ana.click(t, "#submission-form button[type=submit]")
			// Refused whole, with what is missing in words.
			ana.waitText(t, "#submission-form .summary", "Add at least 1 more CEC: 5 of the 6 CECs required count so far.")
			noCodesShown(t, ana)
			var status struct{ Counted float64 }
			s.api(t, "GET", "/holders/me/status?year=2028", ana.token(t), nil, 200, &status)
			if status.Counted != 3 {
				t.Fatalf("a refused submission counted: %+v", status)
			}
			ana.click(t, "#add-activity")
			activity(1, "college_course", "Fair housing seminar", "1", "transcript_or_exam_result")
			ana.waitText(t, "#running-counted", "6 of 6 CECs") // 3 credited + 2 + 1 from other sources (at most 3)
			ana.waitText(t, "#running-verdict", "looks met")
			// One more, which staff will reject: a legislative event, whose
			// documentation may be of either group of the policy.
			ana.click(t, "#add-activity")
			ana.fill(t, `#submission-form [name="activities[2].kind"]`, "legislative_event")
			offered := eval[string](t, ana, "the documentation offered", `[...document.querySelector('#submission-form [name="activities[2].documentation.type"]').options].map((o) => o.value).filter(Boolean).join(" ")`)
			if want := documentationOf(t, "legislative_event"); offered != want {
				t.Fatalf("documentation offered for a legislative event %q, policy %q", offered, want)
			}
			activity(2, "legislative_event", "Capitol Hill day", "1", "appointment_letter")
			ana.click(t, "#submission-form button[type=submit]")
			shown := ana.waitText(t, "#submission-received", "SUB-")
			subID := ana.text(t, "#submission-received .reference strong")
			// The confirmation is at the top with the focus, says what happens
			// next, and the form starts again empty (issue 14, item 8).
			if got := eval[string](t, ana, "the focus and the form", `document.activeElement.id + " " + document.querySelectorAll("#activities > fieldset").length + " " + document.querySelector('#submission-form [name="activities[0].title"]').value`); got != "submission-received 1 " {
				t.Fatalf("after submitting: focus, activities, first title = %q", got)
			}
			if !strings.Contains(shown, "What happens next") || !strings.HasPrefix(subID, "SUB-") {
				t.Fatalf("the confirmation reads %q", shown)
			}
			// The running total does not ask again for what was just sent.
			ana.waitText(t, "#running-pending", "Your submission "+subID+" for the 2028 renewal is waiting for the association's review.")
			if eval[bool](t, ana, "a shortfall shown", `!!document.querySelector("#running-shortfalls")`) {
				t.Fatal("the running total asks for more CECs while the submission waits for review")
			}
			var sub struct {
				SubmissionID, Status string
				Activities           []struct{ Title string }
			}
			s.api(t, "GET", "/holders/me/submissions/"+subID, ana.token(t), nil, 200, &sub)
			if sub.SubmissionID != subID || len(sub.Activities) != 3 || (sub.Status != "received" && sub.Status != "in_review") {
				t.Fatalf("page %q; API %+v", shown, sub)
			}
			// "Your submissions" comes from the API, not from this browser, and
			// follows the asynchronous check by itself: in review, no Refresh.
			eval[int](t, ana, "forget what this browser kept of submissions",
				`Object.keys(localStorage).filter((k) => k.startsWith("cecportal.submissions")).map((k) => localStorage.removeItem(k)).length`)
			ana.open(t, "#/holder/submit?year=2028")
			ana.waitText(t, fmt.Sprintf(`#my-submissions [data-submission-id=%q] .status`, subID), "In review")
			// The status page says it waits, and offers no second submission.
			ana.open(t, "#/holder/status?year=2028")
			ana.waitText(t, "#status-pending", "Your submission "+subID)
			if eval[bool](t, ana, "an offer to report", `[...document.querySelectorAll("#cec-status a")].some((a) => a.textContent.includes("Report the outstanding CECs"))`) {
				t.Fatal("the status page offers a second submission while one waits for review")
			}
			ana.open(t, "#/holder/submit?year=2028")
			ana.waitText(t, fmt.Sprintf(`#my-submissions [data-submission-id=%q] .status`, subID), "In review")

			// Staff approve it from the review queue once the reviewer step
			// queued it, rejecting the third activity with a reason.
			card := fmt.Sprintf(`#submission-queue article[data-submission-id=%q] `, subID)
			deadline := time.Now().Add(30 * time.Second)
			for {
				office.open(t, "#/staff/submissions")
				if eval[bool](t, office, "the queue", fmt.Sprintf(`document.querySelector(%s) !== null`, js(card+"form"))) {
					break
				}
				if time.Now().After(deadline) {
					s.fail(t, office, "the submission in the review queue", fmt.Errorf("%s not in the queue after 30 s", subID))
				}
				time.Sleep(200 * time.Millisecond)
			}
			reason := card + `[name="activities[2].reason"]`
			office.do(t, "tick the third activity with the keyboard", chromedp.Focus(chromedp.CSS(card+`[name="reject-2"]`)), chromedp.KeyEvent(" "))
			office.click(t, card+"input[name=decision][value=approve]")
			// Before it is recorded, the decision's effect on the year (issue 14):
			// 3 credited + 2 + 1 kept = 6 of 6.
			office.waitText(t, card+".preview", "Approving it and rejecting 1 activity would leave the 2028 year met")
			office.click(t, card+"input[name=decision][value=reject]")
			office.waitText(t, card+".preview", "Rejecting the whole submission would leave the 2028 year 3 CECs short")
			office.click(t, card+"input[name=decision][value=approve]")
			office.click(t, card+"button[type=submit]")
			// Without a reason it is asked for at the third activity's reason, by number.
			if msg := office.errorOf(t, reason); msg != "Enter why activity 3 is rejected" {
				t.Fatalf("error next to the third activity's reason: %q", msg)
			}
			if n := eval[int](t, office, "errors at other activities", fmt.Sprintf(`document.querySelectorAll(%s).length`, js(card+`[aria-invalid="true"]`))); n != 1 {
				t.Fatalf("%d controls marked invalid, want the one reason", n)
			}
			office.audit(t)
			office.fill(t, reason, "No record of the event")
			office.click(t, card+"button[type=submit]")
			office.waitJS(t, "the decision", fmt.Sprintf(`document.querySelector(%s)?.dataset.status === "approved"`, js(card+".decided")))
			office.waitText(t, card+".decided", "The year is met")
			var decided struct {
				Status     string
				Activities []struct{ Title, Decision, DecisionReason string }
				Result     struct {
					Met     bool
					Counted float64
				}
			}
			s.api(t, "GET", "/holders/me/submissions/"+subID, ana.token(t), nil, 200, &decided)
			var decisions []string
			for _, a := range decided.Activities {
				decisions = append(decisions, a.Decision+":"+a.DecisionReason)
			}
			if got := strings.Join(decisions, ","); decided.Status != "approved" || got != "approved:,approved:,rejected:No record of the event" || !decided.Result.Met || decided.Result.Counted != 6 {
				t.Fatalf("the decided submission: %+v", decided)
			}
			// The holder sees the decision per activity.
			ana.click(t, "#refresh-submissions")
			mine := fmt.Sprintf(`#my-submissions [data-submission-id=%q] `, subID)
			ana.waitText(t, mine+"tbody tr:nth-child(3)", "Rejected: No record of the event")
			if got := ana.text(t, mine+"tbody tr:nth-child(1)"); !strings.Contains(got, "Approved") {
				t.Fatalf("the first activity reads %q", got)
			}

			ana.open(t, "#/holder/status?year=2028")
			got := statusOnPage(t, ana)
			if want := apiStatus(t, s, ana, 2028); got != want || want != "required 6 counted 6 outstanding 0" {
				t.Fatalf("page %q, API %q", got, want)
			}
			ana.waitText(t, "#status-met", "meet the requirement")

			// And as a PDF, the API's: the year met, the activities listed.
			trPDF := ana.download(t, "#download-transcript-pdf", "cec-transcript-2028.pdf")
			if !bytes.HasPrefix(trPDF, []byte("%PDF-")) || !bytes.Contains(trPDF, []byte("met: 6 of the 6 CECs required count")) {
				t.Fatalf("the downloaded transcript PDF (%d bytes) does not say the year is met", len(trPDF))
			}
			// The transcript the page downloads is the API's CSV.
			file := ana.download(t, "#download-transcript", "cec-transcript-2028.csv")
			want := s.call(t, "GET", "/holders/me/transcript?year=2028", ana.token(t), nil, "text/csv", 200)
			var tr struct{ Entries []struct{ Title string } }
			s.api(t, "GET", "/holders/me/transcript?year=2028", ana.token(t), nil, 200, &tr)
			records, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
			if err != nil || !bytes.Equal(file, want) || len(records) != len(tr.Entries)+1 || len(tr.Entries) < 3 ||
				!bytes.Contains(file, []byte("Fair Housing Update")) || !bytes.Contains(file, []byte("Leasing law")) {
				t.Fatalf("downloaded (%v):\n%s\nAPI CSV:\n%s\nAPI entries %+v", err, file, want, tr.Entries)
			}
		}},
		{"HolderPaysTheRenewalInvoice", func(t *testing.T) {
			s.setClock(t, "2027-11-02T09:00:00-05:00")
			// The daily job, run from the Local tools page.
			ana.open(t, "#/dev")
			ana.click(t, "#job-renewal-invoices")
			ana.waitText(t, "#job-result", "done")
			// The sweep's pieces go through the daily work queue.
			for deadline := time.Now().Add(actionTimeout); s.status(t, "/holders/me/renewals/2028", ana.token(t)) != 200; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the 2028 invoice was not issued")
				}
			}
			ana.open(t, "#/holder/renewal?year=2028")
			if got := ana.text(t, "#invoice-total"); got != "$125.00" {
				t.Fatalf("invoice total %q", got)
			}
			// The invoice downloads as a PDF, unpaid.
			if inv := ana.download(t, "#download-invoice", "invoice-REN-"+holderID+"-2028.pdf"); !bytes.Contains(inv, []byte("Unpaid: due")) {
				t.Fatalf("the downloaded invoice (%d bytes) does not say it is unpaid", len(inv))
			}
			ana.click(t, "#pay-renewal")
			ana.waitRendered(t, "/pay/cs_sim_REN-"+holderID+"-2028")
			ana.click(t, "#pay-succeed")
			ana.waitText(t, "#pay-result", "Payment received")
			ana.click(t, "#pay-back")
			ana.waitRendered(t, "/holder/renewal")
			ana.waitJS(t, "the invoice to be paid", `document.querySelector("#invoice-status")?.dataset.status === "paid"`)
			ana.waitText(t, "#renewal-complete", "complete")
			ana.waitText(t, "#payment-received", "Your 2028 dues are paid")
			var r struct {
				Complete bool
				Invoice  struct {
					Status     string
					TotalCents int64
				}
				Steps []struct {
					Step string
					Done bool
				}
			}
			s.api(t, "GET", "/holders/me/renewals/2028", ana.token(t), nil, 200, &r)
			pageSteps := eval[string](t, ana, "the steps", `[...document.querySelectorAll("#renewal-steps li")].map((li) => li.dataset.step + "=" + li.dataset.done).join(" ")`)
			var apiSteps []string
			for _, st := range r.Steps {
				apiSteps = append(apiSteps, fmt.Sprintf("%s=%v", st.Step, st.Done))
			}
			if !r.Complete || r.Invoice.Status != "paid" || r.Invoice.TotalCents != 12500 || pageSteps != strings.Join(apiSteps, " ") {
				t.Fatalf("page steps %q; API %+v", pageSteps, r)
			}
			// Paid, the receipt downloads: the API's PDF, byte for byte.
			receipt := ana.download(t, "#download-receipt", "receipt-REN-"+holderID+"-2028.pdf")
			if want := s.call(t, "GET", "/holders/me/renewals/2028/receipt", ana.token(t), nil, "application/pdf", 200); !bytes.HasPrefix(receipt, []byte("%PDF-")) || !bytes.Equal(receipt, want) {
				t.Fatalf("the downloaded receipt (%d bytes) is not the API's (%d bytes)", len(receipt), len(want))
			}
			// Complete, with a step not done: the page says why both hold.
			open := eval[bool](t, ana, "a step not done", `!!document.querySelector('#renewal-steps li[data-done="false"]')`)
			explained := eval[bool](t, ana, "the explanation", `!!document.querySelector("#steps-still-open")`)
			if open != explained || ana.text(t, "#renewal h3") != "The steps" {
				t.Fatalf("a step not done: %v; explained: %v; heading %q", open, explained, ana.text(t, "#renewal h3"))
			}
		}},
	}
	for _, st := range steps {
		// Then the audit and axe-core on what each tab shows at the end of the step.
		if !t.Run(st.name, func(t *testing.T) { st.run(t); s.auditTabs(t) }) {
			t.Fatalf("stopped after %s failed", st.name)
		}
	}
	t.Logf("both flows in %v", time.Since(began).Round(10*time.Millisecond))
}

// documentationOf is the documentation types the default policy accepts
// for kind, in the order of its groups.
func documentationOf(t *testing.T, kind string) string {
	t.Helper()
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	k, ok := pol.ActivityKind(kind)
	if !ok {
		t.Fatalf("no kind %s in the policy", kind)
	}
	var out []string
	for _, g := range k.Documentation {
		out = append(out, pol.Documentation[g]...)
	}
	return strings.Join(out, " ")
}

// statusOnPage reads the status figures the page shows.
func statusOnPage(t *testing.T, p *person) string {
	t.Helper()
	p.waitJS(t, "the status", `document.querySelector("#status-required") !== null`)
	return fmt.Sprintf("required %s counted %s outstanding %s", p.text(t, "#status-required"), p.text(t, "#status-counted"), p.text(t, "#status-outstanding-value"))
}

// apiStatus reads the same figures from the API.
func apiStatus(t *testing.T, s *suite, p *person, year int) string {
	t.Helper()
	var st struct{ Required, Counted, Outstanding float64 }
	s.api(t, "GET", fmt.Sprintf("/holders/me/status?year=%d", year), p.token(t), nil, 200, &st)
	return fmt.Sprintf("required %v counted %v outstanding %v", st.Required, st.Counted, st.Outstanding)
}
