package attendance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
)

// MaxCorrectionReason bounds a correction's reason, as a decision's.
const MaxCorrectionReason = 2000

// NewCorrection is a correction as a caller asks it: remove the holder from
// the upload (their credit withdrawn), or add them (credited), with why.
// An addition names the attendee and the completion date as a roster row.
type NewCorrection struct {
	Action         string
	HolderID       string
	FirstName      string
	LastName       string
	CompletionDate string
	Reason         string
}

// Correct changes a posted upload after crediting: it withdraws a holder's
// credit for the program, or credits a holder, exactly once, with the
// correction, the holder's history event and the email that tells them in
// the same write. The program's provider may, until the policy's
// correction window after the upload's reporting date closes; staff may
// at any time. A retried request changes nothing more: a removal answers
// not_credited, an addition already_credited.
// Errors: NotFound program_not_found, upload_not_found; Invalid (each
// field); Conflict upload_processing, filing_fee_unpaid (until the held
// credits are issued), filing_fee_applies (an addition that the report's
// filing fee schedule charges for), correction_window_closed,
// not_credited, already_credited.
func (s *Service) Correct(ctx context.Context, c identity.Caller, programID, uploadID string, in NewCorrection) (Correction, error) {
	p, err := s.program(ctx, c, programID, true)
	if err != nil {
		return Correction{}, err
	}
	st, err := s.uploadStatus(ctx, p.ID, uploadID)
	if err != nil {
		return Correction{}, err
	}
	in.HolderID = strings.ToUpper(strings.TrimSpace(in.HolderID))
	in.Reason = strings.TrimSpace(in.Reason)
	var problems []fault.Detail
	add := func(field, code, msg string) {
		problems = append(problems, fault.Detail{Field: field, Code: code, Message: msg})
	}
	if in.Action != CorrectionRemove && in.Action != CorrectionAdd {
		add("action", "invalid_value", `must be "remove" or "add"`)
	}
	if in.HolderID == "" {
		add("holderId", "required", "is required")
	}
	if code, msg := freetext.Check(in.Reason, MaxCorrectionReason, true); code != "" {
		add("reason", code, msg)
	} else if in.Reason == "" {
		add("reason", "required", "is required")
	}
	var row roster.Row
	if in.Action == CorrectionAdd {
		r, err := roster.CheckRow(0, p.ID, in.HolderID, in.FirstName, in.LastName, in.CompletionDate)
		var re *roster.Error
		if errors.As(err, &re) {
			field := map[string]string{roster.ColFirstName: "firstName", roster.ColLastName: "lastName", roster.ColCompletionDate: "completionDate"}[re.Column]
			if field == "" {
				field = "holderId"
			}
			add(field, re.Code, re.Message)
		} else if err != nil {
			return Correction{}, err
		}
		row = r
	}
	if len(problems) > 0 {
		return Correction{}, fault.New(fault.Invalid, "invalid_request", "the correction has invalid fields", problems...)
	}
	if !st.Done {
		return Correction{}, fault.Errorf(fault.Conflict, "upload_processing", "upload %s is still being credited; correct it once it is done", uploadID)
	}
	inv, found, err := s.invoiceOf(ctx, uploadID)
	if err != nil {
		return Correction{}, err
	}
	if found && !inv.Released() {
		return Correction{}, fault.Errorf(fault.Conflict, "filing_fee_unpaid",
			"upload %s's filing fee is not paid yet: its credits are issued once it is, and it can be corrected then", uploadID)
	}
	now := s.clock.Now()
	staff := c.Has(identity.RoleStaff)
	today := roster.DateOf(now.In(s.policy.Association.Location()))
	if until := s.correctableUntil(st.Upload, inv); !staff && today.Compare(until) > 0 {
		return Correction{}, fault.Errorf(fault.Conflict, "correction_window_closed",
			"the upload could be corrected until %s; since then only the association's office can correct it", until)
	}
	holders, err := s.store.Holders(ctx, []string{in.HolderID})
	if err != nil {
		return Correction{}, fmt.Errorf("read holder %s: %w", in.HolderID, err)
	}
	h, known := holders[in.HolderID]
	corr := Correction{ID: s.newID("COR"), ProgramID: p.ID, UploadID: uploadID, Action: in.Action, HolderID: in.HolderID,
		Hours: p.ContactHours, Reason: in.Reason, By: c.Sub, ByStaff: staff, At: now.UTC()}
	// The name the correction shows the provider: the one they typed for an
	// addition (it matched); for a removal the account's only when the
	// holder is listed in the directory (an unlisted holder's name, maybe
	// changed since, is not theirs to read).
	switch {
	case in.Action == CorrectionAdd:
		corr.FirstName, corr.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	case h.Listed || staff:
		corr.FirstName, corr.LastName = h.FirstName, h.LastName
	}
	if in.Action == CorrectionRemove {
		att, err := s.store.Attendees(ctx, p.ID, []string{in.HolderID})
		if err != nil {
			return Correction{}, fmt.Errorf("read attendance of %s: %w", in.HolderID, err)
		}
		a, ok := att[in.HolderID]
		if !ok || a.UploadID != uploadID || !known {
			return Correction{}, notCredited(in.HolderID, uploadID)
		}
		corr.Completed = a.Completed
		msg, err := correctionMail(corr, h, p.Title)
		if err != nil {
			return Correction{}, err
		}
		if err := s.store.Withdraw(ctx, corr, msg); errors.Is(err, ErrNotCredited) {
			return Correction{}, notCredited(in.HolderID, uploadID)
		} else if err != nil {
			return Correction{}, fmt.Errorf("withdraw credit of %s: %w", in.HolderID, err)
		}
		s.relay.Dispatch(ctx, msg)
		return corr, nil
	}

	if known && st.Upload.Fee.For(h.Membership) > 0 {
		// The attendee would be credited without the filing fee the
		// report's date charges for them: they are reported with a new
		// upload, whose fee is invoiced with it.
		return Correction{}, fault.Errorf(fault.Conflict, "filing_fee_applies",
			"attendance reported on %s owes a filing fee for holder %s: report them with a new upload, which invoices their fee", st.Upload.ReportedOn, h.ID)
	}
	// An addition is judged as a roster row of this upload would be.
	first, last := programDays(p, st.Upload.Offering)
	switch {
	case !known:
		problems = append(problems, fault.Detail{Field: "holderId", Code: ReasonHolderNotFound,
			Message: fmt.Sprintf("no holder %s: the attendee needs a holder account (a free guest account is enough)", in.HolderID)})
	case !names.Equal(h.FirstName, row.FirstName) || !names.Equal(h.LastName, row.LastName):
		// A sentence of its own: it names the holder and says how.
		msg := nameMismatch(h, row)
		problems = append(problems, fault.Detail{Field: "lastName", Code: ReasonNameMismatch, Message: strings.ToUpper(msg[:1]) + msg[1:]})
	}
	if row.Completed.Compare(first) < 0 || row.Completed.Compare(last) > 0 {
		problems = append(problems, fault.Detail{Field: "completionDate", Code: ReasonOutsideProgram,
			Message: outsideProgram(first, last)})
	} else if row.Completed.Compare(today) > 0 {
		problems = append(problems, fault.Detail{Field: "completionDate", Code: ReasonInFuture, Message: "must be today or in the past"})
	}
	if len(problems) > 0 {
		return Correction{}, fault.New(fault.Invalid, "invalid_request", "the correction has invalid fields", problems...)
	}
	corr.Completed = row.Completed
	msg, err := correctionMail(corr, h, p.Title)
	if err != nil {
		return Correction{}, err
	}
	credit := Credit{ProgramID: p.ID, HolderID: h.ID, UploadID: uploadID, Completed: row.Completed, Title: p.Title,
		ProviderID: p.ProviderID, ProviderName: p.ProviderName, Hours: p.ContactHours, Compliance: p.Compliance, Format: string(p.Format), Credited: now.UTC()}
	if err := s.store.AddCredit(ctx, credit, corr, msg); errors.Is(err, ErrAlreadyCredited) {
		return Correction{}, fault.Errorf(fault.Conflict, "already_credited", "holder %s is already credited for this program", h.ID)
	} else if err != nil {
		return Correction{}, fmt.Errorf("add credit of %s: %w", h.ID, err)
	}
	s.relay.Dispatch(ctx, msg)
	return corr, nil
}

// Corrections lists the corrections of one of the caller's uploads (any
// upload, for staff), oldest first.
// Errors: NotFound program_not_found, upload_not_found.
// until is the last day the provider may correct it.
func (s *Service) Corrections(ctx context.Context, c identity.Caller, programID, uploadID string) (list []Correction, until roster.Date, err error) {
	st, err := s.status(ctx, c, programID, uploadID)
	if err != nil {
		return nil, roster.Date{}, err
	}
	if list, err = s.store.Corrections(ctx, uploadID); err != nil {
		return nil, roster.Date{}, err
	}
	inv, _, err := s.invoiceOf(ctx, uploadID)
	if err != nil {
		return nil, roster.Date{}, err
	}
	return list, s.correctableUntil(st.Upload, inv), nil
}

// AllCorrections lists every correction, newest first, for staff.
// Errors: Unauthenticated; Forbidden unless staff; Invalid invalid_cursor.
func (s *Service) AllCorrections(ctx context.Context, c identity.Caller, pg Page) ([]Correction, string, error) {
	if c.Anonymous() {
		return nil, "", identity.ErrSignIn
	}
	if !c.Has(identity.RoleStaff) {
		return nil, "", fault.New(fault.Forbidden, "forbidden", "only staff list every correction")
	}
	return s.store.AllCorrections(ctx, pg)
}

// correctableUntil is the last day a provider may correct u: the window
// counts from the reporting date, or, when the upload's credits waited for
// its filing fee (inv, zero when none), from the day they were issued.
func (s *Service) correctableUntil(u Upload, inv FilingInvoice) roster.Date {
	from := u.ReportedOn
	if inv.Released() {
		if issued := roster.DateOf(inv.ReleasedAt.In(s.policy.Association.Location())); issued.After(from) {
			from = issued
		}
	}
	t := time.Date(from.Year, from.Month, from.Day+s.policy.Attendance.CorrectionWindowDays, 0, 0, 0, 0, time.UTC)
	return roster.DateOf(t)
}

func notCredited(holderID, uploadID string) error {
	return fault.Errorf(fault.Conflict, "not_credited", "holder %s is not credited by upload %s", holderID, uploadID)
}

// correctionMail is the email that tells the holder of a correction.
func correctionMail(c Correction, h Holder, title string) (outbox.Message, error) {
	return notify.Job{
		ID:       "correction:" + c.ID,
		Template: "attendance_correction",
		To:       []string{h.Email},
		Data: map[string]string{"action": c.Action, "holderName": strings.TrimSpace(h.FirstName + " " + h.LastName), "holderId": h.ID,
			"title": title, "programId": c.ProgramID, "hours": c.Hours.String(), "completed": c.Completed.String(), "reason": c.Reason},
	}.Message()
}

// outsideProgram words a completion date outside the program's days.
func outsideProgram(first, last roster.Date) string {
	if first == last {
		return fmt.Sprintf("must be the day of the program, %s", first)
	}
	return fmt.Sprintf("must be within the program's dates, %s to %s", first, last)
}
