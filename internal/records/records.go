// Package records makes the records a person prints or keeps: PDFs drawn on
// the server from what the system holds, so that a receipt looks the same
// on every device and can be filed (issue 17, "Records out"). The first is
// the receipt of a renewal's payment, and the certificate of completion of
// a program credited through attendance.
//
// The PDFs are drawn with codeberg.org/go-pdf/fpdf (the maintained
// continuation of jung-kurt/gofpdf): pure Go, no dependencies, the
// standard PDF core fonts (so nothing is embedded and a receipt is a few
// kilobytes). It is linked only into the function that serves records
// (records-api), so that no other binary pays for it.
package records

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/transcript"
)

// longDate is how the records write a date: "March 12, 2027".
const longDate = "January 2, 2006"

// Receipt is what a receipt says: who paid whom, for what, how much and
// when, with the references that find the payment again.
type Receipt struct {
	Association string // the payee
	PortalURL   string
	Support     string // where to ask
	Title       string // "Receipt"
	Number      string // the invoice ID: what the receipt is the receipt of
	PayerName   string
	PayerEmail  string
	For         string   // "Renewal 2028"
	Lines       []Line   // what the amount is made of
	Total       string   // "125.00 USD"
	PaidOn      string   // "March 12, 2027"
	Reference   string   // the payment provider's reference
	Notes       []string // anything else the payer should know
}

// Line is one item of a receipt.
type Line struct {
	What   string
	Amount string
}

// RenewalReceipt is the receipt of a paid renewal invoice, its dates in
// the association's time zone. It is an error for an unpaid invoice.
func RenewalReceipt(pol *policy.Policy, inv renewals.Invoice) (Receipt, error) {
	if inv.Status != renewals.Paid {
		return Receipt{}, fmt.Errorf("records: invoice %s is %s, not paid", inv.ID, inv.Status)
	}
	r := Receipt{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		Title: "Receipt", Number: inv.ID, PayerName: inv.HolderName, PayerEmail: inv.HolderEmail,
		For: fmt.Sprintf("Renewal %d", inv.Year), Total: checkout.Money(inv.TotalCents, inv.Currency),
		PaidOn: inv.PaidAt.In(pol.Association.Location()).Format(longDate)}
	r.Lines = renewalLines(pol, inv)
	r.Reference = lastSucceeded(inv.Payments)
	r.Notes = append(r.Notes, fmt.Sprintf("This receipt confirms the payment of the %d renewal dues. The CECs the renewal needs are a separate step: see your CEC status.", inv.Year))
	return r, nil
}

// renewalLines are a renewal invoice's lines in words, with their amounts:
// the invoice and its receipt list the same.
func renewalLines(pol *policy.Policy, inv renewals.Invoice) []Line {
	out := make([]Line, 0, len(inv.Lines))
	for _, l := range inv.Lines {
		out = append(out, Line{What: lineName(pol, l.Code), Amount: checkout.Money(l.Cents, inv.Currency)})
	}
	return out
}

// lineName is what a line of a renewal invoice is, for people: the
// credential's name, or the reinstatement fee.
func lineName(pol *policy.Policy, code string) string {
	if c, ok := pol.Credential(code); ok {
		return fmt.Sprintf("%s (%s) dues", c.Name, c.Code)
	}
	if code == renewals.LineReinstatement {
		return "Reinstatement fee (paid after the grace period)"
	}
	return code
}

// page starts a one-page US Letter document of the association's, titled
// title, dated created (so that the same record gives the same bytes), and
// returns it with the translator its text goes through: the core fonts
// are Windows-1252, so names with other letters are translated, and what
// has no counterpart becomes "?".
func page(association, portal, title string, created time.Time) (*fpdf.Fpdf, func(string) string) {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCatalogSort(true) // fonts and resources in one order: the same bytes each time
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle(title, true)
	pdf.SetAuthor(association, true)
	// Uncompressed: a one-page record is a few kilobytes either way, and
	// its text stays searchable by tests and by tools that file it.
	pdf.SetCompression(false)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AddPage()
	text := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 8, text(association), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	if portal != "" {
		pdf.CellFormat(0, 5, text(portal), "", 1, "L", false, 0, "")
	}
	pdf.Ln(8)
	return pdf, text
}

// facts draws label–value rows, leaving out empty values.
func facts(pdf *fpdf.Fpdf, text func(string) string, rows [][2]string) {
	for _, kv := range rows {
		if kv[1] == "" {
			continue
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(45, 7, text(kv[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 7, text(kv[1]), "", "L", false)
	}
}

// items draws lines as a table of item and amount, then the total under
// label.
func items(pdf *fpdf.Fpdf, text func(string) string, lines []Line, label, total string) {
	pdf.SetFont("Helvetica", "B", 11)
	pdf.SetFillColor(235, 238, 242)
	pdf.CellFormat(130, 8, text("Item"), "B", 0, "L", true, 0, "")
	pdf.CellFormat(0, 8, text("Amount"), "B", 1, "R", true, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	for _, l := range lines {
		pdf.CellFormat(130, 8, text(l.What), "B", 0, "L", false, 0, "")
		pdf.CellFormat(0, 8, text(l.Amount), "B", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(130, 9, text(label), "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 9, text(total), "", 1, "R", false, 0, "")
	pdf.Ln(6)
}

// finish writes the document out.
func finish(pdf *fpdf.Fpdf, what string) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("records: draw %s: %w", what, err)
	}
	return buf.Bytes(), nil
}

// PDF draws r on one US Letter page, with created as the document's
// creation date, so that the same receipt gives the same bytes.
func (r Receipt) PDF(created time.Time) ([]byte, error) {
	pdf, text := page(r.Association, r.PortalURL, fmt.Sprintf("%s %s", r.Title, r.Number), created)
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(0, 10, text(r.Title), "", 1, "L", false, 0, "")
	pdf.Ln(2)
	facts(pdf, text, [][2]string{
		{"Invoice", r.Number},
		{"Paid by", strings.TrimSpace(r.PayerName + "  " + r.PayerEmail)},
		{"For", r.For},
		{"Paid on", r.PaidOn},
		{"Payment reference", r.Reference},
	})
	pdf.Ln(4)

	items(pdf, text, r.Lines, "Total paid", r.Total)

	pdf.SetFont("Helvetica", "", 10)
	for _, n := range r.Notes {
		pdf.MultiCell(0, 5, text(n), "", "L", false)
		pdf.Ln(2)
	}
	if r.Support != "" {
		pdf.MultiCell(0, 5, text("Questions about this receipt: "+r.Support), "", "L", false)
	}
	return finish(pdf, r.Number)
}

// Certificate is a certificate of completion of a program credited to a
// holder through attendance: who, what, by whom, when, how many CECs, and
// the association's approval ID (the program's ID).
type Certificate struct {
	Association, PortalURL, Support string
	HolderName, HolderID            string
	Program, Provider               string
	Completed                       string // "March 10, 2027"
	CECs                            string // "6"
	Compliance                      bool
	ApprovalID                      string
}

// CertificateOf is the certificate of credited program a of holder h.
func CertificateOf(pol *policy.Policy, h accounts.Holder, a credits.Activity) (Certificate, error) {
	if a.Source != credits.Credited {
		return Certificate{}, fmt.Errorf("records: activity %s is not a credited program", a.ID)
	}
	return Certificate{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		HolderName: strings.TrimSpace(h.FirstName + " " + h.LastName), HolderID: h.ID, Program: a.Title, Provider: a.Organisation,
		Completed: a.Date.Format(longDate), CECs: a.Hours.String(), Compliance: a.Compliance, ApprovalID: a.ID}, nil
}

// PDF draws the certificate, dated its completion.
func (c Certificate) PDF(created time.Time) ([]byte, error) {
	pdf, text := page(c.Association, c.PortalURL, "Certificate of completion "+c.ApprovalID, created)
	pdf.SetFont("Helvetica", "B", 22)
	pdf.CellFormat(0, 12, text("Certificate of completion"), "", 1, "C", false, 0, "")
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 12)
	pdf.MultiCell(0, 7, text("This certifies that"), "", "C", false)
	pdf.SetFont("Helvetica", "B", 18)
	pdf.MultiCell(0, 10, text(c.HolderName), "", "C", false)
	pdf.SetFont("Helvetica", "", 12)
	pdf.MultiCell(0, 7, text("completed"), "", "C", false)
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 8, text(c.Program), "", "C", false)
	pdf.SetFont("Helvetica", "", 12)
	unit := "CECs"
	if c.CECs == "1" {
		unit = "CEC"
	}
	pdf.MultiCell(0, 7, text(fmt.Sprintf("offered by %s, on %s, earning %s %s.", c.Provider, c.Completed, c.CECs, unit)), "", "C", false)
	pdf.Ln(8)
	compliance := "No"
	if c.Compliance {
		compliance = "Yes"
	}
	facts(pdf, text, [][2]string{
		{"Holder ID", c.HolderID},
		{"Approval ID", c.ApprovalID},
		{"CECs", c.CECs},
		{"Compliance CECs", compliance},
	})
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, text(fmt.Sprintf("The provider reported this attendance to %s, which credited it to the holder's transcript. The approval ID is the program's, as %s approved it.", c.Association, c.Association)), "", "L", false)
	if c.Support != "" {
		pdf.Ln(2)
		pdf.MultiCell(0, 5, text("Questions about this certificate: "+c.Support), "", "L", false)
	}
	return finish(pdf, c.ApprovalID)
}

// CertificatePDF draws the certificate of credited program a of holder h
// under pol, dated its completion.
func CertificatePDF(pol *policy.Policy) func(accounts.Holder, credits.Activity) ([]byte, error) {
	return func(h accounts.Holder, a credits.Activity) ([]byte, error) {
		c, err := CertificateOf(pol, h, a)
		if err != nil {
			return nil, err
		}
		return c.PDF(a.Date)
	}
}

// RenewalReceiptPDF draws the receipt of a paid renewal invoice under pol,
// dated its payment (the same invoice, the same bytes).
func RenewalReceiptPDF(pol *policy.Policy) func(renewals.Invoice) ([]byte, error) {
	return func(inv renewals.Invoice) ([]byte, error) {
		r, err := RenewalReceipt(pol, inv)
		if err != nil {
			return nil, err
		}
		return r.PDF(inv.PaidAt)
	}
}

// TranscriptPDF draws a holder's CEC transcript of a renewal year under
// pol: every activity of the year's window with what it counts, and where
// the year stands, dated at (the service's time: a transcript changes as
// activities are credited and approved).
func TranscriptPDF(pol *policy.Policy) func(st transcript.Status, at time.Time) ([]byte, error) {
	return func(st transcript.Status, at time.Time) ([]byte, error) {
		y := st.Year
		title := fmt.Sprintf("CEC transcript, %d renewal", y.RenewalYear)
		pdf, text := page(pol.Association.Name, pol.Association.PortalURL, title, at)
		pdf.SetFont("Helvetica", "B", 18)
		pdf.CellFormat(0, 10, text(title), "", 1, "L", false, 0, "")
		pdf.Ln(2)
		day := func(t time.Time) string { return t.Format(longDate) }
		standing := fmt.Sprintf("met: %s of the %s CECs required count", y.Counted, y.Required)
		if st.NoRequirement {
			standing = "no credential that needs renewal CECs is recorded"
		} else if !y.Met {
			standing = fmt.Sprintf("%s of the %s CECs required count; %s still outstanding", y.Counted, y.Required, y.Outstanding)
		}
		facts(pdf, text, [][2]string{
			{"Holder", strings.TrimSpace(st.HolderName + "  (" + st.HolderID + ")")},
			{"Credentials", strings.Join(st.Credentials, ", ")},
			{"CECs earned", fmt.Sprintf("%s to %s", day(y.From), day(y.To))},
			{"Standing", standing},
			{"As of", at.In(pol.Association.Location()).Format(longDate)},
		})
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 8, text("Activities"), "B", 1, "L", false, 0, "")
		pdf.Ln(1)
		if len(st.Entries) == 0 {
			pdf.SetFont("Helvetica", "", 11)
			pdf.MultiCell(0, 6, text("No activities in this window yet."), "", "L", false)
		}
		for _, e := range st.Entries {
			a, v := e.Activity, e.Verdict
			source := "credited by the provider"
			if a.Source == credits.SelfReported {
				source = "reported by the holder, approved"
			}
			counts := fmt.Sprintf("counts %s", v.Counts)
			if v.Status != credits.Counted && v.Message != "" {
				counts += ": " + v.Message
			}
			pdf.SetFont("Helvetica", "B", 11)
			pdf.MultiCell(0, 6, text(day(a.Date)+"   "+a.Title), "", "L", false)
			pdf.SetFont("Helvetica", "", 10)
			compliance := ""
			if a.Compliance {
				compliance = "; compliance"
			}
			pdf.MultiCell(0, 5, text(fmt.Sprintf("%s; %s; %s CECs%s; %s", a.Organisation, source, a.Hours, compliance, counts)), "", "L", false)
			pdf.Ln(2)
		}
		return finish(pdf, title)
	}
}

// FeeReceipt is the receipt of a program's paid application fee: each
// offering invoiced with its CECs and rate (and the late fee, when it
// applied). It is an error for a fee that is not paid.
func FeeReceipt(pol *policy.Policy, p programs.Program) (Receipt, error) {
	f := p.Fee
	if f == nil || f.Status != programs.FeePaid {
		return Receipt{}, fmt.Errorf("records: the fee of program %s is not paid", p.ID)
	}
	loc := pol.Association.Location()
	r := Receipt{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		Title: "Receipt", Number: f.InvoiceID, PayerName: p.ProviderName, PayerEmail: p.ProviderEmail,
		For: fmt.Sprintf("Application fee of %q (%s)", p.Content.Title, p.ID), Total: checkout.Money(f.AmountCents, f.Currency),
		PaidOn: f.PaidAt.In(loc).Format(longDate), Reference: lastSucceeded(f.Payments)}
	for _, o := range f.Offerings {
		what := fmt.Sprintf("Offering %d, starting %s: %s CECs at %s each", o.Offering, o.StartsAt.In(loc).Format(longDate),
			f.CECs, checkout.Money(o.PerCECCents, f.Currency))
		if o.Late {
			what += ", late fee included"
		}
		r.Lines = append(r.Lines, Line{What: what, Amount: checkout.Money(o.AmountCents, f.Currency)})
	}
	if len(r.Lines) == 0 {
		r.Lines = []Line{{What: fmt.Sprintf("Application fee: %s CECs", f.CECs), Amount: r.Total}}
	}
	r.Notes = []string{"This receipt confirms the payment of the program's application fee. The association's review of the application follows; its decision is emailed."}
	return r, nil
}

// lastSucceeded is the reference of the last successful payment.
func lastSucceeded(ps []checkout.Payment) string {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Kind == checkout.Succeeded {
			return ps[i].Reference
		}
	}
	return ""
}

// FeeReceiptPDF draws the receipt of a program's paid application fee,
// dated its payment.
func FeeReceiptPDF(pol *policy.Policy) func(programs.Program) ([]byte, error) {
	return func(p programs.Program) ([]byte, error) {
		r, err := FeeReceipt(pol, p)
		if err != nil {
			return nil, err
		}
		return r.PDF(p.Fee.PaidAt)
	}
}

// FilingReceipt is the receipt of an upload's paid filing fee: the members
// and guests reported, at their rates. It is an error for a fee not paid.
func FilingReceipt(pol *policy.Policy, f attendance.FilingInvoice) (Receipt, error) {
	if f.Status != attendance.FilingPaid {
		return Receipt{}, fmt.Errorf("records: filing fee %s is not paid", f.ID)
	}
	r := Receipt{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		Title: "Receipt", Number: f.ID, PayerName: f.ProviderName, PayerEmail: f.ProviderEmail,
		For:   fmt.Sprintf("Filing fee of the attendance reported on %s for %q (%s)", f.ReportedOn.Time(time.UTC).Format(longDate), f.ProgramTitle, f.ProgramID),
		Total: checkout.Money(f.AmountCents, f.Currency), PaidOn: f.PaidAt.In(pol.Association.Location()).Format(longDate),
		Reference: lastSucceeded(f.Payments)}
	for _, l := range []struct {
		n     int
		who   string
		cents int64
	}{{f.Members, "member", f.MemberCents}, {f.Guests, "guest", f.GuestCents}} {
		if l.n == 0 {
			continue
		}
		who := l.who + "s"
		if l.n == 1 {
			who = l.who
		}
		r.Lines = append(r.Lines, Line{What: fmt.Sprintf("%d %s at %s each", l.n, who, checkout.Money(l.cents, f.Currency)),
			Amount: checkout.Money(int64(l.n)*l.cents, f.Currency)})
	}
	r.Notes = []string{"This receipt confirms the payment of the attendance report's filing fee. The attendees' CECs are issued to their transcripts once it is paid."}
	return r, nil
}

// FilingReceiptPDF draws the receipt of an upload's paid filing fee,
// dated its payment.
func FilingReceiptPDF(pol *policy.Policy) func(attendance.FilingInvoice) ([]byte, error) {
	return func(f attendance.FilingInvoice) ([]byte, error) {
		r, err := FilingReceipt(pol, f)
		if err != nil {
			return nil, err
		}
		return r.PDF(f.PaidAt)
	}
}

// InvoicePDF draws a renewal invoice as it stands: what is due, by when,
// until when without reinstatement, and how to pay; a paid one says so.
// It is dated at (the service's time: its standing changes).
func InvoicePDF(pol *policy.Policy) func(inv renewals.Invoice, at time.Time) ([]byte, error) {
	return func(inv renewals.Invoice, at time.Time) ([]byte, error) {
		loc := pol.Association.Location()
		day := func(d string) string {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return d
			}
			return t.Format(longDate)
		}
		title := fmt.Sprintf("Invoice %s", inv.ID)
		pdf, text := page(pol.Association.Name, pol.Association.PortalURL, title, at)
		pdf.SetFont("Helvetica", "B", 20)
		pdf.CellFormat(0, 10, text("Invoice"), "", 1, "L", false, 0, "")
		pdf.Ln(2)
		status := "Unpaid: due " + day(inv.DueOn)
		switch {
		case inv.Status == renewals.Paid:
			status = "Paid on " + inv.PaidAt.In(loc).Format(longDate)
		case inv.Lapsed:
			status = fmt.Sprintf("Unpaid after the grace period (%s): the credentials have lapsed; paying reinstates them", day(inv.GraceUntil))
		}
		facts(pdf, text, [][2]string{
			{"Invoice", inv.ID},
			{"To", strings.TrimSpace(inv.HolderName + "  " + inv.HolderEmail)},
			{"For", fmt.Sprintf("Renewal %d", inv.Year)},
			{"Issued on", inv.IssuedAt.In(loc).Format(longDate)},
			{"Due on", day(inv.DueOn)},
			{"Grace period until", day(inv.GraceUntil)},
			{"Status", status},
		})
		pdf.Ln(4)
		items(pdf, text, renewalLines(pol, inv), "Total", checkout.Money(inv.TotalCents, inv.Currency))
		pdf.SetFont("Helvetica", "", 10)
		if inv.Status != renewals.Paid {
			how := "Pay online: sign in to the portal and open Renewal."
			if pol.Association.PortalURL != "" {
				how = fmt.Sprintf("Pay online: sign in at %s and open Renewal.", pol.Association.PortalURL)
			}
			pdf.MultiCell(0, 5, text(how), "", "L", false)
			pdf.Ln(2)
		}
		pdf.MultiCell(0, 5, text(fmt.Sprintf("The %d renewal also needs %s CECs, a separate step: see your CEC status.", inv.Year, inv.CECsRequired)), "", "L", false)
		if pol.Association.SupportEmail != "" {
			pdf.Ln(2)
			pdf.MultiCell(0, 5, text("Questions about this invoice: "+pol.Association.SupportEmail), "", "L", false)
		}
		return finish(pdf, inv.ID)
	}
}
