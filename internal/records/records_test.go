package records_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/records"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

func paidInvoice() renewals.Invoice {
	paid := time.Date(2027, 3, 12, 15, 4, 0, 0, time.UTC)
	return renewals.Invoice{ID: "REN-H-1-2028", HolderID: "H-1", HolderEmail: "zoe@example.com", HolderName: "Zoë Lima", Year: 2028,
		Credentials: []string{"CAM", "NALP"}, Lines: []renewals.Line{{Code: "CAM", Cents: 7500}, {Code: "NALP", Cents: 5000}, {Code: renewals.LineReinstatement, Cents: 2500}},
		TotalCents: 15000, Currency: "USD", Status: renewals.Paid, PaidAt: paid,
		Payments: []renewals.Payment{{EventID: "evt_1", Kind: checkout.Failed, At: paid.Add(-time.Hour), Reference: "cs_failed"},
			{EventID: "evt_2", Kind: checkout.Succeeded, At: paid, Reference: "cs_test_42", AmountCents: 15000, Currency: "USD"}}}
}

// A paid renewal's receipt says who paid whom, for what, how much, when
// and under which reference, in words: each credential by its name, the
// reinstatement fee, the day in the association's time zone.
func TestRenewalReceipt(t *testing.T) {
	pol := testkit.Policy(t)
	r, err := records.RenewalReceipt(pol, paidInvoice())
	if err != nil {
		t.Fatal(err)
	}
	want := records.Receipt{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		Title: "Receipt", Number: "REN-H-1-2028", PayerName: "Zoë Lima", PayerEmail: "zoe@example.com", For: "Renewal 2028",
		Lines: []records.Line{{What: "Certified Apartment Manager (CAM) dues", Amount: "75.00 USD"},
			{What: "National Apartment Leasing Professional (NALP) dues", Amount: "50.00 USD"},
			{What: "Reinstatement fee (paid after the grace period)", Amount: "25.00 USD"}},
		Total: "150.00 USD", PaidOn: "March 12, 2027", Reference: "cs_test_42"}
	r.Notes = nil
	if got := r; !equal(got, want) {
		t.Fatalf("receipt\n got %+v\nwant %+v", got, want)
	}
	unpaid := paidInvoice()
	unpaid.Status = renewals.Open
	if _, err := records.RenewalReceipt(pol, unpaid); err == nil {
		t.Fatal("a receipt of an unpaid invoice")
	}
}

func equal(a, b records.Receipt) bool {
	return a.Association == b.Association && a.PortalURL == b.PortalURL && a.Support == b.Support && a.Title == b.Title &&
		a.Number == b.Number && a.PayerName == b.PayerName && a.PayerEmail == b.PayerEmail && a.For == b.For &&
		a.Total == b.Total && a.PaidOn == b.PaidOn && a.Reference == b.Reference && strings.Join(lines(a), "|") == strings.Join(lines(b), "|")
}

func lines(r records.Receipt) []string {
	var out []string
	for _, l := range r.Lines {
		out = append(out, l.What+"="+l.Amount)
	}
	return out
}

// The PDF is a PDF, the same bytes every time for the same receipt, and
// carries the receipt's text (the core fonts' Windows-1252, so "ë" stays).
func TestReceipt_PDF(t *testing.T) {
	pol := testkit.Policy(t)
	r, err := records.RenewalReceipt(pol, paidInvoice())
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.PDF(paidInvoice().PaidAt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.PDF(paidInvoice().PaidAt)
	if !bytes.HasPrefix(a, []byte("%PDF-1.")) || !bytes.Contains(a, []byte("%%EOF")) || !bytes.Equal(a, b) {
		t.Fatalf("not one stable PDF: %q…, %d and %d bytes", a[:8], len(a), len(b))
	}
	for _, s := range []string{"Receipt", "REN-H-1-2028", "Renewal 2028", "150.00 USD", "March 12, 2027", "cs_test_42",
		`Certified Apartment Manager \(CAM\) dues`} { // parentheses are escaped in a PDF string
		if !bytes.Contains(a, []byte(s)) {
			t.Errorf("the PDF lacks %q", s)
		}
	}
	if !bytes.Contains(a, []byte("Zo\xeb Lima")) {
		t.Error("the payer's name is not in Windows-1252")
	}
	if len(a) > 20_000 {
		t.Errorf("a one-page receipt of %d bytes", len(a))
	}
}

// A credited program's certificate names the holder, the program, its
// provider, the day, the CECs and the approval ID; a self-reported
// activity has none.
func TestCertificate(t *testing.T) {
	pol := testkit.Policy(t)
	h := accounts.Holder{ID: "H-7", FirstName: "Ana", LastName: "Lima"}
	a := credits.Activity{ID: "PRG-42", Source: credits.Credited, Title: "Fair Housing Update", Organisation: "Acme (Training)",
		Date: time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), Hours: cec.Of(6), Compliance: true}
	c, err := records.CertificateOf(pol, h, a)
	if err != nil {
		t.Fatal(err)
	}
	if c.HolderName != "Ana Lima" || c.Program != "Fair Housing Update" || c.Provider != "Acme (Training)" || c.Completed != "March 10, 2027" ||
		c.CECs != "6" || !c.Compliance || c.ApprovalID != "PRG-42" {
		t.Fatalf("certificate %+v", c)
	}
	raw, err := records.CertificatePDF(pol)(h, a)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := records.CertificatePDF(pol)(h, a)
	if !bytes.HasPrefix(raw, []byte("%PDF-")) || !bytes.Equal(raw, again) {
		t.Fatal("not one stable PDF")
	}
	for _, s := range []string{"Certificate of completion", "Ana Lima", "Fair Housing Update", `offered by Acme \(Training\), on March 10, 2027, earning 6 CECs.`, "PRG-42", "H-7"} {
		if !bytes.Contains(raw, []byte(s)) {
			t.Errorf("the PDF lacks %q", s)
		}
	}
	a.Source = credits.SelfReported
	if _, err := records.CertificateOf(pol, h, a); err == nil {
		t.Fatal("a certificate of a self-reported activity")
	}
}

// A year's transcript names the holder and the window, says where the
// year stands, and lists each activity with what it counts.
func TestTranscriptPDF(t *testing.T) {
	pol := testkit.Policy(t)
	from, to := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	st := transcript.Status{HolderID: "H-7", HolderName: "Ana Lima", Credentials: []string{"CAM"},
		Year: credits.Year{RenewalYear: 2028, From: from, To: to, Required: cec.Of(6), Counted: cec.Of(4), Outstanding: cec.Of(2)},
		Entries: []transcript.Entry{
			{Activity: credits.Activity{ID: "PRG-1", Source: credits.Credited, Title: "Fair Housing Update", Organisation: "Acme",
				Date: time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), Hours: cec.Of(3), Compliance: true},
				Verdict: credits.Verdict{Status: credits.Counted, Counts: cec.Of(3)}},
			{Activity: credits.Activity{ID: "SUB-1-1", Source: credits.SelfReported, Title: "College course", Organisation: "State U",
				Date: time.Date(2027, 5, 2, 0, 0, 0, 0, time.UTC), Hours: cec.Of(4)},
				Verdict: credits.Verdict{Status: credits.Capped, Counts: cec.Of(1), Message: "at most half the requirement from other sources"}}}}
	raw, err := records.TranscriptPDF(pol)(st, time.Date(2027, 6, 1, 15, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CEC transcript, 2028 renewal", "Ana Lima", "H-7", "January 1, 2027 to December 31, 2027",
		"4 of the 6 CECs required count; 2 still outstanding", "Fair Housing Update", "credited by the provider", "compliance; counts 3",
		"College course", "reported by the holder, approved", "counts 1: at most half the requirement from other sources"} {
		if !bytes.Contains(raw, []byte(s)) {
			t.Errorf("the transcript lacks %q", s)
		}
	}
}

// A paid application fee's receipt lists each offering invoiced with its
// CECs and rate; an unpaid fee has none.
func TestFeeReceipt(t *testing.T) {
	pol := testkit.Policy(t)
	paid := time.Date(2027, 2, 3, 16, 0, 0, 0, time.UTC)
	p := programs.Program{ID: "PRG-9", ProviderName: "Acme Training", ProviderEmail: "desk@acme.example",
		Content: programs.Content{Title: "Fair Housing"},
		Fee: &programs.Fee{InvoiceID: "INV-PRG-9-1", AmountCents: 45000, Currency: "USD", CECs: cec.Of(3), Status: programs.FeePaid, PaidAt: paid,
			Offerings: []programs.OfferingFee{{Offering: 1, StartsAt: time.Date(2027, 4, 1, 13, 0, 0, 0, time.UTC), PerCECCents: 5000, AmountCents: 15000},
				{Offering: 2, StartsAt: time.Date(2027, 3, 1, 14, 0, 0, 0, time.UTC), Late: true, PerCECCents: 10000, AmountCents: 30000}},
			Payments: []programs.FeePayment{{Kind: checkout.Succeeded, Reference: "cs_fee_1", At: paid}}}}
	r, err := records.FeeReceipt(pol, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines(r), "|"); got != "Offering 1, starting April 1, 2027: 3 CECs at 50.00 USD each=150.00 USD|"+
		"Offering 2, starting March 1, 2027: 3 CECs at 100.00 USD each, late fee included=300.00 USD" ||
		r.Total != "450.00 USD" || r.Reference != "cs_fee_1" || r.PaidOn != "February 3, 2027" || r.PayerName != "Acme Training" ||
		r.For != `Application fee of "Fair Housing" (PRG-9)` {
		t.Fatalf("receipt %+v", r)
	}
	raw, err := records.FeeReceiptPDF(pol)(p)
	if err != nil || !bytes.Contains(raw, []byte("INV-PRG-9-1")) {
		t.Fatalf("the PDF: %v", err)
	}
	p.Fee.Status = programs.FeeOpen
	if _, err := records.FeeReceipt(pol, p); err == nil {
		t.Fatal("a receipt of an unpaid fee")
	}
}

// A paid filing fee's receipt counts the members and guests at their
// rates; an unpaid one has none.
func TestFilingReceipt(t *testing.T) {
	pol := testkit.Policy(t)
	paid := time.Date(2027, 3, 20, 16, 0, 0, 0, time.UTC)
	f := attendance.FilingInvoice{ID: "FIL-UPL-1", UploadID: "UPL-1", ProgramID: "PRG-3", ProgramTitle: "Leasing Law", ProviderName: "Acme",
		ProviderEmail: "desk@acme.example", ReportedOn: roster.Date{Year: 2027, Month: time.March, Day: 18}, Members: 2, Guests: 1,
		MemberCents: 0, GuestCents: 900, AmountCents: 900, Currency: "USD", Status: attendance.FilingPaid, PaidAt: paid,
		Payments: []checkout.Payment{{Kind: checkout.Succeeded, Reference: "cs_fil_1", At: paid}}}
	r, err := records.FilingReceipt(pol, f)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines(r), "|"); got != "2 members at 0.00 USD each=0.00 USD|1 guest at 9.00 USD each=9.00 USD" ||
		r.Total != "9.00 USD" || r.Reference != "cs_fil_1" || r.For != `Filing fee of the attendance reported on March 18, 2027 for "Leasing Law" (PRG-3)` {
		t.Fatalf("receipt %+v", r)
	}
	if raw, err := records.FilingReceiptPDF(pol)(f); err != nil || !bytes.Contains(raw, []byte("FIL-UPL-1")) {
		t.Fatalf("the PDF: %v", err)
	}
	f.Status = attendance.FilingOpen
	if _, err := records.FilingReceipt(pol, f); err == nil {
		t.Fatal("a receipt of an unpaid filing fee")
	}
}

// The invoice says what is due, by when and how to pay while unpaid,
// that the credentials lapsed after the grace period, and when it was paid.
func TestInvoicePDF(t *testing.T) {
	pol := testkit.Policy(t)
	at := time.Date(2027, 1, 5, 12, 0, 0, 0, time.UTC)
	inv := paidInvoice()
	inv.Status, inv.IssuedAt, inv.DueOn, inv.GraceUntil, inv.CECsRequired = renewals.Open, time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC), "2027-01-01", "2027-03-31", cec.Of(6)
	for _, c := range []struct {
		name string
		edit func(*renewals.Invoice)
		want []string
	}{
		{"Unpaid", func(*renewals.Invoice) {}, []string{"Invoice", "REN-H-1-2028", "Unpaid: due January 1, 2027", "March 31, 2027", "150.00 USD", "Pay online: sign in at"}},
		{"Lapsed", func(i *renewals.Invoice) { i.Lapsed = true }, []string{"lapsed", "reinstates"}},
		{"Paid", func(i *renewals.Invoice) { i.Status = renewals.Paid }, []string{"Paid on March 12, 2027"}},
	} {
		i := inv
		c.edit(&i)
		raw, err := records.InvoicePDF(pol)(i, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !bytes.Contains(raw, []byte(w)) {
				t.Errorf("%s: the invoice lacks %q", c.name, w)
			}
		}
		if c.name == "Paid" && bytes.Contains(raw, []byte("Pay online")) {
			t.Error("a paid invoice asks to pay")
		}
	}
}
