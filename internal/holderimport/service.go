package holderimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
)

// Source opens the uploaded file from its start: an import reads it twice,
// once to check it whole before anything is written, once to store it.
type Source func() (io.Reader, error)

// Checker checks one row (accounts.Service.CheckImported).
type Checker interface {
	CheckImported(in accounts.Imported) (accounts.Holder, []fault.Detail)
}

// Dispatcher sends committed outbox messages on.
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the import of holders.
type Service struct {
	store Store
	check Checker
	clock clock.Clock
	newID func(string) string
	relay Dispatcher
	limit int64 // the largest file, in bytes
}

// MaxBytes is the largest file an import takes: API Gateway's payload
// limit (in AWS, Lambda's 6 MB applies first: about 60,000 rows a file).
const MaxBytes = 10 << 20

// NewService wires the import.
func NewService(s Store, check Checker, c clock.Clock, newID func(string) string, relay Dispatcher) *Service {
	return &Service{store: s, check: check, clock: c, newID: newID, relay: relay, limit: MaxBytes}
}

// DryRun is the verdict on a file that was checked but not imported:
// totals over every row, and up to roster.DryRunRows row results, the
// rejected first (Omitted are the others).
type DryRun struct {
	Totals  Totals
	Rows    []RowResult
	Omitted int
}

func staffOnly(c identity.Caller) error {
	if c.Anonymous() {
		return identity.ErrSignIn
	}
	if !c.Has(identity.RoleStaff) {
		return fault.New(fault.Forbidden, "forbidden", "only the association's staff import holders")
	}
	return nil
}

// Report takes a list of holders from staff. The whole file is read first:
// a malformed one is refused as a whole (Invalid, naming row and column)
// and nothing is written. A dry run judges every row and writes nothing;
// otherwise the file is stored and imported asynchronously.
// Errors: Unauthenticated; Forbidden; Invalid invalid_file, empty_file;
// TooLarge file_too_large.
func (s *Service) Report(ctx context.Context, c identity.Caller, src Source, dryRun bool) (Import, *DryRun, error) {
	if err := staffOnly(c); err != nil {
		return Import{}, nil, err
	}
	n, chunks, ignored, err := s.count(src)
	if err != nil {
		return Import{}, nil, err
	}
	now := s.clock.Now().UTC()
	im := Import{ID: s.newID("IMP"), By: c.Sub, Rows: n, Chunks: chunks, CreatedAt: now, Ignored: ignored}
	if dryRun {
		d, err := s.dryRun(ctx, im, src)
		return im, d, err
	}
	stored := 0
	err = s.each(src, func(rows []accounts.Imported) error {
		if err := s.store.PutChunk(ctx, im.ID, stored, rows, now.Add(InputRetention)); err != nil {
			return fmt.Errorf("store chunk %d of %s: %w", stored, im.ID, err)
		}
		stored++
		return nil
	})
	if err != nil {
		return Import{}, nil, err
	}
	if stored != im.Chunks {
		return Import{}, nil, fmt.Errorf("import %s: %d chunks stored, %d counted", im.ID, stored, im.Chunks)
	}
	first, err := outbox.New(Queue, step{ImportID: im.ID, Chunk: 0})
	if err != nil {
		return Import{}, nil, err
	}
	if err := s.store.CreateImport(ctx, im, first); err != nil {
		return Import{}, nil, fmt.Errorf("create import %s: %w", im.ID, err)
	}
	s.relay.Dispatch(ctx, first)
	return im, nil, nil
}

// count reads the whole file once: its rows, chunks and ignored columns,
// or the first problem that refuses it.
func (s *Service) count(src Source) (rows, chunks int, ignored []string, err error) {
	err = s.each(src, func(r []accounts.Imported) error {
		rows += len(r)
		chunks++
		return nil
	}, &ignored)
	return rows, chunks, ignored, err
}

// each reads the file and hands its rows on ChunkRows at a time (the
// slice is reused). A row the sheet cannot read refuses the whole file.
func (s *Service) each(src Source, fn func([]accounts.Imported) error, ignored ...*[]string) error {
	r, err := src()
	if err != nil {
		return err
	}
	sh, err := roster.NewSheet(r, s.limit, accounts.ImportColumns, "list of holders")
	if err != nil {
		return fileFault(err)
	}
	if len(ignored) > 0 {
		*ignored[0] = sh.Ignored()
	}
	chunk := make([]accounts.Imported, 0, ChunkRows)
	size := 0
	for {
		rec, line, err := sh.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fileFault(err)
		}
		for i, cell := range rec {
			if len(cell) > MaxCellBytes {
				msg := fmt.Sprintf("row %d, column %s: longer than %d bytes", line, accounts.ImportColumns[i], MaxCellBytes)
				return fault.New(fault.Invalid, "invalid_file", "the list of holders is malformed: "+msg,
					fault.Detail{Field: accounts.ImportColumns[i], Code: "too_long", Message: msg})
			}
		}
		row := accounts.Imported{Line: line, MemberNumber: rec[0], FirstName: rec[1], LastName: rec[2],
			Email: rec[3], Membership: rec[4], Credentials: rec[5]}
		// A chunk closes at ChunkRows rows, or before a row that would take
		// it over ChunkBytes: it is stored as one item.
		if len(chunk) == ChunkRows || len(chunk) > 0 && size+RowBytes(row) > ChunkBytes {
			if err := fn(chunk); err != nil {
				return err
			}
			chunk, size = chunk[:0], 0
		}
		chunk = append(chunk, row)
		size += RowBytes(row)
	}
	if len(chunk) > 0 {
		return fn(chunk)
	}
	return nil
}

// fileFault is a file the sheet refused, as the caller sees it.
func fileFault(err error) error {
	var re *roster.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Code {
	case roster.CodeEmptyFile:
		return fault.New(fault.Invalid, "empty_file", re.Message)
	case roster.CodeTooLarge:
		return fault.New(fault.TooLarge, "file_too_large", re.Message)
	}
	field := re.Column
	if field == "" {
		field = "row"
	}
	if re.Code == roster.CodeInvalidHeader {
		field = "header"
	}
	return fault.New(fault.Invalid, "invalid_file", "the list of holders is malformed: "+re.Error(),
		fault.Detail{Field: field, Code: re.Code, Message: re.Error()})
}

func (s *Service) dryRun(ctx context.Context, im Import, src Source) (*DryRun, error) {
	d := &DryRun{Totals: Totals{ByReason: map[string]int{}}}
	kept := roster.NewKept[RowResult](roster.DryRunRows)
	seen := map[string]int{}
	i := 0
	err := s.each(src, func(rows []accounts.Imported) error {
		results, _, err := s.judge(ctx, im, rows, seen)
		if err != nil {
			return err
		}
		for _, r := range results {
			kept.Add(r, r.Outcome != Rejected)
		}
		d.Totals.Add(summarise(i, results))
		i++
		return nil
	})
	d.Rows, d.Omitted = kept.Rows(func(r RowResult) int { return r.Line })
	return d, err
}

// judge decides every row of a chunk, and returns the holders to create
// (each with its row's result). seen maps the emails and member numbers of
// rows judged new so far to their row (a dry run tracks the whole file
// there; an import finds earlier chunks' holders by their links).
func (s *Service) judge(ctx context.Context, im Import, rows []accounts.Imported, seen map[string]int) ([]RowResult, []accounts.Holder, error) {
	results := make([]RowResult, len(rows))
	valid := make([]accounts.Holder, len(rows))
	var emails, numbers []string
	for i, r := range rows {
		res := RowResult{Line: r.Line, MemberNumber: strings.TrimSpace(r.MemberNumber), FirstName: strings.TrimSpace(r.FirstName),
			LastName: strings.TrimSpace(r.LastName), Email: strings.TrimSpace(r.Email), Membership: strings.TrimSpace(r.Membership),
			Credentials: strings.TrimSpace(r.Credentials)}
		h, problems := s.check.CheckImported(r)
		if len(problems) > 0 {
			parts := make([]string, 0, len(problems))
			for _, p := range problems {
				if strings.HasPrefix(p.Message, "is ") || strings.HasPrefix(p.Message, "must ") {
					parts = append(parts, p.Field+" "+p.Message) // "Last Name is required"
				} else {
					parts = append(parts, p.Field+": "+p.Message)
				}
			}
			res.Outcome, res.Code, res.Message = Rejected, problems[0].Code, strings.Join(parts, "; ")
		} else {
			valid[i] = h
			emails = append(emails, h.Email)
			if h.MemberNumber != "" {
				numbers = append(numbers, h.MemberNumber)
			}
		}
		results[i] = res
	}
	links, err := s.store.Links(ctx, emails, numbers)
	if err != nil {
		return nil, nil, fmt.Errorf("read the holders' links: %w", err)
	}
	now := s.clock.Now().UTC()
	var create []accounts.Holder
	for i, r := range rows {
		res := &results[i]
		if res.Outcome == Rejected {
			continue
		}
		h := valid[i]
		me := im.ID + ":" + strconv.Itoa(r.Line)
		byNumber, numbered := links.ByNumber[h.MemberNumber]
		byEmail, emailed := links.ByEmail[accounts.EmailKey(h.Email)]
		found, hit := byNumber, numbered
		if !hit {
			found, hit = byEmail, emailed
		}
		emailKey, numberKey := "e:"+accounts.EmailKey(h.Email), "n:"+h.MemberNumber
		switch {
		case hit && found.ImportedBy == me:
			res.Outcome, res.HolderID = Created, found.ID // this very row, before a crash
		case hit && strings.HasPrefix(found.ImportedBy, im.ID+":"):
			res.Outcome, res.Code = Rejected, ReasonDuplicateInFile
			res.Message = fmt.Sprintf("the same %s is on row %s of this file", sameWhat(numbered), strings.TrimPrefix(found.ImportedBy, im.ID+":"))
		case numbered:
			res.Outcome, res.HolderID = Existing, found.ID
			res.Message = fmt.Sprintf("member number %s is holder %s already: nothing changed", h.MemberNumber, found.ID)
		case emailed && h.MemberNumber != "" && found.MemberNumber != "":
			res.Outcome, res.Code = Rejected, ReasonEmailTaken
			res.Message = fmt.Sprintf("the email belongs to holder %s, whose member number is %s", found.ID, found.MemberNumber)
		case emailed:
			res.Outcome, res.HolderID = Existing, found.ID
			res.Message = fmt.Sprintf("holder %s has this email already: nothing changed", found.ID)
		case seen[emailKey] > 0 && seen[emailKey] != r.Line:
			res.Outcome, res.Code, res.Message = Rejected, ReasonDuplicateInFile, fmt.Sprintf("the same email is on row %d of this file", seen[emailKey])
		case h.MemberNumber != "" && seen[numberKey] > 0 && seen[numberKey] != r.Line:
			res.Outcome, res.Code, res.Message = Rejected, ReasonDuplicateInFile, fmt.Sprintf("the same member number is on row %d of this file", seen[numberKey])
		default:
			h.ID, h.ImportedBy, h.CreatedAt, h.UpdatedAt, h.Version = s.newID("H"), me, now, now, 1
			res.Outcome, res.HolderID = Created, h.ID
			create = append(create, h)
			seen[emailKey] = r.Line
			if h.MemberNumber != "" {
				seen[numberKey] = r.Line
			}
		}
	}
	return results, create, nil
}

func sameWhat(byNumber bool) string {
	if byNumber {
		return "member number"
	}
	return "email"
}

func summarise(chunk int, results []RowResult) ChunkSummary {
	s := ChunkSummary{Chunk: chunk, Rows: len(results), ByReason: map[string]int{}}
	for _, r := range results {
		switch r.Outcome {
		case Created:
			s.Created++
		case Existing:
			s.Existing++
		default:
			s.Rejected++
			s.ByReason[r.Code]++
		}
	}
	return s
}

// step is the import queue's message: import one chunk.
type step struct {
	ImportID string `json:"importId"`
	Chunk    int    `json:"chunk"`
}

// Step is the import queue's consumer: it judges one chunk, creates its new
// holders, records the results and queues the next chunk. A redelivery, or
// a crash half-way and a retry, creates nobody twice.
func (s *Service) Step(ctx context.Context, body string) error {
	var st step
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.ImportID == "" || st.Chunk < 0 {
		return fmt.Errorf("malformed import message %q", body)
	}
	im, err := s.store.Import(ctx, st.ImportID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read import %s: %w", st.ImportID, err)
	}
	sums, err := s.store.Summaries(ctx, im.ID)
	if err != nil {
		return err
	}
	if st.Chunk >= im.Chunks || slices.ContainsFunc(sums, func(x ChunkSummary) bool { return x.Chunk == st.Chunk }) {
		return nil // done before: its next message was written with its summary
	}
	rows, err := s.store.Chunk(ctx, im.ID, st.Chunk)
	if err != nil {
		return fmt.Errorf("read chunk %d of %s: %w", st.Chunk, im.ID, err)
	}
	results, create, err := s.judge(ctx, im, rows, map[string]int{})
	if err != nil {
		return err
	}
	refused, err := s.store.CreateHolders(ctx, create)
	if err != nil {
		return fmt.Errorf("create the holders of chunk %d of %s: %w", st.Chunk, im.ID, err)
	}
	if len(refused) > 0 {
		// Someone took an email or number in between (another import, a
		// person signing up): judge the chunk again against the table now.
		// What this chunk created itself is recognised as its own.
		if results, _, err = s.judge(ctx, im, rows, map[string]int{}); err != nil {
			return err
		}
	}
	sum := summarise(st.Chunk, results)
	var next []outbox.Message
	var done *Entry
	if st.Chunk+1 < im.Chunks {
		m, err := outbox.New(Queue, step{ImportID: im.ID, Chunk: st.Chunk + 1})
		if err != nil {
			return err
		}
		next = append(next, m)
	} else {
		done = &Entry{Import: im, Done: true, Totals: Totals{ByReason: map[string]int{}}}
		for _, x := range append(sums, sum) {
			done.Totals.Add(x)
		}
	}
	if err := s.store.FinishChunk(ctx, im.ID, results, sum, next, done); err != nil {
		return fmt.Errorf("finish chunk %d of %s: %w", st.Chunk, im.ID, err)
	}
	s.relay.Dispatch(ctx, next...)
	return nil
}

// Status is where an import stands.
type Status struct {
	Import     Import
	Done       bool
	Chunks     int // chunks done so far
	Totals     Totals
	Rows       []RowResult
	NextCursor string
}

// Result reports an import: totals over the chunks done so far and one
// page of row results.
// Errors: Unauthenticated; Forbidden; NotFound import_not_found; Invalid
// invalid_cursor.
func (s *Service) Result(ctx context.Context, c identity.Caller, id string, pg Page) (Status, error) {
	if err := staffOnly(c); err != nil {
		return Status{}, err
	}
	im, err := s.store.Import(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Status{}, fault.Errorf(fault.NotFound, "import_not_found", "no import %s", id)
	}
	if err != nil {
		return Status{}, fmt.Errorf("read import %s: %w", id, err)
	}
	sums, err := s.store.Summaries(ctx, id)
	if err != nil {
		return Status{}, err
	}
	st := Status{Import: im, Chunks: len(sums), Done: len(sums) == im.Chunks, Totals: Totals{ByReason: map[string]int{}}}
	for _, x := range sums {
		st.Totals.Add(x)
	}
	st.Rows, st.NextCursor, err = s.store.Results(ctx, id, pg)
	return st, err
}

// Export reads a done import's row results for the spreadsheet staff
// correct and import again (roster.Export: the rejected rows first, then
// the others) and returns the import and the cursor from which to go on
// ("" after the last row).
// Errors: Unauthenticated; Forbidden; NotFound import_not_found; Conflict
// import_processing; Invalid invalid_cursor.
func (s *Service) Export(ctx context.Context, c identity.Caller, id, from string, each func([]RowResult) bool) (Status, string, error) {
	st, err := s.Result(ctx, c, id, Page{Limit: 1})
	if err != nil {
		return Status{}, "", err
	}
	if !st.Done {
		return Status{}, "", fault.Errorf(fault.Conflict, "import_processing",
			"import %s is still running (%d of %d rows so far); its rows can be downloaded once it is done", id, st.Totals.Rows, st.Import.Rows)
	}
	next, err := roster.Export(from, func(cursor string, limit int) ([]RowResult, string, error) {
		return s.store.Results(ctx, id, Page{Limit: limit, Cursor: cursor})
	}, func(r RowResult) bool { return r.Outcome == Rejected }, each)
	if err != nil {
		return Status{}, "", err
	}
	return st, next, nil
}

// Imports lists every import, newest first, for staff.
// Errors: Unauthenticated; Forbidden; Invalid invalid_cursor.
func (s *Service) Imports(ctx context.Context, c identity.Caller, pg Page) ([]Entry, string, error) {
	if err := staffOnly(c); err != nil {
		return nil, "", err
	}
	return s.store.Imports(ctx, pg)
}
