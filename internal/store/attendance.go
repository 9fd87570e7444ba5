package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/table"
)

// Attendance is the attendance.Store on the table:
//
//	UPLOAD#<id>    UPLOAD             the upload
//	UPLOAD#<id>    INPUT#<chunk>      a chunk of its rows, as received (expires after 30 days)
//	UPLOAD#<id>    CHUNK#<chunk>      a credited chunk's summary
//	UPLOAD#<id>    ROW#<line>         a row's result
//	PROGRAM#<id>   UPLOAD#<created>#<upload>  the upload in the program's list: its totals once done
//	PROGRAM#<id>   ATTENDEE#<holder>  the holder attended the program: written once
//	HOLDER#<id>    CREDIT#<date>#PROGRAM#<program>   the credit on the holder's transcript
//
// and the filing fees' items (filing.go).
type Attendance struct {
	t table.Table
	options
}

var _ attendance.Store = (*Attendance)(nil)

// NewAttendance returns the attendance repository on t.
func NewAttendance(t table.Table, opts ...Option) *Attendance {
	return &Attendance{t: t, options: optionsOf(opts)}
}

type uploadItem struct {
	PK          string `json:"PK"`
	SK          string `json:"SK"`
	Type        string `json:"type"`
	ID          string `json:"uploadId"`
	ProgramID   string `json:"programId"`
	Offering    int    `json:"offering,omitempty"` // 0: the first (before offerings)
	ProviderID  string `json:"providerId"`
	By          string `json:"by"`
	Source      string `json:"source"`
	ReportedOn  string `json:"reportedOn"`
	Rows        int    `json:"rows"`
	Chunks      int    `json:"chunks"`
	MemberCents int64  `json:"feeMemberCents"`
	GuestCents  int64  `json:"feeGuestCents"`
	Currency    string `json:"currency"`
	CreatedAt   string `json:"createdAt"`
	// Ignored are the roster's columns that were not read.
	Ignored []string `json:"ignoredColumns,omitempty"`
}

// entryItem is an upload in its program's list: what the list shows, and
// the totals, written again with the last chunk's summary.
type entryItem struct {
	uploadItem
	Done      bool           `json:"done"`
	TotalRows int            `json:"totalRows"`
	Accepted  int            `json:"accepted"`
	Rejected  int            `json:"rejected"`
	FeeCents  int64          `json:"feeCents"`
	Members   int            `json:"members,omitempty"`
	Guests    int            `json:"guests,omitempty"`
	ByReason  map[string]int `json:"byReason,omitempty"`
	// HasFee: the upload has a filing fee invoice (read with the list).
	HasFee bool `json:"hasFee,omitempty"`
}

// inputItem holds a chunk compactly, as one JSON string of row tuples; the
// service cuts chunks so that it stays under attendance.ChunkBytes.
type inputItem struct {
	PK   string `json:"PK"`
	SK   string `json:"SK"`
	Type string `json:"type"`
	Rows string `json:"rows"`
	TTL  int64  `json:"ttl"`
}

type summaryItem struct {
	PK       string         `json:"PK"`
	SK       string         `json:"SK"`
	Type     string         `json:"type"`
	Chunk    int            `json:"chunk"`
	Rows     int            `json:"rows"`
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	FeeCents int64          `json:"feeCents"`
	Members  int            `json:"members,omitempty"`
	Guests   int            `json:"guests,omitempty"`
	ByReason map[string]int `json:"byReason"`
}

type resultItem struct {
	PK         string `json:"PK"`
	SK         string `json:"SK"`
	Type       string `json:"type"`
	Line       int    `json:"line"`
	ProgramID  string `json:"programId"`
	HolderID   string `json:"holderId"`
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	Completed  string `json:"completed"`
	Accepted   bool   `json:"accepted"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	Membership string `json:"membership,omitempty"`
	FeeCents   int64  `json:"feeCents"`
}

type attendeeItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Type      string `json:"type"`
	HolderID  string `json:"holderId"`
	UploadID  string `json:"uploadId"`
	Line      int    `json:"line"`
	Completed string `json:"completed"`
	Credited  string `json:"creditedAt,omitempty"`
	// Held: credited once the upload's filing fee is paid.
	Held bool `json:"held,omitempty"`
}

// creditItem is a transcript entry; the transcript feature reads it.
type creditItem struct {
	PK           string `json:"PK"`
	SK           string `json:"SK"`
	Type         string `json:"type"`
	Source       string `json:"source"` // "program": credited through attendance reporting
	ProgramID    string `json:"programId"`
	ProviderID   string `json:"providerId"`
	ProviderName string `json:"providerName"`
	Title        string `json:"title"`
	Completed    string `json:"completed"`
	Hours        string `json:"hours"` // exact decimal text
	Association  bool   `json:"association"`
	Compliance   bool   `json:"compliance"`
	// Format is the program's; "" on credits written before it was kept
	// (they join no cap group by format).
	Format   string `json:"format,omitempty"`
	UploadID string `json:"uploadId"`
	Credited string `json:"creditedAt"`
}

// PutChunk stores a chunk of rows.
func (a *Attendance) PutChunk(ctx context.Context, uploadID string, chunk int, rows []roster.Row, expires time.Time) error {
	tuples := make([][6]string, 0, len(rows))
	for _, r := range rows {
		tuples = append(tuples, [6]string{strconv.Itoa(r.Line), r.ProgramID, r.HolderID, r.FirstName, r.LastName, r.Completed.String()})
	}
	return putInput(ctx, a.t, inputKey(uploadID, chunk), "upload-input", tuples, expires)
}

// Chunk reads a stored chunk back.
func (a *Attendance) Chunk(ctx context.Context, uploadID string, chunk int) ([]roster.Row, error) {
	var tuples [][6]string
	if err := getInput(ctx, a.t, inputKey(uploadID, chunk), &tuples); err != nil {
		return nil, err
	}
	rows := make([]roster.Row, 0, len(tuples))
	for _, t := range tuples {
		line, _ := strconv.Atoi(t[0])
		d, err := roster.ParseDate(t[5])
		if err != nil {
			return nil, fmt.Errorf("chunk %d of %s, row %d: %w", chunk, uploadID, line, err)
		}
		rows = append(rows, roster.Row{Line: line, ProgramID: t[1], HolderID: t[2], FirstName: t[3], LastName: t[4], Completed: d})
	}
	return rows, nil
}

func uploadToItem(k table.Key, typ string, u attendance.Upload) uploadItem {
	return uploadItem{PK: k.PK, SK: k.SK, Type: typ, ID: u.ID, ProgramID: u.ProgramID, Offering: u.Offering, ProviderID: u.ProviderID,
		By: u.By, Source: u.Source, ReportedOn: u.ReportedOn.String(), Rows: u.Rows, Chunks: u.Chunks,
		MemberCents: u.Fee.MemberCents, GuestCents: u.Fee.GuestCents, Currency: u.Fee.Currency, CreatedAt: formatTime(u.CreatedAt),
		Ignored: u.IgnoredColumns}
}

func uploadFromItem(it uploadItem) (attendance.Upload, error) {
	on, err := roster.ParseDate(it.ReportedOn)
	if err != nil {
		return attendance.Upload{}, fmt.Errorf("upload %s: %w", it.ID, err)
	}
	return attendance.Upload{ID: it.ID, ProgramID: it.ProgramID, Offering: max(it.Offering, 1), ProviderID: it.ProviderID, By: it.By, Source: it.Source,
		ReportedOn: on, Rows: it.Rows, Chunks: it.Chunks, CreatedAt: parseTime(it.CreatedAt), IgnoredColumns: it.Ignored,
		Fee: attendance.FilingFee{MemberCents: it.MemberCents, GuestCents: it.GuestCents, Currency: it.Currency}}, nil
}

// entryPut is the put of an upload's entry in its program's list.
func entryPut(e attendance.Entry, c table.Condition) (table.Op, error) {
	u := e.Upload
	it := entryItem{uploadItem: uploadToItem(programUploadKey(u.ProgramID, u.CreatedAt, u.ID), "program-upload", u), Done: e.Done}
	if e.Done {
		t := e.Totals
		it.TotalRows, it.Accepted, it.Rejected, it.FeeCents, it.ByReason = t.Rows, t.Accepted, t.Rejected, t.FeeCents, t.ByReason
		it.Members, it.Guests, it.HasFee = t.Members, t.Guests, e.Fee != nil
	}
	item, err := table.Marshal(it)
	if err != nil {
		return table.Op{}, err
	}
	return table.Put(item, c), nil
}

// CreateUpload writes the upload and its entry in the program's list with
// its first crediting message.
func (a *Attendance) CreateUpload(ctx context.Context, u attendance.Upload, msgs ...outbox.Message) error {
	item, err := table.Marshal(uploadToItem(uploadKey(u.ID), "upload", u))
	if err != nil {
		return err
	}
	entry, err := entryPut(attendance.Entry{Upload: u}, table.IfNotExists())
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	// Attendance is reported: the offering leaves the reminders' due index.
	ops := []table.Op{table.Put(item, table.IfNotExists()), entry, table.Delete(dueAttendanceKey(u.ProgramID, u.Offering), table.Condition{})}
	return a.t.Write(ctx, append(ops, out...)...)
}

// Uploads lists a program's uploads, newest first.
func (a *Attendance) Uploads(ctx context.Context, programID string, pg attendance.Page) ([]attendance.Entry, string, error) {
	q := table.Query{PK: pkProgram + programID, Op: table.SKBeginsWith, Value: skProgramUpload, Descending: true,
		Limit: pageLimit(pg.Limit, listPageDefault, listPageMax), Cursor: pg.Cursor}
	page, err := a.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query uploads of %s: %w", programID, err))
	}
	var withFee []string
	entries := decodeList(ctx, "uploads of "+programID, page.Items, func(item table.Item) (attendance.Entry, error) {
		var it entryItem
		if err := table.Unmarshal(item, &it); err != nil {
			return attendance.Entry{}, err
		}
		u, err := uploadFromItem(it.uploadItem)
		if err != nil {
			return attendance.Entry{}, err
		}
		e := attendance.Entry{Upload: u, Done: it.Done}
		if it.Done {
			e.Totals = attendance.Totals{Rows: it.TotalRows, Accepted: it.Accepted, Rejected: it.Rejected, FeeCents: it.FeeCents,
				Members: it.Members, Guests: it.Guests, Currency: it.Currency, ByReason: it.ByReason}
		}
		if it.HasFee {
			withFee = append(withFee, u.ID)
		}
		return e, nil
	})
	// The filing fees' states, as they are now: one BatchGetItem for the page.
	fees, err := a.filingInvoices(ctx, withFee)
	if err != nil {
		return nil, "", err
	}
	for i := range entries {
		if f, ok := fees[entries[i].Upload.ID]; ok {
			entries[i].Fee = &f
		}
	}
	return entries, page.Cursor, nil
}

// Upload reads an upload.
func (a *Attendance) Upload(ctx context.Context, id string) (attendance.Upload, error) {
	item, err := a.t.Get(ctx, uploadKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return attendance.Upload{}, attendance.ErrNotFound
	}
	if err != nil {
		return attendance.Upload{}, fmt.Errorf("get upload %s: %w", id, err)
	}
	var it uploadItem
	if err := table.Unmarshal(item, &it); err != nil {
		return attendance.Upload{}, err
	}
	return uploadFromItem(it)
}

// batchKeys reads keys in BatchGet requests.
func (a *Attendance) batchKeys(ctx context.Context, keys []table.Key) ([]table.Item, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	return a.t.BatchGet(ctx, keys)
}

// Holders reads holders by ID with BatchGetItem.
func (a *Attendance) Holders(ctx context.Context, ids []string) (map[string]attendance.Holder, error) {
	keys := make([]table.Key, 0, len(ids))
	for _, id := range ids {
		if id != "" && !strings.ContainsRune(id, 0) {
			keys = append(keys, holderKey(id))
		}
	}
	items, err := a.batchKeys(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("batch get holders: %w", err)
	}
	out := make(map[string]attendance.Holder, len(items))
	for _, item := range items {
		var it holderItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, err
		}
		out[it.ID] = attendance.Holder{ID: it.ID, FirstName: it.FirstName, LastName: it.LastName, Email: it.Email, Membership: it.Membership, Listed: !it.Unlisted}
	}
	return out, nil
}

// Attendees reads the attendance records of holders for a program.
func (a *Attendance) Attendees(ctx context.Context, programID string, holderIDs []string) (map[string]attendance.Attendee, error) {
	keys := make([]table.Key, 0, len(holderIDs))
	for _, id := range holderIDs {
		if id != "" && !strings.ContainsRune(id, 0) {
			keys = append(keys, attendeeKey(programID, id))
		}
	}
	items, err := a.batchKeys(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("batch get attendees: %w", err)
	}
	out := make(map[string]attendance.Attendee, len(items))
	for _, item := range items {
		var it attendeeItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, err
		}
		completed, _ := roster.ParseDate(it.Completed) // written by creditOps: always a date
		out[it.HolderID] = attendance.Attendee{HolderID: it.HolderID, UploadID: it.UploadID, Line: it.Line, Completed: completed,
			Credited: parseTime(it.Credited), Held: it.Held}
	}
	return out, nil
}

// Credit writes credits in transactions of up to 49 (48 across a new
// year), each pair guarded by the attendance record's absence, with what
// they add to the CECs credited by month (creditedOps) and the message
// that judges their holders' renewals again (rejudgeOps). A pair whose
// record exists is refused and the rest of its transaction written again
// without it.
func (a *Attendance) Credit(ctx context.Context, credits []attendance.Credit) ([]int, error) {
	var refused []int
	for start := 0; start < len(credits); {
		end := a.fill(credits, start, 2)
		group := make([]int, 0, end-start)
		for i := start; i < end; i++ {
			group = append(group, i)
		}
		start = end
		for len(group) > 0 {
			ops := make([]table.Op, 0, 2*len(group))
			for _, i := range group {
				pair, err := creditOps(credits[i])
				if err != nil {
					return nil, err
				}
				ops = append(ops, pair...)
			}
			written := func(yield func(attendance.Credit) bool) {
				for _, i := range group {
					if !yield(credits[i]) {
						return
					}
				}
			}
			rejudge, err := rejudgeOps(written)
			if err != nil {
				return nil, err
			}
			ops = append(append(ops, a.creditedOps(1, written)...), rejudge...)
			// Another writer on these items: write the group again, within
			// the bounds of any contention (ErrContended, the message then
			// comes back).
			err = table.RetryContended(ctx, func() (bool, error) {
				err := a.t.Write(ctx, ops...)
				return errors.Is(err, table.ErrConflict), err
			})
			var cf *table.ConditionFailedError
			switch {
			case err == nil:
				group = nil
			case errors.As(err, &cf):
				// The credit whose attendance record exists, named by its key.
				at := slices.IndexFunc(group, func(i int) bool { return attendeeKey(credits[i].ProgramID, credits[i].HolderID) == cf.Key })
				if at < 0 {
					return nil, fmt.Errorf("write credits: %w", err)
				}
				refused = append(refused, group[at])
				group = slices.Delete(group, at, at+1)
			default:
				return nil, fmt.Errorf("write credits: %w", err)
			}
		}
	}
	return refused, nil
}

// fill is the end of the transaction that starts at credits[start]: as
// many credits as fit, each with opsEach operations, beside one counter
// Add per year of the credits' writes (creditedOps) and the message that
// judges their holders' renewals again (rejudgeOps).
func (a *Attendance) fill(credits []attendance.Credit, start, opsEach int) int {
	years := map[int]bool{}
	end := start
	for ; end < len(credits); end++ {
		y := credits[end].Credited.In(a.loc).Year()
		n := len(years)
		if !years[y] {
			n++
		}
		if (end-start+1)*opsEach+n+1 > table.MaxTransactOps {
			break
		}
		years[y] = true
	}
	return end
}

// rejudgeOps is the message, in the write that changes holders' CECs,
// that has the renewals queue judge their coming renewals again (the
// office's compliance counts: accounts.Rejudge); none for held credits,
// which count only once released.
func rejudgeOps(credits iter.Seq[attendance.Credit]) ([]table.Op, error) {
	var ids []string
	for c := range credits {
		if !c.Held && !slices.Contains(ids, c.HolderID) {
			ids = append(ids, c.HolderID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	m, err := accounts.Rejudge{HolderIDs: ids}.Message()
	if err != nil {
		return nil, err
	}
	return OutboxOps(m)
}

// creditedOps is what credits written (sign 1) or withdrawn (-1) add to
// the CECs credited by month (docs/dashboard.md): one Add per year, by
// the month of each credit's write (the association's). A held credit is
// not on a transcript: it counts when released.
func (a *Attendance) creditedOps(sign int64, credits iter.Seq[attendance.Credit]) []table.Op {
	adds := map[table.Key]map[string]int64{}
	for c := range credits {
		if c.Held {
			continue
		}
		at := c.Credited.In(a.loc)
		k := creditedStatsKey(at.Year())
		if adds[k] == nil {
			adds[k] = map[string]int64{}
		}
		month := at.Format("2006-01")
		adds[k][month+" credits"] += sign
		adds[k][month+" cecs"] += sign * int64(c.Hours)
	}
	ops := make([]table.Op, 0, len(adds))
	for k, add := range adds {
		ops = append(ops, table.Add(k, add))
	}
	return ops
}

// creditOps are the attendance record's put (only if absent) and the
// transcript credit's, or for a held credit its held item's.
func creditOps(c attendance.Credit) ([]table.Op, error) {
	ak := attendeeKey(c.ProgramID, c.HolderID)
	it := attendeeItem{PK: ak.PK, SK: ak.SK, Type: "attendee", HolderID: c.HolderID, UploadID: c.UploadID,
		Line: c.Line, Completed: c.Completed.String(), Credited: formatTime(c.Credited), Held: c.Held}
	if c.Held {
		it.Credited = ""
	}
	att, err := table.Marshal(it)
	if err != nil {
		return nil, err
	}
	if c.Held {
		held, err := heldOp(c)
		return []table.Op{table.Put(att, table.IfNotExists()), held}, err
	}
	hours, err := c.Hours.MarshalText()
	if err != nil {
		return nil, err
	}
	ck := creditKey(c.HolderID, c.Completed, c.ProgramID)
	cr, err := table.Marshal(creditItem{PK: ck.PK, SK: ck.SK, Type: "credit", Source: "program", ProgramID: c.ProgramID,
		ProviderID: c.ProviderID, ProviderName: c.ProviderName, Title: c.Title, Completed: c.Completed.String(),
		Hours: string(hours), Association: true, Compliance: c.Compliance, Format: c.Format, UploadID: c.UploadID, Credited: formatTime(c.Credited)})
	if err != nil {
		return nil, err
	}
	// The credit's put carries no condition of its own: the attendance
	// record's condition already makes the pair happen once.
	return []table.Op{table.Put(att, table.IfNotExists()), table.Put(cr, table.Condition{})}, nil
}

// FinishChunk records the chunk once (recordChunkOnce): its row results,
// then its summary with the next message, or after the last chunk the
// upload's entry with its totals and its filing fee invoice.
func (a *Attendance) FinishChunk(ctx context.Context, uploadID string, results []attendance.RowResult, s attendance.ChunkSummary, next []outbox.Message, done *attendance.Entry) error {
	rows := make([]table.Item, 0, len(results))
	for _, r := range results {
		rk := rowKey(uploadID, r.Line)
		item, err := table.Marshal(resultItem{PK: rk.PK, SK: rk.SK, Type: "upload-row", Line: r.Line, ProgramID: r.ProgramID,
			HolderID: r.HolderID, FirstName: r.FirstName, LastName: r.LastName, Completed: r.Completed, Accepted: r.Accepted,
			Code: r.Code, Message: r.Message, Membership: r.Membership, FeeCents: r.FeeCents})
		if err != nil {
			return err
		}
		rows = append(rows, item)
	}
	k := chunkKey(uploadID, s.Chunk)
	sum, err := table.Marshal(summaryItem{PK: k.PK, SK: k.SK, Type: "upload-chunk", Chunk: s.Chunk, Rows: s.Rows,
		Accepted: s.Accepted, Rejected: s.Rejected, FeeCents: s.FeeCents, Members: s.Members, Guests: s.Guests, ByReason: s.ByReason})
	if err != nil {
		return err
	}
	with, err := OutboxOps(next...)
	if err != nil {
		return err
	}
	if done != nil {
		entry, err := entryPut(*done, table.Condition{})
		if err != nil {
			return err
		}
		with = append(with, entry)
		if done.Fee != nil {
			fee, err := filingCreateOps(*done.Fee)
			if err != nil {
				return err
			}
			with = append(with, fee...)
		}
	}
	return recordChunkOnce(ctx, a.t, sum, rows, with...)
}

// Summaries reads the credited chunks' summaries.
func (a *Attendance) Summaries(ctx context.Context, uploadID string) ([]attendance.ChunkSummary, error) {
	var out []attendance.ChunkSummary
	q := table.Query{PK: uploadKey(uploadID).PK, Op: table.SKBeginsWith, Value: skChunk, Limit: 1000}
	err := queryAll(ctx, a.t, q, func(item table.Item) error {
		var it summaryItem
		if err := table.Unmarshal(item, &it); err != nil {
			return err
		}
		out = append(out, attendance.ChunkSummary{Chunk: it.Chunk, Rows: it.Rows, Accepted: it.Accepted,
			Rejected: it.Rejected, FeeCents: it.FeeCents, Members: it.Members, Guests: it.Guests, ByReason: it.ByReason})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query chunk summaries of %s: %w", uploadID, err)
	}
	return out, nil
}

// Results reads row results in row order.
func (a *Attendance) Results(ctx context.Context, uploadID string, pg attendance.Page) ([]attendance.RowResult, string, error) {
	limit := pageLimit(pg.Limit, 1000, 1000)
	page, err := a.t.Query(ctx, table.Query{PK: uploadKey(uploadID).PK, Op: table.SKBeginsWith, Value: skRow, Limit: limit, Cursor: pg.Cursor})
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query row results of %s: %w", uploadID, err))
	}
	out := make([]attendance.RowResult, 0, len(page.Items))
	for _, item := range page.Items {
		var it resultItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, "", err
		}
		out = append(out, attendance.RowResult{Line: it.Line, ProgramID: it.ProgramID, HolderID: it.HolderID,
			FirstName: it.FirstName, LastName: it.LastName, Completed: it.Completed, Accepted: it.Accepted,
			Code: it.Code, Message: it.Message, Membership: it.Membership, FeeCents: it.FeeCents})
	}
	return out, page.Cursor, nil
}

// correctionItem is a correction on its upload's partition, and in
// everyone's list of corrections (GSI1, newest first) that staff read.
type correctionItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	GSI1PK    string `json:"GSI1PK"`
	GSI1SK    string `json:"GSI1SK"`
	Type      string `json:"type"`
	ID        string `json:"correctionId"`
	ProgramID string `json:"programId"`
	UploadID  string `json:"uploadId"`
	Action    string `json:"action"`
	HolderID  string `json:"holderId"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Completed string `json:"completed"`
	Hours     string `json:"hours"`
	Reason    string `json:"reason"`
	By        string `json:"by"`
	ByStaff   bool   `json:"byStaff,omitempty"`
	At        string `json:"at"`
}

// correctionOps are the writes every correction makes besides the credit:
// the correction (created once) and the holder's history event.
func correctionOps(c attendance.Correction) ([]table.Op, error) {
	hours, err := c.Hours.MarshalText()
	if err != nil {
		return nil, err
	}
	k, g := correctionKey(c.UploadID, c.At, c.ID), correctionsIndexSK(c.At, c.ID)
	item, err := table.Marshal(correctionItem{PK: k.PK, SK: k.SK, GSI1PK: gsiCorrections, GSI1SK: g, Type: "correction", ID: c.ID,
		ProgramID: c.ProgramID, UploadID: c.UploadID, Action: c.Action, HolderID: c.HolderID, FirstName: c.FirstName, LastName: c.LastName,
		Completed: c.Completed.String(), Hours: string(hours), Reason: c.Reason, By: c.By, ByStaff: c.ByStaff, At: formatTime(c.At)})
	if err != nil {
		return nil, fmt.Errorf("marshal correction: %w", err)
	}
	what := map[string]string{attendance.CorrectionRemove: "credit.withdrawn", attendance.CorrectionAdd: "credit.added"}[c.Action]
	detail := fmt.Sprintf("%s CECs of program %s (completed %s), upload %s, correction %s: %s", hours, c.ProgramID, c.Completed, c.UploadID, c.ID, c.Reason)
	ek := eventKey(c.HolderID, c.At)
	ev, err := table.Marshal(eventItem{PK: ek.PK, SK: ek.SK, Type: "event", At: formatTime(c.At), By: c.By, Action: what, Detail: detail})
	if err != nil {
		return nil, fmt.Errorf("marshal event: %w", err)
	}
	return []table.Op{table.Put(item, table.IfNotExists()), table.Put(ev, table.IfNotExists())}, nil
}

// Withdraw deletes the attendance record (only the one of c's upload) and
// its credit with the correction, the event and msgs in one transaction.
func (a *Attendance) Withdraw(ctx context.Context, c attendance.Correction, msgs ...outbox.Message) error {
	ops, err := correctionOps(c)
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	ak := attendeeKey(c.ProgramID, c.HolderID)
	ops = append(ops, table.Delete(ak, table.IfEqual("uploadId", table.S(c.UploadID))),
		table.Delete(creditKey(c.HolderID, c.Completed, c.ProgramID), table.IfExists()))
	// The CECs credited by month count the withdrawal in its own month,
	// as the ledger counts a refund in its.
	ops = append(ops, a.creditedOps(-1, slices.Values([]attendance.Credit{{Hours: c.Hours, Credited: c.At}}))...)
	rejudge, err := rejudgeOps(slices.Values([]attendance.Credit{{HolderID: c.HolderID}}))
	if err != nil {
		return err
	}
	ops = append(ops, rejudge...)
	// The program's badge, if the holder downloaded one, is revoked with
	// the credit; if none, none may be issued meanwhile (Badges.Record
	// checks the credit): a race between the two reads again.
	return table.RetryContended(ctx, func() (bool, error) {
		badge, lost, err := withdrawOps(ctx, a.t, c.HolderID, c.ProgramID, c.By, c.At)
		if err != nil {
			return false, err
		}
		err = a.t.Write(ctx, append(append(slices.Clone(ops), badge...), out...)...)
		switch {
		case table.FailedOn(err, ak) || table.FailedOn(err, creditKey(c.HolderID, c.Completed, c.ProgramID)):
			return false, attendance.ErrNotCredited
		case lost(err):
			return true, nil
		}
		return false, err
	})
}

// AddCredit writes the credit with its attendance record (once) and the
// correction, the event and msgs in one transaction.
func (a *Attendance) AddCredit(ctx context.Context, cr attendance.Credit, c attendance.Correction, msgs ...outbox.Message) error {
	pair, err := creditOps(cr)
	if err != nil {
		return err
	}
	ops, err := correctionOps(c)
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	rejudge, err := rejudgeOps(slices.Values([]attendance.Credit{cr}))
	if err != nil {
		return err
	}
	ops = append(append(ops, a.creditedOps(1, slices.Values([]attendance.Credit{cr}))...), rejudge...)
	all := append(append(pair, ops...), out...)
	// The credited-by-month counter is an item every crediting writes: a
	// transaction that meets another on it is written again (ErrContended,
	// 409, once the bounds are spent).
	return table.RetryContended(ctx, func() (bool, error) {
		err := a.t.Write(ctx, all...)
		if table.FailedOn(err, attendeeKey(cr.ProgramID, cr.HolderID)) {
			return false, attendance.ErrAlreadyCredited
		}
		return errors.Is(err, table.ErrConflict), err
	})
}

func correctionFromItem(item table.Item) (attendance.Correction, error) {
	var it correctionItem
	if err := table.Unmarshal(item, &it); err != nil {
		return attendance.Correction{}, err
	}
	on, err := roster.ParseDate(it.Completed)
	if err != nil {
		return attendance.Correction{}, fmt.Errorf("correction %s: %w", it.ID, err)
	}
	var hours cec.Hours
	if err := hours.UnmarshalText([]byte(it.Hours)); err != nil {
		return attendance.Correction{}, fmt.Errorf("correction %s: %w", it.ID, err)
	}
	return attendance.Correction{ID: it.ID, ProgramID: it.ProgramID, UploadID: it.UploadID, Action: it.Action, HolderID: it.HolderID,
		FirstName: it.FirstName, LastName: it.LastName, Completed: on, Hours: hours, Reason: it.Reason, By: it.By, ByStaff: it.ByStaff,
		At: parseTime(it.At)}, nil
}

// Corrections reads an upload's corrections, oldest first (a Query of its
// partition; an upload has a few).
func (a *Attendance) Corrections(ctx context.Context, uploadID string) ([]attendance.Correction, error) {
	var out []attendance.Correction
	q := table.Query{PK: pkUpload + uploadID, Op: table.SKBeginsWith, Value: skCorrection, Limit: listPageMax}
	for {
		page, err := a.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query corrections of %s: %w", uploadID, err)
		}
		out = append(out, decodeList(ctx, "corrections of "+uploadID, page.Items, correctionFromItem)...)
		if page.Cursor == "" {
			return out, nil
		}
		q.Cursor = page.Cursor
	}
}

// AllCorrections reads everyone's corrections, newest first, a page at a time.
func (a *Attendance) AllCorrections(ctx context.Context, pg attendance.Page) ([]attendance.Correction, string, error) {
	q := table.Query{Index: table.IndexGSI1, PK: gsiCorrections, Descending: true,
		Limit: pageLimit(pg.Limit, listPageDefault, listPageMax), Cursor: pg.Cursor}
	page, err := a.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query corrections: %w", err))
	}
	return decodeList(ctx, "corrections", page.Items, correctionFromItem), page.Cursor, nil
}
