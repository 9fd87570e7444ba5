package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ledger"
)

// counters is the store as the counters' items read: the store's own
// round trip is tested with the stores that keep them (internal/store,
// internal/ledger's reconciliation).
type counters struct {
	programs map[string]int64
	revenue  map[int]map[string]int64
	season   map[int]map[string]int64
	credited map[int]map[string]int64
	byProv   map[string]map[string]int64
	comply   map[int]map[string]int64
	names    map[string]string
}

func (c counters) Compliance(_ context.Context, year int) (map[string]int64, error) {
	return c.comply[year], nil
}

func (c counters) ProgramsByProvider(context.Context) (map[string]map[string]int64, error) {
	return c.byProv, nil
}
func (c counters) ProviderNames(_ context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if n, ok := c.names[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

func (c counters) ProgramsByStatus(context.Context) (map[string]int64, error) { return c.programs, nil }
func (c counters) Revenue(_ context.Context, year int) (map[string]int64, error) {
	return c.revenue[year], nil
}
func (c counters) Season(_ context.Context, year int) (map[string]int64, error) {
	return c.season[year], nil
}

func (c counters) Credited(_ context.Context, year int) (map[string]int64, error) {
	return c.credited[year], nil
}

func TestService_Figures(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	name := ledger.RevenueName
	store := counters{
		programs: map[string]int64{"approved": 4, "draft": 2, "fee_due": 0, "in_review": 1},
		revenue: map[int]map[string]int64{
			2026: {
				name("2026-02", ledger.ApplicationFee, "USD", ledger.FieldTaken):    99999, // before the twelve months
				name("2026-03", ledger.ApplicationFee, "USD", ledger.FieldTaken):    15000,
				name("2026-03", ledger.ApplicationFee, "USD", ledger.FieldRefunded): 5000,
				name("2026-03", ledger.ApplicationFee, "USD", ledger.FieldHeld):     100, // not revenue
				name("2026-12", ledger.Renewal, "USD", ledger.FieldTaken):           17500,
				name("2026-12", ledger.Reinstatement, "USD", ledger.FieldTaken):     5000, // part of the renewal's
			},
			2027: {
				name("2027-01", ledger.FilingFee, "USD", ledger.FieldTaken):  1500,
				name("2027-01", ledger.FilingFee, "USD", ledger.FieldFailed): 2,
				name("2027-02", ledger.FilingFee, "EUR", ledger.FieldTaken):  700,
			},
		},
		byProv: map[string]map[string]int64{
			"P-B": {"approved": 3, "draft": 1},
			"P-A": {"approved": 2, "in_review": 2},
			"P-C": {"draft": 1, "rejected": 0},
			"P-0": {"draft": 0}, // every program of it moved away: not a provider with programs
		},
		names: map[string]string{"P-A": "Acme", "P-B": "Bright", "P-C": "Cedar"},
		comply: map[int]map[string]int64{
			2027: {"met": 7, "short": 3, "short compliance_minimum": 1, "short total": 3, "short association_minimum": 0},
			2028: {"met": 1}, // another year: not this season's
		},
		credited: map[int]map[string]int64{
			2026: {"2026-02 credits": 9, "2026-02 cecs": 900, "2026-03 credits": 40, "2026-03 cecs": 6050, "2026-12 credits": -1, "2026-12 cecs": -150},
			2027: {"2027-02 credits": 2, "2027-02 cecs": 25},
		},
	}
	svc := &dashboard.Service{Store: store, Loc: ny, Now: func() time.Time { return time.Date(2027, 3, 1, 3, 0, 0, 0, time.UTC) }} // 28 February in New York
	var fe *fault.Error
	if _, err := svc.Figures(t.Context(), identity.Caller{Sub: "h", Roles: []string{identity.RoleHolder}}); !errors.As(err, &fe) || fe.Kind != fault.Forbidden {
		t.Fatalf("a holder: %v, want forbidden", err)
	}
	f, err := svc.Figures(t.Context(), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []dashboard.Count{{Key: "draft", Value: 2}, {Key: "in_review", Value: 1}, {Key: "approved", Value: 4}}; !reflect.DeepEqual(f.ProgramsByStatus, want) {
		t.Errorf("programs by status %+v, want %+v", f.ProgramsByStatus, want)
	}
	// March 2026 to February 2027 in New York: twelve months, each there.
	want := []dashboard.MonthRevenue{
		{Month: "2026-03", Currency: "USD", ApplicationFees: 10000},
		{Month: "2026-04"}, {Month: "2026-05"}, {Month: "2026-06"}, {Month: "2026-07"}, {Month: "2026-08"},
		{Month: "2026-09"}, {Month: "2026-10"}, {Month: "2026-11"},
		{Month: "2026-12", Currency: "USD", Renewals: 17500},
		{Month: "2027-01", Currency: "USD", FilingFees: 1500},
		{Month: "2027-02", Currency: "EUR", FilingFees: 700},
	}
	if !reflect.DeepEqual(f.Revenue, want) {
		t.Errorf("revenue\n got %+v\nwant %+v", f.Revenue, want)
	}
	// The providers with the most programs, ties by ID, with their names.
	wantTop := []dashboard.ProviderPrograms{
		{ID: "P-A", Name: "Acme", ByStatus: []dashboard.Count{{Key: "in_review", Value: 2}, {Key: "approved", Value: 2}}, Total: 4},
		{ID: "P-B", Name: "Bright", ByStatus: []dashboard.Count{{Key: "draft", Value: 1}, {Key: "approved", Value: 3}}, Total: 4},
		{ID: "P-C", Name: "Cedar", ByStatus: []dashboard.Count{{Key: "draft", Value: 1}}, Total: 1},
	}
	if !reflect.DeepEqual(f.TopProviders, wantTop) || f.Providers != 3 {
		t.Errorf("top providers (%d)\n got %+v\nwant %+v", f.Providers, f.TopProviders, wantTop)
	}
	// Credits: the twelve months, a withdrawal taken off in its month.
	wantCredited := []dashboard.MonthCredits{{Month: "2026-03", Credits: 40, CECs: cec.Hours(6050)},
		{Month: "2026-04"}, {Month: "2026-05"}, {Month: "2026-06"}, {Month: "2026-07"}, {Month: "2026-08"},
		{Month: "2026-09"}, {Month: "2026-10"}, {Month: "2026-11"}, {Month: "2026-12", Credits: -1, CECs: -150},
		{Month: "2027-01"}, {Month: "2027-02", Credits: 2, CECs: 25}}
	if !reflect.DeepEqual(f.Credited, wantCredited) {
		t.Errorf("credited\n got %+v\nwant %+v", f.Credited, wantCredited)
	}
	// No 2028 invoices yet on 28 February 2027: the 2027 season, and its
	// compliance, the rules in their order, none of those short of none.
	if f.Season.Year != 2027 || f.Season.Invoiced != 0 {
		t.Errorf("season %+v, want 2027's, empty", f.Season)
	}
	wantComply := dashboard.Compliance{Year: 2027, Met: 7, Short: 3, ShortBy: []dashboard.Count{{Key: "total", Value: 3}, {Key: "compliance_minimum", Value: 1}}}
	if !reflect.DeepEqual(f.Compliance, wantComply) {
		t.Errorf("compliance\n got %+v\nwant %+v", f.Compliance, wantComply)
	}
	store.season = map[int]map[string]int64{2028: {"2027-W44 invoiced": 90, "2027-W45 invoiced": 10, "2027-W45 paid": 30, "2027-W52 paid": 50}}
	svc.Store = store
	svc.GraceEnds = func(year int) (time.Time, bool) { return time.Date(year, 3, 31, 0, 0, 0, 0, ny), true }
	if f, err = svc.Figures(t.Context(), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}); err != nil {
		t.Fatal(err)
	}
	wantSeason := dashboard.Season{Year: 2028, Invoiced: 100, Paid: 80, Outstanding: 20, LapseKnown: true, Weeks: []dashboard.SeasonWeek{
		{Week: "2027-W44", Invoiced: 90, Outstanding: 90}, {Week: "2027-W45", Invoiced: 10, Paid: 30, Outstanding: 70}, {Week: "2027-W52", Paid: 50, Outstanding: 20}}}
	if !reflect.DeepEqual(f.Season, wantSeason) {
		t.Errorf("season\n got %+v\nwant %+v", f.Season, wantSeason)
	}
	// After 31 March 2028 (New York), the 20 still outstanding have lapsed.
	svc.Now = func() time.Time { return time.Date(2028, 4, 1, 4, 0, 0, 0, time.UTC) }
	store.season[2029] = nil
	if f, err = svc.Figures(t.Context(), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}); err != nil || f.Season.Year != 2028 || f.Season.Lapsed != 20 {
		t.Errorf("the day after grace: %+v, %v; want 20 lapsed", f.Season, err)
	}
	svc.Now = func() time.Time { return time.Date(2028, 4, 1, 3, 0, 0, 0, time.UTC) } // still 31 March in New York
	if f, _ = svc.Figures(t.Context(), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}); f.Season.Lapsed != 0 {
		t.Errorf("the last day of grace: %d lapsed", f.Season.Lapsed)
	}
}

// Of more providers than the dashboard names, the ones with the most
// programs, and the count of all.
func TestService_TopProvidersOnly(t *testing.T) {
	store := counters{byProv: map[string]map[string]int64{}, names: map[string]string{}}
	for i := range 14 {
		id := fmt.Sprintf("P-%02d", i)
		store.byProv[id] = map[string]int64{"approved": int64(i + 1)}
		store.names[id] = "Provider " + id
	}
	svc := &dashboard.Service{Store: store, Loc: time.UTC, Now: func() time.Time { return time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) }}
	f, err := svc.Figures(t.Context(), identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.TopProviders) != dashboard.TopProvidersShown || f.Providers != 14 || f.TopProviders[0].ID != "P-13" ||
		f.TopProviders[9].ID != "P-04" || f.TopProviders[9].Name != "Provider P-04" {
		t.Fatalf("top %d of %d: first %+v, last %+v", len(f.TopProviders), f.Providers, f.TopProviders[0], f.TopProviders[len(f.TopProviders)-1])
	}
}
