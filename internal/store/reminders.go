package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
)

// Reminders is the reminders.Store on the single table:
//
//	DUE#renewal#<invoiceId>     DUE        due marker of an unpaid renewal invoice
//	                                       GSI2 DUE#renewal#<yyyy-mm of due date> / <due date>#<invoiceId>
//	DUE#attendance#<programId>  DUE        due marker of an approved, unreported program
//	                                       GSI2 DUE#attendance#<yyyy-mm of end date> / <end date>#<programId>
//	REMINDER#<job id>           REMINDER   a reminder sent (the once-only record)
//
// The markers are small items of their own, written and deleted in the
// transactions that change their entity, because invoices and programs
// already use their GSI keys (or must stay out of the index). The job reads
// one month bucket per reminder date with begins_with(GSI2SK, date).
type Reminders struct{ t Table }

var _ reminders.Store = (*Reminders)(nil)

// NewReminders returns the reminders repository on t.
func NewReminders(t Table) *Reminders { return &Reminders{t: t} }

const (
	dueRenewal    = "DUE#renewal#"
	dueAttendance = "DUE#attendance#"
	skDue         = "DUE"
	// reminderTTL keeps a once-only record past every reminder of its period.
	reminderTTL = 400 * 24 * time.Hour
)

type dueItem struct {
	PK      string `json:"PK"`
	SK      string `json:"SK"`
	GSI2PK  string `json:"GSI2PK"`
	GSI2SK  string `json:"GSI2SK"`
	Type    string `json:"type"`
	Date    string `json:"date"`
	ID      string `json:"id"`
	OwnerID string `json:"ownerId"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Year    int    `json:"year,omitempty"`
	Amount  string `json:"amount,omitempty"`
}

func dueRenewalKey(invoiceID string) Key { return Key{dueRenewal + invoiceID, skDue} }
func dueAttendanceKey(programID string) Key {
	return Key{dueAttendance + programID, skDue}
}

// dueRenewalOp keeps inv's due marker in step with it: put while unpaid,
// deleted once paid.
func dueRenewalOp(inv renewals.Invoice) (Op, error) {
	k := dueRenewalKey(inv.ID)
	if inv.Status == renewals.Paid || len(inv.DueOn) < 7 {
		return Delete(k, Condition{}), nil
	}
	item, err := Marshal(dueItem{PK: k.PK, SK: k.SK, GSI2PK: dueRenewal + inv.DueOn[:7], GSI2SK: inv.DueOn + "#" + inv.ID,
		Type: "due", Date: inv.DueOn, ID: inv.ID, OwnerID: inv.HolderID, Email: inv.HolderEmail, Name: inv.HolderName,
		Year: inv.Year, Amount: renewals.Money(inv.TotalCents, inv.Currency)})
	if err != nil {
		return Op{}, fmt.Errorf("marshal due marker of %s: %w", inv.ID, err)
	}
	return Put(item, Condition{}), nil
}

// dueAttendanceOps returns the marker's write for a program going from
// before to p: put when it becomes approved (with an end), deleted when it
// stops being approved. Reporting attendance deletes it (CreateUpload).
func dueAttendanceOps(before *programs.Program, p programs.Program) ([]Op, error) {
	was := before != nil && before.Status == programs.Approved
	is := p.Status == programs.Approved && p.EndsAt != nil
	k := dueAttendanceKey(p.ID)
	switch {
	case is && !was:
		end := p.EndsAt.Format(time.DateOnly)
		item, err := Marshal(dueItem{PK: k.PK, SK: k.SK, GSI2PK: dueAttendance + end[:7], GSI2SK: end + "#" + p.ID,
			Type: "due", Date: end, ID: p.ID, OwnerID: p.ProviderID, Email: p.ProviderEmail, Name: p.Title})
		if err != nil {
			return nil, fmt.Errorf("marshal due marker of %s: %w", p.ID, err)
		}
		return []Op{Put(item, Condition{})}, nil
	case was && p.Status != programs.Approved:
		return []Op{Delete(k, Condition{})}, nil
	}
	return nil, nil
}

func (r *Reminders) due(ctx context.Context, prefix, date string) ([]dueItem, error) {
	if len(date) != len(time.DateOnly) {
		return nil, fmt.Errorf("due date %q: want YYYY-MM-DD", date)
	}
	q := Query{Index: IndexGSI2, PK: prefix + date[:7], Op: SKBeginsWith, Value: date + "#"}
	var out []dueItem
	for {
		pg, err := r.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query %s%s: %w", prefix, date, err)
		}
		for _, item := range pg.Items {
			var it dueItem
			if err := Unmarshal(item, &it); err != nil {
				return nil, fmt.Errorf("decode due marker %s: %w", KeyOf(item), err)
			}
			out = append(out, it)
		}
		if pg.Cursor == "" {
			return out, nil
		}
		q.Cursor = pg.Cursor
	}
}

// DueRenewals lists the unpaid renewal invoices due on date.
func (r *Reminders) DueRenewals(ctx context.Context, date string) ([]reminders.RenewalDue, error) {
	its, err := r.due(ctx, dueRenewal, date)
	if err != nil {
		return nil, err
	}
	out := make([]reminders.RenewalDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.RenewalDue{InvoiceID: it.ID, HolderID: it.OwnerID, Email: it.Email, Name: it.Name,
			Year: it.Year, DueOn: it.Date, Amount: it.Amount})
	}
	return out, nil
}

// DueAttendance lists the approved programs without a report that ended on date.
func (r *Reminders) DueAttendance(ctx context.Context, date string) ([]reminders.AttendanceDue, error) {
	its, err := r.due(ctx, dueAttendance, date)
	if err != nil {
		return nil, err
	}
	out := make([]reminders.AttendanceDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.AttendanceDue{ProgramID: it.ID, ProviderID: it.OwnerID, Email: it.Email,
			Title: it.Name, EndsOn: it.Date})
	}
	return out, nil
}

type reminderItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Type   string `json:"type"`
	ID     string `json:"id"`
	SentAt string `json:"sentAt"`
	TTL    int64  `json:"ttl"`
}

// Record puts REMINDER#<id> if absent with msg's outbox entry, atomically.
func (r *Reminders) Record(ctx context.Context, id string, msg outbox.Message) (bool, error) {
	if strings.ContainsRune(id, 0) {
		return false, fmt.Errorf("reminder id %q: NUL", id)
	}
	item, err := Marshal(reminderItem{PK: "REMINDER#" + id, SK: "REMINDER", Type: "reminder", ID: id,
		SentAt: formatTime(msg.CreatedAt), TTL: msg.CreatedAt.Add(reminderTTL).Unix()})
	if err != nil {
		return false, fmt.Errorf("marshal reminder %s: %w", id, err)
	}
	out, err := OutboxOps(msg)
	if err != nil {
		return false, err
	}
	err = r.t.Write(ctx, append([]Op{Put(item, IfNotExists())}, out...)...)
	var cf *ConditionFailedError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &cf) && cf.Index == 0:
		return false, nil
	default:
		return false, fmt.Errorf("write reminder %s: %w", id, err)
	}
}
