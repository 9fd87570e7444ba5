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
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Reasons, as they appear in job IDs and template names (reminder_<reason>).
const (
	ReasonRenewal    = "renewal_due"
	ReasonGrace      = "renewal_grace_ending"
	ReasonCECs       = "cecs_outstanding"
	ReasonAttendance = "attendance_due"
	ReasonFee        = "fee_due"
	ReasonFiling     = "filing_fee_due"
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

// Store reads the sparse due index and records reminders.
type Store interface {
	// DueRenewals lists the unpaid renewal invoices due on date (YYYY-MM-DD).
	DueRenewals(ctx context.Context, date string) ([]RenewalDue, error)
	// DueCECs lists the renewals due on date whose CECs were outstanding.
	DueCECs(ctx context.Context, date string) ([]CECsDue, error)
	// DueAttendance lists the approved, unreported programs that ended on date.
	DueAttendance(ctx context.Context, date string) ([]AttendanceDue, error)
	// DueFees lists the programs whose fee invoice, issued on date, is unpaid.
	DueFees(ctx context.Context, date string) ([]FeeDue, error)
	// DueFilingFees lists the uploads whose filing fee invoice, issued on
	// date, is unpaid.
	DueFilingFees(ctx context.Context, date string) ([]FilingDue, error)
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

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the reminder job.
type Service struct {
	Store  Store
	CECs   CECs
	Policy *policy.Policy
	Clock  clock.Clock
	Relay  Dispatcher // nil: the relay's sweep sends the outbox later
	Log    *slog.Logger
}

// JobID is the stable mail job ID (and once-only key) of a reminder:
// reminder:<reason>:<entity>:<period>.
func JobID(reason, entity, period string) string {
	return "reminder:" + reason + ":" + entity + ":" + period
}

// period names the reminder day of a list: d<days>.
func period(days int) string { return "d" + strconv.Itoa(days) }

// Run sends today's reminders (today in the association's time zone) and
// returns how many it queued; reminders queued by an earlier run are not
// queued again. Its reads grow with the invoices and programs due on the
// reminder dates, not with all holders.
func (s *Service) Run(ctx context.Context) (int, error) {
	loc := s.Policy.Association.Location()
	now := s.Clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	r := s.Policy.Reminders
	steps := []struct {
		reason string
		days   []int
		sign   int // +1: days before the indexed date; -1: days after it
		run    func(ctx context.Context, date string, days int) ([]notify.Job, error)
	}{
		{ReasonRenewal, r.RenewalDueDaysBefore, 1, s.renewals},
		{ReasonGrace, r.RenewalGraceEndingDaysBefore, 1, s.graceEnding},
		{ReasonCECs, r.CECsOutstandingDaysBefore, 1, s.cecs},
		{ReasonAttendance, r.AttendanceDaysAfterEnd, -1, s.attendance},
		{ReasonFee, r.ApplicationFeeDaysAfterInvoice, -1, s.fees},
		{ReasonFiling, r.FilingFeeDaysAfterInvoice, -1, s.filingFees},
	}
	n := 0
	for _, st := range steps {
		for _, d := range st.days {
			date := today.AddDate(0, 0, st.sign*d).Format(time.DateOnly)
			jobs, err := st.run(ctx, date, d)
			if err != nil {
				return n, fmt.Errorf("%s reminders for %s: %w", st.reason, date, err)
			}
			for _, j := range jobs {
				ok, err := s.send(ctx, j)
				if err != nil {
					return n, err
				}
				if ok {
					n++
				}
			}
		}
	}
	s.log().InfoContext(ctx, "reminders queued", "date", today.Format(time.DateOnly), "queued", n)
	return n, nil
}

func (s *Service) renewals(ctx context.Context, date string, d int) ([]notify.Job, error) {
	dues, err := s.Store.DueRenewals(ctx, date)
	if err != nil {
		return nil, err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, r := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonRenewal, r.InvoiceID, period(d)), Template: "reminder_" + ReasonRenewal,
			To: []string{r.Email}, Data: map[string]string{"name": r.Name, "invoiceId": r.InvoiceID,
				"year": strconv.Itoa(r.Year), "dueOn": r.DueOn, "amount": r.Amount, "days": strconv.Itoa(d)}})
	}
	return jobs, nil
}

// graceEnding reminds the holders of year Y's unpaid invoices when date is
// Y's last day of grace. Every invoice of a year is due on the same day
// (policy renewalInvoices.dueOn of Y), so they are the due index's entries
// of that day: one Query, as the renewal_due reminder.
func (s *Service) graceEnding(ctx context.Context, date string, d int) ([]notify.Job, error) {
	loc := s.Policy.Association.Location()
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return nil, err
	}
	ri := s.Policy.RenewalInvoices
	if !ri.GraceDate(day.Year(), loc).Equal(day) {
		return nil, nil
	}
	dues, err := s.Store.DueRenewals(ctx, ri.DueDate(day.Year(), loc).Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	fee := ""
	if ri.ReinstatementFeeCents > 0 {
		fee = fmt.Sprintf("%d.%02d %s", ri.ReinstatementFeeCents/100, ri.ReinstatementFeeCents%100, ri.Currency)
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, r := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonGrace, r.InvoiceID, period(d)), Template: "reminder_" + ReasonGrace,
			To: []string{r.Email}, Data: map[string]string{"name": r.Name, "invoiceId": r.InvoiceID, "year": strconv.Itoa(r.Year),
				"graceUntil": date, "amount": r.Amount, "days": strconv.Itoa(d), "reinstatementFee": fee}})
	}
	return jobs, nil
}

// cecs judges each renewal of the index afresh: a holder whose CECs are met
// by now gets no reminder and leaves the index, so later days read fewer.
func (s *Service) cecs(ctx context.Context, date string, d int) ([]notify.Job, error) {
	dues, err := s.Store.DueCECs(ctx, date)
	if err != nil {
		return nil, err
	}
	var jobs []notify.Job
	for _, c := range dues {
		y, err := s.CECs.YearCECs(ctx, c.HolderID, c.Year)
		if err != nil {
			return nil, fmt.Errorf("judge %d CECs of holder %s: %w", c.Year, c.HolderID, err)
		}
		if y.Met {
			if err := s.Store.CECsMet(ctx, c.InvoiceID); err != nil {
				return nil, fmt.Errorf("CECs of %s met: %w", c.InvoiceID, err)
			}
			continue
		}
		lines := make([]string, 0, len(y.Shortfalls))
		for _, f := range y.Shortfalls {
			lines = append(lines, "- "+f.Message)
		}
		jobs = append(jobs, notify.Job{ID: JobID(ReasonCECs, c.InvoiceID, period(d)), Template: "reminder_" + ReasonCECs,
			To: []string{c.Email}, Data: map[string]string{"name": c.Name, "holderId": c.HolderID, "year": strconv.Itoa(c.Year),
				"dueOn": c.DueOn, "days": strconv.Itoa(d), "required": y.Required.String(), "counted": y.Counted.String(),
				"shortfalls": strings.Join(lines, "\n"),
				"earnedYear": strconv.Itoa(c.Year - s.Policy.Renewal.EarnedYearsBefore)}})
	}
	return jobs, nil
}

func (s *Service) attendance(ctx context.Context, date string, d int) ([]notify.Job, error) {
	dues, err := s.Store.DueAttendance(ctx, date)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, err
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
			To: []string{a.Email}, Data: map[string]string{"programId": a.ProgramID, "title": a.Title, "endsOn": a.EndsOn,
				"deadline": deadline, "days": strconv.Itoa(d), "offering": offering}})
	}
	return jobs, nil
}

// fees reminds unpaid application fees while an offering invoiced has not
// started (the next one is named): after the last start an approval can no
// longer precede any offering.
func (s *Service) fees(ctx context.Context, date string, d int) ([]notify.Job, error) {
	dues, err := s.Store.DueFees(ctx, date)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var jobs []notify.Job
	for _, f := range dues {
		i := slices.IndexFunc(f.Starts, func(s time.Time) bool { return s.After(now) })
		if i < 0 {
			continue
		}
		jobs = append(jobs, notify.Job{ID: JobID(ReasonFee, f.InvoiceID, period(d)), Template: "reminder_" + ReasonFee,
			To: []string{f.Email}, Data: map[string]string{"programId": f.ProgramID, "title": f.Title, "invoiceId": f.InvoiceID,
				"amount": f.Amount, "issuedOn": f.IssuedOn, "startsOn": f.Starts[i].Format(time.DateOnly), "days": strconv.Itoa(d)}})
	}
	return jobs, nil
}

// filingFees reminds unpaid filing fees: the attendees' credits wait for them.
func (s *Service) filingFees(ctx context.Context, date string, d int) ([]notify.Job, error) {
	dues, err := s.Store.DueFilingFees(ctx, date)
	if err != nil {
		return nil, err
	}
	jobs := make([]notify.Job, 0, len(dues))
	for _, f := range dues {
		jobs = append(jobs, notify.Job{ID: JobID(ReasonFiling, f.InvoiceID, period(d)), Template: "reminder_" + ReasonFiling,
			To: []string{f.Email}, Data: map[string]string{"programId": f.ProgramID, "title": f.Title, "invoiceId": f.InvoiceID,
				"amount": f.Amount, "issuedOn": f.IssuedOn, "days": strconv.Itoa(d)}})
	}
	return jobs, nil
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
