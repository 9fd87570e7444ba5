package attendance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

type world struct {
	svc     *attendance.Service
	clk     *clock.Settable
	tbl     table.Table
	q       *testkit.Relay // the services' outbound port; tests deliver its messages by hand, as the queue would
	acc     *accounts.Service
	program programs.Program
	holders map[string]accounts.Holder // by first name
}

var (
	acme  = identity.Caller{Sub: "sub-acme", Roles: []string{identity.RoleProvider}}
	other = identity.Caller{Sub: "sub-other", Roles: []string{identity.RoleProvider}}
	staff = identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}
)

// newWorld: an approved program held on 10 March 2027 (9:00–17:00 Chicago,
// 6 CECs), three holders (Ana a member, José and Bo guests), and the clock
// on 12 March 2027.
func newWorld(t *testing.T) *world {
	t.Helper()
	pol := testkit.Policy(t)
	clk := testkit.SettableAt(time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC))
	tbl := testkit.TempTable(t, testkit.NoSync, table.WithBoltNow(clk.Now))
	q := &testkit.Relay{}
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, ids.New, q)
	kit := testkit.Accounts{Service: acc, Staff: staff}
	for _, c := range []identity.Caller{acme, other} {
		kit.Provider(t, c, accounts.NewProvider{Name: "Org " + c.Sub, ContactName: "Dee", Email: c.Sub + "@example.org",
			Phone: "+1 202 555 0142", Address: accounts.Address{Line1: "9 K St", City: "Washington", Country: "US"}})
	}
	w := &world{clk: clk, tbl: tbl, q: q, acc: acc, holders: map[string]accounts.Holder{}}
	for _, h := range []struct{ first, last, member string }{{"Ana", "Lima", "member"}, {"José", "Núñez", "guest"}, {"Bo", "Berg", "guest"}} {
		var set *accounts.CredentialsUpdate
		if h.member == "member" {
			set = &accounts.CredentialsUpdate{Membership: accounts.Member}
		}
		w.holders[h.first] = kit.Holder(t, identity.Caller{Sub: "sub-" + h.first, Roles: []string{identity.RoleHolder}},
			accounts.NewHolder{FirstName: h.first, LastName: h.last, Email: strings.ToLower(h.last) + "@example.com"}, set)
	}
	// An approved program, through the programs service and its consumers.
	progs := programs.NewService(store.NewPrograms(tbl), acc, nil, pol, clk, ids.New, q)
	start, end := time.Date(2027, 3, 10, 9, 0, 0, 0, time.FixedZone("", -6*3600)), time.Date(2027, 3, 10, 17, 0, 0, 0, time.FixedZone("", -6*3600))
	w.program = testkit.Programs{Service: progs, Provider: acme, Staff: staff, Next: q.TakeBodies, PaymentRef: "test"}.Reach(t,
		programs.Content{Title: "Fair Housing", Description: "d", Format: programs.InPerson, StartsAt: &start,
			EndsAt: &end, TimeZone: "America/Chicago", Location: "Chicago", ContactHours: cec.Of(6), Objectives: []string{"o"},
			Instructors: []string{"i"}, Compliance: true}, programs.Approved)
	q.Take()
	clk.Set(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC))
	w.svc = attendance.NewService(store.NewAttendance(tbl), store.NewPrograms(tbl), acc, nil, pol, clk, ids.New, q)
	return w
}

// csv builds a roster; each row is "holder-first-name,first,last,date" with
// the program ID filled in.
func (w *world) csv(rows ...string) attendance.Source {
	var b strings.Builder
	b.WriteString(roster.Header + "\r\n")
	for _, r := range rows {
		parts := strings.SplitN(r, ",", 4)
		id := parts[0]
		if h, ok := w.holders[parts[0]]; ok {
			id = h.ID
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\r\n", w.program.ID, id, parts[1], parts[2], parts[3])
	}
	data := b.String()
	return func() (attendance.Rows, error) { return roster.NewReader(strings.NewReader(data), 0) }
}

// credit delivers queued crediting messages until none is left, as the
// queue and its consumer would; it returns how many it delivered.
func (w *world) credit(t *testing.T) int {
	t.Helper()
	n := 0
	for msgs := w.q.Take(); len(msgs) > 0; msgs = w.q.Take() {
		for _, m := range msgs {
			if m.Queue != attendance.Queue {
				continue
			}
			n++
			if err := w.svc.CreditChunk(context.Background(), m.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

func (w *world) result(t *testing.T, uploadID string) attendance.Status {
	t.Helper()
	st, err := w.svc.Result(context.Background(), acme, w.program.ID, uploadID, attendance.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func verdicts(rows []attendance.RowResult) string {
	var v []string
	for _, r := range rows {
		if r.Accepted {
			v = append(v, fmt.Sprintf("%d:ok", r.Line))
		} else {
			v = append(v, fmt.Sprintf("%d:%s", r.Line, r.Code))
		}
	}
	return strings.Join(v, " ")
}

func TestService_Report_Rules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u, dry, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(
		"Ana,ana,LIMA,2027-03-10",        // row 2: names match ignoring case
		"José, Jose ,  Nunez ,3/10/2027", // row 3: accents and spaces ignored
		"Bo,Bob,Berg,2027-03-10",         // row 4: another first name
		"H-NOSUCHHOLD,X,Y,2027-03-10",    // row 5: no such holder
		"Bo,Bo,Berg,2027-03-11",          // row 6: after the program's dates
		"Bo,Bo,Berg,2027-03-09",          // row 7: before them
		"Ana,Ana,Lima,2027-03-10",        // row 8: Ana again in this file
		"Bo,Bo,Berg,2027-03-10",          // row 9: accepted
	), false)
	if err != nil || dry != nil {
		t.Fatal(err, dry)
	}
	if u.Rows != 8 || u.Chunks != 1 || u.ReportedOn.String() != "2027-03-12" {
		t.Fatalf("upload %+v", u)
	}
	if n := w.credit(t); n != 1 {
		t.Fatalf("%d crediting messages, want 1", n)
	}
	st := w.result(t, u.ID)
	want := "2:ok 3:ok 4:name_mismatch 5:holder_not_found 6:completion_outside_program 7:completion_outside_program 8:duplicate_in_upload 9:ok"
	if got := verdicts(st.Rows); got != want {
		t.Fatalf("verdicts\n got %s\nwant %s", got, want)
	}
	tot := st.Totals
	if !st.Done || tot.Rows != 8 || tot.Accepted != 3 || tot.Rejected != 5 || tot.Rows != tot.Accepted+tot.Rejected || tot.FeeCents != 0 {
		t.Fatalf("totals %+v done %v", tot, st.Done)
	}
	if tot.ByReason["completion_outside_program"] != 2 || tot.ByReason["name_mismatch"] != 1 {
		t.Fatalf("by reason %v", tot.ByReason)
	}
	// The same file again credits nobody: every row is already credited.
	u2, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10", "Bo,Bo,Berg,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.credit(t)
	if got := verdicts(w.result(t, u2.ID).Rows); got != "2:already_credited 3:already_credited" {
		t.Fatalf("second upload: %s", got)
	}
	// Each credited holder has exactly one credit on the transcript.
	for _, name := range []string{"Ana", "José", "Bo"} {
		page, err := w.tbl.Query(ctx, table.Query{PK: "HOLDER#" + w.holders[name].ID, Op: table.SKBeginsWith, Value: "CREDIT#"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%s has %d credits (%v)", name, len(page.Items), err)
		}
		// With the program's format, which a policy may cap.
		if _, acts, err := store.NewTranscript(w.tbl).Records(ctx, w.holders[name].ID); err != nil || len(acts) != 1 || acts[0].Format != string(programs.InPerson) {
			t.Fatalf("%s's credit: %+v, %v; want one of format in_person", name, acts, err)
		}
	}
}

func TestService_Report_FilingFees(t *testing.T) {
	// Reported on 31 August 2021: $5 per member, $10 per guest; a day later
	// nothing. (The program is moved to 2021 for this test.)
	for _, tc := range []struct {
		name     string
		reported time.Time
		cents    int64
	}{
		{"BeforeSeptember2021", time.Date(2021, 8, 31, 20, 0, 0, 0, time.UTC), 500 + 1000},
		{"FromSeptember2021", time.Date(2021, 9, 1, 14, 0, 0, 0, time.UTC), 0},
		// 03:30 UTC on 1 September is still 31 August in New York.
		{"AssociationDate", time.Date(2021, 9, 1, 3, 30, 0, 0, time.UTC), 500 + 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorldOn(t, time.Date(2021, 8, 20, 9, 0, 0, 0, time.FixedZone("", -5*3600)))
			w.clk.Set(tc.reported)
			u, _, err := w.svc.Report(context.Background(), acme, w.program.ID, 0, "csv",
				w.csv("Ana,Ana,Lima,2021-08-20", "Bo,Bo,Berg,2021-08-20"), false)
			if err != nil {
				t.Fatal(err)
			}
			w.credit(t)
			if tot := w.result(t, u.ID).Totals; tot.FeeCents != tc.cents || tot.Accepted != 2 {
				t.Fatalf("totals %+v, want fees %d", tot, tc.cents)
			}
		})
	}
}

// newWorldOn is newWorld with the program held on day (8 hours).
func newWorldOn(t *testing.T, start time.Time) *world {
	t.Helper()
	w := newWorld(t)
	// Move the approved program in time through the store, as a fixture.
	repo := store.NewPrograms(w.tbl)
	p, err := repo.Update(context.Background(), w.program.ID, func(p *programs.Program) ([]outbox.Message, error) {
		s, e := start, start.Add(8*time.Hour)
		p.StartsAt, p.EndsAt, p.TimeZone = &s, &e, "America/New_York"
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.program = p
	return w
}

func TestService_Report_Refusals(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		caller identity.Caller
		now    time.Time
		src    attendance.Source
		kind   fault.Kind
		code   string
		field  string
	}{
		{"AnotherProvidersProgram", other, time.Time{}, w.csv("Ana,Ana,Lima,2027-03-10"), fault.NotFound, "program_not_found", ""},
		// The program ended on 10 March (Chicago; 10 March in New York too):
		// 24 April is day 45, 25 April day 46.
		{"Day46", acme, time.Date(2027, 4, 25, 16, 0, 0, 0, time.UTC), w.csv("Ana,Ana,Lima,2027-03-10"), fault.Unprocessable, "reporting_window_closed", ""},
		{"BeforeItStarts", acme, time.Date(2027, 3, 1, 16, 0, 0, 0, time.UTC), w.csv("Ana,Ana,Lima,2027-03-10"), fault.Conflict, "program_not_held", ""},
		{"BadDate", acme, time.Time{}, w.csv("Ana,Ana,Lima,2027-02-30"), fault.Invalid, "invalid_roster", "Completion Date"},
		{"Empty", acme, time.Time{}, w.csv(), fault.Invalid, "empty_roster", ""},
		{"BadHeader", acme, time.Time{}, func() (attendance.Rows, error) {
			return roster.NewReader(strings.NewReader("Holder,Name\nx,y\n"), 0)
		}, fault.Invalid, "invalid_roster", "header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.now.IsZero() {
				w.clk.Set(tc.now)
				defer w.clk.Set(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC))
			}
			_, _, err := w.svc.Report(ctx, tc.caller, w.program.ID, 0, "csv", tc.src, false)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != tc.kind || fe.Code != tc.code || (tc.field != "" && (len(fe.Details) != 1 || fe.Details[0].Field != tc.field)) {
				t.Fatalf("got %v (%+v), want %s", err, fe, tc.code)
			}
			if msgs := w.q.Take(); len(msgs) != 0 {
				t.Fatalf("a refused report queued %d messages", len(msgs))
			}
		})
	}
	t.Run("Day45", func(t *testing.T) {
		w.clk.Set(time.Date(2027, 4, 24, 16, 0, 0, 0, time.UTC))
		defer w.clk.Set(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC))
		if _, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10"), true); err != nil {
			t.Fatalf("day 45 refused: %v", err)
		}
	})
}

func TestService_Report_DryRun(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, dry, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10", "Ana,Ana,Lima,2027-03-10", "Bo,Bob,Berg,2027-03-10"), true)
	if err != nil || dry == nil {
		t.Fatal(err)
	}
	if got := verdicts(dry.Rows); got != "2:ok 3:duplicate_in_upload 4:name_mismatch" || dry.Totals.Accepted != 1 || dry.Totals.Rows != 3 {
		t.Fatalf("dry run %s %+v", got, dry.Totals)
	}
	if msgs := w.q.Take(); len(msgs) != 0 {
		t.Fatalf("a dry run queued %d messages", len(msgs))
	}
	page, _ := w.tbl.Query(ctx, table.Query{PK: "PROGRAM#" + w.program.ID, Op: table.SKBeginsWith, Value: "ATTENDEE#"})
	if len(page.Items) != 0 {
		t.Fatalf("a dry run wrote %d attendance records", len(page.Items))
	}
	// Nothing was recorded, so a real upload still credits Ana.
	u, _, _ := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10"), false)
	w.credit(t)
	if got := verdicts(w.result(t, u.ID).Rows); got != "2:ok" {
		t.Fatalf("after the dry run: %s", got)
	}
}

// TestService_CreditChunk_Redelivery: the same message twice, and a crash
// after the credits were written but before the chunk was recorded, credit
// each row once and report it accepted.
func TestService_CreditChunk_Redelivery(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rows := make([]string, 0, 1200)
	// 1200 rows in 3 chunks: the three holders over and over, so chunks 2
	// and 3 meet the holders chunk 1 credited (duplicates across chunks).
	for i := range 1200 {
		name := []string{"Ana", "José", "Bo"}[i%3]
		last := map[string]string{"Ana": "Lima", "José": "Núñez", "Bo": "Berg"}[name]
		rows = append(rows, fmt.Sprintf("%s,%s,%s,2027-03-10", name, name, last))
	}
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(rows...), false)
	if err != nil || u.Chunks != 3 {
		t.Fatal(err, u.Chunks)
	}
	first := w.q.Take()
	// Crash half-way: credit chunk 0's rows, but "die" before FinishChunk, by
	// delivering the message to a service whose store fails on FinishChunk.
	crashing := attendance.NewService(failingFinish{store.NewAttendance(w.tbl)}, store.NewPrograms(w.tbl), w.acc, nil, testkit.Policy(t), w.clk, ids.New, w.q)
	if err := crashing.CreditChunk(ctx, first[0].Body); err == nil {
		t.Fatal("the crash was not reported")
	}
	// The queue delivers the message again (twice, even).
	for range 2 {
		if err := w.svc.CreditChunk(ctx, first[0].Body); err != nil {
			t.Fatal(err)
		}
	}
	w.credit(t)
	st := w.result(t, u.ID)
	if !st.Done || st.Totals.Accepted != 3 || st.Totals.Rejected != 1197 || st.Totals.ByReason["duplicate_in_upload"] != 1197 {
		t.Fatalf("totals %+v done %v", st.Totals, st.Done)
	}
	if got := verdicts(st.Rows[:4]); got != "2:ok 3:ok 4:ok 5:duplicate_in_upload" {
		t.Fatalf("first rows %s", got)
	}
	// The program's list has the upload done, with the same totals.
	if list, _, err := w.svc.Uploads(ctx, acme, w.program.ID, attendance.Page{}); err != nil || len(list) != 1 || !list[0].Done ||
		list[0].Totals.Rows != 1200 || list[0].Totals.Accepted != 3 || list[0].Totals.ByReason["duplicate_in_upload"] != 1197 {
		t.Fatalf("the program's uploads: %+v, %v", list, err)
	}
	page, _ := w.tbl.Query(ctx, table.Query{PK: "PROGRAM#" + w.program.ID, Op: table.SKBeginsWith, Value: "ATTENDEE#"})
	if len(page.Items) != 3 {
		t.Fatalf("%d attendance records, want 3", len(page.Items))
	}
}

type failingFinish struct{ *store.Attendance }

func (failingFinish) FinishChunk(context.Context, string, []attendance.RowResult, attendance.ChunkSummary, []outbox.Message, *attendance.Entry) error {
	return errors.New("crash before the chunk was recorded")
}

// TestService_ConcurrentUploads: two uploads of the same roster credited at
// the same time credit each holder once; the rows of one upload are
// accepted, the other's already credited.
func TestService_ConcurrentUploads(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	src := w.csv("Ana,Ana,Lima,2027-03-10", "José,José,Núñez,2027-03-10", "Bo,Bo,Berg,2027-03-10")
	a, _, _ := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", src, false)
	b, _, _ := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", src, false)
	msgs := w.q.Take()
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.svc.CreditChunk(ctx, m.Body); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ta, tb := w.result(t, a.ID).Totals, w.result(t, b.ID).Totals
	if ta.Accepted+tb.Accepted != 3 || ta.Rejected+tb.Rejected != 3 || tb.ByReason["already_credited"]+ta.ByReason["already_credited"] != 3 {
		t.Fatalf("a %+v, b %+v", ta, tb)
	}
}

// TestService_Report_WideRows: long names make smaller chunks (each chunk
// must fit one table item), all credited; a cell longer than any name is a
// malformed roster.
func TestService_Report_WideRows(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	long := strings.Repeat("é", 120) // 240 bytes, under the cell limit
	rows := make([]string, 0, 400)
	for range 400 {
		rows = append(rows, "H-NOSUCHHOLD,"+long+","+long+",2027-03-10")
	}
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(rows...), false)
	if err != nil {
		t.Fatal(err)
	}
	if u.Chunks < 2 {
		t.Fatalf("400 wide rows in %d chunk(s): a chunk would not fit an item", u.Chunks)
	}
	w.credit(t)
	if st := w.result(t, u.ID); !st.Done || st.Totals.Rows != 400 || st.Totals.ByReason["holder_not_found"] != 400 {
		t.Fatalf("totals %+v done %v", st.Totals, st.Done)
	}
	_, _, err = w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,"+strings.Repeat("x", attendance.MaxCellBytes+1)+",Lima,2027-03-10"), false)
	if fe, ok := fault.As(err); !ok || fe.Code != "invalid_roster" || fe.Details[0].Code != "too_long" || fe.Details[0].Field != "First Name" {
		t.Fatalf("an over-long cell: %v", err)
	}
}

// TestService_Report_IgnoredColumns: an Excel export's columns after
// Completion Date are ignored, and the upload (and a dry run) says which.
func TestService_Report_IgnoredColumns(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	data := roster.Header + ",Email\r\n" + w.program.ID + "," + w.holders["Ana"].ID + ",Ana,Lima,2027-03-10,lima@example.com\r\n"
	src := func() (attendance.Rows, error) { return roster.NewReader(strings.NewReader(data), 0) }
	_, dry, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", src, true)
	if err != nil || verdicts(dry.Rows) != "2:ok" {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", src, false)
	if err != nil || !slices.Equal(u.IgnoredColumns, []string{"Email"}) {
		t.Fatalf("upload %+v, %v", u, err)
	}
	w.credit(t)
	st := w.result(t, u.ID)
	if got := verdicts(st.Rows); got != "2:ok" || !slices.Equal(st.Upload.IgnoredColumns, []string{"Email"}) {
		t.Fatalf("credited: %s, ignored %q", got, st.Upload.IgnoredColumns)
	}
}

// TestService_Uploads: a program's uploads, newest first, each done with
// its totals once its last chunk is credited; another provider's program is
// not found.
func TestService_Uploads(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10", "Bo,Bob,Berg,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.credit(t)
	w.clk.Set(w.clk.Now().Add(time.Minute))
	second, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "json", w.csv("Bo,Bo,Berg,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	list, next, err := w.svc.Uploads(ctx, acme, w.program.ID, attendance.Page{})
	if err != nil || next != "" || len(list) != 2 {
		t.Fatalf("uploads: %+v %q %v", list, next, err)
	}
	if e := list[0]; e.Upload.ID != second.ID || e.Done || e.Upload.Rows != 1 || e.Upload.Source != "json" {
		t.Fatalf("newest: %+v", e)
	}
	if e := list[1]; e.Upload.ID != first.ID || !e.Done || e.Totals.Rows != 2 || e.Totals.Accepted != 1 || e.Totals.ByReason["name_mismatch"] != 1 {
		t.Fatalf("first, credited: %+v", e)
	}
	w.credit(t)
	if list, _, _ := w.svc.Uploads(ctx, acme, w.program.ID, attendance.Page{Limit: 1}); len(list) != 1 || !list[0].Done || list[0].Totals.Accepted != 1 {
		t.Fatalf("after crediting: %+v", list)
	}
	if _, _, err := w.svc.Uploads(ctx, other, w.program.ID, attendance.Page{}); codeOf(err) != "program_not_found" {
		t.Fatalf("another provider: %v", err)
	}
}

// TestService_Export: the rejected rows first, then the accepted ones, each
// in row order; cut into parts wherever the reader stops, the parts make
// the whole; an upload still being credited cannot be exported yet.
func TestService_Export(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rows := make([]string, 0, 1100)
	for i := range 1100 {
		switch {
		case i == 3:
			rows = append(rows, "Ana,Ana,Lima,2027-03-10")
		case i == 700:
			rows = append(rows, "Bo,Bo,Berg,2027-03-10")
		default:
			rows = append(rows, fmt.Sprintf("H-NOSUCH%04d,X,Y,2027-03-10", i))
		}
	}
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(rows...), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.Export(ctx, acme, w.program.ID, u.ID, "", func([]attendance.RowResult) bool { return true }); codeOf(err) != "upload_processing" {
		t.Fatalf("export while crediting: %v", err)
	}
	w.credit(t)

	var whole []attendance.RowResult
	st, next, err := w.svc.Export(ctx, acme, w.program.ID, u.ID, "", func(rs []attendance.RowResult) bool {
		whole = append(whole, rs...)
		return true
	})
	if err != nil || next != "" || !st.Done || st.Totals.Rows != 1100 {
		t.Fatalf("export: %v, next %q, %+v", err, next, st.Totals)
	}
	if len(whole) != 1100 || verdicts(whole[1098:]) != "5:ok 702:ok" || whole[0].Line != 2 || whole[1097].Line != 1101 || whole[1097].Accepted {
		t.Fatalf("export order: %d rows, first %d, last rejected %d, accepted %s", len(whole), whole[0].Line, whole[1097].Line, verdicts(whole[1098:]))
	}

	// One part per page read: the parts make the whole.
	var parts []attendance.RowResult
	cursor, n := "", 0
	for {
		_, next, err := w.svc.Export(ctx, acme, w.program.ID, u.ID, cursor, func(rs []attendance.RowResult) bool {
			parts = append(parts, rs...)
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		if n++; next == "" || n > 10 {
			break
		}
		cursor = next
	}
	// Three pages of rejected rows, two with an accepted one, and the last page, with none.
	if n != 6 || verdicts(parts) != verdicts(whole) {
		t.Fatalf("%d parts; their rows differ from the whole's: %d rows %s", n, len(parts), verdicts(parts[1090:]))
	}
	if _, _, err := w.svc.Export(ctx, acme, w.program.ID, u.ID, "xyz", func([]attendance.RowResult) bool { return true }); codeOf(err) != "invalid_cursor" {
		t.Fatalf("a made-up cursor: %v", err)
	}
	if _, _, err := w.svc.Export(ctx, other, w.program.ID, u.ID, "", func([]attendance.RowResult) bool { return true }); codeOf(err) != "program_not_found" {
		t.Fatalf("another provider: %v", err)
	}
}

// codeOf is err's fault code, or "" when it is not a fault.
func codeOf(err error) string {
	if fe, ok := fault.As(err); ok {
		return fe.Code
	}
	return ""
}

// TestService_NameMismatchHints: a rejected name of a listed holder says how
// close it is, with the name on file; of an unlisted one, only that it
// does not match.
func TestService_NameMismatchHints(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	no := false
	if _, err := w.acc.UpdateContact(ctx, identity.Caller{Sub: "sub-José", Roles: []string{identity.RoleHolder}},
		accounts.ContactUpdate{ListedInDirectory: &no}); err != nil {
		t.Fatal(err)
	}
	_, dry, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(
		"Ana,Lima,Ana,2027-03-10",    // row 2: swapped
		"Bo,Bo,Burg,2027-03-10",      // row 3: a letter off
		"Bo,Bob,Bergg,2027-03-10",    // row 4: a letter off each
		"Bo,Zed,Berg,2027-03-10",     // row 5: another first name
		"José,Jose,Nunes,2027-03-10", // row 6: unlisted, a letter off
	), true)
	if err != nil || dry == nil {
		t.Fatal(err, dry)
	}
	want := []string{
		"the name does not match holder %s's account: the first and last names are swapped (on file: Ana Lima)",
		"the name does not match holder %s's account: the last name is 1 letter off (on file: Bo Berg)",
		"the name does not match holder %s's account: the first name is 1 letter off and the last name is 1 letter off (on file: Bo Berg)",
		"the name does not match holder %s's account: the first name is different (on file: Bo Berg)",
		"the name does not match holder %s's account", // unlisted: how close a guess is would tell the name
	}
	holders := []string{"Ana", "Bo", "Bo", "Bo", "José"}
	if len(dry.Rows) != len(want) {
		t.Fatalf("%d rows", len(dry.Rows))
	}
	for i, r := range dry.Rows {
		if w := fmt.Sprintf(want[i], w.holders[holders[i]].ID); r.Code != attendance.ReasonNameMismatch || r.Message != w {
			t.Errorf("row %d: %s %q\n want %q", r.Line, r.Code, r.Message, w)
		}
	}
}

// TestService_SeveralOfferings: attendance is reported per offering (SPEC
// §1), each with its own dates and 45-day window; a holder is credited once
// per program whichever offering they attended.
func TestService_SeveralOfferings(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// Offering 2 on 20 March 2027 in Chicago; offering 3 refused (it had
	// started when the application was submitted).
	chicago := time.FixedZone("", -5*3600) // CDT from 14 March
	s2, e2 := time.Date(2027, 3, 20, 9, 0, 0, 0, chicago), time.Date(2027, 3, 20, 17, 0, 0, 0, chicago)
	p, err := store.NewPrograms(w.tbl).Update(ctx, w.program.ID, func(p *programs.Program) ([]outbox.Message, error) {
		p.MoreOfferings = []programs.Offering{{StartsAt: &s2, EndsAt: &e2, TimeZone: "America/Chicago", Location: "Palmer House"},
			{StartsAt: &s2, EndsAt: &e2, TimeZone: "America/Chicago", Location: "Refused"}}
		p.RefusedOfferings = []programs.RefusedOffering{{Offering: 3, Reason: "offering 3 had started"}}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.program = p
	refused := func(t *testing.T, offering int, code, message string) {
		t.Helper()
		_, _, err := w.svc.Report(ctx, acme, p.ID, offering, "csv", w.csv("Bo,Bo,Berg,2027-03-10"), true)
		fe, ok := fault.As(err)
		if !ok || fe.Code != code || (message != "" && (len(fe.Details) != 1 || fe.Details[0].Field != "offering" || fe.Details[0].Message != message)) {
			t.Fatalf("offering %d: %v (%+v), want %s", offering, err, fe, code)
		}
	}
	t.Run("WhichOffering", func(t *testing.T) {
		refused(t, 0, "offering_required", "must name the offering the attendance is for: 1 or 2")
		refused(t, 3, "unknown_offering", "must be one of the program's offerings: 1 or 2")
		refused(t, 4, "unknown_offering", "must be one of the program's offerings: 1 or 2")
		refused(t, 2, "program_not_held", "") // 12 March: offering 2 is on the 20th
	})
	t.Run("EachOfferingsDates", func(t *testing.T) {
		_, dry, err := w.svc.Report(ctx, acme, p.ID, 1, "csv", w.csv("Bo,Bo,Berg,2027-03-10", "Ana,Ana,Lima,2027-03-20"), true)
		if err != nil {
			t.Fatal(err)
		}
		if !dry.Rows[0].Accepted || dry.Rows[1].Code != attendance.ReasonOutsideProgram {
			t.Fatalf("rows %+v", dry.Rows)
		}
	})
	// Bo attended offering 1 and is credited.
	u1, _, err := w.svc.Report(ctx, acme, p.ID, 1, "csv", w.csv("Bo,Bo,Berg,2027-03-10"), false)
	if err != nil || u1.Offering != 1 {
		t.Fatalf("upload %+v, %v", u1, err)
	}
	w.credit(t)
	// 30 April: offering 1's window closed on 24 April, offering 2's is open
	// until 4 May.
	w.clk.Set(time.Date(2027, 4, 30, 15, 0, 0, 0, time.UTC))
	refused(t, 1, "reporting_window_closed", "")
	u2, _, err := w.svc.Report(ctx, acme, p.ID, 2, "csv", w.csv("Bo,Bo,Berg,2027-03-20", "Ana,Ana,Lima,2027-03-20", "José,José,Núñez,2027-03-10"), false)
	if err != nil || u2.Offering != 2 {
		t.Fatalf("upload %+v, %v", u2, err)
	}
	w.credit(t)
	st := w.result(t, u2.ID)
	if st.Upload.Offering != 2 || st.Totals.Accepted != 1 || st.Totals.ByReason[attendance.ReasonAlreadyCredited] != 1 ||
		st.Totals.ByReason[attendance.ReasonOutsideProgram] != 1 {
		t.Fatalf("offering 2's upload: %+v", st)
	}
	w.clk.Set(time.Date(2027, 5, 5, 15, 0, 0, 0, time.UTC))
	refused(t, 2, "reporting_window_closed", "")
}

// TestService_LogsWhatCreditingDid: a line a chunk and one when the upload
// is done, once (a redelivered chunk logs nothing): the functions turn them
// into metrics (docs/operations.md#metrics).
func TestService_LogsWhatCreditingDid(t *testing.T) {
	w := newWorld(t)
	var buf bytes.Buffer
	w.svc.WithLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	u, _, err := w.svc.Report(context.Background(), acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10", "Bo,Bob,Berg,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range w.q.Take() {
		if m.Queue == attendance.Queue {
			bodies = append(bodies, m.Body)
		}
	}
	for range 2 { // the same message twice
		for _, b := range bodies {
			if err := w.svc.CreditChunk(context.Background(), b); err != nil {
				t.Fatal(err)
			}
		}
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec struct {
			Msg      string
			Upload   string
			Accepted int
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%s %v %d", rec.Msg, rec.Upload == u.ID, rec.Accepted))
	}
	want := []string{"attendance chunk credited true 1", "attendance upload done true 1"}
	if !slices.Equal(lines, want) {
		t.Fatalf("log lines %q, want %q", lines, want)
	}
}
