// Package policy is the association's rulebook as data: the numbers,
// categories and dates that SPEC leaves to the association, loaded from one
// YAML file at start. Load validates everything it reads, so an invalid file
// stops start-up with a message naming the field instead of failing later
// inside a rule.
package policy

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the Lambda runtime image has no zoneinfo

	"sigs.k8s.io/yaml"

	"github.com/cecportal/cecportal/internal/cec"
)

// Policy is one association's policy.
type Policy struct {
	Association Association  `json:"association"`
	Credentials []Credential `json:"credentials"`
	Programs    Programs     `json:"programs"`
	Attendance  Attendance   `json:"attendance"`
	// RenewalInvoices is what a renewal costs and when it is invoiced.
	RenewalInvoices RenewalInvoices `json:"renewalInvoices"`

	// Reminders is on which days the daily job sends each reminder.
	Reminders Reminders `json:"reminders"`

	Renewal Renewal `json:"renewal"`
	// Attachments are the files holders attach to self-reported activities.
	Attachments   Attachments         `json:"attachments"`
	Documentation map[string][]string `json:"documentation"`
	ActivityKinds []ActivityKind      `json:"activityKinds"`
	// CapGroups cap kinds together over the renewal year's window.
	CapGroups          []CapGroup          `json:"capGroups,omitempty"`
	NotAccepted        []NotAccepted       `json:"notAccepted"`
	VendorRestrictions []VendorRestriction `json:"vendorRestrictions"`

	kinds map[string]ActivityKind

	byCode map[string]Credential
}

// logoFile reports whether name is a logo's file name: no folders, an
// image the forms can show (no regexp, as hexColour).
func logoFile(name string) bool {
	stem, ok := strings.CutSuffix(name, ".svg")
	if !ok {
		stem, ok = strings.CutSuffix(name, ".png")
	}
	if !ok || stem == "" || stem[0] == '.' || stem[0] == '-' {
		return false
	}
	for _, c := range stem {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Association is who the association is and where its people find it.
type Association struct {
	Name         string `json:"name"`
	ShortName    string `json:"shortName"`
	TimeZone     string `json:"timeZone"`
	PortalURL    string `json:"portalUrl"`
	SupportEmail string `json:"supportEmail"`
	// Colours are the portal's; the shipped ones when unset.
	Colours Colours `json:"colours"`
	// Logo is the portal's logo: a file (.svg or .png) of the brand/
	// folder beside the policy; none when empty.
	Logo string `json:"logo"`

	loc *time.Location
}

// Programs is what providers pay to have a program approved.
type Programs struct {
	Currency                  string `json:"currency"` // ISO 4217
	ApplicationFeePerCecCents int64  `json:"applicationFeePerCecCents"`
	LateFeePerCecCents        int64  `json:"lateFeePerCecCents"`
	LateWithinDays            int    `json:"lateWithinDays"`
	Refundable                bool   `json:"refundable"`

	MinContactHours cec.Hours `json:"-"`
	MaxContactHours cec.Hours `json:"-"`

	RawMinContactHours json.Number `json:"minContactHours"`
	RawMaxContactHours json.Number `json:"maxContactHours"`
}

// Attendance is what reporting attendance allows and costs.
type Attendance struct {
	ReportingWindowDays int `json:"reportingWindowDays"`
	// CorrectionWindowDays: a provider may remove or add an attendee of a
	// posted upload for this many calendar days after its reporting date;
	// after it only staff can.
	CorrectionWindowDays int         `json:"correctionWindowDays"`
	FilingFees           []FilingFee `json:"filingFees"`
}

// FilingFee is the filing fee per credited attendee from a date on.
type FilingFee struct {
	From        string `json:"from"` // YYYY-MM-DD
	MemberCents int64  `json:"memberCents"`
	GuestCents  int64  `json:"guestCents"`

	from time.Time
}

// FilingFeeOn returns the fee schedule entry in force on day (a date in the
// association's time zone); ok is false before the first entry.
func (a Attendance) FilingFeeOn(day time.Time) (FilingFee, bool) {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var found FilingFee
	ok := false
	for _, f := range a.FilingFees {
		if !f.from.After(d) {
			found, ok = f, true
		}
	}
	return found, ok
}

// Reminders lists, per reminder, the days on which the daily job sends it:
// each day is one period, reminded once per recipient. An empty list turns
// that reminder off; a missing one is an error, so that a policy cannot
// lose its reminders by a typo.
type Reminders struct {
	// RenewalDueDaysBefore: an unpaid renewal invoice, days before its due date.
	RenewalDueDaysBefore []int `json:"renewalDueDaysBefore"`
	// RenewalGraceEndingDaysBefore: an unpaid renewal invoice, days before
	// its grace period ends (after it the credentials lapse).
	RenewalGraceEndingDaysBefore []int `json:"renewalGraceEndingDaysBefore"`
	// CECsOutstandingDaysBefore: the coming renewal's CECs not met, days before the due date.
	CECsOutstandingDaysBefore []int `json:"cecsOutstandingDaysBefore"`
	// AttendanceDaysAfterEnd: an approved program without an attendance
	// report, days after its end (each below attendance.reportingWindowDays).
	AttendanceDaysAfterEnd []int `json:"attendanceDaysAfterEnd"`
	// ApplicationFeeDaysAfterInvoice: an unpaid application fee, days after
	// the invoice, while the program has not started.
	ApplicationFeeDaysAfterInvoice []int `json:"applicationFeeDaysAfterInvoice"`
	// FilingFeeDaysAfterInvoice: an unpaid filing fee (its attendees'
	// credits held), days after the invoice.
	FilingFeeDaysAfterInvoice []int `json:"filingFeeDaysAfterInvoice"`
	// AuditDocumentsDaysBefore: a submission picked for the documentation
	// audit whose files have not all come, days before their deadline
	// (renewal.auditDocumentsDays after the request).
	AuditDocumentsDaysBefore []int `json:"auditDocumentsDaysBefore"`
	// AuditOverdueDaysAfter: the same, days after the deadline: the
	// association's office is told (the escalation).
	AuditOverdueDaysAfter []int `json:"auditOverdueDaysAfter"`
}

func (p *Policy) validateReminders() error {
	r := p.Reminders
	for _, f := range []struct {
		name string
		days []int
		max  int
	}{
		{"reminders.renewalDueDaysBefore", r.RenewalDueDaysBefore, 366},
		{"reminders.renewalGraceEndingDaysBefore", r.RenewalGraceEndingDaysBefore, 366},
		{"reminders.cecsOutstandingDaysBefore", r.CECsOutstandingDaysBefore, 366},
		{"reminders.attendanceDaysAfterEnd", r.AttendanceDaysAfterEnd, p.Attendance.ReportingWindowDays - 1},
		{"reminders.applicationFeeDaysAfterInvoice", r.ApplicationFeeDaysAfterInvoice, 366},
		{"reminders.filingFeeDaysAfterInvoice", r.FilingFeeDaysAfterInvoice, 366},
		{"reminders.auditDocumentsDaysBefore", r.AuditDocumentsDaysBefore, p.Renewal.AuditDocumentsDays - 1},
		{"reminders.auditOverdueDaysAfter", r.AuditOverdueDaysAfter, 366},
	} {
		if f.days == nil {
			return fieldErr(f.name, "is required (a list of days; [] for none)")
		}
		seen := map[int]bool{}
		for i, d := range f.days {
			if d < 1 || d > f.max {
				return fieldErr(fmt.Sprintf("%s[%d]", f.name, i), fmt.Sprintf("must be between 1 and %d", f.max))
			}
			if seen[d] {
				return fieldErr(fmt.Sprintf("%s[%d]", f.name, i), fmt.Sprintf("%d is listed twice", d))
			}
			seen[d] = true
		}
	}
	return nil
}

// Renewal is how a renewal year's CECs are judged.
type Renewal struct {
	EarnedYearsBefore int `json:"earnedYearsBefore"`
	// RollingMonths, when set, makes the window a rolling span: the
	// renewal for year Y accepts CECs earned in the RollingMonths months
	// before its due date (renewalInvoices.dueOn of Y), instead of calendar
	// year Y − EarnedYearsBefore (Window).
	RollingMonths int `json:"rollingMonthsBeforeDue,omitempty"`
	// PeriodYears is how many years one renewal period lasts (1 when left
	// out): the CECs of a period are required once, at its end.
	PeriodYears int `json:"periodYears,omitempty"`
	// PeriodAnchor: calendar (every holder's periods are the same) or
	// credential (a holder's periods start on the date they earned their
	// first credential: Period).
	PeriodAnchor string `json:"periodAnchor,omitempty"`
	// PeriodStartYear, with periods of several calendar years, is the first
	// year of any one period: the renewal years are this one's, every
	// PeriodYears years.
	PeriodStartYear int `json:"periodStartYear,omitempty"`
	// ProrateFirstPeriod: a credential earned during a calendar period
	// requires only the share of the whole months left in it.
	ProrateFirstPeriod    bool      `json:"prorateFirstPeriod,omitempty"`
	ProgramKind           string    `json:"programKind"` // the kind a credited program counts as
	OtherMaxPercent       int       `json:"otherMaxPercent"`
	ComplianceMinimumCECs cec.Hours `json:"-"`
	AuditRatePercent      int       `json:"auditRatePercent"`
	// AuditDocumentsDays is how long a holder whose submission is picked
	// for the documentation audit has to send its files.
	AuditDocumentsDays   int         `json:"auditDocumentsDays"`
	RawComplianceMinimum json.Number `json:"complianceMinimumCecs"`
	// MaxActivityCECs bounds the CECs one self-reported activity may claim:
	// more is a typing slip (100,000 hours), refused before it is judged.
	MaxActivityCECs    cec.Hours   `json:"-"`
	RawMaxActivityCECs json.Number `json:"maxActivityCecs"`
}

// Attachments bound the files a holder attaches as documentation (SPEC §3:
// a PDF or a photo, up to 10 MB) and say how long they are kept. A policy
// that leaves the section out gets the defaults below.
type Attachments struct {
	MaxMegabytes int `json:"maxMegabytes"` // the largest file, in MB of 2^20 bytes; default 10
	PerActivity  int `json:"perActivity"`  // files one activity may carry; default 5
	// KeepDays is how long a file is kept after its upload, then removed
	// (the documents bucket's lifecycle rule, the local stack's sweep);
	// default 1095, three years.
	KeepDays int `json:"keepDays"`
}

// MaxBytes is the largest file in bytes.
func (a Attachments) MaxBytes() int64 { return int64(a.MaxMegabytes) << 20 }

func (p *Policy) validateAttachments() error {
	a := &p.Attachments
	for _, f := range []struct {
		name     string
		v        *int
		def, max int
	}{{"maxMegabytes", &a.MaxMegabytes, 10, 100}, {"perActivity", &a.PerActivity, 5, 20}, {"keepDays", &a.KeepDays, 1095, 3650}} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < 1 || *f.v > f.max {
			return fieldErr("attachments."+f.name, fmt.Sprintf("must be between 1 and %d", f.max))
		}
	}
	return nil
}

// RenewalInvoices is the renewal invoicing calendar and price list. Dates
// are month-day ("MM-DD") in the association's time zone: invoices for
// renewal year Y are issued on IssueOn of Y−1, due on DueOn of Y, and may be
// paid without reinstatement until GraceUntil of Y.
type RenewalInvoices struct {
	Currency string `json:"currency"` // ISO 4217
	// DuesCents is the yearly dues per credential code, in cents.
	DuesCents             map[string]int64 `json:"duesCents"`
	IssueOn               string           `json:"issueOn,omitempty"`
	DueOn                 string           `json:"dueOn,omitempty"`
	GraceUntil            string           `json:"graceUntil,omitempty"`
	ReinstatementFeeCents int64            `json:"reinstatementFeeCents"`
	// IssueDaysBeforeDue and GraceDaysAfterDue replace the month-days when
	// periods are anchored on the holder's credential: the renewal is due
	// on the anniversary that ends the period.
	IssueDaysBeforeDue int `json:"issueDaysBeforeDue,omitempty"`
	GraceDaysAfterDue  int `json:"graceDaysAfterDue,omitempty"`

	issue, due, grace monthDay
}

type monthDay struct {
	month time.Month
	day   int
}

// IssueDate is the day (midnight, association time zone) the invoices of
// renewal year year are issued: IssueOn of year−1.
func (r RenewalInvoices) IssueDate(year int, loc *time.Location) time.Time {
	return time.Date(year-1, r.issue.month, r.issue.day, 0, 0, 0, 0, loc)
}

// DueDate is the day the invoices of renewal year year are due.
func (r RenewalInvoices) DueDate(year int, loc *time.Location) time.Time {
	return time.Date(year, r.due.month, r.due.day, 0, 0, 0, 0, loc)
}

// GraceDate is the last day of grace of renewal year year.
func (r RenewalInvoices) GraceDate(year int, loc *time.Location) time.Time {
	return time.Date(year, r.grace.month, r.grace.day, 0, 0, 0, 0, loc)
}

func parseMonthDay(field, s string) (monthDay, error) {
	d, err := time.Parse("01-02", s)
	if err != nil || d.Format("01-02") != s {
		return monthDay{}, fieldErr(field, fmt.Sprintf("%q is not a month-day MM-DD", s))
	}
	return monthDay{d.Month(), d.Day()}, nil
}

func (p *Policy) validateRenewalInvoices() error {
	r := &p.RenewalInvoices
	if !isCurrency(r.Currency) {
		return fieldErr("renewalInvoices.currency", fmt.Sprintf("%q must be an ISO 4217 code such as USD", r.Currency))
	}
	for _, c := range p.Credentials {
		cents, ok := r.DuesCents[c.Code]
		if !ok {
			return fieldErr("renewalInvoices.duesCents."+c.Code, "is required: every credential has dues")
		}
		if cents <= 0 {
			return fieldErr("renewalInvoices.duesCents."+c.Code, "must be more than 0")
		}
	}
	for code := range r.DuesCents {
		if _, ok := p.byCode[code]; !ok {
			return fieldErr("renewalInvoices.duesCents."+code, "is not a credential")
		}
	}
	if r.ReinstatementFeeCents < 0 {
		return fieldErr("renewalInvoices.reinstatementFeeCents", "must not be negative")
	}
	if p.Renewal.PeriodAnchor == AnchorCredential {
		return nil // dated by the holder's anniversaries (validatePeriod)
	}
	var err error
	for _, f := range []struct {
		name, raw string
		dst       *monthDay
	}{{"renewalInvoices.issueOn", r.IssueOn, &r.issue}, {"renewalInvoices.dueOn", r.DueOn, &r.due}, {"renewalInvoices.graceUntil", r.GraceUntil, &r.grace}} {
		if *f.dst, err = parseMonthDay(f.name, f.raw); err != nil {
			return err
		}
	}
	if r.GraceDate(2001, time.UTC).Before(r.DueDate(2001, time.UTC)) {
		return fieldErr("renewalInvoices.graceUntil", "must not be before dueOn")
	}
	// 29 February has no date in three years of four: a window ending the
	// day before it would leave days no renewal takes.
	if p.Renewal.RollingMonths > 0 && r.DueOn == "02-29" {
		return fieldErr("renewalInvoices.dueOn", "must not be 02-29 with renewal.rollingMonthsBeforeDue")
	}
	return nil
}

// validateCapGroups keeps groups disjoint, each of one category, and off
// kinds that count once with a per-item cap: then caps nest (per item, per
// kind, one group), so that filling them in date order counts the most, and
// adding an activity never lowers what counts.
func (p *Policy) validateCapGroups() error {
	seen := map[string]bool{}
	grouped := map[string]string{} // kind, or "format:" and a format → its group
	formats := false
	for i := range p.CapGroups {
		g := &p.CapGroups[i]
		f := fmt.Sprintf("capGroups[%d]", i)
		if !isCodeWord(g.Code) || seen[g.Code] {
			return fieldErr(f+".code", fmt.Sprintf("%q must be a lower-case code listed once", g.Code))
		}
		seen[g.Code] = true
		if strings.TrimSpace(g.Name) == "" {
			return fieldErr(f+".name", "is required: the verdicts name the group")
		}
		if len(g.Kinds) == 0 && len(g.Formats) == 0 {
			return fieldErr(f+".kinds", "must list at least one activity kind or program format")
		}
		category := p.kinds[p.Renewal.ProgramKind].Category // of credited programs, grouped by format
		if len(g.Kinds) > 0 {
			category = p.kinds[g.Kinds[0]].Category
		}
		for j, k := range g.Kinds {
			kind, ok := p.kinds[k]
			field := fmt.Sprintf("%s.kinds[%d]", f, j)
			switch {
			case !ok:
				return fieldErr(field, fmt.Sprintf("%q is not an activity kind", k))
			case grouped[k] != "":
				return fieldErr(field, fmt.Sprintf("%q is in group %s already: a kind belongs to one group at most", k, grouped[k]))
			case kind.Category != category:
				return fieldErr(field, fmt.Sprintf("%q is of category %s, unlike %s: a group's kinds share one category", k, kind.Category, g.Kinds[0]))
			}
			grouped[k] = g.Code
		}
		for j, fm := range g.Formats {
			field := fmt.Sprintf("%s.formats[%d]", f, j)
			switch {
			case !slices.Contains(ProgramFormats, fm):
				return fieldErr(field, fmt.Sprintf("%q is not a program format (%s)", fm, strings.Join(ProgramFormats, ", ")))
			case grouped["format:"+fm] != "":
				return fieldErr(field, fmt.Sprintf("%q is in group %s already: a format belongs to one group at most", fm, grouped["format:"+fm]))
			case category != p.kinds[p.Renewal.ProgramKind].Category:
				return fieldErr(field, fmt.Sprintf("credited programs count as %s, of category %s: a group's kinds share one category", p.Renewal.ProgramKind, p.kinds[p.Renewal.ProgramKind].Category))
			}
			grouped["format:"+fm] = g.Code
			formats = true
		}
		h, err := cec.Parse(g.RawCap.String())
		if err != nil || h <= 0 {
			return fieldErr(f+".capCecs", "must be a positive decimal with at most two places")
		}
		g.CapCECs = h
	}
	// Credited programs join a group by their format alone, so that caps
	// still nest: the program kind has no cap of its own and is in no group.
	// For the same reason it may not count once: copies of one course in
	// two formats would be in two groups, and the longest copy could be in
	// the full one.
	if k := p.kinds[p.Renewal.ProgramKind]; formats && (grouped[k.Code] != "" || k.PeriodCapCECs > 0 || k.PerItemCECs > 0 || k.CountsOnce) {
		return fieldErr("renewal.programKind", fmt.Sprintf("%s may have no cap of its own, not count once, and be in no group by kind when groups list program formats", k.Code))
	}
	return nil
}

// CapGroupsOf are the groups that cap an activity of kind, or a credited
// program of format ("" for a self-reported activity).
func (p *Policy) CapGroupsOf(kind, format string) []CapGroup {
	var out []CapGroup
	for _, g := range p.CapGroups {
		if slices.Contains(g.Kinds, kind) || format != "" && slices.Contains(g.Formats, format) {
			out = append(out, g)
		}
	}
	return out
}

// ProgramFormats are the formats of programs (programs.Formats), which
// cap groups may list.
var ProgramFormats = []string{"in_person", "live_online", "recorded"}

// Categories of activity.
const (
	CategoryAssociation = "association"
	CategoryOther       = "other"
)

// Item keys of a per-item cap.
const (
	ItemOrganisation = "organisation" // each board or committee
	ItemEvent        = "event"        // each event: title and date
)

// ActivityKind is a kind of activity that counts toward renewal.
type ActivityKind struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	Documentation []string `json:"documentation"` // groups of Policy.Documentation
	ItemKey       string   `json:"itemKey,omitempty"`
	// CountsOnce: the same activity (its title and organisation, whatever
	// the case, accents or spacing) counts once in a window, however often
	// it is taken: e.g. an online course taken twice.
	CountsOnce bool `json:"countsOnce,omitempty"`

	PerItemCECs   cec.Hours `json:"-"` // 0: no cap
	PeriodCapCECs cec.Hours `json:"-"` // 0: no cap

	RawPerItem json.Number `json:"perItemCecs,omitempty"`
	RawYearCap json.Number `json:"yearCapCecs,omitempty"`
	// RawPeriodCap is yearCapCecs's name for periods of several years.
	RawPeriodCap json.Number `json:"periodCapCecs,omitempty"`

	docTypes map[string]bool
}

// Documents reports whether documentation type t fits the kind.
func (k ActivityKind) Documents(t string) bool { return k.docTypes[t] }

// NotAccepted is a kind of activity that never counts.
type NotAccepted struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// VendorRestriction: the vendor's online courses count only with the exception.
type VendorRestriction struct {
	Vendor    string `json:"vendor"`
	Exception string `json:"exception"`
}

// ActivityKind returns the kind with code, if it counts.
func (p *Policy) ActivityKind(code string) (ActivityKind, bool) {
	k, ok := p.kinds[code]
	return k, ok
}

// Refused returns the not-accepted entry with code, if listed.
func (p *Policy) Refused(code string) (NotAccepted, bool) {
	for _, n := range p.NotAccepted {
		if n.Code == code {
			return n, true
		}
	}
	return NotAccepted{}, false
}

// Credential is one credential and its yearly CEC requirement.
type Credential struct {
	Code          string    `json:"code"`
	Name          string    `json:"name"`
	CECsPerPeriod cec.Hours `json:"-"`
	// AssociationMinimumCECs, when set, is how many of the year's CECs must
	// come from association sources for this credential, instead of the
	// share renewal.otherMaxPercent leaves (AssociationMinimum).
	AssociationMinimumCECs cec.Hours `json:"-"`

	// The file's text of the numbers, parsed in validate so that an error
	// names the field.
	RawCECsPerYear        json.Number `json:"cecsPerYear,omitempty"`
	RawCECsPerPeriod      json.Number `json:"cecsPerPeriod,omitempty"`
	RawAssociationMinimum json.Number `json:"associationMinimumCecs,omitempty"`
}

// minimumOf is credential c's association minimum: its own, or what the
// share of other sources leaves.
func (p *Policy) minimumOf(c Credential) cec.Hours {
	if c.RawAssociationMinimum != "" {
		return c.AssociationMinimumCECs
	}
	return c.CECsPerPeriod - c.CECsPerPeriod*cec.Hours(p.Renewal.OtherMaxPercent)/100
}

// CapGroup caps kinds of activity together over the renewal year's window:
// what they count in all is at most CapCECs (e.g. association
// participation: boards, committees and legislative events, 2 CECs).
type CapGroup struct {
	Code  string   `json:"code"`
	Name  string   `json:"name"`
	Kinds []string `json:"kinds"`
	// Formats are the program formats (ProgramFormats) whose credited
	// programs count in the group, e.g. live online and recorded courses.
	Formats []string  `json:"formats,omitempty"`
	CapCECs cec.Hours `json:"-"`

	RawCap json.Number `json:"capCecs"`
}

// Location is the association's time zone.
func (a Association) Location() *time.Location { return a.loc }

// Credential returns the credential with code, if the policy knows it.
func (p *Policy) Credential(code string) (Credential, bool) {
	c, ok := p.byCode[code]
	return c, ok
}

// LoadFile reads and validates the policy file at path.
func LoadFile(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	p, err := Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Load parses and validates a policy document. Unknown fields are errors:
// a misspelt key must not silently fall back to a default.
func Load(data []byte) (*Policy, error) {
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &p, nil
}

func (p *Policy) validate() error {
	a := &p.Association
	if strings.TrimSpace(a.Name) == "" {
		return fieldErr("association.name", "is required")
	}
	if a.TimeZone == "" {
		return fieldErr("association.timeZone", "is required (an IANA zone such as America/New_York)")
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return fieldErr("association.timeZone", fmt.Sprintf("unknown time zone %q", a.TimeZone))
	}
	a.loc = loc
	if a.PortalURL != "" && !strings.HasPrefix(a.PortalURL, "https://") && !strings.HasPrefix(a.PortalURL, "http://") {
		return fieldErr("association.portalUrl", "must be an http(s) URL")
	}
	if a.SupportEmail != "" {
		if _, err := mail.ParseAddress(a.SupportEmail); err != nil {
			return fieldErr("association.supportEmail", "is not an email address")
		}
	}
	if err := a.Colours.validate(); err != nil {
		return err
	}
	if a.Logo != "" && !logoFile(a.Logo) {
		return fieldErr("association.logo", fmt.Sprintf("must be the name of an .svg or .png file in the brand folder beside the policy, not %q", a.Logo))
	}
	if err := p.Programs.validate(); err != nil {
		return err
	}
	if err := p.Attendance.validate(); err != nil {
		return err
	}
	if err := p.validateRenewal(); err != nil {
		return err
	}
	if err := p.validateAttachments(); err != nil {
		return err
	}
	if err := p.validateReminders(); err != nil {
		return err
	}
	if len(p.Credentials) == 0 {
		return fieldErr("credentials", "must list at least one credential")
	}
	p.byCode = make(map[string]Credential, len(p.Credentials))
	for i, c := range p.Credentials {
		f := fmt.Sprintf("credentials[%d]", i)
		if !isCredentialCode(c.Code) {
			return fieldErr(f+".code", fmt.Sprintf("%q must be upper-case letters and digits (e.g. CAM)", c.Code))
		}
		if _, dup := p.byCode[c.Code]; dup {
			return fieldErr(f+".code", fmt.Sprintf("%q is listed twice", c.Code))
		}
		if strings.TrimSpace(c.Name) == "" {
			return fieldErr(f+".name", "is required")
		}
		name, raw, err := p.perPeriod(c.RawCECsPerYear, c.RawCECsPerPeriod, "cecsPerYear", "cecsPerPeriod")
		if err != nil {
			return fieldErr(f+"."+name, err.Error())
		}
		h, err := cec.Parse(raw.String())
		if err != nil {
			return fieldErr(f+"."+name, err.Error())
		}
		c.CECsPerPeriod = h
		p.Credentials[i] = c
		if c.CECsPerPeriod <= 0 {
			return fieldErr(f+"."+name, "must be more than 0")
		}
		if c.RawAssociationMinimum != "" {
			m, err := cec.Parse(c.RawAssociationMinimum.String())
			if err != nil || m < 0 || m > c.CECsPerPeriod {
				return fieldErr(f+".associationMinimumCecs", fmt.Sprintf("must be a number of CECs from 0 to %s %s", name, c.CECsPerPeriod))
			}
			c.AssociationMinimumCECs = m
			p.Credentials[i] = c
		} else if int64(c.CECsPerPeriod)*int64(p.Renewal.OtherMaxPercent)%100 != 0 {
			// The share from other sources must be exact in hundredths of a CEC.
			return fieldErr(f+"."+name, fmt.Sprintf("%s × renewal.otherMaxPercent %d%% is not a whole number of hundredths", c.CECsPerPeriod, p.Renewal.OtherMaxPercent))
		}
		p.byCode[c.Code] = c
	}
	if err := p.validateMinimums(); err != nil {
		return err
	}
	if err := p.validateCapGroups(); err != nil {
		return err
	}
	if err := p.validateRenewalInvoices(); err != nil {
		return err
	}
	return p.validateReminderReach()
}

// validateReminderReach: the renewal and CEC reminders are read from the
// renewal invoices (their due dates), so a day before the invoice is
// issued would never be reminded: refused rather than silently dropped.
func (p *Policy) validateReminderReach() error {
	r := p.Period(2002, nil) // issued and due in common years: the shortest span of month-days
	reach := int(r.Due.Sub(r.Issue).Hours() / 24)
	for _, f := range []struct {
		name string
		days []int
	}{{"reminders.renewalDueDaysBefore", p.Reminders.RenewalDueDaysBefore}, {"reminders.cecsOutstandingDaysBefore", p.Reminders.CECsOutstandingDaysBefore}} {
		for i, d := range f.days {
			if d > reach {
				return fieldErr(fmt.Sprintf("%s[%d]", f.name, i), fmt.Sprintf("is %d days before the due date, but renewal invoices are issued %d days before it: the reminder would never go", d, reach))
			}
		}
	}
	return nil
}

// validateMinimums: a credential needing more CECs needs no fewer from
// association sources, so that the minimum of the credential a holder owes
// (AssociationMinimum) satisfies every credential they hold.
func (p *Policy) validateMinimums() error {
	minimum := p.minimumOf
	for i, a := range p.Credentials {
		for _, b := range p.Credentials {
			if a.CECsPerPeriod > b.CECsPerPeriod && minimum(a) < minimum(b) {
				return fieldErr(fmt.Sprintf("credentials[%d].associationMinimumCecs", i), fmt.Sprintf(
					"%s needs more CECs than %s but fewer from association sources (%s, %s): a holder of both would owe %s's",
					a.Code, b.Code, minimum(a), minimum(b), a.Code))
			}
		}
	}
	return nil
}

// perPeriod picks the number given under its yearly name or its period's
// (one of the two): the yearly one only with periods of a year.
func (p *Policy) perPeriod(yearly, period json.Number, yearlyName, periodName string) (string, json.Number, error) {
	switch {
	case yearly != "" && period != "":
		return periodName, "", fmt.Errorf("and %s say the same: give one", yearlyName)
	case period != "":
		return periodName, period, nil
	case yearly != "" && p.periodYears() > 1:
		return yearlyName, "", fmt.Errorf("is for periods of a year: name it %s with periods of %d years", periodName, p.periodYears())
	}
	return yearlyName, yearly, nil
}

func fieldErr(field, problem string) error { return fmt.Errorf("%s %s", field, problem) }

func (pr *Programs) validate() error {
	if !isCurrency(pr.Currency) {
		return fieldErr("programs.currency", fmt.Sprintf("%q must be an ISO 4217 code such as USD", pr.Currency))
	}
	if pr.ApplicationFeePerCecCents < 0 {
		return fieldErr("programs.applicationFeePerCecCents", "must not be negative")
	}
	if pr.LateFeePerCecCents < 0 {
		return fieldErr("programs.lateFeePerCecCents", "must not be negative")
	}
	if pr.LateWithinDays < 0 || pr.LateWithinDays > 366 {
		return fieldErr("programs.lateWithinDays", "must be between 0 and 366")
	}
	for _, f := range []struct {
		name string
		raw  json.Number
		dst  *cec.Hours
	}{{"programs.minContactHours", pr.RawMinContactHours, &pr.MinContactHours}, {"programs.maxContactHours", pr.RawMaxContactHours, &pr.MaxContactHours}} {
		h, err := cec.Parse(f.raw.String())
		if err != nil {
			return fieldErr(f.name, err.Error())
		}
		*f.dst = h
	}
	if pr.MinContactHours <= 0 || pr.MaxContactHours < pr.MinContactHours {
		return fieldErr("programs.maxContactHours", "must be at least minContactHours, which must be more than 0")
	}
	return nil
}

func (a *Attendance) validate() error {
	if a.ReportingWindowDays < 1 || a.ReportingWindowDays > 366 {
		return fieldErr("attendance.reportingWindowDays", "must be between 1 and 366")
	}
	if a.CorrectionWindowDays < 0 || a.CorrectionWindowDays > 366 {
		return fieldErr("attendance.correctionWindowDays", "must be between 0 and 366")
	}
	if len(a.FilingFees) == 0 {
		return fieldErr("attendance.filingFees", "must list at least one entry")
	}
	for i := range a.FilingFees {
		f := &a.FilingFees[i]
		name := fmt.Sprintf("attendance.filingFees[%d]", i)
		d, err := time.Parse(time.DateOnly, f.From)
		if err != nil {
			return fieldErr(name+".from", fmt.Sprintf("%q is not a date YYYY-MM-DD", f.From))
		}
		if i > 0 && !d.After(a.FilingFees[i-1].from) {
			return fieldErr(name+".from", "must be after the previous entry's date")
		}
		if f.MemberCents < 0 || f.GuestCents < 0 {
			return fieldErr(name, "fees must not be negative")
		}
		f.from = d
	}
	return nil
}

func (p *Policy) validateRenewal() error {
	r := &p.Renewal
	if r.EarnedYearsBefore < 0 || r.EarnedYearsBefore > 5 {
		return fieldErr("renewal.earnedYearsBefore", "must be between 0 and 5")
	}
	if err := p.validatePeriod(); err != nil {
		return err
	}
	if r.OtherMaxPercent < 0 || r.OtherMaxPercent > 100 {
		return fieldErr("renewal.otherMaxPercent", "must be between 0 and 100")
	}
	if r.AuditRatePercent < 0 || r.AuditRatePercent > 100 {
		return fieldErr("renewal.auditRatePercent", "must be between 0 and 100")
	}
	if r.AuditDocumentsDays < 1 || r.AuditDocumentsDays > 366 {
		return fieldErr("renewal.auditDocumentsDays", "must be between 1 and 366")
	}
	minimum, err := cec.Parse(r.RawComplianceMinimum.String())
	if err != nil {
		return fieldErr("renewal.complianceMinimumCecs", err.Error())
	}
	r.ComplianceMinimumCECs = minimum
	maxActivity, err := cec.Parse(r.RawMaxActivityCECs.String())
	if err != nil || maxActivity <= 0 {
		return fieldErr("renewal.maxActivityCecs", "must be a number of CECs above 0, e.g. 60")
	}
	r.MaxActivityCECs = maxActivity
	for group, types := range p.Documentation {
		if !isCodeWord(group) || len(types) == 0 {
			return fieldErr("documentation."+group, "must be a lower-case name listing at least one type")
		}
		for i, t := range types {
			if !isCodeWord(t) {
				return fieldErr(fmt.Sprintf("documentation.%s[%d]", group, i), fmt.Sprintf("%q must be a lower-case code", t))
			}
		}
	}
	if len(p.ActivityKinds) == 0 {
		return fieldErr("activityKinds", "must list at least one kind")
	}
	p.kinds = make(map[string]ActivityKind, len(p.ActivityKinds))
	for i := range p.ActivityKinds {
		k := &p.ActivityKinds[i]
		f := fmt.Sprintf("activityKinds[%d]", i)
		if !isCodeWord(k.Code) {
			return fieldErr(f+".code", fmt.Sprintf("%q must be a lower-case code such as national_conference", k.Code))
		}
		if _, dup := p.kinds[k.Code]; dup {
			return fieldErr(f+".code", fmt.Sprintf("%q is listed twice", k.Code))
		}
		if strings.TrimSpace(k.Name) == "" {
			return fieldErr(f+".name", "is required")
		}
		if k.Category != CategoryAssociation && k.Category != CategoryOther {
			return fieldErr(f+".category", fmt.Sprintf("%q must be association or other", k.Category))
		}
		if len(k.Documentation) == 0 {
			return fieldErr(f+".documentation", "must name at least one documentation group")
		}
		k.docTypes = map[string]bool{}
		for _, g := range k.Documentation {
			types, ok := p.Documentation[g]
			if !ok {
				return fieldErr(f+".documentation", fmt.Sprintf("%q is not a group of documentation", g))
			}
			for _, t := range types {
				k.docTypes[t] = true
			}
		}
		capName, capRaw, err := p.perPeriod(k.RawYearCap, k.RawPeriodCap, "yearCapCecs", "periodCapCecs")
		if err != nil {
			return fieldErr(f+"."+capName, err.Error())
		}
		for _, c := range []struct {
			name string
			raw  json.Number
			dst  *cec.Hours
		}{{"perItemCecs", k.RawPerItem, &k.PerItemCECs}, {capName, capRaw, &k.PeriodCapCECs}} {
			if c.raw == "" {
				continue
			}
			h, err := cec.Parse(c.raw.String())
			if err != nil || h <= 0 {
				return fieldErr(f+"."+c.name, "must be a positive decimal with at most two places")
			}
			*c.dst = h
		}
		switch {
		case k.PerItemCECs > 0 && k.ItemKey != ItemOrganisation && k.ItemKey != ItemEvent:
			return fieldErr(f+".itemKey", "must be organisation or event when perItemCecs is set")
		case k.PerItemCECs == 0 && k.ItemKey != "":
			return fieldErr(f+".itemKey", "needs perItemCecs")
		}
		p.kinds[k.Code] = *k
	}
	for i, k := range p.ActivityKinds {
		if k.CountsOnce && k.PerItemCECs > 0 {
			return fieldErr(fmt.Sprintf("activityKinds[%d].countsOnce", i), "cannot go with perItemCecs: one activity would count toward two items")
		}
	}
	if k, ok := p.kinds[r.ProgramKind]; !ok || k.Category != CategoryAssociation {
		return fieldErr("renewal.programKind", fmt.Sprintf("%q must name an activity kind of the association category: credited programs count as it", r.ProgramKind))
	}
	for i, n := range p.NotAccepted {
		if !isCodeWord(n.Code) {
			return fieldErr(fmt.Sprintf("notAccepted[%d].code", i), fmt.Sprintf("%q must be a lower-case code", n.Code))
		}
		if _, ok := p.kinds[n.Code]; ok {
			return fieldErr(fmt.Sprintf("notAccepted[%d].code", i), fmt.Sprintf("%q is also an accepted kind", n.Code))
		}
	}
	for i, v := range p.VendorRestrictions {
		if strings.TrimSpace(v.Vendor) == "" {
			return fieldErr(fmt.Sprintf("vendorRestrictions[%d].vendor", i), "is required")
		}
	}
	return nil
}
