package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestAttendance_HeldAndReleased: held credits have their attendance
// record (so nobody is reported twice) and no transcript credit; each is
// released once, however the releases overlap.
func TestAttendance_HeldAndReleased(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAttendance(tbl)
		on := roster.Date{Year: 2021, Month: time.August, Day: 20}
		held := attCredits("PRG-H", "H", "U-H", 0, 40, on)
		for i := range held {
			held[i].Held = true
			held[i].Format = []string{"in_person", "recorded", ""}[i%3] // read back with the rest
		}
		if refused, err := repo.Credit(ctx, held); err != nil || len(refused) != 0 {
			t.Fatalf("hold: refused %v, %v", refused, err)
		}
		att, err := repo.Attendees(ctx, "PRG-H", holderIDs(held))
		if err != nil || len(att) != 40 || !att["H-000"].Held || att["H-000"].UploadID != "U-H" {
			t.Fatalf("attendance records of held rows: %d %+v %v", len(att), att["H-000"], err)
		}
		if items := testkit.QueryAll(t, tbl, table.Query{PK: "HOLDER#H-000", Op: table.SKBeginsWith, Value: "CREDIT#"}); len(items) != 0 {
			t.Fatal("a held row is on the transcript")
		}
		// The holder's status can say the credit waits.
		if pending, err := store.NewTranscript(tbl).Pending(ctx, "H-000"); err != nil || len(pending) != 1 ||
			pending[0].ProgramID != "PRG-H" || pending[0].Title != held[0].Title || pending[0].Hours != held[0].Hours {
			t.Fatalf("pending of H-000: %+v, %v", pending, err)
		}
		// Held again (a redelivered chunk): refused, as a credited row is.
		if refused, err := repo.Credit(ctx, held[:3]); err != nil || len(refused) != 3 {
			t.Fatalf("held twice: refused %v, %v", refused, err)
		}
		if some, more, err := repo.Held(ctx, "U-H", 25); err != nil || len(some) != 25 || !more {
			t.Fatalf("held, 25 at most: %d, more %v, %v", len(some), more, err)
		}
		got, more, err := repo.Held(ctx, "U-H", 100)
		if err != nil || len(got) != 40 || more {
			t.Fatalf("held: %d, more %v, %v", len(got), more, err)
		}
		for i := range got {
			got[i].Credited = held[i].Credited
		}
		if !reflect.DeepEqual(got, held) {
			t.Fatalf("held credits read back\n got %+v\nwant %+v", got[0], held[0])
		}
		for i := range held {
			held[i].Held = false
		}
		// Released in two overlapping steps: the first 20, then 10 of
		// those again with the other 20.
		if err := repo.Release(ctx, held[:20]); err != nil {
			t.Fatal(err)
		}
		if err := repo.Release(ctx, held[10:]); err != nil {
			t.Fatal(err)
		}
		assertCredited(t, tbl, held)
		if att, _ := repo.Attendees(ctx, "PRG-H", holderIDs(held)); att["H-039"].Held {
			t.Fatal("a released attendance record is still held")
		}
		if pending, err := store.NewTranscript(tbl).Pending(ctx, "H-000"); err != nil || len(pending) != 0 {
			t.Fatalf("pending of H-000 after the release: %+v, %v", pending, err)
		}
		if rest, _, err := repo.Held(ctx, "U-H", 100); err != nil || len(rest) != 0 {
			t.Fatalf("held after the release: %d, %v", len(rest), err)
		}
	})
}

// TestAttendance_FilingInvoice: written once with the last chunk, listed
// for staff and in the due index while unpaid, and out of both once paid.
func TestAttendance_FilingInvoice(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAttendance(tbl)
		u := attendance.Upload{ID: "U-I", ProgramID: "PRG-I", ProviderID: "PRV-1", Source: "csv", Rows: 40, Chunks: 1,
			ReportedOn: roster.Date{Year: 2021, Month: time.August, Day: 31}, CreatedAt: t0,
			Fee: attendance.FilingFee{MemberCents: 500, GuestCents: 1000, Currency: "USD"}}
		if err := repo.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		inv := attendance.FilingInvoice{ID: "FIL-U-I", UploadID: "U-I", UploadedAt: t0, ProgramID: "PRG-I", ProgramTitle: "Ética",
			ProviderID: "PRV-1", ProviderName: "Acme", ProviderEmail: "a@acme.example", ReportedOn: u.ReportedOn, Members: 2, Guests: 1,
			MemberCents: 500, GuestCents: 1000, AmountCents: 2000, Currency: "USD", Status: attendance.FilingOpen, IssuedAt: t0, IssuedOn: t0.Format(time.DateOnly)}
		res, sum := attResults(0, 2, 42)
		done := &attendance.Entry{Upload: u, Done: true, Totals: attendance.Totals{Currency: "USD"}, Fee: &inv}
		done.Totals.Add(sum)
		for range 2 { // the second delivery writes nothing
			if err := repo.FinishChunk(ctx, "U-I", res, sum, nil, done); err != nil {
				t.Fatal(err)
			}
		}
		got, err := repo.FilingInvoice(ctx, "U-I")
		inv.Version = 1
		if err != nil || !reflect.DeepEqual(got, inv) {
			t.Fatalf("invoice\n got %+v, %v\nwant %+v", got, err, inv)
		}
		open, _, err := repo.OpenFilingInvoices(ctx, attendance.Page{})
		if err != nil || len(open) != 1 || open[0].ID != "FIL-U-I" {
			t.Fatalf("open: %+v, %v", open, err)
		}
		mine, _, err := repo.ProviderOpenFilingInvoices(ctx, "PRV-1", attendance.Page{})
		if err != nil || len(mine) != 1 || mine[0].ID != "FIL-U-I" {
			t.Fatalf("the provider's open: %+v, %v", mine, err)
		}
		if others, _, err := repo.ProviderOpenFilingInvoices(ctx, "PRV-2", attendance.Page{}); err != nil || len(others) != 0 {
			t.Fatalf("another provider's open: %+v, %v", others, err)
		}
		if _, err := tbl.Get(ctx, table.Key{PK: "DUE#filing#U-I", SK: "DUE"}); err != nil {
			t.Fatalf("due marker: %v", err)
		}
		if list, _, err := repo.Uploads(ctx, "PRG-I", attendance.Page{}); err != nil || len(list) != 1 || list[0].Fee == nil || list[0].Fee.ID != "FIL-U-I" {
			t.Fatalf("uploads: %+v, %v", list, err)
		}
		// Paid, with a message in the same write.
		msg := attMessage(t, "U-I", 0, t0)
		paid, err := repo.UpdateFilingInvoice(ctx, "U-I", func(f *attendance.FilingInvoice) ([]outbox.Message, error) {
			f.Status, f.PaidAt, f.ReleaseStep = attendance.FilingPaid, t0.Add(time.Hour), 1
			f.Payments = append(f.Payments, checkout.Payment{EventID: "evt_1", Kind: checkout.Succeeded, AmountCents: 2000, Currency: "usd", At: t0})
			return []outbox.Message{msg}, nil
		})
		if err != nil || paid.Version != 2 || paid.Status != attendance.FilingPaid {
			t.Fatalf("paid: %+v, %v", paid, err)
		}
		assertPending(t, store.NewOutbox(tbl), msg)
		if open, _, err := repo.OpenFilingInvoices(ctx, attendance.Page{}); err != nil || len(open) != 0 {
			t.Fatalf("open after the payment: %+v, %v", open, err)
		}
		if mine, _, err := repo.ProviderOpenFilingInvoices(ctx, "PRV-1", attendance.Page{}); err != nil || len(mine) != 0 {
			t.Fatalf("the provider's open after the payment: %+v, %v", mine, err)
		}
		if _, err := tbl.Get(ctx, table.Key{PK: "DUE#filing#U-I", SK: "DUE"}); !errors.Is(err, table.ErrNotFound) {
			t.Fatalf("due marker after the payment: %v", err)
		}
		if same, err := repo.UpdateFilingInvoice(ctx, "U-I", func(*attendance.FilingInvoice) ([]outbox.Message, error) {
			return nil, attendance.ErrNoChange
		}); !errors.Is(err, attendance.ErrNoChange) || same.Version != 2 {
			t.Fatalf("no change: %+v, %v", same, err)
		}
		if _, err := repo.FilingInvoice(ctx, "U-none"); !errors.Is(err, attendance.ErrNotFound) {
			t.Fatalf("no invoice: %v", err)
		}
	})
}
