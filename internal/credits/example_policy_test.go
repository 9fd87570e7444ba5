package credits_test

// Hand-worked renewal years judged with policy/examples/sleep-technologists.yaml,
// a second association's policy: the requirement, the share of other
// sources, the compliance minimum, the caps, the kinds, the documentation,
// the not-accepted list and the vendor restriction all come from the file.

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

const exPolicyFile = "../../policy/examples/sleep-technologists.yaml"

// exRenewal is the renewal year of every example: it accepts CECs earned
// in 2024.
const exRenewal = 2025

func exPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.LoadFile(exPolicyFile)
	if err != nil {
		t.Fatalf("example policy does not load: %v", err)
	}
	return p
}

// exEdited loads the example policy with one text edit applied.
func exEdited(t *testing.T, old, new string) *policy.Policy {
	t.Helper()
	b, err := os.ReadFile(exPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), old, new, 1)
	if doc == string(b) {
		t.Fatalf("edit %q not applied", old)
	}
	p, err := policy.Load([]byte(doc))
	if err != nil {
		t.Fatalf("edited example policy does not load: %v", err)
	}
	return p
}

func exShipped(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func exH(s string) cec.Hours {
	v, err := cec.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// exDocFor is a documentation type the example policy accepts for kind.
var exDocFor = map[string]string{
	"aast_committee":      "committee_roster",
	"poster_presentation": "abstract_acceptance_letter",
	"hospital_inservice":  "inservice_sign_in_sheet",
	"journal_quiz":        "quiz_score_report",
}

type exOpt func(*credits.Activity)

// exAct is a documented self-reported activity earned on day (YYYY-MM-DD).
func exAct(id, kind, day, hours string, opts ...exOpt) credits.Activity {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	doc := exDocFor[kind]
	if doc == "" {
		doc = "certificate_of_completion"
	}
	x := credits.Activity{ID: id, Source: credits.SelfReported, Kind: kind, Title: "Activity " + id,
		Organisation: "Organisation " + id, Date: d, Hours: exH(hours), DocumentationType: doc, DocumentationRef: "doc-" + id}
	for _, o := range opts {
		o(&x)
	}
	return x
}

func exCompliance(x *credits.Activity) { x.Compliance = true }
func exDoc(t string) exOpt             { return func(x *credits.Activity) { x.DocumentationType = t } }
func exOrg(name string) exOpt          { return func(x *credits.Activity) { x.Organisation = name } }
func exTitle(name string) exOpt        { return func(x *credits.Activity) { x.Title = name } }
func exCreditedProgram(x *credits.Activity) {
	x.Source, x.DocumentationType, x.DocumentationRef = credits.Credited, "", ""
}
func exVendor(v string, throughAffiliate bool) exOpt {
	return func(x *credits.Activity) { x.Vendor, x.PurchasedThroughAffiliate = v, throughAffiliate }
}

// exVerdicts renders verdicts as id:status[:counts when capped][:reason].
func exVerdicts(y credits.Year) string {
	var out []string
	for _, v := range y.Verdicts {
		s := v.ActivityID + ":" + string(v.Status)
		if v.Status == credits.Capped {
			s += ":" + v.Counts.String()
		}
		if v.Reason != "" {
			s += ":" + v.Reason
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func exShortfalls(y credits.Year) string {
	var out []string
	for _, s := range y.Shortfalls {
		out = append(out, s.Rule+"="+s.Missing.String())
	}
	return strings.Join(out, " ")
}

// exWant is a hand-worked year: required, association, other, counted,
// compliance and outstanding as decimals.
type exWant struct {
	required, association, other, counted, compliance, outstanding string
	met                                                            bool
	verdicts, shortfalls                                           string
}

func exCheck(t *testing.T, y credits.Year, w exWant) {
	t.Helper()
	got := exWant{y.Required.String(), y.Association.String(), y.Other.String(), y.Counted.String(),
		y.Compliance.String(), y.Outstanding.String(), y.Met, exVerdicts(y), exShortfalls(y)}
	if w.verdicts == "" {
		got.verdicts = ""
	}
	if got != w {
		t.Errorf("year\n got %+v\nwant %+v", got, w)
	}
}

func TestExamplePolicy_Loads(t *testing.T) {
	p := exPolicy(t)
	if p.Association.Name != "American Association of Sleep Technologists" || p.Association.Location().String() != "America/Chicago" {
		t.Errorf("association %+v in %v", p.Association, p.Association.Location())
	}
	for code, want := range map[string]string{"RPSGT": "10", "CPSGT": "8", "CCSH": "10", "RST": "6"} {
		if c, ok := p.Credential(code); !ok || c.CECsPerPeriod != exH(want) {
			t.Errorf("credential %s: %+v (known %v), want %s CECs", code, c, ok, want)
		}
	}
	if _, ok := p.Credential("CAM"); ok {
		t.Error("the shipped credential CAM is known to the example policy")
	}
	if r := p.Renewal; r.EarnedYearsBefore != 1 || r.OtherMaxPercent != 25 || r.ComplianceMinimumCECs != exH("2") || r.AuditRatePercent != 5 {
		t.Errorf("renewal %+v", r)
	}
	if pr := p.Programs; pr.ApplicationFeePerCecCents != 3500 || pr.LateFeePerCecCents != 1500 || pr.LateWithinDays != 21 ||
		pr.MinContactHours != exH("0.25") || pr.MaxContactHours != exH("40") {
		t.Errorf("programs %+v", pr)
	}
	if f, ok := p.Attendance.FilingFeeOn(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); !ok || f.MemberCents != 200 || f.GuestCents != 600 {
		t.Errorf("filing fee on 2024-07-01: %+v %v", f, ok)
	}
	for _, k := range []struct{ code, category, perItem, yearCap, itemKey string }{
		{"association_course", policy.CategoryAssociation, "0", "0", ""},
		{"aast_annual_meeting", policy.CategoryAssociation, "0", "0", ""},
		{"aast_webinar", policy.CategoryAssociation, "0", "0", ""},
		{"aast_committee", policy.CategoryAssociation, "1", "2", policy.ItemOrganisation},
		{"journal_quiz", policy.CategoryOther, "0", "4", ""},
		{"poster_presentation", policy.CategoryOther, "2", "0", policy.ItemEvent},
		{"hospital_inservice", policy.CategoryOther, "0", "0", ""},
	} {
		got, ok := p.ActivityKind(k.code)
		if !ok || got.Category != k.category || got.PerItemCECs != exH(k.perItem) || got.PeriodCapCECs != exH(k.yearCap) || got.ItemKey != k.itemKey {
			t.Errorf("kind %s: %+v (known %v), want %+v", k.code, got, ok, k)
		}
	}
	if _, ok := p.Refused("cpr_bls_certification"); !ok {
		t.Error("cpr_bls_certification is not on the not-accepted list")
	}
}

// TestExamplePolicy_ShareMustBeExact: the loader refuses a credential whose
// share from other sources (cecsPerYear × 25%) is not whole hundredths.
func TestExamplePolicy_ShareMustBeExact(t *testing.T) {
	b, err := os.ReadFile(exPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "cecsPerYear: 6\n", "cecsPerYear: 6.1\n", 1)
	if doc == string(b) {
		t.Fatal("edit not applied")
	}
	_, err = policy.Load([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "credentials[3].cecsPerYear") {
		t.Fatalf("6.1 × 25%% = 1.525 CECs loaded: err %v", err)
	}
}

func TestExamplePolicy_Judge(t *testing.T) {
	p := exPolicy(t)
	rpsgt, cpsgt, rst := []string{"RPSGT"}, []string{"CPSGT"}, []string{"RST"}
	for _, tc := range []struct {
		name  string
		creds []string
		acts  []credits.Activity
		want  exWant
	}{
		{name: "RPSGTMet", creds: rpsgt, acts: []credits.Activity{
			// 10 required, at most 2.5 from other sources, 2 compliance.
			exAct("1", "aast_annual_meeting", "2024-03-14", "5.5"),
			exAct("2", "aast_webinar", "2024-05-02", "2", exCompliance, exDoc("ceu_transcript")),
			exAct("3", "journal_quiz", "2024-02-01", "1.5"),
			exAct("4", "journal_quiz", "2024-06-01", "1.5"),
			exAct("5", "poster_presentation", "2024-03-14", "3", exTitle("Scoring pediatric PSGs")),
		}, want: exWant{"10", "7.5", "5", "10", "2", "0", true,
			"1:counted 2:counted 3:counted 4:counted 5:capped:2:per_item_cap", ""}},
		{name: "OtherShareIsAQuarter", creds: rpsgt, acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "6", exCompliance),
			exAct("2", "hospital_inservice", "2024-08-20", "4", exDoc("supervisor_attestation")),
		}, want: exWant{"10", "6", "4", "8.5", "6", "1.5", false,
			"1:counted 2:counted", "total=1.5 association_minimum=1.5"}},
		{name: "ComplianceMinimumIsTwo", creds: rpsgt, acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "8"),
			exAct("2", "aast_webinar", "2024-04-01", "1", exCompliance),
			exAct("3", "hospital_inservice", "2024-08-20", "1"),
		}, want: exWant{"10", "9", "1", "10", "1", "0", false, "", "compliance_minimum=1"}},
		{name: "OtherComplianceOnlyAsFarAsOtherCounts", creds: cpsgt, acts: []credits.Activity{
			// CPSGT: 8 required, at most 2 from other sources.
			exAct("1", "aast_annual_meeting", "2024-03-14", "6"),
			exAct("2", "hospital_inservice", "2024-08-20", "3", exCompliance),
		}, want: exWant{"8", "6", "3", "8", "2", "0", true, "", ""}},
		{name: "JournalQuizYearCap", creds: cpsgt, acts: []credits.Activity{
			exAct("1", "association_course", "2024-09-09", "6", exCompliance, exCreditedProgram),
			exAct("2", "journal_quiz", "2024-01-15", "1"),
			exAct("3", "journal_quiz", "2024-02-15", "1"),
			exAct("4", "journal_quiz", "2024-03-15", "1"),
			exAct("5", "journal_quiz", "2024-04-15", "1"),
			exAct("6", "journal_quiz", "2024-05-15", "1"),
		}, want: exWant{"8", "6", "4", "8", "6", "0", true,
			"1:counted 2:counted 3:counted 4:counted 5:counted 6:capped:0:year_cap", ""}},
		{name: "CommitteeCaps", creds: rst, acts: []credits.Activity{
			// RST: 6 required. 1 CEC a committee, 2 a year.
			exAct("1", "aast_committee", "2024-01-10", "1.5", exOrg("Scoring Committee")),
			exAct("2", "aast_committee", "2024-02-10", "1", exOrg("  scoring   COMMITTEE ")),
			exAct("3", "aast_committee", "2024-03-10", "1", exOrg("Ohio Sleep Society Board")),
			exAct("4", "aast_committee", "2024-04-10", "1", exOrg("Texas Sleep Society Board")),
			exAct("5", "aast_webinar", "2024-05-10", "4", exCompliance),
		}, want: exWant{"6", "6", "0", "6", "4", "0", true,
			"1:capped:1:per_item_cap 2:capped:0:per_item_cap 3:counted 4:capped:0:year_cap 5:counted", ""}},
		{name: "PosterPerEvent", creds: rpsgt, acts: []credits.Activity{
			exAct("1", "poster_presentation", "2024-06-10", "1.5", exTitle("Scoring pediatric PSGs")),
			exAct("2", "poster_presentation", "2024-06-10", "1.5", exTitle("SCORING  PEDIATRIC PSGS")),
			exAct("3", "poster_presentation", "2024-11-02", "1", exTitle("Scoring pediatric PSGs")),
			exAct("4", "aast_annual_meeting", "2024-06-10", "7.5", exCompliance),
		}, want: exWant{"10", "7.5", "3", "10", "7.5", "0", true,
			"1:counted 2:capped:0.5:per_item_cap 3:counted 4:counted", ""}},
		{name: "Refusals", creds: rpsgt, acts: []credits.Activity{
			exAct("1", "aast_webinar", "2023-12-31", "2", exCompliance),
			exAct("2", "aast_webinar", "2025-01-01", "2", exCompliance),
			exAct("3", "cpr_bls_certification", "2024-03-01", "4", exCompliance),
			exAct("4", "national_conference", "2024-03-01", "4", exCompliance), // a kind of the shipped policy
			exAct("5", "aast_webinar", "2024-04-01", "2", exCompliance, exVendor("sleepce  online", false)),
			exAct("6", "aast_webinar", "2024-04-01", "2", exCompliance, exVendor("SleepCE Online", true)),
			exAct("7", "hospital_inservice", "2024-05-01", "2", exDoc("certificate_of_completion")),
			exAct("8", "association_course", "2024-06-01", "3", exCreditedProgram),
			exAct("9", "aast_webinar", "2024-04-01", "2", exCompliance, exVendor("Example Online Academy", false)), // restricted by the shipped policy only
		}, want: exWant{"10", "7", "0", "7", "4", "3", false,
			"1:refused:outside_window 2:refused:outside_window 3:refused:kind_not_accepted 4:refused:kind_not_accepted " +
				"5:refused:vendor_not_purchased_through_affiliate 6:counted 7:refused:documentation_unfit 8:counted 9:counted",
			"total=3 association_minimum=0.5"}},
		{name: "LargestRequirementNotSum", creds: []string{"RPSGT", "CPSGT", "CCSH", "RST"},
			acts: []credits.Activity{exAct("1", "aast_annual_meeting", "2024-03-14", "10", exCompliance)},
			want: exWant{"10", "10", "0", "10", "10", "0", true, "", ""}},
		{name: "ShippedCredentialUnknownHere", creds: []string{"CAM"},
			acts: []credits.Activity{},
			want: exWant{"0", "0", "0", "0", "0", "0", true, "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exCheck(t, judge(p, exRenewal, tc.creds, tc.acts), tc.want)
		})
	}

	t.Run("OtherLimitByCredential", func(t *testing.T) {
		for creds, want := range map[string]string{"RPSGT": "2.5", "CPSGT": "2", "RST": "1.5", "CPSGT RST": "2", "CCSH RPSGT": "2.5"} {
			if got := judge(p, exRenewal, strings.Fields(creds), nil).OtherLimit; got != exH(want) {
				t.Errorf("%s: other limit %s, want %s", creds, got, want)
			}
		}
	})
}

// TestExamplePolicy_AgainstShipped judges the same holder (who holds CAM of
// the shipped policy and RPSGT of the example) and the same activities,
// whose kinds both files know, with each file: the verdicts differ only
// because the files' numbers and lists do.
func TestExamplePolicy_AgainstShipped(t *testing.T) {
	sleep, shipped := exPolicy(t), exShipped(t)
	creds := []string{"CAM", "RPSGT"}
	for _, tc := range []struct {
		name               string
		acts               []credits.Activity
		withSleep, withAMI exWant
	}{
		{name: "MetByShippedNotByExample", acts: []credits.Activity{
			exAct("1", "association_course", "2024-02-10", "1", exCompliance),
			exAct("2", "association_course", "2024-03-10", "5"),
			exAct("3", "college_course", "2024-09-01", "5"),
		},
			// 10 required, other limited to 2.5, 2 compliance.
			withSleep: exWant{"10", "6", "5", "8.5", "1", "1.5", false, "1:counted 2:counted 3:counted",
				"total=1.5 association_minimum=1.5 compliance_minimum=1"},
			// 6 required, other limited to 3, 1 compliance.
			withAMI: exWant{"6", "6", "5", "9", "1", "0", true, "1:counted 2:counted 3:counted", ""}},
		{name: "MetByExampleNotByShipped", acts: []credits.Activity{
			exAct("1", "association_course", "2024-02-10", "5", exCompliance, exVendor("Example Online Academy", false)),
			exAct("2", "association_course", "2024-04-10", "2.5", exCompliance, exDoc("ceu_transcript")),
			exAct("3", "college_course", "2024-09-01", "2.5"),
		},
			withSleep: exWant{"10", "7.5", "2.5", "10", "7.5", "0", true, "1:counted 2:counted 3:counted", ""},
			withAMI: exWant{"6", "0", "2.5", "2.5", "0", "3.5", false,
				"1:refused:vendor_not_purchased_through_affiliate 2:refused:documentation_unfit 3:counted",
				"total=3.5 association_minimum=3 compliance_minimum=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exCheck(t, judge(sleep, exRenewal, creds, tc.acts), tc.withSleep)
			exCheck(t, judge(shipped, exRenewal, creds, tc.acts), tc.withAMI)
		})
	}
}

// TestExamplePolicy_NumbersFromFile changes one number of the file and
// judges the same year again: the verdict follows the file.
func TestExamplePolicy_NumbersFromFile(t *testing.T) {
	p := exPolicy(t)
	rpsgt := []string{"RPSGT"}
	for _, tc := range []struct {
		name          string
		old, new      string
		acts          []credits.Activity
		before, after exWant
	}{
		{name: "OtherMaxPercent", old: "otherMaxPercent: 25", new: "otherMaxPercent: 50", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "6", exCompliance),
			exAct("2", "hospital_inservice", "2024-08-20", "4"),
		},
			before: exWant{"10", "6", "4", "8.5", "6", "1.5", false, "", "total=1.5 association_minimum=1.5"},
			after:  exWant{"10", "6", "4", "10", "6", "0", true, "", ""}},
		{name: "ComplianceMinimum", old: "complianceMinimumCecs: 2", new: "complianceMinimumCecs: 1", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "9"),
			exAct("2", "aast_webinar", "2024-04-01", "1", exCompliance),
		},
			before: exWant{"10", "10", "0", "10", "1", "0", false, "", "compliance_minimum=1"},
			after:  exWant{"10", "10", "0", "10", "1", "0", true, "", ""}},
		{name: "CredentialRequirement", old: "cecsPerYear: 10\n  - code: CPSGT", new: "cecsPerYear: 8\n  - code: CPSGT", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "6", exCompliance),
			exAct("2", "journal_quiz", "2024-04-01", "2"),
		},
			before: exWant{"10", "6", "2", "8", "6", "2", false, "", "total=2 association_minimum=1.5"},
			after:  exWant{"8", "6", "2", "8", "6", "0", true, "", ""}},
		{name: "YearCap", old: "yearCapCecs: 4", new: "yearCapCecs: 1", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "7.5", exCompliance),
			exAct("2", "journal_quiz", "2024-01-15", "1"),
			exAct("3", "journal_quiz", "2024-02-15", "1"),
			exAct("4", "journal_quiz", "2024-03-15", "1"),
		},
			before: exWant{"10", "7.5", "3", "10", "7.5", "0", true, "1:counted 2:counted 3:counted 4:counted", ""},
			after: exWant{"10", "7.5", "1", "8.5", "7.5", "1.5", false,
				"1:counted 2:counted 3:capped:0:year_cap 4:capped:0:year_cap", "total=1.5"}},
		{name: "PerItemCap", old: "perItemCecs: 2", new: "perItemCecs: 3", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "7.5", exCompliance),
			exAct("2", "poster_presentation", "2024-03-14", "3"),
		},
			before: exWant{"10", "7.5", "2", "9.5", "7.5", "0.5", false, "1:counted 2:capped:2:per_item_cap", "total=0.5"},
			after:  exWant{"10", "7.5", "3", "10", "7.5", "0", true, "1:counted 2:counted", ""}},
		{name: "Window", old: "earnedYearsBefore: 1", new: "earnedYearsBefore: 0", acts: []credits.Activity{
			exAct("1", "aast_annual_meeting", "2024-03-14", "10", exCompliance),
		},
			before: exWant{"10", "10", "0", "10", "10", "0", true, "1:counted", ""},
			after: exWant{"10", "0", "0", "0", "0", "10", false, "1:refused:outside_window",
				"total=10 association_minimum=7.5 compliance_minimum=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exCheck(t, judge(p, exRenewal, rpsgt, tc.acts), tc.before)
			exCheck(t, judge(exEdited(t, tc.old, tc.new), exRenewal, rpsgt, tc.acts), tc.after)
		})
	}
}
