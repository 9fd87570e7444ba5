package ledger_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
)

var (
	staff     = identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}
	newYork   = mustZone("America/New_York")
	holderOne = identity.Caller{Sub: "ana", Roles: []string{identity.RoleHolder}}
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// TestService_Refuses: a range staff ask for is checked before anything is
// read: each field's problem, on its field.
func TestService_Refuses(t *testing.T) {
	svc := &ledger.Service{Store: store.NewLedger(testkit.TempTable(t, testkit.NoSync)), Loc: newYork}
	for _, tc := range []struct {
		name        string
		caller      identity.Caller
		f           ledger.Filter
		kind        fault.Kind
		field, code string
	}{
		{"Anonymous", identity.Caller{}, ledger.Filter{From: "2027-01-01", To: "2027-01-31"}, fault.Unauthenticated, "", ""},
		{"Holder", holderOne, ledger.Filter{From: "2027-01-01", To: "2027-01-31"}, fault.Forbidden, "", ""},
		{"BadDate", staff, ledger.Filter{From: "2027-02-30", To: "2027-03-31"}, fault.Invalid, "from", "invalid_date"},
		{"NoTo", staff, ledger.Filter{From: "2027-02-01"}, fault.Invalid, "to", "invalid_date"},
		{"Backwards", staff, ledger.Filter{From: "2027-02-01", To: "2027-01-31"}, fault.Invalid, "to", "before_from"},
		{"TooLong", staff, ledger.Filter{From: "2027-01-01", To: "2027-04-04"}, fault.Invalid, "to", "too_long"},
		{"Kind", staff, ledger.Filter{From: "2027-01-01", To: "2027-01-31", Kind: "dues"}, fault.Invalid, "kind", "invalid_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := svc.List(t.Context(), tc.caller, tc.f, ledger.Page{})
			var f *fault.Error
			if !errors.As(err, &f) || f.Kind != tc.kind {
				t.Fatalf("got %v, want a %v", err, tc.kind)
			}
			if tc.field != "" && (len(f.Details) != 1 || f.Details[0].Field != tc.field || f.Details[0].Code != tc.code) {
				t.Fatalf("details %+v, want %s %s", f.Details, tc.field, tc.code)
			}
		})
	}
	// 93 days, 1 January to 3 April, is the longest range.
	if _, _, err := svc.List(t.Context(), staff, ledger.Filter{From: "2027-01-01", To: "2027-04-03"}, ledger.Page{}); err != nil {
		t.Fatalf("93 days: %v", err)
	}
}

// TestService_ReconcilesWithInvoices: a generated year of payment events
// on renewals (some with the reinstatement fee), application fees and
// filing fees, settled by the one rule (checkout.Decide) and recorded by
// the invoices' stores, duplicates and late failures included: the
// ledger's totals per month and kind equal what the invoices say, and
// what was taken equals the paid invoices' totals.
func TestService_ReconcilesWithInvoices(t *testing.T) {
	tbl := testkit.TempTable(t, testkit.NoSync)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(2027, 19))
	ren, progs, att := store.NewRenewals(tbl), store.NewPrograms(tbl), store.NewAttendance(tbl)
	year := time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC) // midnight in New York
	// events is a random invoice's events over the year: a failure or a
	// mismatch perhaps, then its payment, perhaps a refund, each perhaps
	// delivered twice; the times near month ends so that zones matter.
	events := func(id string, total int64) []checkout.Payment {
		var out []checkout.Payment
		at := year.Add(time.Duration(r.IntN(360*24)) * time.Hour)
		next := func(kind checkout.PaymentKind, cents int64) {
			at = at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			p := checkout.Payment{EventID: fmt.Sprintf("evt_%s_%d", id, len(out)), Kind: kind, Reference: "cs_" + id, AmountCents: cents, Currency: "USD", At: at}
			out = append(out, p)
			if r.IntN(4) == 0 {
				out = append(out, p) // delivered again
			}
		}
		switch r.IntN(5) {
		case 0:
			next(checkout.Failed, total)
		case 1:
			next(checkout.Succeeded, total-1) // a mismatch
		}
		if r.IntN(6) > 0 {
			next(checkout.Succeeded, total)
			if r.IntN(4) == 0 {
				next(checkout.Failed, total) // after the payment: recorded only
			}
			if r.IntN(8) == 0 {
				next(checkout.Refunded, total)
			}
		}
		return out
	}
	// settle applies one event as the services do.
	settle := func(l checkout.Ledger, ev checkout.Payment) (checkout.Decision, bool) {
		d := checkout.Decide(l, ev, ev.At)
		return d, d.Effect != checkout.Unchanged
	}
	type key struct{ month, kind string }
	want := map[key]*ledger.Total{}
	paid := map[string]int64{}
	note := func(kind string, rec checkout.Payment, reinstatement int64) {
		for _, k := range []string{kind, map[bool]string{true: ledger.Reinstatement}[kind == ledger.Renewal && reinstatement > 0 && rec.Kind != checkout.Mismatch]} {
			if k == "" {
				continue
			}
			cents := rec.AmountCents
			if k == ledger.Reinstatement {
				cents = min(reinstatement, cents)
			}
			kk := key{rec.At.In(newYork).Format("2006-01"), k}
			w := want[kk]
			if w == nil {
				w = &ledger.Total{Month: kk.month, Kind: k, Currency: "USD"}
				want[kk] = w
			}
			switch rec.Kind {
			case checkout.Succeeded:
				w.Succeeded += cents
			case checkout.Refunded:
				w.Refunded += cents
			case checkout.Mismatch:
				w.Mismatched += cents
			case checkout.Failed:
				w.Failed++
			}
			w.Net = w.Succeeded - w.Refunded
		}
	}
	for i := range 120 {
		reinstated := i%5 == 0
		inv := renewals.Invoice{ID: renewals.InvoiceID(fmt.Sprintf("H-%03d", i), 2027), HolderID: fmt.Sprintf("H-%03d", i), Year: 2027,
			Currency: "USD", TotalCents: 12500, Status: renewals.Open, Lines: []renewals.Line{{Code: "CAM", Cents: 12500}}}
		if reinstated {
			inv.TotalCents += 5000
			inv.Lines = append(inv.Lines, renewals.Line{Code: renewals.LineReinstatement, Cents: 5000})
		}
		if err := ren.Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
		for _, ev := range events(inv.ID, inv.TotalCents) {
			if _, err := ren.Update(ctx, inv.ID, func(x *renewals.Invoice) ([]outbox.Message, error) {
				d, ok := settle(checkout.Ledger{Paid: x.Status == renewals.Paid, TotalCents: x.TotalCents, Currency: x.Currency, Payments: x.Payments}, ev)
				if !ok {
					return nil, renewals.ErrNoChange
				}
				x.Payments = append(x.Payments, d.Record)
				if d.Effect == checkout.Pays {
					x.Status = renewals.Paid
					paid[ledger.Renewal] += x.TotalCents
				}
				note(ledger.Renewal, d.Record, map[bool]int64{true: 5000}[reinstated])
				return nil, nil
			}); err != nil && !errors.Is(err, renewals.ErrNoChange) {
				t.Fatal(err)
			}
		}
	}
	for i := range 60 {
		id := fmt.Sprintf("PRG-%03d", i)
		p := programs.Program{ID: id, ProviderID: "PRV-1", ProviderName: "Acme", Content: programs.Content{Title: id, Objectives: []string{}, Instructors: []string{}},
			Status: programs.FeeDue, CreatedAt: year, UpdatedAt: year, Version: 1,
			Fee: &programs.Fee{InvoiceID: "INV-" + id, AmountCents: int64(5000 * (1 + i%4)), Currency: "USD", Status: programs.FeeOpen}}
		if err := progs.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		for _, ev := range events(id, p.Fee.AmountCents) {
			if _, err := progs.Update(ctx, id, func(x *programs.Program) ([]outbox.Message, error) {
				d, ok := settle(checkout.Ledger{Paid: x.Fee.Status == programs.FeePaid, TotalCents: x.Fee.AmountCents, Currency: "USD", Payments: x.Fee.Payments}, ev)
				if !ok {
					return nil, programs.ErrNoChange
				}
				x.Fee.Payments = append(x.Fee.Payments, d.Record)
				if d.Effect == checkout.Pays {
					x.Fee.Status = programs.FeePaid
					paid[ledger.ApplicationFee] += x.Fee.AmountCents
				}
				note(ledger.ApplicationFee, d.Record, 0)
				return nil, nil
			}); err != nil && !errors.Is(err, programs.ErrNoChange) {
				t.Fatal(err)
			}
		}
	}
	for i := range 40 {
		u := attendance.Upload{ID: fmt.Sprintf("U-%03d", i), ProgramID: "PRG-000", ProviderID: "PRV-1", Source: "csv", Rows: 1, Chunks: 1, CreatedAt: year,
			Fee: attendance.FilingFee{MemberCents: 500, GuestCents: 1000, Currency: "USD"}}
		if err := att.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		fil := attendance.FilingInvoice{ID: "FIL-" + u.ID, UploadID: u.ID, UploadedAt: year, ProgramID: "PRG-000", ProviderID: "PRV-1", ProviderName: "Acme",
			ProviderEmail: "a@acme.example", Members: i % 3, Guests: 1, AmountCents: int64(500*(i%3) + 1000), Currency: "USD", Status: attendance.FilingOpen, IssuedAt: year, IssuedOn: "2027-01-01"}
		if err := att.FinishChunk(ctx, u.ID, nil, attendance.ChunkSummary{}, nil, &attendance.Entry{Upload: u, Done: true, Totals: attendance.Totals{Currency: "USD"}, Fee: &fil}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range events(fil.ID, fil.AmountCents) {
			if _, err := att.UpdateFilingInvoice(ctx, u.ID, func(x *attendance.FilingInvoice) ([]outbox.Message, error) {
				d, ok := settle(checkout.Ledger{Paid: x.Status == attendance.FilingPaid, TotalCents: x.AmountCents, Currency: "USD", Payments: x.Payments}, ev)
				if !ok {
					return nil, attendance.ErrNoChange
				}
				x.Payments = append(x.Payments, d.Record)
				if d.Effect == checkout.Pays {
					x.Status = attendance.FilingPaid
					paid[ledger.FilingFee] += x.AmountCents
				}
				note(ledger.FilingFee, d.Record, 0)
				return nil, nil
			}); err != nil && !errors.Is(err, attendance.ErrNoChange) {
				t.Fatal(err)
			}
		}
	}

	// The year, a quarter at a time (the longest range), as the bookkeeper
	// would download it; then summed.
	svc := &ledger.Service{Store: store.NewLedger(tbl), Loc: newYork}
	got := map[key]ledger.Total{}
	taken := map[string]int64{}
	entries := 0
	for _, q := range [][2]string{{"2027-01-01", "2027-03-31"}, {"2027-04-01", "2027-06-30"}, {"2027-07-01", "2027-09-30"}, {"2027-10-01", "2027-12-31"}, {"2028-01-01", "2028-03-31"}} {
		rep, err := svc.All(ctx, staff, ledger.Filter{From: q[0], To: q[1]})
		if err != nil {
			t.Fatal(err)
		}
		entries += len(rep.Entries)
		for _, tot := range rep.Totals {
			got[key{tot.Month, tot.Kind}] = tot
			if tot.Kind != ledger.Reinstatement {
				taken[tot.Kind] += tot.Succeeded
			}
		}
	}
	if entries < 300 {
		t.Fatalf("only %d entries: the generator made too few events", entries)
	}
	if len(got) != len(want) {
		t.Errorf("%d totals, want %d", len(got), len(want))
	}
	for k, w := range want {
		if g := got[k]; g != *w {
			t.Errorf("%s %s: %+v, want %+v", k.month, k.kind, g, *w)
		}
	}
	for kind, cents := range paid {
		if taken[kind] != cents {
			t.Errorf("%s: taken %d, the paid invoices' totals %d", kind, taken[kind], cents)
		}
	}
	// Filtered by kind: the reinstatements are the renewals that carried the fee.
	rep, err := svc.All(ctx, staff, ledger.Filter{From: "2027-01-01", To: "2027-03-31", Kind: ledger.Reinstatement})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Entries {
		if e.Kind != ledger.Renewal || e.ReinstatementCents != 5000 {
			t.Fatalf("a reinstatement entry %+v", e)
		}
	}
}

// TestIssueService_AddNote: staff write a note on an issue, resolving it
// or keeping it open; the note is required and bounded; others are refused;
// an unknown issue is not found.
func TestIssueService_AddNote(t *testing.T) {
	tbl := testkit.TempTable(t, testkit.NoSync)
	ctx := t.Context()
	ren := store.NewRenewals(tbl)
	inv := renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", HolderName: "Ana Lima", Year: 2027, Currency: "USD", TotalCents: 12500, Status: renewals.Open}
	if err := ren.Create(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if _, err := ren.Update(ctx, inv.ID, func(x *renewals.Invoice) ([]outbox.Message, error) {
		x.Payments = append(x.Payments, checkout.Payment{EventID: "evt_m", Kind: checkout.Mismatch, At: time.Date(2027, 1, 3, 15, 0, 0, 0, time.UTC),
			AmountCents: 12400, Currency: "USD", Reason: "paid 124.00 USD, invoice is 125.00 USD: not taken as payment"})
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 4, 15, 0, 0, 0, time.UTC)
	svc := &ledger.IssueService{Store: store.NewLedger(tbl), Now: func() time.Time { return now }}
	for _, tc := range []struct {
		name   string
		caller identity.Caller
		id     string
		note   string
		code   string
	}{
		{"Holder", holderOne, "evt_m", "x", "forbidden"},
		{"NoNote", staff, "evt_m", "  ", "invalid_request"},
		{"TooLong", staff, "evt_m", strings.Repeat("a", ledger.MaxNote+1), "invalid_request"},
		{"Unknown", staff, "evt_x", "Checked.", "payment_issue_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.AddNote(ctx, tc.caller, tc.id, tc.note, true)
			var f *fault.Error
			if !errors.As(err, &f) || f.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	open, _, err := svc.Queue(ctx, staff, false, ledger.Page{})
	if err != nil || len(open) != 1 || open[0].Why != ledger.IssueMismatch || open[0].PayerName != "Ana Lima" {
		t.Fatalf("the open queue: %+v, %v", open, err)
	}
	is, err := svc.AddNote(ctx, staff, "evt_m", "Asked Ana to pay the $1 left.", false)
	if err != nil || is.Resolved || len(is.Notes) != 1 || is.Notes[0].By != "office" || !is.Notes[0].At.Equal(now) {
		t.Fatalf("a note keeping it open: %+v, %v", is, err)
	}
	is, err = svc.AddNote(ctx, staff, "evt_m", "Refunded the $124; Ana paid again.", true)
	if err != nil || !is.Resolved || is.ResolvedBy != "office" || len(is.Notes) != 2 {
		t.Fatalf("resolving: %+v, %v", is, err)
	}
	if open, _, _ := svc.Queue(ctx, staff, false, ledger.Page{}); len(open) != 0 {
		t.Fatalf("still open: %+v", open)
	}
	if done, _, _ := svc.Queue(ctx, staff, true, ledger.Page{}); len(done) != 1 || done[0].Notes[1].Text != "Refunded the $124; Ana paid again." {
		t.Fatalf("resolved: %+v", done)
	}
}
