package store_test

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestLedger_MirrorsPayments: every payment recorded on an invoice of any
// kind (a program's application fee, a filing fee, a renewal with its
// reinstatement fee) is in the ledger once, written by the same update;
// an update that records none adds none; a range reads across months, a
// page at a time, oldest first; a cursor it did not give is refused.
func TestLedger_MirrorsPayments(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		at := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, s); return x }
		pay := func(id string, kind checkout.PaymentKind, when string, cents int64) checkout.Payment {
			return checkout.Payment{EventID: id, Kind: kind, At: at(when), Reference: "cs_" + id, AmountCents: cents, Currency: "USD"}
		}

		// A renewal with a reinstatement fee: a mismatch on 31 January, the
		// payment on 1 February (UTC), an update recording nothing.
		ren := store.NewRenewals(tbl)
		inv := renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", HolderName: "Ana Lima", Year: 2027, Currency: "USD",
			TotalCents: 17500, DueOn: "2027-01-01", Status: renewals.Open, Lines: []renewals.Line{{Code: "CAM", Cents: 12500}, {Code: renewals.LineReinstatement, Cents: 5000}}}
		if err := ren.Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
		for _, p := range []checkout.Payment{pay("evt_r1", checkout.Mismatch, "2027-01-31T23:59:59Z", 100), pay("evt_r2", checkout.Succeeded, "2027-02-01T00:00:00Z", 17500)} {
			if _, err := ren.Update(ctx, inv.ID, func(x *renewals.Invoice) ([]outbox.Message, error) {
				x.Payments = append(x.Payments, p)
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ren.Update(ctx, inv.ID, func(x *renewals.Invoice) ([]outbox.Message, error) { x.Flag = "seen"; return nil, nil }); err != nil {
			t.Fatal(err)
		}

		// A program's application fee, paid in March.
		progs := store.NewPrograms(tbl)
		p := programs.Program{ID: "PRG-L", ProviderID: "PRV-1", ProviderName: "Acme", ProviderEmail: "ce@acme.example",
			Content: programs.Content{Title: "Ethics", Objectives: []string{}, Instructors: []string{}}, Status: programs.FeeDue,
			CreatedAt: at("2027-03-01T10:00:00Z"), UpdatedAt: at("2027-03-01T10:00:00Z"), Version: 1,
			Fee: &programs.Fee{InvoiceID: "INV-PRG-L", AmountCents: 15000, Currency: "USD", Status: programs.FeeOpen}}
		if err := progs.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := progs.Update(ctx, "PRG-L", func(x *programs.Program) ([]outbox.Message, error) {
			x.Fee.Payments = append(x.Fee.Payments, pay("evt_p1", checkout.Succeeded, "2027-03-02T12:00:00Z", 15000))
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}

		// A filing fee, failed then refunded (a provider's own mistake) in March.
		att := store.NewAttendance(tbl)
		u := attendance.Upload{ID: "U-L", ProgramID: "PRG-L", ProviderID: "PRV-1", Source: "csv", Rows: 3, Chunks: 1,
			ReportedOn: roster.Date{Year: 2027, Month: time.March, Day: 5}, CreatedAt: at("2027-03-05T10:00:00Z"),
			Fee: attendance.FilingFee{MemberCents: 500, GuestCents: 1000, Currency: "USD"}}
		if err := att.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		fil := attendance.FilingInvoice{ID: "FIL-U-L", UploadID: "U-L", UploadedAt: u.CreatedAt, ProgramID: "PRG-L", ProgramTitle: "Ethics",
			ProviderID: "PRV-1", ProviderName: "Acme", ProviderEmail: "a@acme.example", ReportedOn: u.ReportedOn, Members: 1, Guests: 0,
			MemberCents: 500, GuestCents: 1000, AmountCents: 500, Currency: "USD", Status: attendance.FilingOpen, IssuedAt: u.CreatedAt, IssuedOn: "2027-03-05"}
		res, sum := attResults(0, 2, 5)
		done := &attendance.Entry{Upload: u, Done: true, Totals: attendance.Totals{Currency: "USD"}, Fee: &fil}
		done.Totals.Add(sum)
		if err := att.FinishChunk(ctx, "U-L", res, sum, nil, done); err != nil {
			t.Fatal(err)
		}
		if _, err := att.UpdateFilingInvoice(ctx, "U-L", func(x *attendance.FilingInvoice) ([]outbox.Message, error) {
			x.Payments = append(x.Payments, pay("evt_f1", checkout.Failed, "2027-03-06T09:00:00Z", 500), pay("evt_f2", checkout.Refunded, "2027-03-07T09:00:00Z", 500))
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}

		repo := store.NewLedger(tbl)
		from, to := at("2027-01-01T00:00:00Z"), at("2027-04-01T00:00:00Z")
		all, next, err := repo.Between(ctx, from, to, ledger.Page{Limit: 100})
		if err != nil || next != "" {
			t.Fatalf("Between: %v, next %q", err, next)
		}
		type row struct {
			event, kind, invoice, payer string
			status                      checkout.PaymentKind
			cents, reinstatement        int64
		}
		want := []row{
			{"evt_r1", ledger.Renewal, inv.ID, "H-1", checkout.Mismatch, 100, 0},
			{"evt_r2", ledger.Renewal, inv.ID, "H-1", checkout.Succeeded, 17500, 5000},
			{"evt_p1", ledger.ApplicationFee, "INV-PRG-L", "PRV-1", checkout.Succeeded, 15000, 0},
			{"evt_f1", ledger.FilingFee, "FIL-U-L", "PRV-1", checkout.Failed, 500, 0},
			{"evt_f2", ledger.FilingFee, "FIL-U-L", "PRV-1", checkout.Refunded, 500, 0},
		}
		if len(all) != len(want) {
			t.Fatalf("%d entries, want %d: %+v", len(all), len(want), all)
		}
		for i, w := range want {
			e := all[i]
			if got := (row{e.EventID, e.Kind, e.InvoiceID, e.PayerID, e.Status, e.AmountCents, e.ReinstatementCents}); got != w || e.Currency != "USD" || e.Reference != "cs_"+w.event {
				t.Errorf("entry %d: %+v, want %+v", i, got, w)
			}
		}
		// The range's edges: from inclusive, to exclusive.
		if got, _, err := repo.Between(ctx, at("2027-02-01T00:00:00Z"), at("2027-03-06T09:00:00Z"), ledger.Page{}); err != nil || len(got) != 2 ||
			got[0].EventID != "evt_r2" || got[1].EventID != "evt_p1" {
			t.Fatalf("1 February to 6 March 09:00: %+v, %v", got, err)
		}
		// A page at a time, across months.
		var paged []string
		pg := ledger.Page{Limit: 2}
		for i := 0; ; i++ {
			es, next, err := repo.Between(ctx, from, to, pg)
			if err != nil || i > 10 {
				t.Fatalf("page %d: %v", i, err)
			}
			for _, e := range es {
				paged = append(paged, e.EventID)
			}
			if next == "" {
				break
			}
			pg.Cursor = next
		}
		if len(paged) != len(want) || paged[0] != "evt_r1" || paged[4] != "evt_f2" {
			t.Fatalf("paged: %v", paged)
		}
		var f *fault.Error
		if _, _, err := repo.Between(ctx, from, to, ledger.Page{Cursor: base64.RawURLEncoding.EncodeToString([]byte("1999-01:"))}); !errors.As(err, &f) || f.Code != "invalid_cursor" {
			t.Fatalf("a cursor of another range: %v", err)
		}

		// The mismatch and the refund are in staff's queue, oldest first;
		// the payments and the failure are not.
		queue := func(resolved bool) []string {
			is, _, err := repo.Queue(ctx, resolved, ledger.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, i := range is {
				out = append(out, i.ID()+" "+i.Why+" "+i.InvoiceID)
			}
			return out
		}
		if got := queue(false); len(got) != 2 || got[0] != "evt_r1 mismatch "+inv.ID || got[1] != "evt_f2 refunded FIL-U-L" {
			t.Fatalf("open issues: %v", got)
		}
		resolved, err := repo.UpdateIssue(ctx, "evt_r1", func(is *ledger.Issue) error {
			is.Notes = append(is.Notes, ledger.Note{At: at("2027-02-02T10:00:00Z"), By: "office", Text: "Refunded the $1 by hand.", Resolved: true})
			is.Resolved, is.ResolvedAt, is.ResolvedBy = true, at("2027-02-02T10:00:00Z"), "office"
			return nil
		})
		if err != nil || !resolved.Resolved || resolved.Version != 2 || len(resolved.Notes) != 1 || resolved.AmountCents != 100 {
			t.Fatalf("resolved: %+v, %v", resolved, err)
		}
		if open, done := queue(false), queue(true); len(open) != 1 || len(done) != 1 || done[0] != "evt_r1 mismatch "+inv.ID {
			t.Fatalf("after resolving: open %v, resolved %v", open, done)
		}
		if _, err := repo.UpdateIssue(ctx, "evt_none", func(*ledger.Issue) error { return nil }); !errors.Is(err, ledger.ErrIssueNotFound) {
			t.Fatalf("an unknown issue: %v", err)
		}
	})
}
