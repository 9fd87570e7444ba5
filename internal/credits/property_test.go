package credits_test

// Property tests of Judge against the shipped policy: thousands of random,
// reproducible renewal years (each case is generated from its own seed, so
// a failure names the seed that reproduces it), checked against laws of
// SPEC §3 that hold whatever the activities are, and against a small
// independent model of which activities are refused and how much each cap
// lets count.

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

// Cases per property and policy (propRun runs each property under four
// policies: 4,000 cases a property, against 3,000 when there was one).
// CI runs them under the race detector, where each case costs several
// times as much; raise it for a long local run.
const (
	propCases        = 1000
	propPermutations = 3 // shuffles judged per case
)

// propRenewal accepts CECs earned in propRenewal-1 under the shipped policy.
const propRenewal = 2026

var propShipped = sync.OnceValues(func() (*policy.Policy, error) { return policy.Load(cecportal.DefaultPolicy) })

func propPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propShipped()
	if err != nil {
		t.Fatalf("shipped policy: %v", err)
	}
	return p
}

// Small pools, so that boards, events and vendors repeat and caps bite.
// Each base spelling comes with variants that differ only in case, accents
// or spacing: the same board or event to the association.
var (
	propOrgs = []string{"Lakeside Apartment Association", "Board of the Metro Affiliate",
		"José Martínez Housing Council", "Fair Housing Task Force"}
	propTitles = []string{"Capitol Hill Day", "Fair Housing Legislative Update", "Zoë Regulatory Briefing"}
	// propRestricted spells the shipped policy's restricted vendor.
	propRestricted = []string{"Example Online Academy", "example online academy", "  EXAMPLE   Online Academy "}
	propUnknown    = []string{"webinar_marketing", "corporate_retreat", "", "Association_Course", "college_course ", "CAM"}
	propZones      = []*time.Location{time.UTC, propZone("America/New_York"), propZone("Pacific/Kiritimati"), propZone("Pacific/Pago_Pago")}
	propAccents    = strings.NewReplacer("é", "e", "í", "i", "ë", "e")
)

func propZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// propSpelling is base as a holder might type it.
func propSpelling(r *rand.Rand, base string) string {
	switch r.IntN(6) {
	case 0:
		return strings.ToUpper(base)
	case 1:
		return strings.ToLower(base)
	case 2:
		return " " + strings.ReplaceAll(base, " ", "   ") + "\t"
	case 3:
		return propAccents.Replace(base)
	default:
		return base
	}
}

// propMeta is what an activity was generated from: the test groups boards
// and events by it, not by the engine's folding of names.
type propMeta struct {
	org, title int
	day        time.Time // the civil date, UTC midnight
	restricted bool      // the vendor is a spelling of a restricted vendor
}

// propGen generates activities for one case.
type propGen struct {
	r        *rand.Rand
	p        *policy.Policy
	earned   time.Time // when the holder earned each credential: zero unless p reads it
	period   policy.Period
	from, to time.Time   // the window of propRenewal's period under p
	days     []time.Time // this case's pool of civil dates, some outside the window
	next     int
	meta     map[string]propMeta
	types    []string // every documentation type of the policy
}

func propNewGen(p *policy.Policy, seed uint64) *propGen {
	g := &propGen{r: rand.New(rand.NewPCG(seed, 0x5ec3)), p: p, meta: map[string]propMeta{}}
	switch {
	case p.Renewal.PeriodAnchor == policy.AnchorCredential:
		// Cycles starting anywhere in the 12 years before the renewal.
		g.earned = time.Date(propRenewal-12, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(12*365))
	case p.Renewal.ProrateFirstPeriod:
		// Earned before the period (in full), during it (prorated) or after it.
		first := p.Period(propRenewal, nil)
		g.earned = first.From.AddDate(-1, 0, g.r.IntN(365*(p.Renewal.PeriodYears+1)+60))
	}
	g.period = p.Period(propRenewal, []policy.Held{{Code: p.Credentials[0].Code, EarnedOn: g.earned}})
	g.from, g.to = g.period.From, g.period.To
	for _, group := range p.Documentation {
		g.types = append(g.types, group...)
	}
	slices.Sort(g.types)
	for range 2 + g.r.IntN(6) {
		g.days = append(g.days, g.day())
	}
	return g
}

// day is a civil date in the window (mostly) or within 45 days of it.
func (g *propGen) day() time.Time {
	span := int(g.to.Sub(g.from).Hours()/24) + 1
	off := g.r.IntN(span)
	switch g.r.IntN(8) {
	case 0:
		off = -1 - g.r.IntN(45)
	case 1:
		off = span + g.r.IntN(45)
	}
	return g.from.AddDate(0, 0, off)
}

func (g *propGen) outsideDay() time.Time {
	if g.r.IntN(2) == 0 {
		return g.from.AddDate(0, 0, -1-g.r.IntN(400)) // the day before the window, or earlier
	}
	return g.to.AddDate(0, 0, 1+g.r.IntN(400))
}

// at is day at a random time of day in a random zone: the civil date stays day.
func (g *propGen) at(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), g.r.IntN(24), g.r.IntN(60), 0, 0, propZones[g.r.IntN(len(propZones))])
}

// kindTypes is the documentation that fits an accepted kind.
func (g *propGen) kindTypes(k policy.ActivityKind) []string {
	var out []string
	for _, group := range k.Documentation {
		out = append(out, g.p.Documentation[group]...)
	}
	return out
}

func (g *propGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// activity is a random activity, valid or not.
func (g *propGen) activity() credits.Activity {
	r := g.r
	g.next++
	m := propMeta{org: r.IntN(len(propOrgs)), title: r.IntN(len(propTitles))}
	if r.IntN(10) < 7 {
		m.day = g.days[r.IntN(len(g.days))]
	} else {
		m.day = g.day()
	}
	a := credits.Activity{
		ID:           fmt.Sprintf("a%03d", g.next),
		Source:       credits.SelfReported,
		Title:        propSpelling(r, propTitles[m.title]),
		Organisation: propSpelling(r, propOrgs[m.org]),
		Date:         g.at(m.day),
		Hours:        cec.Hours(25 + r.IntN(976)), // 0.25 to 10
		Compliance:   r.IntN(3) == 0,
	}
	switch n := r.IntN(100); {
	case n < 82:
		a.Kind = g.p.ActivityKinds[r.IntN(len(g.p.ActivityKinds))].Code
	case n < 90:
		a.Kind = g.p.NotAccepted[r.IntN(len(g.p.NotAccepted))].Code
	default:
		a.Kind = g.pick(propUnknown)
	}
	if r.IntN(4) == 0 {
		a.Source = credits.Credited
		a.Format = g.pick(policy.ProgramFormats)
	}
	a.DocumentationType = g.documentation(a.Kind)
	if a.Source == credits.Credited && r.IntN(2) == 0 {
		a.DocumentationType = ""
	}
	a.DocumentationRef = "ref-" + a.ID
	switch n := r.IntN(100); {
	case n < 12:
		a.Vendor, m.restricted = g.pick(propRestricted), g.restricts()
		a.PurchasedThroughAffiliate = r.IntN(2) == 0
	case n < 18:
		a.Vendor, a.PurchasedThroughAffiliate = "Another Online Academy", r.IntN(2) == 0
	}
	g.meta[a.ID] = m
	return a
}

// documentation is a documentation type for kind: mostly one that fits,
// sometimes none, blank or one that does not fit.
func (g *propGen) documentation(kind string) string {
	k, ok := g.p.ActivityKind(kind)
	n := g.r.IntN(100)
	switch {
	case !ok:
		return g.pick(g.types)
	case n < 70:
		return g.pick(g.kindTypes(k))
	case n < 76:
		return ""
	case n < 80:
		return " \t"
	}
	fits := g.kindTypes(k)
	var unfit []string
	for _, t := range g.types {
		if !slices.Contains(fits, t) {
			unfit = append(unfit, t)
		}
	}
	unfit = append(unfit, "selfie_photo", "Certificate_Of_Completion")
	return g.pick(unfit)
}

// activities is n random activities.
func (g *propGen) activities(n int) []credits.Activity {
	out := make([]credits.Activity, n)
	for i := range out {
		out[i] = g.activity()
	}
	return out
}

// credentials is a random list of codes held: known ones, unknown ones and
// repeats, perhaps none.
func (g *propGen) credentials() []string {
	var out []string
	for range g.r.IntN(4) {
		if g.r.IntN(6) == 0 {
			out = append(out, g.pick([]string{"XYZ", "cam", "", "RPSGT"}))
			continue
		}
		out = append(out, g.p.Credentials[g.r.IntN(len(g.p.Credentials))].Code)
	}
	// A holder's own cycle starts with a credential: without one there is
	// no period to judge.
	if g.p.Renewal.PeriodAnchor == policy.AnchorCredential && !slices.ContainsFunc(out, func(c string) bool { _, ok := g.p.Credential(c); return ok }) {
		out = append(out, g.p.Credentials[g.r.IntN(len(g.p.Credentials))].Code)
	}
	return out
}

// held is creds as a holder holds them: each earned on g.earned.
func (g *propGen) held(creds []string) []policy.Held {
	out := make([]policy.Held, len(creds))
	for i, c := range creds {
		out[i] = policy.Held{Code: c, EarnedOn: g.earned}
	}
	return out
}

// judge judges propRenewal's period of a holder of creds.
func (g *propGen) judge(creds []string, acts []credits.Activity) credits.Year {
	return credits.Judge(g.p, g.p.Period(propRenewal, g.held(creds)), acts)
}

// Ways to make an activity refused.
const (
	propOutside = iota
	propNotAccepted
	propUnknownKind
	propNoDocumentation
	propUnfitDocumentation
	propVendor
	propRefusalWays
)

// refused turns a random activity into one that must be refused, the way
// named; the rest of it stays as generated, so that, were it counted, it
// would fill the same caps as its neighbours.
func (g *propGen) refused(way int) (credits.Activity, string) {
	a := g.activity()
	m := g.meta[a.ID]
	switch way {
	case propOutside:
		m.day = g.outsideDay()
		a.Date = g.at(m.day)
		return g.keep(a, m), credits.ReasonOutsideWindow
	case propNotAccepted:
		a.Kind = g.p.NotAccepted[g.r.IntN(len(g.p.NotAccepted))].Code
		return a, credits.ReasonKindNotAccepted
	case propUnknownKind:
		a.Kind = g.pick(propUnknown)
		return a, credits.ReasonKindNotAccepted
	case propNoDocumentation:
		a.Source, a.DocumentationType = credits.SelfReported, g.pick([]string{"", " ", "\t\n"})
		return a, credits.ReasonDocumentationNone
	case propUnfitDocumentation:
		a.Source = credits.SelfReported
		if k, ok := g.p.ActivityKind(a.Kind); ok {
			a.DocumentationType = g.pick(append(g.unfit(k), "selfie_photo"))
		} else {
			a.DocumentationType = "selfie_photo"
		}
		return a, credits.ReasonDocumentationFit
	default:
		if !g.restricts() { // a policy without the vendor: refused for its kind instead
			a.Kind = g.p.NotAccepted[g.r.IntN(len(g.p.NotAccepted))].Code
			return a, credits.ReasonKindNotAccepted
		}
		a.Vendor, a.PurchasedThroughAffiliate = g.pick(propRestricted), false
		m.restricted = true
		return g.keep(a, m), credits.ReasonVendorException
	}
}

// restricts reports whether the policy restricts propRestricted's vendor.
func (g *propGen) restricts() bool {
	return slices.ContainsFunc(g.p.VendorRestrictions, func(v policy.VendorRestriction) bool { return v.Vendor == propRestricted[0] })
}

func (g *propGen) unfit(k policy.ActivityKind) []string {
	fits := g.kindTypes(k)
	var out []string
	for _, t := range g.types {
		if !slices.Contains(fits, t) {
			out = append(out, t)
		}
	}
	return out
}

func (g *propGen) keep(a credits.Activity, m propMeta) credits.Activity {
	g.meta[a.ID] = m
	return a
}

// refusals is the model of SPEC §3's refusals: every reason that refuses
// a, or none when a counts (perhaps capped).
func (g *propGen) refusals(a credits.Activity) []string {
	m := g.meta[a.ID]
	var out []string
	k, known := g.p.ActivityKind(a.Kind)
	if !known {
		out = append(out, credits.ReasonKindNotAccepted)
	}
	if m.day.Before(g.from) || m.day.After(g.to) {
		out = append(out, credits.ReasonOutsideWindow)
	}
	if a.Hours <= 0 {
		out = append(out, credits.ReasonNoHours)
	}
	if m.restricted && !a.PurchasedThroughAffiliate {
		out = append(out, credits.ReasonVendorException)
	}
	if a.Source != credits.Credited {
		switch {
		case strings.TrimSpace(a.DocumentationType) == "":
			out = append(out, credits.ReasonDocumentationNone)
		case known && !slices.Contains(g.kindTypes(k), a.DocumentationType):
			out = append(out, credits.ReasonDocumentationFit)
		}
	}
	return out
}

// propTotals is everything of a Year but its verdicts.
type propTotals struct {
	From, To                                                        time.Time
	Required, Association, Other, OtherLimit, OtherCounted, Counted cec.Hours
	Compliance, Outstanding                                         cec.Hours
	Met                                                             bool
	Shortfalls                                                      string
}

func propTotalsOf(y credits.Year) propTotals {
	var s []string
	for _, f := range y.Shortfalls {
		s = append(s, f.Rule+"="+f.Missing.String())
	}
	return propTotals{y.From, y.To, y.Required, y.Association, y.Other, y.OtherLimit, y.OtherCounted, y.Counted,
		y.Compliance, y.Outstanding, y.Met, strings.Join(s, " ")}
}

func propByID(y credits.Year) map[string]credits.Verdict {
	out := make(map[string]credits.Verdict, len(y.Verdicts))
	for _, v := range y.Verdicts {
		out[v.ActivityID] = v
	}
	return out
}

// propDump lists a case's activities for a failure message.
func propDump(creds []string, acts []credits.Activity) string {
	var b strings.Builder
	fmt.Fprintf(&b, "credentials %q\n", creds)
	for _, a := range acts {
		fmt.Fprintf(&b, "  %s %s %q org=%q title=%q %s %s compliance=%v doc=%q vendor=%q affiliate=%v\n", a.ID, a.Source, a.Kind,
			a.Organisation, a.Title, a.Date.Format(time.DateTime+" MST"), a.Hours, a.Compliance, a.DocumentationType, a.Vendor, a.PurchasedThroughAffiliate)
	}
	return b.String()
}

// propRun runs check on propCases seeded cases; the first failing case
// stops the test with its seed, problems and activities.
//
// It runs under the shipped policy and under policy/examples/naaei-2021.yaml,
// whose rules have other shapes: a rolling window, in-network minimums per
// credential, and a cap on a group of kinds together.
func propRun(t *testing.T, salt uint64, check func(g *propGen) (creds []string, acts []credits.Activity, problems []string)) {
	t.Helper()
	for _, pol := range []struct {
		name string
		p    *policy.Policy
	}{{"shipped", propPolicy(t)}, {"naaei-2021", propNAAEI(t)}, {"naaei-due-april", propNAAEIApril(t)}, {"counts-once", propCountsOnce(t)},
		{"brpt", propBRPT(t)}, {"three-years-prorated", propThreeYears(t)}} {
		t.Run(pol.name, func(t *testing.T) {
			for i := range uint64(propCases) {
				seed := salt<<32 | i
				g := propNewGen(pol.p, seed)
				creds, acts, problems := check(g)
				if len(problems) > 0 {
					t.Fatalf("seed %#x (propNewGen(p, %#x)):\n  %s\n%s", seed, seed, strings.Join(problems, "\n  "), propDump(creds, acts))
				}
			}
		})
	}
}

// propCountsOnce is the shipped policy with college courses and housing
// organisations' programs counting once (the same title and organisation
// taken again counts once): the generator's small pools of titles and
// organisations repeat them often.
var propCountsOnceP = sync.OnceValues(func() (*policy.Policy, error) {
	doc := strings.Replace(string(cecportal.DefaultPolicy), "  - code: college_course\n", "  - code: college_course\n    countsOnce: true\n", 1)
	doc = strings.Replace(doc, "  - code: housing_organization_program\n", "  - code: housing_organization_program\n    countsOnce: true\n", 1)
	return policy.Load([]byte(doc))
})

func propCountsOnce(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propCountsOnceP()
	if err != nil {
		t.Fatalf("shipped policy with countsOnce: %v", err)
	}
	if k, _ := p.ActivityKind("college_course"); !k.CountsOnce {
		t.Fatal("the edit did not make college courses count once")
	}
	return p
}

// propNAAEIApril is NAAEI's policy with its renewals due on 1 April: its
// rolling window is then not a calendar year.
var propNAAEIAprilP = sync.OnceValues(func() (*policy.Policy, error) {
	b, err := os.ReadFile("../../policy/examples/naaei-2021.yaml")
	if err != nil {
		return nil, err
	}
	doc := strings.Replace(strings.Replace(string(b), `dueOn: "01-01"`, `dueOn: "04-01"`, 1), `graceUntil: "03-31"`, `graceUntil: "06-30"`, 1)
	return policy.Load([]byte(doc))
})

func propNAAEIApril(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propNAAEIAprilP()
	if err != nil {
		t.Fatalf("NAAEI's policy due 1 April: %v", err)
	}
	if from := p.Period(propRenewal, nil).From; from.Month() != time.April {
		t.Fatalf("the edit did not move the window: it starts %s", from)
	}
	return p
}

var propBRPTOnce = sync.OnceValues(func() (*policy.Policy, error) {
	return policy.LoadFile("../../policy/examples/brpt-recertification.yaml")
})

// propBRPT is the 5-year cycles anchored on each holder's credential, with
// caps over the cycle per kind and per format, and online courses counting
// once: each case's holder earned their credential on another day, so the
// cases' cycles fall anywhere in 12 years.
func propBRPT(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propBRPTOnce()
	if err != nil {
		t.Fatalf("policy/examples/brpt-recertification.yaml: %v", err)
	}
	return p
}

// propThreeYearsP is the shipped policy over periods of three calendar
// years (renewals in 2026, 2029, …) with three times its requirements, its
// yearly caps over the period, and a first period prorated.
var propThreeYearsP = sync.OnceValues(func() (*policy.Policy, error) {
	doc := string(cecportal.DefaultPolicy)
	for _, r := range [][2]string{
		{"cecsPerYear: 6", "cecsPerPeriod: 18"}, {"cecsPerYear: 3", "cecsPerPeriod: 9"}, {"yearCapCecs", "periodCapCecs"},
		{"  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodYears: 3\n  periodStartYear: 2023\n  prorateFirstPeriod: true"},
	} {
		doc = strings.ReplaceAll(doc, r[0], r[1])
	}
	return policy.Load([]byte(doc))
})

func propThreeYears(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propThreeYearsP()
	if err != nil {
		t.Fatalf("the shipped policy over three years: %v", err)
	}
	if r := p.Period(propRenewal, nil); r.Year != propRenewal || r.From.Year() != propRenewal-3 {
		t.Fatalf("the edit did not make %d a three-year renewal: %+v", propRenewal, r)
	}
	return p
}

var propNAAEIOnce = sync.OnceValues(func() (*policy.Policy, error) { return policy.LoadFile("../../policy/examples/naaei-2021.yaml") })

func propNAAEI(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := propNAAEIOnce()
	if err != nil {
		t.Fatalf("policy/examples/naaei-2021.yaml: %v", err)
	}
	return p
}

// TestProp_RefusedChangesNothing: adding activities that must be refused
// (outside the window, of a kind not accepted or unknown, without or with
// unfit documentation, of a restricted vendor bought elsewhere) changes no
// total and no other verdict, and each is refused for its reason.
func TestProp_RefusedChangesNothing(t *testing.T) {
	propRun(t, 1, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(31))
		before := g.judge(creds, acts)
		more := slices.Clone(acts)
		want := map[string]string{}
		for range 1 + g.r.IntN(3) {
			a, reason := g.refused(g.r.IntN(propRefusalWays))
			want[a.ID] = reason
			more = slices.Insert(more, g.r.IntN(len(more)+1), a)
		}
		after := g.judge(creds, more)
		var problems []string
		if b, a := propTotalsOf(before), propTotalsOf(after); b != a {
			problems = append(problems, fmt.Sprintf("totals changed:\n   before %+v\n   after  %+v", b, a))
		}
		old := propByID(before)
		for _, v := range after.Verdicts {
			if reason, added := want[v.ActivityID]; added {
				if v.Status != credits.Refused || v.Counts != 0 || v.Category != "" || !slices.Contains(g.refusals(g.find(more, v.ActivityID)), v.Reason) {
					problems = append(problems, fmt.Sprintf("added %s (made refused by %s): verdict %+v", v.ActivityID, reason, v))
				}
				continue
			}
			if v != old[v.ActivityID] {
				problems = append(problems, fmt.Sprintf("verdict of %s changed: %+v → %+v", v.ActivityID, old[v.ActivityID], v))
			}
		}
		return creds, more, problems
	})
}

func (g *propGen) find(acts []credits.Activity, id string) credits.Activity {
	for _, a := range acts {
		if a.ID == id {
			return a
		}
	}
	panic("no activity " + id)
}

// TestProp_Bounds: nothing counts more than was given, other sources count
// at most their share, and a verdict is refused exactly when the model
// says the activity must be.
func TestProp_Bounds(t *testing.T) {
	propRun(t, 2, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		y := g.judge(creds, acts)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		var given, assocGiven, otherGiven, assocCounts, otherCounts, complianceCounts cec.Hours
		// An activity that counts once addresses compliance if any of its
		// repeats does: it is the same activity.
		compliantKeys := map[string]bool{}
		for _, a := range acts {
			if k := propOnceKey(g, a); k != "" && a.Compliance && len(g.refusals(a)) == 0 {
				compliantKeys[k] = true
			}
		}
		if len(y.Verdicts) != len(acts) {
			bad("%d verdicts for %d activities", len(y.Verdicts), len(acts))
			return creds, acts, problems
		}
		for i, a := range acts {
			v := y.Verdicts[i]
			given += a.Hours
			k, known := g.p.ActivityKind(a.Kind)
			if known && k.Category == policy.CategoryAssociation {
				assocGiven += a.Hours
			} else if known {
				otherGiven += a.Hours
			}
			if v.ActivityID != a.ID || v.Kind != a.Kind || v.Hours != a.Hours {
				bad("verdict %d is %+v for activity %s", i, v, a.ID)
			}
			if v.Counts < 0 || v.Counts > v.Hours {
				bad("%s counts %s of %s hours", a.ID, v.Counts, v.Hours)
			}
			reasons := g.refusals(a)
			switch {
			case len(reasons) > 0:
				if v.Status != credits.Refused || !slices.Contains(reasons, v.Reason) {
					bad("%s must be refused for one of %v: %+v", a.ID, reasons, v)
				}
			case v.Status == credits.Refused && v.Reason == credits.ReasonCountedOnce:
				// Another like it counts (TestProp_CountsOnce).
			case v.Status == credits.Refused:
				bad("%s refused though nothing refuses it: %+v", a.ID, v)
			case v.Category != k.Category:
				bad("%s of kind %s is in category %q", a.ID, a.Kind, v.Category)
			}
			switch v.Status {
			case credits.Refused:
				if v.Counts != 0 || v.Category != "" || v.Reason == "" || v.Message == "" {
					bad("refused %s: %+v", a.ID, v)
				}
			case credits.Counted:
				if v.Counts != v.Hours || v.Reason != "" {
					bad("counted %s: %+v", a.ID, v)
				}
			case credits.Capped:
				if v.Counts >= v.Hours || (v.Reason != credits.ReasonPerItemCap && v.Reason != credits.ReasonYearCap && v.Reason != credits.ReasonGroupCap) || v.Message == "" {
					bad("capped %s: %+v", a.ID, v)
				}
			default:
				bad("%s: status %q", a.ID, v.Status)
			}
			switch v.Category {
			case policy.CategoryAssociation:
				assocCounts += v.Counts
			case policy.CategoryOther:
				otherCounts += v.Counts
			}
			if v.Status != credits.Refused && (a.Compliance || compliantKeys[propOnceKey(g, a)]) {
				complianceCounts += v.Counts
			}
		}
		if y.Counted > given {
			bad("counted %s of %s given", y.Counted, given)
		}
		if y.Association > assocGiven || y.Association != assocCounts {
			bad("association %s: given %s, verdicts count %s", y.Association, assocGiven, assocCounts)
		}
		if y.Other > otherGiven || y.Other != otherCounts {
			bad("other %s: given %s, verdicts count %s", y.Other, otherGiven, otherCounts)
		}
		if y.OtherCounted > y.OtherLimit || y.OtherCounted > y.Other {
			bad("other counted %s: limit %s, other %s", y.OtherCounted, y.OtherLimit, y.Other)
		}
		if y.Compliance < 0 || y.Compliance > y.Counted || y.Compliance > complianceCounts {
			bad("compliance %s: counted %s, compliance activities count %s", y.Compliance, y.Counted, complianceCounts)
		}
		return creds, acts, problems
	})
}

// TestProp_OrderDoesNotMatter: any permutation of the activities gives the
// same year and the same verdict for each activity, in the order given;
// Judge leaves its input as it was.
func TestProp_OrderDoesNotMatter(t *testing.T) {
	propRun(t, 3, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		orig := slices.Clone(acts)
		y := g.judge(creds, acts)
		var problems []string
		if !slices.Equal(acts, orig) {
			problems = append(problems, "Judge changed its input")
		}
		want, wantBy := propTotalsOf(y), propByID(y)
		for n := range propPermutations {
			perm := slices.Clone(acts)
			if n == 0 {
				slices.Reverse(perm)
			} else {
				g.r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			}
			z := g.judge(slices.Clone(creds), perm)
			if got := propTotalsOf(z); got != want {
				problems = append(problems, fmt.Sprintf("permutation %d: totals\n   %+v\n   want %+v", n, got, want))
			}
			for i, v := range z.Verdicts {
				if v.ActivityID != perm[i].ID {
					problems = append(problems, fmt.Sprintf("permutation %d: verdict %d is of %s, activity %d is %s", n, i, v.ActivityID, i, perm[i].ID))
				}
				if v != wantBy[v.ActivityID] {
					problems = append(problems, fmt.Sprintf("permutation %d: %s judged %+v, in the given order %+v", n, v.ActivityID, v, wantBy[v.ActivityID]))
				}
			}
		}
		return creds, acts, problems
	})
}

// TestProp_Identities: the year's arithmetic of SPEC §3.
func TestProp_Identities(t *testing.T) {
	propRun(t, 4, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		y := g.judge(creds, acts)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		r := g.p.Renewal
		// The window (worked out here apart from Policy.Period).
		wantYear, wantFrom, wantTo := propWindow(g)
		if y.RenewalYear != wantYear || y.From != wantFrom || y.To != wantTo {
			bad("window of %d: %s to %s, want %d: %s to %s", y.RenewalYear, y.From, y.To, wantYear, wantFrom, wantTo)
		}
		if want := y.Required - propMinimum(g, creds); y.OtherLimit != want {
			bad("other limit %s, want %s: the requirement %s less the governing credential's minimum", y.OtherLimit, want, y.Required)
		}
		if y.OtherCounted != min(y.Other, y.OtherLimit) {
			bad("other counted %s, other %s, limit %s", y.OtherCounted, y.Other, y.OtherLimit)
		}
		if y.Counted != y.Association+y.OtherCounted {
			bad("counted %s ≠ association %s + other counted %s", y.Counted, y.Association, y.OtherCounted)
		}
		if y.Outstanding != max(0, y.Required-y.Counted) {
			bad("outstanding %s, required %s, counted %s", y.Outstanding, y.Required, y.Counted)
		}
		complianceOK := y.Compliance >= min(y.Required, r.ComplianceMinimumCECs)
		if met := y.Counted >= y.Required && complianceOK; y.Met != met {
			bad("met %v: counted %s of %s, compliance %s of %s", y.Met, y.Counted, y.Required, y.Compliance, r.ComplianceMinimumCECs)
		}
		if y.Met != (len(y.Shortfalls) == 0) {
			bad("met %v with shortfalls %+v", y.Met, y.Shortfalls)
		}
		// One shortfall per rule broken, by how much.
		needed := min(r.ComplianceMinimumCECs, y.Required) // nothing without a credential
		want := map[string]cec.Hours{}
		if y.Outstanding > 0 {
			want["total"] = y.Outstanding
		}
		if need := y.Required - y.OtherLimit; y.Association < need {
			want["association_minimum"] = need - y.Association
		}
		if y.Compliance < needed {
			want["compliance_minimum"] = needed - y.Compliance
		}
		got := map[string]cec.Hours{}
		for _, s := range y.Shortfalls {
			if _, twice := got[s.Rule]; twice || s.Message == "" {
				bad("shortfall %+v", s)
			}
			got[s.Rule] = s.Missing
		}
		if !maps.Equal(got, want) {
			bad("shortfalls %v, want %v", got, want)
		}
		return creds, acts, problems
	})
}

// propWindow is the renewal year and window of g's holder, worked out
// apart from the engine: the holder's cycle that is due in propRenewal or
// next; the calendar's renewal year from propRenewal on, its calendar
// years or the months before its due date.
func propWindow(g *propGen) (year int, from, to time.Time) {
	r := g.p.Renewal
	n := max(1, r.PeriodYears)
	if r.PeriodAnchor == policy.AnchorCredential {
		k := 1
		for g.earned.AddDate(k*n, 0, 0).Year() < propRenewal {
			k++
		}
		due := g.earned.AddDate(k*n, 0, 0)
		return due.Year(), g.earned.AddDate((k-1)*n, 0, 0), due.AddDate(0, 0, -1)
	}
	year = propRenewal
	for n > 1 && (year-r.PeriodStartYear)%n != 0 {
		year++
	}
	if r.RollingMonths > 0 {
		md, _ := time.Parse("01-02", g.p.RenewalInvoices.DueOn)
		due := time.Date(year, md.Month(), md.Day(), 0, 0, 0, 0, time.UTC)
		return year, due.AddDate(0, -r.RollingMonths, 0), due.AddDate(0, 0, -1)
	}
	last := year - r.EarnedYearsBefore
	return year, time.Date(last-n+1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(last, 12, 31, 0, 0, 0, 0, time.UTC)
}

// propShare is the share of a credential's requirement g's holder owes in
// the period from to: all of it, or, when the policy prorates a first
// period and they earned it after the period began, the whole months left
// after the month they earned it in, of the period's months.
func propShare(g *propGen, from, to time.Time) (left, months int64) {
	months = int64((to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month()) + 1)
	if !g.p.Renewal.ProrateFirstPeriod || !g.earned.After(from) {
		return months, months
	}
	left = int64((to.Year()-g.earned.Year())*12 + int(to.Month()) - int(g.earned.Month()))
	return max(0, min(months, left)), months
}

// propRequirement is the requirement and in-network minimum of the
// credentials held, worked out from the policy's list apart from the
// engine: of the credentials whose (prorated) requirement is the largest,
// the largest minimum (their own, or what the share of other sources
// leaves), prorated alike, in hundredths rounded down.
func propRequirement(g *propGen, creds []string) (req, minimum cec.Hours) {
	_, from, to := propWindow(g)
	left, months := propShare(g, from, to)
	share := func(h cec.Hours) cec.Hours { return cec.Hours(int64(h) * left / months) }
	for _, c := range g.p.Credentials {
		if slices.Contains(creds, c.Code) {
			req = max(req, share(c.CECsPerPeriod))
		}
	}
	for _, c := range g.p.Credentials {
		if !slices.Contains(creds, c.Code) || share(c.CECsPerPeriod) != req {
			continue
		}
		m := c.CECsPerPeriod * cec.Hours(100-g.p.Renewal.OtherMaxPercent) / 100
		if c.RawAssociationMinimum != "" {
			m = c.AssociationMinimumCECs
		}
		minimum = max(minimum, share(m))
	}
	return req, minimum
}

func propMinimum(g *propGen, creds []string) cec.Hours {
	_, m := propRequirement(g, creds)
	return m
}

// TestProp_Caps: per kind, the period's counted sum is at most its
// cap, per board or event at most its perItemCecs, and caps trim no more
// than they must: each kind counts exactly min(cap, Σ over items of
// min(perItem, the item's accepted hours)), and each cap group (its kinds,
// and credited programs of its formats) exactly min(its cap, what its
// members would count without it).
func TestProp_Caps(t *testing.T) {
	propRun(t, 5, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		y := g.judge(creds, acts)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		type item struct {
			kind, group string // group: the cap group the activity counts in, if any
			org, title  int
			day         time.Time
		}
		// The group an activity counts in: its kind's, or, for a credited
		// program, its format's (worked out from the policy's lists).
		groupOf := func(a credits.Activity) string {
			for _, grp := range g.p.CapGroups {
				if slices.Contains(grp.Kinds, a.Kind) || a.Source == credits.Credited && a.Kind == g.p.Renewal.ProgramKind && slices.Contains(grp.Formats, a.Format) {
					return grp.Code
				}
			}
			return ""
		}
		type bucket struct{ kind, group string }
		kindCounts := map[string]cec.Hours{}
		bucketCounts, bucketWant := map[bucket]cec.Hours{}, map[bucket]cec.Hours{}
		itemCounts, itemGiven := map[item]cec.Hours{}, map[item]cec.Hours{}
		for i, a := range acts {
			v := y.Verdicts[i]
			k, known := g.p.ActivityKind(a.Kind)
			if !known || len(g.refusals(a)) > 0 || v.Reason == credits.ReasonCountedOnce {
				continue
			}
			kindCounts[k.Code] += v.Counts
			it := item{kind: k.Code, group: groupOf(a)}
			bucketCounts[bucket{k.Code, it.group}] += v.Counts
			m := g.meta[a.ID]
			switch k.ItemKey {
			case policy.ItemOrganisation:
				it.org = m.org
			case policy.ItemEvent:
				it.title, it.day = m.title, m.day
			}
			itemCounts[it] += v.Counts
			itemGiven[it] += a.Hours
		}
		for _, k := range g.p.ActivityKinds {
			// A capped kind's activities are all in one group (or none):
			// the policy's loader keeps caps nested.
			wants := map[string]cec.Hours{}
			for it, given := range itemGiven {
				if it.kind != k.Code {
					continue
				}
				if k.PerItemCECs > 0 {
					if itemCounts[it] > k.PerItemCECs {
						bad("%s: item %+v counts %s, more than %s", k.Code, it, itemCounts[it], k.PerItemCECs)
					}
					given = min(given, k.PerItemCECs)
				}
				wants[it.group] += given
			}
			if k.PeriodCapCECs > 0 {
				if kindCounts[k.Code] > k.PeriodCapCECs {
					bad("%s counts %s, more than its cap %s", k.Code, kindCounts[k.Code], k.PeriodCapCECs)
				}
				if len(wants) > 1 {
					bad("%s is capped and counts in groups %v", k.Code, wants)
				}
				for grp := range wants {
					wants[grp] = min(wants[grp], k.PeriodCapCECs)
				}
			}
			for grp, want := range wants {
				// In a cap group, which member the group's cap trims depends
				// on the canonical order: the group is checked as a whole below.
				if grp != "" {
					bucketWant[bucket{k.Code, grp}] = want
					continue
				}
				if got := bucketCounts[bucket{k.Code, ""}]; got != want {
					bad("%s counts %s, want %s", k.Code, got, want)
				}
			}
		}
		for _, grp := range g.p.CapGroups {
			var got, want cec.Hours
			for b, w := range bucketWant {
				if b.group == grp.Code {
					got += bucketCounts[b]
					want += w
				}
			}
			if want = min(want, grp.CapCECs); got != want {
				bad("group %s counts %s, want %s", grp.Code, got, want)
			}
		}
		return creds, acts, problems
	})
}

// TestProp_RequirementIsLargest: the requirement is the largest of the
// credentials held (prorated alike where the policy says so), never their
// sum, whatever the order, repeats or unknown codes.
func TestProp_RequirementIsLargest(t *testing.T) {
	propRun(t, 6, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		var problems []string
		var sum cec.Hours
		distinct := map[string]bool{}
		for _, c := range g.p.Credentials {
			if slices.Contains(creds, c.Code) {
				sum += c.CECsPerPeriod
				distinct[c.Code] = true
			}
		}
		want, _ := propRequirement(g, creds)
		y := g.judge(creds, nil)
		if y.Required != want {
			problems = append(problems, fmt.Sprintf("required %s, want the largest %s", y.Required, want))
		}
		if len(distinct) > 1 && y.Required >= sum {
			problems = append(problems, fmt.Sprintf("required %s is the sum %s", y.Required, sum))
		}
		shuffled := append(slices.Clone(creds), creds...)
		g.r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if r := g.judge(shuffled, nil).Required; r != want {
			problems = append(problems, fmt.Sprintf("repeated and shuffled %q: required %s, want %s", shuffled, r, want))
		}
		more := append(slices.Clone(creds), g.p.Credentials[g.r.IntN(len(g.p.Credentials))].Code)
		if r, w := g.judge(more, nil).Required, max(want, func() cec.Hours { w, _ := propRequirement(g, more); return w }()); r != w || r < want {
			problems = append(problems, fmt.Sprintf("adding %s: required %s, want %s", more[len(more)-1], r, w))
		}
		return creds, nil, problems
	})
}

// TestProp_CountsOnce: of the activities of a kind that counts once which
// could count (in the window, documented), those with the same title and
// organisation (folded) count once: exactly one of them is not refused as
// a repeat, one with the most hours, and each repeat names it.
func TestProp_CountsOnce(t *testing.T) {
	propRun(t, 7, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		y := g.judge(creds, acts)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		type group struct {
			most    cec.Hours
			winners []int
			members int
		}
		groups := map[string]*group{}
		for i, a := range acts {
			k, known := g.p.ActivityKind(a.Kind)
			v := y.Verdicts[i]
			if !known || !k.CountsOnce || len(g.refusals(a)) > 0 {
				if v.Reason == credits.ReasonCountedOnce {
					bad("%s refused as a repeat, yet its kind does not count once or it could not count", a.ID)
				}
				continue
			}
			m := g.meta[a.ID]
			key := fmt.Sprintf("%s|%d|%d", k.Code, m.title, m.org)
			gr := groups[key]
			if gr == nil {
				gr = &group{}
				groups[key] = gr
			}
			gr.members++
			gr.most = max(gr.most, a.Hours)
			if v.Reason != credits.ReasonCountedOnce {
				gr.winners = append(gr.winners, i)
			} else if !strings.Contains(v.Message, "is the one that counts") {
				bad("%s: repeat message %q", a.ID, v.Message)
			}
		}
		for key, gr := range groups {
			if len(gr.winners) != 1 {
				bad("%s: %d of %d count, want exactly 1", key, len(gr.winners), gr.members)
				continue
			}
			if acts[gr.winners[0]].Hours != gr.most {
				bad("%s: the one that counts has %s hours, the most is %s", key, acts[gr.winners[0]].Hours, gr.most)
			}
		}
		return creds, acts, problems
	})
}

// propOnceKey is the key of an activity of a kind that counts once (its
// kind, title and organisation as the generator chose them), or "".
func propOnceKey(g *propGen, a credits.Activity) string {
	k, ok := g.p.ActivityKind(a.Kind)
	if !ok || !k.CountsOnce {
		return ""
	}
	m := g.meta[a.ID]
	return fmt.Sprintf("%s|%d|%d", k.Code, m.title, m.org)
}

// TestProp_AddingNeverLowers: adding an activity, of any kind, on any day,
// with any documentation, never lowers what counts, in all or from each
// source, whatever caps, groups and repeats it runs into.
//
// Not compliance: caps fill in date order, so an earlier activity of a
// capped kind may take the room of a later one that addresses compliance
// (the seed's rule; docs/policy.md says so).
func TestProp_AddingNeverLowers(t *testing.T) {
	propRun(t, 8, func(g *propGen) ([]string, []credits.Activity, []string) {
		creds := g.credentials()
		acts := g.activities(g.r.IntN(41))
		before := g.judge(creds, acts)
		more := append(slices.Clone(acts), g.activity())
		after := g.judge(creds, more)
		var problems []string
		bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
		for _, f := range []struct {
			name          string
			before, after cec.Hours
		}{
			{"counted", before.Counted, after.Counted}, {"association", before.Association, after.Association},
			{"other", before.Other, after.Other}, {"other counted", before.OtherCounted, after.OtherCounted},
		} {
			if f.after < f.before {
				bad("adding %s lowered %s from %s to %s", more[len(more)-1].ID, f.name, f.before, f.after)
			}
		}
		return creds, more, problems
	})
}
