// Package renewals owns the yearly renewal of a holder's credentials: the
// renewal invoice of each year (dues per credential, issued on the policy's
// date before the year, due and in grace during it), its payment, and the
// holder's view of the four renewal steps. It knows no AWS or HTTP type.
package renewals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/outbox"
)

// Status is the state of a renewal invoice.
type Status string

const (
	Open Status = "open"
	Paid Status = "paid"
	// Failed: the last payment attempt failed and none succeeded; the
	// invoice may still be paid.
	Failed Status = "failed"
)

// Line is the dues of one credential.
type Line struct {
	Code  string
	Cents int64
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

// Payment is one payment provider event recorded on an invoice.
type Payment = checkout.Payment

// Invoice is a holder's renewal invoice for one renewal year.
type Invoice struct {
	ID           string // InvoiceID(HolderID, Year)
	HolderID     string
	HolderEmail  string // where the receipt goes, as of the invoice's issue
	HolderName   string
	Year         int
	Credentials  []string // codes, sorted
	Lines        []Line
	TotalCents   int64
	Currency     string
	CECsRequired cec.Hours
	// CECsOutstandingAtIssue: the year's CECs were not met when the invoice
	// was issued, so the CEC reminders follow the holder until they are.
	CECsOutstandingAtIssue bool `json:",omitempty"`
	// CECsJudged and CECsShort are the year's CECs as last judged (at
	// issue, and again by Rejudge): met, or short by the rules CECsShort
	// names (credits.Shortfall's, sorted). The office's compliance counts
	// follow them (docs/dashboard.md). Not judged: an invoice from before
	// the verdict was kept.
	CECsJudged bool     `json:",omitempty"`
	CECsShort  []string `json:",omitempty"`
	IssuedAt   time.Time
	DueOn      string // YYYY-MM-DD, association time zone
	GraceUntil string // YYYY-MM-DD
	Status     Status
	Payments   []Payment // oldest first
	Flag       string    // set when staff should look: payment_mismatch, refunded
	PaidAt     time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
	// Quotes are the amounts checkouts were started for, oldest first: a
	// payment of one of them is taken though the total changed since (the
	// reinstatement fee added, or taken off by a waiver), and flagged.
	Quotes []int64 `json:",omitempty"`
	// LapseWaived: staff reversed the lapse (LapseChanges says who, when
	// and why): the invoice is not lapsed, and paying adds no reinstatement.
	LapseWaived  bool          `json:",omitempty"`
	LapseChanges []LapseChange `json:",omitempty"` // oldest first
	// Lapsed: unpaid after GraceUntil, on the association's calendar and
	// the service's clock, and not waived. Judged when read
	// (Service.judgeLapse), never stored: it changes with the date.
	Lapsed bool `json:"-"`
}

// LapseChange is staff reversing a lapse (Waived) or undoing that, with why.
type LapseChange struct {
	At     time.Time
	By     string // the staff member's subject
	Waived bool
	Reason string
}

// LineReinstatement is the code of the reinstatement fee's line, added once
// to an invoice paid after its grace period (policy
// renewalInvoices.reinstatementFeeCents).
const LineReinstatement = "reinstatement"

// Prefix starts every renewal invoice ID.
const Prefix = "REN-"

// InvoiceID names a holder's renewal invoice of year: REN-<holder>-<year>.
func InvoiceID(holderID string, year int) string {
	return fmt.Sprintf("%s%s-%d", Prefix, holderID, year)
}

// ParseInvoiceID returns the holder and year of a renewal invoice ID.
func ParseInvoiceID(id string) (holderID string, year int, ok bool) {
	rest, ok := strings.CutPrefix(id, Prefix)
	i := strings.LastIndex(rest, "-")
	if !ok || i <= 0 {
		return "", 0, false
	}
	y, err := strconv.Atoi(rest[i+1:])
	if err != nil || y < 1000 || y > 9999 {
		return "", 0, false
	}
	return rest[:i], y, true
}

// Errors of Store.
var (
	ErrNotFound = errors.New("renewals: invoice not found")
	ErrExists   = errors.New("renewals: invoice exists")
	// ErrNoChange: an update function's way to say there is nothing to write.
	ErrNoChange = errors.New("renewals: no change")
)

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1 to 100; 0 means the list's default
	Cursor string // the next cursor of the previous page; "" starts at the beginning
}

// Store keeps renewal invoices.
type Store interface {
	// Create writes a new invoice (a conditional put); ErrExists when the
	// invoice exists already.
	Create(ctx context.Context, inv Invoice) error
	// Get reads an invoice, or ErrNotFound.
	Get(ctx context.Context, id string) (Invoice, error)
	// GetMany reads the invoices of ids that exist (BatchGetItem), in no
	// particular order.
	GetMany(ctx context.Context, ids []string) ([]Invoice, error)
	// Update is a read-modify-write under the invoice's version: fn's
	// changes and messages are written at once. fn may return ErrNoChange.
	Update(ctx context.Context, id string, fn func(inv *Invoice) ([]outbox.Message, error)) (Invoice, error)
	// ByHolder lists one page of a holder's invoices, the latest year
	// first. A cursor of another list is a *fault.Error invalid_cursor.
	ByHolder(ctx context.Context, holderID string, pg Page) ([]Invoice, string, error)
	// LastSweep is when IssueDue last planned a sweep of every holder for year
	// to the end (zero: never).
	LastSweep(ctx context.Context, year int) (time.Time, error)
	// SweepDone records that a sweep of year was planned at at.
	SweepDone(ctx context.Context, year int, at time.Time) error
}

// Holders reads holders (the accounts store).
type Holders interface {
	// Holder returns the holder, or accounts.ErrNotFound.
	Holder(ctx context.Context, id string) (accounts.Holder, error)
	// Renewable reads one page of one shard of the sparse index of holders
	// with credentials; cursor "" starts, a "" next cursor ends.
	Renewable(ctx context.Context, shard int, cursor string, limit int) ([]accounts.Holder, string, error)
}
