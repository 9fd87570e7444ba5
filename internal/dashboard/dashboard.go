// Package dashboard is the office's numbers at a glance: figures kept as
// counters by the writes they count (in the same transaction, so they
// never drift from the records), read in a handful of GetItem and Query
// calls whatever the number of holders, programs or payments
// (docs/dashboard.md).
package dashboard

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ledger"
)

// Count is one bar of a chart: a label code and its number.
type Count struct {
	Key   string
	Value int64
}

// Figures are the dashboard's numbers.
type Figures struct {
	// ProgramsByStatus counts the programs in each status, in the order
	// of a program's life (StatusOrder); statuses with none are left out.
	ProgramsByStatus []Count
	// TopProviders are the providers with the most programs (at most
	// TopProvidersShown, the most first), and Providers how many have any.
	TopProviders []ProviderPrograms
	Providers    int
	// Revenue is what was taken less what was refunded, per month of the
	// last twelve (the association's, this one last) and currency.
	Revenue []MonthRevenue
	// Season is the renewal season under way: the coming renewal year's
	// invoices if any are out, else this year's.
	Season Season
	// Compliance is the CEC verdicts of the season's renewal year's
	// invoices (Season.Year): met, or short, and by which rules.
	Compliance Compliance
	// Credited is the CECs credited to transcripts per month of the last
	// twelve (the association's, by the month of the crediting; a
	// withdrawal is taken off in its own month), every month given.
	Credited []MonthCredits
}

// MonthCredits is one month's credits written to transcripts less those
// withdrawn, and their CECs.
type MonthCredits struct {
	Month   string // YYYY-MM
	Credits int64
	CECs    cec.Hours
}

// Compliance is a renewal year's invoices by the verdict of their
// holders' CECs, kept current as credits come (docs/dashboard.md).
type Compliance struct {
	Year       int
	Met, Short int64
	// ShortBy counts the invoices short of each rule (total,
	// association_minimum, compliance_minimum), in that order; a holder
	// short of two rules is in both.
	ShortBy []Count
}

// RuleOrder is the order of the CEC rules, for the figure.
var RuleOrder = []string{"total", "association_minimum", "compliance_minimum"}

// ProviderPrograms is one provider's programs by status.
type ProviderPrograms struct {
	ID, Name string
	ByStatus []Count // in StatusOrder, statuses with none left out
	Total    int64
}

// TopProvidersShown is how many providers the dashboard names.
const TopProvidersShown = 10

// Season is a renewal year's invoices, issued and paid, week by week.
type Season struct {
	Year  int
	Weeks []SeasonWeek // the weeks with invoices issued or paid, in order
	// Invoiced, Paid and Outstanding are the season's so far.
	Invoiced, Paid, Outstanding int64
	// Lapsed is what is outstanding once the grace period has ended (0
	// before it); LapseKnown is false where renewals have no one grace
	// date (holders' own cycles).
	Lapsed     int64
	LapseKnown bool
}

// SeasonWeek is one week of a season (the association's ISO week).
type SeasonWeek struct {
	Week           string // "2026-W45"
	Invoiced, Paid int64  // that week
	Outstanding    int64  // at the week's end: invoiced so far less paid so far
}

// MonthRevenue is one month's net revenue by kind of payment, in cents.
type MonthRevenue struct {
	Month           string // YYYY-MM
	Currency        string
	ApplicationFees int64
	FilingFees      int64
	Renewals        int64 // reinstatement fees included
}

// StatusOrder is the order of a program's life, for the chart.
var StatusOrder = []string{"draft", "submitted", "refused", "fee_due", "paid", "in_review", "approved", "rejected"}

// Store reads the counters.
type Store interface {
	// ProgramsByStatus is the count of programs per status (one GetItem).
	ProgramsByStatus(ctx context.Context) (map[string]int64, error)
	// ProgramsByProvider is each provider's count per status (one Query
	// a MB of counters: a page at ten times the stated providers).
	ProgramsByProvider(ctx context.Context) (map[string]map[string]int64, error)
	// ProviderNames are providers' names (one BatchGet).
	ProviderNames(ctx context.Context, ids []string) (map[string]string, error)
	// Revenue is a year's revenue counters (one GetItem), named as
	// ledger.RevenueName makes them.
	Revenue(ctx context.Context, year int) (map[string]int64, error)
	// Season is a renewal year's invoices issued and paid by week, named
	// "<week> invoiced" and "<week> paid" (one GetItem).
	Season(ctx context.Context, year int) (map[string]int64, error)
	// Compliance is a renewal year's invoices by CEC verdict, named
	// "met", "short" and "short <rule>" (one GetItem).
	Compliance(ctx context.Context, year int) (map[string]int64, error)
	// Credited is a year's credits and CECs (in hundredths) credited by
	// month, named "<yyyy-mm> credits" and "<yyyy-mm> cecs" (one GetItem).
	Credited(ctx context.Context, year int) (map[string]int64, error)
}

// Service is the dashboard for staff.
type Service struct {
	Store Store
	Now   func() time.Time
	Loc   *time.Location // the association's time zone: its months
	// GraceEnds is the last day of grace of renewal year's invoices
	// (midnight, association time zone); ok false where each holder has
	// their own. Nil: none known.
	GraceEnds func(year int) (day time.Time, ok bool)
}

// Figures reads the dashboard's numbers.
// Errors: Unauthenticated; Forbidden unless staff.
func (s *Service) Figures(ctx context.Context, c identity.Caller) (Figures, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Figures{}, err
	}
	byStatus, err := s.Store.ProgramsByStatus(ctx)
	if err != nil {
		return Figures{}, err
	}
	var f Figures
	f.ProgramsByStatus = statusCounts(byStatus)
	if f.TopProviders, f.Providers, err = s.topProviders(ctx); err != nil {
		return Figures{}, err
	}
	if f.Revenue, err = s.revenue(ctx); err != nil {
		return Figures{}, err
	}
	if f.Season, err = s.season(ctx); err != nil {
		return Figures{}, err
	}
	if f.Compliance, err = s.compliance(ctx, f.Season.Year); err != nil {
		return Figures{}, err
	}
	if f.Credited, err = s.credited(ctx); err != nil {
		return Figures{}, err
	}
	return f, nil
}

// season is the coming renewal year's season if its invoices are out,
// else this year's: at most two GetItems.
func (s *Service) season(ctx context.Context) (Season, error) {
	now := s.Now().In(s.Loc)
	for _, year := range []int{now.Year() + 1, now.Year()} {
		counts, err := s.Store.Season(ctx, year)
		if err != nil {
			return Season{}, err
		}
		if len(counts) == 0 && year > now.Year() {
			continue
		}
		byWeek := map[string]*SeasonWeek{}
		for name, n := range counts {
			week, what, ok := strings.Cut(name, " ")
			if !ok {
				continue
			}
			w := byWeek[week]
			if w == nil {
				w = &SeasonWeek{Week: week}
				byWeek[week] = w
			}
			switch what {
			case "invoiced":
				w.Invoiced += n
			case "paid":
				w.Paid += n
			}
		}
		out := Season{Year: year}
		for _, w := range byWeek {
			out.Weeks = append(out.Weeks, *w)
		}
		slices.SortFunc(out.Weeks, func(a, b SeasonWeek) int { return cmp.Compare(a.Week, b.Week) })
		for i := range out.Weeks {
			out.Invoiced += out.Weeks[i].Invoiced
			out.Paid += out.Weeks[i].Paid
			out.Weeks[i].Outstanding = out.Invoiced - out.Paid
		}
		out.Outstanding = out.Invoiced - out.Paid
		if s.GraceEnds != nil {
			if day, ok := s.GraceEnds(year); ok {
				out.LapseKnown = true
				if !now.Before(day.AddDate(0, 0, 1)) {
					out.Lapsed = out.Outstanding
				}
			}
		}
		return out, nil
	}
	return Season{Year: now.Year()}, nil
}

// compliance is year's invoices by CEC verdict: one GetItem.
func (s *Service) compliance(ctx context.Context, year int) (Compliance, error) {
	counts, err := s.Store.Compliance(ctx, year)
	if err != nil {
		return Compliance{}, err
	}
	c := Compliance{Year: year, Met: max(0, counts["met"]), Short: max(0, counts["short"])}
	for name, n := range counts {
		if rule, ok := strings.CutPrefix(name, "short "); ok && n > 0 {
			c.ShortBy = append(c.ShortBy, Count{Key: rule, Value: n})
		}
	}
	slices.SortFunc(c.ShortBy, func(a, b Count) int { return cmp.Or(ruleOrder(a.Key)-ruleOrder(b.Key), cmp.Compare(a.Key, b.Key)) })
	return c, nil
}

// ruleOrder places a rule in RuleOrder; one it does not know goes last.
func ruleOrder(rule string) int {
	if i := slices.Index(RuleOrder, rule); i >= 0 {
		return i
	}
	return len(RuleOrder)
}

// lastTwelve is the first day of the twelve months that end with now's
// (loc's) and the counters of their years (two GetItems).
func (s *Service) lastTwelve(ctx context.Context, read func(context.Context, int) (map[string]int64, error)) (first, now time.Time, counters map[string]int64, err error) {
	now = s.Now().In(s.Loc)
	first = time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, s.Loc)
	counters = map[string]int64{}
	for _, y := range []int{first.Year(), now.Year()} {
		c, err := read(ctx, y)
		if err != nil {
			return first, now, nil, err
		}
		for k, v := range c {
			counters[k] = v
		}
	}
	return first, now, counters, nil
}

// credited is the last twelve months' credits: two GetItems.
func (s *Service) credited(ctx context.Context) ([]MonthCredits, error) {
	first, now, counters, err := s.lastTwelve(ctx, s.Store.Credited)
	if err != nil {
		return nil, err
	}
	var out []MonthCredits
	for m := first; !m.After(now); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		out = append(out, MonthCredits{Month: month, Credits: counters[month+" credits"], CECs: cec.Hours(counters[month+" cecs"])})
	}
	return out, nil
}

// revenue is the last twelve months' net revenue: two GetItems (this
// year's counters and last year's).
func (s *Service) revenue(ctx context.Context) ([]MonthRevenue, error) {
	first, now, counters, err := s.lastTwelve(ctx, s.Store.Revenue)
	if err != nil {
		return nil, err
	}
	type key struct{ month, currency string }
	rows := map[key]*MonthRevenue{}
	for name, cents := range counters {
		parts := strings.Fields(name)
		if len(parts) != 4 || parts[3] == ledger.FieldHeld || parts[3] == ledger.FieldFailed {
			continue
		}
		month, kind, currency, field := parts[0], parts[1], parts[2], parts[3]
		if month < first.Format("2006-01") || month > now.Format("2006-01") {
			continue
		}
		if field == ledger.FieldRefunded {
			cents = -cents
		}
		k := key{month, currency}
		if rows[k] == nil {
			rows[k] = &MonthRevenue{Month: month, Currency: currency}
		}
		switch kind {
		case ledger.ApplicationFee:
			rows[k].ApplicationFees += cents
		case ledger.FilingFee:
			rows[k].FilingFees += cents
		case ledger.Renewal:
			rows[k].Renewals += cents
		}
	}
	// Every month of the twelve, even one without payments.
	seen := map[string]bool{}
	for k := range rows {
		seen[k.month] = true
	}
	for m := first; !m.After(now); m = m.AddDate(0, 1, 0) {
		if month := m.Format("2006-01"); !seen[month] {
			rows[key{month, ""}] = &MonthRevenue{Month: month}
		}
	}
	out := make([]MonthRevenue, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b MonthRevenue) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Currency, b.Currency))
	})
	return out, nil
}

// statusCounts are counts by status in StatusOrder, those of none left
// out; so is a count below none, which only a program written before its
// counter existed can make (docs/dashboard.md: a counter starts from its
// first write).
func statusCounts(by map[string]int64) []Count {
	var out []Count
	for status, n := range by {
		if n > 0 {
			out = append(out, Count{Key: status, Value: n})
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return order(a.Key) - order(b.Key) })
	return out
}

// topProviders are the TopProvidersShown providers with the most programs
// (ties by ID) with their names, and how many providers have any: a Query
// and a BatchGet.
func (s *Service) topProviders(ctx context.Context) ([]ProviderPrograms, int, error) {
	by, err := s.Store.ProgramsByProvider(ctx)
	if err != nil {
		return nil, 0, err
	}
	var all []ProviderPrograms
	for id, counts := range by {
		p := ProviderPrograms{ID: id, ByStatus: statusCounts(counts)}
		for _, c := range p.ByStatus {
			p.Total += c.Value
		}
		if p.Total > 0 {
			all = append(all, p)
		}
	}
	slices.SortFunc(all, func(a, b ProviderPrograms) int { return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.ID, b.ID)) })
	top := all[:min(len(all), TopProvidersShown)]
	if len(top) == 0 {
		return nil, 0, nil
	}
	ids := make([]string, len(top))
	for i, p := range top {
		ids[i] = p.ID
	}
	names, err := s.Store.ProviderNames(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range top {
		top[i].Name = names[top[i].ID]
	}
	return top, len(all), nil
}

// order places a status in StatusOrder; one it does not know goes last.
func order(status string) int {
	if i := slices.Index(StatusOrder, status); i >= 0 {
		return i
	}
	return len(StatusOrder)
}
