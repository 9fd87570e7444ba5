package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
)

// Anchors of renewal periods (renewal.periodAnchor).
const (
	// AnchorCalendar: every holder's periods are the same calendar years
	// (or the same rolling span before renewalInvoices.dueOn).
	AnchorCalendar = "calendar"
	// AnchorCredential: each holder's periods start on the date they
	// earned their first credential and follow every periodYears years
	// (e.g. a 5-year recertification cycle).
	AnchorCredential = "credential"
)

// Held is a credential a holder holds and when they earned it.
type Held struct {
	Code     string
	EarnedOn time.Time // a civil date; its time of day is ignored
}

// Period is one holder's renewal period: when its CECs are earned, when it
// is invoiced and due, and what it requires of the credentials they hold.
// Dates are civil dates (midnight UTC); the association's time zone makes
// them days (Day).
type Period struct {
	Year     int       // the renewal year: the year Due falls in
	From, To time.Time // the window, inclusive: activities dated within count
	// Issue, Due and Grace: the renewal invoice is issued on Issue, due on
	// Due, payable without reinstatement until Grace.
	Issue, Due, Grace time.Time
	// Credentials are the codes held that the policy knows, sorted, once each.
	Credentials []string
	// Required is the largest requirement of the credentials held (after
	// proration); AssociationMinimum the CECs of it that must come from
	// association sources (the governing credential's).
	Required           cec.Hours
	AssociationMinimum cec.Hours
	// Prorated: a credential was earned during the period, and the policy
	// prorates a first period: Required is that credential's share.
	Prorated bool

	calendarYear bool // the window is one calendar year (its words name the year)
	years        int  // the period's length in years
}

// Day is civil date d as midnight in loc (the association's time zone).
func Day(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// Contains reports whether civil date d (its time of day ignored) is in the window.
func (r Period) Contains(d time.Time) bool {
	day := civil(d)
	return !day.Before(r.From) && !day.After(r.To)
}

// WindowWords says when the period's CECs are earned, to follow "CECs
// earned": "in 2026", or "from March 15, 2023 to March 14, 2028".
func (r Period) WindowWords() string {
	if r.calendarYear {
		return fmt.Sprintf("in %d", r.From.Year())
	}
	return fmt.Sprintf("from %s to %s", r.From.Format("January 2, 2006"), r.To.Format("January 2, 2006"))
}

// SpanWords names the period in a cap's words: "a year", or "in a 5-year
// cycle".
func (r Period) SpanWords() string {
	if r.years <= 1 {
		return "a year"
	}
	return fmt.Sprintf("in a %d-year cycle", r.years)
}

func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Period is the renewal period of a holder of held due in year, or, when
// none is due in year (cycles of several years), the first due after it.
// It is pure arithmetic on the policy and the holder's dates.
func (p *Policy) Period(year int, held []Held) Period {
	r := Period{years: p.periodYears()}
	for _, h := range held {
		if _, ok := p.byCode[h.Code]; ok && !slices.Contains(r.Credentials, h.Code) {
			r.Credentials = append(r.Credentials, h.Code)
		}
	}
	slices.Sort(r.Credentials)
	n := r.years
	ri := p.RenewalInvoices
	if p.Renewal.PeriodAnchor == AnchorCredential {
		anchor, ok := firstEarned(p, held)
		if !ok { // no date to anchor on (nothing held): a period of the calendar
			anchor = time.Date(year-n, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		k := max(1, ceilDiv(year-anchor.Year(), n))
		r.From, r.Due = anchor.AddDate((k-1)*n, 0, 0), anchor.AddDate(k*n, 0, 0)
		r.To = r.Due.AddDate(0, 0, -1)
		r.Issue, r.Grace = r.Due.AddDate(0, 0, -ri.IssueDaysBeforeDue), r.Due.AddDate(0, 0, ri.GraceDaysAfterDue)
	} else {
		// The renewal years are those ≡ periodStartYear (mod n); with
		// yearly periods, every year.
		due := year + (((p.Renewal.PeriodStartYear-year)%n)+n)%n
		r.Due = ri.DueDate(due, time.UTC)
		r.Issue, r.Grace = ri.IssueDate(due, time.UTC), ri.GraceDate(due, time.UTC)
		switch {
		case p.Renewal.RollingMonths > 0:
			r.From, r.To = r.Due.AddDate(0, -p.Renewal.RollingMonths, 0), r.Due.AddDate(0, 0, -1)
		default:
			last := due - p.Renewal.EarnedYearsBefore
			r.From, r.To = time.Date(last-n+1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(last, 12, 31, 0, 0, 0, 0, time.UTC)
			r.calendarYear = n == 1
		}
	}
	r.Year = r.Due.Year()
	p.require(&r, held)
	return r
}

// require sets r's requirement: the largest of the credentials held, each
// prorated when the policy says so and it was earned during the period
// (the earliest date a code was earned on governs).
func (p *Policy) require(r *Period, held []Held) {
	months := monthsBetween(r.From, r.To.AddDate(0, 0, 1))
	for i, code := range r.Credentials {
		c := p.byCode[code]
		var earned time.Time
		for _, h := range held {
			if h.Code == code && (earned.IsZero() || h.EarnedOn.IsZero() || civil(h.EarnedOn).Before(earned)) {
				earned = civil(h.EarnedOn)
				if h.EarnedOn.IsZero() {
					break
				}
			}
		}
		left := months
		if p.Renewal.ProrateFirstPeriod && earned.After(r.From) {
			// The whole months of the period after the month it was earned in.
			next := time.Date(earned.Year(), earned.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			left = min(months, max(0, monthsBetween(next, r.To.AddDate(0, 0, 1))))
		}
		// Hundredths rounded down, in the holder's favour.
		req := cec.Hours(int64(c.CECsPerPeriod) * int64(left) / int64(months))
		minimum := cec.Hours(int64(p.minimumOf(c)) * int64(left) / int64(months))
		switch {
		case i == 0 || req > r.Required:
			r.Required, r.AssociationMinimum, r.Prorated = req, minimum, left < months
		case req == r.Required:
			r.AssociationMinimum = max(r.AssociationMinimum, minimum)
			r.Prorated = r.Prorated && left < months
		}
	}
}

// monthsBetween counts the months from a to b, two firsts of months or two
// days of the same month-day.
func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}

// firstEarned is the earliest date a credential the policy knows was earned.
func firstEarned(p *Policy, held []Held) (time.Time, bool) {
	var first time.Time
	for _, h := range held {
		if _, ok := p.byCode[h.Code]; !ok || h.EarnedOn.IsZero() {
			continue
		}
		if d := civil(h.EarnedOn); first.IsZero() || d.Before(first) {
			first = d
		}
	}
	return first, !first.IsZero()
}

// ComingPeriod is the period whose CECs are being earned on today (a date
// in the association's time zone): with yearly calendar windows the
// renewal of the year after today's; otherwise the first period whose
// window has not ended.
func (p *Policy) ComingPeriod(today time.Time, held []Held) Period {
	if p.periodYears() == 1 && p.Renewal.RollingMonths == 0 && p.Renewal.PeriodAnchor != AnchorCredential {
		return p.Period(today.Year()+1, held)
	}
	day := civil(today)
	for y := today.Year() - 1; ; {
		r := p.Period(y, held)
		if !day.After(r.To) {
			return r
		}
		y = r.Year + 1
	}
}

func (p *Policy) periodYears() int { return max(1, p.Renewal.PeriodYears) }

// validatePeriod checks the period's shape: its length, its anchor, and the
// fields each anchor reads.
func (p *Policy) validatePeriod() error {
	r, ri := &p.Renewal, &p.RenewalInvoices
	if r.PeriodYears < 0 || r.PeriodYears > 10 {
		return fieldErr("renewal.periodYears", "must be between 1 and 10")
	}
	n := p.periodYears()
	switch r.PeriodAnchor {
	case "":
		r.PeriodAnchor = AnchorCalendar
	case AnchorCalendar, AnchorCredential:
	default:
		return fieldErr("renewal.periodAnchor", fmt.Sprintf("%q must be calendar or credential", r.PeriodAnchor))
	}
	// A window the length of the period: longer would count a CEC toward
	// two renewals, shorter leave days no renewal takes.
	if r.RollingMonths != 0 && (r.PeriodAnchor != AnchorCalendar || r.RollingMonths != 12*n) {
		return fieldErr("renewal.rollingMonthsBeforeDue", fmt.Sprintf("must be %d (the period before the due date), or left out for calendar years", 12*n))
	}
	if r.PeriodAnchor == AnchorCredential {
		switch {
		case r.EarnedYearsBefore != 0:
			return fieldErr("renewal.earnedYearsBefore", "is for calendar periods: leave it out with periodAnchor credential")
		case r.PeriodStartYear != 0:
			return fieldErr("renewal.periodStartYear", "is for calendar periods: leave it out with periodAnchor credential")
		case r.ProrateFirstPeriod:
			return fieldErr("renewal.prorateFirstPeriod", "is for calendar periods: a holder's own period starts when they earn the credential")
		case ri.IssueOn != "" || ri.DueOn != "" || ri.GraceUntil != "":
			return fieldErr("renewalInvoices.dueOn", "is for calendar periods: with periodAnchor credential a renewal is due on the anniversary, issued issueDaysBeforeDue before it")
		// The invoices' sweep runs weekly (renewals.SweepEvery): two weeks
		// at least, so that it meets every holder inside their issue window.
		case ri.IssueDaysBeforeDue < 14 || ri.IssueDaysBeforeDue > 366:
			return fieldErr("renewalInvoices.issueDaysBeforeDue", "must be between 14 and 366")
		case ri.GraceDaysAfterDue < 0 || ri.GraceDaysAfterDue > 366:
			return fieldErr("renewalInvoices.graceDaysAfterDue", "must be between 0 and 366")
		}
		return nil
	}
	switch {
	case ri.IssueDaysBeforeDue != 0 || ri.GraceDaysAfterDue != 0:
		return fieldErr("renewalInvoices.issueDaysBeforeDue", "is for periods anchored on the credential: calendar periods use issueOn, dueOn and graceUntil")
	case n > 1 && r.RollingMonths == 0 && r.EarnedYearsBefore != 1:
		return fieldErr("renewal.earnedYearsBefore", "must be 1 with periods of several calendar years (the period ends the year before the renewal)")
	case n > 1 && r.PeriodStartYear == 0:
		return fieldErr("renewal.periodStartYear", "is required with periods of several calendar years: the first year of any one period, e.g. 2024")
	case n == 1 && r.PeriodStartYear != 0:
		return fieldErr("renewal.periodStartYear", "is for periods of several years")
	}
	return nil
}
