package ledger_test

import (
	"errors"
	"fmt"
	"maps"
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
// on renewals (a fifth with the reinstatement fee), application fees and
// filing fees: declines, payments of another amount (some refunded before
// the invoice is paid), payments of an earlier checkout's amount (before
// the reinstatement fee), duplicates, late failures, and refunds reported
// as the payment provider does (what was refunded in all on the charge,
// partly then the rest). Settled by the one rule (checkout.Decide) and
// recorded by the invoices' stores, then read a quarter at a time: the
// totals per month and kind equal what the generator did to each invoice,
// worked out from its own record of amounts and dates, not from the
// ledger's arithmetic.
func TestService_ReconcilesWithInvoices(t *testing.T) {
	tbl := testkit.TempTable(t, testkit.NoSync)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(2027, 19))
	in := store.In(newYork) // the office's figures counted by New York's months, as the ledger's totals
	ren, progs, att := store.NewRenewals(tbl, in), store.NewPrograms(tbl, in), store.NewAttendance(tbl, in)
	year := time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC) // midnight in New York
	type key struct{ month, kind string }
	want := map[key]*ledger.Total{}
	total := func(month, kind string) *ledger.Total {
		k := key{month, kind}
		if want[k] == nil {
			want[k] = &ledger.Total{Month: month, Kind: kind, Currency: "USD"}
		}
		return want[k]
	}
	month := func(at time.Time) string { return at.In(newYork).Format("2006-01") }
	// plan is an invoice's events, and what they must add to the totals.
	type plan struct {
		events []checkout.Payment
		quotes []int64
	}
	// scenario makes the events of an invoice of kind with total (fee of
	// it the reinstatement fee) and records what they mean.
	scenario := func(id, kind string, amount, fee int64) plan {
		var p plan
		at := year.Add(time.Duration(r.IntN(350*24)) * time.Hour)
		n := 0
		emit := func(k checkout.PaymentKind, cents int64, ref string) {
			at = at.Add(time.Duration(1+r.IntN(60)) * time.Hour)
			e := checkout.Payment{EventID: fmt.Sprintf("evt_%s_%d", id, n), Kind: k, Reference: ref, AmountCents: cents, Currency: "USD", At: at}
			n++
			p.events = append(p.events, e)
			if r.IntN(4) == 0 {
				p.events = append(p.events, e) // delivered again: counts once
			}
		}
		if r.IntN(5) == 0 {
			emit(checkout.Failed, amount, "pi_"+id)
			total(month(at), kind).Failed++
		}
		if r.IntN(5) == 0 { // another amount: held, perhaps given back
			emit(checkout.Succeeded, amount-100, "ch_"+id+"_short")
			total(month(at), kind).Mismatched += amount - 100
			if r.IntN(2) == 0 {
				emit(checkout.Refunded, amount-100, "ch_"+id+"_short")
				total(month(at), kind).Mismatched -= amount - 100
			}
		}
		if r.IntN(6) == 0 {
			return p // never paid
		}
		paid := amount
		if fee > 0 && r.IntN(3) == 0 { // the checkout was started before the fee was added
			paid = amount - fee
			p.quotes = []int64{paid}
		}
		emit(checkout.Succeeded, paid, "ch_"+id)
		total(month(at), kind).Succeeded += paid
		if fee > 0 && paid == amount {
			total(month(at), ledger.Reinstatement).Succeeded += fee
		}
		if r.IntN(4) == 0 {
			emit(checkout.Failed, amount, "pi_"+id+"_late") // after the payment: kept for the record
			total(month(at), kind).Failed++                 // the reinstatement rows count money only
		}
		switch r.IntN(6) {
		case 0: // refunded whole
			emit(checkout.Refunded, paid, "ch_"+id)
			total(month(at), kind).Refunded += paid
			if fee > 0 && paid == amount {
				total(month(at), ledger.Reinstatement).Refunded += fee
			}
		case 1: // refunded in two parts, reported as the running total
			if fee == 0 {
				part := paid / 4
				emit(checkout.Refunded, part, "ch_"+id)
				total(month(at), kind).Refunded += part
				emit(checkout.Refunded, paid, "ch_"+id)
				total(month(at), kind).Refunded += paid - part
			}
		}
		return p
	}
	paid := map[string]int64{}
	settle := func(l checkout.Ledger, ev checkout.Payment, record func(checkout.Decision)) error {
		d := checkout.Decide(l, ev, ev.At)
		if d.Effect == checkout.Unchanged {
			return errNoChange
		}
		record(d)
		return nil
	}
	for i := range 120 {
		var fee int64
		if i%5 == 0 {
			fee = 5000
		}
		id := fmt.Sprintf("H-%03d", i)
		inv := renewals.Invoice{ID: renewals.InvoiceID(id, 2027), HolderID: id, Year: 2027, Currency: "USD", TotalCents: 12500 + fee, Status: renewals.Open,
			Lines: []renewals.Line{{Code: "CAM", Cents: 12500}}}
		if fee > 0 {
			inv.Lines = append(inv.Lines, renewals.Line{Code: renewals.LineReinstatement, Cents: fee})
		}
		p := scenario(id, ledger.Renewal, inv.TotalCents, fee)
		inv.Quotes = p.quotes
		if err := ren.Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
		for _, ev := range p.events {
			if _, err := ren.Update(ctx, inv.ID, func(x *renewals.Invoice) ([]outbox.Message, error) {
				return nil, settle(checkout.Ledger{Paid: x.Status == renewals.Paid, TotalCents: x.TotalCents, Currency: x.Currency, Quotes: x.Quotes, Payments: x.Payments}, ev,
					func(d checkout.Decision) {
						x.Payments = append(x.Payments, d.Record)
						if d.Effect == checkout.Pays {
							x.Status, x.PaidAt = renewals.Paid, ev.At
							paid[ledger.Renewal] += ev.AmountCents
						}
					})
			}); err != nil && !errors.Is(err, errNoChange) {
				t.Fatal(err)
			}
		}
	}
	for i := range 60 {
		id := fmt.Sprintf("PRG-%03d", i)
		pr := programs.Program{ID: id, ProviderID: "PRV-1", ProviderName: "Acme", Content: programs.Content{Title: id, Objectives: []string{}, Instructors: []string{}},
			Status: programs.FeeDue, CreatedAt: year, UpdatedAt: year, Version: 1,
			Fee: &programs.Fee{InvoiceID: "INV-" + id, AmountCents: int64(5000 * (1 + i%4)), Currency: "USD", Status: programs.FeeOpen}}
		if err := progs.Create(ctx, pr); err != nil {
			t.Fatal(err)
		}
		for _, ev := range scenario(id, ledger.ApplicationFee, pr.Fee.AmountCents, 0).events {
			if _, err := progs.Update(ctx, id, func(x *programs.Program) ([]outbox.Message, error) {
				return nil, settle(checkout.Ledger{Paid: x.Fee.Status == programs.FeePaid, TotalCents: x.Fee.AmountCents, Currency: "USD", Payments: x.Fee.Payments}, ev,
					func(d checkout.Decision) {
						x.Fee.Payments = append(x.Fee.Payments, d.Record)
						if d.Effect == checkout.Pays {
							x.Fee.Status, x.Fee.PaidAt = programs.FeePaid, ev.At
							paid[ledger.ApplicationFee] += ev.AmountCents
						}
					})
			}); err != nil && !errors.Is(err, errNoChange) {
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
			ProviderEmail: "a@acme.example", Members: i % 3, Guests: 1, AmountCents: int64(500*(i%3) + 1000), Currency: "USD", Status: attendance.FilingOpen,
			IssuedAt: year, IssuedOn: "2027-01-01"}
		if err := att.FinishChunk(ctx, u.ID, nil, attendance.ChunkSummary{}, nil, &attendance.Entry{Upload: u, Done: true, Totals: attendance.Totals{Currency: "USD"}, Fee: &fil}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range scenario(fil.ID, ledger.FilingFee, fil.AmountCents, 0).events {
			if _, err := att.UpdateFilingInvoice(ctx, u.ID, func(x *attendance.FilingInvoice) ([]outbox.Message, error) {
				return nil, settle(checkout.Ledger{Paid: x.Status == attendance.FilingPaid, TotalCents: x.AmountCents, Currency: "USD", Payments: x.Payments}, ev,
					func(d checkout.Decision) {
						x.Payments = append(x.Payments, d.Record)
						if d.Effect == checkout.Pays {
							x.Status, x.PaidAt = attendance.FilingPaid, ev.At
							paid[ledger.FilingFee] += ev.AmountCents
						}
					})
			}); err != nil && !errors.Is(err, errNoChange) {
				t.Fatal(err)
			}
		}
	}
	for _, w := range want {
		w.Net = w.Succeeded - w.Refunded
	}

	// The year, a quarter at a time (the longest range), as the bookkeeper
	// would download it.
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
	for k, w := range want {
		if g := got[k]; g != *w && (*w != ledger.Total{Month: k.month, Kind: k.kind, Currency: "USD"}) {
			t.Errorf("%s %s: %+v, want %+v", k.month, k.kind, g, *w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: %+v, which the generator did not make", k.month, k.kind, g)
		}
	}
	// The dashboard's revenue counters, kept with the entries, say the same.
	counters := map[string]int64{}
	for _, y := range []int{2027, 2028} {
		c, err := store.NewStats(tbl).Revenue(ctx, y)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(counters, c)
	}
	for k, g := range got {
		name := func(field string) int64 { return counters[ledger.RevenueName(k.month, k.kind, "USD", field)] }
		if name(ledger.FieldTaken) != g.Succeeded || name(ledger.FieldRefunded) != g.Refunded || name(ledger.FieldHeld) != g.Mismatched || name(ledger.FieldFailed) != int64(g.Failed) {
			t.Errorf("%s %s: counters taken %d refunded %d held %d failed %d, the ledger %+v", k.month, k.kind,
				name(ledger.FieldTaken), name(ledger.FieldRefunded), name(ledger.FieldHeld), name(ledger.FieldFailed), g)
		}
	}
	// What was taken is what the paid invoices were paid.
	for kind, cents := range paid {
		if taken[kind] != cents {
			t.Errorf("%s: taken %d, the paid invoices %d", kind, taken[kind], cents)
		}
	}
	// Filtered by kind: only the reinstatements, with their totals alone.
	rep, err := svc.All(ctx, staff, ledger.Filter{From: "2027-01-01", To: "2027-03-31", Kind: ledger.Reinstatement})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Entries {
		if e.Kind != ledger.Renewal || e.ReinstatementCents != 5000 {
			t.Fatalf("a reinstatement entry %+v", e)
		}
	}
	for _, tot := range rep.Totals {
		if tot.Kind != ledger.Reinstatement {
			t.Fatalf("the reinstatements' totals hold %+v", tot)
		}
	}
}

var errNoChange = errors.New("no change")

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
