package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The service under these tests runs on small in-memory fakes of its store
// and collaborators: the real store has its own contract suite, and the end
// to end test runs the whole path. Here the subject is the HTTP mapping.

var progNow = time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)

// fakeProgramStore is programs.Store in memory, paginated by an index cursor.
type fakeProgramStore struct {
	mu    sync.Mutex
	items map[string]programs.Program
}

var _ programs.Store = (*fakeProgramStore)(nil)

func cloneProgram(p programs.Program) programs.Program {
	p.Objectives = slices.Clone(p.Objectives)
	p.Instructors = slices.Clone(p.Instructors)
	p.Problems = slices.Clone(p.Problems)
	p.History = slices.Clone(p.History)
	if p.Fee != nil {
		f := *p.Fee
		if f.Checkout != nil {
			co := *f.Checkout
			f.Checkout = &co
		}
		p.Fee = &f
	}
	return p
}

func (s *fakeProgramStore) Create(_ context.Context, p programs.Program, _ ...outbox.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.items[p.ID]; dup {
		return fmt.Errorf("program %s exists", p.ID)
	}
	s.items[p.ID] = cloneProgram(p)
	return nil
}

func (s *fakeProgramStore) Get(_ context.Context, id string) (programs.Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.items[id]
	if !ok {
		return programs.Program{}, programs.ErrNotFound
	}
	return cloneProgram(p), nil
}

func (s *fakeProgramStore) Update(_ context.Context, id string, fn func(p *programs.Program) ([]outbox.Message, error)) (programs.Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.items[id]
	if !ok {
		return programs.Program{}, programs.ErrNotFound
	}
	next := cloneProgram(cur)
	if _, err := fn(&next); err != nil {
		if errors.Is(err, programs.ErrNoChange) {
			return cloneProgram(cur), err
		}
		return programs.Program{}, err
	}
	next.Version++
	s.items[id] = cloneProgram(next)
	return next, nil
}

func fakePage[T any](all []T, pg programs.Page) ([]T, string, error) {
	start := 0
	if pg.Cursor != "" {
		n, err := strconv.Atoi(pg.Cursor)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", fault.New(fault.Invalid, "invalid_cursor", "bad cursor")
		}
		start = n
	}
	end := min(start+pg.Limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

func (s *fakeProgramStore) filter(keep func(programs.Program) bool) []programs.Program {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []programs.Program
	for _, p := range s.items {
		if keep(p) {
			out = append(out, cloneProgram(p))
		}
	}
	return out
}

func (s *fakeProgramStore) ByProvider(_ context.Context, providerID string, pg programs.Page) ([]programs.Program, string, error) {
	ps := s.filter(func(p programs.Program) bool { return p.ProviderID == providerID })
	sort.Slice(ps, func(i, j int) bool {
		return ps[i].CreatedAt.After(ps[j].CreatedAt) || ps[i].CreatedAt.Equal(ps[j].CreatedAt) && ps[i].ID < ps[j].ID
	})
	return fakePage(ps, pg)
}

func (s *fakeProgramStore) ByStatus(_ context.Context, st programs.Status, pg programs.Page) ([]programs.Program, string, error) {
	ps := s.filter(func(p programs.Program) bool { return p.Status == st })
	sort.Slice(ps, func(i, j int) bool {
		return ps[i].UpdatedAt.Before(ps[j].UpdatedAt) || ps[i].UpdatedAt.Equal(ps[j].UpdatedAt) && ps[i].ID < ps[j].ID
	})
	return fakePage(ps, pg)
}

func (s *fakeProgramStore) Calendar(_ context.Context, from, to time.Time, pg programs.Page) ([]programs.CalendarEntry, string, error) {
	ps := s.filter(func(p programs.Program) bool {
		return p.Status == programs.Approved && p.CalendarOptIn && p.StartsAt != nil && !p.StartsAt.Before(from) && p.StartsAt.Before(to)
	})
	sort.Slice(ps, func(i, j int) bool { return ps[i].StartsAt.Before(*ps[j].StartsAt) })
	entries := make([]programs.CalendarEntry, 0, len(ps))
	for _, p := range ps {
		entries = append(entries, programs.CalendarEntry{ProgramID: p.ID, Offering: 1, ProviderName: p.ProviderName, Title: p.Title,
			Format: p.Format, StartsAt: *p.StartsAt, EndsAt: *p.EndsAt, TimeZone: p.TimeZone, Location: p.Location,
			URL: p.URL, ContactHours: p.ContactHours, Compliance: p.Compliance})
	}
	return fakePage(entries, pg)
}

// fakeProviders finds providers by the caller's subject.
type fakeProviders map[string]accounts.Provider

func (f fakeProviders) MyProvider(_ context.Context, c identity.Caller) (accounts.Provider, error) {
	pr, ok := f[c.Sub]
	if !ok {
		return accounts.Provider{}, fault.New(fault.NotFound, "provider_not_found", "you have not registered a provider yet")
	}
	return pr, nil
}

type fakeCheckouts struct{}

func (fakeCheckouts) StartCheckout(_ context.Context, req checkout.Request) (checkout.Session, error) {
	return checkout.Session{Reference: "cs_" + req.InvoiceID, URL: "https://pay.example.test/cs_" + req.InvoiceID}, nil
}

func mustTime(t *testing.T, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// programsFixture is a programs API over a seeded fake store. Provider P-ONE
// (subject p1) owns one program in each interesting status; P-TWO (p2) a
// complete draft, an incomplete one and a rejected program.
type programsFixture struct {
	api   *API
	store *fakeProgramStore
}

func newProgramsFixture(t *testing.T) *programsFixture {
	t.Helper()
	st := &fakeProgramStore{items: map[string]programs.Program{}}
	content := programs.Content{Title: "Fair housing update", Description: "What changed this year.", Format: programs.InPerson,
		StartsAt: mustTime(t, "2025-03-01T09:00:00-06:00"), EndsAt: mustTime(t, "2025-03-01T17:00:00-06:00"),
		TimeZone: "America/Chicago", Location: "Hilton, Chicago", ContactHours: cec.Hours(650),
		Objectives: []string{"Know the rules"}, Instructors: []string{"A. Teacher"}, Compliance: true, CalendarOptIn: true}
	seed := func(id, provider string, status programs.Status, mod func(p *programs.Program)) {
		created := progNow.Add(-time.Duration(len(st.items)+1) * time.Hour)
		p := programs.Program{ID: id, ProviderID: provider, ProviderName: "Acme Institute", ProviderEmail: "office@acme.test",
			Content: content, Status: status, CreatedAt: created, UpdatedAt: created, Version: 1,
			History: []programs.Transition{{At: created, By: "p1", To: programs.Draft, Reason: "created"}}}
		p.Objectives, p.Instructors = slices.Clone(content.Objectives), slices.Clone(content.Instructors)
		if mod != nil {
			mod(&p)
		}
		st.items[id] = p
	}
	fee := func(paid bool) *programs.Fee {
		f := &programs.Fee{InvoiceID: "INV-1", AmountCents: 32500, Currency: "USD", CECs: cec.Hours(650), PerCECCents: 5000,
			DaysBefore: 50, Status: programs.FeeOpen, IssuedAt: progNow.Add(-2 * time.Hour)}
		if paid {
			f.Status, f.PaidAt = programs.FeePaid, progNow.Add(-time.Hour)
		}
		return f
	}
	seed("PRG-DRAFT", "P-ONE", programs.Draft, nil)
	seed("PRG-SUBMITTED", "P-ONE", programs.Submitted, func(p *programs.Program) { p.Submission, p.SubmittedAt = 1, progNow })
	seed("PRG-REFUSED", "P-ONE", programs.Refused, func(p *programs.Program) {
		p.Problems = []fault.Detail{{Field: "startsAt", Code: "program_started", Message: "past educational programs will not be considered"}}
	})
	seed("PRG-FEEDUE", "P-ONE", programs.FeeDue, func(p *programs.Program) { p.Fee = fee(false) })
	seed("PRG-REVIEW", "P-ONE", programs.InReview, func(p *programs.Program) { p.Fee = fee(true) })
	seed("PRG-APPROVED", "P-ONE", programs.Approved, func(p *programs.Program) { p.Fee = fee(true) })
	seed("PRG-OTHER", "P-TWO", programs.Draft, nil)
	seed("PRG-INCOMPLETE", "P-TWO", programs.Draft, func(p *programs.Program) {
		// A title and a start already past: missing and wrong fields together.
		p.Content = programs.Content{Title: "Half done", StartsAt: mustTime(t, "2025-01-09T09:00:00-06:00")}
	})
	seed("PRG-REJECTED", "P-TWO", programs.Rejected, func(p *programs.Program) { p.Fee = fee(true) })

	providers := fakeProviders{
		"p1": {ID: "P-ONE", Name: "Acme Institute", Email: "office@acme.test"},
		"p2": {ID: "P-TWO", Name: "Other Org", Email: "office@other.test"},
	}
	n := 0
	newID := func(prefix string) string { n++; return fmt.Sprintf("%s-NEW%d", prefix, n) }
	svc := programs.NewService(st, providers, fakeCheckouts{}, testkit.Policy(t), clock.Fixed(progNow), newID, testkit.NoDispatch{})
	api, err := New(generatedContract(), ProgramsRoutes(svc), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &programsFixture{api: api, store: st}
}

// callers by name: subject and groups claim.
var progCallers = map[string][2]string{
	"p1":     {"p1", "[provider]"},
	"p2":     {"p2", "[provider]"},
	"p-none": {"p9", "[provider]"}, // provider role, no provider registered
	"staff":  {"s1", "[staff]"},
	"holder": {"h1", "[holder]"},
}

func (f *programsFixture) call(t *testing.T, method, target, caller, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	e := gatewayEvent(t, method, target)
	if caller != "" {
		c, ok := progCallers[caller]
		if !ok {
			t.Fatalf("unknown caller %q", caller)
		}
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": c[0], "email": c[0] + "@example.test", "cognito:groups": c[1]}}}
	}
	if body != "" {
		e.Headers["content-type"] = "application/json"
		e.Body = body
	}
	resp, err := f.api.Handle(context.Background(), e)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

type progErrorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details []fault.Detail `json:"details"`
	} `json:"error"`
}

func TestProgramsRoutes_AgreeWithSpec(t *testing.T) {
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	routes := ProgramsRoutes(nil)
	if _, err := New(generatedContract(), routes, Options{}); err != nil {
		t.Fatalf("New refuses the program routes: %v", err)
	}
	want := []string{
		"GET /calendar", "GET /programs", "GET /programs/{programId}", "GET /review/programs",
		"POST /programs", "POST /programs/{programId}/checkout", "POST /programs/{programId}/copy",
		"POST /programs/{programId}/decision", "POST /programs/{programId}/submit", "PUT /programs/{programId}",
	}
	var got []string
	for _, r := range routes {
		key := r.Method + " " + r.Path
		got = append(got, key)
		t.Run(key, func(t *testing.T) {
			op := doc.Paths.Value(r.Path).GetOperation(r.Method)
			public, err := apispec.PublicOperation(doc, op)
			if err != nil {
				t.Fatal(err)
			}
			if public != r.Access.IsPublic() {
				t.Errorf("openapi public = %v, route Access = %s", public, r.Access)
			}
			var roles []string
			if raw, ok := op.Extensions["x-roles"].([]any); ok {
				for _, v := range raw {
					roles = append(roles, fmt.Sprint(v))
				}
			}
			slices.Sort(roles)
			served := r.Access.RoleList()
			slices.Sort(served)
			if !slices.Equal(roles, served) {
				t.Errorf("openapi x-roles %v, route Access %s", roles, r.Access)
			}
			for _, p := range op.Parameters {
				if p.Value.In == "path" && p.Value.Name != "programId" {
					t.Errorf("path parameter %q, want programId", p.Value.Name)
				}
			}
		})
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("routes = %v\nwant %v", got, want)
	}
}

func TestContentIn(t *testing.T) {
	full := `{"title":"T","description":"D","format":"live_online","startsAt":"2025-03-01T09:00:00-06:00",
		"endsAt":"2025-03-01T17:30:00+05:30","timeZone":"America/Chicago","location":"L","url":"https://x.test",
		"contactHours":6.25,"objectives":["o"],"instructors":["i"],"compliance":true,"calendarOptIn":true}`
	tests := []struct {
		name    string
		body    string
		check   func(t *testing.T, c programs.Content)
		details []fault.Detail // expected error details; nil means success
	}{
		{name: "Full", body: full, check: func(t *testing.T, c programs.Content) {
			if c.Title != "T" || c.Description != "D" || c.Format != programs.LiveOnline || c.TimeZone != "America/Chicago" ||
				c.Location != "L" || c.URL != "https://x.test" || !c.Compliance || !c.CalendarOptIn ||
				!slices.Equal(c.Objectives, []string{"o"}) || !slices.Equal(c.Instructors, []string{"i"}) {
				t.Errorf("content = %+v", c)
			}
			if c.ContactHours != 625 {
				t.Errorf("contactHours = %d hundredths, want 625", c.ContactHours)
			}
			if got := c.StartsAt.Format(time.RFC3339); got != "2025-03-01T09:00:00-06:00" {
				t.Errorf("startsAt = %s, offset lost", got)
			}
			if got := c.EndsAt.Format(time.RFC3339); got != "2025-03-01T17:30:00+05:30" {
				t.Errorf("endsAt = %s, offset lost", got)
			}
		}},
		{name: "Empty", body: `{}`, check: func(t *testing.T, c programs.Content) {
			if c.StartsAt != nil || c.EndsAt != nil || c.ContactHours != 0 || c.Format != "" {
				t.Errorf("content = %+v, want empty", c)
			}
		}},
		{name: "UTC", body: `{"startsAt":"2025-03-01T15:00:00Z"}`, check: func(t *testing.T, c programs.Content) {
			if got := c.StartsAt.Format(time.RFC3339); got != "2025-03-01T15:00:00Z" {
				t.Errorf("startsAt = %s", got)
			}
		}},
		{name: "WholeHours", body: `{"contactHours":6}`, check: func(t *testing.T, c programs.Content) {
			if c.ContactHours != cec.Of(6) {
				t.Errorf("contactHours = %s", c.ContactHours)
			}
		}},
		{name: "TrailingZeros", body: `{"contactHours":1.50}`, check: func(t *testing.T, c programs.Content) {
			if c.ContactHours != 150 {
				t.Errorf("contactHours = %s", c.ContactHours)
			}
		}},
		{name: "NullHours", body: `{"contactHours":null}`, check: func(t *testing.T, c programs.Content) {
			if c.ContactHours != 0 {
				t.Errorf("contactHours = %s", c.ContactHours)
			}
		}},
		{name: "NoOffset", body: `{"startsAt":"2025-03-01T09:00:00"}`, details: []fault.Detail{{Field: "startsAt", Code: "invalid_date_time"}}},
		{name: "DateOnly", body: `{"endsAt":"2025-03-01"}`, details: []fault.Detail{{Field: "endsAt", Code: "invalid_date_time"}}},
		{name: "NoSuchDay", body: `{"startsAt":"2025-02-30T09:00:00Z"}`, details: []fault.Detail{{Field: "startsAt", Code: "invalid_date_time"}}},
		// Go parses these offsets but cannot write them back (issue 13, class 1).
		{name: "Offset24", body: `{"startsAt":"2027-03-10T09:00:00+24:00"}`, details: []fault.Detail{{Field: "startsAt", Code: "invalid_offset"}}},
		{name: "Offset2360", body: `{"endsAt":"2027-03-10T09:00:00+23:60"}`, details: []fault.Detail{{Field: "endsAt", Code: "invalid_offset"}}},
		{name: "OffsetBeyondEarth", body: `{"startsAt":"2027-03-10T09:00:00-13:00"}`, details: []fault.Detail{{Field: "startsAt", Code: "invalid_offset"}}},
		{name: "Year9999", body: `{"startsAt":"9999-12-31T23:59:59-05:00"}`, details: []fault.Detail{{Field: "startsAt", Code: "out_of_range"}}},
		{name: "Year0001", body: `{"endsAt":"0001-01-01T00:00:00Z"}`, details: []fault.Detail{{Field: "endsAt", Code: "out_of_range"}}},
		{name: "ThreePlaces", body: `{"contactHours":1.005}`, details: []fault.Detail{{Field: "contactHours", Code: "invalid_decimal"}}},
		{name: "Negative", body: `{"contactHours":-1}`, details: []fault.Detail{{Field: "contactHours", Code: "invalid_decimal"}}},
		{name: "Exponent", body: `{"contactHours":1e2}`, details: []fault.Detail{{Field: "contactHours", Code: "invalid_decimal"}}},
		{name: "String", body: `{"contactHours":"6"}`, details: []fault.Detail{{Field: "contactHours", Code: "invalid_decimal"}}},
		{name: "AllAtOnce", body: `{"startsAt":"tomorrow","endsAt":"2025-03-01T09:00","contactHours":0.125}`, details: []fault.Detail{
			{Field: "startsAt", Code: "invalid_date_time"}, {Field: "endsAt", Code: "invalid_date_time"}, {Field: "contactHours", Code: "invalid_decimal"}}},
		{name: "MoreOfferings", body: `{"moreOfferings":[{"startsAt":"2025-04-01T09:00:00-05:00","endsAt":"2025-04-01T17:00:00-05:00",
			"timeZone":"America/Chicago","location":"Palmer House"},{"url":"https://x.test/2"}]}`, check: func(t *testing.T, c programs.Content) {
			if len(c.MoreOfferings) != 2 || c.MoreOfferings[0].StartsAt.Format(time.RFC3339) != "2025-04-01T09:00:00-05:00" ||
				c.MoreOfferings[0].Location != "Palmer House" || c.MoreOfferings[1].StartsAt != nil || c.MoreOfferings[1].URL != "https://x.test/2" {
				t.Errorf("offerings = %+v", c.MoreOfferings)
			}
		}},
		{name: "OfferingDatesNamed", body: `{"startsAt":"soon","moreOfferings":[{},{"startsAt":"2025-04-01","endsAt":"2025-04-01T17:00:00+24:00"}]}`,
			details: []fault.Detail{{Field: "startsAt", Code: "invalid_date_time"}, {Field: "moreOfferings[1].startsAt", Code: "invalid_date_time"},
				{Field: "moreOfferings[1].endsAt", Code: "invalid_offset"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in programContentJSON
			if err := (&Request{Body: []byte(tt.body)}).Decode(&in); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			c, err := contentIn(in)
			if tt.details == nil {
				if err != nil {
					t.Fatalf("contentIn: %v", err)
				}
				tt.check(t, c)
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || fe.Code != "invalid_request" {
				t.Fatalf("err = %v, want Invalid invalid_request", err)
			}
			if len(fe.Details) != len(tt.details) {
				t.Fatalf("details = %+v, want %+v", fe.Details, tt.details)
			}
			for i, d := range tt.details {
				if fe.Details[i].Field != d.Field || fe.Details[i].Code != d.Code || fe.Details[i].Message == "" {
					t.Errorf("detail %d = %+v, want field %s code %s", i, fe.Details[i], d.Field, d.Code)
				}
			}
		})
	}
}

// jsonOf encodes v as the API does, and decodes it into a generic map.
func jsonOf(t *testing.T, v any) (string, map[string]any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return string(b), m
}

func TestProgramOut(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	full := programs.Program{ID: "PRG-1", ProviderID: "P-1", ProviderName: "Acme", ProviderEmail: "secret@acme.test",
		Content: programs.Content{Title: "T", Format: programs.Recorded,
			StartsAt: mustTime(t, "2025-03-01T09:00:00-06:00"), EndsAt: mustTime(t, "2025-03-01T17:00:00+05:45"),
			TimeZone: "America/Chicago", ContactHours: cec.Hours(1005), Objectives: []string{"o1", "o2"},
			MoreOfferings: []programs.Offering{{StartsAt: mustTime(t, "2025-04-01T09:00:00-05:00"), EndsAt: mustTime(t, "2025-04-01T17:00:00-05:00"),
				TimeZone: "America/Chicago", URL: "https://x.test/2"}}},
		Status: programs.FeeDue,
		Fee: &programs.Fee{InvoiceID: "INV-PRG-1-1", AmountCents: 75375, Currency: "USD", Late: true, CECs: cec.Hours(1005),
			PerCECCents: 7500, DaysBefore: 12, Status: programs.FeeOpen, IssuedAt: created,
			Offerings: []programs.OfferingFee{{Offering: 2, StartsAt: *mustTime(t, "2025-04-01T09:00:00-05:00"), Late: true, DaysBefore: 12,
				PerCECCents: 7500, AmountCents: 75375}},
			Checkout: &checkout.Session{Reference: "cs_1", URL: "https://pay.test/cs_1", CreatedAt: created}},
		Problems:         []fault.Detail{{Field: "title", Code: "required", Message: "is required to submit"}},
		RefusedOfferings: []programs.RefusedOffering{{Offering: 1, Reason: "offering 1 had started"}},
		History: []programs.Transition{
			{At: created, By: "sub-1", To: programs.Draft, Reason: "created"},
			{At: created, By: "system", From: programs.Submitted, To: programs.FeeDue, Reason: "invoiced"}},
		Submission: 2, SubmittedAt: created, CopiedFrom: "PRG-0", CreatedAt: created, UpdatedAt: created}

	tests := []struct {
		name string
		in   programs.Program
		want map[string]string // JSON path (dotted) → exact JSON text
	}{
		{name: "Full", in: full, want: map[string]string{
			"startsAt":               `"2025-03-01T09:00:00-06:00"`,
			"endsAt":                 `"2025-03-01T17:00:00+05:45"`,
			"contactHours":           `10.05`,
			"format":                 `"recorded"`,
			"status":                 `"fee_due"`,
			"fee.amountCents":        `75375`,
			"fee.cecs":               `10.05`,
			"fee.late":               `true`,
			"fee.status":             `"open"`,
			"fee.perCecCents":        `7500`,
			"fee.daysBefore":         `12`,
			"fee.issuedAt":           `"2025-01-02T02:04:05Z"`,
			"fee.paidAt":             `null`,
			"fee.checkout.url":       `"https://pay.test/cs_1"`,
			"fee.checkout.createdAt": `"2025-01-02T02:04:05Z"`,
			"problems":               `[{"field":"title","code":"required","message":"is required to submit"}]`,
			"history":                `[{"at":"2025-01-02T02:04:05Z","by":"sub-1","from":null,"to":"draft","reason":"created"},{"at":"2025-01-02T02:04:05Z","by":"system","from":"submitted","to":"fee_due","reason":"invoiced"}]`,
			"submission":             `2`,
			"submittedAt":            `"2025-01-02T02:04:05Z"`,
			"copiedFrom":             `"PRG-0"`,
			"createdAt":              `"2025-01-02T02:04:05Z"`,
			"instructors":            `[]`,
			"objectives":             `["o1","o2"]`,
			"moreOfferings":          `[{"startsAt":"2025-04-01T09:00:00-05:00","endsAt":"2025-04-01T17:00:00-05:00","timeZone":"America/Chicago","location":"","url":"https://x.test/2"}]`,
			"refusedOfferings":       `[{"offering":1,"reason":"offering 1 had started"}]`,
			"fee.offerings":          `[{"offering":2,"startsAt":"2025-04-01T09:00:00-05:00","late":true,"daysBefore":12,"perCecCents":7500,"amountCents":75375}]`,
		}},
		{name: "FreshDraft", in: programs.Program{ID: "PRG-2", ProviderID: "P-1", Status: programs.Draft, CreatedAt: created, UpdatedAt: created},
			want: map[string]string{
				"fee": `null`, "format": `null`, "startsAt": `null`, "endsAt": `null`, "contactHours": `0`,
				"problems": `[]`, "history": `[]`, "objectives": `[]`, "instructors": `[]`,
				"submittedAt": `null`, "copiedFrom": `null`, "title": `""`, "status": `"draft"`,
				"moreOfferings": `[]`, "refusedOfferings": `[]`,
			}},
		{name: "PaidFee", in: programs.Program{ID: "PRG-3", Status: programs.InReview, Fee: &programs.Fee{Status: programs.FeePaid,
			PaidAt: created, IssuedAt: created}}, want: map[string]string{
			"fee.status": `"paid"`, "fee.paidAt": `"2025-01-02T02:04:05Z"`, "fee.checkout": `null`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, m := jsonOf(t, programOut(tt.in))
			if strings.Contains(text, "secret@") {
				t.Errorf("the provider's email leaks: %s", text)
			}
			for _, key := range []string{"programId", "providerId", "providerName", "title", "description", "format",
				"startsAt", "endsAt", "timeZone", "location", "url", "contactHours", "objectives", "instructors",
				"compliance", "calendarOptIn", "status", "fee", "problems", "history", "submission", "submittedAt",
				"copiedFrom", "createdAt", "updatedAt"} {
				if _, ok := m[key]; !ok {
					t.Errorf("field %s missing from %s", key, text)
				}
			}
			for _, path := range slices.Sorted(maps.Keys(tt.want)) {
				if got := rawAt(t, text, path); got != tt.want[path] {
					t.Errorf("%s = %s, want %s", path, got, tt.want[path])
				}
			}
		})
	}
}

// rawAt returns the JSON text at a dotted path of the object in text.
func rawAt(t *testing.T, text, path string) string {
	t.Helper()
	cur := json.RawMessage(text)
	for _, k := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil {
			return "<not an object: " + string(cur) + ">"
		}
		v, ok := obj[k]
		if !ok {
			return "<absent>"
		}
		cur = v
	}
	return string(cur)
}

func TestCalendarEntryOut(t *testing.T) {
	e := programs.CalendarEntry{ProgramID: "PRG-1", Offering: 2, ProviderName: "Acme", Title: "T", Format: programs.InPerson,
		StartsAt: *mustTime(t, "2025-03-01T09:00:00-06:00"), EndsAt: *mustTime(t, "2025-03-01T17:00:00-06:00"),
		TimeZone: "America/Chicago", Location: "Hall", ContactHours: cec.Hours(75), Compliance: true}
	text, _ := jsonOf(t, calendarEntryOut(e))
	want := `{"programId":"PRG-1","offering":2,"providerName":"Acme","title":"T","format":"in_person","startsAt":"2025-03-01T09:00:00-06:00","endsAt":"2025-03-01T17:00:00-06:00","timeZone":"America/Chicago","location":"Hall","url":"","contactHours":0.75,"compliance":true}`
	if text != want {
		t.Errorf("got  %s\nwant %s", text, want)
	}
}

func TestPageIn(t *testing.T) {
	tests := []struct {
		query string
		want  programs.Page
		bad   bool
	}{
		{query: "", want: programs.Page{Limit: 50}},
		{query: "limit=1&cursor=abc", want: programs.Page{Limit: 1, Cursor: "abc"}},
		{query: "limit=100", want: programs.Page{Limit: 100}},
		{query: "limit=0", bad: true},
		{query: "limit=101", bad: true},
		{query: "limit=ten", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := queryFrom(&events.APIGatewayV2HTTPRequest{RawQueryString: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			got, err := pageIn(q)
			if tt.bad {
				if !fault.Is(err, fault.Invalid) {
					t.Errorf("err = %v, want Invalid", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("pageIn = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestProgramsAPI(t *testing.T) {
	const draftBody = `{"title":"Leasing law","format":"in_person","startsAt":"2025-04-02T09:00:00-05:00",
		"endsAt":"2025-04-02T16:00:00-05:00","timeZone":"America/Chicago","contactHours":6.5,"objectives":["a"]}`
	tests := []struct {
		name   string
		method string
		target string // path and query
		caller string // key of progCallers; "" is anonymous
		body   string
		status int
		code   string        // error code; "" on success
		detail *fault.Detail // a detail the error must carry (field and code)
		check  func(t *testing.T, f *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any)
	}{
		{name: "Create", method: "POST", target: "/programs", caller: "p1", body: draftBody, status: 201,
			check: func(t *testing.T, f *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if resp.Headers["location"] != "/programs/PRG-NEW1" {
					t.Errorf("location = %q", resp.Headers["location"])
				}
				if body["status"] != "draft" || body["providerId"] != "P-ONE" || body["programId"] != "PRG-NEW1" {
					t.Errorf("body = %v", body)
				}
				if got := rawAt(t, resp.Body, "startsAt"); got != `"2025-04-02T09:00:00-05:00"` {
					t.Errorf("startsAt = %s, want the provider's offset", got)
				}
				if got := rawAt(t, resp.Body, "contactHours"); got != `6.5` {
					t.Errorf("contactHours = %s", got)
				}
				if got := rawAt(t, resp.Body, "fee"); got != `null` {
					t.Errorf("fee = %s", got)
				}
				if _, err := f.store.Get(context.Background(), "PRG-NEW1"); err != nil {
					t.Errorf("not stored: %v", err)
				}
			}},
		{name: "CreateEmptyDraft", method: "POST", target: "/programs", caller: "p1", body: `{}`, status: 201},
		{name: "CreateNoOffset", method: "POST", target: "/programs", caller: "p1", body: `{"startsAt":"2025-04-02T09:00:00"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "startsAt"}},
		{name: "CreateThreeDecimals", method: "POST", target: "/programs", caller: "p1", body: `{"contactHours":1.005}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "contactHours", Code: "invalid_decimal"}},
		{name: "CreateHoursOutOfPolicy", method: "POST", target: "/programs", caller: "p1", body: `{"contactHours":0.25}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "contactHours", Code: "out_of_range"}},
		{name: "CreateNegativeHours", method: "POST", target: "/programs", caller: "p1", body: `{"contactHours":-2}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "contactHours"}},
		{name: "CreateUnknownField", method: "POST", target: "/programs", caller: "p1", body: `{"title":"x","price":5}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "price", Code: "unknown_field"}},
		{name: "CreateBadFormat", method: "POST", target: "/programs", caller: "p1", body: `{"format":"webinar"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "format"}},
		{name: "CreateBadTimeZone", method: "POST", target: "/programs", caller: "p1", body: `{"timeZone":"Mars/Olympus"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "timeZone", Code: "invalid_time_zone"}},
		{name: "CreateTitleTooLong", method: "POST", target: "/programs", caller: "p1", body: `{"title":"` + strings.Repeat("é", 201) + `"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "title"}},
		{name: "CreateMalformed", method: "POST", target: "/programs", caller: "p1", body: `{"title":`, status: 400, code: "malformed_json"},
		{name: "CreateAsHolder", method: "POST", target: "/programs", caller: "holder", body: `{}`, status: 403, code: "forbidden"},
		{name: "CreateAnonymous", method: "POST", target: "/programs", body: `{}`, status: 401, code: "unauthenticated"},
		{name: "CreateUnregistered", method: "POST", target: "/programs", caller: "p-none", body: `{}`, status: 404, code: "provider_not_found"},

		{name: "Edit", method: "PUT", target: "/programs/PRG-DRAFT", caller: "p1", body: `{"title":"New title"}`, status: 200,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["title"] != "New title" || body["startsAt"] != nil || body["status"] != "draft" {
					t.Errorf("PUT does not replace the content: %v", body)
				}
			}},
		{name: "EditRefused", method: "PUT", target: "/programs/PRG-REFUSED", caller: "p1", body: draftBody, status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["status"] != "draft" {
					t.Errorf("status = %v, want draft", body["status"])
				}
				if got := rawAt(t, resp.Body, "history"); !strings.Contains(got, `"from":"refused","to":"draft"`) {
					t.Errorf("history = %s", got)
				}
			}},
		{name: "EditSubmitted", method: "PUT", target: "/programs/PRG-SUBMITTED", caller: "p1", body: `{}`, status: 409, code: "illegal_transition"},
		{name: "EditOthers", method: "PUT", target: "/programs/PRG-OTHER", caller: "p1", body: `{}`, status: 404, code: "program_not_found"},
		{name: "EditBadDate", method: "PUT", target: "/programs/PRG-DRAFT", caller: "p1", body: `{"endsAt":"2025-13-01T09:00:00Z"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "endsAt"}},
		{name: "EditNoBody", method: "PUT", target: "/programs/PRG-DRAFT", caller: "p1", status: 400, code: "body_required"},

		{name: "Submit", method: "POST", target: "/programs/PRG-DRAFT/submit", caller: "p1", status: 202,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["status"] != "submitted" || body["submission"] != 1.0 || body["submittedAt"] != "2025-01-10T12:00:00Z" {
					t.Errorf("body = %v", body)
				}
			}},
		{name: "SubmitIncomplete", method: "POST", target: "/programs/PRG-INCOMPLETE/submit", caller: "p2", status: 422,
			code: "application_incomplete", detail: &fault.Detail{Field: "description", Code: "required"}},
		{name: "SubmitTwice", method: "POST", target: "/programs/PRG-SUBMITTED/submit", caller: "p1", status: 409, code: "illegal_transition"},
		{name: "SubmitOthers", method: "POST", target: "/programs/PRG-OTHER/submit", caller: "p1", status: 404, code: "program_not_found"},
		{name: "SubmitAsStaff", method: "POST", target: "/programs/PRG-DRAFT/submit", caller: "staff", status: 403, code: "forbidden"},

		{name: "Copy", method: "POST", target: "/programs/PRG-APPROVED/copy", caller: "p1", status: 201,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if resp.Headers["location"] != "/programs/PRG-NEW1" {
					t.Errorf("location = %q", resp.Headers["location"])
				}
				if body["status"] != "draft" || body["copiedFrom"] != "PRG-APPROVED" || body["startsAt"] != nil ||
					body["endsAt"] != nil || body["title"] != "Fair housing update" || body["fee"] != nil {
					t.Errorf("body = %v", body)
				}
			}},
		{name: "CopyRejected", method: "POST", target: "/programs/PRG-REJECTED/copy", caller: "p2", status: 201,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["status"] != "draft" || body["copiedFrom"] != "PRG-REJECTED" || body["startsAt"] != nil || body["title"] != "Fair housing update" {
					t.Errorf("body = %v", body)
				}
			}},
		{name: "CopyDraft", method: "POST", target: "/programs/PRG-DRAFT/copy", caller: "p1", status: 409, code: "not_decided"},
		{name: "CopyInReview", method: "POST", target: "/programs/PRG-REVIEW/copy", caller: "p1", status: 409, code: "not_decided"},
		{name: "CopyOthers", method: "POST", target: "/programs/PRG-APPROVED/copy", caller: "p2", status: 404, code: "program_not_found"},

		{name: "Get", method: "GET", target: "/programs/PRG-REVIEW", caller: "p1", status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if got := rawAt(t, resp.Body, "fee.status"); got != `"paid"` {
					t.Errorf("fee.status = %s", got)
				}
				if got := rawAt(t, resp.Body, "endsAt"); got != `"2025-03-01T17:00:00-06:00"` {
					t.Errorf("endsAt = %s", got)
				}
			}},
		{name: "GetRefusedProblems", method: "GET", target: "/programs/PRG-REFUSED", caller: "p1", status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, _ map[string]any) {
				if got := rawAt(t, resp.Body, "problems"); !strings.Contains(got, `"code":"program_started"`) {
					t.Errorf("problems = %s", got)
				}
			}},
		{name: "GetOthers", method: "GET", target: "/programs/PRG-OTHER", caller: "p1", status: 404, code: "program_not_found"},
		{name: "GetMissing", method: "GET", target: "/programs/PRG-NOPE", caller: "p1", status: 404, code: "program_not_found"},
		{name: "GetAsStaff", method: "GET", target: "/programs/PRG-OTHER", caller: "staff", status: 200},
		{name: "GetMissingAsStaff", method: "GET", target: "/programs/PRG-NOPE", caller: "staff", status: 404, code: "program_not_found"},
		{name: "GetAsHolder", method: "GET", target: "/programs/PRG-DRAFT", caller: "holder", status: 403, code: "forbidden"},
		{name: "GetBadID", method: "GET", target: "/programs/PRG%20X", caller: "p1", status: 400, code: "invalid_request"},

		{name: "List", method: "GET", target: "/programs", caller: "p1", status: 200,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				ps, _ := body["programs"].([]any)
				if len(ps) != 6 {
					t.Errorf("%d programs, want P-ONE's 6", len(ps))
				}
				if _, ok := body["nextCursor"]; ok {
					t.Errorf("nextCursor on the last page: %v", body["nextCursor"])
				}
			}},
		{name: "ListPaged", method: "GET", target: "/programs?limit=2&cursor=2", caller: "p1", status: 200,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				ps, _ := body["programs"].([]any)
				if len(ps) != 2 || body["nextCursor"] != "4" {
					t.Errorf("page = %d programs, nextCursor %v", len(ps), body["nextCursor"])
				}
			}},
		{name: "ListEmpty", method: "GET", target: "/programs?limit=5&cursor=6", caller: "p1", status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, _ map[string]any) {
				if resp.Body != `{"programs":[]}` {
					t.Errorf("body = %s", resp.Body)
				}
			}},
		{name: "ListLimitZero", method: "GET", target: "/programs?limit=0", caller: "p1", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "limit"}},
		{name: "ListLimitTooBig", method: "GET", target: "/programs?limit=101", caller: "p1", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "limit"}},
		{name: "ListAsStaff", method: "GET", target: "/programs", caller: "staff", status: 403, code: "forbidden"},
		{name: "ListUnregistered", method: "GET", target: "/programs", caller: "p-none", status: 404, code: "provider_not_found"},

		{name: "Checkout", method: "POST", target: "/programs/PRG-FEEDUE/checkout", caller: "p1", status: 200,
			check: func(t *testing.T, f *programsFixture, resp events.APIGatewayV2HTTPResponse, _ map[string]any) {
				want := `{"reference":"cs_INV-1","url":"https://pay.example.test/cs_INV-1","invoiceId":"INV-1","amountCents":32500,"currency":"USD"}`
				if resp.Body != want {
					t.Errorf("body = %s\nwant %s", resp.Body, want)
				}
				p, _ := f.store.Get(context.Background(), "PRG-FEEDUE")
				if p.Fee.Checkout == nil || p.Fee.Checkout.Reference != "cs_INV-1" {
					t.Errorf("checkout not recorded: %+v", p.Fee)
				}
			}},
		{name: "CheckoutNotDue", method: "POST", target: "/programs/PRG-DRAFT/checkout", caller: "p1", status: 409, code: "fee_not_due"},
		{name: "CheckoutPaid", method: "POST", target: "/programs/PRG-REVIEW/checkout", caller: "p1", status: 409, code: "fee_not_due"},
		{name: "CheckoutOthers", method: "POST", target: "/programs/PRG-FEEDUE/checkout", caller: "p2", status: 404, code: "program_not_found"},

		{name: "ReviewQueue", method: "GET", target: "/review/programs", caller: "staff", status: 200,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				ps, _ := body["programs"].([]any)
				if len(ps) != 1 || ps[0].(map[string]any)["programId"] != "PRG-REVIEW" {
					t.Errorf("queue = %v, want PRG-REVIEW only (in_review by default)", ps)
				}
			}},
		{name: "ReviewQueueByStatus", method: "GET", target: "/review/programs?status=draft", caller: "staff", status: 200,
			check: func(t *testing.T, _ *programsFixture, _ events.APIGatewayV2HTTPResponse, body map[string]any) {
				if ps, _ := body["programs"].([]any); len(ps) != 3 {
					t.Errorf("%d drafts, want 3", len(ps))
				}
			}},
		{name: "ReviewQueueBadStatus", method: "GET", target: "/review/programs?status=lost", caller: "staff", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "status"}},
		{name: "ReviewQueueAsProvider", method: "GET", target: "/review/programs", caller: "p1", status: 403, code: "forbidden"},

		{name: "Approve", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "staff", body: `{"decision":"approve"}`, status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["status"] != "approved" {
					t.Errorf("status = %v", body["status"])
				}
				if got := rawAt(t, resp.Body, "history"); !strings.Contains(got, `"by":"s1","from":"in_review","to":"approved"`) {
					t.Errorf("history = %s", got)
				}
			}},
		{name: "Reject", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "staff", body: `{"decision":"reject","reason":"Not about housing."}`, status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
				if body["status"] != "rejected" || !strings.Contains(rawAt(t, resp.Body, "history"), `"reason":"Not about housing."`) {
					t.Errorf("body = %s", resp.Body)
				}
			}},
		{name: "RejectWithoutReason", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "staff", body: `{"decision":"reject","reason":"  "}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "reason", Code: "required"}},
		{name: "DecisionBadEnum", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "staff", body: `{"decision":"maybe"}`,
			status: 400, code: "invalid_request", detail: &fault.Detail{Field: "decision"}},
		{name: "DecisionReasonTooLong", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "staff",
			body: `{"decision":"reject","reason":"` + strings.Repeat("x", 2001) + `"}`, status: 400, code: "invalid_request", detail: &fault.Detail{Field: "reason"}},
		{name: "DecisionOnDraft", method: "POST", target: "/programs/PRG-DRAFT/decision", caller: "staff", body: `{"decision":"approve"}`, status: 409, code: "illegal_transition"},
		{name: "DecisionMissing", method: "POST", target: "/programs/PRG-NOPE/decision", caller: "staff", body: `{"decision":"approve"}`, status: 404, code: "program_not_found"},
		{name: "DecisionAsProvider", method: "POST", target: "/programs/PRG-REVIEW/decision", caller: "p1", body: `{"decision":"approve"}`, status: 403, code: "forbidden"},

		{name: "Calendar", method: "GET", target: "/calendar", status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, _ map[string]any) {
				want := `{"programs":[{"programId":"PRG-APPROVED","offering":1,"providerName":"Acme Institute","title":"Fair housing update","format":"in_person","startsAt":"2025-03-01T09:00:00-06:00","endsAt":"2025-03-01T17:00:00-06:00","timeZone":"America/Chicago","location":"Hilton, Chicago","url":"","contactHours":6.5,"compliance":true}]}`
				if resp.Body != want {
					t.Errorf("body = %s\nwant %s", resp.Body, want)
				}
			}},
		{name: "CalendarRange", method: "GET", target: "/calendar?from=2025-03-02T00:00:00-06:00&to=2025-04-01T00:00:00Z", caller: "holder", status: 200,
			check: func(t *testing.T, _ *programsFixture, resp events.APIGatewayV2HTTPResponse, _ map[string]any) {
				if resp.Body != `{"programs":[]}` {
					t.Errorf("body = %s", resp.Body)
				}
			}},
		{name: "CalendarNoOffset", method: "GET", target: "/calendar?from=2025-03-02T00:00:00", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "from"}},
		{name: "CalendarNoSuchDay", method: "GET", target: "/calendar?to=2025-02-30T00:00:00Z", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "to", Code: "invalid_date_time"}},
		{name: "CalendarFarFuture", method: "GET", target: "/calendar?from=9999-12-31T23:59:59Z", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "from", Code: "out_of_range"}},
		{name: "CalendarFarPast", method: "GET", target: "/calendar?to=0001-01-01T00:00:00Z", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "to", Code: "out_of_range"}},
		{name: "CalendarOffset24", method: "GET", target: "/calendar?from=2027-01-01T00:00:00%2B24:00", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "from", Code: "invalid_offset"}},
		{name: "CalendarBackwards", method: "GET", target: "/calendar?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", status: 400, code: "invalid_request", detail: &fault.Detail{Field: "to", Code: "invalid_range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newProgramsFixture(t)
			resp := f.call(t, tt.method, tt.target, tt.caller, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.code != "" {
				var eb progErrorBody
				if err := json.Unmarshal([]byte(resp.Body), &eb); err != nil {
					t.Fatalf("error body %s: %v", resp.Body, err)
				}
				if eb.Error.Code != tt.code {
					t.Errorf("code = %q, want %q; body %s", eb.Error.Code, tt.code, resp.Body)
				}
				if d := tt.detail; d != nil && !slices.ContainsFunc(eb.Error.Details, func(x fault.Detail) bool {
					return x.Field == d.Field && (d.Code == "" || x.Code == d.Code) && x.Message != ""
				}) {
					t.Errorf("no detail on field %q (code %q) in %s", d.Field, d.Code, resp.Body)
				}
				return
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body %s: %v", resp.Body, err)
			}
			if tt.check != nil {
				tt.check(t, f, resp, body)
			}
		})
	}
}

// TestProgramsAPI_SubmitIncomplete: a submission the application is not
// ready for is a 422 with every field to complete or correct, each a detail
// with the field's name as the form and the API name it, and writes nothing.
func TestProgramsAPI_SubmitIncomplete(t *testing.T) {
	f := newProgramsFixture(t)
	before, _ := f.store.Get(t.Context(), "PRG-INCOMPLETE")
	resp := f.call(t, "POST", "/programs/PRG-INCOMPLETE/submit", "p2", "")
	if resp.StatusCode != 422 {
		t.Fatalf("status %d, want 422: %s", resp.StatusCode, resp.Body)
	}
	var eb progErrorBody
	if err := json.Unmarshal([]byte(resp.Body), &eb); err != nil {
		t.Fatal(err)
	}
	var got, words []string
	for _, d := range eb.Error.Details {
		if d.Message == "" {
			t.Errorf("detail %+v without a message", d)
		}
		got = append(got, d.Field+":"+d.Code)
		words = append(words, d.Message)
	}
	// In the words of the form, as a 400 of the same fields would say.
	wantWords := "Enter the contact hours (CECs)|Enter a description of the program|Enter the end date and time|Choose the format|" +
		"Add the instructors' names|Add the learning objectives|" +
		"The program had started when the application was submitted: past educational programs will not be considered|Choose the time zone"
	if strings.Join(words, "|") != wantWords {
		t.Errorf("messages\n%s\nwant\n%s", strings.Join(words, "|"), wantWords)
	}
	want := "contactHours:required,description:required,endsAt:required,format:required,instructors:required," +
		"objectives:required,startsAt:program_started,timeZone:required"
	if eb.Error.Code != programs.CodeIncomplete || strings.Join(got, ",") != want || eb.Error.Message == "" {
		t.Fatalf("error %s %q, details %s; want %s", eb.Error.Code, eb.Error.Message, strings.Join(got, ","), want)
	}
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if r := doc.Paths.Value("/programs/{programId}/submit").Post.Responses.Status(422); r == nil || r.Value == nil ||
		!strings.Contains(*r.Value.Description, programs.CodeIncomplete) {
		t.Errorf("openapi.yaml does not document the 422 %s of POST /programs/{programId}/submit", programs.CodeIncomplete)
	}
	after, _ := f.store.Get(t.Context(), "PRG-INCOMPLETE")
	if after.Version != before.Version || after.Status != programs.Draft || after.Submission != 0 || len(after.History) != 1 {
		t.Fatalf("a refused submission wrote: %+v", after)
	}
}

// TestProgramsAPI_SubmitProblemsInWords: whatever a submission lacks, each
// problem reads as a sentence naming the field as the form does, never by
// the API's name for it.
func TestProgramsAPI_SubmitProblemsInWords(t *testing.T) {
	apiName := regexp.MustCompile(`[a-z][A-Z]|_`)
	for name, mod := range map[string]func(c *programs.Content){
		"WrongOffsetTooLongNoPlace": func(c *programs.Content) {
			c.StartsAt = mustTime(t, "2025-03-01T09:00:00-05:00") // Chicago is -06:00 then
			c.EndsAt = mustTime(t, "2025-04-15T17:00:00-06:00")
			c.Location = ""
		},
		"HoursExceedTheDuration": func(c *programs.Content) { c.ContactHours = cec.Of(12) },
		"OnlineWithoutURL":       func(c *programs.Content) { c.Format = programs.LiveOnline },
	} {
		t.Run(name, func(t *testing.T) {
			f := newProgramsFixture(t)
			p := f.store.items["PRG-DRAFT"]
			mod(&p.Content)
			f.store.items["PRG-DRAFT"] = p
			resp := f.call(t, "POST", "/programs/PRG-DRAFT/submit", "p1", "")
			var eb progErrorBody
			if err := json.Unmarshal([]byte(resp.Body), &eb); err != nil || resp.StatusCode != 422 || len(eb.Error.Details) == 0 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			for _, d := range eb.Error.Details {
				if m := d.Message; m == "" || !unicode.IsUpper([]rune(m)[0]) || apiName.MatchString(m) {
					t.Errorf("%s (%s): %q is not a sentence in words", d.Field, d.Code, m)
				}
			}
		})
	}
}
