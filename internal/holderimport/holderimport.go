// Package holderimport is staff's import of holders and their credentials
// (issue 15): an association moving to cecportal brings its holders as a
// spreadsheet (accounts.ImportHeader). The file is checked whole first (a
// malformed one is refused, naming row and column), then stored in chunks
// and imported one chunk per queue message, as attendance rosters are
// credited: each row becomes a holder record that nobody owns yet, with
// its links (email, member number) written in the same transaction and
// only if absent, so that importing the same file twice, or a chunk
// delivered twice, creates nobody twice. The person claims the record by
// creating their holder account signed in with its email
// (accounts.Service.CreateHolder). A dry run judges every row and writes
// nothing.
package holderimport

import (
	"context"
	"errors"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/outbox"
)

// Queue is the logical name of the import queue.
const Queue = "holder-import"

// ChunkRows is how many rows one import step handles at most.
const ChunkRows = 500

// ChunkBytes bounds the stored size of a chunk, well under DynamoDB's
// 400 KB item limit: a chunk closes at ChunkRows rows or this many bytes.
const ChunkBytes = 256 << 10

// RowBytes is the most a row can take in a stored chunk: JSON escapes at
// most double a cell (quotes and backslashes; the sheet lets no control
// character through, and the chunk is written without HTML escaping).
func RowBytes(r accounts.Imported) int {
	return 2*(len(r.MemberNumber)+len(r.FirstName)+len(r.LastName)+len(r.Email)+len(r.Membership)+len(r.Credentials)) + 48
}

// HoldersPerWrite is how many holders one transaction creates: four
// operations each (the holder, its email and member number links, its
// search entry), within DynamoDB's 100.
const HoldersPerWrite = 25

// InputRetention is how long an import's rows are kept for the steps.
const InputRetention = 30 * 24 * time.Hour

// MaxCellBytes bounds one cell: no name, email or list of credentials is
// this long.
const MaxCellBytes = 512

// Outcomes of a row.
const (
	Created  = "created"  // a new holder record
	Existing = "existing" // the holder is there already (this file imported before, or they signed up): nothing changed
	Rejected = "rejected" // the row's problem (Code, Message) keeps it out
)

// Reasons a row is rejected besides its cells' problems (whose codes are
// accounts.CheckImported's).
const (
	ReasonDuplicateInFile = "duplicate_in_file"
	ReasonEmailTaken      = "email_taken"
)

// Import is one upload of the list of holders.
type Import struct {
	ID        string
	By        string // the staff member's subject
	Rows      int
	Chunks    int
	CreatedAt time.Time
	Ignored   []string // the file's columns after Credentials, not read
}

// RowResult is what became of one row.
type RowResult struct {
	Line         int
	MemberNumber string
	FirstName    string
	LastName     string
	Email        string
	Membership   string // as typed
	Credentials  string // as typed
	Outcome      string
	HolderID     string // created or existing
	Code         string // rejected: why
	Message      string // for people: the problem, or for an existing holder which one
}

// ChunkSummary is a done chunk's count.
type ChunkSummary struct {
	Chunk    int
	Rows     int
	Created  int
	Existing int
	Rejected int
	ByReason map[string]int
}

// Totals reconcile: Rows = Created + Existing + Rejected.
type Totals struct {
	Rows     int
	Created  int
	Existing int
	Rejected int
	ByReason map[string]int
}

// Add counts a chunk in.
func (t *Totals) Add(s ChunkSummary) {
	t.Rows += s.Rows
	t.Created += s.Created
	t.Existing += s.Existing
	t.Rejected += s.Rejected
	if t.ByReason == nil {
		t.ByReason = map[string]int{}
	}
	for k, v := range s.ByReason {
		t.ByReason[k] += v
	}
}

// Entry is an import as staff's list shows it: its totals once done.
type Entry struct {
	Import Import
	Done   bool
	Totals Totals
}

// Page asks for one page of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Links are the holders some emails and member numbers already belong to.
type Links struct {
	ByEmail  map[string]accounts.Holder // by accounts.EmailKey
	ByNumber map[string]accounts.Holder // by accounts.MemberNumberKey
}

// Store keeps imports, and writes the holders they create.
type Store interface {
	// PutChunk stores one chunk of an import's rows until expires.
	PutChunk(ctx context.Context, importID string, chunk int, rows []accounts.Imported, expires time.Time) error
	// Chunk reads a stored chunk's rows.
	Chunk(ctx context.Context, importID string, chunk int) ([]accounts.Imported, error)
	// CreateImport writes the import, its entry in the list of imports and
	// msgs at once.
	CreateImport(ctx context.Context, im Import, msgs ...outbox.Message) error
	// Import returns the import, or ErrNotFound.
	Import(ctx context.Context, id string) (Import, error)
	// Links reads the holders the emails and member numbers belong to.
	Links(ctx context.Context, emails, numbers []string) (Links, error)
	// CreateHolders writes each holder, unowned, with its links, each
	// holder atomically and only if its ID, email and member number are
	// free; it returns the indexes of the holders refused because one was
	// taken.
	CreateHolders(ctx context.Context, hs []accounts.Holder) (refused []int, err error)
	// FinishChunk records a chunk's row results and summary with next, once;
	// done, with the last chunk, is the import's entry with its totals.
	FinishChunk(ctx context.Context, importID string, results []RowResult, s ChunkSummary, next []outbox.Message, done *Entry) error
	// Summaries returns the summaries of the chunks done so far.
	Summaries(ctx context.Context, importID string) ([]ChunkSummary, error)
	// Results returns row results in row order, a page at a time.
	Results(ctx context.Context, importID string, pg Page) ([]RowResult, string, error)
	// Imports returns every import, newest first, a page at a time.
	Imports(ctx context.Context, pg Page) ([]Entry, string, error)
}

// ErrNotFound is the Store's "no such import".
var ErrNotFound = errors.New("holderimport: not found")
