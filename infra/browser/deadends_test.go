package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_DeadEnds: every state where a person could be stuck says
// what happened, why and what to do next, in words (issue 14, items 2 and
// 4). A provider at desktop width ("Save and submit" on an incomplete
// application; a refused and a rejected application) and on a phone (the
// rejected one), and a holder at desktop width whose CEC submission falls
// short (the flows test does the same on a phone).
func TestBrowser_DeadEnds(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	acme := s.person(t, "provider", false)
	acme.signIn(t, "provider", "acme", "desk@acme.example")
	s.api(t, "POST", "/providers", acme.token(t), map[string]any{"name": "Acme Training", "contactName": "Dee Dunn",
		"email": "desk@acme.example", "phone": "+1 202 555 0142",
		"address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	staff := s.token(t, "office", "staff", "office@example.org")

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"IncompleteSaveAndSubmit", func(t *testing.T) {
			acme.open(t, "#/provider/programs/new")
			f := "#program-form "
			acme.fill(t, f+"[name=title]", "Half-finished application")
			acme.click(t, "#submit-program")
			// Every missing field at once, each on its field, in words.
			for sel, want := range map[string]string{
				"[name=description]":  "Enter a description of the program",
				"[name=startsAt]":     "Enter the start date and time",
				"[name=endsAt]":       "Enter the end date and time",
				"[name=contactHours]": "Enter the contact hours (CECs)",
				"[name=objectives]":   "Add the learning objectives",
				"[name=instructors]":  "Add the instructors' names",
			} {
				if msg := acme.errorOf(t, f+sel); msg != want {
					t.Fatalf("error at %s: %q, want %q", sel, msg, want)
				}
			}
			acme.waitText(t, `#program-form fieldset[data-group="format"] .error-text`, "Choose the format")
			if n := eval[int](t, acme, "the fields marked", `document.querySelectorAll('#program-form [aria-invalid="true"]').length`); n != 6 {
				t.Fatalf("%d controls marked invalid, want 6", n)
			}
			// Found before anything is sent: no application was created, and
			// the form keeps what was typed.
			acme.audit(t)
			noCodesShown(t, acme)
			if list := s.programs(t, acme.token(t)); len(list) != 0 {
				t.Fatalf("programs after the incomplete submission: %+v", list)
			}
			if got := eval[string](t, acme, "the address and the title", `location.hash + " " + document.querySelector("#program-form [name=title]").value`); got != "#/provider/programs/new Half-finished application" {
				t.Fatalf("after the incomplete submission: %q", got)
			}

			// Completed in the same form, it is submitted: one application.
			acme.fill(t, f+"[name=description]", "What changed in fair housing law.")
			acme.click(t, f+"input[name=format][value=live_online]")
			acme.fill(t, f+"[name=startsAt]", "2027-03-10T09:00")
			acme.fill(t, f+"[name=endsAt]", "2027-03-10T12:00")
			acme.fill(t, f+"[name=url]", "https://acme.example/live")
			acme.fill(t, f+"[name=contactHours]", "3")
			acme.fill(t, f+"[name=objectives]", "Apply the 2027 rules")
			acme.fill(t, f+"[name=instructors]", "Dee Dunn")
			acme.click(t, "#submit-program")
			acme.waitJS(t, "the program page", `/^#\/provider\/programs\/PRG-[A-Z0-9]+$/.test(location.hash) && document.getElementById("main").dataset.rendered`)
			acme.waitJS(t, "the fee to be invoiced", `document.querySelector("#program-status")?.dataset.status === "fee_due"`)
			acme.waitText(t, "#program-outcome", "Pay the application fee of $150.00")
			if list := s.programs(t, acme.token(t)); len(list) != 1 {
				t.Fatalf("%d programs, want the one draft submitted", len(list))
			}
			// No refusal was ever mailed: the invoice came, nothing else.
			subjects := s.waitForMail(t, "desk@acme.example", "Application fee for")
			for _, subj := range subjects {
				if strings.Contains(subj, "not accepted") {
					t.Fatalf("a refusal was mailed: %q (all: %q)", subj, subjects)
				}
			}
		}},
		{"RefusedSaysWhatToFix", func(t *testing.T) {
			// Submit checks what validation would, so the stack refuses a
			// program only when the policy changes between submission and
			// validation (internal/programs tests that). Here the API's
			// answer about one program is made a refusal, to see the page.
			var p struct{ ProgramID string }
			s.api(t, "POST", "/programs", acme.token(t), map[string]any{"title": "Leasing law"}, 201, &p)
			eval[bool](t, acme, "make the program a refused one", fmt.Sprintf(`((id) => {
				const real = window.__realFetch = window.fetch;
				window.fetch = async (url, opts) => {
					const resp = await real(url, opts);
					if (!String(url).endsWith("/programs/" + id) || (opts?.method || "GET") !== "GET" || !resp.ok) return resp;
					const p = await resp.json();
					p.history.push({at: new Date().toISOString(), by: "system", from: "submitted", to: "refused", reason: "Contact hours: must be from 0.5 to 5"});
					Object.assign(p, {status: "refused", problems: [{field: "contactHours", code: "out_of_range", message: "must be from 0.5 to 5"}]});
					return new Response(JSON.stringify(p), {status: 200, headers: {"content-type": "application/json"}});
				};
				return true;
			})(%s)`, js(p.ProgramID)))
			acme.open(t, "#/provider/programs/"+p.ProgramID)
			acme.waitText(t, "#program-outcome h2", "Not accepted: the application needs correcting")
			acme.waitText(t, "#program-problems", "Contact hours must be from 0.5 to 5")
			acme.waitText(t, "#program-outcome", "correct the application, then submit it again")
			noCodesShown(t, acme)
			if got := acme.text(t, "#edit-program"); got != "Correct the application" {
				t.Fatalf("the next step reads %q", got)
			}
			acme.click(t, "#edit-program")
			acme.waitRendered(t, "/provider/programs/"+p.ProgramID+"/edit")
			// The form shows the problems on their fields.
			if msg := acme.errorOf(t, "#program-form [name=contactHours]"); !strings.Contains(msg, "must be from 0.5 to 5") {
				t.Fatalf("error at the contact hours: %q", msg)
			}
			acme.waitText(t, "#program-form .summary", "not accepted")
			noCodesShown(t, acme)
			eval[bool](t, acme, "forget the doctored answers", `(window.fetch = window.__realFetch, true)`)
		}},
		{"RejectedSaysWhyAndOffersACopy", func(t *testing.T) {
			const reason = "The objectives do not name a housing topic; name the fair housing rules the session covers."
			id := s.rejectedProgram(t, acme.token(t), staff, reason)
			phone := s.person(t, "provider-phone", true)
			phone.signIn(t, "provider", "acme", "desk@acme.example")
			for _, p := range []*person{phone, acme} {
				p.open(t, "#/provider/programs/"+id)
				p.waitText(t, "#program-outcome h2", "Not approved")
				if got := p.text(t, "#rejection-reason"); got != reason {
					t.Fatalf("%s: the reason reads %q", p.name, got)
				}
				p.waitText(t, "#program-outcome", "copy it into a new application, change what the reason asks for")
				p.waitText(t, "#program-outcome", "cec@example.org") // whom to ask
				if got := p.text(t, "#copy-program"); got != "Copy into a new application" {
					t.Fatalf("%s: the next step reads %q", p.name, got)
				}
				p.audit(t)
				noCodesShown(t, p)
			}
			acme.click(t, "#copy-program")
			acme.waitJS(t, "the copy's form", `/^#\/provider\/programs\/PRG-[A-Z0-9]+\/edit$/.test(location.hash) && document.getElementById("main").dataset.rendered`)
			if got := eval[string](t, acme, "the copied title", `document.querySelector("#program-form [name=title]").value`); got != "Fair Housing Update" {
				t.Fatalf("the copy's title %q", got)
			}
			copyID := strings.Split(eval[string](t, acme, "the copy's ID", `location.hash`), "/")[3]
			var cp struct{ Status, CopiedFrom string }
			s.api(t, "GET", "/programs/"+copyID, acme.token(t), nil, 200, &cp)
			if cp.Status != "draft" || cp.CopiedFrom != id {
				t.Fatalf("the copy %+v", cp)
			}
		}},
		{"HolderShortfallInWordsWithARunningTotal", func(t *testing.T) {
			bo := s.person(t, "holder", false)
			bo.signIn(t, "holder", "bo", "bo@example.com")
			var h struct{ HolderID string }
			s.api(t, "POST", "/holders", bo.token(t), map[string]any{"firstName": "Bo", "lastName": "Berg", "email": "bo@example.com"}, 201, &h)
			s.api(t, "PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
				"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
			bo.open(t, "#/holder/submit?year=2028")
			bo.waitText(t, "#running-counted", "0 of 6 CECs")
			a := `#submission-form [name="activities[0].`
			bo.fill(t, a+`kind"]`, "college_course")
			bo.fill(t, a+`title"]`, "Housing finance")
			bo.fill(t, a+`organisation"]`, "State College")
			bo.fill(t, a+`date"]`, "2027-01-04")
			bo.fill(t, a+`hours"]`, "4")
			bo.fill(t, a+`documentation.type"]`, "transcript_or_exam_result")
			bo.fill(t, a+`documentation.reference"]`, "T-1")
			// Other sources count for at most half of the 6: 3 of 6.
			bo.waitText(t, "#running-counted", "3 of 6 CECs")
			for _, want := range []string{
				"Add at least 3 more CECs: 3 of the 6 CECs required count so far.",
				"Add at least 3 more CECs from association sources",
				"At least 1 CEC must address legislative or regulatory compliance",
			} {
				bo.waitText(t, "#running-shortfalls", want)
			}
			bo.click(t, "#submission-form button[type=submit]")
			summary := bo.waitText(t, "#submission-form .summary", "nothing was recorded")
			for _, want := range []string{
				"Add at least 3 more CECs: 3 of the 6 CECs required count so far.",
				"Add at least 3 more CECs from association sources",
				"at least 3 CECs must come from them, and 0 do so far",
				`At least 1 CEC must address legislative or regulatory compliance, and 0 do so far: add an activity that does, and tick "Addresses legislative or regulatory compliance" on it.`,
			} {
				if !strings.Contains(summary, want) {
					t.Fatalf("the refusal %q lacks %q", summary, want)
				}
			}
			bo.audit(t)
			noCodesShown(t, bo)
			// The status page says the same in the same words.
			bo.open(t, "#/holder/status?year=2028")
			bo.waitText(t, "#shortfalls", "Add at least 3 more CECs from association sources")
			noCodesShown(t, bo)
		}},
		{"WrongAddressesAndFaultsInWords", func(t *testing.T) {
			// A program that is not the provider's: a page that says so, in
			// words, with the way on.
			for _, hash := range []string{"#/provider/programs/PRG-NOSUCH1", "#/provider/programs/PRG-NOSUCH1/attendance"} {
				acme.open(t, hash)
				acme.waitText(t, "main h1", "Not found")
				acme.waitText(t, "#page-error", "We could not find that program. Check the link you followed, or find the program under Programs at the top of the page.")
				if href := eval[string](t, acme, "the way on", `document.querySelector("#page-error + p a").getAttribute("href")`); href != "#/" {
					t.Fatalf("%s: the way on is %q", hash, href)
				}
				if text := acme.text(t, "main"); strings.Contains(text, "among yours") || strings.Contains(text, "went wrong") {
					t.Fatalf("%s reads %q", hash, text)
				}
				noCodesShown(t, acme)
			}
			acme.audit(t)
			// A fault of the service: an apology that says nothing was saved.
			eval[bool](t, acme, "a service that fails", `(() => {
				const real = window.__realFetch = window.fetch;
				window.fetch = (url, opts) => String(url).includes("/programs/") ? Promise.resolve(new Response(
					JSON.stringify({error: {code: "internal", message: "internal error"}}), {status: 500, headers: {"content-type": "application/json"}})) : real(url, opts);
				return true;
			})()`)
			acme.open(t, "#/provider/programs/PRG-ANY1")
			acme.waitText(t, "main h1", "Sorry, there is a problem with the service")
			acme.waitText(t, "#page-error", "Nothing was saved. Try again later.")
			eval[bool](t, acme, "forget the doctored answers", `(window.fetch = window.__realFetch, true)`)

			// A renewal year that is not one is asked for again on its
			// field, before anything is asked of the API.
			cy := s.person(t, "holder-year", true)
			cy.signIn(t, "holder", "cy", "cy@example.com")
			s.api(t, "POST", "/holders", cy.token(t), map[string]any{"firstName": "Cy", "lastName": "Núñez", "email": "cy@example.com"}, 201, nil)
			for _, pg := range []struct{ hash, form string }{{"#/holder/status?year=abc", "#status-year"}, {"#/holder/renewal?year=20288", "#renewal-year"}} {
				cy.open(t, pg.hash)
				cy.waitText(t, pg.form+" .summary", "Enter the renewal year as four digits, like 2028")
				if msg := cy.errorOf(t, pg.form+" [name=year]"); msg != "Enter the renewal year as four digits, like 2028" {
					t.Fatalf("%s: the error at the year is %q", pg.hash, msg)
				}
				if title := eval[string](t, cy, "the title", `document.title`); !strings.HasPrefix(title, "Error: ") {
					t.Fatalf("%s: the title %q does not say there is an error", pg.hash, title)
				}
				cy.audit(t)
				noCodesShown(t, cy)
			}
			// Corrected, the page shows the year and the title loses "Error: ".
			cy.fill(t, "#renewal-year [name=year]", "2028")
			cy.click(t, "#renewal-year button[type=submit]")
			cy.waitText(t, "#no-renewal", "There is no renewal invoice for 2028 (yet)")
			if title := eval[string](t, cy, "the title", `document.title`); strings.HasPrefix(title, "Error: ") {
				t.Fatalf("the title %q still says there is an error", title)
			}
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			t.Fatalf("stopped after %s failed", st.name)
		}
	}
}

// noCodesShown fails the test when the page's visible text holds a code of
// the API (a snake_case word such as association_minimum, in_review or
// requirement_not_met): what a person reads is in words.
func noCodesShown(t *testing.T, p *person) {
	t.Helper()
	found := eval[[]string](t, p, "look for codes in the page's text",
		`[...new Set(document.body.innerText.match(/\b[a-z]+(?:_[a-z]+)+\b/g) || [])]`)
	if len(found) > 0 {
		p.s.fail(t, p, "codes in the page's text", fmt.Errorf("%q", found))
	}
}

// token signs sub in with role through the local stack's token route.
func (s *suite) token(t *testing.T, sub, role, email string) string {
	t.Helper()
	var out struct{ Token string }
	s.api(t, "POST", "/dev/token", "", map[string]any{"sub": sub, "role": role, "email": email}, 200, &out)
	return out.Token
}

type programRow struct {
	ProgramID, Status string
	Submission        int
}

// programs lists the provider's programs from the API.
func (s *suite) programs(t *testing.T, token string) []programRow {
	t.Helper()
	var out struct{ Programs []programRow }
	s.api(t, "GET", "/programs", token, nil, 200, &out)
	return out.Programs
}

// waitForStatus polls a program until the stack's asynchronous steps bring it to want.
func (s *suite) waitForStatus(t *testing.T, token, id, want string) {
	t.Helper()
	for deadline := time.Now().Add(actionTimeout); ; time.Sleep(100 * time.Millisecond) {
		var p struct{ Status string }
		s.api(t, "GET", "/programs/"+id, token, nil, 200, &p)
		if p.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("program %s is %s after %v, want %s", id, p.Status, actionTimeout, want)
		}
	}
}

// rejectedProgram applies, pays and has staff reject a program with reason
// through the API, and returns its ID.
func (s *suite) rejectedProgram(t *testing.T, provider, staff, reason string) string {
	t.Helper()
	var p struct{ ProgramID string }
	s.api(t, "POST", "/programs", provider, map[string]any{"title": "Fair Housing Update", "description": "What changed in fair housing law.",
		"format": "in_person", "startsAt": "2027-03-10T09:00:00-06:00", "endsAt": "2027-03-10T12:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Hilton, 720 S Michigan Ave, Chicago", "contactHours": 3, "objectives": []string{"Understand the changes"},
		"instructors": []string{"Dee Dunn"}}, 201, &p)
	s.api(t, "POST", "/programs/"+p.ProgramID+"/submit", provider, nil, 202, nil)
	s.waitForStatus(t, provider, p.ProgramID, "fee_due")
	var co struct{ Reference string }
	s.api(t, "POST", "/programs/"+p.ProgramID+"/checkout", provider, nil, 200, &co)
	s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)
	s.waitForStatus(t, provider, p.ProgramID, "in_review")
	s.api(t, "POST", "/programs/"+p.ProgramID+"/decision", staff, map[string]any{"decision": "reject", "reason": reason}, 200, nil)
	return p.ProgramID
}

// waitForMail waits for an email to to whose subject holds want, and
// returns the subjects of every email to to.
func (s *suite) waitForMail(t *testing.T, to, want string) []string {
	t.Helper()
	for deadline := time.Now().Add(actionTimeout); ; time.Sleep(100 * time.Millisecond) {
		var out struct{ Emails []struct{ Subject string } }
		s.api(t, "GET", "/dev/outbox?to="+to, "", nil, 200, &out)
		var subjects []string
		found := false
		for _, e := range out.Emails {
			subjects = append(subjects, e.Subject)
			found = found || strings.Contains(e.Subject, want)
		}
		if found {
			return subjects
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email to %s about %q after %v: %q", to, want, actionTimeout, subjects)
		}
	}
}
