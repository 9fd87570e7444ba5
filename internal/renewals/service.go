package renewals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/submissions"
)

// Records reads a holder's partition: profile, activities on the record,
// submissions (the submissions store).
type Records interface {
	Record(ctx context.Context, holderID string) (submissions.Record, error)
}

// Links finds the caller's holder (the accounts store).
type Links interface {
	HolderIDBySub(ctx context.Context, sub string) (string, error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the renewal use cases. Methods return *fault.Error for what
// the caller got wrong; any other error is an internal failure.
type Service struct {
	Store     Store
	Holders   Holders
	Shards    int // how many shards Holders.Renewable has
	Links     Links
	Records   Records
	Checkouts checkout.Starter // nil where no checkout starts (the settler, the job)
	Policy    *policy.Policy
	Clock     clock.Clock
	Relay     Dispatcher
	// Pieces queues the daily job's pieces once (store.Pieces).
	Pieces daily.Once
	Log    *slog.Logger
}

func (s *Service) loc() *time.Location { return s.Policy.Association.Location() }

// ComingYear is the renewal year whose invoices are issued next: the
// calendar year after today's, in the association's time zone. With
// periods anchored on holders' credentials each holder has their own
// (comingPeriod), and it is 0.
func (s *Service) ComingYear() int {
	if s.anchored() {
		return 0
	}
	return s.comingPeriod(accounts.Holder{}, s.Clock.Now()).Year
}

func (s *Service) anchored() bool { return s.Policy.Renewal.PeriodAnchor == policy.AnchorCredential }

// comingPeriod is holder h's renewal period that was coming at t: the
// calendar's first renewal year after t's, or the holder's own period
// whose window had not ended.
func (s *Service) comingPeriod(h accounts.Holder, t time.Time) policy.Period {
	if s.anchored() {
		return s.Policy.ComingPeriod(t.In(s.loc()), h.Held())
	}
	return s.Policy.Period(t.In(s.loc()).Year()+1, h.Held())
}

// Issued reports whether the invoices of year are issued by now (calendar
// periods: every holder's on the same day).
func (s *Service) Issued(year int) bool {
	return s.issued(s.Policy.Period(year, nil))
}

// issued reports whether period's invoice is issued by now.
func (s *Service) issued(period policy.Period) bool {
	return !s.Clock.Now().Before(policy.Day(period.Issue, s.loc()))
}

// NewInvoice prices holder h's renewal of year from the policy; ok is false
// when h holds no credential the policy prices (nothing to renew), or has
// no renewal due in year (periods of several years).
func NewInvoice(p *policy.Policy, h accounts.Holder, year int, now time.Time) (Invoice, bool) {
	r := p.RenewalInvoices
	period := p.Period(year, h.Held())
	if period.Year != year {
		return Invoice{}, false
	}
	inv := Invoice{ID: InvoiceID(h.ID, year), HolderID: h.ID, HolderEmail: h.Email,
		HolderName: strings.TrimSpace(h.FirstName + " " + h.LastName), Year: year, Currency: r.Currency,
		DueOn: period.Due.Format(time.DateOnly), GraceUntil: period.Grace.Format(time.DateOnly),
		Status: Open, IssuedAt: now, CreatedAt: now, UpdatedAt: now}
	for _, c := range h.Credentials {
		cents, ok := r.DuesCents[c.Code]
		if !ok || slices.Contains(inv.Credentials, c.Code) {
			continue
		}
		inv.Credentials = append(inv.Credentials, c.Code)
		inv.Lines = append(inv.Lines, Line{Code: c.Code, Cents: cents})
		inv.TotalCents += cents
	}
	slices.Sort(inv.Credentials)
	slices.SortFunc(inv.Lines, func(a, b Line) int { return strings.Compare(a.Code, b.Code) })
	inv.CECsRequired = period.Required
	return inv, len(inv.Lines) > 0
}

// EnsureInvoice creates holder h's invoice of year unless it exists (a
// conditional put: concurrent calls create it once). created is false when
// it existed, and the invoice is zero when h has no credential. The year's
// CECs are judged first: only holders who have not met them join the CEC
// reminders' index, so those reminders read the holders who owe CECs, not
// everyone who renews.
func (s *Service) EnsureInvoice(ctx context.Context, h accounts.Holder, year int) (inv Invoice, created bool, err error) {
	inv, ok := NewInvoice(s.Policy, h, year, s.Clock.Now().UTC())
	if !ok {
		return Invoice{}, false, nil
	}
	// A read first: the daily job meets the same holders day after day, and
	// a read costs less than a refused conditional put and a judgement.
	if got, err := s.Store.Get(ctx, inv.ID); err == nil {
		return got, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Invoice{}, false, fmt.Errorf("read invoice %s: %w", inv.ID, err)
	}
	y, err := s.YearCECs(ctx, h.ID, year)
	if err != nil {
		return Invoice{}, false, err
	}
	inv.CECsOutstandingAtIssue = !y.Met
	inv.CECsJudged, inv.CECsShort = true, ShortRules(y)
	err = s.Store.Create(ctx, inv)
	if errors.Is(err, ErrExists) {
		got, err := s.Store.Get(ctx, inv.ID)
		return got, false, err
	}
	if err != nil {
		return Invoice{}, false, fmt.Errorf("create invoice %s: %w", inv.ID, err)
	}
	return inv, true, nil
}

// ShortRules are the rules year y is short of, sorted; none when met.
func ShortRules(y credits.Year) []string {
	var out []string
	for _, f := range y.Shortfalls {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Rejudge judges holder's coming renewal again, and the one before it
// (still in its grace period, a late report of last year's program counts
// for it), and keeps each invoice's verdict current (and with it the
// office's compliance counts, in the invoice's write): nothing to do for
// a renewal without an invoice, or when the verdict stands. A holder who
// is gone is nothing to do either.
func (s *Service) Rejudge(ctx context.Context, holderID string) error {
	h, err := s.Holders.Holder(ctx, holderID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read holder %s: %w", holderID, err)
	}
	coming := s.comingPeriod(h, s.Clock.Now()).Year
	for _, year := range []int{coming - max(1, s.Policy.Renewal.PeriodYears), coming} {
		if err := s.rejudge(ctx, h, year); err != nil {
			return err
		}
	}
	return nil
}

// rejudge keeps the verdict of h's invoice of year current, if there is one.
func (s *Service) rejudge(ctx context.Context, h accounts.Holder, year int) error {
	inv, err := s.Store.Get(ctx, InvoiceID(h.ID, year))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read invoice of %s for %d: %w", h.ID, year, err)
	}
	y, err := s.YearCECs(ctx, h.ID, year)
	if err != nil {
		return err
	}
	short := ShortRules(y)
	if inv.CECsJudged && slices.Equal(inv.CECsShort, short) {
		return nil
	}
	_, err = s.Store.Update(ctx, inv.ID, func(inv *Invoice) ([]outbox.Message, error) {
		if inv.CECsJudged && slices.Equal(inv.CECsShort, short) {
			return nil, ErrNoChange
		}
		inv.CECsJudged, inv.CECsShort = true, short
		return nil, nil
	})
	if errors.Is(err, ErrNoChange) {
		return nil
	}
	return err
}

// SweepEvery is how often IssueDue goes through every holder again after a
// complete sweep. Holders credentialed after the issue date get their
// invoice from the message their change queued (CredentialsSet), retried
// until it succeeds or reaches the dead-letter queue; the repeated sweep is
// a backstop, so a week is enough, and a daily sweep would read every
// holder's invoice 61 times a year (a third of the table's reads,
// docs/performance.md).
const SweepEvery = 7 * 24 * time.Hour

// Job is the renewal invoices' name on the daily work queue.
const Job = "renewals"

// sweep is a piece of the renewal invoice job: a sweep of Year to fan out
// to its shards (Shard -1), or one page of one shard of the renewable index.
type sweep struct {
	Year   int    `json:"year"`
	On     string `json:"on"` // the day the sweep was planned, YYYY-MM-DD
	Shard  int    `json:"shard"`
	Cursor string `json:"cursor,omitempty"`
}

// IssueDue is the daily schedule's run: on and after the issue date of the
// coming renewal year, at most once every SweepEvery, it plans a sweep of
// every holder with credentials (the sparse renewable index, never a scan);
// the daily work queue does it, a page at a time, each holder's invoice
// created once however often a page runs (EnsureInvoice). A day the run
// missed is caught up by the next: the sweep is due as long as the last one
// is SweepEvery old. With periods anchored on holders' credentials
// (ComingYear 0) the sweep is due all year, and a holder's invoice is
// ensured once their own period's issue date has come: at 10× the stated
// scale a sweep reads the renewable index and, for the holders inside
// their issue window, an invoice (docs/data-model.md). It returns 1 when
// it planned a sweep now.
func (s *Service) IssueDue(ctx context.Context) (int, error) {
	year := s.ComingYear()
	if !s.anchored() && !s.Issued(year) {
		return 0, nil
	}
	now := s.Clock.Now()
	last, err := s.Store.LastSweep(ctx, year)
	if err != nil {
		return 0, fmt.Errorf("read the last sweep of %d: %w", year, err)
	}
	// A clock set back (the local stack) sweeps again.
	if !last.IsZero() && !now.Before(last) && now.Sub(last) < SweepEvery {
		s.log().InfoContext(ctx, "renewal invoices: swept recently", "year", year, "lastSweep", last, "now", now)
		return 0, nil
	}
	on := now.In(s.loc()).Format(time.DateOnly)
	planned, err := daily.Enqueue(ctx, s.Pieces, s.Relay, fmt.Sprintf("plan:%s:%d:%s", Job, year, on), Job, sweep{Year: year, On: on, Shard: -1})
	if err != nil {
		return 0, err
	}
	// The sweep is planned: the next is due SweepEvery from now, whether
	// or not this one is done (a piece that keeps failing waits in the
	// dead-letter queue, where its alarm calls an operator).
	if err := s.Store.SweepDone(ctx, year, now); err != nil {
		return 0, fmt.Errorf("record the sweep of %d: %w", year, err)
	}
	if !planned {
		return 0, nil
	}
	s.log().InfoContext(ctx, "renewal invoices: sweep planned", "year", year, "on", on)
	return 1, nil
}

// Handle does one piece of the renewal invoice job (the daily work
// queue's handler of Job).
func (s *Service) Handle(ctx context.Context, raw json.RawMessage) error {
	_, err := s.Piece(ctx, raw)
	return err
}

// Piece does one piece of a sweep: the sweep fans out to the first page of
// each shard; a page queues the next page, then ensures the invoice of up
// to daily.PageSize holders. It returns how many invoices it created. Out
// of time (daily.InTime) it stops with daily.ErrOutOfTime: delivered
// again, the invoices it created are found and kept.
func (s *Service) Piece(ctx context.Context, raw json.RawMessage) (int, error) {
	var p sweep
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, fmt.Errorf("decode renewal piece: %w", err)
	}
	// Not before the year's issue date, whenever the piece comes (a clock
	// set back, on the local stack); with holders' own periods, each
	// holder's (below).
	if !s.anchored() && !s.Issued(p.Year) {
		return 0, nil
	}
	if p.Shard < 0 {
		for shard := range s.Shards {
			first := sweep{Year: p.Year, On: p.On, Shard: shard}
			if _, err := daily.Enqueue(ctx, s.Pieces, s.Relay, sweepKey(first), Job, first); err != nil {
				return 0, err
			}
		}
		return 0, nil
	}
	hs, next, err := s.Holders.Renewable(ctx, p.Shard, p.Cursor, daily.PageSize)
	if err != nil {
		return 0, err
	}
	// The next page first: a shard's pages are done side by side.
	if next != "" {
		more := p
		more.Cursor = next
		if _, err := daily.Enqueue(ctx, s.Pieces, s.Relay, sweepKey(more), Job, more); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, h := range hs {
		if !daily.InTime(ctx) {
			s.log().InfoContext(ctx, "renewal invoices issued", "year", p.Year, "shard", p.Shard, "created", n)
			return n, daily.ErrOutOfTime
		}
		year := p.Year
		if s.anchored() {
			period := s.comingPeriod(h, s.Clock.Now())
			if !s.issued(period) {
				continue
			}
			year = period.Year
		}
		_, created, err := s.EnsureInvoice(ctx, h, year)
		if err != nil {
			return n, err
		}
		if created {
			n++
		}
	}
	s.log().InfoContext(ctx, "renewal invoices issued", "year", p.Year, "shard", p.Shard, "created", n)
	return n, nil
}

// sweepKey is the once-only key of a page piece: its sweep, shard and cursor.
func sweepKey(p sweep) string {
	return daily.PageKey(fmt.Sprintf("page:%s:%d:%s:%d", Job, p.Year, p.On, p.Shard), p.Cursor)
}

// CredentialsSet is the renewals queue's consumer (accounts.RenewalsQueue).
// A Rejudge message names holders whose CECs a write changed: each one's
// coming renewal is judged again (Rejudge). Otherwise
// staff recorded the credentials of the holder the message names. The
// renewal year is the one that was coming when they did (a message read
// after New Year's Eve still issues the year it was written in); once that
// year's invoices are issued, the holder's is ensured as they hold their
// credentials now (EnsureInvoice: once, however often the message comes).
// Before the issue date, for a holder without credentials or one that is
// gone, it does nothing (the daily job issues the year when its day comes).
// Any error means "not done": the message comes back, and after its last
// receive waits in the dead-letter queue.
func (s *Service) CredentialsSet(ctx context.Context, body string) error {
	if m, ok := accounts.ParseRejudge(body); ok {
		var errs []error
		for _, id := range m.HolderIDs {
			if err := s.Rejudge(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("judge %s again: %w", id, err))
			}
		}
		return errors.Join(errs...)
	}
	m, err := accounts.ParseCredentialsSet(body)
	if err != nil {
		return err
	}
	year := s.ComingYear()
	if !s.anchored() {
		year = s.comingPeriod(accounts.Holder{}, m.At).Year
		if !s.Issued(year) {
			return nil
		}
	}
	h, err := s.Holders.Holder(ctx, m.HolderID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read holder %s: %w", m.HolderID, err)
	}
	if s.anchored() { // the holder's own period, from the dates just recorded
		period := s.comingPeriod(h, m.At)
		if !s.issued(period) {
			return nil
		}
		year = period.Year
	}
	inv, created, err := s.EnsureInvoice(ctx, h, year)
	if err != nil {
		return fmt.Errorf("renewal invoice of %s for %d: %w", h.ID, year, err)
	}
	if created {
		s.log().InfoContext(ctx, "renewal invoice issued after credentials", "holder", h.ID, "year", year, "invoice", inv.ID)
		return nil
	}
	// Credentials change what the year needs: its verdict, judged again.
	return s.Rejudge(ctx, h.ID)
}

// Step names of the renewal view, in order.
const (
	StepContact   = "contact_updated"
	StepPaid      = "paid"
	StepCECStatus = "cec_status_checked"
	StepCECs      = "cecs_approved"
)

// Step is one renewal step and whether it is done.
type Step struct {
	Name string
	Done bool
}

// View is a holder's renewal of one year.
type View struct {
	Invoice  Invoice
	Steps    []Step
	CECs     credits.Year
	Complete bool // paid and the year's CECs met
}

func (s *Service) myInvoice(ctx context.Context, c identity.Caller, year int) (Invoice, string, error) {
	if c.Anonymous() {
		return Invoice{}, "", identity.ErrSignIn
	}
	if year < 2000 || year > 2100 {
		return Invoice{}, "", fault.New(fault.Invalid, "invalid_request", "invalid renewal year",
			fault.Detail{Field: "year", Code: "out_of_range", Message: "must be a renewal year from 2000 to 2100"})
	}
	holderID, err := s.Links.HolderIDBySub(ctx, c.Sub)
	if errors.Is(err, accounts.ErrNotFound) {
		return Invoice{}, "", fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet: create one with POST /holders")
	}
	if err != nil {
		return Invoice{}, "", fmt.Errorf("read holder link of caller: %w", err)
	}
	inv, err := s.Store.Get(ctx, InvoiceID(holderID, year))
	if errors.Is(err, ErrNotFound) {
		return Invoice{}, holderID, fault.Errorf(fault.NotFound, "renewal_not_found", "no renewal invoice for %d (yet)", year)
	}
	return inv, holderID, err
}

// Renewal is the caller's renewal of year: the invoice and the four steps.
// Contact is done when the holder confirmed their contact on or after the
// invoices' issue date; paid when the invoice is; the CEC status counts as
// checked when the year's CECs are met or the holder made a submission for
// the year; CECs approved when the year's CECs are met (approved activities
// and credited programs). Complete when paid and met.
// Errors: Unauthenticated; Invalid year; NotFound holder_not_found, renewal_not_found.
func (s *Service) Renewal(ctx context.Context, c identity.Caller, year int) (View, error) {
	inv, holderID, err := s.myInvoice(ctx, c, year)
	if err != nil {
		return View{}, err
	}
	y, rec, err := s.judge(ctx, holderID, year)
	if err != nil {
		return View{}, err
	}
	s.judgeLapse(&inv)
	submitted := slices.ContainsFunc(rec.Submissions, func(x submissions.Submission) bool { return x.RenewalYear == year })
	issue := policy.Day(y.Period.Issue, s.loc())
	paid := inv.Status == Paid
	v := View{Invoice: inv, CECs: y, Complete: paid && y.Met, Steps: []Step{
		{StepContact, !rec.Holder.ContactConfirmedAt.IsZero() && !rec.Holder.ContactConfirmedAt.Before(issue)},
		{StepPaid, paid},
		{StepCECStatus, y.Met || submitted},
		{StepCECs, y.Met},
	}}
	return v, nil
}

// Invoice is the caller's renewal invoice of year, as it stands (lapsed
// judged today), for the printed invoice.
// Errors: Unauthenticated; Invalid year; NotFound holder_not_found,
// renewal_not_found.
func (s *Service) Invoice(ctx context.Context, c identity.Caller, year int) (Invoice, error) {
	inv, _, err := s.myInvoice(ctx, c, year)
	if err != nil {
		return Invoice{}, err
	}
	s.judgeLapse(&inv)
	return inv, nil
}

// Receipt is the caller's paid renewal invoice of year, for its receipt.
// Errors: Unauthenticated; Invalid year; NotFound holder_not_found,
// renewal_not_found; Conflict not_paid.
func (s *Service) Receipt(ctx context.Context, c identity.Caller, year int) (Invoice, error) {
	inv, _, err := s.myInvoice(ctx, c, year)
	if err != nil {
		return Invoice{}, err
	}
	if inv.Status != Paid {
		return Invoice{}, fault.Errorf(fault.Conflict, "not_paid", "your %d renewal is not paid yet: its receipt comes once it is", year)
	}
	return inv, nil
}

// judgeLapse sets inv.Lapsed: unpaid, and the association's today is after
// the last day of grace.
func (s *Service) judgeLapse(inv *Invoice) {
	today := s.Clock.Now().In(s.loc()).Format(time.DateOnly)
	inv.Lapsed = inv.Status != Paid && !inv.LapseWaived && inv.GraceUntil != "" && today > inv.GraceUntil
}

// Lapsed tells whether holderID's renewal of year has lapsed (false when
// there is no invoice for the year): one GetItem.
func (s *Service) Lapsed(ctx context.Context, holderID string, year int) (bool, error) {
	inv, err := s.Store.Get(ctx, InvoiceID(holderID, year))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read renewal %d of %s: %w", year, holderID, err)
	}
	s.judgeLapse(&inv)
	return inv.Lapsed, nil
}

// LapsedAmong tells which of holderIDs have a lapsed renewal: for yearly
// calendar periods the current calendar year's (association time zone),
// whose grace period is the one that ends in it; for periods of N years,
// or holders' own cycles, the latest renewal due by today, which fell due
// in this calendar year or one of the N before it (before a holder's
// anniversary, the last one is N calendar years back). One BatchGetItem
// per 100 invoices: a directory page holds at most 100 holders, so N + 1
// calls at most.
func (s *Service) LapsedAmong(ctx context.Context, holderIDs []string) (map[string]bool, error) {
	now := s.Clock.Now().In(s.loc())
	n := max(1, s.Policy.Renewal.PeriodYears)
	own := s.anchored() || n > 1
	years := []int{now.Year()}
	for y := now.Year() - 1; own && y >= now.Year()-n; y-- {
		years = append(years, y)
	}
	ids := make([]string, 0, len(holderIDs)*len(years))
	for _, h := range holderIDs {
		for _, y := range years {
			ids = append(ids, InvoiceID(h, y))
		}
	}
	invs, err := s.Store.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	today := now.Format(time.DateOnly)
	latest := map[string]Invoice{}
	for _, inv := range invs {
		if own && inv.DueOn > today {
			continue // not due yet: the holder's previous renewal is the one that stands
		}
		if l, ok := latest[inv.HolderID]; !ok || inv.Year > l.Year {
			latest[inv.HolderID] = inv
		}
	}
	out := map[string]bool{}
	for id, inv := range latest {
		if s.judgeLapse(&inv); inv.Lapsed {
			out[id] = true
		}
	}
	return out, nil
}

// MaxLapseReason bounds the reason of a lapse's reversal.
const MaxLapseReason = 2000

// SetLapseWaived records, as staff, that holderID's invoice of year is not
// to be treated as lapsed (waived true: the reinstatement fee, if a
// checkout added it and it is unpaid, comes off) or that it is again
// (false), with the reason, in the invoice's history of such changes.
// Setting what is already set changes nothing.
// Errors: Unauthenticated; Forbidden unless staff; Invalid reason;
// NotFound renewal_not_found; Conflict invoice_paid.
func (s *Service) SetLapseWaived(ctx context.Context, c identity.Caller, holderID string, year int, waived bool, reason string) (Invoice, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Invoice{}, err
	}
	reason = strings.TrimSpace(reason)
	if code, msg := freetext.Check(reason, MaxLapseReason, true); code != "" || reason == "" {
		if code == "" {
			code, msg = "required", "is required"
		}
		return Invoice{}, fault.New(fault.Invalid, "invalid_request", "the change has invalid fields", fault.Detail{Field: "reason", Code: code, Message: msg})
	}
	id := InvoiceID(holderID, year)
	inv, err := s.Store.Update(ctx, id, func(inv *Invoice) ([]outbox.Message, error) {
		if inv.Status == Paid {
			return nil, fault.Errorf(fault.Conflict, "invoice_paid", "the renewal invoice %s is paid", inv.ID)
		}
		if inv.LapseWaived == waived {
			return nil, ErrNoChange
		}
		now := s.Clock.Now().UTC()
		inv.LapseWaived, inv.UpdatedAt = waived, now
		inv.LapseChanges = append(inv.LapseChanges, LapseChange{At: now, By: c.Sub, Waived: waived, Reason: reason})
		if waived {
			kept := inv.Lines[:0:0]
			for _, l := range inv.Lines {
				if l.Code == LineReinstatement {
					inv.TotalCents -= l.Cents
					continue
				}
				kept = append(kept, l)
			}
			inv.Lines = kept
		}
		return nil, nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return Invoice{}, fault.Errorf(fault.NotFound, "renewal_not_found", "no renewal invoice %s", id)
	case err != nil && !errors.Is(err, ErrNoChange):
		return Invoice{}, err
	}
	s.judgeLapse(&inv)
	return inv, nil
}

// HolderInvoices lists one page of holder holderID's renewal invoices for
// staff, the latest year first, each with its payments and flag. A holder
// without invoices is told from no holder at all by reading the account,
// only then.
// Errors: Unauthenticated; Forbidden unless staff; NotFound
// holder_not_found; Invalid invalid_cursor.
func (s *Service) HolderInvoices(ctx context.Context, c identity.Caller, holderID string, pg Page) ([]Invoice, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	invs, next, err := s.Store.ByHolder(ctx, holderID, pg)
	if err != nil {
		return nil, "", err
	}
	for i := range invs {
		s.judgeLapse(&invs[i])
	}
	if len(invs) == 0 && pg.Cursor == "" {
		_, err := s.Holders.Holder(ctx, holderID)
		if errors.Is(err, accounts.ErrNotFound) {
			return nil, "", fault.Errorf(fault.NotFound, "holder_not_found", "no holder %s", holderID)
		}
		if err != nil {
			return nil, "", fmt.Errorf("read holder %s: %w", holderID, err)
		}
	}
	return invs, next, nil
}

// YearCECs judges holder holderID's CECs for renewal year: credited
// programs and approved activities earned in the year's window.
func (s *Service) YearCECs(ctx context.Context, holderID string, year int) (credits.Year, error) {
	y, _, err := s.judge(ctx, holderID, year)
	return y, err
}

func (s *Service) judge(ctx context.Context, holderID string, year int) (credits.Year, submissions.Record, error) {
	rec, err := s.Records.Record(ctx, holderID)
	if err != nil {
		return credits.Year{}, submissions.Record{}, fmt.Errorf("read record of holder %s: %w", holderID, err)
	}
	period := s.Policy.Period(year, rec.Holder.Held())
	acts := make([]credits.Activity, 0, len(rec.Activities))
	for _, a := range rec.Activities {
		if !period.Contains(a.Date) {
			continue
		}
		if a.Source == credits.Credited {
			a.Kind = s.Policy.Renewal.ProgramKind
		}
		acts = append(acts, a)
	}
	return credits.Judge(s.Policy, period, acts), rec, nil
}

// StartCheckout opens a payment session for the caller's open invoice of
// year; the invoice ID is the session's idempotency key.
// Errors: as Renewal; Conflict invoice_paid.
func (s *Service) StartCheckout(ctx context.Context, c identity.Caller, year int) (checkout.Session, error) {
	inv, _, err := s.myInvoice(ctx, c, year)
	if err != nil {
		return checkout.Session{}, err
	}
	if inv.Status == Paid {
		return checkout.Session{}, fault.Errorf(fault.Conflict, "invoice_paid", "the renewal invoice %s is paid", inv.ID)
	}
	if inv, err = s.prepareCheckout(ctx, inv); err != nil {
		return checkout.Session{}, err
	}
	co, err := s.Checkouts.StartCheckout(ctx, checkout.Request{InvoiceID: inv.ID, AmountCents: inv.TotalCents,
		Currency: inv.Currency, Description: fmt.Sprintf("%d renewal: %s", year, strings.Join(inv.Credentials, ", ")),
		Email: inv.HolderEmail})
	if err != nil {
		return checkout.Session{}, fmt.Errorf("start checkout for %s: %w", inv.ID, err)
	}
	co.CreatedAt = s.Clock.Now().UTC()
	return co, nil
}

// prepareCheckout readies inv for a checkout in one versioned update: a
// lapsed invoice gets the reinstatement fee, once (judged again on the
// invoice as it is now: staff may have reversed the lapse since it was
// read), and the total to be asked is kept among its Quotes, so that its
// payment is taken even if the total changes before it arrives (Settle).
// Nothing is written when neither is needed. It returns the invoice as it
// is now.
func (s *Service) prepareCheckout(ctx context.Context, inv Invoice) (Invoice, error) {
	fee := s.Policy.RenewalInvoices.ReinstatementFeeCents
	needsFee := func(x *Invoice) bool {
		s.judgeLapse(x)
		return x.Lapsed && fee > 0 && !slices.ContainsFunc(x.Lines, func(l Line) bool { return l.Code == LineReinstatement })
	}
	if !needsFee(&inv) && slices.Contains(inv.Quotes, inv.TotalCents) {
		return inv, nil
	}
	out, err := s.Store.Update(ctx, inv.ID, func(x *Invoice) ([]outbox.Message, error) {
		if x.Status == Paid {
			return nil, ErrNoChange
		}
		changed := false
		if needsFee(x) {
			x.Lines = append(x.Lines, Line{Code: LineReinstatement, Cents: fee})
			x.TotalCents += fee
			changed = true
		}
		if !slices.Contains(x.Quotes, x.TotalCents) {
			x.Quotes = append(x.Quotes, x.TotalCents)
			changed = true
		}
		if !changed {
			return nil, ErrNoChange
		}
		x.UpdatedAt = s.Clock.Now().UTC()
		return nil, nil
	})
	if err != nil && !errors.Is(err, ErrNoChange) { // ErrNoChange: out is the invoice as it stands
		return Invoice{}, fmt.Errorf("ready %s for its checkout: %w", inv.ID, err)
	}
	s.judgeLapse(&out)
	return out, nil
}

// Settle records a payment event on the renewal invoice it names, once
// per event ID, as programs.Service.SettleFee does for fees: a success of
// the invoice's amount and currency pays it and queues the receipt in the
// same write; another amount is recorded and flagged; a failure is
// recorded (status failed while unpaid, paid when it arrives after the
// payment); a refund is recorded and flagged.
// Events arrive in any order: nothing undoes a payment.
// Errors: NotFound renewal_not_found; Invalid invalid_payment.
func (s *Service) Settle(ctx context.Context, invoiceID string, ev Payment) (inv Invoice, changed bool, err error) {
	switch ev.Kind {
	case PaymentSucceeded, PaymentFailed, PaymentRefunded:
	default:
		return Invoice{}, false, fault.Errorf(fault.Invalid, "invalid_payment", "unknown payment event kind %q", ev.Kind)
	}
	var sent []outbox.Message
	inv, err = s.Store.Update(ctx, invoiceID, func(inv *Invoice) ([]outbox.Message, error) {
		sent = nil
		now := s.Clock.Now().UTC()
		d := checkout.Decide(checkout.Ledger{Paid: inv.Status == Paid, TotalCents: inv.TotalCents, Currency: inv.Currency,
			Quotes: inv.Quotes, Payments: inv.Payments}, ev, now)
		if d.Effect == checkout.Unchanged {
			return nil, ErrNoChange
		}
		inv.Payments, inv.UpdatedAt = append(inv.Payments, d.Record), now
		if d.Flag != "" {
			inv.Flag = d.Flag
		}
		if d.Effect == checkout.Recorded {
			if d.Record.Kind == PaymentFailed && inv.Status != Paid { // after the payment: kept for the record only
				inv.Status = Failed
			}
			return nil, nil
		}
		inv.Status, inv.PaidAt = Paid, now
		m, err := Receipt(inv.ID, inv.HolderEmail, inv.HolderName, Money(ev.AmountCents, inv.Currency),
			fmt.Sprintf("%d renewal: %s", inv.Year, strings.Join(inv.Credentials, ", ")), ev.Reference, now,
			fmt.Sprintf("#/holder/renewal?year=%d", inv.Year))
		sent = []outbox.Message{m}
		return sent, err
	})
	switch {
	case errors.Is(err, ErrNoChange):
		return inv, false, nil
	case errors.Is(err, ErrNotFound):
		return Invoice{}, false, fault.Errorf(fault.NotFound, "renewal_not_found", "no renewal invoice %s", invoiceID)
	case err != nil:
		return inv, false, err
	}
	if s.Relay != nil {
		s.Relay.Dispatch(ctx, sent...)
	}
	return inv, true, nil
}

// Receipt is the mail job of a payment's receipt: one per invoice (its ID
// is "receipt:<invoice>"), whatever redelivers it. pdfPage is the page of
// the portal (a route after "#") where its PDF downloads.
func Receipt(invoiceID, to, name, amount, description, reference string, at time.Time, pdfPage string) (outbox.Message, error) {
	return notify.Job{ID: "receipt:" + invoiceID, Template: "receipt", To: []string{to}, Data: map[string]string{
		"invoiceId": invoiceID, "name": name, "amount": amount, "description": description,
		"reference": reference, "paidOn": at.Format(time.DateOnly), "pdfPage": pdfPage}}.Message()
}

// Money formats cents as "125.00 USD".
func Money(cents int64, currency string) string { return checkout.Money(cents, currency) }

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
