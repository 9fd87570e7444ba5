package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The holder import benchmark (issue 15): importing a list of N holders on
// the embedded store, beside a yardstick of bare batch writes of the same
// items. `make bench` runs it with the attendance benchmark and holds it to
// the same targets: at most 2x the yardstick's time, peak heap under
// 64 MiB at 100,000 rows.

var benchStaff = identity.Caller{Sub: "sub-bench-staff", Roles: []string{identity.RoleStaff}}

// importWorld is a fresh data file and a list of n holders to import.
type importWorld struct {
	tbl   *table.Bolt
	svc   *holderimport.Service
	queue *testkit.Relay
	csv   []byte
}

func newImportWorld(b *testing.B, n int) *importWorld {
	b.Helper()
	pol := testkit.Policy(b)
	clk := testkit.SettableAt(time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC))
	// fsync stays on, as in the local stack: the figures are what a real run pays.
	tbl := testkit.TempTable(b, testkit.Fsync, table.WithBoltNow(clk.Now))
	q := &testkit.Relay{}
	acc := accounts.NewService(NewAccounts(tbl), pol, clk, ids.New, q)
	var csv bytes.Buffer
	csv.WriteString(accounts.ImportHeader + "\n")
	for i := range n {
		fmt.Fprintf(&csv, "M%d,Ana,Lima%d,h%d@ex.com,member,CAM 2019-05-01\n", i, i, i)
	}
	return &importWorld{tbl: tbl, svc: holderimport.NewService(NewHolderImports(tbl), acc, clk, ids.New, q), queue: q, csv: csv.Bytes()}
}

// BenchmarkHolderImport imports a whole list: the upload (read twice,
// stored in chunks) and every step, as the queue would deliver them.
func BenchmarkHolderImport(b *testing.B) {
	benchRows(b, func(b *testing.B, n int) func() {
		w := newImportWorld(b, n)
		ctx := context.Background()
		return func() {
			im, _, err := w.svc.Report(ctx, benchStaff, func() (io.Reader, error) { return bytes.NewReader(w.csv), nil }, false)
			if err != nil {
				b.Fatal(err)
			}
			for msgs := w.queue.Take(); len(msgs) > 0; msgs = w.queue.Take() {
				for _, m := range msgs {
					if m.Queue != holderimport.Queue {
						continue
					}
					if err := w.svc.Step(ctx, m.Body); err != nil {
						b.Fatal(err)
					}
				}
			}
			st, err := w.svc.Result(ctx, benchStaff, im.ID, holderimport.Page{Limit: 1})
			if err != nil || !st.Done || st.Totals.Created != n {
				b.Fatalf("not all imported: %+v %v", st.Totals, err)
			}
		}
	})
}

// BenchmarkHolderImportYardstick writes, for each row, the same items the
// import writes (the holder, its email and member number links, its search
// entry, the row's result) with bare BatchWrite calls of 25 items: no
// reads, no checks, no conditions, no transactions.
func BenchmarkHolderImportYardstick(b *testing.B) {
	benchRows(b, func(b *testing.B, n int) func() {
		w := newImportWorld(b, n)
		now := time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC)
		return func() {
			add, flush := batchWriter(b, w.tbl)
			for i := range n {
				h := accounts.Holder{ID: fmt.Sprintf("H-%010d", i), MemberNumber: fmt.Sprintf("M%d", i), FirstName: "Ana",
					LastName: fmt.Sprintf("Lima%d", i), Email: fmt.Sprintf("h%d@ex.com", i), Membership: accounts.Member,
					ImportedBy: fmt.Sprintf("IMP-YARDSTICK:%d", i+2), Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2019-05-01"}},
					CreatedAt: now, UpdatedAt: now, Version: 1}
				ops, err := importedOps(h)
				if err != nil {
					b.Fatal(err)
				}
				for _, op := range ops {
					add(op.Item)
				}
				k := importRowKey("IMP-YARDSTICK", i+2)
				res, _ := table.Marshal(importRowItem{PK: k.PK, SK: k.SK, Type: "holder-import-row", Line: i + 2, MemberNumber: h.MemberNumber,
					FirstName: h.FirstName, LastName: h.LastName, Email: h.Email, Outcome: holderimport.Created, HolderID: h.ID})
				add(res)
			}
			flush()
		}
	})
}
