package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// Offsets a provider may give; the store must keep them.
var (
	centralTime = time.FixedZone("", -6*60*60)
	indiaTime   = time.FixedZone("", 5*60*60+30*60)
)

func timePtr(t time.Time) *time.Time { return &t }

// draftFixture is a minimal program: no dates, no fee, empty lists.
func draftFixture(id, providerID string, createdAt time.Time) programs.Program {
	return programs.Program{ID: id, ProviderID: providerID, ProviderName: "Acme", ProviderEmail: "ce@acme.example",
		Content: programs.Content{Title: "Title " + id, Objectives: []string{}, Instructors: []string{}},
		Status:  programs.Draft, CreatedAt: createdAt, UpdatedAt: createdAt, Version: 1,
		History: []programs.Transition{{At: createdAt, By: "sub-p", To: programs.Draft, Reason: "created"}}}
}

// fullFixture sets every field of a program.
func fullFixture(id string) programs.Program {
	return programs.Program{ID: id, ProviderID: "P-1", ProviderName: "Acme Training", ProviderEmail: "ce@acme.example",
		Content: programs.Content{Title: "Ethics in practice", Description: "Cases and rules.", Format: programs.InPerson,
			StartsAt: timePtr(time.Date(2027, 3, 10, 9, 0, 0, 0, centralTime)),
			EndsAt:   timePtr(time.Date(2027, 3, 11, 2, 30, 0, 0, indiaTime)),
			TimeZone: "America/Chicago", Location: "1 Main St, Springfield", URL: "https://acme.example/ethics",
			ContactHours: 150, Objectives: []string{"Know the code", "Apply it"}, Instructors: []string{"Dee Ray"},
			Compliance: true, CalendarOptIn: true,
			MoreOfferings: []programs.Offering{
				{StartsAt: timePtr(time.Date(2027, 4, 10, 9, 0, 0, 0, indiaTime)), EndsAt: timePtr(time.Date(2027, 4, 10, 17, 0, 0, 0, indiaTime)),
					TimeZone: "Asia/Kolkata", Location: "2 Park St, Kolkata"},
				{TimeZone: "America/Chicago", URL: "https://acme.example/live"}, // a draft's: no dates yet
			}},
		RefusedOfferings: []programs.RefusedOffering{{Offering: 1, Reason: "offering 1 had started"}},
		Status:           programs.FeeDue,
		Fee: &programs.Fee{InvoiceID: "INV-" + id + "-2", AmountCents: 12345, Currency: "USD", Late: true, CECs: 125,
			PerCECCents: 9876, DaysBefore: 12, Status: programs.FeeOpen, IssuedAt: t0.Add(3 * time.Hour),
			PaidAt:   t0.Add(4 * time.Hour),
			Checkout: &checkout.Session{Reference: "cs_1", URL: "https://pay.example/cs_1", CreatedAt: t0.Add(5 * time.Hour)},
			Payments: []programs.FeePayment{{EventID: "evt_1", Kind: programs.PaymentMismatch, At: t0.Add(6 * time.Hour),
				Reference: "cs_1", AmountCents: 100, Currency: "usd", Reason: "short"}},
			Flag: programs.FlagMismatch,
			Offerings: []programs.OfferingFee{{Offering: 2, StartsAt: time.Date(2027, 4, 10, 3, 30, 0, 0, time.UTC), Late: true,
				DaysBefore: 12, PerCECCents: 9876, AmountCents: 12345}}},
		Problems: []fault.Detail{{Field: "startsAt", Code: "too_soon", Message: "starts too soon"}, {Message: "no field"}},
		History: []programs.Transition{
			{At: t0, By: "sub-p", To: programs.Draft, Reason: "created"},
			{At: t0.Add(time.Hour), By: "sub-p", From: programs.Draft, To: programs.Submitted},
			{At: t0.Add(2 * time.Hour), By: "system", From: programs.Submitted, To: programs.FeeDue, Reason: "invoiced"},
		},
		Submission: 2, SubmittedAt: t0.Add(time.Hour + 123456789*time.Nanosecond), Validated: 2, CopiedFrom: "PRG-src",
		CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour), Version: 3}
}

// normalProgram is p with its dates in UTC and nil lists empty, for DeepEqual.
func normalProgram(p programs.Program) programs.Program {
	if p.StartsAt != nil {
		p.StartsAt = timePtr(p.StartsAt.UTC())
	}
	if p.EndsAt != nil {
		p.EndsAt = timePtr(p.EndsAt.UTC())
	}
	p.Objectives = append([]string{}, p.Objectives...)
	p.Instructors = append([]string{}, p.Instructors...)
	p.Problems = append([]fault.Detail{}, p.Problems...)
	more := p.MoreOfferings
	p.MoreOfferings = nil
	for _, o := range more {
		if o.StartsAt != nil {
			o.StartsAt, o.EndsAt = timePtr(o.StartsAt.UTC()), timePtr(o.EndsAt.UTC())
		}
		p.MoreOfferings = append(p.MoreOfferings, o)
	}
	if p.Fee != nil {
		f := *p.Fee
		f.Offerings = nil
		for _, l := range p.Fee.Offerings {
			l.StartsAt = l.StartsAt.UTC()
			f.Offerings = append(f.Offerings, l)
		}
		p.Fee = &f
	}
	p.History = append([]programs.Transition{}, p.History...)
	return p
}

func offsetOf(t *time.Time) int {
	_, off := t.Zone()
	return off
}

func programIDs(ps []programs.Program) []string {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

// allPages follows cursors to the end (a page may be empty while a cursor
// remains, as in DynamoDB).
func allPages[T any](t *testing.T, list func(pg programs.Page) ([]T, string, error), limit int) []T {
	t.Helper()
	var out []T
	pg, most := programs.Page{Limit: limit}, limit
	if limit <= 0 || limit > 100 {
		most = 100
	}
	for range 100 {
		items, next, err := list(pg)
		if err != nil {
			t.Fatalf("page %+v: %v", pg, err)
		}
		if len(items) > most {
			t.Fatalf("page of %d items with limit %d", len(items), limit)
		}
		out = append(out, items...)
		if next == "" {
			return out
		}
		pg.Cursor = next
	}
	t.Fatal("more than 100 pages")
	return nil
}

func pendingIDs(t *testing.T, tbl table.Table) map[string]bool {
	t.Helper()
	msgs, err := store.NewOutbox(tbl).Pending(t.Context(), time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		ids[m.ID] = true
	}
	return ids
}

func TestPrograms_RoundTrip(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		for _, tc := range []struct {
			name string
			p    programs.Program
			// attrs are string attributes of the stored item; "" means absent.
			attrs map[string]string
			lists map[string]int // list attributes and their lengths
		}{
			{"EveryField", fullFixture("PRG-full"),
				map[string]string{"type": "program", "contactHours": "1.5", "startsAt": "2027-03-10T09:00:00-06:00",
					"endsAt": "2027-03-11T02:30:00+05:30", "status": "fee_due", "createdAt": "2026-03-01T14:30:00Z",
					"submittedAt": "2026-03-01T15:30:00.123456789Z", "GSI1PK": "PROVIDER#P-1#PROGRAMS",
					"GSI1SK": "2026-03-01T14:30:00.000000000Z#PRG-full", "GSI2PK": "PROGSTATUS#fee_due",
					"GSI2SK": "2026-03-01T16:30:00.000000000Z#PRG-full"},
				map[string]int{"objectives": 2, "instructors": 1, "problems": 2, "history": 3}},
			{"EmptyDraft", draftFixture("PRG-draft", "P-1", t0),
				map[string]string{"type": "program", "contactHours": "0", "startsAt": "", "endsAt": "", "fee": "",
					"submittedAt": "", "copiedFrom": "", "GSI2PK": "PROGSTATUS#draft"},
				map[string]int{"objectives": 0, "instructors": 0, "problems": 0, "history": 1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				msg, _ := outbox.New("program-validation", map[string]string{"programId": tc.p.ID})
				if err := repo.Create(ctx, tc.p, msg); err != nil {
					t.Fatal(err)
				}
				got, err := repo.Get(ctx, tc.p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(normalProgram(got), normalProgram(tc.p)) {
					t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.p)
				}
				if tc.p.StartsAt != nil {
					if !got.StartsAt.Equal(*tc.p.StartsAt) || offsetOf(got.StartsAt) != offsetOf(tc.p.StartsAt) ||
						!got.EndsAt.Equal(*tc.p.EndsAt) || offsetOf(got.EndsAt) != offsetOf(tc.p.EndsAt) {
						t.Fatalf("dates %v – %v, want %v – %v with their offsets", got.StartsAt, got.EndsAt, tc.p.StartsAt, tc.p.EndsAt)
					}
				}
				if !got.SubmittedAt.Equal(tc.p.SubmittedAt) || !got.CreatedAt.Equal(tc.p.CreatedAt) {
					t.Fatalf("times %v, %v", got.SubmittedAt, got.CreatedAt)
				}
				if !pendingIDs(t, tbl)[msg.ID] {
					t.Fatalf("message %s not in the outbox", msg.ID)
				}
				item := testkit.MustGet(t, tbl, table.Key{PK: "PROGRAM#" + tc.p.ID, SK: "PROGRAM"})
				for attr, want := range tc.attrs {
					av, ok := item[attr]
					if want == "" {
						if ok {
							t.Errorf("%s = %#v, want absent", attr, av)
						}
						continue
					}
					if s, isS := av.(*types.AttributeValueMemberS); !isS || s.Value != want {
						t.Errorf("%s = %#v, want string %q", attr, av, want)
					}
				}
				for attr, n := range tc.lists {
					if l, ok := item[attr].(*types.AttributeValueMemberL); !ok || len(l.Value) != n {
						t.Errorf("%s = %#v, want a list of %d", attr, item[attr], n)
					}
				}
				if tc.p.Fee != nil {
					fee, ok := item["fee"].(*types.AttributeValueMemberM)
					if !ok || testkit.StrAttr(fee.Value["cecs"]) != "1.25" {
						t.Errorf("fee = %#v, want a map with cecs \"1.25\"", item["fee"])
					} else if _, ok := fee.Value["checkout"].(*types.AttributeValueMemberM); !ok {
						t.Errorf("fee.checkout = %#v, want a map", fee.Value["checkout"])
					}
				}
			})
		}
		t.Run("CreateTwice", func(t *testing.T) {
			p := draftFixture("PRG-twice", "P-1", t0)
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
			p.Title = "Another"
			if err := repo.Create(ctx, p); err == nil {
				t.Fatal("second create succeeded")
			}
			if got, _ := repo.Get(ctx, p.ID); got.Title != "Title PRG-twice" {
				t.Fatalf("second create overwrote the first: %q", got.Title)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := repo.Get(ctx, "PRG-none"); !errors.Is(err, programs.ErrNotFound) {
				t.Fatalf("Get: %v", err)
			}
			_, err := repo.Update(ctx, "PRG-none", func(*programs.Program) ([]outbox.Message, error) { return nil, nil })
			if !errors.Is(err, programs.ErrNotFound) {
				t.Fatalf("Update: %v", err)
			}
		})
	})
}

func TestPrograms_Update(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		create := func(t *testing.T, p programs.Program) {
			t.Helper()
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("BumpsVersionAndWritesOutbox", func(t *testing.T) {
			create(t, fullFixture("PRG-up"))
			msg, _ := outbox.New("mail", map[string]string{"id": "decision"})
			up, err := repo.Update(ctx, "PRG-up", func(p *programs.Program) ([]outbox.Message, error) {
				p.Title, p.Status, p.UpdatedAt = "Renamed", programs.Paid, t0.Add(6*time.Hour)
				p.Fee.Status, p.Fee.Checkout = programs.FeePaid, nil
				// The store keeps these, whatever fn does.
				p.ID, p.ProviderID, p.CreatedAt, p.Version = "PRG-other", "P-other", t0.Add(time.Hour), 99
				return []outbox.Message{msg}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := repo.Get(ctx, "PRG-up")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalProgram(got), normalProgram(up)) {
				t.Fatalf("Update returned %+v, stored %+v", up, got)
			}
			if got.Version != 4 || got.Title != "Renamed" || got.Status != programs.Paid || got.Fee.Status != programs.FeePaid ||
				got.Fee.Checkout != nil || !got.UpdatedAt.Equal(t0.Add(6*time.Hour)) {
				t.Fatalf("after update: %+v", got)
			}
			if got.ID != "PRG-up" || got.ProviderID != "P-1" || !got.CreatedAt.Equal(t0) {
				t.Fatalf("fn changed the identity: %s, %s, %v", got.ID, got.ProviderID, got.CreatedAt)
			}
			if _, err := repo.Get(ctx, "PRG-other"); !errors.Is(err, programs.ErrNotFound) {
				t.Fatalf("fn's ID was written: %v", err)
			}
			if !pendingIDs(t, tbl)[msg.ID] {
				t.Fatalf("message %s not in the outbox", msg.ID)
			}
		})
		for _, tc := range []struct {
			name    string
			fnErr   error
			wantErr func(error) bool
		}{
			{"ErrNoChange", programs.ErrNoChange, func(err error) bool { return errors.Is(err, programs.ErrNoChange) }},
			{"FnError", fault.New(fault.Conflict, "illegal_transition", "no"), func(err error) bool {
				var f *fault.Error
				return errors.As(err, &f) && f.Code == "illegal_transition"
			}},
		} {
			t.Run(tc.name+"WritesNothing", func(t *testing.T) {
				id := "PRG-" + tc.name
				create(t, fullFixture(id))
				msg, _ := outbox.New("mail", "x")
				got, err := repo.Update(ctx, id, func(p *programs.Program) ([]outbox.Message, error) {
					p.Title, p.Fee.Checkout.URL = "Changed", "https://changed.example"
					p.History[0].Reason, p.Objectives[0] = "changed", "changed"
					return []outbox.Message{msg}, tc.fnErr
				})
				if err != tc.fnErr || !tc.wantErr(err) {
					t.Fatalf("got %v, want %v as is", err, tc.fnErr)
				}
				stored, _ := repo.Get(ctx, id)
				if !reflect.DeepEqual(normalProgram(stored), normalProgram(fullFixture(id))) {
					t.Fatalf("stored after %s: %+v", tc.name, stored)
				}
				if tc.fnErr == programs.ErrNoChange && !reflect.DeepEqual(normalProgram(got), normalProgram(fullFixture(id))) {
					t.Fatalf("ErrNoChange returned %+v, want the current program untouched by fn", got)
				}
				if pendingIDs(t, tbl)[msg.ID] {
					t.Fatalf("message %s was written", msg.ID)
				}
			})
		}
		t.Run("ConcurrentUpdatesApplyOnce", func(t *testing.T) {
			create(t, draftFixture("PRG-conc", "P-1", t0))
			const n = 8
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					// A failed Update writes nothing, so the caller may retry it.
					for range 10 {
						_, err = repo.Update(ctx, "PRG-conc", func(p *programs.Program) ([]outbox.Message, error) {
							p.History = append(p.History, programs.Transition{At: t0, By: fmt.Sprint("w", i), To: programs.Draft})
							return nil, nil
						})
						if err == nil {
							break
						}
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got, _ := repo.Get(ctx, "PRG-conc")
			seen := map[string]int{}
			for _, tr := range got.History[1:] {
				seen[tr.By]++
			}
			if len(got.History) != 1+n || len(seen) != n || got.Version != 1+n {
				t.Fatalf("history %+v, version %d; want each of %d writers once", got.History, got.Version, n)
			}
		})
	})
}

func TestPrograms_ByProvider(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		var want []string
		for i := range 5 {
			id := fmt.Sprintf("PRG-a%d", i)
			// Created out of ID order, to show the order is by creation time.
			created := t0.Add(time.Duration((i*3)%5) * time.Minute)
			if err := repo.Create(ctx, draftFixture(id, "P-1", created)); err != nil {
				t.Fatal(err)
			}
			if err := repo.Create(ctx, draftFixture(fmt.Sprintf("PRG-b%d", i), "P-10", created)); err != nil {
				t.Fatal(err)
			}
			want = append(want, id)
		}
		// Newest first: created at 0, 3, 1, 4, 2 minutes.
		want = []string{want[3], want[1], want[4], want[2], want[0]}
		for _, limit := range []int{1, 2, 0, 1000} {
			t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
				got := allPages(t, func(pg programs.Page) ([]programs.Program, string, error) {
					return repo.ByProvider(ctx, "P-1", pg)
				}, limit)
				if ids := programIDs(got); !slices.Equal(ids, want) {
					t.Fatalf("got %v, want %v", ids, want)
				}
			})
		}
		t.Run("UnknownProvider", func(t *testing.T) {
			got, next, err := repo.ByProvider(ctx, "P-none", programs.Page{})
			if err != nil || len(got) != 0 || next != "" {
				t.Fatalf("got %v, %q, %v", programIDs(got), next, err)
			}
		})
	})
}

func TestPrograms_PageLimits(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		for i := range 101 {
			if err := repo.Create(ctx, draftFixture(fmt.Sprintf("PRG-%03d", i), "P-1", t0.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {100, 100}, {101, 100}, {1 << 40, 100}} {
			got, next, err := repo.ByStatus(ctx, programs.Draft, programs.Page{Limit: tc.limit})
			if err != nil || len(got) != tc.want || next == "" {
				t.Errorf("Limit %d: %d programs, cursor %q, %v; want %d and a cursor", tc.limit, len(got), next, err, tc.want)
			}
		}
	})
}

func TestPrograms_ByStatus(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		for i, id := range []string{"PRG-1", "PRG-2", "PRG-3"} {
			if err := repo.Create(ctx, draftFixture(id, "P-1", t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		queues := func(t *testing.T) map[programs.Status][]string {
			t.Helper()
			out := map[programs.Status][]string{}
			for _, s := range programs.Statuses {
				got := allPages(t, func(pg programs.Page) ([]programs.Program, string, error) {
					return repo.ByStatus(ctx, s, pg)
				}, 1)
				for _, p := range got {
					if p.Status != s {
						t.Fatalf("%s listed under %s", p.ID, s)
					}
				}
				if len(got) > 0 {
					out[s] = programIDs(got)
				}
			}
			return out
		}
		at := t0.Add(time.Hour)
		for _, step := range []struct {
			id   string
			to   programs.Status
			want map[programs.Status][]string
		}{
			{"", "", map[programs.Status][]string{programs.Draft: {"PRG-1", "PRG-2", "PRG-3"}}},
			{"PRG-2", programs.Submitted, map[programs.Status][]string{
				programs.Draft: {"PRG-1", "PRG-3"}, programs.Submitted: {"PRG-2"}}},
			{"PRG-1", programs.Submitted, map[programs.Status][]string{
				programs.Draft: {"PRG-3"}, programs.Submitted: {"PRG-2", "PRG-1"}}},
			{"PRG-2", programs.Refused, map[programs.Status][]string{
				programs.Draft: {"PRG-3"}, programs.Submitted: {"PRG-1"}, programs.Refused: {"PRG-2"}}},
			{"PRG-2", programs.Draft, map[programs.Status][]string{
				programs.Draft: {"PRG-3", "PRG-2"}, programs.Submitted: {"PRG-1"}}},
		} {
			name := "Initially"
			if step.id != "" {
				name = step.id + "To" + string(step.to)
				at = at.Add(time.Minute)
				_, err := repo.Update(ctx, step.id, func(p *programs.Program) ([]outbox.Message, error) {
					p.History = append(p.History, programs.Transition{At: at, By: "test", From: p.Status, To: step.to})
					p.Status, p.UpdatedAt = step.to, at
					return nil, nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Run(name, func(t *testing.T) {
				if got := queues(t); !reflect.DeepEqual(got, step.want) {
					t.Fatalf("queues %v, want %v", got, step.want)
				}
			})
		}
	})
}

func TestPrograms_Calendar(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		program := func(id string, s programs.Status, optIn bool, starts time.Time) programs.Program {
			p := draftFixture(id, "P-1", t0)
			p.Status, p.CalendarOptIn, p.Format, p.ContactHours = s, optIn, programs.LiveOnline, 275
			p.StartsAt, p.EndsAt = timePtr(starts), timePtr(starts.Add(3*time.Hour))
			p.TimeZone, p.URL, p.Compliance = "America/Chicago", "https://acme.example/"+id, true
			return p
		}
		march10 := time.Date(2027, 3, 10, 9, 0, 0, 0, centralTime) // 15:00Z
		march12 := time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC)
		for _, p := range []programs.Program{
			program("PRG-c", programs.Approved, true, time.Date(2027, 4, 1, 8, 0, 0, 0, indiaTime)),
			program("PRG-a", programs.Approved, true, march10),
			program("PRG-b", programs.Approved, true, march12),
			program("PRG-no-opt-in", programs.Approved, false, march10.Add(time.Hour)),
			program("PRG-review", programs.InReview, true, march10.Add(2*time.Hour)),
		} {
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		undated := draftFixture("PRG-undated", "P-1", t0)
		undated.Status, undated.CalendarOptIn = programs.Approved, true
		if err := repo.Create(ctx, undated); err != nil {
			t.Fatal(err)
		}
		calendar := func(t *testing.T, from, to time.Time, limit int) []string {
			t.Helper()
			got := allPages(t, func(pg programs.Page) ([]programs.CalendarEntry, string, error) {
				return repo.Calendar(ctx, from, to, pg)
			}, limit)
			ids := make([]string, 0, len(got))
			for _, e := range got {
				ids = append(ids, e.ProgramID)
			}
			return ids
		}
		year := [2]time.Time{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}
		for _, tc := range []struct {
			name     string
			from, to time.Time
			limit    int
			want     []string
		}{
			{"Year", year[0], year[1], 100, []string{"PRG-a", "PRG-b", "PRG-c"}},
			{"YearByOne", year[0], year[1], 1, []string{"PRG-a", "PRG-b", "PRG-c"}},
			{"FromIsInclusive", march10, march12, 100, []string{"PRG-a"}},
			{"FromInOtherZone", march10.UTC(), march12.In(centralTime), 100, []string{"PRG-a"}},
			{"JustAfterFrom", march10.Add(time.Nanosecond), march12, 100, nil},
			{"ToIsExclusive", march12.Add(-time.Nanosecond), march12, 100, nil},
			{"JustAfterTo", march12, march12.Add(time.Nanosecond), 100, []string{"PRG-b"}},
			{"EmptyRange", march12, march12, 100, nil},
			{"ReversedRange", year[1], year[0], 100, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := calendar(t, tc.from, tc.to, tc.limit); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		t.Run("Entry", func(t *testing.T) {
			got, _, err := repo.Calendar(ctx, year[0], year[1], programs.Page{Limit: 1})
			if err != nil || len(got) != 1 {
				t.Fatalf("got %+v, %v", got, err)
			}
			e := got[0]
			want := programs.CalendarEntry{ProgramID: "PRG-a", Offering: 1, ProviderName: "Acme", Title: "Title PRG-a",
				Format: programs.LiveOnline, StartsAt: march10, EndsAt: march10.Add(3 * time.Hour),
				TimeZone: "America/Chicago", URL: "https://acme.example/PRG-a", ContactHours: cec.Hours(275), Compliance: true}
			if !e.StartsAt.Equal(want.StartsAt) || !e.EndsAt.Equal(want.EndsAt) ||
				offsetOf(&e.StartsAt) != -6*60*60 || offsetOf(&e.EndsAt) != -6*60*60 {
				t.Fatalf("dates %v – %v, want %v – %v with their offset", e.StartsAt, e.EndsAt, want.StartsAt, want.EndsAt)
			}
			e.StartsAt, e.EndsAt = want.StartsAt, want.EndsAt
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("entry %+v, want %+v", e, want)
			}
		})
		t.Run("ApprovalAddsEntry", func(t *testing.T) {
			_, err := repo.Update(ctx, "PRG-review", func(p *programs.Program) ([]outbox.Message, error) {
				p.Status = programs.Approved
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"PRG-a", "PRG-review", "PRG-b", "PRG-c"}
			if got := calendar(t, year[0], year[1], 2); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
		t.Run("NewStartMovesEntry", func(t *testing.T) {
			_, err := repo.Update(ctx, "PRG-c", func(p *programs.Program) ([]outbox.Message, error) {
				p.StartsAt = timePtr(time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC))
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"PRG-c", "PRG-a", "PRG-review", "PRG-b"}
			if got := calendar(t, year[0], year[1], 100); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
		t.Run("AnEntryPerOffering", func(t *testing.T) {
			// Three offerings, the first refused: offerings 2 and 3 are
			// listed, each at its own start and place.
			p := program("PRG-m", programs.Approved, true, march10.Add(-48*time.Hour))
			p.MoreOfferings = []programs.Offering{
				{StartsAt: timePtr(march12), EndsAt: timePtr(march12.Add(3 * time.Hour)), TimeZone: "UTC", URL: "https://acme.example/2"},
				{StartsAt: timePtr(year[1].Add(-time.Hour)), EndsAt: timePtr(year[1]), TimeZone: "UTC", URL: "https://acme.example/3"},
			}
			p.RefusedOfferings = []programs.RefusedOffering{{Offering: 1, Reason: "started"}}
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
			got, _, err := repo.Calendar(ctx, year[0], year[1], programs.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var mine []string
			for _, e := range got {
				if e.ProgramID == "PRG-m" {
					mine = append(mine, fmt.Sprintf("%d %s %s", e.Offering, e.StartsAt.UTC().Format(time.RFC3339), e.URL))
				}
			}
			want := []string{"2 2027-03-12T00:00:00Z https://acme.example/2", "3 2027-12-31T23:00:00Z https://acme.example/3"}
			if !slices.Equal(mine, want) {
				t.Fatalf("entries %v, want %v", mine, want)
			}
			// A change that leaves offering 3 alone removes offering 2's
			// entry only; withdrawing approval removes every entry.
			if _, err := repo.Update(ctx, "PRG-m", func(p *programs.Program) ([]outbox.Message, error) {
				p.RefusedOfferings = append(p.RefusedOfferings, programs.RefusedOffering{Offering: 2})
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			count := func() (n int) {
				got, _, err := repo.Calendar(ctx, year[0], year[1], programs.Page{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range got {
					if e.ProgramID == "PRG-m" {
						n++
					}
				}
				return n
			}
			if n := count(); n != 1 {
				t.Fatalf("%d entries after offering 2 left, want 1", n)
			}
			if _, err := repo.Update(ctx, "PRG-m", func(p *programs.Program) ([]outbox.Message, error) {
				p.CalendarOptIn = false
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 0 {
				t.Fatalf("%d entries after opting out, want 0", n)
			}
		})
		t.Run("OptOutRemovesEntry", func(t *testing.T) {
			_, err := repo.Update(ctx, "PRG-b", func(p *programs.Program) ([]outbox.Message, error) {
				p.CalendarOptIn = false
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"PRG-c", "PRG-a", "PRG-review"}
			if got := calendar(t, year[0], year[1], 100); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	})
}

func TestPrograms_QueueOrderAndCursor(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		base := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
		// A entered in_review first, B second; then A changes (a checkout,
		// say) without changing status: A still waited longest.
		for i, id := range []string{"PRG-A", "PRG-B"} {
			p := draftFixture(id, "P-1", base)
			p.Status = programs.InReview
			p.History = append(p.History, programs.Transition{At: base.Add(time.Duration(i+1) * time.Hour), By: "system",
				From: programs.Paid, To: programs.InReview})
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := repo.Update(ctx, "PRG-A", func(p *programs.Program) ([]outbox.Message, error) {
			p.UpdatedAt = base.Add(10 * time.Hour)
			p.Title = "changed"
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, _, err := repo.ByStatus(ctx, programs.InReview, programs.Page{})
		if err != nil || strings.Join(programIDs(got), ",") != "PRG-A,PRG-B" {
			t.Fatalf("queue %v, %v; want PRG-A,PRG-B", programIDs(got), err)
		}
		// A cursor from another list, or garbage, is the caller's mistake.
		_, cur, err := repo.ByStatus(ctx, programs.InReview, programs.Page{Limit: 1})
		if err != nil || cur == "" {
			t.Fatalf("first page: cursor %q, %v", cur, err)
		}
		for _, bad := range []string{cur, "not-a-cursor"} {
			_, _, err = repo.ByProvider(ctx, "P-1", programs.Page{Cursor: bad})
			if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || fe.Code != "invalid_cursor" {
				t.Fatalf("cursor %q on another list: %v", bad, err)
			}
		}
	})
}

// One program stored with an offset Go cannot write back (accepted before
// the API refused it) and one damaged beyond reading: the first reads back
// in UTC, the second is left out of every list, and neither breaks a list
// other people read (issue 13, class 1).
func TestPrograms_BadRecordsInLists(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewPrograms(tbl)
		for i, id := range []string{"PRG-good", "PRG-offset", "PRG-damaged"} {
			p := fullFixture(id)
			p.ProviderID, p.Status, p.Fee = "P-1", programs.Approved, nil
			p.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			if err := repo.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		damage := func(id, startsAt string) {
			t.Helper()
			k := table.Key{PK: "PROGRAM#" + id, SK: "PROGRAM"}
			item, err := tbl.Get(ctx, k)
			if err != nil {
				t.Fatalf("get %s: %v", k, err)
			}
			item["startsAt"] = table.S(startsAt)
			if err := tbl.Write(ctx, table.Put(item, table.Condition{})); err != nil {
				t.Fatal(err)
			}
		}
		damage("PRG-offset", "2027-03-10T09:00:00+24:00")
		damage("PRG-damaged", "not a time")

		p, err := repo.Get(ctx, "PRG-offset")
		if err != nil {
			t.Fatalf("Get PRG-offset: %v", err)
		}
		if want := time.Date(2027, 3, 9, 9, 0, 0, 0, time.UTC); !p.StartsAt.Equal(want) || offsetOf(p.StartsAt) != 0 {
			t.Errorf("startsAt = %v, want %v in UTC", p.StartsAt, want)
		}
		if _, err := repo.Get(ctx, "PRG-damaged"); err == nil {
			t.Error("Get PRG-damaged: no error")
		}
		byProvider, _, err := repo.ByProvider(ctx, "P-1", programs.Page{})
		if err != nil {
			t.Fatalf("ByProvider: %v", err)
		}
		byStatus, _, err := repo.ByStatus(ctx, programs.Approved, programs.Page{})
		if err != nil {
			t.Fatalf("ByStatus: %v", err)
		}
		for name, got := range map[string][]programs.Program{"ByProvider": byProvider, "ByStatus": byStatus} {
			if ids := programIDs(got); !slices.Equal(ids, []string{"PRG-good", "PRG-offset"}) && !slices.Equal(ids, []string{"PRG-offset", "PRG-good"}) {
				t.Errorf("%s = %v, want PRG-good and PRG-offset", name, ids)
			}
		}
	})
}
