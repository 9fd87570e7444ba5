package credits_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

func shipped(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func h(s string) cec.Hours {
	v, err := cec.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// a is a documented self-reported activity of kind on day (2026 unless the
// day says otherwise); options tune it.
func a(id, kind, day, hours string, opts ...func(*credits.Activity)) credits.Activity {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	act := credits.Activity{ID: id, Source: credits.SelfReported, Kind: kind, Title: "T " + id, Organisation: "Org " + id,
		Date: d, Hours: h(hours), DocumentationType: "certificate_of_completion", DocumentationRef: "doc-" + id}
	if strings.Contains(kind, "board") || strings.Contains(kind, "instruction") || kind == "published_article" {
		act.DocumentationType = "appointment_letter"
	}
	for _, o := range opts {
		o(&act)
	}
	return act
}

func compliance(x *credits.Activity) { x.Compliance = true }
func org(name string) func(*credits.Activity) {
	return func(x *credits.Activity) { x.Organisation = name }
}
func title(t string) func(*credits.Activity) { return func(x *credits.Activity) { x.Title = t } }
func doc(t string) func(*credits.Activity) {
	return func(x *credits.Activity) { x.DocumentationType = t }
}
func credited(x *credits.Activity) {
	x.Source, x.DocumentationType, x.DocumentationRef = credits.Credited, "", ""
}

// verdicts renders each verdict as id:status[:counts][:reason].
func verdicts(y credits.Year) string {
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

func shortfalls(y credits.Year) string {
	var out []string
	for _, s := range y.Shortfalls {
		out = append(out, s.Rule+"="+s.Missing.String())
	}
	return strings.Join(out, " ")
}

// TestJudge works each rule of SPEC §3 by hand for the 2027 renewal
// (CECs earned in 2026), with the shipped policy.
func TestJudge(t *testing.T) {
	p := shipped(t)
	cam := []string{"CAM"} // 6 CECs: at most 3 from other sources
	for _, tc := range []struct {
		name        string
		creds       []string
		acts        []credits.Activity
		required    string
		counted     string
		association string
		other       string // counted, after the share rule
		compliance  string
		met         bool
		verdicts    string
		shortfalls  string
	}{
		{name: "RequirementIsTheLargestNotTheSum", creds: []string{"NALP", "CAM"}, // 3 and 6 → 6, not 9
			acts:     []credits.Activity{a("1", "association_course", "2026-05-01", "6", compliance)},
			required: "6", counted: "6", association: "6", other: "0", compliance: "6", met: true, verdicts: "1:counted"},
		{name: "NoCredentialNothingRequired", creds: nil, acts: nil, required: "0", counted: "0", association: "0", other: "0", compliance: "0", met: true},
		{name: "WindowEdges", creds: cam, acts: []credits.Activity{
			a("1", "association_course", "2026-01-01", "3", compliance), a("2", "association_course", "2026-12-31", "3"),
			a("3", "association_course", "2025-12-31", "3"), a("4", "association_course", "2027-01-01", "3")},
			required: "6", counted: "6", association: "6", other: "0", compliance: "3", met: true,
			verdicts: "1:counted 2:counted 3:refused:outside_window 4:refused:outside_window"},
		{name: "BoardOnePerBodyThreeAYear", creds: cam, acts: []credits.Activity{
			a("1", "association_board", "2026-02-01", "2", org("Texas AA Board")),
			a("2", "association_board", "2026-03-01", "1", org("  texas aa board ")), // the same board
			a("3", "association_board", "2026-04-01", "1", org("Ethics Committee")),
			a("4", "association_board", "2026-05-01", "1", org("Budget Committee")),
			a("5", "association_board", "2026-06-01", "1", org("Education Committee")), // a fourth body: over 3 a year
			a("6", "association_course", "2026-07-01", "3", compliance)},
			required: "6", counted: "6", association: "6", other: "0", compliance: "3", met: true,
			verdicts: "1:capped:1:per_item_cap 2:capped:0:per_item_cap 3:counted 4:counted 5:capped:0:year_cap 6:counted"},
		{name: "LegislativeEventOneEach", creds: cam, acts: []credits.Activity{
			a("1", "legislative_event", "2026-03-10", "4", title("Capitol Day"), compliance),
			a("2", "legislative_event", "2026-03-10", "1", title("capitol day"), compliance), // the same event
			a("3", "legislative_event", "2026-09-10", "2", title("Capitol Day"), compliance), // another day: another event
			a("4", "association_course", "2026-10-01", "4")},
			required: "6", counted: "6", association: "6", other: "0", compliance: "2", met: true,
			verdicts: "1:capped:1:per_item_cap 2:capped:0:per_item_cap 3:capped:1:per_item_cap 4:counted"},
		{name: "InstructingAtMostThree", creds: cam, acts: []credits.Activity{
			a("1", "association_instruction", "2026-02-01", "2"), a("2", "association_instruction", "2026-03-01", "2"),
			a("3", "national_conference", "2026-04-01", "3", compliance)},
			required: "6", counted: "6", association: "6", other: "0", compliance: "3", met: true,
			verdicts: "1:counted 2:capped:1:year_cap 3:counted"},
		{name: "HalfFromOtherSourcesMet", creds: cam, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "3", compliance), a("2", "college_course", "2026-03-01", "4")},
			required: "6", counted: "6", association: "3", other: "3", compliance: "3", met: true, verdicts: "1:counted 2:counted"},
		{name: "HalfRuleShort", creds: cam, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "2", compliance), a("2", "college_course", "2026-03-01", "4")},
			required: "6", counted: "5", association: "2", other: "3", compliance: "2", met: false, verdicts: "1:counted 2:counted",
			shortfalls: "total=1 association_minimum=1"},
		// NALP needs 3: at most 1.5 from other sources (an odd requirement).
		{name: "OddRequirementHalfMet", creds: []string{"NALP"}, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "1.5", compliance), a("2", "published_article", "2026-03-01", "2")},
			required: "3", counted: "3", association: "1.5", other: "1.5", compliance: "1.5", met: true, verdicts: "1:counted 2:counted"},
		{name: "OddRequirementHalfShort", creds: []string{"NALP"}, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "1", compliance), a("2", "published_article", "2026-03-01", "2")},
			required: "3", counted: "2.5", association: "1", other: "1.5", compliance: "1", met: false, verdicts: "1:counted 2:counted",
			shortfalls: "total=0.5 association_minimum=0.5"},
		{name: "ComplianceMissing", creds: cam, acts: []credits.Activity{a("1", "association_course", "2026-02-01", "6")},
			required: "6", counted: "6", association: "6", other: "0", compliance: "0", met: false, verdicts: "1:counted",
			shortfalls: "compliance_minimum=1"},
		// Compliance hours from other sources count only as far as other
		// sources do: 3 compliance hours given, 1.5 counted (NALP's share).
		{name: "ComplianceFromOtherSourceWithinShare", creds: []string{"NALP"}, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "2"),
			a("2", "real_estate_board_course", "2026-03-01", "3", compliance, doc("transcript_or_exam_result"))},
			required: "3", counted: "3.5", association: "2", other: "1.5", compliance: "1.5", met: true, verdicts: "1:counted 2:counted"},
		{name: "RefusedKinds", creds: cam, acts: []credits.Activity{
			a("1", "corporate_in_house_training", "2026-02-01", "6", compliance),
			a("2", "yoga_retreat", "2026-02-01", "6"),
			a("3", "association_course", "2026-02-01", "2", func(x *credits.Activity) { x.Vendor = "EXAMPLE ONLINE ACADEMY" }),
			a("4", "association_course", "2026-02-01", "2", func(x *credits.Activity) { x.Vendor = "Example Online Academy"; x.PurchasedThroughAffiliate = true })},
			required: "6", counted: "2", association: "2", other: "0", compliance: "0", met: false,
			verdicts:   "1:refused:kind_not_accepted 2:refused:kind_not_accepted 3:refused:vendor_not_purchased_through_affiliate 4:counted",
			shortfalls: "total=4 association_minimum=1 compliance_minimum=1"},
		{name: "Documentation", creds: cam, acts: []credits.Activity{
			a("1", "association_course", "2026-02-01", "2", doc("")),
			a("2", "association_course", "2026-02-01", "2", doc("appointment_letter")), // a service document for a course
			a("3", "association_course", "2026-02-01", "2", doc("affiliate_cec_reporting_form")),
			a("4", "association_course", "2026-03-01", "4", credited, compliance)}, // credited: the provider's report documents it
			required: "6", counted: "6", association: "6", other: "0", compliance: "4", met: true,
			verdicts: "1:refused:documentation_missing 2:refused:documentation_unfit 3:counted 4:counted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := judge(p, 2027, tc.creds, tc.acts)
			got := fmt.Sprintf("required %s counted %s association %s other %s compliance %s met %v",
				y.Required, y.Counted, y.Association, y.OtherCounted, y.Compliance, y.Met)
			want := fmt.Sprintf("required %s counted %s association %s other %s compliance %s met %v",
				tc.required, tc.counted, tc.association, tc.other, tc.compliance, tc.met)
			if got != want {
				t.Errorf("year\n got %s\nwant %s", got, want)
			}
			if v := verdicts(y); v != tc.verdicts {
				t.Errorf("verdicts\n got %s\nwant %s", v, tc.verdicts)
			}
			if s := shortfalls(y); s != tc.shortfalls {
				t.Errorf("shortfalls %q, want %q", s, tc.shortfalls)
			}
			if y.From.Format(time.DateOnly) != "2026-01-01" || y.To.Format(time.DateOnly) != "2026-12-31" {
				t.Errorf("window %v–%v", y.From, y.To)
			}
		})
	}
}

// TestJudge_TiesDoNotDependOnOrder: two activities alike but for the
// compliance flag, with no IDs, under a cap: the year is the same in
// either order.
func TestJudge_TiesDoNotDependOnOrder(t *testing.T) {
	p := shipped(t)
	x := a("", "association_instruction", "2026-03-01", "3", title("Leasing 101"), doc("teaching_confirmation_letter"))
	y := x
	y.Compliance = true
	z := a("c", "college_course", "2026-03-01", "3")
	one := judge(p, 2027, []string{"CAM"}, []credits.Activity{x, y, z})
	two := judge(p, 2027, []string{"CAM"}, []credits.Activity{y, x, z})
	if one.Compliance != two.Compliance || one.Met != two.Met || one.Counted != two.Counted {
		t.Fatalf("[x y z]: compliance %s met %v; [y x z]: compliance %s met %v", one.Compliance, one.Met, two.Compliance, two.Met)
	}
	if one.Compliance != h("3") {
		t.Fatalf("the compliance twin should be the one counted: compliance %s", one.Compliance)
	}
}

// TestJudge_CountsOnce: a kind that counts once (the shipped policy with
// college courses so marked) counts the same course, taken twice in the
// window, once: the longer of the two, whatever the spelling; a copy
// outside the window or undocumented takes no part.
func TestJudge_CountsOnce(t *testing.T) {
	p, err := policy.Load([]byte(strings.Replace(string(cecportal.DefaultPolicy),
		"  - code: college_course\n", "  - code: college_course\n    countsOnce: true\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	acts := []credits.Activity{
		a("c1", "college_course", "2026-03-01", "2", title("Sleep Scoring 101"), org("State University")),
		a("c2", "college_course", "2026-06-01", "3", title("  sleep scoring 101 "), org("STATE UNIVERSITY")),
		a("c3", "college_course", "2025-06-01", "5", title("Sleep Scoring 101"), org("State University")), // outside the window
		a("c4", "college_course", "2026-07-01", "4", title("Sleep Scoring 101"), org("State University"), doc("")),
		a("c5", "college_course", "2026-08-01", "1", title("Sleep Scoring 102"), org("State University")),
	}
	y := judge(p, 2027, []string{"CAM"}, acts)
	want := map[string]string{"c1": "refused counted_once 0", "c2": "counted 3", "c3": "refused outside_window 0",
		"c4": "refused documentation_missing 0", "c5": "counted 1"}
	for i, v := range y.Verdicts {
		got := strings.TrimSpace(string(v.Status) + " " + v.Reason + " " + v.Counts.String())
		got = strings.ReplaceAll(got, "  ", " ")
		if got != want[acts[i].ID] {
			t.Errorf("%s: %q, want %q (%s)", acts[i].ID, got, want[acts[i].ID], v.Message)
		}
	}
	if msg := y.Verdicts[0].Message; msg != "Accredited college or university course counts once in a renewal's window: the same one (Sleep Scoring 101, State University), taken on June 1, 2026, is the one that counts" {
		t.Errorf("message %q", msg)
	}
	// The order they come in changes nothing.
	rev := []credits.Activity{acts[4], acts[3], acts[2], acts[1], acts[0]}
	if y2 := judge(p, 2027, []string{"CAM"}, rev); y2.Other != y.Other || y2.Verdicts[4].Reason != credits.ReasonCountedOnce {
		t.Errorf("reversed: other %s (want %s), c1 %+v", y2.Other, y.Other, y2.Verdicts[4])
	}
}
