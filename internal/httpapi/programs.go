package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/programs"
)

// NewProgramsAPI is the handler of the programs-api Lambda.
func NewProgramsAPI(svc *programs.Service, opts Options) (*API, error) {
	return newAPI(ProgramsRoutes(svc), opts)
}

// ProgramsRoutes are the routes of the programs-api Lambda (SPEC §1):
// applications, submission, the fee checkout, copies, staff review and the
// public calendar.
func ProgramsRoutes(svc *programs.Service) []Route {
	h := programsHandlers{svc: svc}
	provider := Roles(identity.RoleProvider)
	staff := Roles(identity.RoleStaff)
	return []Route{
		{Method: http.MethodPost, Path: "/programs", Access: provider, Handle: h.create},
		{Method: http.MethodGet, Path: "/programs", Access: provider, Handle: h.list},
		{Method: http.MethodGet, Path: "/programs/{programId}", Access: Roles(identity.RoleProvider, identity.RoleStaff), Handle: h.get},
		{Method: http.MethodPut, Path: "/programs/{programId}", Access: provider, Handle: h.edit},
		{Method: http.MethodPost, Path: "/programs/{programId}/submit", Access: provider, Handle: h.submit},
		{Method: http.MethodPost, Path: "/programs/{programId}/copy", Access: provider, Handle: h.copy},
		{Method: http.MethodPost, Path: "/programs/{programId}/checkout", Access: provider, Handle: h.checkout},
		{Method: http.MethodPost, Path: "/programs/{programId}/decision", Access: staff, Handle: h.decide},
		{Method: http.MethodGet, Path: "/review/programs", Access: staff, Handle: h.reviewQueue},
		{Method: http.MethodGet, Path: "/calendar", Access: Public, Handle: h.calendar},
	}
}

type programsHandlers struct {
	svc *programs.Service
}

// Wire shapes of the program operations in openapi.yaml, kept apart from
// the domain types.

// programContentJSON is ProgramContent as a request carries it. Dates and
// contact hours stay raw until contentIn has checked them, so that a bad
// value is a 400 naming its field.
type programContentJSON struct {
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	Format        string          `json:"format"`
	offeringJSON                  // the first offering's dates and place
	ContactHours  json.RawMessage `json:"contactHours"`
	Objectives    []string        `json:"objectives"`
	Instructors   []string        `json:"instructors"`
	Compliance    bool            `json:"compliance"`
	CalendarOptIn bool            `json:"calendarOptIn"`
	MoreOfferings []offeringJSON  `json:"moreOfferings"`
}

// offeringJSON is one more offering as a request carries it (raw dates).
type offeringJSON struct {
	StartsAt *string `json:"startsAt"`
	EndsAt   *string `json:"endsAt"`
	TimeZone string  `json:"timeZone"`
	Location string  `json:"location"`
	URL      string  `json:"url"`
}

type offeringOutJSON struct {
	StartsAt *time.Time `json:"startsAt"`
	EndsAt   *time.Time `json:"endsAt"`
	TimeZone string     `json:"timeZone"`
	Location string     `json:"location"`
	URL      string     `json:"url"`
}

type refusedOfferingJSON struct {
	Offering int    `json:"offering"`
	Reason   string `json:"reason"`
}

type feeLineJSON struct {
	Offering    int       `json:"offering"`
	StartsAt    time.Time `json:"startsAt"`
	Late        bool      `json:"late"`
	DaysBefore  int       `json:"daysBefore"`
	PerCECCents int64     `json:"perCecCents"`
	AmountCents int64     `json:"amountCents"`
}

type programJSON struct {
	ProgramID       string                `json:"programId"`
	ProviderID      string                `json:"providerId"`
	ProviderName    string                `json:"providerName"`
	Title           string                `json:"title"`
	Description     string                `json:"description"`
	Format          *string               `json:"format"`
	offeringOutJSON                       // the first offering's dates and place
	ContactHours    cec.Hours             `json:"contactHours"`
	Objectives      []string              `json:"objectives"`
	Instructors     []string              `json:"instructors"`
	Compliance      bool                  `json:"compliance"`
	CalendarOptIn   bool                  `json:"calendarOptIn"`
	MoreOfferings   []offeringOutJSON     `json:"moreOfferings"`
	Refused         []refusedOfferingJSON `json:"refusedOfferings"`
	Status          string                `json:"status"`
	Fee             *feeJSON              `json:"fee"`
	Problems        []problemJSON         `json:"problems"`
	History         []transitionJSON      `json:"history"`
	Submission      int                   `json:"submission"`
	SubmittedAt     *time.Time            `json:"submittedAt"`
	CopiedFrom      *string               `json:"copiedFrom"`
	CreatedAt       time.Time             `json:"createdAt"`
	UpdatedAt       time.Time             `json:"updatedAt"`
}

type feeJSON struct {
	InvoiceID   string        `json:"invoiceId"`
	AmountCents int64         `json:"amountCents"`
	Currency    string        `json:"currency"`
	Late        bool          `json:"late"`
	Status      string        `json:"status"`
	CECs        cec.Hours     `json:"cecs"`
	PerCECCents int64         `json:"perCecCents"`
	DaysBefore  int           `json:"daysBefore"`
	IssuedAt    time.Time     `json:"issuedAt"`
	PaidAt      *time.Time    `json:"paidAt"`
	Checkout    *checkoutJSON `json:"checkout"`
	Payments    []paymentJSON `json:"payments"`
	Flag        *string       `json:"flag"`
	Offerings   []feeLineJSON `json:"offerings"`
}

// paymentsOut is an invoice's payment events as the API shows them: every
// invoice (application fee, renewal, filing fee) keeps the same record.
func paymentsOut(ps []checkout.Payment) []paymentJSON {
	out := make([]paymentJSON, 0, len(ps))
	for _, x := range ps {
		out = append(out, paymentJSON{EventID: x.EventID, Kind: string(x.Kind), At: x.At.UTC(),
			Reference: x.Reference, AmountCents: x.AmountCents, Currency: x.Currency, Reason: x.Reason})
	}
	return out
}

type paymentJSON struct {
	EventID     string    `json:"eventId"`
	Kind        string    `json:"kind"`
	At          time.Time `json:"at"`
	Reference   string    `json:"reference"`
	AmountCents int64     `json:"amountCents"`
	Currency    string    `json:"currency"`
	Reason      string    `json:"reason"`
}

type checkoutJSON struct {
	Reference string    `json:"reference"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"createdAt"`
}

type problemJSON struct {
	Field   string `json:"field,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

type transitionJSON struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	From   *string   `json:"from"` // null for the creation
	To     string    `json:"to"`
	Reason string    `json:"reason"`
}

type programPageJSON struct {
	Programs   []programJSON `json:"programs"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

type programCheckoutJSON struct {
	Reference   string `json:"reference"`
	URL         string `json:"url"`
	InvoiceID   string `json:"invoiceId"`
	AmountCents int64  `json:"amountCents"`
	Currency    string `json:"currency"`
}

type calendarEntryJSON struct {
	ProgramID    string    `json:"programId"`
	Offering     int       `json:"offering"`
	ProviderName string    `json:"providerName"`
	Title        string    `json:"title"`
	Format       string    `json:"format"`
	StartsAt     time.Time `json:"startsAt"`
	EndsAt       time.Time `json:"endsAt"`
	TimeZone     string    `json:"timeZone"`
	Location     string    `json:"location"`
	URL          string    `json:"url"`
	ContactHours cec.Hours `json:"contactHours"`
	Compliance   bool      `json:"compliance"`
}

type calendarPageJSON struct {
	Programs   []calendarEntryJSON `json:"programs"`
	NextCursor string              `json:"nextCursor,omitempty"`
}

// Default and largest page sizes of the list operations (openapi Limit).
const (
	defaultPageLimit = 50
	maxPageLimit     = 100
)

func invalidFields(d ...fault.Detail) error {
	return fault.New(fault.Invalid, "invalid_request", "the request has invalid fields", d...)
}

// instantIn reads an RFC 3339 date-time that carries its offset (or Z),
// keeping that offset. A local date-time without one is refused: the
// instant it names would be a guess.
// The instant must also lie in the range every read can write back
// (calendar.CheckInstant): Go parses an offset of +24:00, which it then
// cannot encode.
func instantIn(field, s string) (time.Time, *fault.Detail) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &fault.Detail{Field: field, Code: "invalid_date_time",
			Message: "must be an RFC 3339 date-time with an offset or Z, e.g. 2025-10-14T09:00:00-05:00"}
	}
	if d := rangeDetail(field, calendar.CheckInstant(t)); d != nil {
		return time.Time{}, d
	}
	return t, nil
}

// dateIn reads a calendar date YYYY-MM-DD within the accepted years.
func dateIn(field, s string) (time.Time, *fault.Detail) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, &fault.Detail{Field: field, Code: "invalid_date", Message: "must be a date YYYY-MM-DD"}
	}
	if d := rangeDetail(field, calendar.CheckDate(d)); d != nil {
		return time.Time{}, d
	}
	return d, nil
}

// rangeDetail words calendar's range errors as a detail on field.
func rangeDetail(field string, err error) *fault.Detail {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, calendar.ErrOffset):
		return &fault.Detail{Field: field, Code: "invalid_offset", Message: "must have a UTC offset from -12:00 to +14:00"}
	default:
		return &fault.Detail{Field: field, Code: "out_of_range", Message: "must be in the years 1900 to 2199"}
	}
}

// hoursIn reads contact hours from a raw JSON number, exactly: a decimal
// with at most two places. Absent or null is 0 (not given).
func hoursIn(field string, raw json.RawMessage) (cec.Hours, *fault.Detail) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	bad := &fault.Detail{Field: field, Code: "invalid_decimal",
		Message: "must be a non-negative number with at most two decimal places, e.g. 6, 1.5 or 0.25"}
	if raw[0] == '"' {
		return 0, bad
	}
	h, err := cec.Parse(string(raw))
	if err != nil {
		return 0, bad
	}
	return h, nil
}

// contentIn converts a request's content to the domain's, reporting every
// date and number it cannot read at once, each on its field.
func contentIn(in programContentJSON) (programs.Content, error) {
	c := programs.Content{
		Title: in.Title, Description: in.Description, Format: programs.Format(in.Format), TimeZone: in.TimeZone,
		Location: in.Location, URL: in.URL, Objectives: in.Objectives, Instructors: in.Instructors,
		Compliance: in.Compliance, CalendarOptIn: in.CalendarOptIn,
	}
	var details []fault.Detail
	dates := func(prefix string, starts, ends *string, c *programs.Offering) {
		for _, f := range []struct {
			name string
			in   *string
			out  **time.Time
		}{{"startsAt", starts, &c.StartsAt}, {"endsAt", ends, &c.EndsAt}} {
			if f.in == nil {
				continue
			}
			t, d := instantIn(prefix+f.name, *f.in)
			if d != nil {
				details = append(details, *d)
				continue
			}
			*f.out = &t
		}
	}
	var first programs.Offering
	dates("", in.StartsAt, in.EndsAt, &first)
	c.StartsAt, c.EndsAt = first.StartsAt, first.EndsAt
	for i, o := range in.MoreOfferings {
		more := programs.Offering{TimeZone: o.TimeZone, Location: o.Location, URL: o.URL}
		dates(fmt.Sprintf("moreOfferings[%d].", i), o.StartsAt, o.EndsAt, &more)
		c.MoreOfferings = append(c.MoreOfferings, more)
	}
	h, d := hoursIn("contactHours", in.ContactHours)
	if d != nil {
		details = append(details, *d)
	}
	c.ContactHours = h
	if len(details) > 0 {
		return programs.Content{}, fault.New(fault.Invalid, "invalid_request", "the application has invalid fields", details...)
	}
	return c, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// stringsOut returns items, [] rather than null when empty.
func stringsOut(items []string) []string {
	if items == nil {
		return []string{}
	}
	return items
}

func programOut(p programs.Program) programJSON {
	out := programJSON{
		ProgramID: p.ID, ProviderID: p.ProviderID, ProviderName: p.ProviderName,
		Title: p.Title, Description: p.Description, Format: optString(string(p.Format)),
		offeringOutJSON: offeringOut(p.Offerings()[0]), ContactHours: p.ContactHours,
		Objectives: stringsOut(p.Objectives), Instructors: stringsOut(p.Instructors),
		Compliance: p.Compliance, CalendarOptIn: p.CalendarOptIn,
		MoreOfferings: make([]offeringOutJSON, 0, len(p.MoreOfferings)), Refused: make([]refusedOfferingJSON, 0, len(p.RefusedOfferings)),
		Status: string(p.Status), Fee: feeOut(p.Fee),
		Problems: make([]problemJSON, 0, len(p.Problems)), History: make([]transitionJSON, 0, len(p.History)),
		Submission: p.Submission, SubmittedAt: optTime(p.SubmittedAt), CopiedFrom: optString(p.CopiedFrom),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	for _, d := range p.Problems {
		out.Problems = append(out.Problems, problemJSON{Field: d.Field, Code: d.Code, Message: d.Message})
	}
	for _, o := range p.MoreOfferings {
		out.MoreOfferings = append(out.MoreOfferings, offeringOut(o))
	}
	for _, r := range p.RefusedOfferings {
		out.Refused = append(out.Refused, refusedOfferingJSON{Offering: r.Offering, Reason: r.Reason})
	}
	for _, t := range p.History {
		out.History = append(out.History, transitionJSON{At: t.At.UTC(), By: t.By, From: optString(string(t.From)),
			To: string(t.To), Reason: t.Reason})
	}
	return out
}

// offeringOut keeps the dates' offsets, the provider's.
func offeringOut(o programs.Offering) offeringOutJSON {
	return offeringOutJSON{StartsAt: o.StartsAt, EndsAt: o.EndsAt, TimeZone: o.TimeZone, Location: o.Location, URL: o.URL}
}

func feeOut(f *programs.Fee) *feeJSON {
	if f == nil {
		return nil
	}
	out := &feeJSON{InvoiceID: f.InvoiceID, AmountCents: f.AmountCents, Currency: f.Currency, Late: f.Late,
		Status: string(f.Status), CECs: f.CECs, PerCECCents: f.PerCECCents, DaysBefore: f.DaysBefore,
		IssuedAt: f.IssuedAt.UTC(), PaidAt: optTime(f.PaidAt), Flag: optString(f.Flag), Payments: paymentsOut(f.Payments),
		Offerings: make([]feeLineJSON, 0, len(f.Offerings))}
	for _, l := range f.Offerings {
		out.Offerings = append(out.Offerings, feeLineJSON{Offering: l.Offering, StartsAt: l.StartsAt, Late: l.Late,
			DaysBefore: l.DaysBefore, PerCECCents: l.PerCECCents, AmountCents: l.AmountCents})
	}
	if co := f.Checkout; co != nil {
		out.Checkout = &checkoutJSON{Reference: co.Reference, URL: co.URL, CreatedAt: co.CreatedAt.UTC()}
	}
	return out
}

func programsOut(ps []programs.Program, next string) programPageJSON {
	out := programPageJSON{Programs: make([]programJSON, 0, len(ps)), NextCursor: next}
	for _, p := range ps {
		out.Programs = append(out.Programs, programOut(p))
	}
	return out
}

func calendarEntryOut(e programs.CalendarEntry) calendarEntryJSON {
	return calendarEntryJSON{ProgramID: e.ProgramID, Offering: e.Offering, ProviderName: e.ProviderName, Title: e.Title,
		Format: string(e.Format), StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.TimeZone,
		Location: e.Location, URL: e.URL, ContactHours: e.ContactHours, Compliance: e.Compliance}
}

// pageIn reads limit (default 50, 1 to 100) and cursor. The operation's
// schema has checked them already; this is the same rule for the handler.
func pageIn(q url.Values) (programs.Page, error) {
	limit, err := limitIn(q, defaultPageLimit, maxPageLimit)
	return programs.Page{Limit: limit, Cursor: q.Get("cursor")}, err
}

// limitIn reads a list's limit: def when absent, else 1 to max.
func limitIn(q url.Values, def, max int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, invalidFields(fault.Detail{Field: "limit", Code: "out_of_range",
			Message: fmt.Sprintf("must be a whole number from 1 to %d", max)})
	}
	return n, nil
}

func programLocation(id string) map[string]string {
	return map[string]string{"location": "/programs/" + url.PathEscape(id)}
}

// contentFrom decodes a ProgramContent body.
func contentFrom(r *Request) (programs.Content, error) {
	var in programContentJSON
	if err := r.Decode(&in); err != nil {
		return programs.Content{}, err
	}
	return contentIn(in)
}

func (h programsHandlers) create(ctx context.Context, r *Request) (Response, error) {
	c, err := contentFrom(r)
	if err != nil {
		return Response{}, err
	}
	p, err := h.svc.Create(ctx, r.Caller, c)
	if err != nil {
		return Response{}, err
	}
	resp := JSON(http.StatusCreated, programOut(p))
	resp.Headers = programLocation(p.ID)
	return resp, nil
}

func (h programsHandlers) edit(ctx context.Context, r *Request) (Response, error) {
	c, err := contentFrom(r)
	if err != nil {
		return Response{}, err
	}
	p, err := h.svc.Edit(ctx, r.Caller, r.Params["programId"], c)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, programOut(p)), nil
}

// contentOp is the operation whose body holds a program's content: the
// fields a refused submission names are its fields, and are worded with its
// labels.
var contentOp = sync.OnceValue(func() *contract.Operation {
	return generatedContract().Operation(http.MethodPut, "/programs/{programId}")
})

func (h programsHandlers) submit(ctx context.Context, r *Request) (Response, error) {
	p, err := h.svc.Submit(ctx, r.Caller, r.Params["programId"])
	if fe, ok := fault.As(err); ok && fe.Code == programs.CodeIncomplete {
		// The problems of the content, in the words a 400 of PUT would use.
		out := *fe
		out.Details = make([]fault.Detail, len(fe.Details))
		for i, d := range fe.Details {
			d.Message = wordDetail(contentOp(), "application/json", d)
			out.Details[i] = d
		}
		return Response{}, &out
	}
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusAccepted, programOut(p)), nil
}

func (h programsHandlers) copy(ctx context.Context, r *Request) (Response, error) {
	p, err := h.svc.Copy(ctx, r.Caller, r.Params["programId"])
	if err != nil {
		return Response{}, err
	}
	resp := JSON(http.StatusCreated, programOut(p))
	resp.Headers = programLocation(p.ID)
	return resp, nil
}

func (h programsHandlers) get(ctx context.Context, r *Request) (Response, error) {
	p, err := h.svc.Get(ctx, r.Caller, r.Params["programId"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, programOut(p)), nil
}

func (h programsHandlers) list(ctx context.Context, r *Request) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	ps, next, err := h.svc.List(ctx, r.Caller, pg)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, programsOut(ps, next)), nil
}

// checkout starts the payment and answers with the invoice it pays, which
// the service's StartCheckout does not return: the program is read again.
func (h programsHandlers) checkout(ctx context.Context, r *Request) (Response, error) {
	id := r.Params["programId"]
	co, err := h.svc.StartCheckout(ctx, r.Caller, id)
	if err != nil {
		return Response{}, err
	}
	p, err := h.svc.Get(ctx, r.Caller, id)
	if err != nil {
		return Response{}, fmt.Errorf("read program %s after its checkout: %w", id, err)
	}
	if p.Fee == nil {
		return Response{}, fmt.Errorf("program %s has no invoice after its checkout %s", id, co.Reference)
	}
	return JSON(http.StatusOK, programCheckoutJSON{Reference: co.Reference, URL: co.URL, InvoiceID: p.Fee.InvoiceID,
		AmountCents: p.Fee.AmountCents, Currency: p.Fee.Currency}), nil
}

func (h programsHandlers) decide(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	var d programs.Decision
	switch in.Decision {
	case "approve":
		d.Approve = true
	case "reject":
	default:
		return Response{}, invalidFields(fault.Detail{Field: "decision", Code: "enum", Message: "must be approve or reject"})
	}
	d.Reason = in.Reason
	p, err := h.svc.Decide(ctx, r.Caller, r.Params["programId"], d)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, programOut(p)), nil
}

func (h programsHandlers) reviewQueue(ctx context.Context, r *Request) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	ps, next, err := h.svc.ReviewQueue(ctx, r.Caller, programs.Status(r.Query.Get("status")), pg)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, programsOut(ps, next)), nil
}

func (h programsHandlers) calendar(ctx context.Context, r *Request) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	var bounds [2]*time.Time
	var details []fault.Detail
	for i, name := range []string{"from", "to"} {
		s := r.Query.Get(name)
		if s == "" {
			continue
		}
		t, d := instantIn(name, s)
		if d != nil {
			details = append(details, *d)
			continue
		}
		bounds[i] = &t
	}
	if len(details) > 0 {
		return Response{}, invalidFields(details...)
	}
	entries, next, err := h.svc.Calendar(ctx, bounds[0], bounds[1], pg)
	if err != nil {
		return Response{}, err
	}
	out := calendarPageJSON{Programs: make([]calendarEntryJSON, 0, len(entries)), NextCursor: next}
	for _, e := range entries {
		out.Programs = append(out.Programs, calendarEntryOut(e))
	}
	return JSON(http.StatusOK, out), nil
}
