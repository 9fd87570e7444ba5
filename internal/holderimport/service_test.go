package holderimport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

var (
	staff  = identity.Caller{Sub: "sub-office", Roles: []string{identity.RoleStaff}}
	holder = identity.Caller{Sub: "sub-someone", Roles: []string{identity.RoleHolder}}
)

type world struct {
	svc *holderimport.Service
	acc *accounts.Service
	tbl table.Table
	q   *testkit.Relay
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pol := testkit.Policy(t)
	clk := testkit.SettableAt(time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC))
	tbl := testkit.TempTable(t, testkit.NoSync, table.WithBoltNow(clk.Now))
	q := &testkit.Relay{}
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, ids.New, q)
	return &world{svc: holderimport.NewService(store.NewHolderImports(tbl), acc, clk, ids.New, q), acc: acc, tbl: tbl, q: q}
}

func file(rows ...string) holderimport.Source {
	data := "Member Number,First Name,Last Name,Email,Membership,Credentials\r\n" + strings.Join(rows, "\r\n") + "\r\n"
	return func() (io.Reader, error) { return strings.NewReader(data), nil }
}

// run imports src and delivers its steps as the queue would (each twice:
// a redelivery changes nothing); it returns the import's status.
func (w *world) run(t *testing.T, src holderimport.Source) holderimport.Status {
	t.Helper()
	im, _, err := w.svc.Report(context.Background(), staff, src, false)
	if err != nil {
		t.Fatal(err)
	}
	for msgs := w.q.Take(); len(msgs) > 0; msgs = w.q.Take() {
		for _, m := range msgs {
			if m.Queue != holderimport.Queue {
				continue
			}
			for range 2 {
				if err := w.svc.Step(context.Background(), m.Body); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	st, err := w.svc.Result(context.Background(), staff, im.ID, holderimport.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Done {
		t.Fatalf("import %s not done: %+v", im.ID, st)
	}
	return st
}

func outcomes(rows []holderimport.RowResult) string {
	var out []string
	for _, r := range rows {
		if r.Outcome == holderimport.Rejected {
			out = append(out, fmt.Sprintf("%d:%s", r.Line, r.Code))
		} else {
			out = append(out, fmt.Sprintf("%d:%s", r.Line, r.Outcome))
		}
	}
	return strings.Join(out, " ")
}

var rows = []string{
	"A-1001,Ana,Lima,ana@example.com,member,CAM 2019-05-01; NALP 6/30/2020", // 2: created
	"A-1002,Bo,Berg,bo@example.com,Guest,",                                  // 3: created, no credentials
	"A-1003,Cy,,cy@example.com,member,CAM 2019-05-01",                       // 4: no last name
	"A-1004,Dee,Dunn,not-an-email,member,XYZ 2019-01-01",                    // 5: bad email and credential
	"A-1001,Ana,Lima,ana2@example.com,member,",                              // 6: member number twice
	"A-1005,Eve,Ng,ANA@example.com,member,",                                 // 7: email twice
	",Fay,Ode,fay@example.com,member,CAS 2031-01-01",                        // 8: a credential in the future
	",Gus,Pak,gus@example.com,staff,",                                       // 9: no such membership
	",Hal,Roe,hal@example.com,member,CAM",                                   // 10: a credential without its date
}

const want = "2:created 3:created 4:required 5:invalid_email 6:duplicate_in_file 7:duplicate_in_file 8:future_date 9:invalid_membership 10:invalid_date"

func TestImport_Rows(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// The dry run judges as the import does, and writes nothing.
	_, d, err := w.svc.Report(ctx, staff, file(rows...), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(d.Rows); got != want {
		t.Fatalf("dry run\n got %s\nwant %s", got, want)
	}
	if msgs := w.q.Take(); len(msgs) != 0 {
		t.Fatalf("a dry run queued %d messages", len(msgs))
	}
	if _, err := store.NewAccounts(w.tbl).HolderByEmail(ctx, "ana@example.com"); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("a dry run created a holder: %v", err)
	}

	st := w.run(t, file(rows...))
	if got := outcomes(st.Rows); got != want {
		t.Fatalf("import\n got %s\nwant %s", got, want)
	}
	if tot := st.Totals; tot.Rows != 9 || tot.Created != 2 || tot.Existing != 0 || tot.Rejected != 7 || tot.Rows != tot.Created+tot.Existing+tot.Rejected {
		t.Fatalf("totals %+v", tot)
	}
	if msg := st.Rows[3].Message; !strings.Contains(msg, "Email must be") || !strings.Contains(msg, `Credentials: "XYZ" is not a credential`) {
		t.Fatalf("row 5 says %q: every problem, each on its column", msg)
	}
	ana, err := w.acc.Holder(ctx, staff, st.Rows[0].HolderID)
	if err != nil {
		t.Fatal(err)
	}
	if ana.Sub != "" || ana.MemberNumber != "A-1001" || ana.Membership != accounts.Member || len(ana.Credentials) != 2 ||
		ana.Credentials[1] != (accounts.Credential{Code: "NALP", EarnedOn: "2020-06-30"}) {
		t.Fatalf("Ana %+v", ana)
	}

	// The same file again changes nothing: the created are existing now
	// (and so is row 6's member number; row 7's email is Ana's).
	again := w.run(t, file(rows...))
	if got := outcomes(again.Rows); got != "2:existing 3:existing 4:required 5:invalid_email 6:existing 7:email_taken 8:future_date 9:invalid_membership 10:invalid_date" {
		t.Fatalf("second import %s", got)
	}
	if again.Totals.Created != 0 || again.Totals.Existing != 3 {
		t.Fatalf("second import totals %+v", again.Totals)
	}

	// Staff find Ana by her member number, in any case.
	found, _, err := w.acc.Directory(ctx, staff, "a-1001", accounts.Page{})
	if err != nil || len(found) != 1 || found[0].HolderID != ana.ID {
		t.Fatalf("search by member number: %+v %v", found, err)
	}
	// Only staff import, and read imports.
	if _, _, err := w.svc.Report(ctx, holder, file(rows...), true); !isCode(err, "forbidden") {
		t.Fatalf("a holder importing: %v", err)
	}
}

func isCode(err error, code string) bool {
	fe, ok := fault.As(err)
	return ok && fe.Code == code
}

// TestImport_Claim: the person signs in with the imported email and
// creates their holder account: they get the imported record, with what
// the association recorded. Someone signed in with another email cannot.
func TestImport_Claim(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	st := w.run(t, file(rows[0]))
	id := st.Rows[0].HolderID
	in := accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "Ana@Example.com"}
	if _, err := w.acc.CreateHolder(ctx, identity.Caller{Sub: "sub-mallory", Email: "mallory@example.com", EmailVerified: true}, in); !isCode(err, "email_taken") {
		t.Fatalf("someone else claiming: %v", err)
	}
	// Ana's address typed into a profile, not verified: no claim.
	if _, err := w.acc.CreateHolder(ctx, identity.Caller{Sub: "sub-mallory", Email: "ana@example.com"}, in); !isCode(err, "email_taken") {
		t.Fatalf("a claim with an unverified email: %v", err)
	}
	ana := identity.Caller{Sub: "sub-ana", Email: "ana@example.com", EmailVerified: true, Roles: []string{identity.RoleHolder}}
	in.Contact = &accounts.Contact{Phone: "+1 202 555 0142"}
	h, err := w.acc.CreateHolder(ctx, ana, in)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != id || h.Sub != "sub-ana" || h.MemberNumber != "A-1001" || len(h.Credentials) != 2 || h.Contact.Phone != "+1 202 555 0142" {
		t.Fatalf("claimed %+v", h)
	}
	if mine, err := w.acc.MyHolder(ctx, ana); err != nil || mine.ID != id {
		t.Fatalf("my holder %+v %v", mine, err)
	}
	// Claimed once: another identity with the same email cannot take it.
	if _, err := w.acc.CreateHolder(ctx, identity.Caller{Sub: "sub-ana-2", Email: "ana@example.com", EmailVerified: true}, in); !isCode(err, "email_taken") {
		t.Fatalf("a second claim: %v", err)
	}
	_, events, err := w.acc.HolderRecord(ctx, staff, id)
	if err != nil || len(events) == 0 || events[len(events)-1].Action != "account.claimed" {
		t.Fatalf("history %+v %v", events, err)
	}
}

// TestImport_StepCrash: a step whose summary was not written (a crash after
// the holders were created) runs again and reports them created, not
// existing, and creates nobody twice.
func TestImport_StepCrash(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	im, _, err := w.svc.Report(ctx, staff, file(rows[:2]...), false)
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.q.Take()
	crashing := holderimport.NewService(failingFinish{store.NewHolderImports(w.tbl)}, w.acc, testkit.SettableAt(time.Date(2027, 1, 5, 15, 0, 0, 0, time.UTC)), ids.New, w.q)
	if err := crashing.Step(ctx, msgs[0].Body); err == nil {
		t.Fatal("the crashing step did not fail")
	}
	if err := w.svc.Step(ctx, msgs[0].Body); err != nil {
		t.Fatal(err)
	}
	st, err := w.svc.Result(ctx, staff, im.ID, holderimport.Page{})
	if err != nil || outcomes(st.Rows) != "2:created 3:created" {
		t.Fatalf("after the crash: %s %v", outcomes(st.Rows), err)
	}
	page, err := w.tbl.Query(ctx, table.Query{Index: table.IndexGSI1, PK: "STAFFDIR#li"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("%d search entries for Lima, want 1 (%v)", len(page.Items), err)
	}
}

type failingFinish struct{ holderimport.Store }

func (failingFinish) FinishChunk(context.Context, string, []holderimport.RowResult, holderimport.ChunkSummary, []outbox.Message, *holderimport.Entry) error {
	return errors.New("crash")
}

// TestImport_WideRows: rows whose cells are long (a notes column pasted
// into a name) are rejected one by one; the chunks they are stored in stay
// under DynamoDB's item limit, so the upload is no 500.
func TestImport_WideRows(t *testing.T) {
	w := newWorld(t)
	long := strings.Repeat("Ünïcødé <&> \\\" ", 25) // 450 bytes, escapes included
	var rows []string
	for i := range holderimport.ChunkRows {
		rows = append(rows, fmt.Sprintf(`M%d,"%s","%s",w%d@example.com,member,`, i, strings.ReplaceAll(long, `"`, `""`), strings.ReplaceAll(long, `"`, `""`), i))
	}
	st := w.run(t, file(rows...))
	if st.Totals.Rows != holderimport.ChunkRows || st.Totals.Rejected != holderimport.ChunkRows || st.Import.Chunks < 2 {
		t.Fatalf("totals %+v in %d chunks", st.Totals, st.Import.Chunks)
	}
}

// TestImport_DryRunOfALongList: a check answers at most
// roster.DryRunRows rows' results, every rejected one among them, and
// totals over every row.
func TestImport_DryRunOfALongList(t *testing.T) {
	w := newWorld(t)
	n := roster.DryRunRows + 100
	var rows []string
	for i := range n {
		last := fmt.Sprintf("Lima%d", i)
		if i%50 == 49 {
			last = "" // rejected: 1 in 50
		}
		rows = append(rows, fmt.Sprintf("M%d,Ana,%s,h%d@example.com,member,", i, last, i))
	}
	_, d, err := w.svc.Report(context.Background(), staff, file(rows...), true)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, r := range d.Rows {
		if r.Outcome == holderimport.Rejected {
			rejected++
		}
	}
	if len(d.Rows) != roster.DryRunRows || d.Omitted != 100 || rejected != n/50 || d.Totals.Rows != n || d.Totals.Rejected != n/50 {
		t.Fatalf("%d rows shown (%d rejected), %d omitted, totals %+v", len(d.Rows), rejected, d.Omitted, d.Totals)
	}
}
