package browser

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_FilingFee: under a policy that charges filing fees (the
// sleep technologists' example: $6.00 a guest), a provider's report holds
// the attendees' CECs until its filing fee is paid (issue 15): the report
// says so with the fee and the button to pay, the past uploads list it
// unpaid, staff list it; paid through the checkout, the page confirms it
// and the CECs are on the transcripts. At desktop width and on a phone.
func TestBrowser_FilingFee(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00", PolicyFile: filepath.Join("..", "..", "policy", "examples", "sleep-technologists.yaml")})
	provider, staff := s.acme(t)
	holders := map[string]string{}
	tokens := map[string]string{}
	for _, name := range [][2]string{{"Ana", "Lima"}, {"Bo", "Berg"}} {
		var h struct{ HolderID string }
		tokens[name[0]] = s.token(t, "h-"+name[0], "holder", strings.ToLower(name[0])+"@example.com")
		s.api(t, "POST", "/holders", tokens[name[0]], map[string]any{"firstName": name[0], "lastName": name[1], "email": strings.ToLower(name[0]) + "@example.com"}, 201, &h)
		holders[name[0]] = h.HolderID
	}
	programs := map[bool]string{false: s.approvedProgram(t, provider, staff, "Scoring Update"), true: s.approvedProgram(t, provider, staff, "Sleep Staging")}
	s.setClock(t, "2027-03-12T09:00:00-05:00")
	credits := func(who string) int {
		var tr struct{ Entries []map[string]any }
		s.api(t, "GET", "/holders/me/transcript?year=2028", tokens[who], nil, 200, &tr)
		return len(tr.Entries)
	}

	for _, tc := range []struct {
		name  string
		phone bool
	}{{"Desktop", false}, {"Phone", true}} {
		t.Run(tc.name, func(t *testing.T) {
			program := programs[tc.phone]
			before := credits("Ana")
			acme := s.person(t, "provider-"+strings.ToLower(tc.name), tc.phone)
			acme.signIn(t, "provider", "acme", "desk@acme.example")
			acme.open(t, "#/provider/programs/"+program+"/attendance")
			acme.fill(t, "#roster-form [name=rosterText]", "Program ID,Holder ID,First Name,Last Name,Completion Date\n"+
				program+","+holders["Ana"]+",Ana,Lima,2027-03-10\n"+program+","+holders["Bo"]+",Bo,Berg,2027-03-10\n")
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitJS(t, "the upload to be done", `document.querySelector("#upload-status")?.dataset.status === "done"`)
			uploadID := strings.TrimPrefix(acme.text(t, "#report-heading"), "Upload ")
			acme.waitText(t, "#upload-outcome", "Every row was accepted (2 rows). Their attendees' CECs are issued once the filing fee below is paid.")
			acme.waitText(t, "#filing-fee-due", "The filing fee of $12.00 is due: 2 guests at $6.00 each, reported on")
			acme.waitText(t, "#corrections-after-fee", "Once the filing fee is paid")
			if got := acme.text(t, "#pay-filing-fee"); got != "Pay the filing fee ($12.00)" {
				t.Fatalf("the pay button reads %q", got)
			}
			if n := credits("Ana"); n != before {
				t.Fatalf("Ana has %d transcript entries before the fee is paid, want %d", n, before)
			}
			// Ana's status says the credit waits for the provider's fee.
			var st struct{ Pending []struct{ ProgramID string } }
			s.api(t, "GET", "/holders/me/status?year=2028", tokens["Ana"], nil, 200, &st)
			if len(st.Pending) != 1 || st.Pending[0].ProgramID != program {
				t.Fatalf("Ana's pending credits %+v", st.Pending)
			}
			if tc.phone {
				ana := s.person(t, "holder-ana", true)
				ana.signIn(t, "holder", "h-Ana", "ana@example.com")
				ana.open(t, "#/holder/status?year=2028")
				ana.waitText(t, `#status-awaiting-fee li[data-program-id="`+program+`"]`, "Sleep Staging (Acme Training), completed")
				ana.audit(t)
				noCodesShown(t, ana)
			}
			acme.audit(t)
			noCodesShown(t, acme)
			acme.waitText(t, `#past-uploads-table tr[data-upload-id="`+uploadID+`"]`, "$12.00 unpaid")
			// The home page asks for it, with the way to pay.
			acme.open(t, "#/")
			acme.waitText(t, `#home-filing-fees li[data-upload-id="`+uploadID+`"]`, "$12.00 for the attendance reported on")
			acme.click(t, `#home-filing-fees li[data-upload-id="`+uploadID+`"] a`)
			acme.waitText(t, "#filing-fee-due", "The filing fee of $12.00 is due")

			if !tc.phone {
				// A payment of another amount: recorded, not taken, flagged for staff.
				s.api(t, "POST", "/dev/payments/cs_sim_FIL-"+uploadID+"/succeed", "", map[string]any{"amountCents": 100, "currency": "USD"}, 200, nil)
				office := s.person(t, "staff", false)
				office.signIn(t, "staff", "office", "office@example.org")
				office.open(t, "#/staff/filing-fees")
				office.waitText(t, `#unpaid-filing-fees tr[data-upload-id="`+uploadID+`"]`, "2 (0 members, 2 guests)$12.00Payment mismatch")
				office.audit(t)
				noCodesShown(t, office)
				office.click(t, `#unpaid-filing-fees tr[data-upload-id="`+uploadID+`"] a`)
				office.waitText(t, ".facts", "$12.00, unpaid: the attendees' CECs wait for it")
				office.waitText(t, `#staff-filing-fee tr[data-kind="mismatch"]`, "Not taken as payment: $1.00 paid, and the invoice is $12.00")
				office.audit(t)
			}

			acme.click(t, "#pay-filing-fee")
			acme.waitRendered(t, "/pay/cs_sim_FIL-"+uploadID)
			acme.waitText(t, "#pay-amount", "$12.00")
			acme.click(t, "#pay-succeed")
			acme.waitText(t, "#pay-result", "Payment received")
			acme.click(t, "#pay-back")
			acme.waitText(t, "#payment-received", "The attendees' CECs are on their transcripts")
			acme.waitText(t, "#filing-fee-paid", "$12.00 for 2 guests at $6.00 each. The accepted attendees' CECs are on their transcripts.")
			// Its receipt downloads: a PDF with the invoice and the guests.
			receipt := acme.download(t, "#download-filing-receipt", "receipt-FIL-"+uploadID+".pdf")
			if !bytes.HasPrefix(receipt, []byte("%PDF-")) || !bytes.Contains(receipt, []byte("2 guests at 6.00 USD each")) {
				t.Fatalf("the downloaded filing fee receipt (%d bytes) does not list the guests", len(receipt))
			}
			if n := credits("Ana"); n != before+1 {
				t.Fatalf("Ana has %d transcript entries after the fee is paid, want %d", n, before+1)
			}
			s.api(t, "GET", "/holders/me/status?year=2028", tokens["Ana"], nil, 200, &st)
			if len(st.Pending) != 0 {
				t.Fatalf("Ana's credit still pending after the fee is paid: %+v", st.Pending)
			}
			acme.waitText(t, "#corrections-heading", "Corrections after posting")
			acme.audit(t)
			noCodesShown(t, acme)
			acme.waitText(t, `#past-uploads-table tr[data-upload-id="`+uploadID+`"]`, "$12.00 paid")
			acme.open(t, "#/")
			acme.waitText(t, "#home-to-do", "Nothing waits for you.")
			if tc.phone && eval[bool](t, acme, "the filing fees card", `!!document.querySelector("#home-filing-fees")`) {
				t.Fatal("the home page asks for filing fees when every one is paid")
			}
		})
	}
	office := s.person(t, "staff-after", true)
	office.signIn(t, "staff", "office", "office@example.org")
	office.open(t, "#/staff/filing-fees")
	office.waitText(t, "#no-unpaid-filing-fees", "Every filing fee is paid.")
	office.audit(t)
}
