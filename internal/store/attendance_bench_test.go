package store

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The attendance benchmark (issue 4): crediting a roster of N rows on the
// embedded store, beside a yardstick of bare batch writes of the same items
// to the same store. Run it with `make bench` (infra/bench/bench.sh),
// which reports rows per second, the ratio to the yardstick and the peak
// heap; docs/performance.md keeps the figures.

var benchSizes = []int{10_000, 100_000}

// benchWorld is a fresh data file with n holders and an approved program.
type benchWorld struct {
	tbl     *table.Bolt
	svc     *attendance.Service
	queue   *testkit.Relay
	program programs.Program
	csv     []byte
}

var benchProvider = identity.Caller{Sub: "sub-bench", Roles: []string{identity.RoleProvider}}

func newBenchWorld(b *testing.B, n int) *benchWorld {
	b.Helper()
	pol := testkit.Policy(b)
	clk := testkit.SettableAt(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC))
	// fsync stays on, as in the local stack: the figures are what a real run pays.
	tbl := testkit.TempTable(b, testkit.Fsync, table.WithBoltNow(clk.Now))
	ctx := context.Background()
	q := &testkit.Relay{}
	acc := accounts.NewService(NewAccounts(tbl), pol, clk, ids.New, q)
	pr := testkit.Accounts{Service: acc}.Provider(b, benchProvider, accounts.NewProvider{Name: "Bench", ContactName: "B", Email: "b@bench.example",
		Phone: "+1 202 555 0142", Address: accounts.Address{Line1: "1 St", City: "DC", Country: "US"}})
	start := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	end := start.Add(8 * time.Hour)
	p := programs.Program{ID: "PRG-BENCHMARK1", ProviderID: pr.ID, ProviderName: pr.Name, ProviderEmail: pr.Email,
		Content: programs.Content{Title: "Bench", Format: programs.InPerson, StartsAt: &start, EndsAt: &end, TimeZone: "UTC",
			ContactHours: cec.Of(6), Objectives: []string{}, Instructors: []string{}},
		Status: programs.Approved, CreatedAt: start, UpdatedAt: start, Version: 1}
	if err := NewPrograms(tbl).Create(ctx, p); err != nil {
		b.Fatal(err)
	}
	// n holders as fixture data, written directly in large batches.
	var csv bytes.Buffer
	csv.WriteString(roster.Header + "\n")
	items := make([]table.Item, 0, 5000)
	for i := range n {
		h := accounts.Holder{ID: fmt.Sprintf("H-%010d", i), Sub: fmt.Sprintf("sub-%d", i), FirstName: "Ana", LastName: fmt.Sprintf("Lima%d", i),
			Email: fmt.Sprintf("h%d@example.com", i), Membership: accounts.Guest, Credentials: []accounts.Credential{}, Version: 1}
		item, err := table.Marshal(holderToItem(h))
		if err != nil {
			b.Fatal(err)
		}
		if items = append(items, item); len(items) == cap(items) || i == n-1 {
			if err := tbl.BatchWrite(ctx, items, nil); err != nil {
				b.Fatal(err)
			}
			items = items[:0]
		}
		fmt.Fprintf(&csv, "%s,%s,Ana,Lima%d,2027-03-10\n", p.ID, h.ID, i)
	}
	svc := attendance.NewService(NewAttendance(tbl), NewPrograms(tbl), acc, nil, pol, clk, ids.New, q)
	return &benchWorld{tbl: tbl, svc: svc, queue: q, program: p, csv: csv.Bytes()}
}

// peakHeap samples the heap while f runs and returns the largest HeapAlloc.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak.Load()
}

// benchRows runs, for each size, the work prepare returns on a fresh world
// (prepared outside the timer), and reports rows per second and the peak
// heap while the work runs: every benchmark of `make bench` measures so.
func benchRows(b *testing.B, prepare func(b *testing.B, n int) func()) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			var elapsed time.Duration
			var peak uint64
			for range b.N {
				b.StopTimer()
				work := prepare(b, n)
				b.StartTimer()
				t0 := time.Now()
				p := peakHeap(work)
				elapsed += time.Since(t0)
				peak = max(peak, p)
			}
			b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkAttendance credits a whole roster: the upload (the roster read
// twice, stored in chunks) and every crediting step, as the queue would
// deliver them, one after the other.
func BenchmarkAttendance(b *testing.B) {
	benchRows(b, func(b *testing.B, n int) func() {
		w := newBenchWorld(b, n)
		ctx := context.Background()
		return func() {
			src := func() (attendance.Rows, error) { return roster.NewReader(bytes.NewReader(w.csv), 0) }
			u, _, err := w.svc.Report(ctx, benchProvider, w.program.ID, 0, "csv", src, false)
			if err != nil {
				b.Fatal(err)
			}
			for msgs := w.queue.Take(); len(msgs) > 0; msgs = w.queue.Take() {
				for _, m := range msgs {
					if m.Queue != attendance.Queue {
						continue
					}
					if err := w.svc.CreditChunk(ctx, m.Body); err != nil {
						b.Fatal(err)
					}
				}
			}
			st, err := w.svc.Result(ctx, benchProvider, w.program.ID, u.ID, attendance.Page{Limit: 1})
			if err != nil || !st.Done || st.Totals.Accepted != n {
				b.Fatalf("not all credited: %+v %v", st.Totals, err)
			}
		}
	})
}

// BenchmarkAttendanceYardstick writes, for each row, the same three items
// crediting writes (attendance record, transcript credit, row result) with
// bare BatchWrite calls of 25 items, DynamoDB's batch size: no reads, no
// rules, no conditions, no transactions.
func BenchmarkAttendanceYardstick(b *testing.B) {
	benchRows(b, func(b *testing.B, n int) func() {
		w := newBenchWorld(b, n)
		return func() {
			add, flush := batchWriter(b, w.tbl)
			for i := range n {
				c := attendance.Credit{ProgramID: w.program.ID, HolderID: fmt.Sprintf("H-%010d", i), UploadID: "UPL-YARDSTICK",
					Line: i + 2, Completed: roster.Date{Year: 2027, Month: 3, Day: 10}, Hours: cec.Of(6)}
				ops, err := creditOps(c)
				if err != nil {
					b.Fatal(err)
				}
				k := rowKey("UPL-YARDSTICK", i+2)
				res, _ := table.Marshal(resultItem{PK: k.PK, SK: k.SK, Type: "upload-row", Line: i + 2, HolderID: c.HolderID, Accepted: true})
				add(ops[0].Item, ops[1].Item, res)
			}
			flush()
		}
	})
}

// batchWriter is a yardstick's writes: bare BatchWrite calls of 25 items,
// DynamoDB's batch size; flush writes the rest.
func batchWriter(b *testing.B, tbl table.Table) (add func(...table.Item), flush func()) {
	batch := make([]table.Item, 0, table.MaxBatchWrite)
	flush = func() {
		if len(batch) == 0 {
			return
		}
		if err := tbl.BatchWrite(context.Background(), batch, nil); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	add = func(items ...table.Item) {
		for _, it := range items {
			if batch = append(batch, it); len(batch) == table.MaxBatchWrite {
				flush()
			}
		}
	}
	return add, flush
}
