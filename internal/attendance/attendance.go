// Package attendance owns attendance reporting and automatic crediting
// (SPEC §2). A provider reports who completed an approved program, as a CSV
// roster or JSON rows; every row is judged on its own (the holder exists,
// the names match, the completion date lies within the program's dates, the
// holder is not credited for this program yet), and each accepted row
// credits the program's CECs to the holder's transcript, atomically with the
// attendance record that makes the credit happen once.
//
// An upload is stored in chunks of rows and credited one chunk per queue
// message; the message for the next chunk is written in the same
// transaction that records a chunk as done, so a crash resumes where it
// stopped and never credits a row twice.
package attendance

import (
	"context"
	"errors"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
)

// Queue is the logical name of the crediting queue.
const Queue = "attendance-crediting"

// InputRetention is how long an upload's rows are kept for crediting: long
// enough to finish after any outage, and no longer.
const InputRetention = 30 * 24 * time.Hour

// ChunkRows is how many rows one crediting step handles at most: small
// enough for a step to finish well within a Lambda's timeout, large enough
// to batch reads.
const ChunkRows = 500

// ChunkBytes bounds the stored size of a chunk, well under DynamoDB's 400 KB
// item limit: a chunk closes at ChunkRows rows or this many bytes.
const ChunkBytes = 256 << 10

// MaxCellBytes bounds one cell of a roster, so that any row fits a chunk:
// IDs are short, and no name is this long.
const MaxCellBytes = 256

// RowBytes is the most a row can take in a stored chunk (JSON escapes at
// most double a cell: quotes and backslashes; control characters never get
// past the roster reader).
func RowBytes(r roster.Row) int {
	return 2*(len(r.ProgramID)+len(r.HolderID)+len(r.FirstName)+len(r.LastName)) + 48
}

// Reasons a row is rejected.
const (
	ReasonProgramMismatch = "program_mismatch"
	ReasonHolderNotFound  = "holder_not_found"
	ReasonNameMismatch    = "name_mismatch"
	ReasonOutsideProgram  = "completion_outside_program"
	ReasonDuplicateInFile = "duplicate_in_upload"
	ReasonAlreadyCredited = "already_credited"
	ReasonInFuture        = "completion_in_future"
)

// Upload is one attendance report.
type Upload struct {
	ID         string
	ProgramID  string
	Offering   int // which of the program's offerings it reports, from 1
	ProviderID string
	By         string // the caller's subject
	Source     string // "csv" or "json"
	ReportedOn roster.Date
	Rows       int
	Chunks     int
	Fee        FilingFee // the schedule entry in force on ReportedOn
	CreatedAt  time.Time
	// IgnoredColumns are the roster's columns after Completion Date, which
	// were not read (roster.Reader.Ignored).
	IgnoredColumns []string
}

// Entry is an upload as its program's list of uploads shows it: the
// upload, and its totals once every chunk is credited.
type Entry struct {
	Upload Upload
	Done   bool
	Totals Totals // when Done
	// Fee is the upload's filing fee invoice, when its accepted rows cost
	// one (written with the last chunk; read with the list).
	Fee *FilingInvoice
}

// FilingFee is what each credited attendee costs the provider.
type FilingFee struct {
	MemberCents int64
	GuestCents  int64
	Currency    string
}

// Holder is what crediting needs to know of a holder.
type Holder struct {
	ID         string
	FirstName  string
	LastName   string
	Email      string // where a correction's notice goes
	Membership string // member or guest
	Listed     bool   // in the practitioner directory: a mismatch may show the name on file
}

// Attendee is the record that a holder was credited for a program: written
// once, conditionally, so that nobody is credited twice for a program.
type Attendee struct {
	HolderID  string
	UploadID  string
	Line      int // 0 when added by a correction
	Completed roster.Date
	Credited  time.Time
	// Held: reported, and credited once the upload's filing fee is paid.
	Held bool
}

// Credit is an accepted row: the attendance record and the transcript credit.
type Credit struct {
	ProgramID    string
	HolderID     string
	UploadID     string
	Line         int
	Completed    roster.Date
	Title        string
	ProviderID   string
	ProviderName string
	Hours        cec.Hours
	Compliance   bool
	// Format is the program's (in person, live online, recorded): a
	// policy may cap formats together.
	Format   string
	Credited time.Time
	// Held: the row costs a filing fee; its attendance record is written
	// and the credit waits for the payment (Store.Release).
	Held bool
}

// RowResult is the verdict on one row.
type RowResult struct {
	Line       int
	ProgramID  string
	HolderID   string
	FirstName  string
	LastName   string
	Completed  string
	Accepted   bool
	Code       string // rejection reason
	Message    string
	Membership string // of an accepted row's holder
	FeeCents   int64
}

// ChunkSummary is a credited chunk's count.
type ChunkSummary struct {
	Chunk    int
	Rows     int
	Accepted int
	Rejected int
	FeeCents int64
	Members  int // accepted rows charged the member fee
	Guests   int // accepted rows charged the guest fee
	ByReason map[string]int
}

// Totals reconcile: Rows = Accepted + Rejected.
type Totals struct {
	Rows     int
	Accepted int
	Rejected int
	FeeCents int64
	Members  int // accepted rows charged the member fee
	Guests   int // accepted rows charged the guest fee
	Currency string
	ByReason map[string]int
}

// Add counts a chunk in.
func (t *Totals) Add(s ChunkSummary) {
	t.Rows += s.Rows
	t.Accepted += s.Accepted
	t.Rejected += s.Rejected
	t.FeeCents += s.FeeCents
	t.Members += s.Members
	t.Guests += s.Guests
	if t.ByReason == nil {
		t.ByReason = map[string]int{}
	}
	for k, v := range s.ByReason {
		t.ByReason[k] += v
	}
}

// Page asks for one page of row results.
type Page struct {
	Limit  int
	Cursor string
}

// Store keeps uploads, attendance records and credits.
type Store interface {
	// PutChunk stores one chunk of an upload's rows until expires (by then
	// it is credited, or its upload was abandoned half-way).
	PutChunk(ctx context.Context, uploadID string, chunk int, rows []roster.Row, expires time.Time) error
	// CreateUpload writes the upload, its entry in the program's list of
	// uploads (not done) and msgs at once.
	CreateUpload(ctx context.Context, u Upload, msgs ...outbox.Message) error
	// Upload returns the upload, or ErrNotFound.
	Upload(ctx context.Context, id string) (Upload, error)
	// Chunk returns a stored chunk's rows.
	Chunk(ctx context.Context, uploadID string, chunk int) ([]roster.Row, error)
	// Holders reads the holders with these IDs; missing ones are absent.
	Holders(ctx context.Context, ids []string) (map[string]Holder, error)
	// Attendees reads the attendance records of these holders for a program.
	Attendees(ctx context.Context, programID string, holderIDs []string) (map[string]Attendee, error)
	// Credit writes each credit with its attendance record, each pair
	// atomically and only if the holder has no record for the program yet;
	// it returns the indexes of credits refused because one existed. A
	// held credit is kept with its upload instead of the transcript.
	Credit(ctx context.Context, credits []Credit) (refused []int, err error)
	// Held returns up to limit of an upload's held credits, and whether
	// more may follow them.
	Held(ctx context.Context, uploadID string, limit int) (held []Credit, more bool, err error)
	// Release writes each held credit to the transcript and marks its
	// attendance record credited, each with the deletion of its held
	// record, so that each is released once; one released before is
	// skipped.
	Release(ctx context.Context, credits []Credit) error
	// FilingInvoice returns an upload's filing fee invoice, or ErrNotFound.
	FilingInvoice(ctx context.Context, uploadID string) (FilingInvoice, error)
	// UpdateFilingInvoice is the read-modify-write of an upload's invoice
	// under its version, with fn's messages; fn's ErrNoChange writes
	// nothing and is returned with the invoice as it is.
	UpdateFilingInvoice(ctx context.Context, uploadID string, fn func(*FilingInvoice) ([]outbox.Message, error)) (FilingInvoice, error)
	// OpenFilingInvoices lists the unpaid filing fee invoices, oldest
	// first, a page at a time.
	OpenFilingInvoices(ctx context.Context, pg Page) ([]FilingInvoice, string, error)
	// ProviderOpenFilingInvoices lists one provider's unpaid filing fee
	// invoices, oldest first, a page at a time.
	ProviderOpenFilingInvoices(ctx context.Context, providerID string, pg Page) ([]FilingInvoice, string, error)
	// FinishChunk records a chunk's row results and summary, and next (the
	// next chunk's message, if any), once: a second call changes nothing.
	// done, given with the last chunk, is the upload's entry in its
	// program's list with the final totals, written with the summary, and
	// its filing fee invoice (done.Fee), if any.
	FinishChunk(ctx context.Context, uploadID string, results []RowResult, s ChunkSummary, next []outbox.Message, done *Entry) error
	// Summaries returns the summaries of the chunks done so far.
	Summaries(ctx context.Context, uploadID string) ([]ChunkSummary, error)
	// Results returns row results in row order, a page at a time.
	Results(ctx context.Context, uploadID string, pg Page) ([]RowResult, string, error)
	// Uploads returns a program's uploads, newest first, a page at a time.
	Uploads(ctx context.Context, programID string, pg Page) ([]Entry, string, error)
	// Withdraw deletes the holder's attendance record for the program, if
	// it is the one of c.UploadID, and its transcript credit, and writes c
	// (in its upload's and everyone's list of corrections), the holder's
	// history event and msgs, all at once. ErrNotCredited otherwise.
	Withdraw(ctx context.Context, c Correction, msgs ...outbox.Message) error
	// AddCredit writes cr (the attendance record, only if the holder has
	// none for the program, and the credit) with c, the event and msgs, all
	// at once. ErrAlreadyCredited otherwise.
	AddCredit(ctx context.Context, cr Credit, c Correction, msgs ...outbox.Message) error
	// Corrections returns an upload's corrections, oldest first.
	Corrections(ctx context.Context, uploadID string) ([]Correction, error)
	// AllCorrections returns every correction, newest first, a page at a time.
	AllCorrections(ctx context.Context, pg Page) ([]Correction, string, error)
}

// ErrNotCredited: the holder has no attendance record of that upload.
var ErrNotCredited = errors.New("attendance: not credited by the upload")

// ErrAlreadyCredited: the holder has an attendance record for the program.
var ErrAlreadyCredited = errors.New("attendance: already credited")

// Correction actions.
const (
	CorrectionRemove = "remove"
	CorrectionAdd    = "add"
)

// Correction is a change to a posted upload, after crediting: an attendee
// removed (their credit withdrawn) or added (credited), with the reason.
type Correction struct {
	ID        string
	ProgramID string
	UploadID  string
	Action    string // CorrectionRemove or CorrectionAdd
	HolderID  string
	FirstName string
	LastName  string
	Completed roster.Date // of the credit withdrawn or added
	Hours     cec.Hours
	Reason    string
	By        string // the caller's subject
	ByStaff   bool
	At        time.Time
}

// ErrNotFound is the Store's "no such upload".
var ErrNotFound = errors.New("attendance: not found")
