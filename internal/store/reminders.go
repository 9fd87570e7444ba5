package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
)

// Reminders is the reminders.Store on the single table:
//
//	DUE#renewal#<invoiceId>     DUE        due marker of an unpaid renewal invoice
//	                                       GSI2 DUE#renewal#<yyyy-mm of due date> / <due date>#<invoiceId>
//	DUE#cecs#<invoiceId>        DUE        due marker of a renewal whose CECs were outstanding
//	                                       GSI2 DUE#cecs#<yyyy-mm of due date> / <due date>#<invoiceId>
//	DUE#attendance#<programId>  DUE        due marker of an approved, unreported program
//	                                       GSI2 DUE#attendance#<yyyy-mm of end date> / <end date>#<programId>
//	DUE#fee#<programId>         DUE        due marker of an unpaid application fee
//	                                       GSI2 DUE#fee#<yyyy-mm of issue date> / <issue date>#<programId>
//	DUE#filing#<uploadId>       DUE        due marker of an unpaid filing fee (written with the invoice: filing.go)
//	                                       GSI2 DUE#filing#<yyyy-mm of issue date> / <issue date>#<uploadId>
//	DUE#audit#<submissionId>    DUE        due marker of an audit waiting for the holder's files
//	                                       GSI2 DUE#audit#<yyyy-mm of its last day> / <last day>#<submissionId>
//	REMINDER#<job id>           REMINDER   a reminder sent (the once-only record)
//
// The markers are small items of their own, written and deleted in the
// transactions that change their entity, because invoices and programs
// already use their GSI keys (or must stay out of the index). The job reads
// one month bucket per reminder date with begins_with(GSI2SK, date). A
// marker expires (ttl) long after its last possible reminder day, so one
// whose entity never settles does not stay for ever.
type Reminders struct{ t table.Table }

var _ reminders.Store = (*Reminders)(nil)

// NewReminders returns the reminders repository on t.
func NewReminders(t table.Table) *Reminders { return &Reminders{t: t} }

const (
	// reminderTTL keeps a once-only record past every reminder of its period.
	reminderTTL = 400 * 24 * time.Hour
	// markerTTL keeps a marker past its date by more than the policy's
	// longest reminder list allows (366 days).
	markerTTL = 400 * 24 * time.Hour
)

type dueItem struct {
	PK       string   `json:"PK"`
	SK       string   `json:"SK"`
	GSI2PK   string   `json:"GSI2PK"`
	GSI2SK   string   `json:"GSI2SK"`
	Type     string   `json:"type"`
	Date     string   `json:"date"`
	ID       string   `json:"id"`
	OwnerID  string   `json:"ownerId"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Year     int      `json:"year,omitempty"`
	Amount   string   `json:"amount,omitempty"`
	Invoice  string   `json:"invoice,omitempty"`
	StartsAt string   `json:"startsAt,omitempty"` // the first offering's (markers written before offerings have only it)
	Starts   []string `json:"starts,omitempty"`   // every offering invoiced, earliest first
	Program  string   `json:"program,omitempty"`
	Offering int      `json:"offering,omitempty"` // of a program of several offerings
	TTL      int64    `json:"ttl"`
}

// dueMarker is the put of a marker in prefix's index on date.
func dueMarker(prefix string, it dueItem) (table.Op, error) {
	d, err := time.Parse(time.DateOnly, it.Date)
	if err != nil {
		return table.Op{}, fmt.Errorf("due marker of %s: date %q: %w", it.ID, it.Date, err)
	}
	k := table.Key{PK: prefix + it.ID, SK: skDue}
	it.PK, it.SK, it.Type = k.PK, k.SK, "due"
	it.GSI2PK, it.GSI2SK = prefix+it.Date[:7], it.Date+"#"+it.ID
	it.TTL = d.Add(markerTTL).Unix()
	item, err := table.Marshal(it)
	if err != nil {
		return table.Op{}, fmt.Errorf("marshal due marker %s: %w", k.PK, err)
	}
	return table.Put(item, table.Condition{}), nil
}

// dueRenewalOp keeps inv's due marker in step with it: put while unpaid,
// deleted once paid.
func dueRenewalOp(inv renewals.Invoice) (table.Op, error) {
	if inv.Status == renewals.Paid || len(inv.DueOn) < 7 {
		return table.Delete(dueRenewalKey(inv.ID), table.Condition{}), nil
	}
	return dueMarker(dueRenewal, dueItem{Date: inv.DueOn, ID: inv.ID, OwnerID: inv.HolderID,
		Email: inv.HolderEmail, Name: inv.HolderName, Year: inv.Year, Amount: renewals.Money(inv.TotalCents, inv.Currency)})
}

// dueCECsOps is the CEC marker of a new invoice whose year was not met when
// issued; the job takes it out once the CECs are met (CECsMet).
func dueCECsOps(inv renewals.Invoice) ([]table.Op, error) {
	if !inv.CECsOutstandingAtIssue || len(inv.DueOn) < 7 {
		return nil, nil
	}
	op, err := dueMarker(dueCECs, dueItem{Date: inv.DueOn, ID: inv.ID, OwnerID: inv.HolderID,
		Email: inv.HolderEmail, Name: inv.HolderName, Year: inv.Year})
	if err != nil {
		return nil, err
	}
	return []table.Op{op}, nil
}

// dueProgramOps returns the markers' writes for a program going from before
// to p: the attendance marker is put when it becomes approved (with an end)
// and deleted when it stops being approved (reporting attendance deletes it
// too: CreateUpload); the fee marker lives while its fee is due.
func dueProgramOps(before *programs.Program, p programs.Program) ([]table.Op, error) {
	var ops []table.Op
	was := before != nil && before.Status == programs.Approved
	switch {
	case p.Status == programs.Approved && !was:
		active := p.ActiveOfferings()
		for _, o := range active { // one marker per offering: each has its own window
			if o.EndsAt == nil {
				continue
			}
			it := dueItem{Date: o.EndsAt.Format(time.DateOnly), ID: attendanceMarkerID(p.ID, o.N),
				Program: p.ID, OwnerID: p.ProviderID, Email: p.ProviderEmail, Name: p.Title}
			if len(active) > 1 {
				it.Offering = o.N // the reminder names it
			}
			op, err := dueMarker(dueAttendance, it)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op)
		}
	case was && p.Status != programs.Approved:
		for _, o := range before.ActiveOfferings() {
			ops = append(ops, table.Delete(dueAttendanceKey(p.ID, o.N), table.Condition{}))
		}
	}
	feeWas := before != nil && before.Status == programs.FeeDue && before.Fee != nil
	starts := activeStarts(p)
	feeIs := p.Status == programs.FeeDue && p.Fee != nil && p.Fee.Status == programs.FeeOpen && len(starts) > 0
	switch {
	case feeIs && (!feeWas || before.Fee.InvoiceID != p.Fee.InvoiceID):
		f := p.Fee
		on := f.IssuedOn
		if on == "" { // written before IssuedOn existed
			on = f.IssuedAt.UTC().Format(time.DateOnly)
		}
		op, err := dueMarker(dueFee, dueItem{Date: on, ID: p.ID, Invoice: f.InvoiceID, OwnerID: p.ProviderID,
			Email: p.ProviderEmail, Name: p.Title, Amount: renewals.Money(f.AmountCents, f.Currency),
			StartsAt: starts[0], Starts: starts})
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	case feeWas && !feeIs:
		ops = append(ops, table.Delete(dueFeeKey(p.ID), table.Condition{}))
	}
	return ops, nil
}

// activeStarts are the starts of p's offerings not refused, earliest first (RFC 3339).
func activeStarts(p programs.Program) []string {
	var ts []time.Time
	for _, o := range p.ActiveOfferings() {
		if o.StartsAt != nil {
			ts = append(ts, *o.StartsAt)
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.RFC3339)
	}
	return out
}

func (r *Reminders) due(ctx context.Context, prefix, date string, p reminders.Page) ([]dueItem, string, error) {
	if len(date) != len(time.DateOnly) {
		return nil, "", fmt.Errorf("due date %q: want YYYY-MM-DD", date)
	}
	q := table.Query{Index: table.IndexGSI2, PK: prefix + date[:7], Op: table.SKBeginsWith, Value: date + "#",
		Limit: pageLimit(p.Limit, dueLimit, dueLimit), Cursor: p.Cursor}
	pg, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("query %s%s: %w", prefix, date, err)
	}
	out := make([]dueItem, 0, len(pg.Items))
	for _, item := range pg.Items {
		var it dueItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, "", fmt.Errorf("decode due marker %s: %w", table.KeyOf(item), err)
		}
		out = append(out, it)
	}
	return out, pg.Cursor, nil
}

// dueLimit is the most due markers a page reads.
const dueLimit = 1000

// DueRenewals lists the unpaid renewal invoices due on date.
func (r *Reminders) DueRenewals(ctx context.Context, date string, p reminders.Page) ([]reminders.RenewalDue, string, error) {
	its, next, err := r.due(ctx, dueRenewal, date, p)
	out := make([]reminders.RenewalDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.RenewalDue{InvoiceID: it.ID, HolderID: it.OwnerID, Email: it.Email, Name: it.Name,
			Year: it.Year, DueOn: it.Date, Amount: it.Amount})
	}
	return out, next, err
}

// DueCECs lists the renewals due on date whose CECs were outstanding.
func (r *Reminders) DueCECs(ctx context.Context, date string, p reminders.Page) ([]reminders.CECsDue, string, error) {
	its, next, err := r.due(ctx, dueCECs, date, p)
	out := make([]reminders.CECsDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.CECsDue{InvoiceID: it.ID, HolderID: it.OwnerID, Email: it.Email, Name: it.Name,
			Year: it.Year, DueOn: it.Date})
	}
	return out, next, err
}

// DueAudits lists the audits whose last day for the holder's files is date
// and that still wait for them.
func (r *Reminders) DueAudits(ctx context.Context, date string, p reminders.Page) ([]reminders.AuditDue, string, error) {
	its, next, err := r.due(ctx, dueAudit, date, p)
	out := make([]reminders.AuditDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.AuditDue{SubmissionID: it.ID, HolderID: it.OwnerID, Email: it.Email, Name: it.Name,
			Year: it.Year, DueOn: it.Date})
	}
	return out, next, err
}

// dueAuditOps keeps an audited submission's marker in step with it: put
// while its audit waits for files and staff have not decided, deleted
// otherwise. A submission never audited has none to write.
func dueAuditOps(s submissions.Submission) ([]table.Op, error) {
	a := s.AuditRequest
	if a == nil {
		return nil, nil
	}
	if a.State != submissions.AuditRequested || !s.Status.Open() {
		return []table.Op{table.Delete(dueAuditKey(s.ID), table.Condition{})}, nil
	}
	op, err := dueMarker(dueAudit, dueItem{Date: a.Due.Format(time.DateOnly), ID: s.ID, OwnerID: s.HolderID,
		Email: s.HolderEmail, Name: s.HolderName, Year: s.RenewalYear})
	if err != nil {
		return nil, err
	}
	return []table.Op{op}, nil
}

// CECsMet deletes the renewal's CEC marker.
func (r *Reminders) CECsMet(ctx context.Context, invoiceID string) error {
	return r.t.Write(ctx, table.Delete(dueCECsKey(invoiceID), table.Condition{}))
}

// DueAttendance lists the approved programs without a report that ended on date.
func (r *Reminders) DueAttendance(ctx context.Context, date string, p reminders.Page) ([]reminders.AttendanceDue, string, error) {
	its, next, err := r.due(ctx, dueAttendance, date, p)
	out := make([]reminders.AttendanceDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.AttendanceDue{ProgramID: cmp.Or(it.Program, it.ID), Offering: it.Offering,
			ProviderID: it.OwnerID, Email: it.Email, Title: it.Name, EndsOn: it.Date})
	}
	return out, next, err
}

// DueFees lists the programs whose unpaid fee invoice was issued on date.
func (r *Reminders) DueFees(ctx context.Context, date string, p reminders.Page) ([]reminders.FeeDue, string, error) {
	its, next, err := r.due(ctx, dueFee, date, p)
	out := make([]reminders.FeeDue, 0, len(its))
	for _, it := range its {
		var starts []time.Time
		if len(it.Starts) == 0 { // written before offerings
			it.Starts = []string{it.StartsAt}
		}
		for _, s := range it.Starts {
			t, perr := time.Parse(time.RFC3339, s)
			if perr != nil {
				return nil, "", fmt.Errorf("due marker %s: start %q: %w", it.PK, s, perr)
			}
			starts = append(starts, t)
		}
		out = append(out, reminders.FeeDue{ProgramID: it.ID, ProviderID: it.OwnerID, Email: it.Email, Title: it.Name,
			InvoiceID: it.Invoice, Amount: it.Amount, IssuedOn: it.Date, Starts: starts})
	}
	return out, next, err
}

// DueFilingFees lists the uploads whose unpaid filing fee was issued on date.
func (r *Reminders) DueFilingFees(ctx context.Context, date string, p reminders.Page) ([]reminders.FilingDue, string, error) {
	its, next, err := r.due(ctx, dueFiling, date, p)
	out := make([]reminders.FilingDue, 0, len(its))
	for _, it := range its {
		out = append(out, reminders.FilingDue{UploadID: it.ID, ProgramID: it.Program, ProviderID: it.OwnerID, Email: it.Email,
			Title: it.Name, InvoiceID: it.Invoice, Amount: it.Amount, IssuedOn: it.Date})
	}
	return out, next, err
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
	return recordOnce(ctx, r.t, reminderKey(id), "reminder", id, msg)
}

// recordOnce puts the once-only record k (of type typ, naming id) if absent,
// with msg's outbox entry, in one transaction; false when k was recorded
// before (nothing is written then).
func recordOnce(ctx context.Context, t table.Table, k table.Key, typ, id string, msg outbox.Message) (bool, error) {
	if strings.ContainsRune(id, 0) {
		return false, fmt.Errorf("%s id %q: NUL", typ, id)
	}
	item, err := table.Marshal(reminderItem{PK: k.PK, SK: k.SK, Type: typ, ID: id,
		SentAt: formatTime(msg.CreatedAt), TTL: msg.CreatedAt.Add(reminderTTL).Unix()})
	if err != nil {
		return false, fmt.Errorf("marshal %s %s: %w", typ, id, err)
	}
	out, err := OutboxOps(msg)
	if err != nil {
		return false, err
	}
	err = t.Write(ctx, append([]table.Op{table.Put(item, table.IfNotExists())}, out...)...)
	switch {
	case err == nil:
		return true, nil
	case table.FailedOn(err, table.KeyOf(item)):
		return false, nil
	default:
		return false, fmt.Errorf("write %s %s: %w", typ, id, err)
	}
}
