// Package transcript answers a holder's "check your CEC status" and lists
// their transcript (SPEC §3). It reads the holder's whole record in one
// query of the store, keeps the activities earned in a renewal year's
// window and has the rules engine (internal/credits) judge them. It writes
// nothing.
package transcript

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/policy"
)

// The renewal years the service answers for.
const (
	MinYear = 2000
	MaxYear = 2100
)

// Store reads a holder's record.
type Store interface {
	// Records returns the holder and every activity on their record
	// (programs credited through attendance reporting, and later the
	// activities they report themselves), in sort-key order, from one read
	// of the holder's partition. accounts.ErrNotFound when no holder has id.
	Records(ctx context.Context, holderID string) (accounts.Holder, []credits.Activity, error)
	// Pending returns the programs whose attendance reports the holder is
	// on and whose credit waits for the provider's filing fee.
	Pending(ctx context.Context, holderID string) ([]Pending, error)
}

// Pending is a program the holder was reported for whose credit waits for
// the provider's filing fee (docs/attendance.md): it counts once issued.
type Pending struct {
	ProgramID    string
	Title        string
	ProviderName string
	Completed    time.Time // civil date
	Hours        cec.Hours
}

// Holders finds the caller's holder account (accounts.Service).
type Holders interface {
	// MyHolderID returns the caller's holder ID from the identity link
	// alone: the profile comes with the partition's one Query.
	// Unauthenticated; NotFound holder_not_found.
	MyHolderID(ctx context.Context, c identity.Caller) (string, error)
}

// Service is the holder's view of their CECs.
type Service struct {
	store   Store
	holders Holders
	policy  *policy.Policy
	clock   clock.Clock
}

// NewService wires the transcript service.
func NewService(s Store, h Holders, p *policy.Policy, c clock.Clock) *Service {
	return &Service{store: s, holders: h, policy: p, clock: c}
}

// Entry is one activity of a renewal year's window with its verdict.
type Entry struct {
	Activity credits.Activity
	Verdict  credits.Verdict
}

// Status is where a holder stands for one renewal year.
type Status struct {
	HolderID    string
	HolderName  string   // first and last name, for records
	Credentials []string // codes of the credentials held, as staff recorded them
	// ComplianceMinimum is the compliance CECs the year needs: the policy's
	// minimum, or 0 when the holder holds no credential (nothing to renew).
	ComplianceMinimum cec.Hours
	// NoRequirement: the holder holds no credential that needs renewal CECs
	// (none recorded yet, say), so there is nothing to meet; Year.Met is
	// false then, not vacuously true.
	NoRequirement bool
	Year          credits.Year
	// Entries are the activities earned in the year's window, by date then
	// ID; Entries[i].Verdict is Year.Verdicts[i].
	Entries []Entry
	// Pending are the year window's programs whose credit waits for the
	// provider's filing fee: not counted yet.
	Pending []Pending
}

// Transcript is the activities earned in a renewal year's window.
type Transcript struct {
	HolderID    string
	RenewalYear int
	From, To    time.Time // the window, civil dates
	Entries     []Entry   // by date, then ID
}

// period is holder h's renewal period of year, or the one they are
// earning CECs for today (association time zone) when year is 0.
func (s *Service) period(h accounts.Holder, year int) policy.Period {
	if year == 0 {
		return s.policy.ComingPeriod(s.clock.Now().In(s.policy.Association.Location()), h.Held())
	}
	return s.policy.Period(year, h.Held())
}

// Status judges renewal year year (0: the coming renewal) for the caller:
// required, counted, by source, compliance, every activity of the window
// with its verdict, what is outstanding and the shortfall per rule.
// Errors: Unauthenticated; Invalid invalid_request (field year, code
// out_of_range) for a year outside MinYear..MaxYear; NotFound
// holder_not_found when the caller has no holder account.
func (s *Service) Status(ctx context.Context, c identity.Caller, year int) (Status, error) {
	return s.judge(ctx, c, year, true)
}

// Transcript lists the activities the caller earned in renewal year year's
// window (0: the coming renewal's), each with its verdict.
// Errors: as Status.
func (s *Service) Transcript(ctx context.Context, c identity.Caller, year int) (Transcript, error) {
	st, err := s.judge(ctx, c, year, false)
	if err != nil {
		return Transcript{}, err
	}
	return Transcript{HolderID: st.HolderID, RenewalYear: st.Year.RenewalYear, From: st.Year.From, To: st.Year.To,
		Entries: st.Entries}, nil
}

// StatusOf judges renewal year year (0: the coming renewal) of holder
// holderID for staff, as Status does for the holder.
// Errors: Unauthenticated; Forbidden unless staff; Invalid as Status;
// NotFound holder_not_found when no holder has the ID.
func (s *Service) StatusOf(ctx context.Context, c identity.Caller, holderID string, year int) (Status, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Status{}, err
	}
	year, err := s.renewalYear(year)
	if err != nil {
		return Status{}, err
	}
	return s.judgeHolder(ctx, holderID, year, true, fault.Errorf(fault.NotFound, "holder_not_found", "no holder %s", holderID))
}

// renewalYear is year (0: the coming renewal, which is the holder's),
// refused outside MinYear..MaxYear.
func (s *Service) renewalYear(year int) (int, error) {
	if year != 0 && year < MinYear || year > MaxYear {
		return 0, fault.New(fault.Invalid, "invalid_request", "invalid renewal year",
			fault.Detail{Field: "year", Code: "out_of_range", Message: fmt.Sprintf("must be a renewal year from %d to %d", MinYear, MaxYear)})
	}
	return year, nil
}

func (s *Service) judge(ctx context.Context, c identity.Caller, year int, withPending bool) (Status, error) {
	if c.Anonymous() {
		return Status{}, identity.ErrSignIn
	}
	year, err := s.renewalYear(year)
	if err != nil {
		return Status{}, err
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Status{}, err
	}
	return s.judgeHolder(ctx, holderID, year, withPending, fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet: create one with POST /holders"))
}

// Certificate returns the caller and a program credited to them through
// attendance: what its certificate of completion says.
// Errors: Unauthenticated; NotFound holder_not_found, credit_not_found
// (no credited program of that ID on the caller's record).
func (s *Service) Certificate(ctx context.Context, c identity.Caller, programID string) (accounts.Holder, credits.Activity, error) {
	if c.Anonymous() {
		return accounts.Holder{}, credits.Activity{}, identity.ErrSignIn
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return accounts.Holder{}, credits.Activity{}, err
	}
	h, activities, err := s.store.Records(ctx, holderID)
	if err != nil {
		return accounts.Holder{}, credits.Activity{}, fmt.Errorf("read records of holder %s: %w", holderID, err)
	}
	for _, a := range activities {
		if a.Source == credits.Credited && a.ID == programID {
			return h, a, nil
		}
	}
	return accounts.Holder{}, credits.Activity{}, fault.New(fault.NotFound, "credit_not_found", "no program of that ID is credited on your record")
}

// judgeHolder judges renewal year year of holder holderID from one read of
// the holder's record (and, withPending, one of their credits waiting for a
// filing fee); notFound is the error when there is no such holder.
func (s *Service) judgeHolder(ctx context.Context, holderID string, year int, withPending bool, notFound error) (Status, error) {
	h, activities, err := s.store.Records(ctx, holderID)
	if errors.Is(err, accounts.ErrNotFound) {
		return Status{}, notFound
	}
	if err != nil {
		return Status{}, fmt.Errorf("read records of holder %s: %w", holderID, err)
	}
	for i := range activities {
		if activities[i].Source == credits.Credited {
			// A program credited through attendance counts as the kind the
			// policy names (an association course by default).
			activities[i].Kind = s.policy.Renewal.ProgramKind
		}
	}
	codes := make([]string, 0, len(h.Credentials))
	for _, cr := range h.Credentials {
		codes = append(codes, cr.Code)
	}
	period := s.period(h, year)
	window := slices.DeleteFunc(slices.Clone(activities), func(a credits.Activity) bool { return !period.Contains(a.Date) })
	slices.SortStableFunc(window, func(a, b credits.Activity) int {
		return cmp.Or(civil(a.Date).Compare(civil(b.Date)), cmp.Compare(a.ID, b.ID))
	})
	y := credits.Judge(s.policy, period, window)
	st := Status{HolderID: h.ID, HolderName: strings.TrimSpace(h.FirstName + " " + h.LastName), Credentials: codes, Year: y,
		Entries: make([]Entry, len(window))}
	// A credential prorated to nothing (earned in the period's last month)
	// is still held: that period is met, and the page says why.
	if len(period.Credentials) > 0 {
		st.ComplianceMinimum = min(s.policy.Renewal.ComplianceMinimumCECs, y.Required)
	} else {
		st.NoRequirement, st.Year.Met = true, false
	}
	for i, a := range window {
		st.Entries[i] = Entry{Activity: a, Verdict: y.Verdicts[i]}
	}
	if withPending {
		pending, err := s.store.Pending(ctx, holderID)
		if err != nil {
			return Status{}, fmt.Errorf("read pending credits of holder %s: %w", holderID, err)
		}
		st.Pending = slices.DeleteFunc(pending, func(p Pending) bool { return !period.Contains(p.Completed) })
	}
	return st, nil
}

// civil is t's calendar date, whatever its time of day.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
