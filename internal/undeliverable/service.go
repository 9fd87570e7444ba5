package undeliverable

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"slices"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// Store keeps the undeliverable addresses (package store).
type Store interface {
	// Mark records a, unless its address is marked already (then the
	// first mark stands, and Mark reports false).
	Mark(ctx context.Context, a Address) (bool, error)
	// Find returns those of emails (normalised) that are marked.
	Find(ctx context.Context, emails []string) ([]Address, error)
	// List returns a page of the marked addresses, the latest first.
	List(ctx context.Context, p Page) ([]Address, string, error)
	// Clear removes the mark of email (normalised); false when there was none.
	Clear(ctx context.Context, email string) (bool, error)
}

// Page asks for one page of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Owners says whose addresses a person may start mailing again: their own
// holder account's and their organisation's (package accounts).
type Owners interface {
	EmailsOf(ctx context.Context, c identity.Caller) ([]string, error)
}

// Service marks, finds and clears undeliverable addresses.
type Service struct {
	store  Store
	owners Owners
	log    *slog.Logger
}

// NewService returns the service on st; owners may be nil where nobody but
// staff clears a mark.
func NewService(st Store, owners Owners) *Service {
	return &Service{store: st, owners: owners, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// WithLog sets the logger of the marks it records.
func (s *Service) WithLog(l *slog.Logger) *Service {
	s.log = l
	return s
}

// Feedback is the mail-feedback queue's consumer: it marks the addresses
// one SES event makes undeliverable. A redelivered event marks nothing
// twice; a body that is no SES event fails, so that it ends in the
// dead-letter queue where an operator sees it.
func (s *Service) Feedback(ctx context.Context, body string) error {
	addrs, err := Parse([]byte(body))
	if err != nil {
		return err
	}
	for _, a := range addrs {
		added, err := s.store.Mark(ctx, a)
		if err != nil {
			return fmt.Errorf("mark %s undeliverable: %w", a.FeedbackID, err)
		}
		if added {
			// The address itself stays out of the logs (docs/security.md).
			s.log.InfoContext(ctx, "email address marked undeliverable", "reason", string(a.Reason), "feedbackId", a.FeedbackID)
		}
	}
	return nil
}

// Undeliverable returns those of emails that are marked (normalised); the
// mail sender skips them.
func (s *Service) Undeliverable(ctx context.Context, emails []string) ([]Address, error) {
	keys := make([]string, 0, len(emails))
	for _, e := range emails {
		if n := Normalize(e); n != "" && !slices.Contains(keys, n) {
			keys = append(keys, n)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return s.store.Find(ctx, keys)
}

// Of returns the mark of email, if it has one: what a holder's or a
// provider's page shows.
func (s *Service) Of(ctx context.Context, email string) (*Address, error) {
	found, err := s.Undeliverable(ctx, []string{email})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

// List is staff's list of undeliverable addresses, the latest first.
func (s *Service) List(ctx context.Context, c identity.Caller, p Page) ([]Address, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	return s.store.List(ctx, p)
}

// Clear starts mailing email again: staff may clear any address, anyone
// else only their own holder account's or their organisation's. A mailbox
// that still refuses our mail is marked again by its next bounce.
func (s *Service) Clear(ctx context.Context, c identity.Caller, email string) error {
	if c.Anonymous() {
		return identity.ErrSignIn
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return fault.New(fault.Invalid, "invalid_email", "Enter an email address in the correct format, like name@example.com",
			fault.Detail{Field: "email", Code: "invalid_email", Message: "Enter an email address in the correct format, like name@example.com"})
	}
	n := Normalize(email)
	if !c.Has(identity.RoleStaff) {
		mine, err := s.mine(ctx, c)
		if err != nil {
			return err
		}
		if !slices.Contains(mine, n) {
			// As for any record that is not theirs: nothing to see.
			return notMarked()
		}
	}
	cleared, err := s.store.Clear(ctx, n)
	if err != nil {
		return err
	}
	if !cleared {
		return notMarked()
	}
	s.log.InfoContext(ctx, "email address mailed again", "byStaff", c.Has(identity.RoleStaff))
	return nil
}

func (s *Service) mine(ctx context.Context, c identity.Caller) ([]string, error) {
	if s.owners == nil {
		return nil, nil
	}
	emails, err := s.owners.EmailsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(emails))
	for i, e := range emails {
		out[i] = Normalize(e)
	}
	return out, nil
}

func notMarked() error {
	return fault.New(fault.NotFound, "address_not_undeliverable", "We are already sending email to this address.")
}
