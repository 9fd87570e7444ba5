package ledger

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/identity"
)

// Why a payment is an issue for staff.
const (
	IssueRefunded = "refunded" // the provider refunded it: the invoice stays paid
	IssueMismatch = "mismatch" // another amount or currency: not taken, to refund or settle
	IssueQuoted   = "quoted"   // an earlier checkout's amount: taken, the difference to settle
)

// IssueOf says whether entry e is one staff must look at, and why. Its
// ID is the payment provider's event (one event settles one invoice).
func IssueOf(e Entry) (why string, ok bool) {
	switch {
	case e.Status == checkout.Refunded:
		return IssueRefunded, true
	case e.Status == checkout.Mismatch:
		return IssueMismatch, true
	case e.Status == checkout.Succeeded && e.Reason != "":
		return IssueQuoted, true
	}
	return "", false
}

// Issue is a payment in staff's queue until they resolve it.
type Issue struct {
	Entry
	Why        string
	Notes      []Note // oldest first
	Resolved   bool
	ResolvedAt time.Time
	ResolvedBy string
	Version    int64
}

// ID is the issue's: its event's.
func (i Issue) ID() string { return i.EventID }

// Note is what staff wrote of an issue, and whether it resolved or
// reopened it.
type Note struct {
	At   time.Time
	By   string
	Text string
	// Resolved is the issue's state the note left: true resolves it,
	// false keeps it open (or opens it again).
	Resolved bool
}

// ErrIssueNotFound: no issue of that ID.
var ErrIssueNotFound = errors.New("ledger: no such payment issue")

// ErrNoChange from an update function: nothing to write.
var ErrNoChange = errors.New("ledger: no change")

// Issues keeps the queue of payment issues (written with the ledger
// entries they come from).
type Issues interface {
	// Queue lists one page of the open issues (resolved false) or the
	// resolved ones, oldest first.
	Queue(ctx context.Context, resolved bool, pg Page) ([]Issue, string, error)
	// UpdateIssue is the read-modify-write of issue id under its version.
	UpdateIssue(ctx context.Context, id string, fn func(*Issue) error) (Issue, error)
}

// MaxNote bounds a note.
const MaxNote = 2000

// IssueService is staff's queue of payment issues.
type IssueService struct {
	Store Issues
	Now   func() time.Time
}

// Queue is one page of the open issues, or the resolved ones.
// Errors: Unauthenticated; Forbidden unless staff; Invalid invalid_cursor.
func (s *IssueService) Queue(ctx context.Context, c identity.Caller, resolved bool, pg Page) ([]Issue, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	return s.Store.Queue(ctx, resolved, pg)
}

// AddNote records staff's note on issue id, and leaves it resolved or
// open as resolve says, with who and when.
// Errors: Unauthenticated; Forbidden unless staff; Invalid (field note);
// NotFound payment_issue_not_found.
func (s *IssueService) AddNote(ctx context.Context, c identity.Caller, id, text string, resolve bool) (Issue, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Issue{}, err
	}
	text = strings.TrimSpace(text)
	if code, msg := freetext.Check(text, MaxNote, true); code != "" || text == "" {
		if code == "" {
			code, msg = "required", "is required"
		}
		return Issue{}, fault.New(fault.Invalid, "invalid_request", "the note has invalid fields", fault.Detail{Field: "note", Code: code, Message: msg})
	}
	now := s.Now().UTC()
	is, err := s.Store.UpdateIssue(ctx, id, func(is *Issue) error {
		is.Notes = append(is.Notes, Note{At: now, By: c.Sub, Text: text, Resolved: resolve})
		is.Resolved = resolve
		if resolve {
			is.ResolvedAt, is.ResolvedBy = now, c.Sub
		} else {
			is.ResolvedAt, is.ResolvedBy = time.Time{}, ""
		}
		return nil
	})
	if errors.Is(err, ErrIssueNotFound) {
		return Issue{}, fault.Errorf(fault.NotFound, "payment_issue_not_found", "no payment issue %s", id)
	}
	return is, err
}
