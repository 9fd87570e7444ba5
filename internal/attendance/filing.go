package attendance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
)

// Filing fees (SPEC §2): when the policy's schedule charges for an upload's
// reporting date, each accepted row that costs something is held (the
// attendance record is written, so nobody is reported twice, but not the
// transcript credit) and the upload's filing fee becomes an invoice once
// its last chunk is judged. The provider pays it through the same checkout
// and signed webhook as application fees; the payment queues the release,
// which credits every held row exactly once. A schedule that charges
// nothing (the default policy since 2021-09-01) holds nothing: crediting
// is immediate.

// FilingPrefix starts every filing fee invoice ID: FIL-<upload>.
const FilingPrefix = "FIL-"

// FilingInvoiceID names an upload's filing fee invoice.
func FilingInvoiceID(uploadID string) string { return FilingPrefix + uploadID }

// UploadOfInvoice returns the upload a filing fee invoice belongs to.
func UploadOfInvoice(invoiceID string) (string, bool) {
	u, ok := strings.CutPrefix(invoiceID, FilingPrefix)
	return u, ok && u != ""
}

// Charges reports whether the schedule entry charges for anyone.
func (f FilingFee) Charges() bool { return f.MemberCents > 0 || f.GuestCents > 0 }

// For is what the entry charges for a holder of membership.
func (f FilingFee) For(membership string) int64 {
	if membership == string(accounts.Member) {
		return f.MemberCents
	}
	return f.GuestCents
}

// FilingStatus is the state of a filing fee invoice.
type FilingStatus string

const (
	FilingOpen FilingStatus = "open"
	FilingPaid FilingStatus = "paid"
)

// FilingInvoice is an upload's filing fee: the accepted rows that cost
// something, counted as members and guests as of the report, at the
// schedule's amounts of the reporting date.
type FilingInvoice struct {
	ID            string // FilingInvoiceID(UploadID)
	UploadID      string
	UploadedAt    time.Time // the upload's CreatedAt: its place in the program's list
	ProgramID     string
	ProgramTitle  string
	ProviderID    string
	ProviderName  string
	ProviderEmail string // where the invoice, reminders and receipt go
	ReportedOn    roster.Date
	Members       int
	Guests        int
	MemberCents   int64
	GuestCents    int64
	AmountCents   int64
	Currency      string
	Status        FilingStatus
	IssuedAt      time.Time
	// IssuedOn is IssuedAt's date in the association's time zone: the
	// reminders count their days from it.
	IssuedOn string // YYYY-MM-DD
	PaidAt   time.Time
	Checkout *checkout.Session
	Payments []checkout.Payment // oldest first
	Flag     string             // set when staff should look (checkout's flags)
	// ReleaseStep counts the release's steps queued so far; each step
	// credits up to ChunkRows held rows and queues the next.
	ReleaseStep int
	// ReleasedAt: every held row is credited.
	ReleasedAt time.Time
	Version    int64
}

// Released reports whether every held row is credited.
func (f FilingInvoice) Released() bool { return !f.ReleasedAt.IsZero() }

// ErrNoChange is an update function's way to say there is nothing to write.
var ErrNoChange = errors.New("attendance: no change")

// filingInvoice is the invoice of a charged upload whose last chunk was
// judged: nil when no accepted row costs anything.
func (s *Service) filingInvoice(u Upload, p programEssentials, t Totals, now time.Time) *FilingInvoice {
	if t.FeeCents == 0 {
		return nil
	}
	return &FilingInvoice{ID: FilingInvoiceID(u.ID), UploadID: u.ID, UploadedAt: u.CreatedAt, ProgramID: u.ProgramID,
		ProgramTitle: p.Title, ProviderID: u.ProviderID, ProviderName: p.ProviderName, ProviderEmail: p.ProviderEmail,
		ReportedOn: u.ReportedOn, Members: t.Members, Guests: t.Guests, MemberCents: u.Fee.MemberCents, GuestCents: u.Fee.GuestCents,
		AmountCents: t.FeeCents, Currency: u.Fee.Currency, Status: FilingOpen, IssuedAt: now,
		IssuedOn: now.In(s.policy.Association.Location()).Format(time.DateOnly)}
}

// programEssentials is what an invoice names of its program.
type programEssentials struct{ Title, ProviderName, ProviderEmail string }

// invoiceMail tells the provider that the upload's filing fee is due and
// the credits wait for it.
func invoiceMail(inv FilingInvoice) (outbox.Message, error) {
	return notify.Job{ID: "filing-invoice:" + inv.ID, Template: "filing_fee_invoice", To: []string{inv.ProviderEmail},
		Data: map[string]string{"name": inv.ProviderName, "invoiceId": inv.ID, "title": inv.ProgramTitle, "programId": inv.ProgramID,
			"uploadId": inv.UploadID, "amount": checkout.Money(inv.AmountCents, inv.Currency), "reportedOn": inv.ReportedOn.String(),
			"attendees": fmt.Sprint(inv.Members + inv.Guests), "members": fmt.Sprint(inv.Members), "guests": fmt.Sprint(inv.Guests)}}.Message()
}

// description is what the checkout page and the receipt say was paid.
func (f FilingInvoice) description() string {
	return fmt.Sprintf("CEC filing fee: %s, attendance reported %s (%d attendees)", f.ProgramTitle, f.ReportedOn, f.Members+f.Guests)
}

func (s *Service) invoiceOf(ctx context.Context, uploadID string) (FilingInvoice, bool, error) {
	inv, err := s.store.FilingInvoice(ctx, uploadID)
	if errors.Is(err, ErrNotFound) {
		return FilingInvoice{}, false, nil
	}
	if err != nil {
		return FilingInvoice{}, false, fmt.Errorf("read the filing fee of %s: %w", uploadID, err)
	}
	return inv, true, nil
}

// FilingReceipt returns an upload's paid filing fee invoice, for its
// receipt: the provider's own, or any for staff.
// Errors: Unauthenticated; NotFound program_not_found, upload_not_found,
// filing_fee_not_found (no fee was charged); Conflict not_paid.
func (s *Service) FilingReceipt(ctx context.Context, c identity.Caller, programID, uploadID string) (FilingInvoice, error) {
	p, err := s.program(ctx, c, programID, true)
	if err != nil {
		return FilingInvoice{}, err
	}
	inv, found, err := s.invoiceOf(ctx, uploadID)
	if err != nil {
		return FilingInvoice{}, err
	}
	if !found || inv.ProgramID != p.ID {
		if _, err := s.uploadStatus(ctx, p.ID, uploadID); err != nil {
			return FilingInvoice{}, err // upload_not_found
		}
		return FilingInvoice{}, fault.New(fault.NotFound, "filing_fee_not_found", "no filing fee was charged for this upload")
	}
	if inv.Status != FilingPaid {
		return FilingInvoice{}, fault.New(fault.Conflict, "not_paid", "the filing fee is not paid yet: its receipt comes once it is")
	}
	return inv, nil
}

// StartFilingCheckout opens a payment session for an upload's unpaid
// filing fee (the provider's own; staff do not pay for providers) and
// returns it with the invoice it pays.
// Errors: NotFound program_not_found, upload_not_found; Conflict
// filing_fee_not_due (none, or paid).
func (s *Service) StartFilingCheckout(ctx context.Context, c identity.Caller, programID, uploadID string) (checkout.Session, FilingInvoice, error) {
	p, err := s.program(ctx, c, programID, false)
	if err != nil {
		return checkout.Session{}, FilingInvoice{}, err
	}
	inv, found, err := s.invoiceOf(ctx, uploadID)
	if err != nil {
		return checkout.Session{}, FilingInvoice{}, err
	}
	if found && inv.ProgramID != p.ID {
		found = false // another program's upload: not found, below
	}
	if !found {
		if _, err := s.uploadStatus(ctx, p.ID, uploadID); err != nil {
			return checkout.Session{}, FilingInvoice{}, err // upload_not_found
		}
	}
	if !found || inv.Status != FilingOpen {
		return checkout.Session{}, FilingInvoice{}, fault.Errorf(fault.Conflict, "filing_fee_not_due", "upload %s has no filing fee to pay", uploadID)
	}
	co, err := s.checkouts.StartCheckout(ctx, checkout.Request{InvoiceID: inv.ID, AmountCents: inv.AmountCents, Currency: inv.Currency,
		Description: inv.description(), Email: inv.ProviderEmail})
	if err != nil {
		return checkout.Session{}, FilingInvoice{}, fmt.Errorf("start checkout for %s: %w", inv.ID, err)
	}
	co.CreatedAt = s.clock.Now().UTC()
	inv, err = s.store.UpdateFilingInvoice(ctx, uploadID, func(f *FilingInvoice) ([]outbox.Message, error) {
		if f.Status != FilingOpen || (f.Checkout != nil && f.Checkout.Reference == co.Reference) {
			return nil, ErrNoChange
		}
		f.Checkout = &co
		return nil, nil
	})
	if err != nil && !errors.Is(err, ErrNoChange) {
		return checkout.Session{}, FilingInvoice{}, fmt.Errorf("record checkout of %s: %w", uploadID, err)
	}
	if inv.Status != FilingOpen { // paid while the session was opened
		return checkout.Session{}, FilingInvoice{}, fault.Errorf(fault.Conflict, "filing_fee_not_due", "upload %s's filing fee is paid", uploadID)
	}
	return co, inv, nil
}

// release is the crediting queue's message that credits an upload's held
// rows: step n of its release.
type release struct {
	UploadID string `json:"uploadId"`
	Release  int    `json:"release"` // the step, from 1
}

// SettleFilingFee records a payment event on the filing fee invoice it
// names, once per event ID, by checkout.Decide: the payment of the amount
// marks it paid and queues, in the same write, the receipt and the first
// step of the release of the held rows.
// Errors: NotFound filing_fee_not_found; Invalid invalid_payment.
func (s *Service) SettleFilingFee(ctx context.Context, invoiceID string, ev checkout.Payment) (inv FilingInvoice, changed bool, err error) {
	uploadID, ok := UploadOfInvoice(invoiceID)
	if !ok {
		return FilingInvoice{}, false, fault.Errorf(fault.NotFound, "filing_fee_not_found", "invoice %s names no upload", invoiceID)
	}
	switch ev.Kind {
	case checkout.Succeeded, checkout.Failed, checkout.Refunded:
	default:
		return FilingInvoice{}, false, fault.Errorf(fault.Invalid, "invalid_payment", "unknown payment event kind %q", ev.Kind)
	}
	var sent []outbox.Message
	inv, err = s.store.UpdateFilingInvoice(ctx, uploadID, func(f *FilingInvoice) ([]outbox.Message, error) {
		sent = nil
		now := s.clock.Now().UTC()
		d := checkout.Decide(checkout.Ledger{Paid: f.Status == FilingPaid, TotalCents: f.AmountCents, Currency: f.Currency,
			Payments: f.Payments}, ev, now)
		if d.Effect == checkout.Unchanged {
			return nil, ErrNoChange
		}
		f.Payments = append(f.Payments, d.Record)
		if d.Flag != "" {
			f.Flag = d.Flag
		}
		if d.Effect == checkout.Recorded {
			return nil, nil
		}
		f.Status, f.PaidAt, f.ReleaseStep = FilingPaid, now, 1
		receipt, err := notify.Job{ID: "receipt:" + f.ID, Template: "receipt", To: []string{f.ProviderEmail},
			Data: map[string]string{"invoiceId": f.ID, "name": f.ProviderName, "amount": checkout.Money(f.AmountCents, f.Currency),
				"description": f.description(), "reference": ev.Reference, "paidOn": now.Format(time.DateOnly),
				"pdfPage": "#/provider/programs/" + f.ProgramID + "/attendance/" + f.UploadID}}.Message()
		if err != nil {
			return nil, err
		}
		step, err := outbox.New(Queue, release{UploadID: f.UploadID, Release: 1})
		sent = []outbox.Message{receipt, step}
		return sent, err
	})
	switch {
	case errors.Is(err, ErrNoChange):
		return inv, false, nil
	case errors.Is(err, ErrNotFound):
		return FilingInvoice{}, false, fault.Errorf(fault.NotFound, "filing_fee_not_found", "no filing fee invoice %s", invoiceID)
	case err != nil:
		return inv, false, err
	}
	s.relay.Dispatch(ctx, sent...)
	return inv, true, nil
}

// Release credits up to ChunkRows held rows of a paid upload, each exactly
// once (a row's held record is deleted in the write that credits it), and
// then queues the next step, or records the release as done when none is
// left. A step delivered twice credits nothing twice and queues its next
// step once (the invoice's ReleaseStep names the step that may).
func (s *Service) release(ctx context.Context, r release) error {
	inv, found, err := s.invoiceOf(ctx, r.UploadID)
	if err != nil {
		return err
	}
	if !found || inv.Status != FilingPaid || inv.Released() || r.Release != inv.ReleaseStep {
		return nil // nothing to release, or a step run before
	}
	held, more, err := s.store.Held(ctx, r.UploadID, ChunkRows)
	if err != nil {
		return fmt.Errorf("read held rows of %s: %w", r.UploadID, err)
	}
	now := s.clock.Now().UTC()
	for i := range held {
		held[i].Credited = now
	}
	if err := s.store.Release(ctx, held); err != nil {
		return fmt.Errorf("release held rows of %s: %w", r.UploadID, err)
	}
	var sent []outbox.Message
	_, err = s.store.UpdateFilingInvoice(ctx, r.UploadID, func(f *FilingInvoice) ([]outbox.Message, error) {
		sent = nil
		if f.Released() || f.ReleaseStep != r.Release {
			return nil, ErrNoChange
		}
		if !more {
			f.ReleasedAt = now // this step took the last of them
			return nil, nil
		}
		f.ReleaseStep++
		m, err := outbox.New(Queue, release{UploadID: f.UploadID, Release: f.ReleaseStep})
		sent = []outbox.Message{m}
		return sent, err
	})
	if err != nil && !errors.Is(err, ErrNoChange) {
		return fmt.Errorf("record release step %d of %s: %w", r.Release, r.UploadID, err)
	}
	s.relay.Dispatch(ctx, sent...)
	if !errors.Is(err, ErrNoChange) {
		s.log.InfoContext(ctx, "held credits released", "upload", r.UploadID, "step", r.Release, "credits", len(held))
	}
	return nil
}

// OpenFilingFees lists the unpaid filing fees, oldest first, for staff.
// Errors: Unauthenticated; Forbidden unless staff; Invalid invalid_cursor.
func (s *Service) OpenFilingFees(ctx context.Context, c identity.Caller, pg Page) ([]FilingInvoice, string, error) {
	if c.Anonymous() {
		return nil, "", identity.ErrSignIn
	}
	if !c.Has(identity.RoleStaff) {
		return nil, "", fault.New(fault.Forbidden, "forbidden", "only staff list unpaid filing fees")
	}
	return s.store.OpenFilingInvoices(ctx, pg)
}

// MyOpenFilingFees lists the caller's organisation's unpaid filing fees,
// oldest first: what the provider's home page asks them to pay.
// Errors: Unauthenticated; NotFound provider_not_found; Invalid
// invalid_cursor.
func (s *Service) MyOpenFilingFees(ctx context.Context, c identity.Caller, pg Page) ([]FilingInvoice, string, error) {
	if c.Anonymous() {
		return nil, "", identity.ErrSignIn
	}
	pr, err := s.providers.MyProvider(ctx, c)
	if err != nil {
		return nil, "", err
	}
	return s.store.ProviderOpenFilingInvoices(ctx, pr.ID, pg)
}

// decodeMessage reads a crediting queue message: a chunk step or a
// release step.
func decodeMessage(body string) (step, release, error) {
	var m struct {
		step
		Release int `json:"release"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.UploadID == "" || m.Chunk < 0 || m.Release < 0 {
		return step{}, release{}, fmt.Errorf("malformed crediting message %q", body)
	}
	if m.Release > 0 {
		return step{}, release{UploadID: m.UploadID, Release: m.Release}, nil
	}
	return m.step, release{}, nil
}
