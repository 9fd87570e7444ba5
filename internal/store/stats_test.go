package store_test

import (
	"maps"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
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
