package renewals_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// counting records the queries made, to prove the daily job reads the index only.
type counting struct {
	table.Table
	mu      sync.Mutex
	queries []table.Query
}

func (c *counting) Query(ctx context.Context, q table.Query) (table.Page, error) {
	c.mu.Lock()
	c.queries = append(c.queries, q)
	c.mu.Unlock()
	return c.Table.Query(ctx, q)
}

// inline is a queue whose consumer runs as a message is sent to it: a
// relay over it delivers each message at once, and keeps the message
// pending when the consumer fails.
type inline func(ctx context.Context, body string) error

func (q inline) Send(ctx context.Context, body string) (string, error) { return "", q(ctx, body) }

type env struct {
	svc   *renewals.Service
	acc   *accounts.Service
	clk   *clock.Settable
	tbl   *counting
	out   *store.Outbox
	staff identity.Caller
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testkit.Policy(t))
}

func newEnvWith(t *testing.T, pol *policy.Policy) *env {
	t.Helper()
	clk := testkit.SettableAt(time.Date(2026, 10, 20, 15, 0, 0, 0, time.UTC))
	tbl := &counting{Table: testkit.TempTable(t, testkit.NoSync, table.WithBoltNow(clk.Now))}
	svc := &renewals.Service{Store: store.NewRenewals(tbl), Holders: store.NewAccounts(tbl), Shards: store.RenewableShards,
		Links: store.NewAccounts(tbl), Records: store.NewSubmissions(tbl), Policy: pol, Clock: clk, Relay: testkit.NoDispatch{},
		Pieces: store.NewPieces(tbl)}
	// The renewals queue's messages are consumed as they are dispatched
	// (the local stack is about as quick); the others stay in the outbox.
	out := store.NewOutbox(tbl)
	relay := outbox.NewRelay(out, map[string]outbox.Sender{accounts.RenewalsQueue: inline(svc.CredentialsSet)},
		slog.New(slog.DiscardHandler))
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, ids.New, relay)
	return &env{svc: svc, acc: acc, clk: clk, tbl: tbl, out: out,
		staff: identity.Caller{Sub: "staff-1", Roles: []string{identity.RoleStaff}}}
}

// issueDue is the daily schedule's run, its pieces then done as the daily
// work queue delivers them (from the outbox, as the relay would send
// them); it returns how many invoices they created. The outbox's reads are
// not counted as the job's queries.
func (e *env) issueDue(t *testing.T) (int, error) {
	t.Helper()
	ctx := t.Context()
	if _, err := e.svc.IssueDue(ctx); err != nil {
		return 0, err
	}
	created := 0
	w := daily.Worker{renewals.Job: func(ctx context.Context, raw json.RawMessage) error {
		n, err := e.svc.Piece(ctx, raw)
		created += n
		return err
	}}
	for {
		seen := len(e.tbl.queries)
		pending, err := e.out.Pending(ctx, time.Now().Add(time.Hour), 10000)
		e.tbl.queries = e.tbl.queries[:seen]
		if err != nil {
			return created, err
		}
		var pieces []outbox.Message
		for _, m := range pending {
			if m.Queue == daily.Queue {
				pieces = append(pieces, m)
			}
		}
		if len(pieces) == 0 {
			return created, nil
		}
		for _, m := range pieces {
			if err := w.Handle(ctx, m.Body); err != nil {
				return created, err
			}
			if err := e.out.Done(ctx, m); err != nil {
				return created, err
			}
		}
	}
}

func holderCaller(n string) identity.Caller {
	return identity.Caller{Sub: "sub-" + n, Email: n + "@example.org", Roles: []string{identity.RoleHolder}}
}

// holder creates a holder and, when codes are given, records them as staff.
func (e *env) holder(t *testing.T, n string, codes ...string) accounts.Holder {
	t.Helper()
	return testkit.Accounts{Service: e.acc, Staff: e.staff}.Holder(t, holderCaller(n),
		accounts.NewHolder{FirstName: "Ann", LastName: "Lee " + n, Email: n + "@example.org"}, testkit.Credentials("2020-05-01", codes...))
}

func TestService_EnsureInvoice(t *testing.T) {
	e := newEnv(t)
	h := e.holder(t, "a", "CAM", "NALP")
	inv, created, err := e.svc.EnsureInvoice(t.Context(), h, 2027)
	if err != nil || !created {
		t.Fatalf("created %v, err %v", created, err)
	}
	if inv.ID != "REN-"+h.ID+"-2027" || inv.TotalCents != 20000 || inv.Currency != "USD" || inv.DueOn != "2027-01-01" ||
		inv.GraceUntil != "2027-03-31" || inv.Status != renewals.Open || len(inv.Lines) != 2 || inv.CECsRequired != 600 {
		t.Fatalf("invoice %+v", inv)
	}
	if !inv.CECsOutstandingAtIssue { // nothing credited yet: the CEC reminders follow this holder
		t.Fatalf("a holder without CECs is not marked outstanding: %+v", inv)
	}
	again, created, err := e.svc.EnsureInvoice(t.Context(), h, 2027)
	if err != nil || created || again.ID != inv.ID || again.Version != 1 {
		t.Fatalf("second call: created %v, err %v, %+v", created, err, again)
	}
	t.Run("NoCredentials", func(t *testing.T) {
		none := e.holder(t, "b")
		inv, created, err := e.svc.EnsureInvoice(t.Context(), none, 2027)
		if err != nil || created || inv.ID != "" {
			t.Fatalf("holder without credentials: %+v %v %v", inv, created, err)
		}
	})
}

func TestService_IssueDue(t *testing.T) {
	e := newEnv(t)
	var with []accounts.Holder
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		with = append(with, e.holder(t, n, "CAS"))
	}
	e.holder(t, "x") // no credentials: no invoice
	if n, err := e.issueDue(t); err != nil || n != 0 {
		t.Fatalf("before the issue date: %d, %v", n, err)
	}
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	e.tbl.queries = nil
	n, err := e.issueDue(t)
	if err != nil || n != len(with) {
		t.Fatalf("first run: %d, %v", n, err)
	}
	// The renewable index, one query per shard, and the partition of each
	// holder invoiced (to judge their CECs): never anyone else's.
	judged := map[string]bool{}
	shards := 0
	for _, q := range e.tbl.queries {
		switch {
		case q.Index == table.IndexGSI2:
			shards++
		case q.Index == "" && strings.HasPrefix(q.PK, "HOLDER#"):
			judged[strings.TrimPrefix(q.PK, "HOLDER#")] = true
		default:
			t.Fatalf("the job queried %+v", q)
		}
	}
	if shards != store.RenewableShards || len(judged) != len(with) || len(e.tbl.queries) != shards+len(with) {
		t.Errorf("%d shard queries (want %d), %d holders judged (want %d), %d queries", shards, store.RenewableShards,
			len(judged), len(with), len(e.tbl.queries))
	}
	// The next days within a week: no sweep at all.
	for _, d := range []time.Duration{time.Hour, 6 * 24 * time.Hour} {
		e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC).Add(d))
		e.tbl.queries = nil
		if n, err := e.issueDue(t); err != nil || n != 0 || len(e.tbl.queries) != 0 {
			t.Fatalf("run %v after the sweep: created %d, %d queries, %v", d, n, len(e.tbl.queries), err)
		}
	}
	// A week on: the index again, and no judgement (every invoice exists).
	e.clk.Set(time.Date(2026, 11, 9, 13, 0, 0, 0, time.UTC))
	e.tbl.queries = nil
	if n, err := e.issueDue(t); err != nil || n != 0 {
		t.Fatalf("a week later: %d, %v", n, err)
	}
	if len(e.tbl.queries) != store.RenewableShards {
		t.Errorf("a week later: %d queries; an invoice that exists needs no judgement", len(e.tbl.queries))
	}
	// A clock set back before the last sweep (the local stack) sweeps again.
	e.clk.Set(time.Date(2026, 11, 1, 18, 0, 0, 0, time.UTC))
	e.tbl.queries = nil
	if _, err := e.issueDue(t); err != nil || len(e.tbl.queries) != store.RenewableShards {
		t.Fatalf("clock set back: %d queries, %v", len(e.tbl.queries), err)
	}
	for _, h := range with {
		if _, err := e.svc.Store.Get(t.Context(), renewals.InvoiceID(h.ID, 2027)); err != nil {
			t.Errorf("no invoice for %s: %v", h.ID, err)
		}
	}
	t.Run("AfterCredentials", func(t *testing.T) {
		late := e.holder(t, "late", "AIME") // credentials recorded after the issue date
		inv, err := e.svc.Store.Get(t.Context(), renewals.InvoiceID(late.ID, 2027))
		if err != nil || inv.TotalCents != 5000 {
			t.Fatalf("invoice after SetCredentials: %+v %v", inv, err)
		}
	})
}

// failingCreate is an invoice store whose writes fail.
type failingCreate struct{ renewals.Store }

func (failingCreate) Create(context.Context, renewals.Invoice) error {
	return errors.New("dynamodb: ProvisionedThroughputExceededException")
}

// failingHolders is a holder store whose reads fail.
type failingHolders struct{ renewals.Holders }

func (failingHolders) Holder(context.Context, string) (accounts.Holder, error) {
	return accounts.Holder{}, errors.New("dynamodb: RequestLimitExceeded")
}

// TestService_CredentialsSet is the renewals queue's consumer: the message
// SetCredentials writes with the change issues the holder's invoice once
// the year's are out, once however often it comes, and a failure is an
// error (the message comes back), never only a log line.
func TestService_CredentialsSet(t *testing.T) {
	issued := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	msg := func(t *testing.T, holderID string, at time.Time) string {
		t.Helper()
		m, err := accounts.CredentialsSet{HolderID: holderID, At: at}.Message()
		if err != nil || m.Queue != accounts.RenewalsQueue {
			t.Fatalf("message %+v, %v", m, err)
		}
		return m.Body
	}
	invoice := func(t *testing.T, e *env, holderID string, year int) (renewals.Invoice, bool) {
		t.Helper()
		inv, err := e.svc.Store.Get(t.Context(), renewals.InvoiceID(holderID, year))
		if errors.Is(err, renewals.ErrNotFound) {
			return renewals.Invoice{}, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return inv, true
	}

	t.Run("BeforeTheIssueDate", func(t *testing.T) {
		e := newEnv(t) // 20 October 2026
		h := e.holder(t, "a", "CAM")
		if err := e.svc.CredentialsSet(t.Context(), msg(t, h.ID, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		if inv, ok := invoice(t, e, h.ID, 2027); ok {
			t.Fatalf("an invoice before the issue date: %+v", inv)
		}
	})

	t.Run("OnceHoweverOftenDelivered", func(t *testing.T) {
		e := newEnv(t)
		h := e.holder(t, "a", "CAM", "NALP")
		e.clk.Set(issued) // the settable clock runs on from here
		body := msg(t, h.ID, issued)
		var wg sync.WaitGroup
		for range 3 { // concurrent deliveries
			wg.Go(func() {
				if err := e.svc.CredentialsSet(t.Context(), body); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		first, ok := invoice(t, e, h.ID, 2027)
		if !ok || first.TotalCents != 20000 || len(first.Lines) != 2 || first.IssuedAt.Sub(issued).Abs() > time.Minute {
			t.Fatalf("invoice %+v, %v", first, ok)
		}
		e.clk.Set(issued.Add(time.Hour)) // a late redelivery
		if err := e.svc.CredentialsSet(t.Context(), body); err != nil {
			t.Fatal(err)
		}
		if again, _ := invoice(t, e, h.ID, 2027); !again.IssuedAt.Equal(first.IssuedAt) || again.Version != first.Version {
			t.Fatalf("the redelivery changed the invoice: %+v, was %+v", again, first)
		}
	})

	t.Run("NothingToDo", func(t *testing.T) {
		e := newEnv(t)
		none := e.holder(t, "x") // no credentials
		e.clk.Set(issued)
		for name, body := range map[string]string{
			"no credentials": msg(t, none.ID, issued),
			"no such holder": msg(t, "H-0000000000", issued),
		} {
			if err := e.svc.CredentialsSet(t.Context(), body); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if inv, ok := invoice(t, e, none.ID, 2027); ok {
			t.Fatalf("an invoice of a holder without credentials: %+v", inv)
		}
		// Recorded on 1 January 2027: the coming year is 2028, whose
		// invoices go out in November.
		cam := e.holder(t, "c", "CAM")
		e.clk.Set(time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC))
		if err := e.svc.CredentialsSet(t.Context(), msg(t, cam.ID, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC))); err != nil {
			t.Fatal(err)
		}
		if inv, ok := invoice(t, e, cam.ID, 2028); ok {
			t.Fatalf("a 2028 invoice before its issue date: %+v", inv)
		}
	})

	t.Run("TheYearOfTheChange", func(t *testing.T) {
		// Recorded at 23:30 on New Year's Eve in New York, read after
		// midnight: still the 2027 invoice, which the daily job, now on
		// 2028, would never issue.
		e := newEnv(t)
		h := e.holder(t, "a", "CAM")
		e.clk.Set(time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC))
		if err := e.svc.CredentialsSet(t.Context(), msg(t, h.ID, time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC))); err != nil {
			t.Fatal(err)
		}
		if _, ok := invoice(t, e, h.ID, 2027); !ok {
			t.Fatal("no 2027 invoice for credentials recorded on 31 December 2026")
		}
	})

	t.Run("ErrFailure", func(t *testing.T) {
		e := newEnv(t)
		h := e.holder(t, "a", "CAM")
		e.clk.Set(issued)
		body := msg(t, h.ID, issued)
		noWrite, noRead := *e.svc, *e.svc
		noWrite.Store, noRead.Holders = failingCreate{e.svc.Store}, failingHolders{e.svc.Holders}
		for name, svc := range map[string]*renewals.Service{"write fails": &noWrite, "read fails": &noRead} {
			if err := svc.CredentialsSet(t.Context(), body); err == nil {
				t.Errorf("%s: no error, so the message would be deleted without its invoice", name)
			}
		}
		for _, bad := range []string{"", "{}", `{"holderId":"` + h.ID + `"}`, "not json"} {
			if err := e.svc.CredentialsSet(t.Context(), bad); err == nil {
				t.Errorf("malformed message %q accepted", bad)
			}
		}
		if inv, ok := invoice(t, e, h.ID, 2027); ok {
			t.Fatalf("an invoice after failures only: %+v", inv)
		}
		// The message delivered again once the table answers.
		if err := e.svc.CredentialsSet(t.Context(), body); err != nil {
			t.Fatal(err)
		}
		if _, ok := invoice(t, e, h.ID, 2027); !ok {
			t.Fatal("no invoice after the redelivery")
		}
	})

	t.Run("CrashAfterTheWrite", func(t *testing.T) {
		// The accounts API dies after its commit, before dispatching: the
		// message is in the outbox, written with the change, and the
		// relay's sweep delivers it.
		e := newEnv(t)
		e.clk.Set(issued)
		crashing := accounts.NewService(store.NewAccounts(e.tbl), e.svc.Policy, e.clk, ids.New, testkit.NoDispatch{})
		h := testkit.Accounts{Service: crashing, Staff: e.staff}.Holder(t, holderCaller("a"),
			accounts.NewHolder{FirstName: "Ann", LastName: "Lee", Email: "a@example.org"}, testkit.Credentials("2020-05-01", "CAM"))
		pending := func() []outbox.Message {
			t.Helper()
			msgs, err := e.out.Pending(t.Context(), time.Now().Add(time.Hour), 10000)
			if err != nil {
				t.Fatal(err)
			}
			var out []outbox.Message
			for _, m := range msgs {
				if m.Queue == accounts.RenewalsQueue {
					out = append(out, m)
				}
			}
			return out
		}
		got := pending()
		if len(got) != 1 {
			t.Fatalf("outbox holds %d renewals messages, want 1: %+v", len(got), got)
		}
		if m, err := accounts.ParseCredentialsSet(got[0].Body); err != nil || m.HolderID != h.ID || m.At.Sub(issued).Abs() > time.Minute {
			t.Fatalf("pending message %q: %+v, %v", got[0].Body, m, err)
		}
		if inv, ok := invoice(t, e, h.ID, 2027); ok {
			t.Fatalf("an invoice before the message was delivered: %+v", inv)
		}
		mail := inline(func(context.Context, string) error { return nil })
		relay := outbox.NewRelay(e.out, map[string]outbox.Sender{accounts.RenewalsQueue: inline(e.svc.CredentialsSet), notify.Queue: mail},
			slog.New(slog.DiscardHandler)).WithGrace(0)
		if _, err := relay.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if inv, ok := invoice(t, e, h.ID, 2027); !ok || inv.TotalCents != 12500 {
			t.Fatalf("after the sweep: invoice %+v, %v", inv, ok)
		}
		if left := pending(); len(left) != 0 {
			t.Fatalf("the sweep left %+v", left)
		}
	})
}

func TestService_RenewalSteps(t *testing.T) {
	e := newEnv(t)
	h := e.holder(t, "a", "NALP")
	c := holderCaller("a")
	if _, err := e.svc.Renewal(t.Context(), c, 2027); err == nil {
		t.Fatal("a renewal before its invoice")
	}
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	if _, err := e.issueDue(t); err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.Renewal(t.Context(), c, 2027)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Steps {
		if s.Done {
			t.Errorf("step %s done at the start", s.Name)
		}
	}
	if _, err := e.acc.UpdateContact(t.Context(), c, accounts.ContactUpdate{Phone: "+1 202 555 0100"}); err != nil {
		t.Fatal(err)
	}
	id := renewals.InvoiceID(h.ID, 2027)
	if _, _, err := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_1", Kind: renewals.PaymentSucceeded,
		AmountCents: 7500, Currency: "usd", Reference: "cs_1"}); err != nil {
		t.Fatal(err)
	}
	v, err = e.svc.Renewal(t.Context(), c, 2027)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{renewals.StepContact: true, renewals.StepPaid: true, renewals.StepCECStatus: false, renewals.StepCECs: false}
	for _, s := range v.Steps {
		if want[s.Name] != s.Done {
			t.Errorf("step %s done %v", s.Name, s.Done)
		}
	}
	if v.Complete {
		t.Error("complete without the year's CECs")
	}
}

func TestService_SettleConcurrently(t *testing.T) {
	e := newEnv(t)
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	h := e.holder(t, "a", "CAM")
	id := renewals.InvoiceID(h.ID, 2027)
	settler := payments.NewSettler(nil, e.svc, nil, nil)
	body, _ := json.Marshal(payments.Event{ID: "evt_pay", Kind: payments.Succeeded, InvoiceID: id, AmountCents: 12500,
		Currency: "USD", Reference: "cs_x"})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := settler.Settle(t.Context(), string(body)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	inv, err := e.svc.Store.Get(t.Context(), id)
	if err != nil || inv.Status != renewals.Paid || len(inv.Payments) != 1 {
		t.Fatalf("%+v %v", inv, err)
	}
	// A late failure is recorded, and the invoice stays paid (issue 13).
	late, changed, _ := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_fail", Kind: renewals.PaymentFailed})
	if !changed || late.Status != renewals.Paid || len(late.Payments) != 2 || late.Payments[1].Kind != renewals.PaymentFailed {
		t.Errorf("a failure after the payment: changed %v, %s, payments %+v; want recorded, still paid", changed, late.Status, late.Payments)
	}
	if _, again, _ := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_fail", Kind: renewals.PaymentFailed}); again {
		t.Error("the same failure delivered again changed the invoice")
	}
	msgs, err := e.out.Pending(t.Context(), time.Now().Add(time.Hour), 10000)
	if err != nil {
		t.Fatal(err)
	}
	receipts := 0
	for _, m := range msgs {
		var j notify.Job
		if m.Queue == notify.Queue && json.Unmarshal([]byte(m.Body), &j) == nil && j.Template == "receipt" {
			receipts++
			if j.ID != "receipt:"+id || j.To[0] != "a@example.org" {
				t.Errorf("receipt job %+v", j)
			}
		}
	}
	if receipts != 1 {
		t.Fatalf("%d receipt jobs, want 1", receipts)
	}
}

func TestService_SettleMismatch(t *testing.T) {
	e := newEnv(t)
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	h := e.holder(t, "a", "CAM")
	id := renewals.InvoiceID(h.ID, 2027)
	inv, changed, err := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_1", Kind: renewals.PaymentSucceeded, AmountCents: 100, Currency: "USD"})
	if err != nil || !changed || inv.Status != renewals.Open || inv.Flag != "payment_mismatch" {
		t.Fatalf("%+v %v %v", inv, changed, err)
	}
	if _, _, err := e.svc.Settle(t.Context(), "REN-nobody-2027", renewals.Payment{EventID: "e", Kind: renewals.PaymentSucceeded}); err == nil {
		t.Fatal("settled an invoice nobody issued")
	}
}

// TestService_HolderInvoices: staff list a holder's invoices, the latest
// year first, with payments and flags, a page at a time from one Query of
// GSI1; nobody else may.
func TestService_HolderInvoices(t *testing.T) {
	e := newEnv(t)
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	a := e.holder(t, "a", "CAM") // the 2027 invoice is issued
	none := e.holder(t, "b")
	ctx := t.Context()
	if _, created, err := e.svc.EnsureInvoice(ctx, a, 2028); err != nil || !created {
		t.Fatalf("2028 invoice: %v %v", created, err)
	}
	id27 := renewals.InvoiceID(a.ID, 2027)
	for _, p := range []renewals.Payment{
		{EventID: "evt_1", Kind: renewals.PaymentSucceeded, AmountCents: 100, Currency: "USD", Reference: "cs_1"},
		{EventID: "evt_2", Kind: renewals.PaymentSucceeded, AmountCents: 12500, Currency: "USD", Reference: "cs_2"},
	} {
		if _, _, err := e.svc.Settle(ctx, id27, p); err != nil {
			t.Fatal(err)
		}
	}
	e.tbl.mu.Lock()
	e.tbl.queries = nil
	e.tbl.mu.Unlock()
	got, next, err := e.svc.HolderInvoices(ctx, e.staff, a.ID, renewals.Page{})
	if err != nil || next != "" || len(got) != 2 {
		t.Fatalf("%d invoices, next %q, %v", len(got), next, err)
	}
	if got[0].Year != 2028 || got[0].Status != renewals.Open || len(got[0].Payments) != 0 || got[0].Flag != "" {
		t.Errorf("first: %+v", got[0])
	}
	if inv := got[1]; inv.ID != id27 || inv.Status != renewals.Paid || inv.Flag != "payment_mismatch" || len(inv.Payments) != 2 ||
		inv.Payments[0].Kind != renewals.PaymentMismatch || inv.Payments[1].Kind != renewals.PaymentSucceeded {
		t.Errorf("2027: %+v", inv)
	}
	e.tbl.mu.Lock()
	qs := e.tbl.queries
	e.tbl.mu.Unlock()
	if len(qs) != 1 || qs[0].Index != table.IndexGSI1 || !qs[0].Descending {
		t.Errorf("queries %+v, want one descending Query of GSI1", qs)
	}

	t.Run("Pages", func(t *testing.T) {
		first, next, err := e.svc.HolderInvoices(ctx, e.staff, a.ID, renewals.Page{Limit: 1})
		if err != nil || len(first) != 1 || first[0].Year != 2028 || next == "" {
			t.Fatalf("first page: %d, next %q, %v", len(first), next, err)
		}
		second, last, err := e.svc.HolderInvoices(ctx, e.staff, a.ID, renewals.Page{Limit: 1, Cursor: next})
		if err != nil || len(second) != 1 || second[0].Year != 2027 {
			t.Fatalf("second page: %+v, %v", second, err)
		}
		if last != "" {
			if rest, _, err := e.svc.HolderInvoices(ctx, e.staff, a.ID, renewals.Page{Limit: 1, Cursor: last}); err != nil || len(rest) != 0 {
				t.Fatalf("after the last: %+v, %v", rest, err)
			}
		}
	})
	t.Run("NoInvoices", func(t *testing.T) {
		got, next, err := e.svc.HolderInvoices(ctx, e.staff, none.ID, renewals.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Fatalf("%+v %q %v", got, next, err)
		}
	})
	for _, tt := range []struct {
		name   string
		caller identity.Caller
		id     string
		want   string
	}{
		{"ErrAnonymous", identity.Caller{}, a.ID, "unauthenticated"},
		{"ErrHolder", holderCaller("a"), a.ID, "forbidden"},
		{"ErrNoSuchHolder", e.staff, "H-0000000000", "holder_not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.svc.HolderInvoices(ctx, tt.caller, tt.id, renewals.Page{})
			if fe, ok := fault.As(err); !ok || fe.Code != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestParseInvoiceID(t *testing.T) {
	h, y, ok := renewals.ParseInvoiceID(renewals.InvoiceID("H-abc-1", 2027))
	if !ok || h != "H-abc-1" || y != 2027 {
		t.Fatalf("%q %d %v", h, y, ok)
	}
	for _, bad := range []string{"INV-P-1-1", "REN-", "REN-x", "REN-x-yy"} {
		if _, _, ok := renewals.ParseInvoiceID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestService_LapseAndReinstatement: unpaid after the grace period (31
// March, New York), an invoice reads lapsed; a checkout then adds the
// reinstatement fee once, and paying it reinstates.
func TestService_LapseAndReinstatement(t *testing.T) {
	e := newEnv(t)
	e.svc.Checkouts = &payments.Simulator{BaseURL: "http://127.0.0.1:9"}
	h := e.holder(t, "a", "NALP")
	other := e.holder(t, "b", "NALP")
	c := holderCaller("a")
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	if _, err := e.issueDue(t); err != nil {
		t.Fatal(err)
	}
	id := renewals.InvoiceID(h.ID, 2027)
	base := e.view(t, c).Invoice.TotalCents
	fee := e.svc.Policy.RenewalInvoices.ReinstatementFeeCents
	if fee <= 0 {
		t.Fatalf("the shipped policy has no reinstatement fee (%d)", fee)
	}

	// The last day of grace, late in the evening in New York: not lapsed.
	e.clk.Set(time.Date(2027, 4, 1, 3, 30, 0, 0, time.UTC))
	if v := e.view(t, c); v.Invoice.Lapsed {
		t.Fatal("lapsed on the last day of grace")
	}
	if _, err := e.svc.StartCheckout(t.Context(), c, 2027); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, c); v.Invoice.TotalCents != base || len(v.Invoice.Lines) != 1 {
		t.Fatalf("a checkout in grace changed the invoice: %+v", v.Invoice)
	}

	// The next day: lapsed; a checkout adds the fee, once.
	e.clk.Set(time.Date(2027, 4, 1, 5, 0, 0, 0, time.UTC))
	if v := e.view(t, c); !v.Invoice.Lapsed {
		t.Fatal("not lapsed after the grace period")
	}
	for range 2 {
		if _, err := e.svc.StartCheckout(t.Context(), c, 2027); err != nil {
			t.Fatal(err)
		}
	}
	v := e.view(t, c)
	if v.Invoice.TotalCents != base+fee || len(v.Invoice.Lines) != 2 || v.Invoice.Lines[1] != (renewals.Line{Code: renewals.LineReinstatement, Cents: fee}) {
		t.Fatalf("after two checkouts: %+v", v.Invoice)
	}
	// An amount no checkout was started for is a mismatch; the amount of the
	// checkout started in grace (before the fee) is taken, and flagged for
	// staff: the holder paid what they were asked.
	if inv, _, err := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_odd", Kind: renewals.PaymentSucceeded,
		AmountCents: 100, Currency: "usd"}); err != nil || inv.Status == renewals.Paid || inv.Flag != "payment_mismatch" {
		t.Fatalf("an amount never asked: %+v, %v", inv, err)
	}
	if inv, _, err := e.svc.Settle(t.Context(), id, renewals.Payment{EventID: "evt_old", Kind: renewals.PaymentSucceeded,
		AmountCents: base, Currency: "usd"}); err != nil || inv.Status != renewals.Paid || inv.Flag != "quoted_amount" ||
		!slices.Equal(inv.Quotes, []int64{base, base + fee}) {
		t.Fatalf("the amount quoted before the fee: %+v, %v", inv, err)
	}
	if v := e.view(t, c); v.Invoice.Status != renewals.Paid || v.Invoice.Lapsed {
		t.Fatalf("after paying: %+v", v.Invoice)
	}
	// The directory's marks: the one unpaid, of the current year's renewals.
	if got, err := e.svc.LapsedAmong(t.Context(), []string{h.ID, other.ID, "H-NONE"}); err != nil || len(got) != 1 || !got[other.ID] {
		t.Fatalf("lapsed among: %v, %v", got, err)
	}
	// Staff's view of each holder's invoices says the same.
	for _, tc := range []struct {
		holder string
		lapsed bool
	}{{h.ID, false}, {other.ID, true}} {
		invs, _, err := e.svc.HolderInvoices(t.Context(), e.staff, tc.holder, renewals.Page{})
		if err != nil || len(invs) != 1 || invs[0].Lapsed != tc.lapsed {
			t.Fatalf("%s: %+v, %v", tc.holder, invs, err)
		}
	}
	if _, err := e.svc.StartCheckout(t.Context(), c, 2027); err == nil {
		t.Fatal("a checkout of a paid invoice")
	}
}

func (e *env) view(t *testing.T, c identity.Caller) renewals.View {
	t.Helper()
	v, err := e.svc.Renewal(t.Context(), c, 2027)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestService_LapseWaived: staff reverse a lapse with a reason (the fee a
// checkout added comes off; nothing more is added) and can undo it; each
// change is in the invoice's history once.
func TestService_LapseWaived(t *testing.T) {
	e := newEnv(t)
	e.svc.Checkouts = &payments.Simulator{BaseURL: "http://127.0.0.1:9"}
	h := e.holder(t, "a", "NALP")
	c := holderCaller("a")
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	if _, err := e.issueDue(t); err != nil {
		t.Fatal(err)
	}
	base := e.view(t, c).Invoice.TotalCents
	e.clk.Set(time.Date(2027, 4, 2, 15, 0, 0, 0, time.UTC))
	if _, err := e.svc.StartCheckout(t.Context(), c, 2027); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second changes nothing
		inv, err := e.svc.SetLapseWaived(t.Context(), e.staff, h.ID, 2027, true, "In hospital in March; the office agreed.")
		if err != nil || inv.Lapsed || inv.TotalCents != base || len(inv.Lines) != 1 || len(inv.LapseChanges) != 1 || !inv.LapseChanges[0].Waived {
			t.Fatalf("waived: %+v, %v", inv, err)
		}
	}
	if _, err := e.svc.StartCheckout(t.Context(), c, 2027); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, c); v.Invoice.Lapsed || v.Invoice.TotalCents != base {
		t.Fatalf("a checkout after the waiver: %+v", v.Invoice)
	}
	inv, err := e.svc.SetLapseWaived(t.Context(), e.staff, h.ID, 2027, false, "Waived by mistake.")
	if err != nil || !inv.Lapsed || len(inv.LapseChanges) != 2 || inv.LapseChanges[1].Reason != "Waived by mistake." || inv.LapseChanges[1].By != e.staff.Sub {
		t.Fatalf("undone: %+v, %v", inv, err)
	}
	for _, tc := range []struct {
		name   string
		caller identity.Caller
		holder string
		reason string
		kind   fault.Kind
		code   string
	}{
		{"NotStaff", c, h.ID, "x", fault.Forbidden, "forbidden"},
		{"NoReason", e.staff, h.ID, "  ", fault.Invalid, "invalid_request"},
		{"NoInvoice", e.staff, "H-NONE", "x", fault.NotFound, "renewal_not_found"},
	} {
		_, err := e.svc.SetLapseWaived(t.Context(), tc.caller, tc.holder, 2027, true, tc.reason)
		if fe, ok := fault.As(err); !ok || fe.Kind != tc.kind || fe.Code != tc.code {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, _, err := e.svc.Settle(t.Context(), renewals.InvoiceID(h.ID, 2027), renewals.Payment{EventID: "evt_1", Kind: renewals.PaymentSucceeded,
		AmountCents: base, Currency: "usd"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetLapseWaived(t.Context(), e.staff, h.ID, 2027, true, "x")
	if fe, ok := fault.As(err); !ok || fe.Code != "invoice_paid" {
		t.Fatalf("a paid invoice: %v", err)
	}
}

// A sweep does a page of daily.PageSize holders a piece, each page queuing
// the next once; a page out of time stops, and delivered again goes on.
func TestService_IssueDuePages(t *testing.T) {
	e := newEnv(t)
	const holders = daily.PageSize*store.RenewableShards + 50 // more than a page in some shard
	for i := range holders {
		e.holder(t, fmt.Sprintf("p%03d", i), "CAS")
	}
	e.clk.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	// The first page piece of each shard is delivered first with too little
	// time: it stops before its first holder.
	if n, err := e.svc.IssueDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("plan: %d, %v", n, err)
	}
	short, cancel := context.WithDeadline(t.Context(), time.Now().Add(daily.Margin/2))
	defer cancel()
	stopped := 0
	for range 2 { // the plan's piece, then the shards' first pages
		pending, err := e.out.Pending(t.Context(), time.Now().Add(time.Hour), 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pending {
			if m.Queue != daily.Queue {
				continue
			}
			err := daily.Worker{renewals.Job: e.svc.Handle}.Handle(short, m.Body)
			if daily.IsOutOfTime(err) {
				stopped++
				continue // stays pending: delivered again below
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := e.out.Done(t.Context(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stopped != store.RenewableShards {
		t.Fatalf("%d first pages stopped for lack of time, want %d", stopped, store.RenewableShards)
	}
	e.tbl.queries = nil
	created, err := e.issueDue(t) // swept recently: plans nothing; the pieces left are done
	if err != nil || created != holders {
		t.Fatalf("created %d, %v; want %d", created, err, holders)
	}
	pages := 0
	for _, q := range e.tbl.queries {
		if q.Index == table.IndexGSI2 {
			pages++
			if q.Limit != daily.PageSize {
				t.Fatalf("a page of %d holders, want %d", q.Limit, daily.PageSize)
			}
		}
	}
	if pages <= store.RenewableShards {
		t.Fatalf("%d pages for %d holders in %d shards: the sweep did not page", pages, holders, store.RenewableShards)
	}
	if again, err := e.issueDue(t); err != nil || again != 0 {
		t.Fatalf("a second run created %d, %v", again, err)
	}
}

// TestService_OwnCycles: under 5-year cycles anchored on each holder's
// credential (policy/examples/brpt-recertification.yaml), each holder is
// invoiced on their own issue date, due on their own anniversary, and
// lapses on their own grace date.
func TestService_OwnCycles(t *testing.T) {
	pol, err := policy.LoadFile("../../policy/examples/brpt-recertification.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, pol)
	ctx := t.Context()
	e.clk.Set(time.Date(2027, 8, 1, 12, 0, 0, 0, time.UTC))
	staff := testkit.Accounts{Service: e.acc, Staff: e.staff}
	holder := func(n, earned, code string) accounts.Holder {
		return staff.Holder(t, holderCaller(n), accounts.NewHolder{FirstName: "Ann", LastName: "Lee " + n, Email: n + "@example.org"},
			testkit.Credentials(earned, code))
	}
	// a: due 15 March 2028, issued 16 November 2027 (120 days before).
	// b: due 1 August 2029. c: due 20 December 2027, issued 22 August 2027.
	a, b, c := holder("a", "2023-03-15", "RPSGT"), holder("b", "2024-08-01", "RPSGT"), holder("c", "2022-12-20", "CCSH")
	invoiced := func() map[string]renewals.Invoice {
		out := map[string]renewals.Invoice{}
		for _, h := range []accounts.Holder{a, b, c} {
			for y := 2027; y <= 2029; y++ {
				if inv, err := e.svc.Store.Get(ctx, renewals.InvoiceID(h.ID, y)); err == nil {
					out[inv.ID] = inv
				}
			}
		}
		return out
	}
	if n, err := e.issueDue(t); err != nil || n != 0 || len(invoiced()) != 0 {
		t.Fatalf("before anyone's issue date: %d, %v, %v", n, err, invoiced())
	}
	e.clk.Set(time.Date(2027, 9, 1, 12, 0, 0, 0, time.UTC))
	if n, err := e.issueDue(t); err != nil || n != 1 {
		t.Fatalf("on c's: %d, %v", n, err)
	}
	inv, err := e.svc.Store.Get(ctx, renewals.InvoiceID(c.ID, 2027))
	if err != nil || inv.DueOn != "2027-12-20" || inv.GraceUntil != "2028-02-18" || inv.CECsRequired != 5000 || inv.TotalCents != 32500 {
		t.Fatalf("c's invoice: %+v, %v", inv, err)
	}
	e.clk.Set(time.Date(2027, 11, 20, 12, 0, 0, 0, time.UTC))
	if n, err := e.issueDue(t); err != nil || n != 1 {
		t.Fatalf("on a's: %d, %v", n, err)
	}
	got := invoiced()
	if _, ok := got[renewals.InvoiceID(a.ID, 2028)]; !ok || len(got) != 2 {
		t.Fatalf("invoices %v: want c's 2027 and a's 2028, none of b's", slices.Collect(maps.Keys(got)))
	}
	if _, ok := renewals.NewInvoice(pol, b, 2027, e.clk.Now()); ok {
		t.Error("b has a renewal due in 2027")
	}
	// Credentials recorded now, earned on 1 December 2022: due 1 December
	// 2027, so the invoice comes at once.
	d := holder("d", "2022-12-01", "RPSGT")
	if inv, err := e.svc.Store.Get(ctx, renewals.InvoiceID(d.ID, 2027)); err != nil || inv.DueOn != "2027-12-01" {
		t.Fatalf("d's invoice after its credentials: %+v, %v", inv, err)
	}
	// d's grace ended on 30 January 2028, c's ends on 18 February; a's
	// renewal is not due until 15 March, so no earlier one of a's stands.
	for _, tc := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2028, 1, 30, 20, 0, 0, 0, time.UTC), nil},
		{time.Date(2028, 2, 18, 20, 0, 0, 0, time.UTC), []string{d.ID}},
		{time.Date(2028, 2, 19, 12, 0, 0, 0, time.UTC), []string{c.ID, d.ID}},
		{time.Date(2028, 5, 15, 12, 0, 0, 0, time.UTC), []string{a.ID, c.ID, d.ID}},
		// Five calendar years on, before c's next anniversary (20 December
		// 2032): the unpaid 2027 renewal is still the latest due, so still
		// lapsed; and after it, while the 2032 one is in grace, not yet.
		{time.Date(2032, 2, 1, 12, 0, 0, 0, time.UTC), []string{a.ID, c.ID, d.ID}},
	} {
		e.clk.Set(tc.now)
		lapsed, err := e.svc.LapsedAmong(ctx, []string{a.ID, b.ID, c.ID, d.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(maps.Keys(lapsed))
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("lapsed on %s: %v, want %v", tc.now.Format(time.DateOnly), got, want)
		}
	}
}

// TestService_Rejudge: the coming renewal's invoice keeps the verdict of
// the holder's CECs current, and the office's compliance counts move with
// it in the invoice's write; before the invoice, and when the verdict
// stands, nothing is written.
func TestService_Rejudge(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	stats := store.NewStats(e.tbl)
	counts := func() map[string]int64 {
		t.Helper()
		c, err := stats.Compliance(ctx, 2027)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c {
			if v == 0 {
				delete(c, k)
			}
		}
		return c
	}
	h := e.holder(t, "a", "CAM")
	if err := e.svc.Rejudge(ctx, h.ID); err != nil || len(counts()) != 0 {
		t.Fatalf("before the invoice: %v, counts %v", err, counts())
	}
	inv, _, err := e.svc.EnsureInvoice(ctx, h, 2027)
	if err != nil || !inv.CECsJudged || !slices.Contains(inv.CECsShort, "total") {
		t.Fatalf("issued: %+v, %v", inv, err)
	}
	short := map[string]int64{"short": 1}
	for _, r := range inv.CECsShort {
		short["short "+r] = 1
	}
	if got := counts(); !maps.Equal(got, short) {
		t.Fatalf("at issue %v, want %v", got, short)
	}
	// Six CECs of a compliance program in 2026 (the 2027 renewal's window).
	on := roster.Date{Year: 2026, Month: time.June, Day: 1}
	if refused, err := store.NewAttendance(e.tbl).Credit(ctx, []attendance.Credit{{ProgramID: "PRG-1", HolderID: h.ID, UploadID: "U-1",
		Line: 2, Completed: on, Title: "Fair Housing", ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(6), Compliance: true,
		Credited: e.clk.Now()}}); err != nil || len(refused) != 0 {
		t.Fatalf("credit: %v, %v", refused, err)
	}
	if err := e.svc.Rejudge(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if got := counts(); !maps.Equal(got, map[string]int64{"met": 1}) {
		t.Fatalf("after the credit %v, want met", got)
	}
	now, err := e.svc.Store.Get(ctx, inv.ID)
	if err != nil || len(now.CECsShort) != 0 || !now.CECsJudged {
		t.Fatalf("the invoice after the credit: %+v, %v", now, err)
	}
	// Again: the verdict stands, nothing written.
	if err := e.svc.Rejudge(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.svc.Store.Get(ctx, inv.ID); again.Version != now.Version {
		t.Fatalf("a standing verdict was written again: version %d, was %d", again.Version, now.Version)
	}
	if err := e.svc.Rejudge(ctx, "H-NOSUCH"); err != nil {
		t.Fatalf("a holder who is gone: %v", err)
	}
	// In January the coming renewal is 2028's, but 2027's is in its grace
	// period: a December program reported late counts for it, and moves it.
	b := e.holder(t, "b", "CAM")
	invB, _, err := e.svc.EnsureInvoice(ctx, b, 2027)
	if err != nil || len(invB.CECsShort) == 0 {
		t.Fatalf("b issued: %+v, %v", invB, err)
	}
	e.clk.Set(time.Date(2027, 1, 12, 15, 0, 0, 0, time.UTC))
	if refused, err := store.NewAttendance(e.tbl).Credit(ctx, []attendance.Credit{{ProgramID: "PRG-2", HolderID: b.ID, UploadID: "U-2",
		Line: 2, Completed: roster.Date{Year: 2026, Month: time.December, Day: 15}, Title: "Ethics", ProviderID: "P-1", ProviderName: "Acme",
		Hours: cec.Of(6), Compliance: true, Credited: e.clk.Now()}}); err != nil || len(refused) != 0 {
		t.Fatalf("credit b: %v, %v", refused, err)
	}
	if err := e.svc.Rejudge(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := counts(); !maps.Equal(got, map[string]int64{"met": 2}) {
		t.Fatalf("after b's late credit %v, want both met", got)
	}
}
