// Package accounts owns the people and organisations cecportal knows:
// credential holders (members and free guests) and providers. Each account
// belongs to the identity (JWT subject) that created it; staff record which
// credentials a holder holds. Creating an account queues a welcome email in
// the same write, and recording a holder's credentials queues a message for
// the renewals side (CredentialsSet), so that what follows a change can be
// late but never lost.
package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Membership is a holder's standing with the association.
type Membership string

const (
	Member Membership = "member"
	Guest  Membership = "guest" // a free account, enough to be credited
)

// Address is a postal address; Country is ISO 3166-1 alpha-2.
type Address struct {
	Line1      string
	Line2      string
	City       string
	Region     string
	PostalCode string
	Country    string
}

// Contact is how the association reaches a holder besides email.
type Contact struct {
	Phone   string
	Address *Address
}

// Credential is one credential a holder holds, and when it was earned.
type Credential struct {
	Code     string // a code the policy lists, e.g. CAM
	EarnedOn string // YYYY-MM-DD
}

// Held is the credentials h holds as the policy's periods read them (a
// date that does not parse is left zero: the loaders check every date).
func (h Holder) Held() []policy.Held {
	out := make([]policy.Held, 0, len(h.Credentials))
	for _, c := range h.Credentials {
		on, _ := time.Parse(time.DateOnly, c.EarnedOn)
		out = append(out, policy.Held{Code: c.Code, EarnedOn: on})
	}
	return out
}

// Holder is a practitioner's account.
type Holder struct {
	ID  string
	Sub string // the identity that owns the account; "" for an imported holder nobody claimed yet
	// MemberNumber is the association's own number of the holder, as its
	// import gave it (MemberNumberKey form); "" for holders who signed up.
	MemberNumber string
	// ImportedBy names the import row that created the holder
	// ("<importId>:<row>"); "" for holders who signed up.
	ImportedBy  string
	FirstName   string
	LastName    string
	Email       string
	Membership  Membership
	Contact     Contact
	Credentials []Credential
	// Unlisted is set when the holder opted out of the practitioner
	// directory: providers and staff then cannot find them by name or ID.
	// The zero value, listed, is every account's default.
	Unlisted bool
	// ContactConfirmedAt is when the holder last updated their contact
	// information: the first of the renewal steps.
	ContactConfirmedAt time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int64 // optimistic lock, bumped by every write
}

// Provider is an organisation that runs programs.
type Provider struct {
	ID          string
	Sub         string
	Name        string
	ContactName string
	Email       string
	Phone       string
	Address     Address
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Event is one entry of an account's audit history.
type Event struct {
	At     time.Time
	By     string // subject of the caller
	Action string // e.g. "credentials.set"
	Detail string
	// Before and After are what the holder held before and after a
	// credentials.set (nil for other actions, and in events written before
	// they were recorded: Detail says it in text).
	Before, After *Held
}

// Held is what a holder holds: their membership and credentials, as staff
// record them.
type Held struct {
	Membership  Membership
	Credentials []Credential
}

// RenewalsQueue is the queue of the renewals side. SetCredentials writes a
// CredentialsSet on it in the same write as the change; its consumer
// (renewals.Service.CredentialsSet) issues the holder's renewal invoice
// when that year's invoices are out. The message is declared here, where
// it is written, because renewals reads holders and accounts may not
// import it.
const RenewalsQueue = "renewals"

// CredentialsSet is the message that staff recorded a holder's
// credentials: the holder, and when on the business clock (the renewal
// year is the one that was coming then, however late the message is read).
type CredentialsSet struct {
	HolderID string    `json:"holderId"`
	At       time.Time `json:"at"`
}

// Message is m as an outbox message on RenewalsQueue.
func (m CredentialsSet) Message() (outbox.Message, error) {
	return outbox.New(RenewalsQueue, m)
}

// Rejudge is the message a write that changed holders' CECs puts in its
// own transaction (credits written, released, added or withdrawn; a
// submission decided): the renewals queue's consumer judges each
// holder's coming renewal again (renewals.Service.Rejudge), so that the
// office's compliance counts stay current (docs/dashboard.md).
type Rejudge struct {
	HolderIDs []string `json:"rejudge"`
}

// Message is m as an outbox message on RenewalsQueue.
func (m Rejudge) Message() (outbox.Message, error) { return outbox.New(RenewalsQueue, m) }

// ParseRejudge reads a Rejudge message's body; ok is false when body is
// another message of the queue (a CredentialsSet).
func ParseRejudge(body string) (m Rejudge, ok bool) {
	if err := json.Unmarshal([]byte(body), &m); err != nil || len(m.HolderIDs) == 0 {
		return Rejudge{}, false
	}
	return m, true
}

// ParseCredentialsSet reads the body of a CredentialsSet message; one
// without a holder or a time is an error.
func ParseCredentialsSet(body string) (CredentialsSet, error) {
	var m CredentialsSet
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.HolderID == "" || m.At.IsZero() {
		return CredentialsSet{}, fmt.Errorf("malformed credentials message %q", body)
	}
	return m, nil
}

// DirectoryEntry is what providers and staff see of a holder in the
// practitioner directory, and nothing more: no email, phone or address.
type DirectoryEntry struct {
	HolderID    string
	FirstName   string
	LastName    string
	Credentials []string // codes, e.g. CAM
	Membership  Membership
}

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1 to 100; 0 means the list's default
	Cursor string // the next cursor of the previous page; "" starts at the beginning
}

// Store keeps accounts. Implementations write each method's items atomically.
type Store interface {
	// CreateHolder writes a new holder with msgs. ErrSubTaken if the subject
	// already has a holder, ErrEmailTaken if another holder has the email.
	CreateHolder(ctx context.Context, h Holder, msgs ...outbox.Message) error
	// Holder returns the holder with id, or ErrNotFound.
	Holder(ctx context.Context, id string) (Holder, error)
	// HolderBySub returns the subject's holder, or ErrNotFound.
	HolderBySub(ctx context.Context, sub string) (Holder, error)
	// HolderByEmail returns the holder whose account has email (compared
	// as EmailKey does), or ErrNotFound.
	HolderByEmail(ctx context.Context, email string) (Holder, error)
	// HolderByMemberNumber returns the holder with the association's
	// member number (compared as MemberNumberKey does), or ErrNotFound.
	HolderByMemberNumber(ctx context.Context, number string) (Holder, error)
	// HolderIDBySub returns the ID of the subject's holder (one read of the
	// identity link), or ErrNotFound.
	HolderIDBySub(ctx context.Context, sub string) (string, error)
	// UpdateHolder applies fn to the current holder and writes the result if
	// nobody wrote in between (else it re-reads and applies fn again). fn's
	// error is returned as is; a non-zero Event is appended to the history
	// and fn's messages are written to the outbox, in the same write. fn may
	// set the Sub of a holder that has none (claiming an imported holder),
	// and no other change of Sub or MemberNumber is kept.
	// ErrNotFound, ErrEmailTaken, ErrSubTaken.
	UpdateHolder(ctx context.Context, id string, fn func(h *Holder) (Event, []outbox.Message, error)) (Holder, error)
	// Directory returns one page of the listed holders whose last name,
	// folded with names.Fold, starts with prefix (folded too, at least two
	// runes): by folded last name, then folded first name, then ID. A cursor
	// of another search is a *fault.Error invalid_cursor.
	Directory(ctx context.Context, prefix string, pg Page) ([]DirectoryEntry, string, error)
	// StaffDirectory is Directory over every holder, listed or not (staff's
	// search by name).
	StaffDirectory(ctx context.Context, prefix string, pg Page) ([]DirectoryEntry, string, error)
	// Events returns the holder's audit history, oldest first.
	Events(ctx context.Context, holderID string) ([]Event, error)
	// CreateProvider writes a new provider with msgs. ErrSubTaken.
	CreateProvider(ctx context.Context, p Provider, msgs ...outbox.Message) error
	// ProviderBySub returns the subject's provider, or ErrNotFound.
	ProviderBySub(ctx context.Context, sub string) (Provider, error)
	// ProviderIDBySub returns the ID of the subject's provider (one read of
	// the identity link), or ErrNotFound.
	ProviderIDBySub(ctx context.Context, sub string) (string, error)
}

// Errors a Store returns; the Service turns them into coded errors.
var (
	ErrNotFound   = errors.New("accounts: not found")
	ErrSubTaken   = errors.New("accounts: identity already has an account of this kind")
	ErrEmailTaken = errors.New("accounts: email already belongs to another holder")
)
