package transcript_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

// counting is the embedded table, counting the reads a request makes.
type counting struct {
	table.Table
	gets, queries atomic.Int64
}

func (c *counting) Get(ctx context.Context, k table.Key) (table.Item, error) {
	c.gets.Add(1)
	return c.Table.Get(ctx, k)
}

func (c *counting) Query(ctx context.Context, q table.Query) (table.Page, error) {
	c.queries.Add(1)
	return c.Table.Query(ctx, q)
}

// world is the service on a real embedded table, with holders:
//
//	ana  CAM (6 a year): a 6-CEC compliance program on 10 March 2027, a
//	     2-CEC one on 31 December 2026 and a 1.5-CEC one on 1 January 2028
//	bo   CAM and NALP: a 4-CEC program without compliance in 2027
//	cy   no credential: a 2-CEC program in 2027
//	dee  NALP (3): nothing credited
type world struct {
	svc   *transcript.Service
	tbl   *counting
	clock *clock.Settable
	ids   map[string]string // holder IDs by name
}

func holderCaller(name string) identity.Caller {
	return identity.Caller{Sub: "sub-" + name, Roles: []string{identity.RoleHolder}}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pol := testkit.Policy(t)
	tbl := &counting{Table: testkit.TempTable(t, testkit.NoSync)} // expiry on the wall clock, as before
	clk := testkit.SettableAt(time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC))
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, testkit.IDs(), testkit.NoDispatch{})
	kit := testkit.Accounts{Service: acc, Staff: identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}}
	ctx := t.Context()
	day := func(y int, m time.Month, d int) roster.Date { return roster.Date{Year: y, Month: m, Day: d} }
	var credited []attendance.Credit
	ids := map[string]string{}
	for _, h := range []struct {
		name  string
		codes []string
		cr    []attendance.Credit
	}{
		{"ana", []string{"CAM"}, []attendance.Credit{
			{ProgramID: "PRG-MARCH", Completed: day(2027, 3, 10), Title: "Fair Housing", ProviderName: "Acme", Hours: cec.Of(6), Compliance: true},
			{ProgramID: "PRG-NYE", Completed: day(2026, 12, 31), Title: "Year End", ProviderName: "Acme", Hours: cec.Of(2)},
			{ProgramID: "PRG-NEWYEAR", Completed: day(2028, 1, 1), Title: "New Year", ProviderName: "Beta", Hours: cec.Hours(150)},
		}},
		{"bo", []string{"CAM", "NALP"}, []attendance.Credit{
			{ProgramID: "PRG-B", Completed: day(2027, 6, 1), Title: "Leasing", ProviderName: "Acme", Hours: cec.Of(4)},
		}},
		{"cy", nil, []attendance.Credit{
			{ProgramID: "PRG-C", Completed: day(2027, 6, 1), Title: "Leasing", ProviderName: "Acme", Hours: cec.Of(2)},
		}},
		{"dee", []string{"NALP"}, nil},
	} {
		holder := kit.Holder(t, holderCaller(h.name), accounts.NewHolder{FirstName: h.name, LastName: "Lima", Email: h.name + "@example.com"},
			testkit.Credentials("2020-01-01", h.codes...))
		ids[h.name] = holder.ID
		for _, c := range h.cr {
			c.HolderID, c.UploadID, c.Line, c.ProviderID, c.Credited = holder.ID, "UPL-1", 2, "PRV-1", clk.Now()
			credited = append(credited, c)
		}
	}
	if refused, err := store.NewAttendance(tbl).Credit(ctx, credited); err != nil || len(refused) > 0 {
		t.Fatalf("credit: refused %v, %v", refused, err)
	}
	return &world{svc: transcript.NewService(store.NewTranscript(tbl), acc, pol, clk), tbl: tbl, clock: clk, ids: ids}
}

// summary is a Status in one line, so that a table row states it whole.
func summary(st transcript.Status) string {
	y := st.Year
	var rules []string
	for _, s := range y.Shortfalls {
		rules = append(rules, s.Rule+":"+s.Missing.String())
	}
	var acts []string
	for _, e := range st.Entries {
		acts = append(acts, fmt.Sprintf("%s=%s/%s", e.Activity.ID, e.Verdict.Status, e.Verdict.Counts))
	}
	return fmt.Sprintf("%d %s..%s creds=%s required=%s counted=%s assoc=%s other=%s/%s compliance=%s/%s outstanding=%s met=%v short=[%s] acts=[%s]",
		y.RenewalYear, y.From.Format(time.DateOnly), y.To.Format(time.DateOnly), strings.Join(st.Credentials, ","), y.Required,
		y.Counted, y.Association, y.OtherCounted, y.OtherLimit, y.Compliance, st.ComplianceMinimum, y.Outstanding, y.Met,
		strings.Join(rules, " "), strings.Join(acts, " "))
}

func TestService_Status(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name   string
		holder string
		year   int
		want   string
	}{
		{"Met", "ana", 2028,
			"2028 2027-01-01..2027-12-31 creds=CAM required=6 counted=6 assoc=6 other=0/3 compliance=6/1 outstanding=0 met=true short=[] acts=[PRG-MARCH=counted/6]"},
		{"EarnedTheYearBeforeOnly", "ana", 2027,
			"2027 2026-01-01..2026-12-31 creds=CAM required=6 counted=2 assoc=2 other=0/3 compliance=0/1 outstanding=4 met=false short=[total:4 association_minimum:1 compliance_minimum:1] acts=[PRG-NYE=counted/2]"},
		{"NextWindow", "ana", 2029,
			"2029 2028-01-01..2028-12-31 creds=CAM required=6 counted=1.5 assoc=1.5 other=0/3 compliance=0/1 outstanding=4.5 met=false short=[total:4.5 association_minimum:1.5 compliance_minimum:1] acts=[PRG-NEWYEAR=counted/1.5]"},
		{"DefaultIsTheComingRenewal", "ana", 0,
			"2028 2027-01-01..2027-12-31 creds=CAM required=6 counted=6 assoc=6 other=0/3 compliance=6/1 outstanding=0 met=true short=[] acts=[PRG-MARCH=counted/6]"},
		{"LargestRequirementNoCompliance", "bo", 2028,
			"2028 2027-01-01..2027-12-31 creds=CAM,NALP required=6 counted=4 assoc=4 other=0/3 compliance=0/1 outstanding=2 met=false short=[total:2 compliance_minimum:1] acts=[PRG-B=counted/4]"},
		// Nothing to meet is not "met" (issue 13): Status.NoRequirement says so.
		{"NoCredentialNothingToRenew", "cy", 2028,
			"2028 2027-01-01..2027-12-31 creds= required=0 counted=2 assoc=2 other=0/0 compliance=0/0 outstanding=0 met=false short=[] acts=[PRG-C=counted/2]"},
		{"NothingEarned", "dee", 2028,
			"2028 2027-01-01..2027-12-31 creds=NALP required=3 counted=0 assoc=0 other=0/1.5 compliance=0/1 outstanding=3 met=false short=[total:3 association_minimum:1.5 compliance_minimum:1] acts=[]"},
		{"EdgeYears", "ana", transcript.MaxYear,
			"2100 2099-01-01..2099-12-31 creds=CAM required=6 counted=0 assoc=0 other=0/3 compliance=0/1 outstanding=6 met=false short=[total:6 association_minimum:3 compliance_minimum:1] acts=[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := w.svc.Status(t.Context(), holderCaller(tt.holder), tt.year)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(st); got != tt.want {
				t.Fatalf("status\n got %s\nwant %s", got, tt.want)
			}
			if st.NoRequirement != (st.Year.Required == 0) {
				t.Fatalf("NoRequirement %v with %s required", st.NoRequirement, st.Year.Required)
			}
			for i, e := range st.Entries {
				if e.Verdict.ActivityID != e.Activity.ID || !slices.Equal(st.Year.Verdicts[i:i+1], []credits.Verdict{e.Verdict}) {
					t.Fatalf("entry %d pairs %s with the verdict on %s", i, e.Activity.ID, e.Verdict.ActivityID)
				}
				if e.Activity.Source != credits.Credited || e.Activity.Kind != "association_course" {
					t.Fatalf("a credited program reads as %s/%s", e.Activity.Source, e.Activity.Kind)
				}
			}
		})
	}
}

func TestService_Errors(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name   string
		caller identity.Caller
		year   int
		kind   fault.Kind
		code   string
		field  string
	}{
		{"ErrAnonymous", identity.Caller{}, 2028, fault.Unauthenticated, "unauthenticated", ""},
		{"ErrNoHolderAccount", holderCaller("nobody"), 2028, fault.NotFound, "holder_not_found", ""},
		{"ErrYearTooEarly", holderCaller("ana"), transcript.MinYear - 1, fault.Invalid, "invalid_request", "year"},
		{"ErrYearTooLate", holderCaller("ana"), transcript.MaxYear + 1, fault.Invalid, "invalid_request", "year"},
		{"ErrNegativeYear", holderCaller("ana"), -2028, fault.Invalid, "invalid_request", "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, call := range map[string]func() error{
				"Status":     func() error { _, err := w.svc.Status(t.Context(), tt.caller, tt.year); return err },
				"Transcript": func() error { _, err := w.svc.Transcript(t.Context(), tt.caller, tt.year); return err },
			} {
				fe, ok := fault.As(call())
				if !ok || fe.Kind != tt.kind || fe.Code != tt.code {
					t.Fatalf("%s: got %v, want kind %d %s", name, fe, tt.kind, tt.code)
				}
				if tt.field != "" && (len(fe.Details) != 1 || fe.Details[0].Field != tt.field) {
					t.Fatalf("%s: details %+v, want one on %s", name, fe.Details, tt.field)
				}
			}
		})
	}
}

func TestService_Transcript(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name   string
		holder string
		year   int
		want   string // entries: id status counts reason
	}{
		{"OnlyTheWindow", "ana", 2028, "PRG-MARCH counted 6 "},
		{"YearBefore", "ana", 2027, "PRG-NYE counted 2 "},
		{"Empty", "dee", 2028, ""},
		{"Default", "ana", 0, "PRG-MARCH counted 6 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := w.svc.Transcript(t.Context(), holderCaller(tt.holder), tt.year)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, fmt.Sprintf("%s %s %s %s", e.Activity.ID, e.Verdict.Status, e.Verdict.Counts, e.Verdict.Reason))
			}
			if s := strings.Join(got, "; "); s != tt.want {
				t.Fatalf("entries %q, want %q", s, tt.want)
			}
			year := cmp.Or(tt.year, 2028)
			if tr.RenewalYear != year || tr.From != time.Date(year-1, 1, 1, 0, 0, 0, 0, time.UTC) || tr.To != time.Date(year-1, 12, 31, 0, 0, 0, 0, time.UTC) {
				t.Fatalf("renewal %d, window %v..%v", tr.RenewalYear, tr.From, tr.To)
			}
		})
	}
}

// TestService_ComingRenewal: the default year turns with the association's
// calendar (America/New_York), not UTC's.
func TestService_ComingRenewal(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name string
		now  string
		want int
	}{
		{"MidYear", "2027-03-12T14:00:00Z", 2028},
		{"NewYearInUTCStillDecemberInNewYork", "2028-01-01T04:59:59Z", 2028},
		{"NewYearInNewYork", "2028-01-01T05:00:00Z", 2029},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tt.now)
			w.clock.Set(now)
			st, err := w.svc.Status(t.Context(), holderCaller("ana"), 0)
			if err != nil || st.Year.RenewalYear != tt.want {
				t.Fatalf("Status(0) judged %d, %v; want %d", st.Year.RenewalYear, err, tt.want)
			}
		})
	}
}

// TestService_Reads: a status is the identity link and one Query of the
// holder's partition (which holds the profile too); nothing more.
func TestService_Reads(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"Status", "Transcript"} {
		t.Run(name, func(t *testing.T) {
			w.tbl.gets.Store(0)
			w.tbl.queries.Store(0)
			var err error
			if name == "Status" {
				_, err = w.svc.Status(t.Context(), holderCaller("ana"), 2028)
			} else {
				_, err = w.svc.Transcript(t.Context(), holderCaller("ana"), 2028)
			}
			if err != nil {
				t.Fatal(err)
			}
			// The status also asks, with one Query of GSI2, for the credits
			// waiting for a filing fee.
			wantQ := int64(1)
			if name == "Status" {
				wantQ = 2
			}
			if g, q := w.tbl.gets.Load(), w.tbl.queries.Load(); g != 1 || q != wantQ {
				t.Fatalf("%d GetItem and %d Query, want 1 and %d", g, q, wantQ)
			}
		})
	}
}

// TestService_StatusOf: staff read any holder's status of any year, the
// same as the holder's own, from one Query (no identity link); nobody else
// may.
func TestService_StatusOf(t *testing.T) {
	w := newWorld(t)
	staff := identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}
	for _, name := range []string{"ana", "bo", "cy", "dee"} {
		for _, year := range []int{0, 2027, 2028, 2029} {
			t.Run(fmt.Sprintf("%s/%d", name, year), func(t *testing.T) {
				own, err := w.svc.Status(t.Context(), holderCaller(name), year)
				if err != nil {
					t.Fatal(err)
				}
				w.tbl.gets.Store(0)
				w.tbl.queries.Store(0)
				got, err := w.svc.StatusOf(t.Context(), staff, w.ids[name], year)
				if err != nil {
					t.Fatal(err)
				}
				if summary(got) != summary(own) || got.HolderID != w.ids[name] || got.NoRequirement != own.NoRequirement {
					t.Fatalf("staff read\n%s\nthe holder reads\n%s", summary(got), summary(own))
				}
				if g, q := w.tbl.gets.Load(), w.tbl.queries.Load(); g != 0 || q != 2 {
					t.Fatalf("%d GetItem and %d Query, want 0 and 2 (the record, the pending credits)", g, q)
				}
			})
		}
	}
	refused := []struct {
		name   string
		caller identity.Caller
		holder string
		year   int
		kind   fault.Kind
		code   string
	}{
		{"ErrAnonymous", identity.Caller{}, w.ids["ana"], 2028, fault.Unauthenticated, "unauthenticated"},
		{"ErrHolder", holderCaller("ana"), w.ids["ana"], 2028, fault.Forbidden, "forbidden"},
		{"ErrProvider", identity.Caller{Sub: "sub-acme", Roles: []string{identity.RoleProvider}}, w.ids["ana"], 2028, fault.Forbidden, "forbidden"},
		{"ErrNoSuchHolder", staff, "H-0000000000", 2028, fault.NotFound, "holder_not_found"},
		{"ErrYear", staff, w.ids["ana"], transcript.MaxYear + 1, fault.Invalid, "invalid_request"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.svc.StatusOf(t.Context(), tt.caller, tt.holder, tt.year)
			if fe, ok := fault.As(err); !ok || fe.Kind != tt.kind || fe.Code != tt.code {
				t.Fatalf("got %v, want kind %d %s", err, tt.kind, tt.code)
			}
		})
	}
}
