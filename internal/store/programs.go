package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/table"
)

// Programs is the programs.Store on the single table. Key layout (see
// docs/data-model.md):
//
//	PROGRAM#<id>  PROGRAM                  the program (application)
//	  GSI1  PROVIDER#<providerId>#PROGRAMS  <createdAt>#<id>   a provider's programs, read newest first
//	  GSI2  PROGSTATUS#<status>             <entered status at>#<id>   programs in a status, longest waiting first
//	CALENDAR      <startsAt>#<id>[#<n>]    an offering of an approved, opted-in program on the public calendar
//
// Times in keys are UTC in the fixed-width layout programKeyTime, so that
// keys sort in time order. Every write of a program recomputes both GSI
// keys, so a change of status moves it from one queue to the next. The
// calendar entries (one per offering not refused) are put in the same
// transaction as any write of a program that is approved, opted in and
// dated.
type Programs struct {
	t table.Table
	options
}

var _ programs.Store = (*Programs)(nil)

// NewPrograms returns the programs repository on t.
func NewPrograms(t table.Table, opts ...Option) *Programs {
	return &Programs{t: t, options: optionsOf(opts)}
}

const (
	typeProgram  = "program"
	typeCalendar = "calendar"
)

// Page sizes of the programs lists.

// calendarOfferings are p's offerings on the public calendar: the dated
// ones not refused, while p is approved and opted in.
func calendarOfferings(p programs.Program) []programs.NumberedOffering {
	if p.Status != programs.Approved || !p.CalendarOptIn {
		return nil
	}
	var out []programs.NumberedOffering
	for _, o := range p.ActiveOfferings() {
		if o.StartsAt != nil && o.EndsAt != nil {
			out = append(out, o)
		}
	}
	return out
}

// calendarKeys are the keys of p's entries on the public calendar.
func calendarKeys(p programs.Program) []table.Key {
	var out []table.Key
	for _, o := range calendarOfferings(p) {
		out = append(out, calendarKey(p.ID, o.N, *o.StartsAt))
	}
	return out
}

type programItem struct {
	PK            string           `json:"PK"`
	SK            string           `json:"SK"`
	GSI1PK        string           `json:"GSI1PK"`
	GSI1SK        string           `json:"GSI1SK"`
	GSI2PK        string           `json:"GSI2PK"`
	GSI2SK        string           `json:"GSI2SK"`
	Type          string           `json:"type"`
	ID            string           `json:"programId"`
	ProviderID    string           `json:"providerId"`
	ProviderName  string           `json:"providerName"`
	ProviderEmail string           `json:"providerEmail"`
	Title         string           `json:"title"`
	Description   string           `json:"description"`
	Format        string           `json:"format"`
	StartsAt      string           `json:"startsAt,omitempty"` // RFC 3339 with the provider's offset
	EndsAt        string           `json:"endsAt,omitempty"`
	TimeZone      string           `json:"timeZone"`
	Location      string           `json:"location"`
	URL           string           `json:"url"`
	MoreOfferings []offeringItem   `json:"moreOfferings,omitempty"` // offerings 2, 3, …
	ContactHours  string           `json:"contactHours"`            // exact decimal, e.g. "1.5"
	Objectives    []string         `json:"objectives"`
	Instructors   []string         `json:"instructors"`
	Compliance    bool             `json:"compliance"`
	CalendarOptIn bool             `json:"calendarOptIn"`
	Status        string           `json:"status"`
	Fee           *feeItem         `json:"fee,omitempty"`
	Problems      []problemItem    `json:"problems"`
	Refused       []refusedItem    `json:"refusedOfferings,omitempty"`
	History       []transitionItem `json:"history"`
	Submission    int              `json:"submission"`
	SubmittedAt   string           `json:"submittedAt,omitempty"`
	Validated     int              `json:"validated"`
	CopiedFrom    string           `json:"copiedFrom,omitempty"`
	CreatedAt     string           `json:"createdAt"`
	UpdatedAt     string           `json:"updatedAt"`
	Version       int64            `json:"version"`
}

type feeItem struct {
	InvoiceID   string        `json:"invoiceId"`
	AmountCents int64         `json:"amountCents"`
	Currency    string        `json:"currency"`
	Late        bool          `json:"late"`
	CECs        string        `json:"cecs"`
	PerCECCents int64         `json:"perCecCents"`
	DaysBefore  int           `json:"daysBefore"`
	Status      string        `json:"status"`
	IssuedAt    string        `json:"issuedAt,omitempty"`
	IssuedOn    string        `json:"issuedOn,omitempty"`
	PaidAt      string        `json:"paidAt,omitempty"`
	Checkout    *checkoutItem `json:"checkout,omitempty"`
	Payments    []paymentItem `json:"payments,omitempty"`
	Flag        string        `json:"flag,omitempty"`
	Offerings   []feeLineItem `json:"offerings,omitempty"`
}

type offeringItem struct {
	StartsAt string `json:"startsAt,omitempty"` // RFC 3339 with the provider's offset
	EndsAt   string `json:"endsAt,omitempty"`
	TimeZone string `json:"timeZone"`
	Location string `json:"location"`
	URL      string `json:"url"`
}

type refusedItem struct {
	Offering int    `json:"offering"`
	Reason   string `json:"reason"`
}

type feeLineItem struct {
	Offering    int    `json:"offering"`
	StartsAt    string `json:"startsAt"`
	Late        bool   `json:"late"`
	DaysBefore  int    `json:"daysBefore"`
	PerCECCents int64  `json:"perCecCents"`
	AmountCents int64  `json:"amountCents"`
}

type paymentItem struct {
	EventID     string `json:"eventId"`
	Kind        string `json:"kind"`
	At          string `json:"at"`
	Reference   string `json:"reference,omitempty"`
	AmountCents int64  `json:"amountCents"`
	Currency    string `json:"currency,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

type checkoutItem struct {
	Reference string `json:"reference"`
	URL       string `json:"url"`
	CreatedAt string `json:"createdAt,omitempty"`
}

type problemItem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type transitionItem struct {
	At     string `json:"at"`
	By     string `json:"by"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

type calendarItem struct {
	PK           string `json:"PK"`
	SK           string `json:"SK"`
	Type         string `json:"type"`
	ProgramID    string `json:"programId"`
	Offering     int    `json:"offering,omitempty"` // 0 for the first, as before offerings
	ProviderName string `json:"providerName"`
	Title        string `json:"title"`
	Format       string `json:"format"`
	StartsAt     string `json:"startsAt"`
	EndsAt       string `json:"endsAt"`
	TimeZone     string `json:"timeZone"`
	Location     string `json:"location"`
	URL          string `json:"url"`
	ContactHours string `json:"contactHours"`
	Compliance   bool   `json:"compliance"`
}

// formatLocalTime keeps t's offset (the provider's), unlike formatTime.
func formatLocalTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseLocalTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, err
	}
	if errors.Is(calendar.CheckInstant(t), calendar.ErrOffset) {
		// Written before the API refused such offsets: the instant is
		// sound, only its offset cannot be written back; read it in UTC.
		t = t.UTC()
	}
	if err := calendar.CheckInstant(t); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	return &t, nil
}

// statusSince is when the program entered its status: a queue serves first
// whoever waited longest in it, whatever else changed on the program since.
func statusSince(p programs.Program) time.Time {
	if n := len(p.History); n > 0 {
		return p.History[n-1].At
	}
	return p.CreatedAt
}

func programToItem(p programs.Program) (programItem, error) {
	k := programKey(p.ID)
	hours, err := hoursText(p.ContactHours)
	if err != nil {
		return programItem{}, fmt.Errorf("contact hours: %w", err)
	}
	it := programItem{PK: k.PK, SK: k.SK,
		GSI1PK: providerProgramsPK(p.ProviderID), GSI1SK: keyTime(p.CreatedAt) + "#" + p.ID,
		GSI2PK: programStatusPK(p.Status), GSI2SK: keyTime(statusSince(p)) + "#" + p.ID,
		Type: typeProgram, ID: p.ID, ProviderID: p.ProviderID, ProviderName: p.ProviderName,
		ProviderEmail: p.ProviderEmail, Title: p.Title, Description: p.Description, Format: string(p.Format),
		StartsAt: formatLocalTime(p.StartsAt), EndsAt: formatLocalTime(p.EndsAt), TimeZone: p.TimeZone,
		Location: p.Location, URL: p.URL, ContactHours: hours,
		Objectives: append([]string{}, p.Objectives...), Instructors: append([]string{}, p.Instructors...),
		Compliance: p.Compliance, CalendarOptIn: p.CalendarOptIn, Status: string(p.Status),
		Problems: make([]problemItem, 0, len(p.Problems)), History: make([]transitionItem, 0, len(p.History)),
		Submission: p.Submission, SubmittedAt: formatTime(p.SubmittedAt), Validated: p.Validated,
		CopiedFrom: p.CopiedFrom, CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt),
		Version: p.Version}
	if f := p.Fee; f != nil {
		cecs, err := hoursText(f.CECs)
		if err != nil {
			return programItem{}, fmt.Errorf("fee CECs: %w", err)
		}
		it.Fee = &feeItem{InvoiceID: f.InvoiceID, AmountCents: f.AmountCents, Currency: f.Currency, Late: f.Late,
			CECs: cecs, PerCECCents: f.PerCECCents, DaysBefore: f.DaysBefore, Status: string(f.Status),
			IssuedAt: formatTime(f.IssuedAt), IssuedOn: f.IssuedOn, PaidAt: formatTime(f.PaidAt), Flag: f.Flag}
		for _, x := range f.Payments {
			it.Fee.Payments = append(it.Fee.Payments, paymentItem{EventID: x.EventID, Kind: string(x.Kind), At: formatTime(x.At),
				Reference: x.Reference, AmountCents: x.AmountCents, Currency: x.Currency, Reason: x.Reason})
		}
		if c := f.Checkout; c != nil {
			it.Fee.Checkout = &checkoutItem{Reference: c.Reference, URL: c.URL, CreatedAt: formatTime(c.CreatedAt)}
		}
		for _, l := range f.Offerings {
			it.Fee.Offerings = append(it.Fee.Offerings, feeLineItem{Offering: l.Offering, StartsAt: formatLocalTime(&l.StartsAt),
				Late: l.Late, DaysBefore: l.DaysBefore, PerCECCents: l.PerCECCents, AmountCents: l.AmountCents})
		}
	}
	for _, d := range p.Problems {
		it.Problems = append(it.Problems, problemItem{Field: d.Field, Code: d.Code, Message: d.Message})
	}
	for _, o := range p.MoreOfferings {
		it.MoreOfferings = append(it.MoreOfferings, offeringItem{StartsAt: formatLocalTime(o.StartsAt), EndsAt: formatLocalTime(o.EndsAt),
			TimeZone: o.TimeZone, Location: o.Location, URL: o.URL})
	}
	for _, r := range p.RefusedOfferings {
		it.Refused = append(it.Refused, refusedItem{Offering: r.Offering, Reason: r.Reason})
	}
	for _, tr := range p.History {
		it.History = append(it.History, transitionItem{At: formatTime(tr.At), By: tr.By, From: string(tr.From),
			To: string(tr.To), Reason: tr.Reason})
	}
	return it, nil
}

func programFromItem(it programItem) (programs.Program, error) {
	starts, err := parseLocalTime(it.StartsAt)
	if err != nil {
		return programs.Program{}, fmt.Errorf("startsAt: %w", err)
	}
	ends, err := parseLocalTime(it.EndsAt)
	if err != nil {
		return programs.Program{}, fmt.Errorf("endsAt: %w", err)
	}
	hours, err := parseHours(it.ContactHours)
	if err != nil {
		return programs.Program{}, fmt.Errorf("contactHours: %w", err)
	}
	p := programs.Program{ID: it.ID, ProviderID: it.ProviderID, ProviderName: it.ProviderName,
		ProviderEmail: it.ProviderEmail,
		Content: programs.Content{Title: it.Title, Description: it.Description, Format: programs.Format(it.Format),
			StartsAt: starts, EndsAt: ends, TimeZone: it.TimeZone, Location: it.Location, URL: it.URL,
			ContactHours: hours, Objectives: append([]string{}, it.Objectives...),
			Instructors: append([]string{}, it.Instructors...), Compliance: it.Compliance, CalendarOptIn: it.CalendarOptIn},
		Status: programs.Status(it.Status), Problems: make([]fault.Detail, 0, len(it.Problems)),
		History: make([]programs.Transition, 0, len(it.History)), Submission: it.Submission,
		SubmittedAt: parseTime(it.SubmittedAt), Validated: it.Validated, CopiedFrom: it.CopiedFrom,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version}
	if f := it.Fee; f != nil {
		cecs, err := parseHours(f.CECs)
		if err != nil {
			return programs.Program{}, fmt.Errorf("fee cecs: %w", err)
		}
		p.Fee = &programs.Fee{InvoiceID: f.InvoiceID, AmountCents: f.AmountCents, Currency: f.Currency, Late: f.Late,
			CECs: cecs, PerCECCents: f.PerCECCents, DaysBefore: f.DaysBefore, Status: programs.FeeStatus(f.Status),
			IssuedAt: parseTime(f.IssuedAt), IssuedOn: f.IssuedOn, PaidAt: parseTime(f.PaidAt), Flag: f.Flag}
		for _, x := range f.Payments {
			p.Fee.Payments = append(p.Fee.Payments, programs.FeePayment{EventID: x.EventID, Kind: programs.PaymentKind(x.Kind),
				At: parseTime(x.At), Reference: x.Reference, AmountCents: x.AmountCents, Currency: x.Currency, Reason: x.Reason})
		}
		if c := f.Checkout; c != nil {
			p.Fee.Checkout = &checkout.Session{Reference: c.Reference, URL: c.URL, CreatedAt: parseTime(c.CreatedAt)}
		}
		for i, l := range f.Offerings {
			starts, err := parseLocalTime(l.StartsAt)
			if err != nil || starts == nil {
				return programs.Program{}, fmt.Errorf("fee offerings[%d].startsAt: %w", i, cmp.Or(err, errMissing))
			}
			p.Fee.Offerings = append(p.Fee.Offerings, programs.OfferingFee{Offering: l.Offering, StartsAt: *starts, Late: l.Late,
				DaysBefore: l.DaysBefore, PerCECCents: l.PerCECCents, AmountCents: l.AmountCents})
		}
	}
	for _, d := range it.Problems {
		p.Problems = append(p.Problems, fault.Detail{Field: d.Field, Code: d.Code, Message: d.Message})
	}
	for i, o := range it.MoreOfferings {
		starts, err := parseLocalTime(o.StartsAt)
		if err != nil {
			return programs.Program{}, fmt.Errorf("moreOfferings[%d].startsAt: %w", i, err)
		}
		ends, err := parseLocalTime(o.EndsAt)
		if err != nil {
			return programs.Program{}, fmt.Errorf("moreOfferings[%d].endsAt: %w", i, err)
		}
		p.MoreOfferings = append(p.MoreOfferings, programs.Offering{StartsAt: starts, EndsAt: ends, TimeZone: o.TimeZone,
			Location: o.Location, URL: o.URL})
	}
	for _, r := range it.Refused {
		p.RefusedOfferings = append(p.RefusedOfferings, programs.RefusedOffering{Offering: r.Offering, Reason: r.Reason})
	}
	for _, tr := range it.History {
		p.History = append(p.History, programs.Transition{At: parseTime(tr.At), By: tr.By,
			From: programs.Status(tr.From), To: programs.Status(tr.To), Reason: tr.Reason})
	}
	return p, nil
}

// calendarToItems are p's calendar entries (calendarKeys).
func calendarToItems(p programs.Program) ([]calendarItem, error) {
	hours, err := hoursText(p.ContactHours)
	if err != nil {
		return nil, fmt.Errorf("contact hours: %w", err)
	}
	var out []calendarItem
	for _, o := range calendarOfferings(p) {
		k := calendarKey(p.ID, o.N, *o.StartsAt)
		it := calendarItem{PK: k.PK, SK: k.SK, Type: typeCalendar, ProgramID: p.ID, ProviderName: p.ProviderName,
			Title: p.Title, Format: string(p.Format), StartsAt: formatLocalTime(o.StartsAt), EndsAt: formatLocalTime(o.EndsAt),
			TimeZone: o.TimeZone, Location: o.Location, URL: o.URL, ContactHours: hours, Compliance: p.Compliance}
		if o.N > 1 {
			it.Offering = o.N
		}
		out = append(out, it)
	}
	return out, nil
}

func calendarFromItem(it calendarItem) (programs.CalendarEntry, error) {
	starts, err := parseLocalTime(it.StartsAt)
	if err != nil || starts == nil {
		return programs.CalendarEntry{}, fmt.Errorf("startsAt: %w", cmp.Or(err, errMissing))
	}
	ends, err := parseLocalTime(it.EndsAt)
	if err != nil || ends == nil {
		return programs.CalendarEntry{}, fmt.Errorf("endsAt: %w", cmp.Or(err, errMissing))
	}
	hours, err := parseHours(it.ContactHours)
	if err != nil {
		return programs.CalendarEntry{}, fmt.Errorf("contactHours: %w", err)
	}
	return programs.CalendarEntry{ProgramID: it.ProgramID, Offering: max(it.Offering, 1), ProviderName: it.ProviderName, Title: it.Title,
		Format: programs.Format(it.Format), StartsAt: *starts, EndsAt: *ends, TimeZone: it.TimeZone,
		Location: it.Location, URL: it.URL, ContactHours: hours, Compliance: it.Compliance}, nil
}

// cloneProgram copies p deeply, so that fn's changes to the copy (slices,
// the fee, the dates) never reach the program as read.
func cloneProgram(p programs.Program) programs.Program {
	c := p
	if p.StartsAt != nil {
		t := *p.StartsAt
		c.StartsAt = &t
	}
	if p.EndsAt != nil {
		t := *p.EndsAt
		c.EndsAt = &t
	}
	c.Objectives = append([]string{}, p.Objectives...)
	c.Instructors = append([]string{}, p.Instructors...)
	c.Problems = append([]fault.Detail{}, p.Problems...)
	c.MoreOfferings = nil
	for _, o := range p.MoreOfferings {
		if o.StartsAt != nil {
			t := *o.StartsAt
			o.StartsAt = &t
		}
		if o.EndsAt != nil {
			t := *o.EndsAt
			o.EndsAt = &t
		}
		c.MoreOfferings = append(c.MoreOfferings, o)
	}
	c.RefusedOfferings = append([]programs.RefusedOffering(nil), p.RefusedOfferings...)
	c.History = append([]programs.Transition{}, p.History...)
	if p.Fee != nil {
		f := *p.Fee
		f.Payments = append([]programs.FeePayment(nil), p.Fee.Payments...)
		f.Offerings = append([]programs.OfferingFee(nil), p.Fee.Offerings...)
		if f.Checkout != nil {
			co := *f.Checkout
			f.Checkout = &co
		}
		c.Fee = &f
	}
	return c
}

// programOps returns p's item and the operations that go with it: its
// calendar entry when due, its due markers and msgs.
func programOps(loc *time.Location, before *programs.Program, p programs.Program, msgs []outbox.Message) (table.Item, []table.Op, error) {
	it, err := programToItem(p)
	if err != nil {
		return nil, nil, fmt.Errorf("program %s: %w", p.ID, err)
	}
	item, err := table.Marshal(it)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal program %s: %w", p.ID, err)
	}
	var with []table.Op
	entries, err := calendarToItems(p)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar entries of %s: %w", p.ID, err)
	}
	for _, ci := range entries {
		entry, err := table.Marshal(ci)
		if err != nil {
			return nil, nil, fmt.Errorf("marshal calendar entry of %s: %w", p.ID, err)
		}
		with = append(with, table.Put(entry, table.Condition{})) // idempotent: rewrites the same entry
	}
	due, err := dueProgramOps(before, p)
	if err != nil {
		return nil, nil, err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return nil, nil, err
	}
	with = append(append(with, due...), out...)
	// The count of programs by status follows the program's, in its
	// write, in all and for its provider.
	var moved map[string]int64
	switch {
	case before == nil:
		moved = map[string]int64{string(p.Status): 1}
	case before.Status != p.Status:
		moved = map[string]int64{string(before.Status): -1, string(p.Status): 1}
	}
	if moved != nil {
		with = append(with, table.Add(programStatsKey(), moved), table.Add(providerStatsKey(p.ProviderID), moved))
	}
	if p.Fee != nil { // the fee's payments recorded by this write, in the ledger
		var was []checkout.Payment
		if before != nil && before.Fee != nil {
			was = before.Fee.Payments
		}
		paid, err := ledgerOps(loc, was, p.Fee.Payments, func(x checkout.Payment) ledger.Entry {
			return ledger.Of(x, ledger.ApplicationFee, p.Fee.InvoiceID, p.ProviderID, p.ProviderName)
		})
		if err != nil {
			return nil, nil, err
		}
		with = append(with, paid...)
	}
	return item, with, nil
}

// Create writes a new program with msgs (and its calendar entry when due)
// in one transaction. A program with the same ID is a *ConditionFailedError.
func (r *Programs) Create(ctx context.Context, p programs.Program, msgs ...outbox.Message) error {
	item, with, err := programOps(r.loc, nil, p, msgs)
	if err != nil {
		return err
	}
	if err := r.t.Write(ctx, append([]table.Op{table.Put(item, table.IfNotExists())}, with...)...); err != nil {
		if table.FailedOn(err, programKey(p.ID)) {
			return fmt.Errorf("create program %s: it exists already: %w", p.ID, err)
		}
		return fmt.Errorf("create program %s: %w", p.ID, err)
	}
	return nil
}

// Get reads one program, or programs.ErrNotFound.
func (r *Programs) Get(ctx context.Context, id string) (programs.Program, error) {
	item, err := r.t.Get(ctx, programKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return programs.Program{}, programs.ErrNotFound
	}
	if err != nil {
		return programs.Program{}, fmt.Errorf("get program %s: %w", id, err)
	}
	return decodeProgram(item)
}

func decodeProgram(item table.Item) (programs.Program, error) {
	var it programItem
	if err := table.Unmarshal(item, &it); err != nil {
		return programs.Program{}, fmt.Errorf("unmarshal program %s: %w", table.KeyOf(item), err)
	}
	p, err := programFromItem(it)
	if err != nil {
		return programs.Program{}, fmt.Errorf("decode program %s: %w", it.ID, err)
	}
	return p, nil
}

// Update is the read-modify-write of a program under its version: fn's
// changes, its messages and the calendar entry are written at once, and a
// write that lost a race is retried from a fresh read. The program's ID,
// provider, creation time and version are the store's, whatever fn does.
func (r *Programs) Update(ctx context.Context, id string, fn func(p *programs.Program) ([]outbox.Message, error)) (programs.Program, error) {
	var p, unchanged programs.Program
	err := table.UpdateVersioned(ctx, r.t, func() (table.Versioned, error) {
		before, err := r.Get(ctx, id)
		if err != nil {
			return table.Versioned{}, err
		}
		unchanged, p = before, cloneProgram(before)
		msgs, err := fn(&p)
		if err != nil {
			return table.Versioned{}, err
		}
		p.ID, p.ProviderID, p.CreatedAt, p.Version = before.ID, before.ProviderID, before.CreatedAt, before.Version+1
		item, with, err := programOps(r.loc, &before, p, msgs)
		if err != nil {
			return table.Versioned{}, err
		}
		// An entry under another start, or of an offering or program no
		// longer due, is stale.
		now := calendarKeys(p)
		for _, k := range calendarKeys(before) {
			if !slices.Contains(now, k) {
				with = append(with, table.Delete(k, table.Condition{}))
			}
		}
		return table.Versioned{Item: item, Version: before.Version, With: with}, nil
	})
	switch {
	case errors.Is(err, programs.ErrNoChange):
		return unchanged, err
	case err != nil:
		return programs.Program{}, err
	}
	return p, nil
}

// programQuery sets a page's limit (default 50, at most 100) and cursor on q.
func programQuery(q table.Query, pg programs.Page) table.Query {
	q.Limit, q.Cursor = pageLimit(pg.Limit, listPageDefault, listPageMax), pg.Cursor
	return q
}

func (r *Programs) list(ctx context.Context, what string, q table.Query) ([]programs.Program, string, error) {
	page, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query %s: %w", what, err))
	}
	return decodeList(ctx, what, page.Items, decodeProgram), page.Cursor, nil
}

// ByProvider lists a provider's programs, newest first (GSI1).
func (r *Programs) ByProvider(ctx context.Context, providerID string, pg programs.Page) ([]programs.Program, string, error) {
	q := programQuery(table.Query{Index: table.IndexGSI1, PK: providerProgramsPK(providerID), Descending: true}, pg)
	return r.list(ctx, "programs of provider "+providerID, q)
}

// ByStatus lists programs in status s, longest in it first (GSI2).
func (r *Programs) ByStatus(ctx context.Context, s programs.Status, pg programs.Page) ([]programs.Program, string, error) {
	q := programQuery(table.Query{Index: table.IndexGSI2, PK: programStatusPK(s)}, pg)
	return r.list(ctx, "programs "+string(s), q)
}

// Calendar lists the calendar entries starting in [from, to), by start.
// Every sort key is longer than the bare upper bound, so BETWEEN excludes
// programs starting exactly at to.
func (r *Programs) Calendar(ctx context.Context, from, to time.Time, pg programs.Page) ([]programs.CalendarEntry, string, error) {
	if !to.After(from) {
		return []programs.CalendarEntry{}, "", nil
	}
	q := programQuery(table.Query{PK: pkCalendar, Op: table.SKBetween, Value: keyTime(from), Value2: keyTime(to)}, pg)
	page, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query calendar: %w", err))
	}
	return decodeList(ctx, "calendar", page.Items, func(item table.Item) (programs.CalendarEntry, error) {
		var it calendarItem
		if err := table.Unmarshal(item, &it); err != nil {
			return programs.CalendarEntry{}, err
		}
		return calendarFromItem(it)
	}), page.Cursor, nil
}
