package store_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/meter"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestStats_ProgramsByStatus: the count of programs per status follows
// every creation and change of status, in the same write; an update that
// keeps the status, or one refused, counts nothing.
func TestStats_ProgramsByStatus(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		progs, stats := store.NewPrograms(tbl), store.NewStats(tbl)
		want := func(w map[string]int64) {
			t.Helper()
			got, err := stats.ProgramsByStatus(ctx)
			if err != nil || !maps.Equal(got, w) {
				t.Fatalf("programs by status %v, %v; want %v", got, err, w)
			}
		}
		want(map[string]int64{})
		at := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
		for _, id := range []string{"PRG-1", "PRG-2", "PRG-3"} {
			if err := progs.Create(ctx, draftFixture(id, "P-1", at)); err != nil {
				t.Fatal(err)
			}
		}
		want(map[string]int64{"draft": 3})
		to := func(id string, s programs.Status) {
			t.Helper()
			if _, err := progs.Update(ctx, id, func(p *programs.Program) ([]outbox.Message, error) { p.Status = s; return nil, nil }); err != nil {
				t.Fatal(err)
			}
		}
		to("PRG-1", programs.Submitted)
		to("PRG-1", programs.FeeDue)
		to("PRG-2", programs.Submitted)
		to("PRG-2", programs.Submitted) // no change of status
		want(map[string]int64{"draft": 1, "submitted": 1, "fee_due": 1})
		// A create that finds the program there already counts nothing.
		if err := progs.Create(ctx, draftFixture("PRG-3", "P-1", at)); err == nil {
			t.Fatal("a second create of PRG-3 was taken")
		}
		// An update its function refuses counts nothing.
		if _, err := progs.Update(ctx, "PRG-3", func(p *programs.Program) ([]outbox.Message, error) {
			p.Status = programs.Approved
			return nil, programs.ErrNoChange
		}); err == nil {
			t.Fatal("a refused update was written")
		}
		want(map[string]int64{"draft": 1, "submitted": 1, "fee_due": 1})
	})
}

// TestStats_Season: the renewal season's invoices issued and paid per week
// (the association's ISO week) follow the invoices' creation and their
// payment, once each: a second create of an invoice, or an update of a paid
// one, counts nothing.
func TestStats_Season(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		ren, stats := store.NewRenewals(tbl, store.In(ny)), store.NewStats(tbl)
		// 03:30 UTC on Monday 2 November 2026 (week 45) is 22:30 on Sunday
		// 1 November in New York (week 44): the association's week counts.
		issued := time.Date(2026, 11, 2, 3, 30, 0, 0, time.UTC)
		for _, h := range []string{"H-1", "H-2", "H-3"} {
			inv := renewals.Invoice{ID: renewals.InvoiceID(h, 2027), HolderID: h, Year: 2027, Currency: "USD", TotalCents: 12500,
				DueOn: "2027-01-01", Status: renewals.Open, IssuedAt: issued}
			if err := ren.Create(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
		if err := ren.Create(ctx, renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", Year: 2027, Status: renewals.Open, IssuedAt: issued}); err == nil {
			t.Fatal("a second create of H-1's invoice was taken")
		}
		pay := func(h string, at time.Time) {
			t.Helper()
			if _, err := ren.Update(ctx, renewals.InvoiceID(h, 2027), func(x *renewals.Invoice) ([]outbox.Message, error) {
				x.Status, x.PaidAt = renewals.Paid, at
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		pay("H-1", time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC))
		pay("H-1", time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC)) // already paid: no new count
		pay("H-2", time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC))
		got, err := stats.Season(ctx, 2027)
		if want := map[string]int64{"2026-W44 invoiced": 3, "2026-W47 paid": 1, "2026-W51 paid": 1}; err != nil || !maps.Equal(got, want) {
			t.Fatalf("the 2027 season %v, %v; want %v", got, err, want)
		}
	})
}

// TestStats_ReadCostFlat: the dashboard's read is the same handful of
// GetItems, of the same read units, with 1,000 or 10,000 renewal invoices
// on record (issue 19: flat whatever the number of holders; `make
// bench-daily` writes 200,000). The counters grow with the weeks and months
// of a season, not with the records.
func TestStats_ReadCostFlat(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes 11,000 invoices")
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	read := func(n int) meter.Usage {
		tbl := testkit.TempTable(t, testkit.NoSync)
		ren := store.NewRenewals(tbl, store.In(ny))
		start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		for i := range n {
			inv := renewals.Invoice{ID: renewals.InvoiceID(fmt.Sprintf("H-%06d", i), 2027), HolderID: fmt.Sprintf("H-%06d", i), Year: 2027,
				Currency: "USD", TotalCents: 12500, DueOn: "2027-01-01", Status: renewals.Open, IssuedAt: start.Add(time.Duration(i%13) * 7 * 24 * time.Hour)}
			if err := ren.Create(t.Context(), inv); err != nil {
				t.Fatal(err)
			}
		}
		svc := &dashboard.Service{Store: store.NewStats(tbl), Loc: ny, Now: func() time.Time { return time.Date(2027, 1, 20, 15, 0, 0, 0, time.UTC) }}
		m := meter.New()
		f, err := svc.Figures(meter.With(t.Context(), m), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}})
		if err != nil || f.Season.Invoiced != int64(n) || len(f.Season.Weeks) != 13 {
			t.Fatalf("%d invoices: season %+v, %v", n, f.Season, err)
		}
		return m.Usage()
	}
	small, large := read(1000), read(10000)
	if small.String() != large.String() || small.ReadUnits != large.ReadUnits || small.CallCount() > 5 {
		t.Fatalf("1,000 invoices: %s, %.1f RCU; 10,000: %s, %.1f RCU", small, small.ReadUnits, large, large.ReadUnits)
	}
}
