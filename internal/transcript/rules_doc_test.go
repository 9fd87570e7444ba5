package transcript_test

import (
	"bytes"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

var update = flag.Bool("update", false, "rewrite docs/cec-rules.md from the shipped policy")

const rulesDoc = "../../docs/cec-rules.md"

// TestRulesDoc keeps docs/cec-rules.md, the CEC rules as a holder reads
// them, generated from the shipped policy and nothing else: a change of
// policy/default.yaml fails here until the page is generated again with
//
//	go test ./internal/transcript -run TestRulesDoc -update
func TestRulesDoc(t *testing.T) {
	got, err := renderRules(testkit.Policy(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(rulesDoc, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the shipped policy gives: run go test ./internal/transcript -run TestRulesDoc -update", rulesDoc)
	}
}

// exampleYear is the renewal year of the page's examples.
const exampleYear = 2028

// rulesView is what the page's template reads: the policy, and examples
// worked from it.
type rulesView struct {
	P                   *policy.Policy
	Year, Earned        int
	Before              int               // the year before Earned
	Largest, Smallest   policy.Credential // the credentials with the largest and the smallest requirement
	Sum                 cec.Hours         // their requirements added up (what is *not* needed)
	SmallestOther       cec.Hours         // what other sources may give toward Smallest
	AssociationKinds    []policy.ActivityKind
	OtherKinds          []policy.ActivityKind
	Capped              []policy.ActivityKind
	OtherPercent        int
	AssociationPercent  int
	Groups              []docGroup
	LargestAssociation  cec.Hours    // the association CECs Largest needs at least
	WorkedAssociation   cec.Hours    // a worked year for Largest: association CECs earned,
	WorkedOther         cec.Hours    // other CECs earned,
	Worked              credits.Year // and what the engine makes of them
	MinYear, MaxYear    int
	ProgramKind         policy.ActivityKind
	ComplianceNeededFor policy.Credential
	CountsOnce          bool // some kind counts once in a window
}

type docGroup struct {
	Name  string
	Types []string
	Kinds []string
}

func renderRules(p *policy.Policy) ([]byte, error) {
	v := rulesView{P: p, Year: exampleYear, Earned: exampleYear - p.Renewal.EarnedYearsBefore,
		Before:       exampleYear - p.Renewal.EarnedYearsBefore - 1,
		OtherPercent: p.Renewal.OtherMaxPercent, AssociationPercent: 100 - p.Renewal.OtherMaxPercent,
		MinYear: transcript.MinYear, MaxYear: transcript.MaxYear}
	v.ProgramKind, _ = p.ActivityKind(p.Renewal.ProgramKind)
	// The first credentials, in the file's order, with the largest and the
	// smallest requirement.
	v.Largest, v.Smallest = p.Credentials[0], p.Credentials[0]
	for _, c := range p.Credentials {
		if c.CECsPerPeriod > v.Largest.CECsPerPeriod {
			v.Largest = c
		}
		if c.CECsPerPeriod < v.Smallest.CECsPerPeriod {
			v.Smallest = c
		}
	}
	v.Sum = v.Largest.CECsPerPeriod + v.Smallest.CECsPerPeriod
	v.SmallestOther = v.Smallest.CECsPerPeriod * cec.Hours(p.Renewal.OtherMaxPercent) / 100
	v.LargestAssociation = v.Largest.CECsPerPeriod - v.Largest.CECsPerPeriod*cec.Hours(p.Renewal.OtherMaxPercent)/100
	for _, k := range p.ActivityKinds {
		if k.Category == policy.CategoryAssociation {
			v.AssociationKinds = append(v.AssociationKinds, k)
		} else {
			v.OtherKinds = append(v.OtherKinds, k)
		}
		if k.PerItemCECs > 0 || k.PeriodCapCECs > 0 {
			v.Capped = append(v.Capped, k)
		}
		v.CountsOnce = v.CountsOnce || k.CountsOnce
	}
	var groups []string
	for g := range p.Documentation {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		dg := docGroup{Name: g, Types: p.Documentation[g]}
		for _, k := range p.ActivityKinds {
			if slices.Contains(k.Documentation, g) {
				dg.Kinds = append(dg.Kinds, k.Name)
			}
		}
		v.Groups = append(v.Groups, dg)
	}
	// The worked year: a third of the requirement from association
	// sources, and the rest and one more from other sources.
	if len(v.AssociationKinds) > 0 && len(v.OtherKinds) > 0 {
		req := v.Largest.CECsPerPeriod
		v.WorkedAssociation = req / 3
		v.WorkedOther = req - v.WorkedAssociation + cec.Of(1)
		on := time.Date(v.Earned, time.May, 1, 0, 0, 0, 0, time.UTC)
		v.Worked = credits.Judge(p, p.Period(exampleYear, []policy.Held{{Code: v.Largest.Code}}), []credits.Activity{
			{ID: "A", Source: credits.Credited, Kind: v.AssociationKinds[0].Code, Date: on, Hours: v.WorkedAssociation, Compliance: true},
			{ID: "B", Source: credits.Credited, Kind: v.OtherKinds[0].Code, Date: on, Hours: v.WorkedOther},
		})
	}
	tpl, err := template.New("rules").Funcs(template.FuncMap{
		"cecs":     cecs,
		"words":    words,
		"lower":    lowerFirst,
		"itemNoun": func(k string) string { return itemNouns[k] },
	}).Parse(rulesTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// itemNouns name what a per-item cap counts, as the engine's messages do.
var itemNouns = map[string]string{policy.ItemOrganisation: "board or committee", policy.ItemEvent: "event"}

// cecs writes an amount with its unit: "1 CEC", "1.5 CECs".
func cecs(h cec.Hours) string {
	if h == cec.Of(1) {
		return "1 CEC"
	}
	return h.String() + " CECs"
}

// words turns a documentation code into words: "Affiliate CEC reporting form".
func words(code string) string {
	w := strings.Split(code, "_")
	for i, s := range w {
		if s == "cec" {
			w[i] = "CEC"
		}
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// lowerFirst lower-cases the first letter of a kind's name, for use inside
// a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

const rulesTemplate = `<!-- Generated from policy/default.yaml by internal/transcript/rules_doc_test.go
     (go test ./internal/transcript -run TestRulesDoc -update). Edit the
     template there, not this file. -->

# CEC rules: what your renewal needs

Every credential of the {{.P.Association.Name}} ({{.P.Association.ShortName}})
is renewed once a year with continuing-education credits (CECs; one CEC is
one contact hour). This page says which CECs count and how a year is
judged, under the association's policy as shipped; the portal applies
exactly these rules when you [check your status](#checking-your-status).
CECs are exact decimals with at most two places, such as 1.5 or 0.25.

## How many CECs you need

| code | credential | CECs a year |
| --- | --- | --- |
{{- range .P.Credentials}}
| {{.Code}} | {{.Name}} | {{.CECsPerPeriod}} |
{{- end}}

If you hold several credentials, the same CECs serve all of them: you need
the **largest** single requirement, not the sum. {{.Largest.Code}} and
{{.Smallest.Code}} together need {{cecs .Largest.CECsPerPeriod}}, not {{.Sum}}.

## When the CECs must be earned

The renewal for year Y accepts only CECs **earned during calendar year
Y − {{.P.Renewal.EarnedYearsBefore}}**: the {{.Year}} renewal takes CECs earned from 1 January to
31 December {{.Earned}}. An activity of {{.Earned}} counts for {{.Year}} only; one dated
in {{.Before}} or in {{.Year}} is refused for the {{.Year}} renewal (it belongs to
another year's renewal). An activity's date is the day you completed it.

## Association sources and other sources

**Association sources**: at least {{.AssociationPercent}}% of your requirement must come from here.
{{range .AssociationKinds}}
- {{.Name}}{{if or .PerItemCECs .PeriodCapCECs}} ({{if .PerItemCECs}}{{cecs .PerItemCECs}} for each {{itemNoun .ItemKey}}{{end}}{{if and .PerItemCECs .PeriodCapCECs}}, {{end}}{{if .PeriodCapCECs}}at most {{cecs .PeriodCapCECs}} a year{{end}}){{end}}
{{- end}}
{{- if .ProgramKind.Code}}

Programs credited to your transcript through their provider's attendance
report count as a {{lower .ProgramKind.Name}}.
{{- end}}

**Other sources**: at most {{.OtherPercent}}% of your requirement may come from here.
{{range .OtherKinds}}
- {{.Name}}{{if or .PerItemCECs .PeriodCapCECs}} ({{if .PerItemCECs}}{{cecs .PerItemCECs}} for each {{itemNoun .ItemKey}}{{end}}{{if and .PerItemCECs .PeriodCapCECs}}, {{end}}{{if .PeriodCapCECs}}at most {{cecs .PeriodCapCECs}} a year{{end}}){{end}}
{{- end}}

CECs from other sources count only up to {{.OtherPercent}}% of the requirement; any more
are not refused, they simply do not count. With {{.Smallest.Code}}'s requirement of
{{cecs .Smallest.CECsPerPeriod}}, other sources count for at most {{cecs .SmallestOther}}, so at least
{{cecs .SmallestOther}} must come from association sources. With {{.Largest.Code}}'s
{{cecs .Largest.CECsPerPeriod}}, other sources count for at most {{cecs .Worked.OtherLimit}}, and at least
{{cecs .LargestAssociation}} must come from association sources.

A year is counted as: association CECs (after the caps below) + the
smaller of other CECs and {{.OtherPercent}}% of the requirement. For example, a
{{.Largest.Code}} holder who earned {{cecs .WorkedAssociation}} from association sources and {{cecs .WorkedOther}}
from other sources has {{.Worked.Association}} + {{.Worked.OtherCounted}} = {{cecs .Worked.Counted}} counted:
{{cecs .Worked.Outstanding}} still outstanding, which must come from association sources.

## Caps

Some kinds count only up to a cap; the hours beyond it do not count
(the activity shows as ` + "`capped`" + `, with how much still counts):
{{range .Capped}}
- {{.Name}}:{{if .PerItemCECs}} at most {{cecs .PerItemCECs}} for each {{itemNoun .ItemKey}}{{end}}{{if and .PerItemCECs .PeriodCapCECs}},{{end}}{{if .PeriodCapCECs}} at most {{cecs .PeriodCapCECs}} a year{{end}}.
{{- end}}

The same board or committee under another spelling (case, accents,
spaces) is the same one; an event is its title and date.

## Compliance

At least **{{cecs .P.Renewal.ComplianceMinimumCECs}}** of your requirement must address compliance
with federal, state or local legislative or regulatory issues. A credited
program addresses compliance when its approved application says so.
Compliance CECs from other sources count toward the minimum only as far as
other sources count at all.

## What is refused, and why

Each activity that does not count, or not in full, shows its reason:

| reason | what it means |
| --- | --- |
| ` + "`outside_window`" + ` | earned outside the renewal's year (see above) |
| ` + "`kind_not_accepted`" + ` | not one of the kinds listed above;{{range .P.NotAccepted}} {{lower .Name}} is never accepted;{{end}} neither is anything else outside the two lists |
{{- range .P.VendorRestrictions}}
| ` + "`vendor_not_purchased_through_affiliate`" + ` | online courses of {{.Vendor}} count only when {{.Exception}} |
{{- end}}
| ` + "`documentation_missing`" + ` | a self-reported activity needs its documentation |
| ` + "`documentation_unfit`" + ` | the documentation is not of a type that fits the activity's kind (see below) |
| ` + "`no_hours`" + ` | the activity gives no CECs |
| ` + "`per_item_cap`" + ` | capped: the kind's limit per board, committee or event is reached |
| ` + "`year_cap`" + ` | capped: the kind's limit for the year is reached |
{{- range .P.CapGroups}}
| ` + "`group_cap`" + ` | capped: {{lower .Name}} count at most {{cecs .CapCECs}} CECs together |
{{- end}}
{{- if .CountsOnce}}
| ` + "`counted_once`" + ` | the same activity (title and organisation) was taken again in the window: it counts once, the time with the most hours |
{{- end}}

Before any of this, a self-reported activity dated after today, or
claiming more than **{{cecs .P.Renewal.MaxActivityCECs}}**, is not taken at all: the
submission is sent back with that field to correct.

## Documentation

Programs credited through attendance reporting need nothing from you: the
provider's report documents them. Every activity you report yourself
carries one documentation type that fits its kind:
{{range .Groups}}
**{{.Name}}**: {{range $i, $t := .Types}}{{if $i}}; {{end}}{{words $t}} (` + "`{{$t}}`" + `){{end}}. For:
{{range .Kinds}}
- {{.}}
{{- end}}
{{end}}
## Other rule shapes

The association's policy file can say its rules in other shapes, which the
portal applies the same way ([policy.md](policy.md) shows how to write each).
The shipped policy does not use them. Another body's policy might say:

- **A rolling window**: CECs earned in the 12 months before the renewal's
  due date count. With a due date of 1 April, the 2028 renewal takes CECs
  earned from 1 April 2027 to 31 March 2028.
- **An in-network minimum per credential**: CAM needs 8 CECs, at least 5 of
  them from association sources; CALP needs 5, at least 3. If you hold both,
  you owe 8, at least 5 of them from association sources.
- **A cap on several kinds together**: legislative events, instructing
  without pay and serving on boards count at most 2 CECs together (reason
  ` + "`group_cap`" + `).
- **Counts once**: the same course, by its title and organisation, taken
  twice in the window counts once, the time with more hours (reason
  ` + "`counted_once`" + `).
- **Periods of several years, anchored on your own dates**: 50 CECs in a
  5-year cycle that starts on the day you earned your credential. Earned on
  15 March 2023, your cycle runs to 14 March 2028, and your renewal is due
  on 15 March 2028, then every five years; your status, invoice and
  reminders follow it, not the calendar year. A second credential earned
  later joins the cycle of the first.
- **Periods of several calendar years, with a prorated first period**: 18
  CECs from 2024 to 2026 for the 2027 renewal; earned in June 2025, you owe
  only the share of the whole months left after June (18 of 36): 9 CECs,
  rounded down to the hundredth.
- **Caps over the period, and caps by format**: journals and self-study
  count at most 15 CECs in a cycle (reason ` + "`year_cap`" + `); online courses, both
  programs credited as live online or recorded and online courses you report
  yourself, at most 30 together (reason ` + "`group_cap`" + `).

## Checking your status

Signed in as a holder, two read-only endpoints answer for a renewal year
` + "`year`" + ` (from {{.MinYear}} to {{.MaxYear}}; by default the coming renewal: the calendar
year after today in the association's time zone, {{.P.Association.TimeZone}}, or with
periods of several years the period you are earning CECs for; asked for a
year in which no renewal of yours falls due, the status is of the next one,
and ` + "`renewalYear`" + ` and ` + "`dueOn`" + ` say which):

- ` + "`GET /holders/me/status?year={{.Year}}`" + ` is "check your CEC status":
  ` + "`required`" + ` (the largest requirement of your ` + "`credentials`" + `), ` + "`counted`" + `, ` + "`met`" + `,
  ` + "`outstanding`" + `, ` + "`bySource`" + ` (` + "`association`" + `, ` + "`other`" + `, ` + "`otherLimit`" + ` and
  ` + "`otherCounted`" + `), ` + "`compliance`" + ` (` + "`counted`" + ` and the ` + "`minimum`" + `), ` + "`shortfalls`" + `
  (per rule: ` + "`total`" + `, ` + "`association_minimum`" + `, ` + "`compliance_minimum`" + `, with what is
  missing) and every ` + "`activities`" + ` entry of the year's ` + "`window`" + ` with its
  ` + "`status`" + ` (` + "`counted`" + `, ` + "`capped`" + ` or ` + "`refused`" + `), what it ` + "`counts`" + `, and the
  ` + "`reason`" + ` and ` + "`message`" + ` of a cap or refusal.
- ` + "`GET /holders/me/transcript?year={{.Year}}`" + ` lists the same activities as
  ` + "`entries`" + `. With ` + "`Accept: text/csv`" + ` it is a CSV file for a spreadsheet, with
  the columns Date, Source, Kind, Title, Organisation, Hours, Compliance,
  Status, Counts and Reason.

A year that is not a whole number from {{.MinYear}} to {{.MaxYear}} is refused with
400; the full contract is in ` + "`openapi.yaml`" + `. On the local stack:

` + "```sh" + `
curl -H "authorization: Bearer $HOLDER_TOKEN" "http://127.0.0.1:8080/holders/me/status?year={{.Year}}"
curl -H "authorization: Bearer $HOLDER_TOKEN" -H "accept: text/csv" \
  "http://127.0.0.1:8080/holders/me/transcript?year={{.Year}}"
` + "```" + `

## Submitting your CECs, and staff review

You submit the CECs you still need for a renewal year in **one submission**
(` + "`POST /holders/me/submissions`" + `: the ` + "`year`" + ` and 1 to 50 ` + "`activities`" + `, each with its
kind, title, organisation, date, hours, compliance and documentation). The
rules above judge the year with what already counts for it plus these
activities:

- if the year would still fall short, the whole submission is refused (422
  ` + "`requirement_not_met`" + `) with the shortfall per rule and the reason each refused
  activity is refused, and **nothing of it is recorded**;
- otherwise it is recorded (` + "`received`" + `) and goes to the staff review queue
  (` + "`in_review`" + `); you get a receipt by email. Attach each activity's
  documentation as a file when you submit ([documents.md](documents.md)).
  {{.P.Renewal.AuditRatePercent}}% of submissions are picked for a documentation audit: the
  receipt then lists the activities without a file, and you send their files
  within {{.P.Renewal.AuditDocumentsDays}} days ([documents.md](documents.md#the-documentation-audit)).

You can have one open submission per renewal year. Staff approve it, reject it
with a reason, or approve it while rejecting single activities with a reason;
the year is then judged again with the approved activities and you are emailed
the decision. Only **approved** activities count in your status and
transcript (source ` + "`self`" + `); activities waiting for review do not.
Follow a submission with ` + "`GET /holders/me/submissions/{submissionId}`" + `.
`
