// Package reminders owns the daily reminder emails: renewal dues still
// unpaid 60, 30 and 7 days before they are due, and attendance not yet
// reported 30 and 40 days after a program's end. Each reminder is recorded
// once (a conditional put) in the same write that queues its mail job, so a
// job run twice, or killed half-way and run again, sends nothing twice and
// misses nobody.
package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// Reasons, as they appear in job IDs and template names.
const (
	ReasonRenewal    = "renewal_due"
	ReasonAttendance = "attendance_due"
)

// Days before a renewal's due date, and after a program's end, on which a
// reminder goes out.
var (
	RenewalDaysBefore   = []int{60, 30, 7}
	AttendanceDaysAfter = []int{30, 40}
)

// RenewalDue is an unpaid renewal invoice as the due index holds it.
type RenewalDue struct {
	InvoiceID, HolderID, Email, Name string
	Year                             int
	DueOn                            string // YYYY-MM-DD
	Amount                           string // "125.00 USD"
}

// AttendanceDue is an approved program without an attendance report.
type AttendanceDue struct {
	ProgramID, ProviderID, Email, Title string
	EndsOn                              string // YYYY-MM-DD
}

// Store reads the sparse due index and records reminders.
type Store interface {
	// DueRenewals lists the unpaid renewal invoices due on date (YYYY-MM-DD).
	DueRenewals(ctx context.Context, date string) ([]RenewalDue, error)
	// DueAttendance lists the approved, unreported programs that ended on date.
	DueAttendance(ctx context.Context, date string) ([]AttendanceDue, error)
	// Record writes the once-only record of reminder id together with msg's
	// outbox entry; recorded is false (and nothing is written) when the
	// reminder was recorded before.
	Record(ctx context.Context, id string, msg outbox.Message) (recorded bool, err error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the reminder job.
type Service struct {
	Store  Store
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

// Run sends today's reminders (today in the association's time zone) and
// returns how many it queued; reminders queued by an earlier run are not
// queued again. Its reads grow with the invoices and programs due on the
// reminder dates, not with all holders.
func (s *Service) Run(ctx context.Context) (int, error) {
	loc := s.Policy.Association.Location()
	now := s.Clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	n := 0
	for _, d := range RenewalDaysBefore {
		date := today.AddDate(0, 0, d).Format(time.DateOnly)
		dues, err := s.Store.DueRenewals(ctx, date)
		if err != nil {
			return n, fmt.Errorf("read renewals due %s: %w", date, err)
		}
		for _, r := range dues {
			j := notify.Job{ID: JobID(ReasonRenewal, r.InvoiceID, "d"+strconv.Itoa(d)), Template: "reminder_renewal_due",
				To: []string{r.Email}, Data: map[string]string{"name": r.Name, "invoiceId": r.InvoiceID,
					"year": strconv.Itoa(r.Year), "dueOn": r.DueOn, "amount": r.Amount, "days": strconv.Itoa(d)}}
			ok, err := s.send(ctx, j)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
	}
	window := s.Policy.Attendance.ReportingWindowDays
	for _, d := range AttendanceDaysAfter {
		end := today.AddDate(0, 0, -d)
		date := end.Format(time.DateOnly)
		dues, err := s.Store.DueAttendance(ctx, date)
		if err != nil {
			return n, fmt.Errorf("read attendance due for programs ended %s: %w", date, err)
		}
		for _, a := range dues {
			j := notify.Job{ID: JobID(ReasonAttendance, a.ProgramID, "d"+strconv.Itoa(d)), Template: "reminder_attendance_due",
				To: []string{a.Email}, Data: map[string]string{"programId": a.ProgramID, "title": a.Title, "endsOn": a.EndsOn,
					"deadline": end.AddDate(0, 0, window).Format(time.DateOnly), "days": strconv.Itoa(d)}}
			ok, err := s.send(ctx, j)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
	}
	s.log().InfoContext(ctx, "reminders queued", "date", today.Format(time.DateOnly), "queued", n)
	return n, nil
}

func (s *Service) send(ctx context.Context, j notify.Job) (bool, error) {
	if j.To[0] == "" {
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
