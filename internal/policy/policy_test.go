package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
)

func TestLoad_Default(t *testing.T) {
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatalf("shipped policy does not load: %v", err)
	}
	want := map[string]cec.Hours{"CAM": cec.Of(6), "NALP": cec.Of(3), "CAPS": cec.Of(6), "CAS": cec.Of(3), "AIME": cec.Of(3)}
	for code, h := range want {
		c, ok := p.Credential(code)
		if !ok || c.CECsPerPeriod != h {
			t.Errorf("credential %s: got %+v (known %v), want %v CECs", code, c, ok, h)
		}
	}
	if pr := p.Programs; pr.Currency != "USD" || pr.ApplicationFeePerCecCents != 5000 || pr.LateFeePerCecCents != 2500 ||
		pr.LateWithinDays != 30 || pr.Refundable || pr.MinContactHours != 50 || pr.MaxContactHours != cec.Of(100) {
		t.Errorf("programs policy %+v", pr)
	}
	if got := p.Association.Location().String(); got != "America/New_York" {
		t.Errorf("time zone %q", got)
	}
}

func TestLoad_Invalid(t *testing.T) {
	base := string(cecportal.DefaultPolicy)
	for _, tc := range []struct {
		name, old, new, field string
	}{
		{"UnknownField", "  shortName: AMI", "  shortNme: AMI", "shortNme"},
		{"BadZone", "America/New_York", "Mars/Olympus", "association.timeZone"},
		{"NoName", "  name: Apartment Management Institute", "  name: \"\"", "association.name"},
		{"BadHours", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 1.234\n  - code: NALP", "cecsPerYear"},
		{"ZeroHours", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 0\n  - code: NALP", "credentials[0].cecsPerYear"},
		{"DupCode", "code: NALP", "code: CAM", "credentials[1].code"},
		{"LowerCode", "code: NALP", "code: nalp", "credentials[1].code"},
		{"BadEmail", "cec@example.org", "not-an-address", "association.supportEmail"},
		{"LogoInAnotherFolder", "  supportEmail: cec@example.org", "  supportEmail: cec@example.org\n  logo: ../secrets/logo.svg", "association.logo"},
		{"LogoNotAnImage", "  supportEmail: cec@example.org", "  supportEmail: cec@example.org\n  logo: logo.exe", "association.logo"},
		{"ColourNotHex", "  supportEmail: cec@example.org", "  supportEmail: cec@example.org\n  colours: {accent: navy}", "association.colours.accent"},
		{"ColourTextUnreadable", "  supportEmail: cec@example.org", "  supportEmail: cec@example.org\n  colours: {accent: \"#1f4e79\", accentText: \"#2a5f8f\"}", "association.colours.accentText"},
		{"ColourTooLightForLinks", "  supportEmail: cec@example.org", "  supportEmail: cec@example.org\n  colours: {accent: \"#8fb8de\", accentText: \"#000000\"}", "association.colours.accent"},
		{"BadCurrency", "currency: USD", "currency: dollars", "programs.currency"},
		{"NegativeFee", "applicationFeePerCecCents: 5000", "applicationFeePerCecCents: -1", "programs.applicationFeePerCecCents"},
		{"LateWindow", "lateWithinDays: 30", "lateWithinDays: 400", "programs.lateWithinDays"},
		{"MissingPrograms", "\n# Provider program applications", "\nx: 1\n# Provider program applications", "x"},
		{"MaxBelowMin", "maxContactHours: 100", "maxContactHours: 0.25", "programs.maxContactHours"},
		{"Window", "reportingWindowDays: 45", "reportingWindowDays: 0", "attendance.reportingWindowDays"},
		{"FeeDate", `from: "2021-09-01"`, `from: "2021-13-01"`, "attendance.filingFees[1].from"},
		{"FeeOrder", `from: "2021-09-01"`, `from: "1999-09-01"`, "attendance.filingFees[1].from"},
		{"NegativeFee", "guestCents: 1000", "guestCents: -1", "attendance.filingFees[0]"},
		{"Category", "category: other\n    documentation: [education]\n  - code: housing", "category: elsewhere\n    documentation: [education]\n  - code: housing", "activityKinds[5].category"},
		{"DocGroup", "documentation: [education]\n  - code: association_course", "documentation: [paperwork]\n  - code: association_course", "activityKinds[0].documentation"},
		{"ItemKeyWithoutCap", "    perItemCecs: 1\n    itemKey: event\n", "    itemKey: event\n", "activityKinds[3].itemKey"},
		{"KindTwice", "code: college_course", "code: national_conference", "activityKinds[5].code"},
		{"RefusedAndAccepted", "code: corporate_in_house_training", "code: college_course", "notAccepted[0].code"},
		// Half of 2.55 CECs is 1.275: not a whole number of hundredths.
		{"ShareNotExact", "cecsPerYear: 3\n  - code: AIME", "cecsPerYear: 2.55\n  - code: AIME", "credentials[3].cecsPerYear"},
		{"AuditRate", "auditRatePercent: 10", "auditRatePercent: 101", "renewal.auditRatePercent"},
		{"ProgramKindUnknown", "programKind: association_course", "programKind: webinar", "renewal.programKind"},
		{"DuesMissing", "    AIME: 5000\n", "", "renewalInvoices.duesCents.AIME"},
		{"DuesUnknown", "    AIME: 5000\n", "    AIME: 5000\n    XYZ: 100\n", "renewalInvoices.duesCents.XYZ"},
		{"DuesZero", "    CAM: 12500", "    CAM: 0", "renewalInvoices.duesCents.CAM"},
		{"IssueOn", `issueOn: "11-01"`, `issueOn: "11-31"`, "renewalInvoices.issueOn"},
		{"GraceBeforeDue", `dueOn: "01-01"`, `dueOn: "04-01"`, "renewalInvoices.graceUntil"},
		{"Reinstatement", "reinstatementFeeCents: 5000", "reinstatementFeeCents: -5", "renewalInvoices.reinstatementFeeCents"},
		{"RemindersMissing", "  renewalDueDaysBefore: [60, 30, 7]\n", "", "reminders.renewalDueDaysBefore"},
		{"ReminderAfterDeadline", "attendanceDaysAfterEnd: [30, 40]", "attendanceDaysAfterEnd: [30, 45]", "reminders.attendanceDaysAfterEnd[1]"},
		{"ReminderTwice", "applicationFeeDaysAfterInvoice: [7, 14]", "applicationFeeDaysAfterInvoice: [7, 7]", "reminders.applicationFeeDaysAfterInvoice[1]"},
		{"ReminderZero", "cecsOutstandingDaysBefore: [60, 30, 7]", "cecsOutstandingDaysBefore: [0]", "reminders.cecsOutstandingDaysBefore[0]"},
		{"ProgramKindOther", "programKind: association_course", "programKind: college_course", "renewal.programKind"},
		{"RollingTooLong", "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  rollingMonthsBeforeDue: 61", "renewal.rollingMonthsBeforeDue"},
		{"MinimumAboveRequirement", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 6\n    associationMinimumCecs: 7\n  - code: NALP", "credentials[0].associationMinimumCecs"},
		{"MinimumNotHundredths", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 6\n    associationMinimumCecs: 2.555\n  - code: NALP", "credentials[0].associationMinimumCecs"},
		{"CapGroupUnknownKind", "\n# Never accepted", "\ncapGroups:\n  - code: participation\n    name: Participation\n    kinds: [association_board, webinar]\n    capCecs: 2\n# Never accepted", "capGroups[0].kinds[1]"},
		{"CapGroupNoCap", "\n# Never accepted", "\ncapGroups:\n  - code: participation\n    name: Participation\n    kinds: [association_board]\n    capCecs: 0\n# Never accepted", "capGroups[0].capCecs"},
		{"RollingNotAYear", "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  rollingMonthsBeforeDue: 18", "renewal.rollingMonthsBeforeDue"},
		{"RollingFromLeapDay", "  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  rollingMonthsBeforeDue: 12", "renewalInvoices.dueOn"},
		{"CapGroupMixedCategories", "\n# Never accepted", "\ncapGroups:\n  - code: boards\n    name: Boards\n    kinds: [association_board, housing_board_service]\n    capCecs: 2\n# Never accepted", "capGroups[0].kinds[1]"},
		{"CapGroupsOverlap", "\n# Never accepted", "\ncapGroups:\n  - code: g1\n    name: G1\n    kinds: [association_board]\n    capCecs: 2\n  - code: g2\n    name: G2\n    kinds: [association_course, association_board]\n    capCecs: 2\n# Never accepted", "capGroups[1].kinds[1]"},
		{"CountsOncePerItem", "    perItemCecs: 1\n    itemKey: organisation\n", "    perItemCecs: 1\n    itemKey: organisation\n    countsOnce: true\n", "activityKinds[2].countsOnce"},
		{"MinimumBelowASmallerCredentials", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 6\n    associationMinimumCecs: 1\n  - code: NALP", "credentials[0].associationMinimumCecs"},
		{"CapGroupNoName", "\n# Never accepted", "\ncapGroups:\n  - code: participation\n    name: \"\"\n    kinds: [association_board]\n    capCecs: 2\n# Never accepted", "capGroups[0].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, tc.old, tc.new, 1)
			if tc.name == "RollingFromLeapDay" {
				doc = strings.Replace(doc, `dueOn: "01-01"`, `dueOn: "02-29"`, 1)
			}
			if doc == base {
				t.Fatalf("test edit %q not applied", tc.old)
			}
			_, err := policy.Load([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v does not name %q", err, tc.field)
			}
		})
	}
}

func TestRenewalInvoices_Calendar(t *testing.T) {
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	r, loc := p.RenewalInvoices, p.Association.Location()
	if r.Currency != "USD" || r.DuesCents["CAM"] != 12500 || r.DuesCents["AIME"] != 5000 || r.ReinstatementFeeCents != 5000 {
		t.Errorf("renewal invoices %+v", r)
	}
	for _, tc := range []struct {
		got  time.Time
		want string
	}{{r.IssueDate(2027, loc), "2026-11-01"}, {r.DueDate(2027, loc), "2027-01-01"}, {r.GraceDate(2027, loc), "2027-03-31"}} {
		if tc.got.Location() != loc || tc.got.Format(time.DateOnly) != tc.want || tc.got.Hour() != 0 {
			t.Errorf("got %v, want %s midnight in %s", tc.got, tc.want, loc)
		}
	}
}

func TestAttendance_FilingFeeOn(t *testing.T) {
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		day           string
		member, guest int64
	}{
		{"2021-08-31", 500, 1000}, // the last day of the old schedule
		{"2021-09-01", 0, 0},      // from 1 September 2021 on: none
		{"2019-01-15", 500, 1000},
		{"2027-03-10", 0, 0},
	} {
		d, _ := time.Parse(time.DateOnly, tc.day)
		f, ok := p.Attendance.FilingFeeOn(d)
		if !ok || f.MemberCents != tc.member || f.GuestCents != tc.guest {
			t.Errorf("%s: %+v %v, want member %d guest %d", tc.day, f, ok, tc.member, tc.guest)
		}
	}
	if _, ok := p.Attendance.FilingFeeOn(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("a fee before the schedule starts")
	}
}

// TestExamples_Load: every policy under policy/examples loads.
func TestExamples_Load(t *testing.T) {
	for _, name := range []string{"sleep-technologists.yaml", "naaei-2021.yaml", "brpt-recertification.yaml"} {
		if _, err := policy.LoadFile("../../policy/examples/" + name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWindow: calendar years by default; a rolling span before the due
// date when renewal.rollingMonthsBeforeDue says so.
func TestWindow(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	shipped, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	rolling, err := policy.Load([]byte(strings.Replace(strings.Replace(string(cecportal.DefaultPolicy),
		"  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  rollingMonthsBeforeDue: 12", 1), `dueOn: "01-01"`, `dueOn: "03-15"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p        *policy.Policy
		from, to string
		words    string
	}{
		{shipped, "2027-01-01", "2027-12-31", "in 2027"},
		// Due 15 March 2028: the 12 months before it.
		{rolling, "2027-03-15", "2028-03-14", "from March 15, 2027 to March 14, 2028"},
	} {
		r := tc.p.Period(2028, nil)
		if r.From != day(tc.from) || r.To != day(tc.to) || r.WindowWords() != tc.words {
			t.Errorf("window %s to %s (%q), want %s to %s (%q)", r.From, r.To, r.WindowWords(), tc.from, tc.to, tc.words)
		}
		if !r.Contains(day(tc.from).Add(23*time.Hour)) || r.Contains(day(tc.from).AddDate(0, 0, -1)) ||
			!r.Contains(day(tc.to)) || r.Contains(day(tc.to).AddDate(0, 0, 1)) {
			t.Errorf("Contains disagrees with %s to %s", tc.from, tc.to)
		}
	}
	// The coming renewal: the year after today's with calendar windows;
	// with the rolling one, the first whose window has not ended (on 15
	// February 2027 the 2027 renewal, due 15 March, still takes CECs).
	for _, tc := range []struct {
		p     *policy.Policy
		today string
		want  int
	}{
		{shipped, "2027-02-15", 2028}, {shipped, "2027-12-31", 2028},
		{rolling, "2027-02-15", 2027}, {rolling, "2027-03-14", 2027}, {rolling, "2027-03-15", 2028}, {rolling, "2027-12-31", 2028},
	} {
		if got := tc.p.ComingPeriod(day(tc.today), nil).Year; got != tc.want {
			t.Errorf("coming renewal on %s: %d, want %d", tc.today, got, tc.want)
		}
	}
}
