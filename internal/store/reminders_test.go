package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/notify/templates"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// jobIDs are the IDs of the email jobs among msgs.
func jobIDs(msgs []outbox.Message) []string {
	var ids []string
	for _, m := range msgs {
		var j notify.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err == nil {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

// failingTable fails every Write after the first n.
type failingTable struct {
	table.Table
	n atomic.Int64
}

func (f *failingTable) Write(ctx context.Context, ops ...table.Op) error {
	if f.n.Add(-1) < 0 {
		return errors.New("injected crash")
	}
	return f.Table.Write(ctx, ops...)
}

// countingTable counts the items Get, Query and BatchGet return.
type countingTable struct {
	table.Table
	read atomic.Int64
}

func (c *countingTable) Get(ctx context.Context, k table.Key) (table.Item, error) {
	it, err := c.Table.Get(ctx, k)
	if err == nil {
		c.read.Add(1)
	}
	return it, err
}

func (c *countingTable) Query(ctx context.Context, q table.Query) (table.Page, error) {
	pg, err := c.Table.Query(ctx, q)
	c.read.Add(int64(len(pg.Items)))
	return pg, err
}

func (c *countingTable) BatchGet(ctx context.Context, keys []table.Key) ([]table.Item, error) {
	its, err := c.Table.BatchGet(ctx, keys)
	c.read.Add(int64(len(its)))
	return its, err
}

func remindWorld(tb testing.TB, sync testkit.Sync) (*table.Bolt, *policy.Policy) {
	tb.Helper()
	return testkit.TempTable(tb, sync), testkit.Policy(tb)
}

func remindInvoice(holder, dueOn string) renewals.Invoice {
	return renewals.Invoice{ID: renewals.InvoiceID(holder, 2027), HolderID: holder, HolderEmail: holder + "@example.org",
		HolderName: "Holder " + holder, Year: 2027, Currency: "USD", TotalCents: 12500, DueOn: dueOn, Status: renewals.Open}
}

// remindOn runs the reminder job of day as production does: the day is
// planned, then its pieces are done as the daily work queue delivers
// them (each piece queued by another, in turn), until none is left or one
// fails (the failed one and those not done stay in q, for the next call).
// It returns how many reminders were queued now.
func remindOn(t *testing.T, tbl table.Table, pol *policy.Policy, day string, sink *testkit.Relay) (int, error) {
	t.Helper()
	return remindWith(t, tbl, pol, day, sink, &pieceQueue{})
}

func remindWith(t *testing.T, tbl table.Table, pol *policy.Policy, day string, sink *testkit.Relay, q *pieceQueue) (int, error) {
	t.Helper()
	loc := pol.Association.Location()
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.Fixed(d.Add(7 * time.Hour))
	svc := &reminders.Service{Store: NewReminders(tbl), Pieces: NewPieces(tbl), CECs: remindJudge(tbl, pol, clk), Policy: pol, Clock: clk, Relay: sink}
	before := len(mailIn(sink))
	if _, err := svc.Plan(context.Background(), d); err != nil {
		return 0, err
	}
	err = q.drain(sink, daily.Worker{reminders.Job: svc.Handle})
	return len(mailIn(sink)) - before, err
}

// mailIn are the mail messages sink holds.
func mailIn(sink *testkit.Relay) []outbox.Message {
	var out []outbox.Message
	for _, m := range sink.Sent() {
		if m.Queue == notify.Queue {
			out = append(out, m)
		}
	}
	return out
}

// pieceQueue holds the daily work queue's pieces not done yet.
type pieceQueue struct{ bodies []string }

// drain takes the pieces sink was given into q, and does them in order with
// w (those they queue too) until none is left; a piece that fails stays.
func (q *pieceQueue) drain(sink *testkit.Relay, w daily.Worker) error {
	for {
		q.bodies = append(q.bodies, sink.TakeBodies(daily.Queue)...)
		if len(q.bodies) == 0 {
			return nil
		}
		if err := w.Handle(context.Background(), q.bodies[0]); err != nil {
			return err
		}
		q.bodies = q.bodies[1:]
	}
}

// remindJudge is the renewals service as the job uses it (YearCECs), and
// as the invoicer does (EnsureInvoice).
func remindJudge(tbl table.Table, pol *policy.Policy, clk clock.Clock) *renewals.Service {
	return &renewals.Service{Store: NewRenewals(tbl), Records: NewSubmissions(tbl), Policy: pol, Clock: clk}
}

// remindCredit credits holder 3 compliance CECs earned in 2026: a CAS
// holder's 2027 CECs are then met.
func remindCredit(t *testing.T, tbl table.Table, holder string) {
	t.Helper()
	c := attendance.Credit{ProgramID: "P-C-" + holder, HolderID: holder, UploadID: "U-C", Line: 2,
		Completed: roster.Date{Year: 2026, Month: time.June, Day: 1}, Title: "Fair Housing", ProviderID: "V-9",
		ProviderName: "Acme", Hours: cec.Of(3), Compliance: true, Credited: time.Now()}
	if _, err := NewAttendance(tbl).Credit(context.Background(), []attendance.Credit{c}); err != nil {
		t.Fatal(err)
	}
}

func TestReminders_Run(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.Fsync)
	ny := pol.Association.Location()
	rs, ps, as, acc := NewRenewals(tbl), NewPrograms(tbl), NewAttendance(tbl), NewAccounts(tbl)

	// Holders of CAS (3 CECs a year): H-1 has none, H-2 had met its CECs when
	// invoiced and pays, H-3 meets them between the first and second reminder.
	for _, id := range []string{"H-1", "H-2", "H-3"} {
		h := accounts.Holder{ID: id, Sub: "sub-" + id, FirstName: "Holder", LastName: id, Email: id + "@example.org",
			Credentials: []accounts.Credential{{Code: "CAS"}}}
		if err := acc.CreateHolder(ctx, h); err != nil {
			t.Fatal(err)
		}
		if id == "H-2" {
			remindCredit(t, tbl, id)
		}
		inv, created, err := remindJudge(tbl, pol, clock.Fixed(time.Date(2026, 11, 1, 6, 0, 0, 0, ny))).EnsureInvoice(ctx, h, 2027)
		if err != nil || !created || inv.CECsOutstandingAtIssue != (id != "H-2") {
			t.Fatalf("invoice of %s: %+v, %v, %v", id, inv, created, err)
		}
	}
	if _, err := rs.Update(ctx, renewals.InvoiceID("H-2", 2027), func(inv *renewals.Invoice) ([]outbox.Message, error) {
		inv.Status = renewals.Paid
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}

	// Programs: P-1 ended on 1 October and is not reported, P-2 is reported.
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
	if err := as.CreateUpload(ctx, attendance.Upload{ID: "U-1", ProgramID: "P-2", ProviderID: "V-1"}); err != nil {
		t.Fatal(err)
	}
	// P-3 has two offerings, ended on 1 and 11 October; the first is
	// reported: the second is reminded on its own dates.
	end2 := end.AddDate(0, 0, 10)
	p3 := programs.Program{ID: "P-3", ProviderID: "V-1", ProviderEmail: "v1@example.org", Status: programs.Submitted,
		Content: programs.Content{Title: "Program P-3", EndsAt: &end, MoreOfferings: []programs.Offering{{EndsAt: &end2}}}}
	if err := ps.Create(ctx, p3); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Update(ctx, "P-3", func(p *programs.Program) ([]outbox.Message, error) {
		p.Status = programs.Approved
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := as.CreateUpload(ctx, attendance.Upload{ID: "U-3", ProgramID: "P-3", Offering: 1, ProviderID: "V-1"}); err != nil {
		t.Fatal(err)
	}
	// Fees invoiced on 3 November: F-1's program starts in February, F-2 is
	// paid, F-3's program starts on 15 November (no reminder after that).
	for _, f := range []struct {
		id     string
		starts time.Time
	}{{"F-1", time.Date(2027, 2, 1, 9, 0, 0, 0, ny)}, {"F-2", time.Date(2027, 2, 1, 9, 0, 0, 0, ny)}, {"F-3", time.Date(2026, 11, 15, 9, 0, 0, 0, ny)}} {
		p := programs.Program{ID: f.id, ProviderID: "V-2", ProviderEmail: "v2@example.org",
			Content: programs.Content{Title: "Program " + f.id, StartsAt: &f.starts}, Status: programs.FeeDue,
			Fee: &programs.Fee{InvoiceID: "INV-" + f.id + "-1", AmountCents: 15000, Currency: "USD", Status: programs.FeeOpen,
				IssuedAt: time.Date(2026, 11, 3, 20, 0, 0, 0, ny), IssuedOn: "2026-11-03"}}
		if err := ps.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// F-4 has two offerings, on 15 November and 1 February: reminded while
	// the second is to come.
	second := time.Date(2027, 2, 1, 9, 0, 0, 0, ny)
	first := time.Date(2026, 11, 15, 9, 0, 0, 0, ny)
	f4 := programs.Program{ID: "F-4", ProviderID: "V-2", ProviderEmail: "v2@example.org", Status: programs.FeeDue,
		Content: programs.Content{Title: "Program F-4", StartsAt: &first, MoreOfferings: []programs.Offering{{StartsAt: &second}}},
		Fee: &programs.Fee{InvoiceID: "INV-F-4-1", AmountCents: 30000, Currency: "USD", Status: programs.FeeOpen,
			IssuedAt: time.Date(2026, 11, 3, 20, 0, 0, 0, ny), IssuedOn: "2026-11-03"}}
	if err := ps.Create(ctx, f4); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Update(ctx, "F-2", func(p *programs.Program) ([]outbox.Message, error) {
		p.Status, p.Fee.Status = programs.Paid, programs.FeePaid
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Filing fees invoiced on 3 November: U-F1's unpaid, U-F2's paid.
	for _, id := range []string{"U-F1", "U-F2"} {
		ops, err := filingCreateOps(attendance.FilingInvoice{ID: "FIL-" + id, UploadID: id, ProgramID: "P-2", ProgramTitle: "Program P-2",
			ProviderID: "V-1", ProviderEmail: "v1@example.org", AmountCents: 1500, Currency: "USD", Status: attendance.FilingOpen,
			IssuedAt: time.Date(2026, 11, 3, 20, 0, 0, 0, ny), IssuedOn: "2026-11-03"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(ctx, ops...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := as.UpdateFilingInvoice(ctx, "U-F2", func(f *attendance.FilingInvoice) ([]outbox.Message, error) {
		f.Status = attendance.FilingPaid
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		day    string
		before func(t *testing.T)
		want   []string
	}{
		{day: "2026-10-31", want: []string{"reminder:attendance_due:P-1:d30"}},
		{day: "2026-11-01"},
		{day: "2026-11-02", want: []string{"reminder:renewal_due:REN-H-1-2027:d60", "reminder:renewal_due:REN-H-3-2027:d60",
			"reminder:cecs_outstanding:REN-H-1-2027:d60", "reminder:cecs_outstanding:REN-H-3-2027:d60"}},
		{day: "2026-11-09", before: func(t *testing.T) { remindCredit(t, tbl, "H-3") }},
		{day: "2026-11-10", want: []string{"reminder:attendance_due:P-3#2:d30", "reminder:attendance_due:P-1:d40", "reminder:fee_due:INV-F-1-1:d7", "reminder:fee_due:INV-F-3-1:d7", "reminder:fee_due:INV-F-4-1:d7",
			"reminder:filing_fee_due:FIL-U-F1:d7"}},
		{day: "2026-11-17", want: []string{"reminder:fee_due:INV-F-1-1:d14", "reminder:fee_due:INV-F-4-1:d14"}},
		{day: "2026-11-20", want: []string{"reminder:attendance_due:P-3#2:d40"}},
		{day: "2026-11-24", want: []string{"reminder:filing_fee_due:FIL-U-F1:d21"}},
		{day: "2026-12-02", want: []string{"reminder:renewal_due:REN-H-1-2027:d30", "reminder:renewal_due:REN-H-3-2027:d30",
			"reminder:cecs_outstanding:REN-H-1-2027:d30"}},
		{day: "2026-12-03"},
		{day: "2026-12-25", want: []string{"reminder:renewal_due:REN-H-1-2027:d7", "reminder:renewal_due:REN-H-3-2027:d7",
			"reminder:cecs_outstanding:REN-H-1-2027:d7"}},
		{day: "2026-12-26"},
		// The grace period ends on 31 March 2027: 14 and 3 days before it, the unpaid.
		{day: "2027-03-17", want: []string{"reminder:renewal_grace_ending:REN-H-1-2027:d14", "reminder:renewal_grace_ending:REN-H-3-2027:d14"}},
		{day: "2027-03-18"},
		{day: "2027-03-28", want: []string{"reminder:renewal_grace_ending:REN-H-1-2027:d3", "reminder:renewal_grace_ending:REN-H-3-2027:d3"}},
	}
	for _, c := range cases {
		t.Run(c.day, func(t *testing.T) {
			if c.before != nil {
				c.before(t)
			}
			for run := range 2 { // the second run of the day sends nothing
				sink := &testkit.Relay{}
				n, err := remindOn(t, tbl, pol, c.day, sink)
				if err != nil {
					t.Fatal(err)
				}
				got := jobIDs(sink.Take())
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
	// Markers left: H-1's CECs (outstanding), none of H-2's or H-3's.
	for k, want := range map[table.Key]bool{dueCECsKey("REN-H-1-2027"): true, dueCECsKey("REN-H-2-2027"): false,
		dueCECsKey("REN-H-3-2027"): false, dueFeeKey("F-2"): false, dueFeeKey("F-1"): true, dueAttendanceKey("P-2", 1): false,
		dueAttendanceKey("P-3", 1): false, dueAttendanceKey("P-3", 2): true,
		dueFilingKey("U-F1"): true, dueFilingKey("U-F2"): false} {
		_, err := tbl.Get(ctx, k)
		if has := err == nil; has != want {
			t.Errorf("marker %s present %v, want %v (%v)", k.PK, has, want, err)
		}
	}
	// Every queued reminder renders, text and HTML.
	pending, err := NewOutbox(tbl).Pending(ctx, time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pending {
		var j notify.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(j.ID, "reminder:") {
			continue
		}
		// After its first offering started, F-4's fee reminder names the next.
		if j.ID == "reminder:fee_due:INV-F-4-1:d14" && j.Data["startsOn"] != "2027-02-01" {
			t.Errorf("%s says the program starts on %s, want 2027-02-01", j.ID, j.Data["startsOn"])
		}
		e, err := tpl.Render(j)
		if err != nil || e.Text == "" || e.HTML == "" {
			t.Errorf("%s does not render: %v", j.ID, err)
		}
	}
}

// A policy's empty list turns a reminder off.
func TestReminders_Off(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.Fsync)
	if err := NewRenewals(tbl).Create(ctx, remindInvoice("H-1", "2027-01-01")); err != nil {
		t.Fatal(err)
	}
	off := *pol
	off.Reminders.RenewalDueDaysBefore = []int{}
	sink := &testkit.Relay{}
	if n, err := remindOn(t, tbl, &off, "2026-12-02", sink); err != nil || n != 0 {
		t.Fatalf("queued %d %v, %v", n, jobIDs(sink.Take()), err)
	}
	// The same with the default policy (on a table of its own: a day is
	// planned once, whatever the policy says later).
	tbl2, _ := remindWorld(t, testkit.Fsync)
	if err := NewRenewals(tbl2).Create(ctx, remindInvoice("H-1", "2027-01-01")); err != nil {
		t.Fatal(err)
	}
	if n, err := remindOn(t, tbl2, pol, "2026-12-02", sink); err != nil || n != 1 {
		t.Fatalf("with the default policy: queued %d, %v", n, err)
	}
}

// A piece that crashes half-way is delivered again: it queues the rest,
// and nothing twice.
func TestReminders_CrashThenRerun(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.Fsync)
	rs := NewRenewals(tbl)
	for i := range 5 {
		if err := rs.Create(ctx, remindInvoice(fmt.Sprintf("H-%d", i), "2027-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	// The plan, one first piece per reminder list, then two reminders.
	r := pol.Reminders
	lists := len(r.RenewalDueDaysBefore) + len(r.RenewalGraceEndingDaysBefore) + len(r.CECsOutstandingDaysBefore) +
		len(r.AttendanceDaysAfterEnd) + len(r.ApplicationFeeDaysAfterInvoice) + len(r.FilingFeeDaysAfterInvoice) +
		len(r.AuditDocumentsDaysBefore) + len(r.AuditOverdueDaysAfter)
	ft := &failingTable{Table: tbl}
	ft.n.Store(int64(1 + lists + 2))
	sink := &testkit.Relay{}
	q := &pieceQueue{}
	if _, err := remindWith(t, ft, pol, "2026-12-02", sink, q); err == nil {
		t.Fatal("want the injected crash")
	}
	first := jobIDs(sink.Take())
	if len(first) != 2 {
		t.Fatalf("before the crash: %v", first)
	}
	// The queue delivers the failed piece again (the day is planned: the
	// plan is not made twice).
	n, err := remindWith(t, tbl, pol, "2026-12-02", sink, q)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range append(first, jobIDs(sink.Take())...) {
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
	pending, err := NewOutbox(tbl).Pending(ctx, time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	mails := 0
	for _, m := range pending {
		if m.Queue == notify.Queue {
			mails++
		}
	}
	if mails != 5 {
		t.Fatalf("outbox holds %d mail jobs, want 5", mails)
	}
}

// BenchmarkReminders: 100,000 holders with an unpaid renewal invoice, of
// whom 1,000 are due on today+30 and also owe CECs (their CEC marker is
// set, their partition holds a profile and one credit). The job's reads grow
// with those due, not with all holders: the renewal reminders read 1,000
// markers; the CEC reminders read 1,000 markers and judge each of those
// holders with one Query of their partition.
func BenchmarkReminders(b *testing.B) {
	ctx := context.Background()
	tbl, pol := remindWorld(b, testkit.NoSync)
	const holders, due = 100_000, 1_000
	var puts []table.Item
	var dueHolders []string
	for i := range holders {
		id := fmt.Sprintf("H-%06d", i)
		dueOn := "2027-01-02" // due after none of the reminder dates of 2026-12-02
		if i%(holders/due) == 0 {
			dueOn = "2027-01-01"
			dueHolders = append(dueHolders, id)
		}
		inv := remindInvoice(id, dueOn)
		inv.Version, inv.CECsOutstandingAtIssue = 1, dueOn == "2027-01-01"
		item, err := invoiceToItem(inv)
		if err != nil {
			b.Fatal(err)
		}
		op, err := dueRenewalOp(inv)
		if err != nil {
			b.Fatal(err)
		}
		cecs, err := dueCECsOps(inv)
		if err != nil {
			b.Fatal(err)
		}
		puts = append(puts, item, op.Item)
		for _, c := range cecs {
			puts = append(puts, c.Item)
		}
	}
	if err := tbl.BatchWrite(ctx, puts, nil); err != nil {
		b.Fatal(err)
	}
	acc, att := NewAccounts(tbl), NewAttendance(tbl)
	var cs []attendance.Credit
	for _, id := range dueHolders {
		if err := acc.CreateHolder(ctx, accounts.Holder{ID: id, Sub: "sub-" + id, FirstName: "Holder", LastName: id,
			Email: id + "@example.org", Credentials: []accounts.Credential{{Code: "CAS"}}}); err != nil {
			b.Fatal(err)
		}
		cs = append(cs, attendance.Credit{ProgramID: "P-1", HolderID: id, UploadID: "U-1", Line: 2,
			Completed: roster.Date{Year: 2026, Month: time.May, Day: 5}, Title: "Fair Housing", ProviderID: "V-1",
			ProviderName: "Acme", Hours: cec.Of(1), Credited: time.Now()})
	}
	for i := 0; i < len(cs); i += 100 {
		if _, err := att.Credit(ctx, cs[i:min(i+100, len(cs))]); err != nil {
			b.Fatal(err)
		}
	}
	loc := pol.Association.Location()
	today := time.Date(2026, 12, 2, 7, 0, 0, 0, loc)
	for _, bc := range []struct {
		name   string
		reason string
		days   func(p *policy.Reminders) *[]int
	}{
		{"renewal_due", reminders.ReasonRenewal, func(p *policy.Reminders) *[]int { return &p.RenewalDueDaysBefore }},
		{"cecs_outstanding", reminders.ReasonCECs, func(p *policy.Reminders) *[]int { return &p.CECsOutstandingDaysBefore }},
	} {
		// Only this reminder is on: the figure is its own.
		only := *pol
		only.Reminders = policy.Reminders{RenewalDueDaysBefore: []int{}, CECsOutstandingDaysBefore: []int{},
			AttendanceDaysAfterEnd: []int{}, ApplicationFeeDaysAfterInvoice: []int{}}
		*bc.days(&only.Reminders) = *bc.days(&pol.Reminders)
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// Each iteration sends afresh: the records of earlier ones are cleared.
				var dels []table.Key
				for _, id := range dueHolders {
					dels = append(dels, table.Key{PK: "REMINDER#" + reminders.JobID(bc.reason, renewals.InvoiceID(id, 2027), "d30"), SK: "REMINDER"})
				}
				if err := tbl.BatchWrite(ctx, nil, dels); err != nil {
					b.Fatal(err)
				}
				ct := &countingTable{Table: tbl}
				clk := clock.Fixed(today)
				// The pieces' records on a table of their own, fresh each time,
				// so that the day is planned again (and their reads not counted).
				sink := &testkit.Relay{}
				svc := &reminders.Service{Store: NewReminders(ct), Pieces: NewPieces(testkit.TempTable(b, testkit.NoSync)),
					CECs: remindJudge(ct, &only, clk), Policy: &only, Clock: clk, Relay: sink}
				b.StartTimer()
				if _, err := svc.Plan(ctx, today); err != nil {
					b.Fatal(err)
				}
				if err := (&pieceQueue{}).drain(sink, daily.Worker{reminders.Job: svc.Handle}); err != nil {
					b.Fatal(err)
				}
				n := len(mailIn(sink))
				if n != due {
					b.Fatalf("queued %d, want %d", n, due)
				}
				// Markers, plus for CECs each due holder's partition (profile and credit).
				limit := int64(due + 10)
				if bc.reason == reminders.ReasonCECs {
					limit = 3*due + 10
				}
				if r := ct.read.Load(); r > limit {
					b.Fatalf("read %d items for %d due of %d holders", r, due, holders)
				}
				b.ReportMetric(float64(ct.read.Load()), "items-read/op")
				b.ReportMetric(float64(ct.read.Load())/due, "items-read/due")
			}
		})
	}
}

// runOn is the daily schedule's run on day (Run: today and the days it
// catches up), its pieces done as the queue delivers them; it returns the
// days planned and the reminders queued.
func runOn(t *testing.T, tbl table.Table, pol *policy.Policy, day string, sink *testkit.Relay) (days, queued int) {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, pol.Association.Location())
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.Fixed(d.Add(7 * time.Hour))
	svc := &reminders.Service{Store: NewReminders(tbl), Pieces: NewPieces(tbl), CECs: remindJudge(tbl, pol, clk), Policy: pol, Clock: clk, Relay: sink}
	before := len(mailIn(sink))
	if days, err = svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := (&pieceQueue{}).drain(sink, daily.Worker{reminders.Job: svc.Handle}); err != nil {
		t.Fatal(err)
	}
	return days, len(mailIn(sink)) - before
}

// Days the schedule missed are caught up by the next run, within
// reminders.CatchUpDays: a reminder due then goes out, once.
func TestReminders_CatchUp(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.Fsync)
	if err := NewRenewals(tbl).Create(ctx, remindInvoice("H-1", "2027-01-01")); err != nil {
		t.Fatal(err)
	}
	sink := &testkit.Relay{}
	for _, c := range []struct {
		day          string
		days, queued int
		why          string
	}{
		{"2026-11-30", 1, 0, "the first run plans its day only"},
		{"2026-12-01", 1, 0, "the day after: its day"},
		// 2 and 3 December missed: the 30-day reminder of 2 December goes out on the 4th.
		{"2026-12-04", 3, 1, "two missed days and its own"},
		{"2026-12-04", 0, 0, "a second run of the day"},
		// 5 to 28 December missed, longer than the window: the 7-day
		// reminder of 25 December is lost (an operator runs the job for
		// such a day: docs/reminders.md#pieces).
		{"2026-12-29", 1, 0, "after an outage longer than the window, its day only"},
	} {
		days, queued := runOn(t, tbl, pol, c.day, sink)
		if days != c.days || queued != c.queued {
			t.Fatalf("%s (%s): planned %d days, queued %d; want %d, %d", c.day, c.why, days, queued, c.days, c.queued)
		}
	}
	mails := mailIn(sink)
	if got := jobIDs(mails); fmt.Sprint(got) != "[reminder:renewal_due:REN-H-1-2027:d30]" {
		t.Fatalf("queued %v", got)
	}
	// Sent on 4 December, the email says what is true then: 28 days left.
	var j notify.Job
	if err := json.Unmarshal([]byte(mails[0].Body), &j); err != nil || j.Data["days"] != "28" {
		t.Fatalf("the caught-up reminder says %q days (%v), want 28", j.Data["days"], err)
	}
}

// A list longer than a page is done a page a piece, each piece queuing the
// next once; a piece out of time stops and, delivered again, goes on.
func TestReminders_Pages(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.NoSync)
	const due = 2*daily.PageSize + 50
	for i := range due {
		if err := NewRenewals(tbl).Create(ctx, remindInvoice(fmt.Sprintf("H-%04d", i), "2027-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	sink := &testkit.Relay{}
	d, _ := time.ParseInLocation(time.DateOnly, "2026-12-02", pol.Association.Location())
	clk := clock.Fixed(d.Add(7 * time.Hour))
	svc := &reminders.Service{Store: NewReminders(tbl), Pieces: NewPieces(tbl), CECs: remindJudge(tbl, pol, clk), Policy: pol, Clock: clk, Relay: sink}
	if _, err := svc.Plan(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Each piece delivered twice (a redelivery), the first time with too
	// little time left: it stops at once, queuing nothing; the second does it.
	q := &pieceQueue{}
	pages := 0
	for {
		q.bodies = append(q.bodies, sink.TakeBodies(daily.Queue)...)
		if len(q.bodies) == 0 {
			break
		}
		body := q.bodies[0]
		short, cancel := context.WithDeadline(ctx, time.Now().Add(daily.Margin/2))
		err := daily.Worker{reminders.Job: svc.Handle}.Handle(short, body)
		cancel()
		if strings.Contains(body, `"reason":"renewal_due"`) && strings.Contains(body, `"days":30`) {
			if !daily.IsOutOfTime(err) {
				t.Fatalf("a page with too little time: %v, want out of time", err)
			}
			pages++
		}
		// The redelivery, in time (a piece that was done is done again:
		// it queues nothing new).
		if err := (daily.Worker{reminders.Job: svc.Handle}).Handle(ctx, body); err != nil {
			t.Fatal(err)
		}
		q.bodies = q.bodies[1:]
	}
	ids := jobIDs(mailIn(sink))
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s queued twice", id)
		}
		seen[id] = true
	}
	if len(ids) != due || pages != 3 {
		t.Fatalf("queued %d of %d in %d pages, want 3", len(ids), due, pages)
	}
}

// An audit waiting for files reminds its holder the policy's days before
// its last day, and tells the association's office the days after it; an
// audit whose files came, and a submission decided, remind nobody.
func TestReminders_Audits(t *testing.T) {
	ctx := context.Background()
	tbl, pol := remindWorld(t, testkit.Fsync)
	subs := NewSubmissions(tbl)
	due := time.Date(2027, 4, 11, 0, 0, 0, 0, time.UTC)
	t0 := time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		id    string
		state submissions.AuditState
	}{{"SUB-WAITS", submissions.AuditRequested}, {"SUB-SENT", submissions.AuditProvided}} {
		s := submissions.Submission{ID: c.id, HolderID: "H-" + c.id, HolderEmail: "ana@example.com", HolderName: "Ana Lima",
			RenewalYear: 2028, Status: submissions.Received, SubmittedAt: t0, UpdatedAt: t0, Version: 1,
			History: []submissions.Transition{{At: t0, By: "sub-ana", To: submissions.Received}}}
		if err := subs.Create(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := subs.Update(ctx, c.id, func(s *submissions.Submission) ([]outbox.Message, error) {
			s.Status, s.Audit = submissions.InReview, true
			s.AuditRequest = &submissions.AuditRequest{State: c.state, RequestedAt: t0, Due: due}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	type sent struct{ id, to string }
	sentOn := func(day string) []sent {
		t.Helper()
		sink := &testkit.Relay{}
		if _, err := remindOn(t, tbl, pol, day, sink); err != nil {
			t.Fatal(err)
		}
		var out []sent
		for _, m := range mailIn(sink) {
			var j notify.Job
			if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(j.ID, "audit") {
				out = append(out, sent{j.ID, strings.Join(j.To, ",")})
			}
		}
		return out
	}
	if got := sentOn("2027-04-04"); !reflect.DeepEqual(got, []sent{{"reminder:audit_documents:SUB-WAITS:d7", "ana@example.com"}}) {
		t.Fatalf("7 days before: %v", got)
	}
	if got := sentOn("2027-04-11"); len(got) != 0 {
		t.Fatalf("on the last day: %v", got)
	}
	if got := sentOn("2027-04-12"); !reflect.DeepEqual(got, []sent{{"reminder:audit_overdue:SUB-WAITS:d1", pol.Association.SupportEmail}}) {
		t.Fatalf("the day after: %v", got)
	}
	// Decided: its marker goes with the write that decides it.
	if _, err := subs.Update(ctx, "SUB-WAITS", func(s *submissions.Submission) ([]outbox.Message, error) {
		s.Status = submissions.Rejected
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if dues, _, err := NewReminders(tbl).DueAudits(ctx, "2027-04-11", reminders.Page{}); err != nil || len(dues) != 0 {
		t.Fatalf("a decided submission is still due: %+v, %v", dues, err)
	}
}
