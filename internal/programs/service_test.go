package programs_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The service tests run the real Service on the real embedded table (bbolt),
// real accounts for the providers and the payment simulator; the only stand-in
// is the outbound Dispatcher, which records what the service sends on.

var (
	callerAcme  = identity.Caller{Sub: "sub-acme", Roles: []string{identity.RoleProvider}}
	callerBeta  = identity.Caller{Sub: "sub-beta", Roles: []string{identity.RoleProvider}}
	callerStaff = identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}
	// callerNone signed in as a provider but never registered one.
	callerNone = identity.Caller{Sub: "sub-none", Roles: []string{identity.RoleProvider}}
)

const (
	acmeEmail = "ce@acme.example.org"
	// serviceT0 is when each test starts: 10:00 on 1 November 2026 in New
	// York, 72 calendar days before complete(t) starts (12 January 2027,
	// 09:00 Chicago = 10:00 New York).
	serviceT0 = "2026-11-01T15:00:00Z"
)

type serviceEnv struct {
	svc *programs.Service
	// strict is the same service under a policy changed since submission
	// (at most 5 contact hours, where complete(t) asks for 6): what the
	// asynchronous validation can still refuse after Submit checked.
	strict     *programs.Service
	progs      programs.Store // the same table
	clk        *clock.Settable
	out        *store.Outbox
	sent       *testkit.Relay // the service's outbound port
	acme, beta accounts.Provider
}

func newServiceEnv(t *testing.T) *serviceEnv {
	t.Helper()
	clk := testkit.SettableAt(at(t, serviceT0))
	tbl := testkit.TempTable(t, testkit.NoSync, table.WithBoltNow(clk.Now))
	pol := testkit.Policy(t)
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, ids.New, testkit.NoDispatch{})
	sent := &testkit.Relay{}
	progs := store.NewPrograms(tbl)
	sim := &payments.Simulator{BaseURL: "http://127.0.0.1:8080"}
	strict := *pol
	strict.Programs.MaxContactHours = cec.Of(5)
	e := &serviceEnv{
		svc:    programs.NewService(progs, acc, sim, pol, clk, ids.New, sent),
		strict: programs.NewService(progs, acc, sim, &strict, clk, ids.New, sent),
		progs:  progs, clk: clk, out: store.NewOutbox(tbl), sent: sent,
	}
	kit := testkit.Accounts{Service: acc, Staff: callerStaff}
	e.acme = register(t, kit, callerAcme, "Acme Training", acmeEmail)
	e.beta = register(t, kit, callerBeta, "Beta Seminars", "office@beta.example.org")
	return e
}

func register(t *testing.T, kit testkit.Accounts, c identity.Caller, name, email string) accounts.Provider {
	t.Helper()
	return kit.Provider(t, c, accounts.NewProvider{Name: name, ContactName: "Carla Diaz", Email: email,
		Phone: "+1 202 555 0199", Address: accounts.Address{Line1: "9 K St NW", City: "Washington", Region: "DC",
			PostalCode: "20001", Country: "US"}})
}

func (e *serviceEnv) set(t *testing.T, s string) { t.Helper(); e.clk.Set(at(t, s)) }

func (e *serviceEnv) get(t *testing.T, id string) programs.Program {
	t.Helper()
	p, err := e.svc.Get(t.Context(), callerStaff, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return p
}

// pending returns the messages still in the table's outbox (the Relay
// never marks them sent, so every message written is there).
func (e *serviceEnv) pending(t *testing.T) []outbox.Message {
	t.Helper()
	// Outbox entries carry the real time, not the business clock.
	msgs, err := e.out.Pending(t.Context(), clock.System{}.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// stepsOf returns the messages on a step queue for program id.
func stepsOf(t *testing.T, msgs []outbox.Message, queue, id string) []outbox.Message {
	t.Helper()
	var out []outbox.Message
	for _, m := range msgs {
		if m.Queue != queue {
			continue
		}
		var st programs.Step
		if err := json.Unmarshal([]byte(m.Body), &st); err != nil {
			t.Fatalf("step message %s: %v", m.Body, err)
		}
		if st.ProgramID == id {
			out = append(out, m)
		}
	}
	return out
}

// mailsOf returns the email jobs with template about program id.
func mailsOf(t *testing.T, msgs []outbox.Message, template, id string) []notify.Job {
	t.Helper()
	var out []notify.Job
	for _, m := range msgs {
		if m.Queue != notify.Queue {
			continue
		}
		var j notify.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
			t.Fatalf("mail job %s: %v", m.Body, err)
		}
		if j.Template == template && j.Data["programId"] == id {
			out = append(out, j)
		}
	}
	return out
}

// only returns the body of the one message among msgs, failing otherwise.
func only(t *testing.T, what string, msgs []outbox.Message) string {
	t.Helper()
	if len(msgs) != 1 {
		t.Fatalf("%d %s messages, want 1: %+v", len(msgs), what, msgs)
	}
	return msgs[0].Body
}

// reach creates a program of Acme from in and drives it to status want
// through the service (and the consumers, as the queues would). Submit
// refuses what validation would, so Refused is reached the one way left:
// validated under a policy changed since submission (e.strict), which
// refuses in when it asks for more than 5 contact hours.
func (e *serviceEnv) reach(t *testing.T, in programs.Content, want programs.Status) programs.Program {
	t.Helper()
	ctx := t.Context()
	p, err := e.svc.Create(ctx, callerAcme, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if want == programs.Draft {
		return p
	}
	if p, err = e.svc.Submit(ctx, callerAcme, p.ID); err != nil {
		var f *fault.Error
		errors.As(err, &f)
		t.Fatalf("submit: %v %+v", err, f.Details)
	}
	if want == programs.Submitted {
		return p
	}
	validator := e.svc
	if want == programs.Refused {
		validator = e.strict
	}
	if err := validator.Validate(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if p = e.get(t, p.ID); want == programs.Refused || p.Status == programs.Refused {
		if p.Status != want {
			t.Fatalf("status %s after validation (problems %s), want %s", p.Status, fields(p.Problems), want)
		}
		return p
	}
	if err := e.svc.Invoice(ctx, only(t, "fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))); err != nil {
		t.Fatalf("invoice: %v", err)
	}
	if p = e.get(t, p.ID); want == programs.FeeDue {
		if p.Status != want {
			t.Fatalf("status %s after invoicing, want %s", p.Status, want)
		}
		return p
	}
	if p, err = e.svc.RecordFeePaid(ctx, p.ID, p.Fee.InvoiceID, "pi_test"); err != nil {
		t.Fatalf("record fee paid: %v", err)
	}
	if want == programs.InReview {
		return p
	}
	d := programs.Decision{Approve: want == programs.Approved, Reason: "not what we accredit"}
	if p, err = e.svc.Decide(ctx, callerStaff, p.ID, d); err != nil {
		t.Fatalf("decide: %v", err)
	}
	if p.Status != want {
		t.Fatalf("status %s, want %s", p.Status, want)
	}
	return p
}

// trail is the statuses a program went through.
func trail(h []programs.Transition) string {
	var s []string
	for _, tr := range h {
		s = append(s, string(tr.To))
	}
	return strings.Join(s, ",")
}

func wantFault(t *testing.T, err error, kind fault.Kind, code string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error %v, want kind %d code %s", err, kind, code)
	}
	return fe
}

func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d >= 0 && d < 10*time.Second
}

func calendarIDs(t *testing.T, e *serviceEnv, from, to *time.Time) []string {
	t.Helper()
	entries, _, err := e.svc.Calendar(t.Context(), from, to, programs.Page{})
	if err != nil {
		t.Fatalf("calendar: %v", err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.ProgramID)
	}
	return out
}

func queueIDs(t *testing.T, e *serviceEnv, s programs.Status) []string {
	t.Helper()
	ps, _, err := e.svc.ReviewQueue(t.Context(), callerStaff, s, programs.Page{})
	if err != nil {
		t.Fatalf("review queue %q: %v", s, err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func timeRef(t time.Time) *time.Time { return &t }

// TestService_Lifecycle follows one application through SPEC §1 with the
// clock set: draft → submitted → (validated) → fee_due → paid → in_review →
// approved → on the calendar.
func TestService_Lifecycle(t *testing.T) {
	e := newServiceEnv(t)
	ctx := t.Context()
	t0 := at(t, serviceT0)
	in := complete(t)
	in.CalendarOptIn = true
	var p programs.Program
	var invoice, reference string
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("Create", func(t *testing.T) {
		var err error
		if p, err = e.svc.Create(ctx, callerAcme, in); err != nil {
			t.Fatal(err)
		}
		if p.Status != programs.Draft || p.ProviderID != e.acme.ID || p.ProviderName != "Acme Training" ||
			p.ProviderEmail != acmeEmail || p.Version != 1 || p.Submission != 0 || p.Fee != nil {
			t.Fatalf("created %+v", p)
		}
		h := p.History
		if len(h) != 1 || h[0].From != "" || h[0].To != programs.Draft || h[0].By != callerAcme.Sub ||
			h[0].Reason != "created" || !near(h[0].At, t0) {
			t.Fatalf("history %+v", h)
		}
		got := e.get(t, p.ID)
		if got.Status != programs.Draft || trail(got.History) != "draft" || got.Title != in.Title || !got.StartsAt.Equal(*in.StartsAt) {
			t.Fatalf("read back %+v", got)
		}
		if n := len(e.sent.Sent()); n != 0 {
			t.Fatalf("a draft dispatched %d messages", n)
		}
	})

	step("Submit", func(t *testing.T) {
		var err error
		if p, err = e.svc.Submit(ctx, callerAcme, p.ID); err != nil {
			t.Fatal(err)
		}
		if p.Status != programs.Submitted || p.Submission != 1 || !near(p.SubmittedAt, t0) || p.Validated != 0 {
			t.Fatalf("submitted %+v", p)
		}
		if last := p.History[len(p.History)-1]; trail(p.History) != "draft,submitted" || last.From != programs.Draft || last.By != callerAcme.Sub {
			t.Fatalf("history %+v", p.History)
		}
		dispatched := stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID)
		pending := stepsOf(t, e.pending(t), programs.ValidationQueue, p.ID)
		body := only(t, "dispatched validation", dispatched)
		only(t, "pending validation", pending)
		if dispatched[0].ID != pending[0].ID || pending[0].Body != body {
			t.Fatalf("dispatched %+v, pending %+v", dispatched[0], pending[0])
		}
		var st programs.Step
		if err := json.Unmarshal([]byte(body), &st); err != nil || st != (programs.Step{ProgramID: p.ID, Submission: 1}) {
			t.Fatalf("validation message %s (%v)", body, err)
		}
	})

	step("Validate", func(t *testing.T) {
		body := stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID)[0].Body
		if err := e.svc.Validate(ctx, body); err != nil {
			t.Fatal(err)
		}
		got := e.get(t, p.ID)
		if got.Status != programs.Submitted || got.Validated != 1 || trail(got.History) != "draft,submitted" || len(got.Problems) != 0 {
			t.Fatalf("validated %+v", got)
		}
		fee := only(t, "dispatched fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))
		if pend := only(t, "pending fee", stepsOf(t, e.pending(t), programs.FeeQueue, p.ID)); pend != fee {
			t.Fatalf("pending %s, dispatched %s", pend, fee)
		}
	})

	step("Invoice", func(t *testing.T) {
		body := stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID)[0].Body
		if err := e.svc.Invoice(ctx, body); err != nil {
			t.Fatal(err)
		}
		p = e.get(t, p.ID)
		f := p.Fee
		if p.Status != programs.FeeDue || f == nil {
			t.Fatalf("invoiced %+v", p)
		}
		invoice = programs.InvoiceID(p.ID, 1)
		// 6 CECs × $50, submitted 72 days before the start: no late fee.
		if f.InvoiceID != invoice || f.AmountCents != 30000 || f.Currency != "USD" || f.Late || f.CECs != in.ContactHours ||
			f.PerCECCents != 5000 || f.DaysBefore != 72 || f.Status != programs.FeeOpen || !near(f.IssuedAt, t0) ||
			!f.PaidAt.IsZero() || f.Checkout != nil {
			t.Fatalf("fee %+v", *f)
		}
		if id, ok := programs.ProgramOfInvoice(invoice); !ok || id != p.ID {
			t.Fatalf("ProgramOfInvoice(%s) = %s, %v", invoice, id, ok)
		}
		last := p.History[len(p.History)-1]
		if trail(p.History) != "draft,submitted,fee_due" || last.By != "system" || !strings.Contains(last.Reason, "300.00 USD") {
			t.Fatalf("history %+v", p.History)
		}
		jobs := mailsOf(t, e.sent.Sent(), "program_invoice", p.ID)
		if len(jobs) != 1 || !slices.Equal(jobs[0].To, []string{acmeEmail}) || jobs[0].Data["invoiceId"] != invoice ||
			jobs[0].Data["amount"] != "300.00 USD" || jobs[0].Data["late"] != "false" {
			t.Fatalf("invoice emails %+v", jobs)
		}
		if n := len(mailsOf(t, e.pending(t), "program_invoice", p.ID)); n != 1 {
			t.Fatalf("%d invoice emails pending in the outbox, want 1", n)
		}
	})

	step("StartCheckout", func(t *testing.T) {
		first, err := e.svc.StartCheckout(ctx, callerAcme, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		afterFirst := e.get(t, p.ID)
		second, err := e.svc.StartCheckout(ctx, callerAcme, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		reference = first.Reference
		if reference == "" || second.Reference != reference || second.URL != first.URL {
			t.Fatalf("checkouts %+v and %+v", first, second)
		}
		got := e.get(t, p.ID)
		if co := got.Fee.Checkout; co == nil || co.Reference != reference || co.URL != first.URL || !near(co.CreatedAt, t0) {
			t.Fatalf("recorded checkout %+v", got.Fee.Checkout)
		}
		if got.Version != afterFirst.Version || got.Status != programs.FeeDue {
			t.Fatalf("the second checkout rewrote the program: version %d → %d", afterFirst.Version, got.Version)
		}
	})

	step("RecordFeePaid", func(t *testing.T) {
		got, err := e.svc.RecordFeePaid(ctx, p.ID, invoice, reference)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != programs.InReview || trail(got.History) != "draft,submitted,fee_due,paid,in_review" ||
			got.Fee.Status != programs.FeePaid || !near(got.Fee.PaidAt, t0) {
			t.Fatalf("paid %+v, fee %+v", got, got.Fee)
		}
		if paid := got.History[3]; !strings.Contains(paid.Reason, reference) || paid.By != "system" {
			t.Fatalf("paid transition %+v", paid)
		}
		again, err := e.svc.RecordFeePaid(ctx, p.ID, invoice, reference)
		if err != nil {
			t.Fatalf("second webhook: %v", err)
		}
		stored := e.get(t, p.ID)
		if again.Status != programs.InReview || stored.Version != got.Version || len(stored.History) != len(got.History) {
			t.Fatalf("second webhook changed the program: version %d → %d, history %s", got.Version, stored.Version, trail(stored.History))
		}
	})

	step("ReviewQueue", func(t *testing.T) {
		if ids := queueIDs(t, e, programs.InReview); !slices.Equal(ids, []string{p.ID}) {
			t.Fatalf("in_review queue %v", ids)
		}
		if ids := queueIDs(t, e, ""); !slices.Equal(ids, []string{p.ID}) {
			t.Fatalf("default queue %v", ids)
		}
		for _, s := range []programs.Status{programs.Draft, programs.FeeDue, programs.Submitted} {
			if ids := queueIDs(t, e, s); len(ids) != 0 {
				t.Fatalf("%s queue %v", s, ids)
			}
		}
	})

	step("Decide", func(t *testing.T) {
		got, err := e.svc.Decide(ctx, callerStaff, p.ID, programs.Decision{Approve: true})
		if err != nil {
			t.Fatal(err)
		}
		last := got.History[len(got.History)-1]
		if got.Status != programs.Approved || last.By != callerStaff.Sub || last.From != programs.InReview {
			t.Fatalf("decided %+v", got)
		}
		var by []string
		for _, tr := range got.History {
			by = append(by, tr.By)
		}
		if want := []string{"sub-acme", "sub-acme", "system", "system", "system", "sub-staff"}; !slices.Equal(by, want) {
			t.Fatalf("history by %v, want %v", by, want)
		}
		jobs := mailsOf(t, e.sent.Sent(), "program_decision", p.ID)
		if len(jobs) != 1 || jobs[0].Data["decision"] != "approved" || !slices.Equal(jobs[0].To, []string{acmeEmail}) {
			t.Fatalf("decision emails %+v", jobs)
		}
		if n := len(mailsOf(t, e.pending(t), "program_decision", p.ID)); n != 1 {
			t.Fatalf("%d decision emails pending, want 1", n)
		}
		if ids := queueIDs(t, e, programs.InReview); len(ids) != 0 {
			t.Fatalf("decided program still in the review queue: %v", ids)
		}
	})

	step("Calendar", func(t *testing.T) {
		start := *in.StartsAt
		for _, tc := range []struct {
			name     string
			from, to *time.Time
			listed   bool
		}{
			{"Default", nil, nil, true},
			{"AroundStart", timeRef(start.Add(-time.Hour)), timeRef(start.Add(time.Hour)), true},
			{"FromIsInclusive", timeRef(start), timeRef(start.Add(time.Hour)), true},
			{"ToIsExclusive", timeRef(start.Add(-time.Hour)), timeRef(start), false},
			{"Before", timeRef(start.AddDate(0, 0, -7)), timeRef(start.AddDate(0, 0, -1)), false},
			{"After", timeRef(start.Add(time.Minute)), timeRef(start.AddDate(0, 0, 7)), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				entries, _, err := e.svc.Calendar(ctx, tc.from, tc.to, programs.Page{})
				if err != nil {
					t.Fatal(err)
				}
				if !tc.listed {
					if len(entries) != 0 {
						t.Fatalf("listed %+v", entries)
					}
					return
				}
				if len(entries) != 1 {
					t.Fatalf("%d entries, want 1", len(entries))
				}
				en := entries[0]
				if en.ProgramID != p.ID || en.Title != in.Title || en.ProviderName != "Acme Training" ||
					!en.StartsAt.Equal(start) || !en.EndsAt.Equal(*in.EndsAt) || en.ContactHours != in.ContactHours {
					t.Fatalf("entry %+v", en)
				}
			})
		}
	})
}

// TestService_Validate covers the validation queue's consumer: duplicates,
// stale submissions and bad messages.
func TestService_Validate(t *testing.T) {
	ctx := t.Context()

	t.Run("SameMessageTwice", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Submitted)
		body := only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))
		if err := e.svc.Validate(ctx, body); err != nil {
			t.Fatal(err)
		}
		first := e.get(t, p.ID)
		if err := e.svc.Validate(ctx, body); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		second := e.get(t, p.ID)
		if second.Version != first.Version || trail(second.History) != trail(first.History) || second.Validated != 1 {
			t.Fatalf("redelivery changed the program: %+v → %+v", first, second)
		}
		only(t, "dispatched fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))
		only(t, "pending fee", stepsOf(t, e.pending(t), programs.FeeQueue, p.ID))
	})

	t.Run("ConcurrentDeliveries", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Submitted)
		body := only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = e.svc.Validate(ctx, body) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		only(t, "dispatched fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))
		only(t, "pending fee", stepsOf(t, e.pending(t), programs.FeeQueue, p.ID))
		if got := e.get(t, p.ID); got.Version != p.Version+1 {
			t.Fatalf("version %d after one validation of version %d", got.Version, p.Version)
		}
	})

	t.Run("StaleSubmission", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Refused)
		old := only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))
		if _, err := e.svc.Edit(ctx, callerAcme, p.ID, complete(t)); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Submit(ctx, callerAcme, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Submission != 2 {
			t.Fatalf("submission %d, want 2", p.Submission)
		}
		for _, consume := range []func(context.Context, string) error{e.svc.Validate, e.svc.Invoice} {
			if err := consume(ctx, old); err != nil {
				t.Fatalf("stale message: %v", err)
			}
		}
		got := e.get(t, p.ID)
		if got.Version != p.Version || got.Status != programs.Submitted || got.Validated != 0 || got.Fee != nil {
			t.Fatalf("a message of submission 1 changed submission 2: %+v", got)
		}
		if n := len(stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID)); n != 0 {
			t.Fatalf("%d fee messages from a stale validation", n)
		}
		// The current submission's message still goes through.
		msgs := stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID)
		if len(msgs) != 2 {
			t.Fatalf("%d validation messages, want 2", len(msgs))
		}
		if err := e.svc.Validate(ctx, msgs[1].Body); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, p.ID); got.Validated != 2 {
			t.Fatalf("validated %d, want 2", got.Validated)
		}
	})

	t.Run("ErrMalformed", func(t *testing.T) {
		e := newServiceEnv(t)
		// A body that can never be handled is an error, so that the queue
		// retries it and finally moves it to the dead-letter queue.
		for _, body := range []string{"", "{", "{}", "[]", `{"programId":"x","submission":0}`,
			`{"programId":"","submission":1}`, `{"programId":"x","submission":-1}`, `{"programId":"x","submission":"1"}`} {
			if err := e.svc.Validate(ctx, body); err == nil {
				t.Errorf("Validate(%q) = nil", body)
			}
			if err := e.svc.Invoice(ctx, body); err == nil {
				t.Errorf("Invoice(%q) = nil", body)
			}
		}
	})

	t.Run("UnknownProgram", func(t *testing.T) {
		e := newServiceEnv(t)
		body := `{"programId":"PRG-NOSUCHTHING","submission":1}`
		for _, consume := range []func(context.Context, string) error{e.svc.Validate, e.svc.Invoice} {
			if err := consume(ctx, body); err != nil {
				t.Fatalf("a message for a missing program is acknowledged, got %v", err)
			}
		}
		if n := len(e.sent.Sent()); n != 0 {
			t.Fatalf("dispatched %d messages", n)
		}
	})
}

// TestService_Submit_Refusals: Submit answers at once, with every field to
// complete or correct, an application that is incomplete or whose program
// has started; it writes nothing, queues nothing and mails nothing, and
// the draft can be completed and submitted.
func TestService_Submit_Refusals(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name     string
		now      string // when it is submitted
		content  func(t *testing.T) programs.Content
		problems string
	}{
		{"Empty", serviceT0, func(*testing.T) programs.Content { return programs.Content{} },
			"contactHours:required,description:required,endsAt:required,format:required,instructors:required,objectives:required,startsAt:required,timeZone:required,title:required"},
		{"Incomplete", serviceT0, func(*testing.T) programs.Content { return programs.Content{Title: "Fair Housing Update"} },
			"contactHours:required,description:required,endsAt:required,format:required,instructors:required,objectives:required,startsAt:required,timeZone:required"},
		{"OnlineWithoutURL", serviceT0, func(t *testing.T) programs.Content {
			c := complete(t)
			c.Format, c.Location = programs.LiveOnline, ""
			return c
		}, "url:required"},
		{"MissingAndWrongTogether", serviceT0, func(t *testing.T) programs.Content {
			c := complete(t)
			c.Description, c.Instructors = "", nil
			c.ContactHours = cec.Of(9) // 8 hours from 9 to 17
			return c
		}, "contactHours:exceeds_duration,description:required,instructors:required"},
		// complete(t) starts 2027-01-12T15:00Z.
		{"ProgramStarted", "2027-01-12T16:00:00Z", complete, "startsAt:program_started"},
		{"StartedThatMorning", "2027-01-12T15:00:01Z", complete, "startsAt:program_started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			e.set(t, tc.now)
			p, err := e.svc.Create(ctx, callerAcme, tc.content(t))
			if err != nil {
				t.Fatal(err)
			}
			before := e.pending(t)   // the providers' welcome emails
			for attempt := range 2 { // a second try is refused the same way
				_, err := e.svc.Submit(ctx, callerAcme, p.ID)
				fe := wantFault(t, err, fault.Unprocessable, programs.CodeIncomplete)
				if got := fields(fe.Details); got != tc.problems {
					t.Fatalf("attempt %d: details %q, want %q", attempt+1, got, tc.problems)
				}
				for _, d := range fe.Details {
					if d.Message == "" {
						t.Fatalf("detail %+v has no message", d)
					}
				}
			}
			got := e.get(t, p.ID)
			if got.Version != p.Version || got.Status != programs.Draft || trail(got.History) != "draft" ||
				got.Submission != 0 || !got.SubmittedAt.IsZero() || len(got.Problems) != 0 {
				t.Fatalf("a refused submission wrote: %+v", got)
			}
			if n := len(e.sent.Sent()); n != 0 {
				t.Fatalf("a refused submission dispatched %d messages", n)
			}
			if after := e.pending(t); len(after) != len(before) {
				t.Fatalf("a refused submission left messages in the outbox (no step, no email wanted): %+v, before %+v", after, before)
			}
		})
	}

	t.Run("CompletedThenSubmitted", func(t *testing.T) {
		e := newServiceEnv(t)
		p, err := e.svc.Create(ctx, callerAcme, programs.Content{Title: "Fair Housing Update"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Submit(ctx, callerAcme, p.ID)
		wantFault(t, err, fault.Unprocessable, programs.CodeIncomplete)
		if _, err := e.svc.Edit(ctx, callerAcme, p.ID, complete(t)); err != nil {
			t.Fatal(err)
		}
		if p, err = e.svc.Submit(ctx, callerAcme, p.ID); err != nil || p.Status != programs.Submitted || p.Submission != 1 {
			t.Fatalf("submit the completed draft: %v, %+v", err, p)
		}
		only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))
		if n := len(mailsOf(t, e.pending(t), "program_refused", p.ID)); n != 0 {
			t.Fatalf("%d refusal emails", n)
		}
	})

	t.Run("NotADraftIsAConflictFirst", func(t *testing.T) {
		// The status is judged before the content: an application already
		// submitted is illegal_transition, whatever it holds.
		e := newServiceEnv(t)
		p, _ := e.legacy(t, programs.Content{Title: "Fair Housing Update"})
		_, err := e.svc.Submit(ctx, callerAcme, p.ID)
		wantFault(t, err, fault.Conflict, "illegal_transition")
	})
}

// legacy stores an application of Acme as submitted without Submit's check
// (as submissions accepted before it existed were), with its validation
// message, and returns it and the message's body.
func (e *serviceEnv) legacy(t *testing.T, c programs.Content) (programs.Program, string) {
	t.Helper()
	now := e.clk.Now().UTC()
	p := programs.Program{ID: ids.New("PRG"), ProviderID: e.acme.ID, ProviderName: e.acme.Name, ProviderEmail: e.acme.Email,
		Content: c, Status: programs.Submitted, Submission: 1, SubmittedAt: now, CreatedAt: now, UpdatedAt: now, Version: 1,
		History: []programs.Transition{{At: now, By: callerAcme.Sub, To: programs.Draft, Reason: "created"},
			{At: now, By: callerAcme.Sub, From: programs.Draft, To: programs.Submitted, Reason: "submitted by the provider"}}}
	m, err := outbox.New(programs.ValidationQueue, programs.Step{ProgramID: p.ID, Submission: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.progs.Create(t.Context(), p, m); err != nil {
		t.Fatal(err)
	}
	return e.get(t, p.ID), m.Body
}

// TestService_Validate_Refusals: the asynchronous validation still refuses
// what Submit could not see: a submission accepted before Submit checked
// (incomplete, or of a program that had started), or one judged under a
// policy changed since. It tells the provider once, and a refused
// application can be edited and submitted again.
func TestService_Validate_Refusals(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name     string
		submit   func(t *testing.T, e *serviceEnv) (programs.Program, string)
		validate func(e *serviceEnv) *programs.Service
		problems string
	}{
		{"PolicyChangedSinceSubmission", func(t *testing.T, e *serviceEnv) (programs.Program, string) {
			p := e.reach(t, complete(t), programs.Submitted)
			return p, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))
		}, func(e *serviceEnv) *programs.Service { return e.strict }, "contactHours:out_of_range"},
		{"SubmittedIncompleteBeforeTheCheck", func(t *testing.T, e *serviceEnv) (programs.Program, string) {
			return e.legacy(t, programs.Content{Title: "Fair Housing Update"})
		}, func(e *serviceEnv) *programs.Service { return e.svc },
			"contactHours:required,description:required,endsAt:required,format:required,instructors:required,objectives:required,startsAt:required,timeZone:required"},
		{"SubmittedAfterTheStartBeforeTheCheck", func(t *testing.T, e *serviceEnv) (programs.Program, string) {
			e.set(t, "2027-01-12T16:00:00Z") // complete(t) starts 2027-01-12T15:00Z
			return e.legacy(t, complete(t))
		}, func(e *serviceEnv) *programs.Service { return e.svc }, "startsAt:program_started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			p, body := tc.submit(t, e)
			if err := tc.validate(e).Validate(ctx, body); err != nil {
				t.Fatal(err)
			}
			p = e.get(t, p.ID)
			last := p.History[len(p.History)-1]
			if p.Status != programs.Refused || fields(p.Problems) != tc.problems {
				t.Fatalf("status %s, problems %q; want refused, %q", p.Status, fields(p.Problems), tc.problems)
			}
			if last.By != "system" || last.From != programs.Submitted || last.To != programs.Refused || last.Reason == "" {
				t.Fatalf("refusal %+v", last)
			}
			// The reason is kept and emailed: in the form's words, no API field (issue 14).
			for _, pr := range strings.Split(tc.problems, ",") {
				if field, _, _ := strings.Cut(pr, ":"); strings.HasPrefix(last.Reason, field+":") || strings.Contains(last.Reason, "; "+field+":") {
					t.Fatalf("the refusal names the field %q as the API does: %q", field, last.Reason)
				}
			}
			jobs := mailsOf(t, e.sent.Sent(), "program_refused", p.ID)
			if len(jobs) != 1 || !slices.Equal(jobs[0].To, []string{acmeEmail}) || jobs[0].Data["reasons"] != last.Reason {
				t.Fatalf("refusal emails %+v", jobs)
			}
			if n := len(mailsOf(t, e.pending(t), "program_refused", p.ID)); n != 1 {
				t.Fatalf("%d refusal emails pending, want 1", n)
			}
			if n := len(stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID)); n != 0 {
				t.Fatalf("a refused program went to the fee step (%d messages)", n)
			}
			if err := tc.validate(e).Validate(ctx, body); err != nil || e.get(t, p.ID).Version != p.Version {
				t.Fatalf("redelivery after refusal: %v", err)
			}
			if n := len(mailsOf(t, e.sent.Sent(), "program_refused", p.ID)); n != 1 {
				t.Fatalf("redelivery mailed the refusal again (%d)", n)
			}
		})
	}

	t.Run("EditAndSubmitAgain", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Refused)
		edited, err := e.svc.Edit(ctx, callerAcme, p.ID, complete(t))
		if err != nil {
			t.Fatal(err)
		}
		last := edited.History[len(edited.History)-1]
		if edited.Status != programs.Draft || trail(edited.History) != "draft,submitted,refused,draft" ||
			last.From != programs.Refused || last.By != callerAcme.Sub || edited.Description != complete(t).Description {
			t.Fatalf("edited %+v", edited)
		}
		again, err := e.svc.Submit(ctx, callerAcme, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Status != programs.Submitted || again.Submission != 2 || len(again.Problems) != 0 || again.Fee != nil {
			t.Fatalf("resubmitted %+v", again)
		}
		if got := e.get(t, p.ID); len(got.Problems) != 0 || got.Fee != nil {
			t.Fatalf("stored after resubmission: problems %v, fee %+v", got.Problems, got.Fee)
		}
		msgs := stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID)
		if err := e.svc.Validate(ctx, msgs[len(msgs)-1].Body); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Invoice(ctx, only(t, "fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))); err != nil {
			t.Fatal(err)
		}
		got := e.get(t, p.ID)
		if got.Status != programs.FeeDue || got.Fee.InvoiceID != programs.InvoiceID(p.ID, 2) {
			t.Fatalf("second submission: %s, fee %+v", got.Status, got.Fee)
		}
		if id, ok := programs.ProgramOfInvoice(got.Fee.InvoiceID); !ok || id != p.ID {
			t.Fatalf("ProgramOfInvoice(%s) = %s", got.Fee.InvoiceID, id)
		}
	})
}

// TestService_Invoice covers the fee queue's consumer and the fee it issues:
// $50 per CEC, $25 more when submitted 30 or fewer calendar days before the
// start date, counted in the association's zone (America/New_York) at the
// moment of submission.
func TestService_Invoice(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name      string
		submitted string
		consumed  string // when the consumers run, if later
		days      int
		late      bool
		cents     int64
	}{
		// complete(t): 6 CECs from 2027-01-12 10:00 New York.
		{"72DaysBefore", serviceT0, "", 72, false, 30000},
		{"20DaysBefore", "2026-12-23T15:00:00Z", "", 20, true, 45000},
		{"30DaysBeforeIsLate", "2026-12-13T15:00:00Z", "", 30, true, 45000},
		{"31DaysBefore", "2026-12-12T15:00:00Z", "", 31, false, 30000},
		// 04:30 UTC on 13 December is still the 12th in New York.
		{"NewYorkDateNotUTCDate", "2026-12-13T04:30:00Z", "", 31, false, 30000},
		{"SameDay", "2027-01-12T12:00:00Z", "", 0, true, 45000},
		// Priced at the moment of submission, not when the queue delivers.
		{"PricedAtSubmission", "2026-12-12T15:00:00Z", "2026-12-20T15:00:00Z", 31, false, 30000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			e.set(t, tc.submitted)
			p := e.reach(t, complete(t), programs.Submitted)
			if tc.consumed != "" {
				e.set(t, tc.consumed)
			}
			if err := e.svc.Validate(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Invoice(ctx, only(t, "fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))); err != nil {
				t.Fatal(err)
			}
			got := e.get(t, p.ID)
			f := got.Fee
			if got.Status != programs.FeeDue || f == nil {
				t.Fatalf("status %s, fee %+v", got.Status, f)
			}
			if f.DaysBefore != tc.days || f.Late != tc.late || f.AmountCents != tc.cents || f.Currency != "USD" {
				t.Fatalf("fee %d days, late %v, %d %s; want %d, %v, %d USD", f.DaysBefore, f.Late, f.AmountCents, f.Currency, tc.days, tc.late, tc.cents)
			}
			if reason := got.History[len(got.History)-1].Reason; strings.Contains(reason, "late fee") != tc.late {
				t.Fatalf("history reason %q, late %v", reason, tc.late)
			}
			jobs := mailsOf(t, e.sent.Sent(), "program_invoice", p.ID)
			if len(jobs) != 1 || jobs[0].Data["late"] != map[bool]string{true: "true", false: "false"}[tc.late] {
				t.Fatalf("invoice emails %+v", jobs)
			}
		})
	}

	t.Run("SameMessageTwice", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.FeeDue)
		body := only(t, "fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))
		e.set(t, "2026-11-05T15:00:00Z")
		if err := e.svc.Invoice(ctx, body); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		got := e.get(t, p.ID)
		if got.Version != p.Version || !got.Fee.IssuedAt.Equal(p.Fee.IssuedAt) || trail(got.History) != "draft,submitted,fee_due" {
			t.Fatalf("redelivery re-invoiced: %+v → %+v", p.Fee, got.Fee)
		}
		if n := len(mailsOf(t, e.sent.Sent(), "program_invoice", p.ID)); n != 1 {
			t.Fatalf("%d invoice emails dispatched, want 1", n)
		}
		if n := len(mailsOf(t, e.pending(t), "program_invoice", p.ID)); n != 1 {
			t.Fatalf("%d invoice emails pending, want 1", n)
		}
	})

	t.Run("BeforeValidation", func(t *testing.T) {
		// A fee message cannot precede its validation; if one did (forged or
		// misrouted), it must not invoice an unvalidated submission.
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Submitted)
		if err := e.svc.Invoice(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, p.ID); got.Version != p.Version || got.Fee != nil {
			t.Fatalf("invoiced before validation: %+v", got)
		}
	})
}

// TestService_SeveralOfferings: an application of three offerings whose
// first had started at submission (SPEC §1): that one is refused by itself,
// the others are invoiced each on its own start and summed.
func TestService_SeveralOfferings(t *testing.T) {
	ctx := t.Context()
	e := newServiceEnv(t)
	e.set(t, serviceT0) // 1 November 2026, 10:00 in New York
	c := complete(t)
	s1, e1 := at(t, "2026-10-30T09:00:00-05:00"), at(t, "2026-10-30T17:00:00-05:00")
	s2, e2 := at(t, "2026-11-21T09:00:00-06:00"), at(t, "2026-11-21T17:00:00-06:00") // 20 days: late
	c.StartsAt, c.EndsAt = &s1, &e1
	c.MoreOfferings = []programs.Offering{
		{StartsAt: &s2, EndsAt: &e2, TimeZone: "America/Chicago", Location: "Palmer House, Chicago"},
		{StartsAt: c2(t, "2027-01-12T09:00:00-06:00"), EndsAt: c2(t, "2027-01-12T17:00:00-06:00"), TimeZone: "America/Chicago", Location: "Hilton, Chicago"},
	}
	p := e.reach(t, c, programs.Submitted)
	var active []int
	for _, o := range p.ActiveOfferings() {
		active = append(active, o.N)
	}
	if len(p.RefusedOfferings) != 1 || p.RefusedOfferings[0].Offering != 1 || !slices.Equal(active, []int{2, 3}) {
		t.Fatalf("refused %+v, active %v", p.RefusedOfferings, active)
	}
	if _, ok := p.Offering(1); ok {
		t.Fatal("the refused offering 1 is still offered")
	}
	if r := p.History[len(p.History)-1].Reason; !strings.Contains(r, "offering 1 had started") || !strings.Contains(r, "will not be considered (the other offerings are)") {
		t.Fatalf("history %q", r)
	}
	if err := e.svc.Validate(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, p.ID))); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Invoice(ctx, only(t, "fee", stepsOf(t, e.sent.Sent(), programs.FeeQueue, p.ID))); err != nil {
		t.Fatal(err)
	}
	got := e.get(t, p.ID)
	f := got.Fee
	// 6 CECs × ($50 + $25 late) for offering 2, 6 × $50 for offering 3.
	if got.Status != programs.FeeDue || f.AmountCents != 45000+30000 || f.CECs != cec.Of(12) || !f.Late || len(f.Offerings) != 2 {
		t.Fatalf("status %s, fee %+v", got.Status, f)
	}
	for i, want := range []programs.OfferingFee{{Offering: 2, Late: true, DaysBefore: 20, PerCECCents: 7500, AmountCents: 45000},
		{Offering: 3, Late: false, DaysBefore: 72, PerCECCents: 5000, AmountCents: 30000}} {
		l := f.Offerings[i]
		l.StartsAt = time.Time{}
		if l != want {
			t.Fatalf("line %d: %+v, want %+v", i, l, want)
		}
	}
	if len(got.RefusedOfferings) != 1 {
		t.Fatalf("validation lost the refusal: %+v", got.RefusedOfferings)
	}
	jobs := mailsOf(t, e.sent.Sent(), "program_invoice", p.ID)
	if len(jobs) != 1 || !strings.Contains(jobs[0].Data["offerings"], "Offering 2, starting 21 November 2026: 450.00 USD, late fee included") ||
		!strings.Contains(jobs[0].Data["offerings"], "Offering 3, starting 12 January 2027: 300.00 USD") ||
		!strings.Contains(jobs[0].Data["refused"], "Offering 1 had started") {
		t.Fatalf("invoice email %+v", jobs)
	}

	t.Run("EveryOfferingStartedRefusesTheApplication", func(t *testing.T) {
		c := complete(t)
		c.StartsAt, c.EndsAt = &s1, &e1
		c.MoreOfferings = []programs.Offering{{StartsAt: &s1, EndsAt: &e1, TimeZone: "America/Chicago", Location: "Palmer House"}}
		d, err := e.svc.Create(ctx, callerAcme, c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Submit(ctx, callerAcme, d.ID)
		var f *fault.Error
		if !errors.As(err, &f) || f.Code != programs.CodeIncomplete || len(f.Details) != 2 ||
			f.Details[0].Field != "moreOfferings[0].startsAt" || !strings.Contains(f.Details[0].Message, "Offering 2 had started") {
			t.Fatalf("submit: %v %+v", err, f.Details)
		}
	})

	t.Run("EditClearsRefusals", func(t *testing.T) {
		// Refused by validation (a policy that changed, say) and edited: the
		// draft's offerings may be renumbered, so no refusal stays.
		c := complete(t)
		c.StartsAt, c.EndsAt = &s1, &e1
		c.MoreOfferings = []programs.Offering{{StartsAt: &s2, EndsAt: &e2, TimeZone: " America/Chicago ", Location: " Palmer House "}}
		d := e.reach(t, c, programs.Submitted)
		if len(d.RefusedOfferings) != 1 || d.MoreOfferings[0].TimeZone != "America/Chicago" || d.MoreOfferings[0].Location != "Palmer House" {
			t.Fatalf("submitted %+v, offerings %+v", d.RefusedOfferings, d.MoreOfferings)
		}
		if err := e.strict.Validate(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, d.ID))); err != nil {
			t.Fatal(err)
		}
		if r := e.get(t, d.ID); r.Status != programs.Refused || r.RefusedOfferings != nil {
			t.Fatalf("refused by validation: %s, %+v", r.Status, r.RefusedOfferings)
		}
		got, err := e.svc.Edit(ctx, callerAcme, d.ID, c)
		if err != nil || got.Status != programs.Draft || got.RefusedOfferings != nil {
			t.Fatalf("edited: %v %+v", err, got.RefusedOfferings)
		}
	})

	t.Run("CopyKeepsPlacesNotDates", func(t *testing.T) {
		if _, err := e.progs.Update(ctx, p.ID, func(p *programs.Program) ([]outbox.Message, error) { // approved, as review would
			p.Status = programs.Approved
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		cp, err := e.svc.Copy(ctx, callerAcme, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cp.StartsAt != nil || len(cp.MoreOfferings) != 2 || cp.MoreOfferings[0].StartsAt != nil || cp.MoreOfferings[1].EndsAt != nil ||
			cp.MoreOfferings[0].Location != "Palmer House, Chicago" || cp.MoreOfferings[1].Location != "Hilton, Chicago" || cp.RefusedOfferings != nil {
			t.Fatalf("copy %+v", cp.Content)
		}
	})
}

func c2(t *testing.T, s string) *time.Time {
	t.Helper()
	v := at(t, s)
	return &v
}

// TestService_IllegalTransitions: every step outside the machine is a
// Conflict, and writes nothing.
func TestService_IllegalTransitions(t *testing.T) {
	ctx := t.Context()
	decide := func(approve bool) func(e *serviceEnv, p programs.Program) error {
		return func(e *serviceEnv, p programs.Program) error {
			_, err := e.svc.Decide(ctx, callerStaff, p.ID, programs.Decision{Approve: approve, Reason: "because"})
			return err
		}
	}
	submit := func(e *serviceEnv, p programs.Program) error {
		_, err := e.svc.Submit(ctx, callerAcme, p.ID)
		return err
	}
	content := complete(t)
	edit := func(e *serviceEnv, p programs.Program) error {
		_, err := e.svc.Edit(ctx, callerAcme, p.ID, content)
		return err
	}
	paid := func(submission int) func(e *serviceEnv, p programs.Program) error {
		return func(e *serviceEnv, p programs.Program) error {
			_, err := e.svc.RecordFeePaid(ctx, p.ID, programs.InvoiceID(p.ID, submission), "pi_x")
			return err
		}
	}
	checkout := func(e *serviceEnv, p programs.Program) error {
		_, err := e.svc.StartCheckout(ctx, callerAcme, p.ID)
		return err
	}
	cp := func(e *serviceEnv, p programs.Program) error { _, err := e.svc.Copy(ctx, callerAcme, p.ID); return err }

	for _, tc := range []struct {
		name   string
		status programs.Status
		op     func(e *serviceEnv, p programs.Program) error
		code   string
	}{
		{"SubmitTwice", programs.Submitted, submit, "illegal_transition"},
		{"SubmitFeeDue", programs.FeeDue, submit, "illegal_transition"},
		{"SubmitApproved", programs.Approved, submit, "illegal_transition"},
		{"EditSubmitted", programs.Submitted, edit, "illegal_transition"},
		{"EditFeeDue", programs.FeeDue, edit, "illegal_transition"},
		{"EditApproved", programs.Approved, edit, "illegal_transition"},
		{"DecideDraft", programs.Draft, decide(true), "illegal_transition"},
		{"DecideUnpaid", programs.FeeDue, decide(true), "illegal_transition"},
		{"DecideTwice", programs.Approved, decide(false), "illegal_transition"},
		{"DecideRejected", programs.Rejected, decide(true), "illegal_transition"},
		{"RecordFeePaidDraft", programs.Draft, paid(1), "invoice_mismatch"},
		{"RecordFeePaidSubmitted", programs.Submitted, paid(1), "invoice_mismatch"},
		{"RecordFeePaidOtherInvoice", programs.FeeDue, paid(2), "invoice_mismatch"},
		{"StartCheckoutDraft", programs.Draft, checkout, "fee_not_due"},
		{"StartCheckoutSubmitted", programs.Submitted, checkout, "fee_not_due"},
		{"StartCheckoutPaid", programs.InReview, checkout, "fee_not_due"},
		{"CopyDraft", programs.Draft, cp, "not_decided"},
		{"CopyInReview", programs.InReview, cp, "not_decided"},
		{"CopyFeeDue", programs.FeeDue, cp, "not_decided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			p := e.get(t, e.reach(t, complete(t), tc.status).ID)
			sent := len(e.sent.Sent())
			wantFault(t, tc.op(e, p), fault.Conflict, tc.code)
			got := e.get(t, p.ID)
			if got.Version != p.Version || got.Status != tc.status || len(e.sent.Sent()) != sent {
				t.Fatalf("a refused %s wrote: version %d → %d, status %s", tc.name, p.Version, got.Version, got.Status)
			}
			ps, _, err := e.svc.List(ctx, callerAcme, programs.Page{})
			if err != nil || len(ps) != 1 {
				t.Fatalf("list after a refused %s: %d programs, %v", tc.name, len(ps), err)
			}
		})
	}
}

// TestService_RecordFeePaid: the payment webhook's settlement is idempotent,
// also when two deliveries race.
func TestService_RecordFeePaid(t *testing.T) {
	ctx := t.Context()
	t.Run("ConcurrentWebhooks", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.FeeDue)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = e.svc.RecordFeePaid(ctx, p.ID, p.Fee.InvoiceID, "pi_race")
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got := e.get(t, p.ID)
		if got.Status != programs.InReview || trail(got.History) != "draft,submitted,fee_due,paid,in_review" || got.Version != p.Version+1 {
			t.Fatalf("after racing webhooks: %s, %s, version %d", got.Status, trail(got.History), got.Version)
		}
	})
	t.Run("ErrUnknownProgram", func(t *testing.T) {
		e := newServiceEnv(t)
		_, err := e.svc.RecordFeePaid(ctx, "PRG-NOSUCHTHING", programs.InvoiceID("PRG-NOSUCHTHING", 1), "pi_x")
		wantFault(t, err, fault.NotFound, "program_not_found")
	})
	t.Run("AfterApproval", func(t *testing.T) {
		// A late duplicate of the webhook changes nothing, even once decided.
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Approved)
		got, err := e.svc.RecordFeePaid(ctx, p.ID, programs.InvoiceID(p.ID, 1), "pi_test")
		if err != nil || got.Status != programs.Approved || e.get(t, p.ID).Version != p.Version {
			t.Fatalf("late duplicate: %v, %s", err, got.Status)
		}
	})
}

// TestService_Ownership: a provider sees and touches only its own programs;
// another provider's program is NotFound, exactly as if it did not exist.
func TestService_Ownership(t *testing.T) {
	ctx := t.Context()
	takeover := complete(t)
	takeover.Title = "Taken over"
	for _, tc := range []struct {
		name   string
		status programs.Status
		op     func(e *serviceEnv, c identity.Caller, id string) error
	}{
		{"Get", programs.Approved, func(e *serviceEnv, c identity.Caller, id string) error {
			_, err := e.svc.Get(ctx, c, id)
			return err
		}},
		{"Edit", programs.Draft, func(e *serviceEnv, c identity.Caller, id string) error {
			_, err := e.svc.Edit(ctx, c, id, takeover)
			return err
		}},
		{"Submit", programs.Draft, func(e *serviceEnv, c identity.Caller, id string) error {
			_, err := e.svc.Submit(ctx, c, id)
			return err
		}},
		{"Copy", programs.Approved, func(e *serviceEnv, c identity.Caller, id string) error {
			_, err := e.svc.Copy(ctx, c, id)
			return err
		}},
		{"StartCheckout", programs.FeeDue, func(e *serviceEnv, c identity.Caller, id string) error {
			_, err := e.svc.StartCheckout(ctx, c, id)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			p := e.get(t, e.reach(t, complete(t), tc.status).ID)
			theirs := wantFault(t, tc.op(e, callerBeta, p.ID), fault.NotFound, "program_not_found")
			absent := wantFault(t, tc.op(e, callerBeta, "PRG-NOSUCHTHING"), fault.NotFound, "program_not_found")
			if theirs.Message != absent.Message {
				t.Errorf("another's program (%q) is told apart from a missing one (%q)", theirs.Message, absent.Message)
			}
			if got := e.get(t, p.ID); got.Version != p.Version || got.Title != p.Title {
				t.Fatalf("another provider changed the program: %+v", got)
			}
			if ps, _, _ := e.svc.List(ctx, callerBeta, programs.Page{}); len(ps) != 0 {
				t.Fatalf("beta has %d programs", len(ps))
			}
			// The owner may.
			if err := tc.op(e, callerAcme, p.ID); err != nil {
				t.Fatalf("owner: %v", err)
			}
		})
	}

	t.Run("List", func(t *testing.T) {
		e := newServiceEnv(t)
		var acme, beta []string
		for i, c := range []identity.Caller{callerAcme, callerBeta, callerAcme} {
			e.set(t, at(t, serviceT0).Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
			p, err := e.svc.Create(ctx, c, complete(t))
			if err != nil {
				t.Fatal(err)
			}
			if c.Sub == callerAcme.Sub {
				acme = append([]string{p.ID}, acme...) // newest first
			} else {
				beta = append(beta, p.ID)
			}
		}
		for _, tc := range []struct {
			c    identity.Caller
			want []string
		}{{callerAcme, acme}, {callerBeta, beta}} {
			ps, _, err := e.svc.List(ctx, tc.c, programs.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s lists %v, want %v", tc.c.Sub, got, tc.want)
			}
		}
	})

	t.Run("ErrNoProvider", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Draft)
		for name, err := range map[string]error{
			"Create":        errOf2(e.svc.Create(ctx, callerNone, complete(t))),
			"Get":           errOf2(e.svc.Get(ctx, callerNone, p.ID)),
			"Edit":          errOf2(e.svc.Edit(ctx, callerNone, p.ID, complete(t))),
			"Submit":        errOf2(e.svc.Submit(ctx, callerNone, p.ID)),
			"Copy":          errOf2(e.svc.Copy(ctx, callerNone, p.ID)),
			"StartCheckout": errOf2(e.svc.StartCheckout(ctx, callerNone, p.ID)),
			"List":          errOf3(e.svc.List(ctx, callerNone, programs.Page{})),
		} {
			t.Run(name, func(t *testing.T) { wantFault(t, err, fault.NotFound, "provider_not_found") })
		}
		for name, err := range map[string]error{
			"Create": errOf2(e.svc.Create(ctx, identity.Caller{}, complete(t))),
			"Get":    errOf2(e.svc.Get(ctx, identity.Caller{}, p.ID)),
			"List":   errOf3(e.svc.List(ctx, identity.Caller{}, programs.Page{})),
		} {
			t.Run("Anonymous"+name, func(t *testing.T) { wantFault(t, err, fault.Unauthenticated, "unauthenticated") })
		}
	})

	t.Run("StaffGetsAny", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.Draft)
		got, err := e.svc.Get(ctx, callerStaff, p.ID)
		if err != nil || got.ID != p.ID || got.ProviderID != e.acme.ID {
			t.Fatalf("staff get: %+v, %v", got, err)
		}
		_, err = e.svc.Get(ctx, callerStaff, "PRG-NOSUCHTHING")
		wantFault(t, err, fault.NotFound, "program_not_found")
	})

	t.Run("ErrStaffOnly", func(t *testing.T) {
		e := newServiceEnv(t)
		p := e.reach(t, complete(t), programs.InReview)
		for _, c := range []identity.Caller{callerAcme, callerBeta, {Sub: "sub-holder", Roles: []string{identity.RoleHolder}}} {
			_, _, err := e.svc.ReviewQueue(ctx, c, programs.InReview, programs.Page{})
			wantFault(t, err, fault.Forbidden, "forbidden")
			_, err = e.svc.Decide(ctx, c, p.ID, programs.Decision{Approve: true})
			wantFault(t, err, fault.Forbidden, "forbidden")
		}
		if got := e.get(t, p.ID); got.Status != programs.InReview || got.Version != p.Version {
			t.Fatalf("a refused decision wrote: %+v", got)
		}
	})

	t.Run("ErrReviewQueueUnknownStatus", func(t *testing.T) {
		e := newServiceEnv(t)
		_, _, err := e.svc.ReviewQueue(ctx, callerStaff, "archived", programs.Page{})
		fe := wantFault(t, err, fault.Invalid, "invalid_request")
		if fields(fe.Details) != "status:invalid_value" {
			t.Fatalf("details %s", fields(fe.Details))
		}
	})
}

func errOf2[T any](_ T, err error) error         { return err }
func errOf3[T, U any](_ T, _ U, err error) error { return err }

// TestService_Decide: staff approve or reject with a reason, and the
// provider is told.
func TestService_Decide(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name     string
		optIn    bool
		decision programs.Decision
		status   programs.Status // "" when refused
		details  string
		reason   string
		listed   bool
	}{
		{"ErrRejectWithoutReason", true, programs.Decision{}, "", "reason:required", "", false},
		{"ErrRejectBlankReason", true, programs.Decision{Reason: " \t "}, "", "reason:required", "", false},
		{"ErrReasonTooLong", true, programs.Decision{Reason: strings.Repeat("é", 2001)}, "", "reason:too_long", "", false},
		{"Reject", true, programs.Decision{Reason: "  Objectives are not measurable. "}, programs.Rejected, "", "Objectives are not measurable.", false},
		{"ApproveOptedIn", true, programs.Decision{Approve: true}, programs.Approved, "", "", true},
		{"ApproveNotOptedIn", false, programs.Decision{Approve: true, Reason: "fine"}, programs.Approved, "", "fine", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			in := complete(t)
			in.CalendarOptIn = tc.optIn
			p := e.reach(t, in, programs.InReview)
			got, err := e.svc.Decide(ctx, callerStaff, p.ID, tc.decision)
			if tc.status == "" {
				fe := wantFault(t, err, fault.Invalid, "invalid_request")
				if fields(fe.Details) != tc.details {
					t.Fatalf("details %s, want %s", fields(fe.Details), tc.details)
				}
				if now := e.get(t, p.ID); now.Status != programs.InReview || now.Version != p.Version {
					t.Fatalf("an invalid decision wrote: %+v", now)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := got.History[len(got.History)-1]
			if got.Status != tc.status || last.From != programs.InReview || last.To != tc.status ||
				last.By != callerStaff.Sub || last.Reason != tc.reason {
				t.Fatalf("decided %s, last transition %+v", got.Status, last)
			}
			jobs := mailsOf(t, e.sent.Sent(), "program_decision", p.ID)
			if len(jobs) != 1 || jobs[0].Data["decision"] != string(tc.status) || jobs[0].Data["reason"] != tc.reason ||
				!slices.Equal(jobs[0].To, []string{acmeEmail}) {
				t.Fatalf("decision emails %+v", jobs)
			}
			if ids := calendarIDs(t, e, nil, nil); slices.Contains(ids, p.ID) != tc.listed {
				t.Fatalf("calendar %v, listed want %v", ids, tc.listed)
			}
		})
	}

	t.Run("ErrUnknownProgram", func(t *testing.T) {
		e := newServiceEnv(t)
		_, err := e.svc.Decide(ctx, callerStaff, "PRG-NOSUCHTHING", programs.Decision{Approve: true})
		wantFault(t, err, fault.NotFound, "program_not_found")
	})

	t.Run("QueueServesLongestWaitingFirst", func(t *testing.T) {
		e := newServiceEnv(t)
		first := e.reach(t, complete(t), programs.InReview)
		e.set(t, "2026-11-02T15:00:00Z")
		later := e.reach(t, complete(t), programs.InReview)
		if ids := queueIDs(t, e, programs.InReview); !slices.Equal(ids, []string{first.ID, later.ID}) {
			t.Fatalf("queue %v, want %v", ids, []string{first.ID, later.ID})
		}
	})
}

// TestService_Copy: a provider copies an approved program into a new draft
// with the same content and no dates.
func TestService_Copy(t *testing.T) {
	ctx := t.Context()
	e := newServiceEnv(t)
	in := complete(t)
	in.CalendarOptIn = true
	in.Objectives = []string{"Apply the 2026 rules", "Spot steering"}
	in.Instructors = []string{"Dee Dunn", "Ray Lim"}
	src := e.reach(t, in, programs.Approved)
	src = e.get(t, src.ID)
	e.set(t, "2027-02-01T15:00:00Z")

	cp, err := e.svc.Copy(ctx, callerAcme, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := src.Content
	want.StartsAt, want.EndsAt = nil, nil
	stored := e.get(t, cp.ID)
	for name, p := range map[string]programs.Program{"Returned": cp, "Stored": stored} {
		t.Run(name, func(t *testing.T) {
			h := p.History
			if p.ID == src.ID || p.Status != programs.Draft || p.ProviderID != e.acme.ID || p.CopiedFrom != src.ID ||
				p.StartsAt != nil || p.EndsAt != nil || p.Fee != nil || p.Submission != 0 || len(p.Problems) != 0 {
				t.Fatalf("copy %+v", p)
			}
			if len(h) != 1 || h[0].To != programs.Draft || h[0].From != "" || h[0].By != callerAcme.Sub ||
				h[0].Reason != "copied from "+src.ID || !near(h[0].At, at(t, "2027-02-01T15:00:00Z")) {
				t.Fatalf("history %+v", h)
			}
			got := p.Content
			if got.Title != want.Title || got.Description != want.Description || got.Format != want.Format ||
				got.TimeZone != want.TimeZone || got.Location != want.Location || got.URL != want.URL ||
				got.ContactHours != want.ContactHours || !slices.Equal(got.Objectives, want.Objectives) ||
				!slices.Equal(got.Instructors, want.Instructors) || got.Compliance != want.Compliance ||
				got.CalendarOptIn != want.CalendarOptIn {
				t.Fatalf("content %+v, want %+v", got, want)
			}
		})
	}

	t.Run("IndependentOfSource", func(t *testing.T) {
		cp.Objectives[0] = "changed in memory" // the returned copy shares nothing with the source
		edit := complete(t)
		s, en := at(t, "2027-06-08T09:00:00-05:00"), at(t, "2027-06-08T17:00:00-05:00")
		edit.StartsAt, edit.EndsAt = &s, &en
		edit.Title = "Fair Housing Update (June)"
		edit.Objectives = []string{"Only one objective now"}
		edit.Instructors = []string{"Someone Else"}
		if _, err := e.svc.Edit(ctx, callerAcme, cp.ID, edit); err != nil {
			t.Fatal(err)
		}
		now := e.get(t, src.ID)
		if now.Version != src.Version || now.Title != src.Title || !slices.Equal(now.Objectives, in.Objectives) ||
			!slices.Equal(now.Instructors, in.Instructors) || !now.StartsAt.Equal(*src.StartsAt) {
			t.Fatalf("editing the copy changed the source: %+v", now)
		}
		if got := e.get(t, cp.ID); !slices.Equal(got.Objectives, edit.Objectives) || got.Title != edit.Title {
			t.Fatalf("copy after edit %+v", got)
		}
		// The copy goes through the machine on its own.
		if _, err := e.svc.Submit(ctx, callerAcme, cp.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Validate(ctx, only(t, "validation", stepsOf(t, e.sent.Sent(), programs.ValidationQueue, cp.ID))); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, cp.ID); got.Validated != 1 || got.Status != programs.Submitted {
			t.Fatalf("copy validated %+v (problems %s)", got, fields(got.Problems))
		}
		if got := e.get(t, src.ID); got.Status != programs.Approved || got.Version != src.Version {
			t.Fatalf("source %s v%d", got.Status, got.Version)
		}
	})

	t.Run("FromRejected", func(t *testing.T) {
		// A rejection is final; a copy is how the provider applies again
		// with what the staff's reason asks changed.
		e.set(t, serviceT0) // before the program starts
		rej := e.get(t, e.reach(t, in, programs.Rejected).ID)
		cp, err := e.svc.Copy(ctx, callerAcme, rej.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Status != programs.Draft || cp.CopiedFrom != rej.ID || cp.StartsAt != nil || cp.EndsAt != nil ||
			cp.Title != in.Title || !slices.Equal(cp.Objectives, in.Objectives) || cp.History[0].Reason != "copied from "+rej.ID {
			t.Fatalf("copy of a rejected program %+v", cp)
		}
		if got := e.get(t, rej.ID); got.Status != programs.Rejected || got.Version != rej.Version {
			t.Fatalf("copying changed the rejected program: %s v%d", got.Status, got.Version)
		}
	})
}

// TestService_Calendar: approved, opted-in programs in [from, to), by start;
// by default from the clock's now for a year.
func TestService_Calendar(t *testing.T) {
	ctx := t.Context()
	e := newServiceEnv(t)
	in := complete(t) // 12 January 2027
	in.CalendarOptIn = true
	march := in
	s, en := at(t, "2027-03-09T09:00:00-06:00"), at(t, "2027-03-09T17:00:00-06:00")
	march.StartsAt, march.EndsAt = &s, &en
	mar := e.reach(t, march, programs.Approved) // approved first, starts later
	jan := e.reach(t, in, programs.Approved)
	e.reach(t, in, programs.InReview)          // opted in, not approved
	e.reach(t, complete(t), programs.Approved) // approved, not opted in

	for _, tc := range []struct {
		name     string
		now      string
		from, to string
		want     []string
		err      string
	}{
		{"DefaultFromNow", serviceT0, "", "", []string{jan.ID, mar.ID}, ""},
		{"ByStart", serviceT0, "2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z", []string{jan.ID, mar.ID}, ""},
		{"Window", serviceT0, "2027-02-01T00:00:00Z", "2027-04-01T00:00:00Z", []string{mar.ID}, ""},
		{"OffsetsAreInstants", serviceT0, "2027-03-09T09:00:00-06:00", "2027-03-09T15:00:01Z", []string{mar.ID}, ""},
		{"Empty", serviceT0, "2027-05-01T00:00:00Z", "2027-06-01T00:00:00Z", nil, ""},
		// Once January's program has started, it is no longer upcoming.
		{"DefaultSkipsStarted", "2027-01-12T15:00:01Z", "", "", []string{mar.ID}, ""},
		// By default the calendar runs a year from now.
		{"DefaultOneYear", "2026-02-01T00:00:00Z", "", "", []string{jan.ID}, ""},
		{"ErrToBeforeFrom", serviceT0, "2027-02-01T00:00:00Z", "2027-01-01T00:00:00Z", nil, "to:invalid_range"},
		{"ErrToEqualsFrom", serviceT0, "2027-02-01T00:00:00Z", "2027-02-01T00:00:00Z", nil, "to:invalid_range"},
		{"ErrOnlyToBeforeNow", serviceT0, "", "2026-10-01T00:00:00Z", nil, "to:invalid_range"},
		{"ErrOverTwoYears", serviceT0, "2027-01-01T00:00:00Z", "2029-02-01T00:00:00Z", nil, "to:invalid_range"},
		// Bounded whatever the caller checked (issue 13, class 3).
		{"ErrFromFarFuture", serviceT0, "9999-12-31T23:59:59Z", "", nil, "from:out_of_range"},
		{"ErrToFarPast", serviceT0, "", "0001-01-01T00:00:00Z", nil, "to:out_of_range"},
		{"ErrDefaultToPastTheRange", serviceT0, "2199-06-01T00:00:00Z", "", nil, "to:out_of_range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.set(t, tc.now)
			var from, to *time.Time
			if tc.from != "" {
				from = timeRef(at(t, tc.from))
			}
			if tc.to != "" {
				to = timeRef(at(t, tc.to))
			}
			entries, _, err := e.svc.Calendar(ctx, from, to, programs.Page{})
			if tc.err != "" {
				fe := wantFault(t, err, fault.Invalid, "invalid_request")
				if fields(fe.Details) != tc.err {
					t.Fatalf("details %s, want %s", fields(fe.Details), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range entries {
				got = append(got, x.ProgramID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("calendar %v, want %v", got, tc.want)
			}
		})
	}
}

func TestService_StaffOnly(t *testing.T) {
	e := newServiceEnv(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name   string
		caller identity.Caller
		kind   fault.Kind
	}{
		{"Anonymous", identity.Caller{}, fault.Unauthenticated},
		{"Provider", callerAcme, fault.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.ReviewQueue(ctx, tc.caller, programs.InReview, programs.Page{})
			if !fault.Is(err, tc.kind) {
				t.Errorf("ReviewQueue: %v, want kind %d", err, tc.kind)
			}
			_, err = e.svc.Decide(ctx, tc.caller, "PRG-X", programs.Decision{Approve: true})
			if !fault.Is(err, tc.kind) {
				t.Errorf("Decide: %v, want kind %d", err, tc.kind)
			}
		})
	}
}
