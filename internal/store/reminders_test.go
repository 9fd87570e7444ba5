package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
)

type remindSink struct {
	mu  sync.Mutex
	ids []string
}

func (s *remindSink) Dispatch(_ context.Context, msgs ...outbox.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		var j notify.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err == nil {
			s.ids = append(s.ids, j.ID)
		}
	}
}

func (s *remindSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.ids
	s.ids = nil
	return out
}

// failingTable fails every Write after the first n.
type failingTable struct {
	Table
	n atomic.Int64
}

func (f *failingTable) Write(ctx context.Context, ops ...Op) error {
	if f.n.Add(-1) < 0 {
		return errors.New("injected crash")
	}
	return f.Table.Write(ctx, ops...)
}

// countingTable counts the items Get, Query and BatchGet return.
type countingTable struct {
	Table
	read atomic.Int64
}

func (c *countingTable) Get(ctx context.Context, k Key) (Item, error) {
	it, err := c.Table.Get(ctx, k)
	if err == nil {
		c.read.Add(1)
	}
	return it, err
}

func (c *countingTable) Query(ctx context.Context, q Query) (Page, error) {
	pg, err := c.Table.Query(ctx, q)
	c.read.Add(int64(len(pg.Items)))
	return pg, err
}

func (c *countingTable) BatchGet(ctx context.Context, keys []Key) ([]Item, error) {
	its, err := c.Table.BatchGet(ctx, keys)
	c.read.Add(int64(len(its)))
	return its, err
}

func remindWorld(tb testing.TB, noSync bool) (*Bolt, *policy.Policy) {
	tb.Helper()
	db, err := bbolt.Open(filepath.Join(tb.TempDir(), "r.db"), 0o600, &bbolt.Options{Timeout: time.Second, NoSync: noSync})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	tbl, err := NewBolt(db)
	if err != nil {
		tb.Fatal(err)
	}
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		tb.Fatal(err)
	}
	return tbl, pol
}

func remindInvoice(holder, dueOn string) renewals.Invoice {
	return renewals.Invoice{ID: renewals.InvoiceID(holder, 2027), HolderID: holder, HolderEmail: holder + "@example.org",
		HolderName: "Holder " + holder, Year: 2027, Currency: "USD", TotalCents: 12500, DueOn: dueOn, Status: renewals.Open}
}

func remindOn(t *testing.T, tbl Table, pol *policy.Policy, day string, sink *remindSink) (int, error) {
	t.Helper()
	loc := pol.Association.Location()
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		t.Fatal(err)
	}
	svc := &reminders.Service{Store: NewReminders(tbl), Policy: pol, Clock: clock.Fixed(d.Add(7 * time.Hour)), Relay: sink}
	return svc.Run(context.Background())
}

func TestReminders_Run(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, false)
	rs, ps, as := NewRenewals(tbl), NewPrograms(tbl), NewAttendance(tbl)
	for _, inv := range []renewals.Invoice{remindInvoice("H-1", "2027-01-01"), remindInvoice("H-2", "2027-01-01")} {
		if err := rs.Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	// H-2 pays: its invoice leaves the due index.
	if _, err := rs.Update(ctx, renewals.InvoiceID("H-2", 2027), func(inv *renewals.Invoice) ([]outbox.Message, error) {
		inv.Status = renewals.Paid
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	ny := pol.Association.Location()
	end := time.Date(2026, 10, 1, 17, 0, 0, 0, ny)
	for _, id := range []string{"P-1", "P-2"} {
		p := programs.Program{ID: id, ProviderID: "V-1", ProviderEmail: "v1@example.org",
			Content: programs.Content{Title: "Program " + id, EndsAt: &end}, Status: programs.Submitted}
		if err := ps.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Update(ctx, id, func(p *programs.Program) ([]outbox.Message, error) {
			p.Status = programs.Approved
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// P-2's attendance is reported.
	if err := as.CreateUpload(ctx, attendance.Upload{ID: "U-1", ProgramID: "P-2", ProviderID: "V-1"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		day  string
		want []string
	}{
		{"2026-11-01", nil},
		{"2026-11-02", []string{"reminder:renewal_due:REN-H-1-2027:d60"}},
		{"2026-12-02", []string{"reminder:renewal_due:REN-H-1-2027:d30"}},
		{"2026-12-03", nil},
		{"2026-12-25", []string{"reminder:renewal_due:REN-H-1-2027:d7"}},
		{"2026-12-26", nil},
		{"2026-10-31", []string{"reminder:attendance_due:P-1:d30"}},
		{"2026-11-10", []string{"reminder:attendance_due:P-1:d40"}},
		{"2026-11-15", nil},
	}
	for _, c := range cases {
		t.Run(c.day, func(t *testing.T) {
			for run := range 2 { // the second run of the day sends nothing
				sink := &remindSink{}
				n, err := remindOn(t, tbl, pol, c.day, sink)
				if err != nil {
					t.Fatal(err)
				}
				got := sink.take()
				want := c.want
				if run == 1 {
					want = nil
				}
				if n != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("run %d: queued %d %v, want %v", run, n, got, want)
				}
			}
		})
	}
}

func TestReminders_CrashThenRerun(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, false)
	rs := NewRenewals(tbl)
	for i := range 5 {
		if err := rs.Create(ctx, remindInvoice(fmt.Sprintf("H-%d", i), "2027-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	ft := &failingTable{Table: tbl}
	ft.n.Store(2)
	sink := &remindSink{}
	if _, err := remindOn(t, ft, pol, "2026-12-02", sink); err == nil {
		t.Fatal("want the injected crash")
	}
	first := sink.take()
	if len(first) != 2 {
		t.Fatalf("before the crash: %v", first)
	}
	n, err := remindOn(t, tbl, pol, "2026-12-02", sink)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range append(first, sink.take()...) {
		seen[id]++
	}
	if n != 3 || len(seen) != 5 {
		t.Fatalf("rerun queued %d; all: %v", n, seen)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("%s queued %d times", id, c)
		}
	}
	// Every queued job is in the outbox (the relay's sweep sends any not dispatched).
	pending, err := NewOutbox(tbl).Pending(ctx, time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 5 {
		t.Fatalf("outbox holds %d, want 5", len(pending))
	}
}

// BenchmarkReminders: 100,000 unpaid renewal invoices of which 1,000 are due
// on today+30; the job's reads grow with those due, not with all holders.
func BenchmarkReminders(b *testing.B) {
	ctx := context.Background()
	tbl, pol := remindWorld(b, true)
	const holders, due = 100_000, 1_000
	var puts []Item
	for i := range holders {
		dueOn := "2027-01-02" // due after none of the reminder dates of 2026-12-02
		if i%(holders/due) == 0 {
			dueOn = "2027-01-01"
		}
		inv := remindInvoice(fmt.Sprintf("H-%06d", i), dueOn)
		inv.Version = 1
		item, err := invoiceToItem(inv)
		if err != nil {
			b.Fatal(err)
		}
		op, err := dueRenewalOp(inv)
		if err != nil {
			b.Fatal(err)
		}
		puts = append(puts, item, op.Item)
	}
	if err := tbl.BatchWrite(ctx, puts, nil); err != nil {
		b.Fatal(err)
	}
	loc := pol.Association.Location()
	today := time.Date(2026, 12, 2, 7, 0, 0, 0, loc)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ct := &countingTable{Table: tbl}
		// Each iteration sends afresh: the records of earlier ones are cleared.
		if i > 0 {
			var dels []Key
			for j := 0; j < holders; j += holders / due {
				dels = append(dels, Key{"REMINDER#" + reminders.JobID(reminders.ReasonRenewal, renewals.InvoiceID(fmt.Sprintf("H-%06d", j), 2027), "d30"), "REMINDER"})
			}
			if err := tbl.BatchWrite(ctx, nil, dels); err != nil {
				b.Fatal(err)
			}
		}
		svc := &reminders.Service{Store: NewReminders(ct), Policy: pol, Clock: clock.Fixed(today)}
		b.StartTimer()
		n, err := svc.Run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n != due {
			b.Fatalf("queued %d, want %d", n, due)
		}
		if r := ct.read.Load(); r > due+10 {
			b.Fatalf("read %d items for %d due of %d holders", r, due, holders)
		}
		b.ReportMetric(float64(ct.read.Load()), "items-read/op")
	}
}
