package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/meter"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
)

// BenchmarkDashboard_ReadCost reads the office's figures with 1,000 and
// with 100,000 holders on record, each with a renewal invoice and a
// credit (issue 19: the read cost is flat). It reports the calls and read
// units of one read; `make bench` fails unless they are the same at both
// sizes (infra/bench/bench.sh).
func BenchmarkDashboard_ReadCost(b *testing.B) {
	ny := newYork(b)
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("holders=%d", n), func(b *testing.B) {
			tbl := testkit.TempTable(b, testkit.NoSync)
			ren, att := store.NewRenewals(tbl, store.In(ny)), store.NewAttendance(tbl, store.In(ny))
			start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
			credits := make([]attendance.Credit, 0, n)
			for i := range n {
				holder := fmt.Sprintf("H-%06d", i)
				inv := renewals.Invoice{ID: renewals.InvoiceID(holder, 2027), HolderID: holder, Year: 2027, Currency: "USD", TotalCents: 12500,
					DueOn: "2027-01-01", Status: renewals.Open, IssuedAt: start.Add(time.Duration(i%13) * 7 * 24 * time.Hour)}
				if err := ren.Create(b.Context(), inv); err != nil {
					b.Fatal(err)
				}
				credits = append(credits, attendance.Credit{ProgramID: fmt.Sprintf("PRG-%d", i%40), HolderID: holder, UploadID: "U-1",
					Line: i + 2, Completed: roster.Date{Year: 2026, Month: time.October, Day: 1}, Title: "T", ProviderID: "P-1",
					ProviderName: "Acme", Hours: cec.Of(3), Credited: start.Add(time.Duration(i%300) * 24 * time.Hour)})
			}
			if refused, err := att.Credit(b.Context(), credits); err != nil || len(refused) != 0 {
				b.Fatalf("credit %d: refused %d, %v", n, len(refused), err)
			}
			svc := &dashboard.Service{Store: store.NewStats(tbl), Loc: ny, Now: func() time.Time { return time.Date(2027, 8, 20, 15, 0, 0, 0, time.UTC) }}
			staff := identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}
			var u meter.Usage
			for b.Loop() {
				m := meter.New()
				f, err := svc.Figures(meter.With(b.Context(), m), staff)
				if err != nil || f.Season.Invoiced != int64(n) {
					b.Fatalf("%d holders: season %+v, %v", n, f.Season, err)
				}
				var credited int64
				for _, m := range f.Credited {
					credited += m.Credits
				}
				if credited != int64(n) {
					b.Fatalf("%d holders: %d credits in the twelve months", n, credited)
				}
				u = m.Usage()
			}
			b.ReportMetric(float64(u.CallCount()), "calls/op")
			b.ReportMetric(u.ReadUnits, "RCU/op")
		})
	}
}
