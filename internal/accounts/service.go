package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the accounts use cases. Every method returns *fault.Error for
// anything the caller got wrong; any other error is an internal failure.
type Service struct {
	store  Store
	policy *policy.Policy
	clock  clock.Clock
	newID  func(prefix string) string
	relay  Dispatcher
}

// NewService wires the accounts service.
func NewService(s Store, p *policy.Policy, c clock.Clock, newID func(string) string, relay Dispatcher) *Service {
	return &Service{store: s, policy: p, clock: c, newID: newID, relay: relay}
}

// NewHolder is what a person gives to open a holder account.
type NewHolder struct {
	FirstName, LastName, Email string
	Contact                    *Contact
}

// CreateHolder opens the caller's holder account as a free guest (staff
// marks members) and queues the welcome email.
// Errors: Unauthenticated; Invalid (field details); Conflict holder_exists
// (details carry the existing holder ID), email_taken.
func (s *Service) CreateHolder(ctx context.Context, c identity.Caller, in NewHolder) (Holder, error) {
	if c.Anonymous() {
		return Holder{}, identity.ErrSignIn
	}
	h, p := newHolder(in)
	now := s.clock.Now().UTC()
	h.ID, h.Sub, h.Membership, h.Credentials = s.newID("H"), c.Sub, Guest, []Credential{}
	h.CreatedAt, h.UpdatedAt, h.Version = now, now, 1
	if h.Contact.Phone != "" || h.Contact.Address != nil {
		h.ContactConfirmedAt = now
	}
	if err := p.err("the holder account has invalid fields"); err != nil {
		return Holder{}, err
	}
	welcome, err := notify.Job{
		ID:       "welcome:holder:" + h.ID,
		Template: "welcome_holder",
		To:       []string{h.Email},
		Data:     map[string]string{"firstName": h.FirstName, "lastName": h.LastName, "holderId": h.ID},
	}.Message()
	if err != nil {
		return Holder{}, err
	}
	switch err := s.store.CreateHolder(ctx, h, welcome); {
	case errors.Is(err, ErrSubTaken):
		existing, gerr := s.store.HolderBySub(ctx, c.Sub)
		if gerr != nil {
			return Holder{}, fmt.Errorf("read existing holder: %w", gerr)
		}
		return Holder{}, fault.New(fault.Conflict, "holder_exists", "you already have a holder account",
			fault.Detail{Field: "holderId", Message: existing.ID})
	case errors.Is(err, ErrEmailTaken):
		return s.claim(ctx, c, h)
	case err != nil:
		return Holder{}, fmt.Errorf("create holder: %w", err)
	}
	s.relay.Dispatch(ctx, welcome)
	return h, nil
}

// claim gives the caller the holder record the association imported for
// them (nobody owns it yet, and its email is the one the identity provider
// asserts for the caller and says they verified: an address they proved
// they read, not one they typed into their profile), keeping what
// the association recorded (names, membership, credentials, member number)
// and adding the contact they gave. Any other holder with the email is
// email_taken, as before.
func (s *Service) claim(ctx context.Context, c identity.Caller, in Holder) (Holder, error) {
	taken := fault.New(fault.Conflict, "email_taken", "another holder account uses this email",
		fault.Detail{Field: "email", Code: "taken", Message: "is already used by another holder account"})
	existing, err := s.store.HolderByEmail(ctx, in.Email)
	if errors.Is(err, ErrNotFound) {
		return Holder{}, taken // the email was released meanwhile: a retry creates it
	}
	if err != nil {
		return Holder{}, fmt.Errorf("read the holder of %s: %w", in.Email, err)
	}
	if existing.Sub != "" || !c.EmailVerified || c.Email == "" || EmailKey(c.Email) != EmailKey(existing.Email) {
		return Holder{}, taken
	}
	h, err := s.update(ctx, existing.ID, func(h *Holder) (Event, []outbox.Message, error) {
		if h.Sub != "" {
			return Event{}, nil, taken // claimed by another sign-in meanwhile
		}
		now := s.clock.Now().UTC()
		h.Sub, h.UpdatedAt = c.Sub, now
		if in.Contact.Phone != "" || in.Contact.Address != nil {
			h.Contact, h.ContactConfirmedAt = in.Contact, now
		}
		m, err := notify.Job{ID: "welcome:holder:" + h.ID, Template: "welcome_holder", To: []string{h.Email},
			Data: map[string]string{"firstName": h.FirstName, "lastName": h.LastName, "holderId": h.ID}}.Message()
		return Event{At: now, By: c.Sub, Action: "account.claimed",
			Detail: "the imported record was claimed by signing in with " + h.Email}, []outbox.Message{m}, err
	})
	switch {
	case errors.Is(err, ErrSubTaken):
		mine, gerr := s.store.HolderBySub(ctx, c.Sub)
		if gerr != nil {
			return Holder{}, fmt.Errorf("read existing holder: %w", gerr)
		}
		return Holder{}, fault.New(fault.Conflict, "holder_exists", "you already have a holder account",
			fault.Detail{Field: "holderId", Message: mine.ID})
	case err != nil:
		return Holder{}, err
	}
	return h, nil
}

// MyHolder returns the caller's holder account.
// Errors: Unauthenticated; NotFound holder_not_found when the caller has not created one.
func (s *Service) MyHolder(ctx context.Context, c identity.Caller) (Holder, error) {
	if c.Anonymous() {
		return Holder{}, identity.ErrSignIn
	}
	h, err := s.store.HolderBySub(ctx, c.Sub)
	if errors.Is(err, ErrNotFound) {
		return Holder{}, fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet: create one with POST /holders")
	}
	if err != nil {
		return Holder{}, fmt.Errorf("read holder of caller: %w", err)
	}
	return h, nil
}

// MyHolderID returns the ID of the caller's holder account, reading only
// the identity link: for callers that read the holder's partition next.
// Errors: Unauthenticated; NotFound holder_not_found.
func (s *Service) MyHolderID(ctx context.Context, c identity.Caller) (string, error) {
	if c.Anonymous() {
		return "", identity.ErrSignIn
	}
	id, err := s.store.HolderIDBySub(ctx, c.Sub)
	if errors.Is(err, ErrNotFound) {
		return "", fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet: create one with POST /holders")
	}
	if err != nil {
		return "", fmt.Errorf("read holder link of caller: %w", err)
	}
	return id, nil
}

// HasRole reports whether the subject's own records make them role: a
// holder account makes a holder, a registered organisation a provider (one
// read of the identity link). Staff is never derived: it is a role the
// association's office grants (a Cognito group). This is how a person who
// signs themselves up uses the portal at once, with nobody acting first
// (docs/security.md#roles).
func (s *Service) HasRole(ctx context.Context, sub, role string) (bool, error) {
	var read func(context.Context, string) (string, error)
	switch role {
	case identity.RoleHolder:
		read = s.store.HolderIDBySub
	case identity.RoleProvider:
		read = s.store.ProviderIDBySub
	default:
		return false, nil
	}
	if sub == "" {
		return false, nil
	}
	_, err := read(ctx, sub)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read the %s link of %s: %w", role, sub, err)
	}
	return true, nil
}

// ContactUpdate replaces the holder's contact details. Email, when given,
// changes the account's email too; ListedInDirectory, when given, lists the
// holder in the practitioner directory or takes them out of it (omitted, the
// holder's choice stays as it was).
type ContactUpdate struct {
	Email             *string
	Phone             string
	Address           *Address
	ListedInDirectory *bool
}

// UpdateContact replaces the caller's contact information and records that
// they confirmed it (the renewal's first step).
// Errors: Unauthenticated; NotFound holder_not_found; Invalid; Conflict email_taken.
func (s *Service) UpdateContact(ctx context.Context, c identity.Caller, in ContactUpdate) (Holder, error) {
	me, err := s.MyHolder(ctx, c)
	if err != nil {
		return Holder{}, err
	}
	contact, email, p := contactUpdate(in)
	if err := p.err("the contact information has invalid fields"); err != nil {
		return Holder{}, err
	}
	h, err := s.update(ctx, me.ID, func(h *Holder) (Event, []outbox.Message, error) {
		now := s.clock.Now().UTC()
		h.Contact = contact
		if in.Email != nil {
			h.Email = email
		}
		detail := "contact information updated by the holder"
		if in.ListedInDirectory != nil && *in.ListedInDirectory == h.Unlisted {
			h.Unlisted = !*in.ListedInDirectory
			if h.Unlisted {
				detail += "; taken out of the directory"
			} else {
				detail += "; listed in the directory"
			}
		}
		h.ContactConfirmedAt, h.UpdatedAt = now, now
		return Event{At: now, By: c.Sub, Action: "contact.update", Detail: detail}, nil, nil
	})
	if errors.Is(err, ErrEmailTaken) {
		return Holder{}, fault.New(fault.Conflict, "email_taken", "another holder account uses this email",
			fault.Detail{Field: "email", Code: "taken", Message: "is already used by another holder account"})
	}
	if err != nil {
		return Holder{}, fmt.Errorf("update contact of %s: %w", me.ID, err)
	}
	return h, nil
}

// CredentialsUpdate is the whole set of credentials a holder holds.
type CredentialsUpdate struct {
	Membership  Membership
	Credentials []Credential
}

// SetCredentials records, as staff, the credentials and membership of a
// holder, replacing what was recorded, and keeps the change in the history.
// The same write queues a CredentialsSet for the renewals side, which
// issues the holder's invoice when the year's invoices are already out.
// Errors: Unauthenticated; Forbidden unless staff; NotFound holder_not_found; Invalid
// (unknown code, duplicate code, bad or future date, bad membership).
func (s *Service) SetCredentials(ctx context.Context, c identity.Caller, holderID string, in CredentialsUpdate) (Holder, error) {
	if c.Anonymous() {
		return Holder{}, identity.ErrSignIn
	}
	if !c.Has(identity.RoleStaff) {
		return Holder{}, fault.New(fault.Forbidden, "forbidden", "only staff record credentials")
	}
	var p problems
	if in.Membership != Member && in.Membership != Guest {
		p.add("membership", "invalid_membership", `must be "member" or "guest"`)
	}
	today := s.clock.Now().In(s.policy.Association.Location())
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	creds := make([]Credential, 0, len(in.Credentials))
	for i, cr := range in.Credentials {
		f := fmt.Sprintf("credentials[%d]", i)
		code := strings.ToUpper(strings.TrimSpace(cr.Code))
		if _, ok := s.policy.Credential(code); !ok {
			p.add(f+".code", "unknown_credential", fmt.Sprintf("%q is not a credential of %s", cr.Code, s.policy.Association.Name))
		} else if slices.ContainsFunc(creds, func(x Credential) bool { return x.Code == code }) {
			p.add(f+".code", "duplicate_credential", fmt.Sprintf("%s is listed twice", code))
		}
		p.date(f+".earnedOn", cr.EarnedOn, today)
		creds = append(creds, Credential{Code: code, EarnedOn: cr.EarnedOn})
	}
	if err := p.err("the credentials are invalid"); err != nil {
		return Holder{}, err
	}
	slices.SortFunc(creds, func(a, b Credential) int { return strings.Compare(a.Code, b.Code) })
	h, err := s.update(ctx, holderID, func(h *Holder) (Event, []outbox.Message, error) {
		now := s.clock.Now().UTC()
		before := Held{Membership: h.Membership, Credentials: slices.Clone(h.Credentials)}
		h.Membership, h.Credentials, h.UpdatedAt = in.Membership, creds, now
		after := Held{Membership: h.Membership, Credentials: slices.Clone(h.Credentials)}
		m, err := CredentialsSet{HolderID: h.ID, At: now}.Message()
		return Event{At: now, By: c.Sub, Action: "credentials.set",
			Detail: fmt.Sprintf("%s → %s", before.describe(), after.describe()), Before: &before, After: &after}, []outbox.Message{m}, err
	})
	if errors.Is(err, ErrNotFound) {
		return Holder{}, fault.Errorf(fault.NotFound, "holder_not_found", "no holder %s", holderID)
	}
	if err != nil {
		return Holder{}, fmt.Errorf("set credentials of %s: %w", holderID, err)
	}
	return h, nil
}

// update is the holder's read-modify-write (Store.UpdateHolder) through
// outbox.Apply: fn changes h and returns the history event and the
// messages written with the change; the messages of the attempt that
// committed are then dispatched.
func (s *Service) update(ctx context.Context, id string, fn func(h *Holder) (Event, []outbox.Message, error)) (Holder, error) {
	var ev Event // fn's event in the attempt under way, written beside its messages
	write := func(ctx context.Context, id string, msgsOf func(*Holder) ([]outbox.Message, error)) (Holder, error) {
		return s.store.UpdateHolder(ctx, id, func(h *Holder) (Event, []outbox.Message, error) {
			msgs, err := msgsOf(h)
			return ev, msgs, err
		})
	}
	return outbox.Apply(ctx, s.relay, write, id, func(h *Holder) (msgs []outbox.Message, err error) {
		ev, msgs, err = fn(h)
		return msgs, err
	})
}

// describe is what the holder holds in the history's text: "member, CAM
// 2019-05-01".
func (x Held) describe() string {
	parts := []string{string(x.Membership)}
	for _, c := range x.Credentials {
		parts = append(parts, c.Code+" "+c.EarnedOn)
	}
	return strings.Join(parts, ", ")
}

// Holder returns a holder's account, for staff.
// Errors: Unauthenticated; Forbidden unless staff; NotFound holder_not_found.
func (s *Service) Holder(ctx context.Context, c identity.Caller, holderID string) (Holder, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Holder{}, err
	}
	h, err := s.store.Holder(ctx, holderID)
	if errors.Is(err, ErrNotFound) {
		return Holder{}, fault.Errorf(fault.NotFound, "holder_not_found", "no holder %s", holderID)
	}
	if err != nil {
		return Holder{}, fmt.Errorf("read holder %s: %w", holderID, err)
	}
	return h, nil
}

// HolderRecord returns a holder's account and its history of changes
// (contact updates, credentials recorded), oldest first, for staff.
// Errors: as Holder.
func (s *Service) HolderRecord(ctx context.Context, c identity.Caller, holderID string) (Holder, []Event, error) {
	h, err := s.Holder(ctx, c, holderID)
	if err != nil {
		return Holder{}, nil, err
	}
	evs, err := s.store.Events(ctx, holderID)
	if err != nil {
		return Holder{}, nil, fmt.Errorf("read history of holder %s: %w", holderID, err)
	}
	return h, evs, nil
}

// NewProvider is what an organisation gives to register.
type NewProvider struct {
	Name, ContactName, Email, Phone string
	Address                         Address
}

// CreateProvider registers the caller's organisation and queues its welcome email.
// Errors: Unauthenticated; Invalid; Conflict provider_exists.
func (s *Service) CreateProvider(ctx context.Context, c identity.Caller, in NewProvider) (Provider, error) {
	if c.Anonymous() {
		return Provider{}, identity.ErrSignIn
	}
	pr, p := newProvider(in)
	now := s.clock.Now().UTC()
	pr.ID, pr.Sub, pr.CreatedAt, pr.UpdatedAt, pr.Version = s.newID("P"), c.Sub, now, now, 1
	if err := p.err("the provider registration has invalid fields"); err != nil {
		return Provider{}, err
	}
	welcome, err := notify.Job{
		ID:       "welcome:provider:" + pr.ID,
		Template: "welcome_provider",
		To:       []string{pr.Email},
		Data:     map[string]string{"name": pr.Name, "contactName": pr.ContactName, "providerId": pr.ID},
	}.Message()
	if err != nil {
		return Provider{}, err
	}
	switch err := s.store.CreateProvider(ctx, pr, welcome); {
	case errors.Is(err, ErrSubTaken):
		existing, gerr := s.store.ProviderBySub(ctx, c.Sub)
		if gerr != nil {
			return Provider{}, fmt.Errorf("read existing provider: %w", gerr)
		}
		return Provider{}, fault.New(fault.Conflict, "provider_exists", "you already registered a provider",
			fault.Detail{Field: "providerId", Message: existing.ID})
	case err != nil:
		return Provider{}, fmt.Errorf("create provider: %w", err)
	}
	s.relay.Dispatch(ctx, welcome)
	return pr, nil
}

// EmailsOf returns the addresses that are the caller's own: their holder
// account's and their organisation's, those they have (undeliverable: a
// person may start mailing their own address again).
func (s *Service) EmailsOf(ctx context.Context, c identity.Caller) ([]string, error) {
	var out []string
	h, err := s.MyHolder(ctx, c)
	switch {
	case err == nil:
		out = append(out, h.Email)
	case !fault.Is(err, fault.NotFound):
		return nil, err
	}
	pr, err := s.MyProvider(ctx, c)
	switch {
	case err == nil:
		out = append(out, pr.Email)
	case !fault.Is(err, fault.NotFound):
		return nil, err
	}
	return out, nil
}

// MyProviderID is the ID of the caller's provider (MyProvider's errors).
func (s *Service) MyProviderID(ctx context.Context, c identity.Caller) (string, error) {
	p, err := s.MyProvider(ctx, c)
	return p.ID, err
}

// MyProvider returns the caller's provider.
// Errors: Unauthenticated; NotFound provider_not_found.
func (s *Service) MyProvider(ctx context.Context, c identity.Caller) (Provider, error) {
	if c.Anonymous() {
		return Provider{}, identity.ErrSignIn
	}
	pr, err := s.store.ProviderBySub(ctx, c.Sub)
	if errors.Is(err, ErrNotFound) {
		return Provider{}, fault.New(fault.NotFound, "provider_not_found", "you have not registered a provider yet: register with POST /providers")
	}
	if err != nil {
		return Provider{}, fmt.Errorf("read provider of caller: %w", err)
	}
	return pr, nil
}
