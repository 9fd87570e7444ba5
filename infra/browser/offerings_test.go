package browser

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_SeveralOfferings: a provider applies for one program held
// twice (issue 15, SPEC §1): "Add another offering" asks for the second
// offering's dates and place, the fee preview prices each offering on its
// own start and sums them, a missing date of the second offering is said on
// its field in its own words; the program page lists both offerings and the
// fee's lines, and staff review both. Once approved, the attendance page asks which offering, only
// offers the ones whose window is open, and the upload reports offering 2.
// At desktop width and on a phone.
func TestBrowser_SeveralOfferings(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	provider, staff := s.acme(t)
	ana := s.token(t, "h-ana", "holder", "ana@example.com")
	var holder struct{ HolderID string }
	s.api(t, "POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)

	widths := []struct {
		name  string
		phone bool
	}{{"Desktop", false}, {"Phone", true}}
	people := map[string]*person{}
	programs := map[string]string{}
	for _, w := range widths {
		people[w.name] = s.person(t, "provider-"+strings.ToLower(w.name), w.phone) // for both parts
	}
	office := s.person(t, "staff", false)
	office.signIn(t, "staff", "office", "office@example.org")
	for _, w := range widths {
		t.Run("Apply"+w.name, func(t *testing.T) {
			acme := people[w.name]
			acme.signIn(t, "provider", "acme", "desk@acme.example")
			acme.open(t, "#/provider/programs/new")
			f := "#program-form "
			acme.fillIn(t, f, "[name=title]", "Fair Housing Update "+w.name, "[name=description]", "What changed in fair housing law.",
				"[name=timeZone]", "America/Chicago", "[name=startsAt]", "2027-01-20T09:00", "[name=endsAt]", "2027-01-20T12:00",
				"[name=location]", "Hilton, 720 S Michigan Ave, Chicago", "[name=contactHours]", "3",
				"[name=objectives]", "Apply the 2027 rules", "[name=instructors]", "Dee Dunn")
			acme.click(t, f+"input[name=format][value=in_person]")
			// 15 days ahead: late, $75 per CEC.
			acme.waitText(t, "#fee-amount", "$225.00")
			acme.click(t, "#add-offering")
			if got := acme.text(t, "#more-offerings legend"); got != "Offering 2" {
				t.Fatalf("the new offering's legend reads %q", got)
			}
			if got := eval[string](t, acme, "the focus", `document.activeElement.name`); got != "moreOfferings[0].startsAt" {
				t.Fatalf("focus on %q after adding an offering", got)
			}
			// A third, filled in, then the empty second removed: the third
			// becomes offering 2, with what was typed in it.
			acme.click(t, "#add-offering")
			acme.fill(t, `#more-offerings [name="moreOfferings[1].startsAt"]`, "2027-03-10T09:00")
			acme.click(t, `#more-offerings fieldset:first-child .remove-offering`)
			if got := eval[string](t, acme, "the offerings left", `[...document.querySelectorAll("#more-offerings fieldset")].map((f) => f.querySelector("legend").textContent + " " + f.querySelector("input").name + " " + f.querySelector("input").value).join("; ")`); got != "Offering 2 moreOfferings[0].startsAt 2027-03-10T09:00" {
				t.Fatalf("after removing offering 2: %q", got)
			}
			if got := eval[string](t, acme, "the focus", `document.activeElement.id`); got != "add-offering" {
				t.Fatalf("focus on %q after removing an offering", got)
			}
			second := `#more-offerings [name="moreOfferings[0].`
			acme.fill(t, second+`location"]`, "Palmer House, 17 E Monroe St, Chicago")
			// Offering 2 on 10 March: on time, $150; with offering 1's $225.
			acme.waitText(t, "#fee-amount", "$375.00")
			acme.waitText(t, "#fee-lines", "Offering 1: $225.00")
			acme.waitText(t, "#fee-lines", "Offering 2: $150.00 (3 CECs × $50.00 per CEC). On time: offering 2 starts in 64 days.")
			acme.audit(t) // two offerings and the fee of each
			// Offering 2's end is missing: said on its field, nothing sent.
			acme.click(t, "#submit-program")
			if msg := acme.errorOf(t, second+`endsAt"]`); msg != "Enter offering 2's end date and time" {
				t.Fatalf("error next to offering 2's end: %q", msg)
			}
			if got := acme.text(t, "#program-form .summary"); !strings.Contains(got, "Enter offering 2's end date and time") {
				t.Fatalf("the summary does not say which offering: %q", got)
			}
			if hash := eval[string](t, acme, "the address", `location.hash`); hash != "#/provider/programs/new" {
				t.Fatalf("went on to %s", hash)
			}
			acme.fill(t, second+`endsAt"]`, "2027-03-10T12:00")
			acme.click(t, "#submit-program")
			acme.waitJS(t, "the fee to be invoiced", `document.querySelector("#program-status")?.dataset.status === "fee_due"`)
			id := acme.text(t, "#program-id")
			programs[w.name] = id
			acme.waitText(t, `#program-offerings tr[data-offering="2"]`, "Palmer House")
			acme.waitText(t, "#fee-lines", "Offering 1: $225.00 (3 CECs × $75.00, submitted 15 days before it starts, late fee included)")
			if got := acme.text(t, "#fee-amount"); got != "$375.00" {
				t.Fatalf("the page's fee reads %q", got)
			}
			var p struct {
				MoreOfferings []struct{ StartsAt, Location string }
				Fee           struct {
					AmountCents int64
					Offerings   []struct{ Offering int }
				}
			}
			s.api(t, "GET", "/programs/"+id, provider, nil, 200, &p)
			if len(p.MoreOfferings) != 1 || p.MoreOfferings[0].StartsAt != "2027-03-10T09:00:00-06:00" || p.Fee.AmountCents != 37500 || len(p.Fee.Offerings) != 2 {
				t.Fatalf("the API has %+v", p)
			}
			acme.audit(t)
			noCodesShown(t, acme)
			// Paid and approved, as the other tests do it.
			var co struct{ Reference string }
			s.api(t, "POST", "/programs/"+id+"/checkout", provider, nil, 200, &co)
			s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)
			s.waitForStatus(t, provider, id, "in_review")
			// Staff review every offering, each with its dates and place.
			office.open(t, "#/staff/programs")
			office.waitText(t, `article[data-program-id="`+id+`"] .offerings li[data-offering="2"]`, "Offering 2: Wed, Mar 10, 2027, 9:00 AM CST to Wed, Mar 10, 2027, 12:00 PM CST, Palmer House")
			office.audit(t)
			s.api(t, "POST", "/programs/"+id+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)
		})
	}

	// 12 March: offering 1's window closed on 6 March, offering 2's is open.
	s.setClock(t, "2027-03-12T09:00:00-05:00")
	for _, w := range widths {
		t.Run("Report"+w.name, func(t *testing.T) {
			acme, id := people[w.name], programs[w.name]
			acme.open(t, "#/provider/programs/"+id+"/attendance")
			acme.waitText(t, `#choose-offering li[data-offering="1"]`, "reporting closed on")
			if n := eval[int](t, acme, "links of closed offerings", `document.querySelectorAll('#choose-offering li[data-offering="1"] a').length`); n != 0 {
				t.Fatalf("offering 1 is offered for reporting after its window")
			}
			acme.waitText(t, `#choose-offering li[data-offering="2"]`, "report by")
			acme.audit(t)
			acme.click(t, `#choose-offering li[data-offering="2"] a`)
			acme.waitText(t, "#attendance-program", "offering 2:")
			acme.fill(t, "#roster-form [name=rosterText]", "Program ID,Holder ID,First Name,Last Name,Completion Date\n"+
				id+","+holder.HolderID+",Ana,Lima,2027-03-10\n")
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitJS(t, "the upload to be done", `document.querySelector("#upload-status")?.dataset.status === "done"`)
			uploadID := strings.TrimPrefix(acme.text(t, "#report-heading"), "Upload ")
			var up struct {
				Offering int
				Totals   struct{ Accepted, Rejected int }
			}
			s.api(t, "GET", "/programs/"+id+"/attendance/"+uploadID, provider, nil, 200, &up)
			if up.Offering != 2 {
				t.Fatalf("the upload reports offering %d, want 2", up.Offering)
			}
			// Credited once per program: the phone's program is another one.
			if up.Totals.Accepted != 1 {
				t.Fatalf("upload totals %+v", up.Totals)
			}
			acme.waitText(t, `#past-uploads-table tr[data-upload-id="`+uploadID+`"]`, "2")
			acme.audit(t)
			noCodesShown(t, acme)
		})
	}
}

// TestBrowser_ReturnedFromPayment: the payment provider's checkout sends
// the payer back to #/returned (the stack's default success and cancel
// page), which takes them to the page they paid from, or to the start page
// when the tab holds no payment under way.
func TestBrowser_ReturnedFromPayment(t *testing.T) {
	s := start(t, localstack.Config{})
	p := s.person(t, "payer", true)
	back := func() { eval[bool](t, p, "come back from the checkout", `(location.hash = "#/returned", true)`) }
	back()
	p.waitRendered(t, "/")
	eval[bool](t, p, "a payment under way", `(sessionStorage.setItem("cecportal.paying", JSON.stringify({back: "#/calendar", reference: "cs_test_1"})), true)`)
	back()
	p.waitRendered(t, "/calendar")
	if got := eval[string](t, p, "the address", `location.hash`); got != "#/calendar" {
		t.Fatalf("back at %q", got)
	}
}
