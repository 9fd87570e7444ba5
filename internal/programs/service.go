package programs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Logical names of the queues between the steps.
const (
	ValidationQueue = "program-validation"
	FeeQueue        = "program-fee"
)

// system is who the asynchronous steps act as in the history.
const system = "system"

// Providers finds the caller's provider (accounts.Service).
type Providers interface {
	MyProvider(ctx context.Context, c identity.Caller) (accounts.Provider, error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the program use cases. Methods return *fault.Error for
// whatever the caller got wrong; any other error is an internal failure.
type Service struct {
	store     Store
	providers Providers
	checkouts checkout.Starter
	policy    *policy.Policy
	clock     clock.Clock
	newID     func(prefix string) string
	relay     Dispatcher
}

// NewService wires the programs service.
func NewService(s Store, pr Providers, co checkout.Starter, p *policy.Policy, c clock.Clock, newID func(string) string, relay Dispatcher) *Service {
	return &Service{store: s, providers: pr, checkouts: co, policy: p, clock: c, newID: newID, relay: relay}
}

var (
	errNotFound = fault.New(fault.NotFound, "program_not_found", "no such program among yours")
)

// provider returns the caller's provider; a caller without one gets
// NotFound provider_not_found from accounts.
func (s *Service) provider(ctx context.Context, c identity.Caller) (accounts.Provider, error) {
	if c.Anonymous() {
		return accounts.Provider{}, identity.ErrSignIn
	}
	return s.providers.MyProvider(ctx, c)
}

// own reads a program of the caller's provider; another provider's program
// is NotFound, as if it did not exist.
func (s *Service) own(ctx context.Context, c identity.Caller, id string) (Program, accounts.Provider, error) {
	pr, err := s.provider(ctx, c)
	if err != nil {
		return Program{}, pr, err
	}
	p, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && p.ProviderID != pr.ID) {
		return Program{}, pr, errNotFound
	}
	if err != nil {
		return Program{}, pr, fmt.Errorf("read program %s: %w", id, err)
	}
	return p, pr, nil
}

func illegal(p *Program, to Status) error {
	return fault.Errorf(fault.Conflict, "illegal_transition", "a program that is %s cannot become %s", p.Status, to)
}

// move changes p's status through a legal transition and records it.
func (p *Program) move(to Status, at time.Time, by, reason string) error {
	if !p.Status.CanBecome(to) {
		return illegal(p, to)
	}
	p.History = append(p.History, Transition{At: at, By: by, From: p.Status, To: to, Reason: reason})
	p.Status, p.UpdatedAt = to, at
	return nil
}

func normalise(c Content) Content {
	c.Title = strings.TrimSpace(c.Title)
	c.Description = strings.TrimSpace(c.Description)
	c.TimeZone = strings.TrimSpace(c.TimeZone)
	c.Location = strings.TrimSpace(c.Location)
	c.URL = strings.TrimSpace(c.URL)
	trim := func(items []string) []string {
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, strings.TrimSpace(it))
		}
		return out
	}
	c.Objectives, c.Instructors = trim(c.Objectives), trim(c.Instructors)
	if c.MoreOfferings != nil {
		more := make([]Offering, len(c.MoreOfferings))
		for i, o := range c.MoreOfferings {
			o.TimeZone, o.Location, o.URL = strings.TrimSpace(o.TimeZone), strings.TrimSpace(o.Location), strings.TrimSpace(o.URL)
			more[i] = o
		}
		c.MoreOfferings = more
	}
	return c
}

func (s *Service) checkDraft(c Content) error {
	if d := CheckFields(c, s.policy.Programs); len(d) > 0 {
		return fault.New(fault.Invalid, "invalid_request", "the application has invalid fields", d...)
	}
	return nil
}

// Create opens a draft application for the caller's provider.
// Errors: Unauthenticated; NotFound provider_not_found; Invalid.
func (s *Service) Create(ctx context.Context, c identity.Caller, in Content) (Program, error) {
	pr, err := s.provider(ctx, c)
	if err != nil {
		return Program{}, err
	}
	in = normalise(in)
	if err := s.checkDraft(in); err != nil {
		return Program{}, err
	}
	now := s.clock.Now().UTC()
	p := Program{ID: s.newID("PRG"), ProviderID: pr.ID, ProviderName: pr.Name, ProviderEmail: pr.Email, Content: in,
		Status: Draft, CreatedAt: now, UpdatedAt: now, Version: 1,
		History: []Transition{{At: now, By: c.Sub, To: Draft, Reason: "created"}}}
	if err := s.store.Create(ctx, p); err != nil {
		return Program{}, fmt.Errorf("create program: %w", err)
	}
	return p, nil
}

// Edit replaces the content of a draft, or of a refused application (which
// becomes a draft again).
// Errors: NotFound program_not_found; Invalid; Conflict illegal_transition
// (not a draft or refused).
func (s *Service) Edit(ctx context.Context, c identity.Caller, id string, in Content) (Program, error) {
	if _, _, err := s.own(ctx, c, id); err != nil {
		return Program{}, err
	}
	in = normalise(in)
	if err := s.checkDraft(in); err != nil {
		return Program{}, err
	}
	return s.update(ctx, id, func(p *Program) ([]outbox.Message, error) {
		now := s.clock.Now().UTC()
		switch p.Status {
		case Draft:
		case Refused:
			if err := p.move(Draft, now, c.Sub, "edited after refusal"); err != nil {
				return nil, err
			}
		default:
			return nil, fault.Errorf(fault.Conflict, "illegal_transition", "a program that is %s can no longer be edited", p.Status)
		}
		// A draft's offerings may be renumbered: refusals belong to the
		// next submission.
		p.Content, p.UpdatedAt, p.RefusedOfferings = in, now, nil
		return nil, nil
	})
}

// Submit submits a draft. It first checks synchronously everything the
// application needs (CheckSubmission: complete, consistent, not started at
// this moment); an application that falls short is answered at once with
// every problem, one detail per field, and nothing is written, queued or
// mailed. A complete one is accepted, and validated again and invoiced
// asynchronously (validation queue → fee queue).
// Errors: NotFound; Conflict illegal_transition; Unprocessable
// application_incomplete (a detail per field of the application).
func (s *Service) Submit(ctx context.Context, c identity.Caller, id string) (Program, error) {
	if _, _, err := s.own(ctx, c, id); err != nil {
		return Program{}, err
	}
	return s.update(ctx, id, func(p *Program) ([]outbox.Message, error) {
		now := s.clock.Now().UTC()
		if !p.Status.CanBecome(Submitted) {
			return nil, illegal(p, Submitted)
		}
		// Judged on the content of this very write, so that an edit racing
		// the submission cannot slip past the check.
		problems, refused := CheckSubmission(p.Content, s.policy.Programs, now)
		if len(problems) > 0 {
			return nil, fault.New(fault.Unprocessable, CodeIncomplete,
				"the application cannot be submitted yet: complete or correct the fields listed; nothing was submitted", problems...)
		}
		reason := "submitted by the provider"
		for _, r := range refused {
			reason += "; " + r.Reason + " (the other offerings are)"
		}
		if err := p.move(Submitted, now, c.Sub, reason); err != nil {
			return nil, err
		}
		p.Submission++
		p.SubmittedAt, p.Problems, p.Fee, p.RefusedOfferings = now, nil, nil, refused
		m, err := outbox.New(ValidationQueue, Step{ProgramID: p.ID, Submission: p.Submission})
		return []outbox.Message{m}, err
	})
}

// CodeIncomplete is the code of Submit's refusal of an application that is
// not ready: its details name each field to complete or correct.
const CodeIncomplete = "application_incomplete"

// InvoiceID names the fee invoice of a program's submission; the payment
// webhook finds the program from it.
func InvoiceID(programID string, submission int) string {
	return fmt.Sprintf("INV-%s-%d", programID, submission)
}

// ProgramOfInvoice returns the program an invoice ID belongs to.
func ProgramOfInvoice(invoiceID string) (string, bool) {
	rest, ok := strings.CutPrefix(invoiceID, "INV-")
	i := strings.LastIndex(rest, "-")
	if !ok || i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// Step is the message between the asynchronous steps.
type Step struct {
	ProgramID  string `json:"programId"`
	Submission int    `json:"submission"`
}

func decodeStep(body string) (Step, error) {
	var st Step
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.ProgramID == "" || st.Submission < 1 {
		return Step{}, fmt.Errorf("malformed step message %q", body)
	}
	return st, nil
}

// Validate is the validation queue's consumer: it checks the submission
// again, with the same rules against the moment it was submitted, and either
// refuses it with the reasons (and mails them), or passes it to the fee step.
// Submit has checked the same already, so a refusal here is rare: a
// submission accepted before Submit checked it, or one judged under a policy
// that changed between submission and validation (a deploy in between).
// A message of an earlier submission, or one already handled, changes nothing.
func (s *Service) Validate(ctx context.Context, body string) error {
	st, err := decodeStep(body)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, st.ProgramID, func(p *Program) ([]outbox.Message, error) {
		if p.Status != Submitted || p.Submission != st.Submission || p.Validated == st.Submission {
			return nil, ErrNoChange
		}
		now := s.clock.Now().UTC()
		problems, refused := CheckSubmission(p.Content, s.policy.Programs, p.SubmittedAt)
		if len(problems) > 0 {
			if err := p.move(Refused, now, system, refusalReason(problems)); err != nil {
				return nil, err
			}
			p.Problems, p.RefusedOfferings = problems, nil
			m, err := s.mail(p, "program_refused", map[string]string{"reasons": refusalReason(problems)})
			return []outbox.Message{m}, err
		}
		p.Validated, p.UpdatedAt, p.RefusedOfferings = st.Submission, now, refused
		m, err := outbox.New(FeeQueue, st)
		return []outbox.Message{m}, err
	})
	if errors.Is(err, ErrNoChange) || errors.Is(err, ErrNotFound) {
		return nil // a duplicate, a stale submission, or a program that is gone: nothing to do
	}
	return err
}

// fieldNames are the application's fields as the form and the provider
// name them, for what the history and the refusal email say.
var fieldNames = map[string]string{
	"title": "Title", "description": "Description", "format": "Format", "startsAt": "Start", "endsAt": "End",
	"timeZone": "Time zone", "location": "Location", "url": "Web address", "contactHours": "Contact hours",
	"objectives": "Learning objectives", "instructors": "Instructors", "moreOfferings": "Offerings",
}

// refusalReason is a refusal's problems in words ("Contact hours: must be
// from 0.5 to 5; Learning objectives, line 2: must not be empty"): it is
// kept in the history and emailed, where no field name of the API belongs.
func refusalReason(d []fault.Detail) string {
	parts := make([]string, 0, len(d))
	for _, x := range d {
		name, rest, _ := strings.Cut(x.Field, "[")
		offering := ""
		if name == "moreOfferings" && rest != "" {
			// moreOfferings[0].startsAt is offering 2's start.
			i, field, _ := strings.Cut(rest, "].")
			if n, err := strconv.Atoi(i); err == nil {
				offering = fmt.Sprintf("Offering %d, ", n+2)
			}
			name, rest = field, ""
		}
		label := fieldNames[name]
		if label == "" {
			label = "The application"
		} else if offering != "" {
			label = offering + strings.ToLower(label)
		}
		if line, ok := strings.CutSuffix(rest, "]"); ok {
			if n, err := strconv.Atoi(line); err == nil {
				label = fmt.Sprintf("%s, line %d", label, n+1)
			}
		}
		parts = append(parts, label+": "+x.Message)
	}
	return strings.Join(parts, "; ")
}

// Invoice is the fee queue's consumer: it prices the validated submission
// from the policy and issues the invoice (submitted → fee_due).
func (s *Service) Invoice(ctx context.Context, body string) error {
	st, err := decodeStep(body)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, st.ProgramID, func(p *Program) ([]outbox.Message, error) {
		if p.Status != Submitted || p.Submission != st.Submission || p.Validated != st.Submission {
			return nil, ErrNoChange
		}
		now := s.clock.Now().UTC()
		// Validated: every offering has its dates.
		fee := PriceOfferings(s.policy.Programs, s.policy.Association.Location(), p.ContactHours, p.ActiveOfferings(), p.SubmittedAt)
		fee.InvoiceID, fee.IssuedAt = InvoiceID(p.ID, p.Submission), now
		fee.IssuedOn = now.In(s.policy.Association.Location()).Format(time.DateOnly)
		reason := fmt.Sprintf("invoiced %s for %s", money(fee.AmountCents, fee.Currency), fee.cecsText(p.ContactHours))
		lines := ""
		if len(fee.Offerings) > 1 {
			for _, l := range fee.Offerings {
				lines += fmt.Sprintf("\n    Offering %d, starting %s: %s", l.Offering, l.StartsAt.Format("2 January 2006"), money(l.AmountCents, fee.Currency))
				if l.Late {
					lines += ", late fee included"
				}
			}
		}
		if fee.Late && len(fee.Offerings) <= 1 {
			reason += fmt.Sprintf(", late fee included (submitted %d days before the start)", fee.DaysBefore)
		}
		for _, l := range fee.Offerings {
			if l.Late && len(fee.Offerings) > 1 {
				reason += fmt.Sprintf(", late fee included for offering %d (submitted %d days before it starts)", l.Offering, l.DaysBefore)
			}
		}
		if err := p.move(FeeDue, now, system, reason); err != nil {
			return nil, err
		}
		p.Fee = &fee
		m, err := s.mail(p, "program_invoice", map[string]string{"amount": money(fee.AmountCents, fee.Currency),
			"invoiceId": fee.InvoiceID, "late": fmt.Sprint(fee.Late), "cecs": fee.cecsText(p.ContactHours),
			"lateWithinDays": fmt.Sprint(s.policy.Programs.LateWithinDays), "offerings": lines, "refused": refusedText(p.RefusedOfferings)})
		return []outbox.Message{m}, err
	})
	if errors.Is(err, ErrNoChange) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// cecsText is what a fee is for, in words: "6 CECs", or "6 CECs × 2
// offerings" (each attendee is credited the program's hours, once).
func (f Fee) cecsText(hours fmt.Stringer) string {
	if n := len(f.Offerings); n > 1 {
		return fmt.Sprintf("%s CECs × %d offerings", hours, n)
	}
	return f.CECs.String() + " CECs"
}

// refusedText is the offerings refused by themselves, for an email.
func refusedText(r []RefusedOffering) string {
	var parts []string
	for _, x := range r {
		if x.Reason != "" {
			parts = append(parts, strings.ToUpper(x.Reason[:1])+x.Reason[1:]+".")
		}
	}
	return strings.Join(parts, " ")
}

func money(cents int64, currency string) string { return checkout.Money(cents, currency) }

// mail queues an email about p to the provider's contact.
func (s *Service) mail(p *Program, template string, data map[string]string) (outbox.Message, error) {
	data["programId"], data["title"], data["providerName"] = p.ID, p.Title, p.ProviderName
	// The job ID names the transition, so each one is mailed once.
	return notify.Job{ID: fmt.Sprintf("%s:%s:%d", template, p.ID, len(p.History)), Template: template,
		To: []string{p.ProviderEmail}, Data: data}.Message()
}

// update runs a read-modify-write and dispatches the messages it wrote.
func (s *Service) update(ctx context.Context, id string, fn func(*Program) ([]outbox.Message, error)) (Program, error) {
	return outbox.Apply(ctx, s.relay, s.store.Update, id, fn)
}

// Get returns one of the caller's programs; staff may read any.
// Errors: NotFound program_not_found.
// FeeReceipt returns a program whose application fee is paid, for its
// receipt: the provider's own, or any for staff.
// Errors: as Get; NotFound fee_not_found (no fee invoiced); Conflict
// not_paid.
func (s *Service) FeeReceipt(ctx context.Context, c identity.Caller, id string) (Program, error) {
	p, err := s.Get(ctx, c, id)
	if err != nil {
		return Program{}, err
	}
	if p.Fee == nil {
		return Program{}, fault.New(fault.NotFound, "fee_not_found", "no application fee is invoiced for this program")
	}
	if p.Fee.Status != FeePaid {
		return Program{}, fault.New(fault.Conflict, "not_paid", "the application fee is not paid yet: its receipt comes once it is")
	}
	return p, nil
}

func (s *Service) Get(ctx context.Context, c identity.Caller, id string) (Program, error) {
	if c.Has(identity.RoleStaff) {
		p, err := s.store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return Program{}, fault.Errorf(fault.NotFound, "program_not_found", "no program %s", id)
		}
		return p, err
	}
	p, _, err := s.own(ctx, c, id)
	return p, err
}

// List returns the caller's programs, newest first, a page at a time.
// Errors: NotFound provider_not_found.
func (s *Service) List(ctx context.Context, c identity.Caller, pg Page) ([]Program, string, error) {
	pr, err := s.provider(ctx, c)
	if err != nil {
		return nil, "", err
	}
	return s.store.ByProvider(ctx, pr.ID, pg)
}

// StartCheckout opens a payment session for the program's open invoice.
// Errors: NotFound; Conflict fee_not_due (no open invoice).
func (s *Service) StartCheckout(ctx context.Context, c identity.Caller, id string) (checkout.Session, error) {
	p, pr, err := s.own(ctx, c, id)
	if err != nil {
		return checkout.Session{}, err
	}
	if p.Status != FeeDue || p.Fee == nil || p.Fee.Status != FeeOpen {
		return checkout.Session{}, fault.Errorf(fault.Conflict, "fee_not_due", "a program that is %s has no open invoice to pay", p.Status)
	}
	co, err := s.checkouts.StartCheckout(ctx, checkout.Request{InvoiceID: p.Fee.InvoiceID, AmountCents: p.Fee.AmountCents,
		Currency: p.Fee.Currency, Description: fmt.Sprintf("CEC application fee: %s (%s)", p.Title, p.Fee.cecsText(p.ContactHours)), Email: pr.Email})
	if err != nil {
		return checkout.Session{}, fmt.Errorf("start checkout for %s: %w", p.Fee.InvoiceID, err)
	}
	co.CreatedAt = s.clock.Now().UTC()
	invoice := p.Fee.InvoiceID
	_, err = s.update(ctx, id, func(p *Program) ([]outbox.Message, error) {
		if p.Fee == nil || p.Fee.InvoiceID != invoice || p.Fee.Status != FeeOpen {
			return nil, ErrNoChange // paid or re-invoiced meanwhile
		}
		if p.Fee.Checkout != nil && p.Fee.Checkout.Reference == co.Reference {
			return nil, ErrNoChange
		}
		p.Fee.Checkout = &co
		return nil, nil
	})
	if err != nil && !errors.Is(err, ErrNoChange) {
		return checkout.Session{}, fmt.Errorf("record checkout of %s: %w", id, err)
	}
	return co, nil
}

// RecordFeePaid settles the application fee of invoice (fee_due → paid)
// and puts the program in the staff review queue (paid → in_review). The
// payment webhook calls it; a second call for the same invoice changes nothing.
// Errors: NotFound program_not_found; Conflict invoice_mismatch when the
// invoice is not the program's current one.
func (s *Service) RecordFeePaid(ctx context.Context, programID, invoiceID, paymentRef string) (Program, error) {
	p, err := s.update(ctx, programID, func(p *Program) ([]outbox.Message, error) {
		if p.Fee == nil || p.Fee.InvoiceID != invoiceID {
			return nil, fault.Errorf(fault.Conflict, "invoice_mismatch", "invoice %s is not the open invoice of %s", invoiceID, p.ID)
		}
		if p.Fee.Status == FeePaid {
			return nil, ErrNoChange
		}
		now := s.clock.Now().UTC()
		if err := p.move(Paid, now, system, "application fee paid ("+paymentRef+")"); err != nil {
			return nil, err
		}
		p.Fee.Status, p.Fee.PaidAt = FeePaid, now
		return nil, p.move(InReview, now, system, "queued for staff review")
	})
	if errors.Is(err, ErrNoChange) {
		return p, nil
	}
	if errors.Is(err, ErrNotFound) {
		return Program{}, fault.Errorf(fault.NotFound, "program_not_found", "no program %s", programID)
	}
	return p, err
}

// SettleFee records a payment event of the payment provider on the fee
// invoice it names, once per event ID (the payments queue's consumer calls it):
//   - succeeded with the invoice's amount and currency: the fee is paid and
//     the program moves fee_due → paid → in_review;
//   - succeeded with another amount or currency: recorded as a mismatch and
//     flagged for staff; the invoice stays open;
//   - failed: recorded; the invoice stays open (a later success still pays
//     it), or paid when the failure arrives after the success;
//   - refunded: recorded and flagged (the fee is non-refundable by policy).
//
// Events arrive in any order: nothing undoes a payment, and a second success
// after the fee is paid changes nothing. changed reports whether anything
// was written.
// Errors: NotFound program_not_found; Conflict invoice_mismatch when the
// invoice is not the program's; Invalid for an unknown kind.
func (s *Service) SettleFee(ctx context.Context, invoiceID string, ev FeePayment) (p Program, changed bool, err error) {
	programID, ok := ProgramOfInvoice(invoiceID)
	if !ok {
		return Program{}, false, fault.Errorf(fault.NotFound, "program_not_found", "invoice %s names no program", invoiceID)
	}
	switch ev.Kind {
	case PaymentSucceeded, PaymentFailed, PaymentRefunded:
	default:
		return Program{}, false, fault.Errorf(fault.Invalid, "invalid_payment", "unknown payment event kind %q", ev.Kind)
	}
	p, err = s.update(ctx, programID, func(p *Program) ([]outbox.Message, error) {
		if p.Fee == nil || p.Fee.InvoiceID != invoiceID {
			return nil, fault.Errorf(fault.Conflict, "invoice_mismatch", "invoice %s is not the invoice of %s", invoiceID, p.ID)
		}
		now := s.clock.Now().UTC()
		d := checkout.Decide(checkout.Ledger{Paid: p.Fee.Status == FeePaid, TotalCents: p.Fee.AmountCents, Currency: p.Fee.Currency,
			Payments: p.Fee.Payments}, ev, now)
		if d.Effect == checkout.Unchanged {
			return nil, ErrNoChange
		}
		p.Fee.Payments, p.UpdatedAt = append(p.Fee.Payments, d.Record), now
		if d.Flag != "" {
			p.Fee.Flag = d.Flag
		}
		if d.Effect == checkout.Recorded {
			// A failure after the payment is a superseded attempt's, kept
			// for the record; the fee stays paid.
			return nil, nil
		}
		if err := p.move(Paid, now, system, "application fee paid ("+ev.Reference+")"); err != nil {
			return nil, err
		}
		p.Fee.Status, p.Fee.PaidAt = FeePaid, now
		if err := p.move(InReview, now, system, "queued for staff review"); err != nil {
			return nil, err
		}
		// The receipt is queued in the same write; one per invoice.
		receipt, err := notify.Job{ID: "receipt:" + invoiceID, Template: "receipt", To: []string{p.ProviderEmail},
			Data: map[string]string{"invoiceId": invoiceID, "name": p.ProviderName, "amount": money(p.Fee.AmountCents, p.Fee.Currency),
				"description": fmt.Sprintf("CEC application fee: %s (%s)", p.Title, p.Fee.cecsText(p.ContactHours)),
				"reference":   ev.Reference, "paidOn": now.Format(time.DateOnly), "pdfPage": "#/provider/programs/" + p.ID}}.Message()
		return []outbox.Message{receipt}, err
	})
	switch {
	case errors.Is(err, ErrNoChange):
		return p, false, nil
	case errors.Is(err, ErrNotFound):
		return Program{}, false, fault.Errorf(fault.NotFound, "program_not_found", "no program %s", programID)
	case err != nil:
		return p, false, err
	}
	return p, true, nil
}

// ReviewQueue lists programs in a status for staff (default in_review).
// Errors: Forbidden; Invalid unknown status.
func (s *Service) ReviewQueue(ctx context.Context, c identity.Caller, status Status, pg Page) ([]Program, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	if status == "" {
		status = InReview
	}
	if !status.Valid() {
		return nil, "", fault.New(fault.Invalid, "invalid_request", "unknown status",
			fault.Detail{Field: "status", Code: "invalid_value", Message: fmt.Sprintf("%q is not a program status", status)})
	}
	return s.store.ByStatus(ctx, status, pg)
}

const maxReason = 2000

// Decision is staff's verdict on an application in review.
type Decision struct {
	Approve bool
	Reason  string
}

// Decide approves or rejects an application in review and tells the
// provider. A rejection needs a reason.
// Errors: Forbidden; NotFound; Invalid reason_required; Conflict illegal_transition.
func (s *Service) Decide(ctx context.Context, c identity.Caller, id string, d Decision) (Program, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Program{}, err
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if !d.Approve && d.Reason == "" {
		return Program{}, fault.New(fault.Invalid, "invalid_request", "a rejection needs a reason",
			fault.Detail{Field: "reason", Code: "required", Message: "is required to reject"})
	}
	if code, msg := freetext.Check(d.Reason, maxReason, true); code != "" {
		return Program{}, fault.New(fault.Invalid, "invalid_request", "the reason cannot be taken",
			fault.Detail{Field: "reason", Code: code, Message: msg})
	}
	to, verdict := Rejected, "rejected"
	if d.Approve {
		to, verdict = Approved, "approved"
	}
	p, err := s.update(ctx, id, func(p *Program) ([]outbox.Message, error) {
		if err := p.move(to, s.clock.Now().UTC(), c.Sub, d.Reason); err != nil {
			return nil, err
		}
		m, err := s.mail(p, "program_decision", map[string]string{"decision": verdict, "reason": d.Reason})
		return []outbox.Message{m}, err
	})
	if errors.Is(err, ErrNotFound) {
		return Program{}, fault.Errorf(fault.NotFound, "program_not_found", "no program %s", id)
	}
	return p, err
}

// Copy starts a new draft from one of the caller's decided programs: the
// same content without dates. An approved program is copied to offer it
// again; a rejected one to apply again with what the staff's reason asks
// changed (the rejection itself is final).
// Errors: NotFound; Conflict not_decided (not approved or rejected).
func (s *Service) Copy(ctx context.Context, c identity.Caller, id string) (Program, error) {
	src, pr, err := s.own(ctx, c, id)
	if err != nil {
		return Program{}, err
	}
	if src.Status != Approved && src.Status != Rejected {
		return Program{}, fault.Errorf(fault.Conflict, "not_decided", "only an approved or rejected program can be copied; %s is %s", id, src.Status)
	}
	now := s.clock.Now().UTC()
	content := src.Content
	content.StartsAt, content.EndsAt = nil, nil
	content.MoreOfferings = nil
	for _, o := range src.MoreOfferings { // the same places, new dates
		content.MoreOfferings = append(content.MoreOfferings, Offering{TimeZone: o.TimeZone, Location: o.Location, URL: o.URL})
	}
	content.Objectives = append([]string(nil), src.Objectives...)
	content.Instructors = append([]string(nil), src.Instructors...)
	p := Program{ID: s.newID("PRG"), ProviderID: pr.ID, ProviderName: pr.Name, ProviderEmail: pr.Email, Content: content,
		Status: Draft, CopiedFrom: src.ID, CreatedAt: now, UpdatedAt: now, Version: 1,
		History: []Transition{{At: now, By: c.Sub, To: Draft, Reason: "copied from " + src.ID}}}
	if err := s.store.Create(ctx, p); err != nil {
		return Program{}, fmt.Errorf("create copy of %s: %w", id, err)
	}
	return p, nil
}

// Calendar lists approved programs that opted in, starting from from (by
// default now) until to (by default a year later), by start.
// Errors: Invalid (to before from, or a span over two years).
func (s *Service) Calendar(ctx context.Context, from, to *time.Time, pg Page) ([]CalendarEntry, string, error) {
	start := s.clock.Now()
	if from != nil {
		start = *from
	}
	end := start.AddDate(1, 0, 0)
	if to != nil {
		end = *to
	}
	for _, b := range []struct {
		field string
		at    time.Time
	}{{"from", start}, {"to", end}} {
		if calendar.CheckInstant(b.at) != nil {
			return nil, "", fault.New(fault.Invalid, "invalid_request", "the calendar range is invalid",
				fault.Detail{Field: b.field, Code: "out_of_range", Message: "must be in the years 1900 to 2199, with a UTC offset from -12:00 to +14:00"})
		}
	}
	if !end.After(start) || end.Sub(start) > 2*366*24*time.Hour {
		return nil, "", fault.New(fault.Invalid, "invalid_request", "the calendar range is invalid",
			fault.Detail{Field: "to", Code: "invalid_range", Message: "must be after from, and at most two years later"})
	}
	return s.store.Calendar(ctx, start, end, pg)
}
