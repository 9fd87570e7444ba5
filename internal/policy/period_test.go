package policy_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func brpt(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.LoadFile("../../policy/examples/brpt-recertification.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// threeYears is the shipped policy with requirements over three calendar
// years (2024–2026, 2027–2029, …), three times the yearly ones, and a first
// period prorated by the month a credential was earned.
func threeYears(t *testing.T) *policy.Policy {
	t.Helper()
	doc := string(cecportal.DefaultPolicy)
	for _, r := range [][2]string{
		{"cecsPerYear: 6", "cecsPerPeriod: 18"}, {"cecsPerYear: 3", "cecsPerPeriod: 9"},
		{"  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodYears: 3\n  periodStartYear: 2024\n  prorateFirstPeriod: true"},
		{"yearCapCecs", "periodCapCecs"},
	} {
		doc = strings.ReplaceAll(doc, r[0], r[1])
	}
	p, err := policy.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPeriod: a holder's renewal period under each anchor, hand-worked.
func TestPeriod(t *testing.T) {
	b, three := brpt(t), threeYears(t)
	held := func(pairs ...string) []policy.Held {
		var out []policy.Held
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, policy.Held{Code: pairs[i], EarnedOn: day(pairs[i+1])})
		}
		return out
	}
	for _, tc := range []struct {
		name              string
		p                 *policy.Policy
		year              int
		held              []policy.Held
		wantYear          int
		from, to, due     string
		issue, grace      string
		required, minimum cec.Hours
		prorated          bool
		words, span       string
	}{
		{"BRPTFirstCycle", b, 2028, held("RPSGT", "2023-03-15"), 2028, "2023-03-15", "2028-03-14", "2028-03-15",
			"2027-11-16", "2028-05-14", cec.Of(50), 0, false, "from March 15, 2023 to March 14, 2028", "in a 5-year cycle"},
		// No renewal due in 2026: the cycle in progress, due in 2028.
		{"BRPTMidCycle", b, 2026, held("RPSGT", "2023-03-15"), 2028, "2023-03-15", "2028-03-14", "2028-03-15",
			"2027-11-16", "2028-05-14", cec.Of(50), 0, false, "from March 15, 2023 to March 14, 2028", "in a 5-year cycle"},
		{"BRPTSecondCycle", b, 2029, held("RPSGT", "2023-03-15"), 2033, "2028-03-15", "2033-03-14", "2033-03-15",
			"2032-11-15", "2033-05-14", cec.Of(50), 0, false, "from March 15, 2028 to March 14, 2033", "in a 5-year cycle"},
		{"BRPTBeforeEarned", b, 2019, held("RPSGT", "2023-03-15"), 2028, "2023-03-15", "2028-03-14", "2028-03-15",
			"2027-11-16", "2028-05-14", cec.Of(50), 0, false, "from March 15, 2023 to March 14, 2028", "in a 5-year cycle"},
		// A credential earned later joins the first one's cycle.
		{"BRPTSecondCredential", b, 2028, held("CCSH", "2025-06-01", "RPSGT", "2023-03-15"), 2028, "2023-03-15", "2028-03-14", "2028-03-15",
			"2027-11-16", "2028-05-14", cec.Of(50), 0, false, "from March 15, 2023 to March 14, 2028", "in a 5-year cycle"},
		// Earned on 29 February: the anniversary in a common year is 1 March.
		{"BRPTLeapDay", b, 2029, held("RPSGT", "2024-02-29"), 2029, "2024-02-29", "2029-02-28", "2029-03-01",
			"2028-11-01", "2029-04-30", cec.Of(50), 0, false, "from February 29, 2024 to February 28, 2029", "in a 5-year cycle"},
		{"ThreeYearsFull", three, 2027, held("CAM", "2023-05-01"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", cec.Of(18), cec.Of(9), false, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		{"ThreeYearsNotDue", three, 2025, held("CAM", "2023-05-01"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", cec.Of(18), cec.Of(9), false, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		// Earned in June 2025: July 2025 to December 2026 are 18 of the 36
		// months, so half of 18 CECs and half of the 9 from the association.
		{"ThreeYearsProrated", three, 2027, held("CAM", "2025-06-10"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", cec.Of(9), 450, true, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		// 35 months of 36: 18 × 35 / 36 = 17.5; 9 × 35 / 36 = 8.75.
		{"ThreeYearsProratedJanuary", three, 2027, held("CAM", "2024-01-20"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", 1750, 875, true, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		// 7 months of 36: 9 × 7 / 36 = 1.75; its minimum 4.5 × 7 / 36 = 0.875, rounded down.
		{"ThreeYearsRoundsDown", three, 2027, held("NALP", "2026-05-31"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", 175, 87, true, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		// NALP in full (9) and CAM prorated to 9: as large; not prorated.
		{"ThreeYearsTie", three, 2027, held("NALP", "2022-01-01", "CAM", "2025-06-10"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", cec.Of(9), 450, false, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
		// Earned in December of the period's last year: nothing owed in it
		// (prorated to nothing, not "no credential").
		{"ThreeYearsEarnedLast", three, 2027, held("CAM", "2026-12-20"), 2027, "2024-01-01", "2026-12-31", "2027-01-01",
			"2026-11-01", "2027-03-31", 0, 0, true, "from January 1, 2024 to December 31, 2026", "in a 3-year cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.p.Period(tc.year, tc.held)
			for _, c := range []struct {
				what      string
				got, want time.Time
			}{{"from", r.From, day(tc.from)}, {"to", r.To, day(tc.to)}, {"due", r.Due, day(tc.due)}, {"issue", r.Issue, day(tc.issue)}, {"grace", r.Grace, day(tc.grace)}} {
				if !c.got.Equal(c.want) {
					t.Errorf("%s %s, want %s", c.what, c.got.Format(time.DateOnly), c.want.Format(time.DateOnly))
				}
			}
			if r.Year != tc.wantYear || r.Required != tc.required || r.AssociationMinimum != tc.minimum || r.Prorated != tc.prorated {
				t.Errorf("year %d required %s minimum %s prorated %v, want %d %s %s %v", r.Year, r.Required, r.AssociationMinimum, r.Prorated,
					tc.wantYear, tc.required, tc.minimum, tc.prorated)
			}
			if r.WindowWords() != tc.words || r.SpanWords() != tc.span {
				t.Errorf("words %q, %q; want %q, %q", r.WindowWords(), r.SpanWords(), tc.words, tc.span)
			}
			if !r.Contains(r.From) || !r.Contains(r.To.Add(23*time.Hour)) || r.Contains(r.From.AddDate(0, 0, -1)) || r.Contains(r.Due) {
				t.Errorf("Contains disagrees with %s to %s", tc.from, tc.to)
			}
		})
	}
}

// TestComingPeriod: the period whose CECs are earned on a day; a holder's
// own cycle turns over on their anniversary, not on 1 January.
func TestComingPeriod(t *testing.T) {
	b, three := brpt(t), threeYears(t)
	rpsgt := []policy.Held{{Code: "RPSGT", EarnedOn: day("2023-03-15")}}
	for _, tc := range []struct {
		p     *policy.Policy
		held  []policy.Held
		today string
		want  int
	}{
		{b, rpsgt, "2023-03-15", 2028}, {b, rpsgt, "2027-12-31", 2028}, {b, rpsgt, "2028-03-14", 2028},
		{b, rpsgt, "2028-03-15", 2033}, {b, rpsgt, "2020-01-01", 2028},
		{three, nil, "2024-06-01", 2027}, {three, nil, "2026-12-31", 2027}, {three, nil, "2027-01-01", 2030},
	} {
		if got := tc.p.ComingPeriod(day(tc.today), tc.held).Year; got != tc.want {
			t.Errorf("%s on %s: %d, want %d", tc.p.Association.ShortName, tc.today, got, tc.want)
		}
	}
}

// TestLoad_InvalidPeriods: each period field's bad values are refused,
// naming the field.
func TestLoad_InvalidPeriods(t *testing.T) {
	raw, err := os.ReadFile("../../policy/examples/brpt-recertification.yaml")
	if err != nil {
		t.Fatal(err)
	}
	brptDoc, shipped := string(raw), string(cecportal.DefaultPolicy)
	for _, tc := range []struct {
		name, doc, old, new, field string
	}{
		{"UnknownAnchor", brptDoc, "periodAnchor: credential", "periodAnchor: birthday", "renewal.periodAnchor"},
		{"TooLong", brptDoc, "periodYears: 5", "periodYears: 11", "renewal.periodYears"},
		{"YearlyNameForCycle", brptDoc, "cecsPerPeriod: 50\n  - code: CCSH", "cecsPerYear: 50\n  - code: CCSH", "credentials[0].cecsPerYear"},
		{"BothNames", brptDoc, "cecsPerPeriod: 50\n  - code: CCSH", "cecsPerPeriod: 50\n    cecsPerYear: 10\n  - code: CCSH", "credentials[0].cecsPerPeriod"},
		{"YearCapForCycle", brptDoc, "periodCapCecs: 15", "yearCapCecs: 15", "activityKinds[2].yearCapCecs"},
		{"NoIssueDays", brptDoc, "  issueDaysBeforeDue: 120\n", "", "renewalInvoices.issueDaysBeforeDue"},
		{"MonthDayWithAnchor", brptDoc, "  issueDaysBeforeDue: 120\n", "  issueDaysBeforeDue: 120\n  dueOn: \"01-01\"\n", "renewalInvoices.dueOn"},
		{"RollingWithAnchor", brptDoc, "  periodYears: 5\n", "  periodYears: 5\n  rollingMonthsBeforeDue: 60\n", "renewal.rollingMonthsBeforeDue"},
		{"ProrateWithAnchor", brptDoc, "  periodYears: 5\n", "  periodYears: 5\n  prorateFirstPeriod: true\n", "renewal.prorateFirstPeriod"},
		{"UnknownFormat", brptDoc, "formats: [live_online, recorded]", "formats: [live_online, podcast]", "capGroups[0].formats[1]"},
		{"FormatTwice", brptDoc, "formats: [live_online, recorded]", "formats: [live_online, live_online]", "capGroups[0].formats[1]"},
		{"ProgramKindCappedWithFormats", brptDoc, "  - code: approved_course\n    name: Course or meeting session approved for CECs (AAST or another accrediting body)\n",
			"  - code: approved_course\n    name: Course or meeting session approved for CECs (AAST or another accrediting body)\n    periodCapCecs: 40\n", "renewal.programKind"},
		{"ReminderBeforeInvoice", brptDoc, "cecsOutstandingDaysBefore: [90, 60, 30]", "cecsOutstandingDaysBefore: [365, 60, 30]", "reminders.cecsOutstandingDaysBefore[0]"},
		{"CalendarReminderBeforeInvoice", shipped, "renewalDueDaysBefore: [60, 30, 7]", "renewalDueDaysBefore: [62, 30, 7]", "reminders.renewalDueDaysBefore[0]"},
		{"IssueTooLate", brptDoc, "issueDaysBeforeDue: 120", "issueDaysBeforeDue: 10", "renewalInvoices.issueDaysBeforeDue"},
		{"ProgramKindOnceWithFormats", brptDoc, "  - code: approved_course\n    name: Course or meeting session approved for CECs (AAST or another accrediting body)\n",
			"  - code: approved_course\n    name: Course or meeting session approved for CECs (AAST or another accrediting body)\n    countsOnce: true\n", "renewal.programKind"},
		{"NegativeReinstatementWithAnchor", brptDoc, "reinstatementFeeCents: 10000", "reinstatementFeeCents: -1", "renewalInvoices.reinstatementFeeCents"},
		{"DaysWithCalendar", shipped, `graceUntil: "03-31"`, "graceUntil: \"03-31\"\n  issueDaysBeforeDue: 30", "renewalInvoices.issueDaysBeforeDue"},
		{"CalendarCycleNoStart", shipped, "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodYears: 3", "renewal.periodStartYear"},
		{"StartWithYearlyPeriods", shipped, "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodStartYear: 2024", "renewal.periodStartYear"},
		{"RollingShorterThanPeriod", shipped, "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodYears: 2\n  periodStartYear: 2024\n  rollingMonthsBeforeDue: 12", "renewal.rollingMonthsBeforeDue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.doc, tc.old) {
				t.Fatalf("the policy does not contain %q", tc.old)
			}
			_, err := policy.Load([]byte(strings.Replace(tc.doc, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.field+" ") {
				t.Fatalf("got %v, want an error naming %s", err, tc.field)
			}
		})
	}
}
