// Package credits is the CEC rules engine of SPEC §3: given the policy, a
// renewal year, the credentials a holder holds and their activities, it
// judges every activity and the year. It is pure (no I/O, no clock) and
// exact (hundredths of a CEC, never floating point), and its verdicts do not
// depend on the order the activities come in.
package credits

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/policy"
)

// Source says where an activity comes from.
type Source string

const (
	// Credited: credited through attendance reporting of an approved
	// program; the provider's report is its documentation.
	Credited Source = "program"
	// SelfReported: reported by the holder, with documentation.
	SelfReported Source = "self"
)

// Activity is one activity of the holder.
type Activity struct {
	ID                        string
	Source                    Source
	Kind                      string // a policy activity kind (credited programs: policy renewal.programKind)
	Title                     string
	Organisation              string
	Date                      time.Time // a civil date (the time of day is ignored)
	Hours                     cec.Hours
	Compliance                bool
	DocumentationType         string
	DocumentationRef          string
	Vendor                    string // for online courses: who sold it
	PurchasedThroughAffiliate bool
	// Format is a credited program's format (policy.ProgramFormats), which
	// cap groups may cap; "" for self-reported activities.
	Format string
}

// Status is an activity's verdict.
type Status string

const (
	Counted Status = "counted" // all its hours count
	Capped  Status = "capped"  // some (perhaps none) of its hours count: a cap applies
	Refused Status = "refused" // none of it counts
)

// Reason codes of capped and refused verdicts.
const (
	ReasonOutsideWindow     = "outside_window"
	ReasonKindNotAccepted   = "kind_not_accepted"
	ReasonVendorException   = "vendor_not_purchased_through_affiliate"
	ReasonDocumentationNone = "documentation_missing"
	ReasonDocumentationFit  = "documentation_unfit"
	ReasonNoHours           = "no_hours"
	ReasonPerItemCap        = "per_item_cap"
	ReasonYearCap           = "year_cap"
	ReasonGroupCap          = "group_cap"
	ReasonCountedOnce       = "counted_once"
)

// Verdict is the judgement on one activity.
type Verdict struct {
	ActivityID string
	Kind       string
	Category   string // association or other; "" when refused for its kind
	Status     Status
	Hours      cec.Hours // given
	Counts     cec.Hours // counted after caps (before the year's share rule)
	Reason     string    // for capped and refused
	Message    string
}

// Year is the judgement of a renewal period (a renewal year's, or a cycle
// of several years due in that year).
type Year struct {
	RenewalYear int
	From, To    time.Time     // the window: activities dated within count
	Period      policy.Period // what the verdicts judge against
	Required    cec.Hours     // the largest requirement of the credentials held
	// Association and Other are the counted hours of each category after
	// the per-kind caps; OtherCounted is Other limited to its share of the
	// requirement (OtherLimit).
	Association  cec.Hours
	Other        cec.Hours
	OtherLimit   cec.Hours
	OtherCounted cec.Hours
	Counted      cec.Hours // Association + OtherCounted
	Compliance   cec.Hours // counted hours that address compliance
	Outstanding  cec.Hours // what is still needed: max(0, Required − Counted)
	Met          bool
	Shortfalls   []Shortfall // by rule, when not met
	Verdicts     []Verdict   // in the order of the activities given
}

// Shortfall is how far a year is from one rule.
type Shortfall struct {
	Rule     string    // total, association_minimum, compliance_minimum
	Missing  cec.Hours // Required − Counted
	Counted  cec.Hours // what counts towards the rule
	Required cec.Hours // what the rule asks for
	Message  string
}

// Judge applies SPEC §3 to a holder's renewal period (policy.Period: the
// window, the requirement of the credentials they hold).
func Judge(p *policy.Policy, period policy.Period, activities []Activity) Year {
	y := Year{RenewalYear: period.Year, From: period.From, To: period.To, Period: period, Required: period.Required}
	// What may come from other sources: the requirement less the minimum
	// from the association's (the governing credential's own, or the share
	// renewal.otherMaxPercent leaves).
	y.OtherLimit = y.Required - period.AssociationMinimum

	// Judge in a canonical order, so that which activity a cap trims does
	// not depend on the order they were given in.
	order := make([]int, len(activities))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareActivities(activities[a], activities[b]) })
	verdicts := make([]Verdict, len(activities))
	repeats, compliant := repeatsOf(p, y, activities)
	perItem := map[string]cec.Hours{}  // kind|item → counted so far
	perKind := map[string]cec.Hours{}  // kind → counted so far
	perGroup := map[string]cec.Hours{} // cap group → counted so far
	var otherCompliance cec.Hours
	for _, i := range order {
		a := activities[i]
		var v Verdict
		if first, repeat := repeats[i]; repeat {
			kind, _ := p.ActivityKind(a.Kind)
			v = Verdict{ActivityID: a.ID, Kind: a.Kind, Hours: a.Hours, Status: Refused, Reason: ReasonCountedOnce,
				Message: fmt.Sprintf("%s counts once in a renewal's window: the same one (%s, %s), taken on %s, is the one that counts",
					kind.Name, strings.TrimSpace(a.Title), strings.TrimSpace(a.Organisation), civil(activities[first].Date).t.Format("January 2, 2006"))}
		} else {
			v = judgeOne(p, y, a, perItem, perKind, perGroup)
		}
		verdicts[i] = v
		switch v.Category {
		case policy.CategoryAssociation:
			y.Association += v.Counts
			if a.Compliance || compliant[i] {
				y.Compliance += v.Counts
			}
		case policy.CategoryOther:
			y.Other += v.Counts
			if a.Compliance || compliant[i] {
				otherCompliance += v.Counts
			}
		}
	}
	y.Verdicts = verdicts
	y.OtherCounted = min(y.Other, y.OtherLimit)
	// Compliance from other sources counts only as far as other sources do.
	y.Compliance += min(otherCompliance, y.OtherCounted)
	y.Counted = y.Association + y.OtherCounted
	y.Outstanding = max(0, y.Required-y.Counted)
	// No credential, nothing to renew; a prorated requirement below the
	// compliance minimum asks no more than itself.
	complianceNeeded := min(p.Renewal.ComplianceMinimumCECs, y.Required)
	y.Met = y.Counted >= y.Required && y.Compliance >= complianceNeeded
	if y.Outstanding > 0 {
		y.Shortfalls = append(y.Shortfalls, Shortfall{Rule: "total", Missing: y.Outstanding, Counted: y.Counted, Required: y.Required,
			Message: fmt.Sprintf("%s CECs counted of the %s required", y.Counted, y.Required)})
	}
	if need := y.Required - y.OtherLimit; y.Association < need {
		y.Shortfalls = append(y.Shortfalls, Shortfall{Rule: "association_minimum", Missing: need - y.Association, Counted: y.Association, Required: need,
			Message: fmt.Sprintf("at least %s CECs must come from association sources; %s do", need, y.Association)})
	}
	if y.Compliance < complianceNeeded {
		y.Shortfalls = append(y.Shortfalls, Shortfall{Rule: "compliance_minimum", Missing: complianceNeeded - y.Compliance, Counted: y.Compliance, Required: complianceNeeded,
			Message: fmt.Sprintf("at least %s CEC must address legislative or regulatory compliance; %s does", complianceNeeded, y.Compliance)})
	}
	return y
}

// repeatsOf finds the activities of a kind that counts once taken again
// (the same title and organisation, folded): each maps to the one that
// counts, the one of them with the most hours (then the first in the
// canonical order), so that adding an activity never lowers what counts.
// compliant marks the ones that count whose repeats include one that
// addresses compliance: it is the same activity, so it does.
// Only activities that could count take part: one refused for itself (out
// of the window, undocumented) repeats nothing.
func repeatsOf(p *policy.Policy, y Year, activities []Activity) (repeats map[int]int, compliant map[int]bool) {
	keyOf := func(a Activity) (string, bool) {
		k, ok := p.ActivityKind(a.Kind)
		if !ok || !k.CountsOnce {
			return "", false
		}
		if _, _, refused := refusal(p, y, a); refused {
			return "", false
		}
		return k.Code + "|" + names.Fold(a.Title) + "|" + names.Fold(a.Organisation), true
	}
	best := map[string]int{}
	for i, a := range activities {
		key, ok := keyOf(a)
		if !ok {
			continue
		}
		j, seen := best[key]
		if !seen || a.Hours > activities[j].Hours || (a.Hours == activities[j].Hours && compareActivities(a, activities[j]) < 0) {
			best[key] = i
		}
	}
	repeats, compliant = map[int]int{}, map[int]bool{}
	for i, a := range activities {
		if key, ok := keyOf(a); ok && best[key] != i {
			repeats[i] = best[key]
			if a.Compliance {
				compliant[best[key]] = true
			}
		}
	}
	return repeats, compliant
}

// compareActivities is a total order on everything that can change a
// verdict, so that activities that tie on date and ID still judge the same
// whatever order they come in.
func compareActivities(x, z Activity) int {
	return cmp.Or(
		civil(x.Date).Compare(civil(z.Date)),
		cmp.Compare(x.ID, z.ID),
		cmp.Compare(x.Kind, z.Kind),
		cmp.Compare(x.Hours, z.Hours),
		cmpBool(x.Compliance, z.Compliance),
		cmp.Compare(x.Source, z.Source),
		cmp.Compare(x.Title, z.Title),
		cmp.Compare(x.Organisation, z.Organisation),
		cmp.Compare(x.DocumentationType, z.DocumentationType),
		cmp.Compare(x.DocumentationRef, z.DocumentationRef),
		cmp.Compare(x.Vendor, z.Vendor),
		cmpBool(x.PurchasedThroughAffiliate, z.PurchasedThroughAffiliate),
		cmp.Compare(x.Format, z.Format),
	)
}

// cmpBool orders true first, so that with equal hours the activity that
// also addresses compliance is counted before a cap trims its twin.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// date is a civil date for ordering.
type date struct{ t time.Time }

func civil(t time.Time) date {
	return date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

func (d date) Compare(e date) int { return d.t.Compare(e.t) }

// refusal is why activity a cannot count at all in year y, if so: its
// kind, its date, its hours, its vendor, its documentation.
func refusal(p *policy.Policy, y Year, a Activity) (reason, message string, refused bool) {
	kind, ok := p.ActivityKind(a.Kind)
	if !ok {
		if n, listed := p.Refused(a.Kind); listed {
			return ReasonKindNotAccepted, n.Name + " is not accepted", true
		}
		return ReasonKindNotAccepted, fmt.Sprintf("%q is not an activity that counts toward renewal", a.Kind), true
	}
	if !y.Period.Contains(a.Date) {
		return ReasonOutsideWindow, fmt.Sprintf("the %d renewal accepts CECs earned %s only", y.RenewalYear, y.Period.WindowWords()), true
	}
	if a.Hours <= 0 {
		return ReasonNoHours, "an activity needs its hours", true
	}
	for _, r := range p.VendorRestrictions {
		if a.Vendor != "" && names.Equal(a.Vendor, r.Vendor) && !a.PurchasedThroughAffiliate {
			return ReasonVendorException, fmt.Sprintf("online courses of %s count only when %s", r.Vendor, r.Exception), true
		}
	}
	if a.Source != Credited {
		switch {
		case strings.TrimSpace(a.DocumentationType) == "":
			return ReasonDocumentationNone, "a self-reported activity needs its documentation", true
		case !kind.Documents(a.DocumentationType):
			return ReasonDocumentationFit, fmt.Sprintf("%s does not document %s", a.DocumentationType, kind.Name), true
		}
	}
	return "", "", false
}

func judgeOne(p *policy.Policy, y Year, a Activity, perItem, perKind, perGroup map[string]cec.Hours) Verdict {
	v := Verdict{ActivityID: a.ID, Kind: a.Kind, Hours: a.Hours, Status: Refused}
	if reason, msg, refused := refusal(p, y, a); refused {
		v.Reason, v.Message = reason, msg
		return v
	}
	kind, _ := p.ActivityKind(a.Kind)
	v.Category = kind.Category
	v.Status, v.Counts = Counted, a.Hours
	if kind.PerItemCECs > 0 {
		key := kind.Code + "|" + itemKey(kind.ItemKey, a)
		room := max(0, kind.PerItemCECs-perItem[key])
		if v.Counts > room {
			v.Status, v.Counts, v.Reason = Capped, room, ReasonPerItemCap
			v.Message = fmt.Sprintf("%s counts at most %s CEC for each %s", kind.Name, kind.PerItemCECs, map[string]string{
				policy.ItemOrganisation: "board or committee", policy.ItemEvent: "event"}[kind.ItemKey])
		}
		defer func() { perItem[key] += v.Counts }() // what the item counts after every cap
	}
	if kind.PeriodCapCECs > 0 {
		room := max(0, kind.PeriodCapCECs-perKind[kind.Code])
		if v.Counts > room {
			v.Status, v.Counts, v.Reason = Capped, room, ReasonYearCap
			v.Message = fmt.Sprintf("%s counts at most %s CECs %s", kind.Name, kind.PeriodCapCECs, y.Period.SpanWords())
		}
	}
	// A credited program joins a cap group by its format (the program kind
	// is in none by kind, and has no cap of its own: caps still nest).
	format := ""
	if a.Source == Credited && kind.Code == p.Renewal.ProgramKind {
		format = a.Format
	}
	groups := p.CapGroupsOf(kind.Code, format)
	for _, g := range groups {
		room := max(0, g.CapCECs-perGroup[g.Code])
		if v.Counts > room {
			v.Status, v.Counts, v.Reason = Capped, room, ReasonGroupCap
			v.Message = fmt.Sprintf("%s count at most %s CECs together", g.Name, g.CapCECs)
			if y.Period.SpanWords() != "a year" {
				v.Message += " " + y.Period.SpanWords()
			}
		}
	}
	perKind[kind.Code] += v.Counts
	for _, g := range groups {
		perGroup[g.Code] += v.Counts
	}
	return v
}

// itemKey names the item a per-item cap counts: the same board under any
// spelling of case, accents or spaces is one board.
func itemKey(key string, a Activity) string {
	if key == policy.ItemEvent {
		return names.Fold(a.Title) + "|" + civil(a.Date).t.Format(time.DateOnly)
	}
	return names.Fold(a.Organisation)
}
