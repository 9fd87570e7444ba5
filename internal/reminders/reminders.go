// Package reminders owns the daily reminder emails of SPEC §5: renewal dues
// still unpaid and CECs still outstanding before the renewal's due date,
// attendance not yet reported after a program's end, and application and
// filing fees still unpaid after their invoice, on the days the policy lists. Each
// reminder is recorded once (a conditional put) in the same write that
// queues its mail job, so a job run twice, or killed half-way and run again,
// sends nothing twice and misses nobody.
package reminders

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Reasons, as they appear in job IDs and template names (reminder_<reason>).
// Each reminder to a holder or a provider is optional mail of the topic
// of its reason (emailprefs.Topics): they may turn it off, and it carries
// an unsubscribe link. The office's own (audit overdue) always goes.
const (
	ReasonRenewal    = "renewal_due"
	ReasonGrace      = "renewal_grace_ending"
	ReasonCECs       = "cecs_outstanding"
	ReasonAttendance = "attendance_due"
	ReasonFee        = "fee_due"
	ReasonFiling     = "filing_fee_due"
	// An audited submission's files are still missing: the holder, before
	// the deadline; the association's office, after it.
	ReasonAudit        = "audit_documents"
	ReasonAuditOverdue = "audit_overdue"
)

// RenewalDue is an unpaid renewal invoice as the due index holds it.
type RenewalDue struct {
	InvoiceID, HolderID, Email, Name string
	Year                             int
	DueOn                            string // YYYY-MM-DD
	Amount                           string // "125.00 USD"
}

// CECsDue is a renewal whose CECs were not met when last looked at.
type CECsDue struct {
	InvoiceID, HolderID, Email, Name string
	Year                             int
	DueOn                            string // YYYY-MM-DD
}

// AttendanceDue is an approved program without an attendance report.
type AttendanceDue struct {
	ProgramID, ProviderID, Email, Title string
	Offering                            int    // the offering that ended, from 1; 0 for a program of one
	EndsOn                              string // YYYY-MM-DD
}

// FeeDue is a program whose application fee invoice is unpaid.
type FeeDue struct {
	ProgramID, ProviderID, Email, Title, InvoiceID string
	Amount                                         string
	IssuedOn                                       string // YYYY-MM-DD
	// Starts are the starts of the offerings invoiced, earliest first.
	Starts []time.Time
}

// FilingDue is an upload whose filing fee invoice is unpaid.
type FilingDue struct {
	UploadID, ProgramID, ProviderID, Email, Title, InvoiceID string
	Amount                                                   string
	IssuedOn                                                 string // YYYY-MM-DD
}

// AuditDue is a submission whose documentation audit waits for files.
type AuditDue struct {
	SubmissionID, HolderID, Email, Name string
	Year                                int
	DueOn                               string // YYYY-MM-DD: the last day to send them
}

// Page asks for one page of the due index: from Cursor (empty: the first),
// at most Limit entries.
type Page struct {
	Cursor string
	Limit  int
}

// Store reads the sparse due index, a page at a time (each list returns the
// cursor of the next page, empty after the last), and records reminders.
type Store interface {
	// DueRenewals lists the unpaid renewal invoices due on date (YYYY-MM-DD).
	DueRenewals(ctx context.Context, date string, p Page) ([]RenewalDue, string, error)
	// DueCECs lists the renewals due on date whose CECs were outstanding.
	DueCECs(ctx context.Context, date string, p Page) ([]CECsDue, string, error)
	// DueAttendance lists the approved, unreported programs that ended on date.
	DueAttendance(ctx context.Context, date string, p Page) ([]AttendanceDue, string, error)
	// DueFees lists the programs whose fee invoice, issued on date, is unpaid.
	DueFees(ctx context.Context, date string, p Page) ([]FeeDue, string, error)
	// DueFilingFees lists the uploads whose filing fee invoice, issued on
	// date, is unpaid.
	DueFilingFees(ctx context.Context, date string, p Page) ([]FilingDue, string, error)
	// DueAudits lists the audits whose files are due on date and missing.
	DueAudits(ctx context.Context, date string, p Page) ([]AuditDue, string, error)
	// CECsMet takes a renewal out of DueCECs: its CECs are met.
	CECsMet(ctx context.Context, invoiceID string) error
	// Record writes the once-only record of reminder id together with msg's
	// outbox entry; recorded is false (and nothing is written) when the
	// reminder was recorded before.
	Record(ctx context.Context, id string, msg outbox.Message) (recorded bool, err error)
}

// CECs judges a holder's renewal year (renewals.Service.YearCECs).
type CECs interface {
	YearCECs(ctx context.Context, holderID string, year int) (credits.Year, error)
}

// Service is the reminder job.
type Service struct {
	Store  Store
	Pieces daily.Once // queues the job's pieces once
	CECs   CECs
	Policy *policy.Policy
	Clock  clock.Clock
	Relay  daily.Dispatcher // nil: the relay's sweep sends the outbox later
	Log    *slog.Logger
}

// JobID is the stable mail job ID (and once-only key) of a reminder:
// reminder:<reason>:<entity>:<period>.
func JobID(reason, entity, period string) string {
	return "reminder:" + reason + ":" + entity + ":" + period
}

// period names the reminder day of a list: d<days>.
func period(days int) string { return "d" + strconv.Itoa(days) }

// Job is the reminders' name on the daily work queue.
const Job = "reminders"

// CatchUpDays is how far back a run looks for days no run planned (the
// schedule failed, the account was down): each such day is planned now, so
// that a reminder due then goes out today, once. A run that finds none of
// them planned is the first, or follows an outage longer than this: it
// plans today only.
const CatchUpDays = 7

// part is a piece of the reminder job: a day to fan out (no Reason), or one
// page of one reminder list of the day.
type part struct {
	Day    string `json:"day"` // the day the reminders are for, YYYY-MM-DD
	Reason string `json:"reason,omitempty"`
	Days   int    `json:"days,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// list is one reminder list of the policy: its reason, its days, whether
// they count before (+1) or after (-1) the indexed date, and how a page of
// it is read.
type list struct {
	reason string
	days   []int
	sign   int
	page   func(ctx context.Context, date string, days int, p Page) ([]notify.Job, string, error)
}

func (s *Service) lists() []list {
	r := s.Policy.Reminders
	return []list{
		{ReasonRenewal, r.RenewalDueDaysBefore, 1, s.renewals},
		{ReasonGrace, r.RenewalGraceEndingDaysBefore, 1, s.graceEnding},
		{ReasonCECs, r.CECsOutstandingDaysBefore, 1, s.cecs},
		{ReasonAttendance, r.AttendanceDaysAfterEnd, -1, s.attendance},
		{ReasonFee, r.ApplicationFeeDaysAfterInvoice, -1, s.fees},
		{ReasonFiling, r.FilingFeeDaysAfterInvoice, -1, s.filingFees},
		{ReasonAudit, r.AuditDocumentsDaysBefore, 1, s.audits},
		{ReasonAuditOverdue, r.AuditOverdueDaysAfter, -1, s.auditsOverdue},
	}
}

// Run is the daily schedule's run (today in the association's time zone):
// it plans today, and the days before it that no run planned, within
// CatchUpDays; the daily work queue does the rest. It returns how many days
// it planned now.
func (s *Service) Run(ctx context.Context) (int, error) {
	today := s.today()
	days := []time.Time{today}
	for back := 1; back <= CatchUpDays; back++ {
		d := today.AddDate(0, 0, -back)
		planned, err := s.Pieces.Recorded(ctx, planKey(d))
		if err != nil {
			return 0, fmt.Errorf("was %s planned: %w", d.Format(time.DateOnly), err)
		}
		if planned {
			break
		}
		if back == CatchUpDays {
			s.log().WarnContext(ctx, "reminders: no day of the catch-up window was planned; planning today only", "days", CatchUpDays)
			days = days[:1]
			break
		}
		days = append(days, d)
	}
	n := 0
	for i := len(days) - 1; i >= 0; i-- { // the oldest first
		planned, err := s.Plan(ctx, days[i])
		if err != nil {
			return n, err
		}
		if planned {
			n++
		}
	}
	if n > 1 {
		s.log().WarnContext(ctx, "reminders: missed days caught up", "days", n-1)
	}
	return n, nil
}

func planKey(day time.Time) string { return "plan:" + Job + ":" + day.Format(time.DateOnly) }

// Plan queues day's reminders on the daily work queue, once: planned is
// false when day was planned before.
func (s *Service) Plan(ctx context.Context, day time.Time) (bool, error) {
	return daily.Enqueue(ctx, s.Pieces, s.Relay, planKey(day), Job, part{Day: day.Format(time.DateOnly)})
}

// Handle does one piece of the reminder job (the daily work queue's
// handler of Job).
func (s *Service) Handle(ctx context.Context, raw json.RawMessage) error {
	_, err := s.Piece(ctx, raw)
	return err
}

// Piece does one piece of the reminder job: a day fans out to the first
// page of each of its reminder lists; a page queues the next page, then
// the reminders of up to daily.PageSize index entries. It returns how many
// reminders it queued. Out of time (daily.InTime) it stops with
// daily.ErrOutOfTime: delivered again, it skips what it recorded.
func (s *Service) Piece(ctx context.Context, raw json.RawMessage) (int, error) {
	var p part
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, fmt.Errorf("decode reminder piece: %w", err)
	}
	day, err := time.ParseInLocation(time.DateOnly, p.Day, s.Policy.Association.Location())
	if err != nil {
		return 0, fmt.Errorf("reminder piece: day %q: %w", p.Day, err)
	}
	if p.Reason == "" {
		for _, l := range s.lists() {
			for _, d := range l.days {
				first := part{Day: p.Day, Reason: l.reason, Days: d}
				if _, err := daily.Enqueue(ctx, s.Pieces, s.Relay, pageKey(first), Job, first); err != nil {
					return 0, err
				}
			}
		}
		return 0, nil
	}
	lists := s.lists()
	i := slices.IndexFunc(lists, func(l list) bool { return l.reason == p.Reason })
	if i < 0 {
		return 0, fmt.Errorf("reminder piece of unknown reason %q", p.Reason)
	}
	l := lists[i]
	date := day.AddDate(0, 0, l.sign*p.Days).Format(time.DateOnly)
	jobs, next, err := l.page(ctx, date, p.Days, Page{Cursor: p.Cursor, Limit: daily.PageSize})
	if err != nil {
		return 0, fmt.Errorf("%s reminders for %s: %w", p.Reason, date, err)
	}
	// The next page first: the pages of a long list are done side by side
	// (as many as the worker runs at once), not one after the other.
	if next != "" {
		more := p
		more.Cursor = next
		if _, err := daily.Enqueue(ctx, s.Pieces, s.Relay, pageKey(more), Job, more); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, j := range jobs {
		if !daily.InTime(ctx) {
			s.log().InfoContext(ctx, "reminders queued", "day", p.Day, "reason", p.Reason, "queued", n)
			return n, daily.ErrOutOfTime
		}
		ok, err := s.send(ctx, j)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	s.log().InfoContext(ctx, "reminders queued", "day", p.Day, "reason", p.Reason, "queued", n)
	return n, nil
}

// pageKey is the once-only key of a page piece: its day, list and cursor.
func pageKey(p part) string {
	return daily.PageKey(fmt.Sprintf("page:%s:%s:%s:d%d", Job, p.Day, p.Reason, p.Days), p.Cursor)
}

func (s *Service) renewals(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueRenewals(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, r := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonRenewal, r.InvoiceID, period(d)), Template: "reminder_" + ReasonRenewal,
			Optional: &notify.OptionalMail{Audience: emailprefs.Holder, AccountID: r.HolderID, Topic: ReasonRenewal},
			To:       []string{r.Email}, Data: map[string]string{"name": r.Name, "invoiceId": r.InvoiceID,
				"year": strconv.Itoa(r.Year), "dueOn": r.DueOn, "amount": r.Amount, "days": s.daysLeft(r.DueOn, d)}})
	}
	return jobs, next, nil
}

// graceEnding reminds the holders of year Y's unpaid invoices when date is
// Y's last day of grace. Every invoice of a year is due on the same day
// (policy renewalInvoices.dueOn of Y), so they are the due index's entries
// of that day: one Query, as the renewal_due reminder. With periods
// anchored on holders' credentials every day ends someone's grace: the
// invoices due renewalInvoices.graceDaysAfterDue days before date.
func (s *Service) graceEnding(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	loc := s.Policy.Association.Location()
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return nil, "", err
	}
	ri := s.Policy.RenewalInvoices
	due := day.AddDate(0, 0, -ri.GraceDaysAfterDue)
	if s.Policy.Renewal.PeriodAnchor != policy.AnchorCredential {
		year := s.Policy.Period(day.Year(), nil)
		if year.Year != day.Year() || !policy.Day(year.Grace, loc).Equal(day) {
			return nil, "", nil
		}
		due = policy.Day(year.Due, loc)
	}
	dues, next, err := s.Store.DueRenewals(ctx, due.Format(time.DateOnly), p)
	if err != nil {
		return nil, "", err
	}
	fee := ""
	if ri.ReinstatementFeeCents > 0 {
		fee = fmt.Sprintf("%d.%02d %s", ri.ReinstatementFeeCents/100, ri.ReinstatementFeeCents%100, ri.Currency)
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, r := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonGrace, r.InvoiceID, period(d)), Template: "reminder_" + ReasonGrace,
			Optional: &notify.OptionalMail{Audience: emailprefs.Holder, AccountID: r.HolderID, Topic: ReasonGrace},
			To:       []string{r.Email}, Data: map[string]string{"name": r.Name, "invoiceId": r.InvoiceID, "year": strconv.Itoa(r.Year),
				"graceUntil": date, "amount": r.Amount, "days": s.daysLeft(date, d), "reinstatementFee": fee}})
	}
	return jobs, next, nil
}

// cecs judges each renewal of the index afresh: a holder whose CECs are met
// by now gets no reminder and leaves the index, so later days read fewer.
func (s *Service) cecs(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueCECs(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	var jobs []notify.Job
	for _, c := range dues {
		if !daily.InTime(ctx) {
			return nil, "", daily.ErrOutOfTime
		}
		y, err := s.CECs.YearCECs(ctx, c.HolderID, c.Year)
		if err != nil {
			return nil, "", fmt.Errorf("judge %d CECs of holder %s: %w", c.Year, c.HolderID, err)
		}
		if y.Met {
			if err := s.Store.CECsMet(ctx, c.InvoiceID); err != nil {
				return nil, "", fmt.Errorf("CECs of %s met: %w", c.InvoiceID, err)
			}
			continue
		}
		lines := make([]string, 0, len(y.Shortfalls))
		for _, f := range y.Shortfalls {
			lines = append(lines, "- "+f.Message)
		}
		jobs = append(jobs, notify.Job{ID: JobID(ReasonCECs, c.InvoiceID, period(d)), Template: "reminder_" + ReasonCECs,
			Optional: &notify.OptionalMail{Audience: emailprefs.Holder, AccountID: c.HolderID, Topic: ReasonCECs},
			To:       []string{c.Email}, Data: map[string]string{"name": c.Name, "holderId": c.HolderID, "year": strconv.Itoa(c.Year),
				"dueOn": c.DueOn, "days": s.daysLeft(c.DueOn, d), "required": y.Required.String(), "counted": y.Counted.String(),
				"shortfalls": strings.Join(lines, "\n"),
				"earnedYear": strconv.Itoa(y.From.Year()), "earned": y.Period.WindowWords()}})
	}
	return jobs, next, nil
}

// audits reminds the holders whose audit's files are due on date.
func (s *Service) audits(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueAudits(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, a := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonAudit, a.SubmissionID, period(d)), Template: "reminder_" + ReasonAudit,
			Optional: &notify.OptionalMail{Audience: emailprefs.Holder, AccountID: a.HolderID, Topic: ReasonAudit},
			To:       []string{a.Email}, Data: map[string]string{"name": a.Name, "submissionId": a.SubmissionID,
				"year": strconv.Itoa(a.Year), "dueOn": a.DueOn, "days": s.daysLeft(a.DueOn, d)}})
	}
	return jobs, next, nil
}

// auditsOverdue tells the association's office of the audits whose files
// were due on date and are still missing: staff decide what follows.
func (s *Service) auditsOverdue(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	office := s.Policy.Association.SupportEmail
	if office == "" {
		return nil, "", nil
	}
	dues, next, err := s.Store.DueAudits(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, a := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonAuditOverdue, a.SubmissionID, period(d)), Template: "reminder_" + ReasonAuditOverdue,
			To: []string{office}, Data: map[string]string{"name": a.Name, "submissionId": a.SubmissionID, "holderId": a.HolderID,
				"year": strconv.Itoa(a.Year), "dueOn": a.DueOn, "days": strconv.Itoa(d)}})
	}
	return jobs, next, nil
}

func (s *Service) attendance(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueAttendance(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	end, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, "", err
	}
	deadline := end.AddDate(0, 0, s.Policy.Attendance.ReportingWindowDays).Format(time.DateOnly)
	jobs := make([]notify.Job, 0, len(dues))
	for _, a := range dues {
		// Each offering has its own window, so its own reminder (the first
		// offering's job ID is the program's, as before offerings); the
		// email names the offering when the program has several.
		id, offering := a.ProgramID, ""
		if a.Offering > 1 {
			id = fmt.Sprintf("%s#%d", a.ProgramID, a.Offering)
		}
		if a.Offering > 0 {
			offering = strconv.Itoa(a.Offering)
		}
		jobs = append(jobs, notify.Job{ID: JobID(ReasonAttendance, id, period(d)), Template: "reminder_" + ReasonAttendance,
			Optional: &notify.OptionalMail{Audience: emailprefs.Provider, AccountID: a.ProviderID, Topic: ReasonAttendance},
			To:       []string{a.Email}, Data: map[string]string{"programId": a.ProgramID, "title": a.Title, "endsOn": a.EndsOn,
				"deadline": deadline, "days": strconv.Itoa(d), "offering": offering}})
	}
	return jobs, next, nil
}

// fees reminds unpaid application fees while an offering invoiced has not
// started (the next one is named): after the last start an approval can no
// longer precede any offering.
func (s *Service) fees(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueFees(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	now := s.Clock.Now()
	var jobs []notify.Job
	for _, f := range dues {
		i := slices.IndexFunc(f.Starts, func(s time.Time) bool { return s.After(now) })
		if i < 0 {
			continue
		}
		jobs = append(jobs, notify.Job{ID: JobID(ReasonFee, f.InvoiceID, period(d)), Template: "reminder_" + ReasonFee,
			Optional: &notify.OptionalMail{Audience: emailprefs.Provider, AccountID: f.ProviderID, Topic: ReasonFee},
			To:       []string{f.Email}, Data: map[string]string{"programId": f.ProgramID, "title": f.Title, "invoiceId": f.InvoiceID,
				"amount": f.Amount, "issuedOn": f.IssuedOn, "startsOn": f.Starts[i].Format(time.DateOnly), "days": strconv.Itoa(d)}})
	}
	return jobs, next, nil
}

// filingFees reminds unpaid filing fees: the attendees' credits wait for them.
func (s *Service) filingFees(ctx context.Context, date string, d int, p Page) ([]notify.Job, string, error) {
	dues, next, err := s.Store.DueFilingFees(ctx, date, p)
	if err != nil {
		return nil, "", err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, f := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonFiling, f.InvoiceID, period(d)), Template: "reminder_" + ReasonFiling,
			Optional: &notify.OptionalMail{Audience: emailprefs.Provider, AccountID: f.ProviderID, Topic: ReasonFiling},
			To:       []string{f.Email}, Data: map[string]string{"programId": f.ProgramID, "title": f.Title, "invoiceId": f.InvoiceID,
				"amount": f.Amount, "issuedOn": f.IssuedOn, "days": strconv.Itoa(d)}})
	}
	return jobs, next, nil
}

// daysLeft is how many days are left until date (YYYY-MM-DD) today, in
// the association's time zone: the list's d on its own day, fewer when the
// reminder goes out on a later run that caught its day up, so that the
// email says what is true when it is read. An unreadable date keeps d.
func (s *Service) daysLeft(date string, d int) string {
	on, err := time.ParseInLocation(time.DateOnly, date, s.Policy.Association.Location())
	if err != nil {
		return strconv.Itoa(d)
	}
	return strconv.Itoa(max(0, int(on.Sub(s.today()).Hours()/24+0.5)))
}

// today is the start of today in the association's time zone.
func (s *Service) today() time.Time {
	loc := s.Policy.Association.Location()
	now := s.Clock.Now().In(loc)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
}

func (s *Service) send(ctx context.Context, j notify.Job) (bool, error) {
	if len(j.To) == 0 || j.To[0] == "" {
		s.log().WarnContext(ctx, "reminder without recipient skipped", "job", j.ID)
		return false, nil
	}
	m, err := j.Message()
	if err != nil {
		return false, fmt.Errorf("reminder %s: %w", j.ID, err)
	}
	ok, err := s.Store.Record(ctx, j.ID, m)
	if err != nil {
		return false, fmt.Errorf("record reminder %s: %w", j.ID, err)
	}
	if ok && s.Relay != nil {
		s.Relay.Dispatch(ctx, m)
	}
	return ok, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
