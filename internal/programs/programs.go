// Package programs owns provider program applications (SPEC §1): drafts,
// submission, the asynchronous validation and fee steps, payment of the
// application fee, staff review, copies of decided programs and the public
// calendar. Every change of status is a legal transition of the machine
// below and is kept in the program's history with who, when and why.
//
//	draft → submitted → refused | fee_due → paid → in_review → approved | rejected
//	refused → draft (the provider edits a refused application to submit again)
package programs

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
)

// Status is where an application stands.
type Status string

const (
	Draft     Status = "draft"
	Submitted Status = "submitted" // accepted; validation and the fee follow asynchronously
	Refused   Status = "refused"   // validation found problems (recorded on the program)
	FeeDue    Status = "fee_due"   // invoiced; waiting for payment
	Paid      Status = "paid"
	InReview  Status = "in_review" // in the staff review queue
	Approved  Status = "approved"
	Rejected  Status = "rejected"
)

// Statuses lists every status, in the order of the machine.
var Statuses = []Status{Draft, Submitted, Refused, FeeDue, Paid, InReview, Approved, Rejected}

var transitions = map[Status][]Status{
	Draft:     {Submitted},
	Submitted: {Refused, FeeDue},
	Refused:   {Draft},
	FeeDue:    {Paid},
	Paid:      {InReview},
	InReview:  {Approved, Rejected},
}

// CanBecome reports whether the machine allows s → t.
func (s Status) CanBecome(t Status) bool { return slices.Contains(transitions[s], t) }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Format is how a program is delivered.
type Format string

const (
	InPerson   Format = "in_person"
	LiveOnline Format = "live_online"
	Recorded   Format = "recorded"
)

// Formats lists every format.
var Formats = []Format{InPerson, LiveOnline, Recorded}

// Content is what a provider writes in an application; a draft may leave
// any of it empty, a submitted application must be complete.
//
// The dates and place at the top are the first offering; MoreOfferings
// are the second and later offerings of the same content (SPEC §1: each
// with its own start, end, time zone and location or URL). Offerings are
// numbered from 1 in that order; from submission on the number stays with
// an offering.
type Content struct {
	Title       string
	Description string
	Format      Format
	StartsAt    *time.Time // with the offset the provider gave
	EndsAt      *time.Time
	TimeZone    string // IANA zone of the program, e.g. America/Chicago
	Location    string // venue and address (in person)
	URL         string // where to attend (live online, recorded)
	// MoreOfferings are offerings 2, 3, … (MaxOfferings in all).
	MoreOfferings []Offering
	ContactHours  cec.Hours
	Objectives    []string
	Instructors   []string
	Compliance    bool // addresses legislative or regulatory compliance
	CalendarOptIn bool // list it on the public CEC calendar
}

// Offering is one time and place a program is held.
type Offering struct {
	StartsAt *time.Time
	EndsAt   *time.Time
	TimeZone string
	Location string
	URL      string
}

// MaxOfferings is how many offerings one application may list.
const MaxOfferings = 20

// Offerings are c's offerings in order: offering n is Offerings()[n-1].
func (c Content) Offerings() []Offering {
	first := Offering{StartsAt: c.StartsAt, EndsAt: c.EndsAt, TimeZone: c.TimeZone, Location: c.Location, URL: c.URL}
	return append([]Offering{first}, c.MoreOfferings...)
}

// RefusedOffering is an offering refused by itself while the others of
// the application go on (it had started when the application was submitted).
type RefusedOffering struct {
	Offering int // its number, from 1
	Reason   string
}

// NumberedOffering is an offering with its number in its program, from 1.
type NumberedOffering struct {
	N int
	Offering
}

// ActiveOfferings are p's offerings that were not refused, in order.
func (p Program) ActiveOfferings() []NumberedOffering {
	var out []NumberedOffering
	for i, o := range p.Offerings() {
		if !p.refused(i + 1) {
			out = append(out, NumberedOffering{N: i + 1, Offering: o})
		}
	}
	return out
}

// Offering returns offering n of p and whether p has it and did not refuse it.
func (p Program) Offering(n int) (Offering, bool) {
	all := p.Offerings()
	if n < 1 || n > len(all) || p.refused(n) {
		return Offering{}, false
	}
	return all[n-1], true
}

func (p Program) refused(n int) bool {
	return slices.ContainsFunc(p.RefusedOfferings, func(r RefusedOffering) bool { return r.Offering == n })
}

// Program is one application.
type Program struct {
	ID            string
	ProviderID    string
	ProviderName  string // for the public calendar
	ProviderEmail string // where decisions and invoices are mailed
	Content
	Status Status
	Fee    *Fee // set by the fee step
	// Problems are the reasons of the last refusal.
	Problems []fault.Detail
	// RefusedOfferings are the offerings of the current submission refused
	// by themselves (the application goes on with the others).
	RefusedOfferings []RefusedOffering
	History          []Transition
	// Submission counts submissions, so that a queue message from an
	// earlier submission is recognised and ignored.
	Submission  int
	SubmittedAt time.Time
	// Validated is the submission that passed validation.
	Validated  int
	CopiedFrom string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Transition is one entry of a program's history.
type Transition struct {
	At     time.Time
	By     string // the caller's subject, or "system" for the asynchronous steps
	From   Status // "" when the program was created
	To     Status
	Reason string
}

// FeeStatus is the state of the application fee invoice.
type FeeStatus string

const (
	FeeOpen FeeStatus = "open"
	FeePaid FeeStatus = "paid"
)

// Fee is the application fee invoice.
type Fee struct {
	InvoiceID   string
	AmountCents int64
	Currency    string
	Late        bool
	CECs        cec.Hours
	PerCECCents int64 // application fee plus late fee, per CEC
	DaysBefore  int   // calendar days from submission to the start date
	Status      FeeStatus
	IssuedAt    time.Time
	// IssuedOn is IssuedAt's date in the association's time zone: the
	// unpaid-fee reminders count their days from it.
	IssuedOn string // YYYY-MM-DD
	PaidAt   time.Time
	Checkout *checkout.Session
	// Payments is what the payment provider reported about this invoice,
	// oldest first: successes, failures, refunds and mismatches.
	Payments []FeePayment
	// Flag, when set, asks staff to look at the fee (FlagMismatch, FlagRefunded).
	Flag string
	// Offerings are the fee's lines, one per offering invoiced.
	Offerings []OfferingFee
}

// PaymentKind is what a payment event says happened (checkout's, shared
// by every invoice).
type PaymentKind = checkout.PaymentKind

const (
	PaymentSucceeded = checkout.Succeeded
	PaymentFailed    = checkout.Failed
	PaymentRefunded  = checkout.Refunded
	PaymentMismatch  = checkout.Mismatch
)

// Flags on a fee that staff should look at.
const (
	FlagMismatch = checkout.FlagMismatch
	FlagRefunded = checkout.FlagRefunded
)

// FeePayment is one payment event recorded on a fee.
type FeePayment = checkout.Payment

// CalendarEntry is what the public calendar shows of an approved program.
type CalendarEntry struct {
	ProgramID    string
	Offering     int // its number in the program, from 1
	ProviderName string
	Title        string
	Format       Format
	StartsAt     time.Time
	EndsAt       time.Time
	TimeZone     string
	Location     string
	URL          string
	ContactHours cec.Hours
	Compliance   bool
}

// Page asks for one page of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Store keeps programs. Each method's writes are atomic.
type Store interface {
	// Create writes a new program with msgs.
	Create(ctx context.Context, p Program, msgs ...outbox.Message) error
	// Get returns the program, or ErrNotFound.
	Get(ctx context.Context, id string) (Program, error)
	// Update applies fn to the current program and writes it, with the
	// messages fn returns, if nobody wrote in between (else it re-reads and
	// applies fn again). fn returning ErrNoChange writes nothing and Update
	// returns the current program with ErrNoChange; other errors of fn are
	// returned as they are. ErrNotFound.
	Update(ctx context.Context, id string, fn func(p *Program) ([]outbox.Message, error)) (Program, error)
	// ByProvider lists a provider's programs, newest first.
	ByProvider(ctx context.Context, providerID string, pg Page) ([]Program, string, error)
	// ByStatus lists programs in a status, oldest change first (a queue).
	ByStatus(ctx context.Context, s Status, pg Page) ([]Program, string, error)
	// Calendar lists approved, opted-in programs starting in [from, to), by start.
	Calendar(ctx context.Context, from, to time.Time, pg Page) ([]CalendarEntry, string, error)
}

// Errors of the Store.
var (
	ErrNotFound = errors.New("programs: not found")
	ErrNoChange = errors.New("programs: nothing to change")
)
