package store_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/meter"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
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

		// Each provider's own count, in the same writes, and their names.
		if err := progs.Create(ctx, draftFixture("PRG-4", "P-2", at)); err != nil {
			t.Fatal(err)
		}
		byProv, err := stats.ProgramsByProvider(ctx)
		if err != nil || len(byProv) != 2 || !maps.Equal(byProv["P-1"], map[string]int64{"draft": 1, "submitted": 1, "fee_due": 1}) ||
			!maps.Equal(byProv["P-2"], map[string]int64{"draft": 1}) {
			t.Fatalf("programs by provider %v, %v", byProv, err)
		}
		if err := store.NewAccounts(tbl).CreateProvider(ctx, accounts.Provider{ID: "P-2", Sub: "sub-p2", Name: "Bright Learning", Email: "b@example.org"}); err != nil {
			t.Fatal(err)
		}
		if names, err := stats.ProviderNames(ctx, []string{"P-2", "P-NONE"}); err != nil || len(names) != 1 || names["P-2"] != "Bright Learning" {
			t.Fatalf("names %v, %v", names, err)
		}
	})
}

// TestStats_Season: the renewal season's invoices issued and paid per week
// (the association's ISO week) follow the invoices' creation and their
// payment, once each: a second create of an invoice, or an update of a paid
// one, counts nothing.
func TestStats_Season(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
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
	ny := newYork(t)
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
	if small.String() != large.String() || small.ReadUnits != large.ReadUnits || small.CallCount() > 9 { // GetItem×7, the providers' Query, their names' BatchGet
		t.Fatalf("1,000 invoices: %s, %.1f RCU; 10,000: %s, %.1f RCU", small, small.ReadUnits, large, large.ReadUnits)
	}
}

// TestStats_Credited: the CECs credited by month follow every write of a
// credit to a transcript, in the same transaction, by the month of the
// write (the association's): credits in groups that span a new year, a
// second crediting refused, held credits only when released, and a
// withdrawal taken off in its own month.
func TestStats_Credited(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, stats := store.NewAttendance(tbl, store.In(ny)), store.NewStats(tbl)
		want := func(year int, w map[string]int64) {
			t.Helper()
			got, err := stats.Credited(ctx, year)
			if err != nil || !maps.Equal(got, w) {
				t.Fatalf("credited in %d: %v, %v; want %v", year, got, err, w)
			}
		}
		on := roster.Date{Year: 2026, Month: time.December, Day: 30}
		// 110 credits, written on 31 December (New York) for the first 70
		// and 1 January for the rest: the 2027-01 ones are 05:30 UTC on
		// 1 January, still 31 December in New York.
		batch := attCredits("PRG-S", "S", "U-S", 0, 110, on)
		var cecs26, cecs27 int64
		for i := range batch {
			if i < 70 {
				batch[i].Credited = time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC) // 23:30 on 31 December in New York
				cecs26 += int64(batch[i].Hours)
			} else {
				batch[i].Credited = time.Date(2027, 1, 1, 5, 30, 0, 0, time.UTC)
				cecs27 += int64(batch[i].Hours)
			}
		}
		if refused, err := repo.Credit(ctx, batch); err != nil || len(refused) != 0 {
			t.Fatalf("credit 110: refused %v, %v", refused, err)
		}
		assertCredited(t, tbl, batch)
		want(2026, map[string]int64{"2026-12 credits": 70, "2026-12 cecs": cecs26})
		want(2027, map[string]int64{"2027-01 credits": 40, "2027-01 cecs": cecs27})
		// Each transaction also asked for its holders' renewals to be judged
		// again (accounts.Rejudge): every holder credited, once.
		rejudged := func() []string {
			t.Helper()
			pending, err := store.NewOutbox(tbl).Pending(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 1000)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range pending {
				if r, ok := accounts.ParseRejudge(string(m.Body)); ok && m.Queue == accounts.RenewalsQueue {
					ids = append(ids, r.HolderIDs...)
				}
			}
			slices.Sort(ids)
			return ids
		}
		if got := rejudged(); !slices.Equal(got, holderIDs(batch)) {
			t.Fatalf("holders to judge again: %d, want the %d credited", len(got), len(batch))
		}
		// Credited again (a redelivered chunk): refused, counting nothing.
		if refused, err := repo.Credit(ctx, batch[68:72]); err != nil || len(refused) != 4 {
			t.Fatalf("credited twice: refused %v, %v", refused, err)
		}
		want(2026, map[string]int64{"2026-12 credits": 70, "2026-12 cecs": cecs26})

		// Held credits count when released, in the month of the release.
		held := attCredits("PRG-H", "H", "U-H", 0, 5, on)
		var heldCECs int64
		for i := range held {
			held[i].Held = true
			heldCECs += int64(held[i].Hours)
		}
		if refused, err := repo.Credit(ctx, held); err != nil || len(refused) != 0 {
			t.Fatalf("hold: refused %v, %v", refused, err)
		}
		want(2027, map[string]int64{"2027-01 credits": 40, "2027-01 cecs": cecs27})
		for i := range held {
			held[i].Credited = time.Date(2027, 2, 3, 12, 0, 0, 0, time.UTC)
		}
		if err := repo.Release(ctx, held); err != nil {
			t.Fatal(err)
		}
		if err := repo.Release(ctx, held); err != nil { // a second delivery: released already
			t.Fatal(err)
		}
		want(2027, map[string]int64{"2027-01 credits": 40, "2027-01 cecs": cecs27, "2027-02 credits": 5, "2027-02 cecs": heldCECs})

		// A withdrawal in March takes the credit off March; adding it
		// back puts it on March; a refused withdrawal counts nothing.
		c := batch[0]
		corr := attendance.Correction{ID: "C-1", ProgramID: c.ProgramID, UploadID: c.UploadID, Action: attendance.CorrectionRemove,
			HolderID: c.HolderID, Completed: c.Completed, Hours: c.Hours, Reason: "left early", By: "sub-p", At: time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)}
		if err := repo.Withdraw(ctx, corr); err != nil {
			t.Fatal(err)
		}
		corr.ID = "C-2"
		if err := repo.Withdraw(ctx, corr); !errors.Is(err, attendance.ErrNotCredited) {
			t.Fatalf("second withdrawal: %v", err)
		}
		want(2027, map[string]int64{"2027-01 credits": 40, "2027-01 cecs": cecs27, "2027-02 credits": 5, "2027-02 cecs": heldCECs,
			"2027-03 credits": -1, "2027-03 cecs": -int64(c.Hours)})
		c.Credited = time.Date(2027, 3, 9, 9, 0, 0, 0, time.UTC)
		corr.ID, corr.Action, corr.At = "C-3", attendance.CorrectionAdd, c.Credited
		if err := repo.AddCredit(ctx, c, corr); err != nil {
			t.Fatal(err)
		}
		corr.ID = "C-4"
		if err := repo.AddCredit(ctx, c, corr); !errors.Is(err, attendance.ErrAlreadyCredited) {
			t.Fatalf("second addition: %v", err)
		}
		want(2027, map[string]int64{"2027-01 credits": 40, "2027-01 cecs": cecs27, "2027-02 credits": 5, "2027-02 cecs": heldCECs,
			"2027-03 credits": 0, "2027-03 cecs": 0})
	})
}

// newYork is the association's time zone of these tests: its days, weeks
// and months differ from UTC's.
func newYork(t testing.TB) *time.Location {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return ny
}

// TestStats_Compliance: a renewal year's invoices by CEC verdict follow
// each invoice's creation and every update that moves its verdict, in the
// invoice's own write; an update that keeps it, or an invoice never
// judged, counts nothing.
func TestStats_Compliance(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		ren, stats := store.NewRenewals(tbl), store.NewStats(tbl)
		want := func(w map[string]int64) {
			t.Helper()
			got, err := stats.Compliance(ctx, 2027)
			for k, v := range got {
				if v == 0 {
					delete(got, k) // a count moved back to none
				}
			}
			if err != nil || !maps.Equal(got, w) {
				t.Fatalf("compliance %v, %v; want %v", got, err, w)
			}
		}
		create := func(h string, judged bool, short ...string) {
			t.Helper()
			inv := renewals.Invoice{ID: renewals.InvoiceID(h, 2027), HolderID: h, Year: 2027, Currency: "USD", TotalCents: 12500,
				DueOn: "2027-01-01", Status: renewals.Open, IssuedAt: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), CECsJudged: judged, CECsShort: short}
			if err := ren.Create(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
		create("H-1", true)
		create("H-2", true, "total")
		create("H-3", true, "compliance_minimum", "total")
		create("H-4", false) // from before verdicts were kept
		want(map[string]int64{"met": 1, "short": 2, "short total": 2, "short compliance_minimum": 1})
		set := func(h string, judged bool, short ...string) {
			t.Helper()
			if _, err := ren.Update(ctx, renewals.InvoiceID(h, 2027), func(inv *renewals.Invoice) ([]outbox.Message, error) {
				inv.CECsJudged, inv.CECsShort = judged, short
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		set("H-2", true)          // met now
		set("H-3", true, "total") // compliance met, total still short
		set("H-1", true)          // unchanged
		set("H-4", true, "total") // judged for the first time
		want(map[string]int64{"met": 2, "short": 2, "short total": 2})
		// A second create of an invoice counts nothing.
		if err := ren.Create(ctx, renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", Year: 2027, Currency: "USD",
			TotalCents: 1, DueOn: "2027-01-01", Status: renewals.Open, CECsJudged: true, CECsShort: []string{"total"}}); err == nil {
			t.Fatal("a second create was taken")
		}
		want(map[string]int64{"met": 2, "short": 2, "short total": 2})
	})
}
