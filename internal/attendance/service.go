package attendance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/roster"
)

// Rows iterates over a roster: io.EOF after the last row, a *roster.Error
// for a malformed one.
type Rows interface {
	Next() (roster.Row, error)
}

// ignorer is a roster that did not read some of its columns: a CSV file's
// columns after Completion Date (roster.Reader).
type ignorer interface {
	Ignored() []string
}

// Source opens a roster from its start. An upload reads it twice: once to
// check the whole file before anything is written, once to store it.
type Source func() (Rows, error)

// Programs reads programs (the programs store).
type Programs interface {
	Get(ctx context.Context, id string) (programs.Program, error)
}

// Providers finds the caller's provider (accounts.Service).
type Providers interface {
	MyProvider(ctx context.Context, c identity.Caller) (accounts.Provider, error)
}

// Dispatcher sends committed outbox messages on.
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is attendance reporting and crediting.
type Service struct {
	store     Store
	programs  Programs
	providers Providers
	policy    *policy.Policy
	clock     clock.Clock
	newID     func(string) string
	relay     Dispatcher
	checkouts checkout.Starter // the payment provider, for filing fees
	log       *slog.Logger     // what crediting did, a line a chunk; WithLog (else nowhere)
}

// WithLog has s log what crediting did (a line a chunk, one an upload
// done, one a release step): the functions turn those lines into metrics
// (docs/operations.md#metrics).
func (s *Service) WithLog(l *slog.Logger) *Service {
	s.log = l
	return s
}

// NewService wires the attendance service; checkouts (the payment
// provider) may be nil where no filing fee checkout starts.
func NewService(s Store, pr Programs, pv Providers, co checkout.Starter, p *policy.Policy, c clock.Clock, newID func(string) string, relay Dispatcher) *Service {
	return &Service{store: s, programs: pr, providers: pv, checkouts: co, policy: p, clock: c, newID: newID, relay: relay,
		log: slog.New(slog.DiscardHandler)}
}

// DryRun is the verdict on a roster that was checked but not recorded:
// totals over every row, and up to roster.DryRunRows row results, the
// rejected first (Omitted are the others).
type DryRun struct {
	ProgramID string
	Totals    Totals
	Rows      []RowResult
	Omitted   int
}

// program returns the caller's program; another provider's is NotFound.
// With staffMay, staff read any program (its uploads and corrections).
func (s *Service) program(ctx context.Context, c identity.Caller, id string, staffMay bool) (programs.Program, error) {
	if c.Anonymous() {
		return programs.Program{}, identity.ErrSignIn
	}
	if staffMay && c.Has(identity.RoleStaff) {
		p, err := s.programs.Get(ctx, id)
		if errors.Is(err, programs.ErrNotFound) {
			return programs.Program{}, fault.Errorf(fault.NotFound, "program_not_found", "no program %s", id)
		}
		if err != nil {
			return programs.Program{}, fmt.Errorf("read program %s: %w", id, err)
		}
		return p, nil
	}
	pr, err := s.providers.MyProvider(ctx, c)
	if err != nil {
		return programs.Program{}, err
	}
	p, err := s.programs.Get(ctx, id)
	if errors.Is(err, programs.ErrNotFound) || (err == nil && p.ProviderID != pr.ID) {
		return programs.Program{}, fault.New(fault.NotFound, "program_not_found", "no such program among yours")
	}
	if err != nil {
		return programs.Program{}, fmt.Errorf("read program %s: %w", id, err)
	}
	return p, nil
}

// Report takes an attendance report for one of the caller's programs. The
// whole roster is checked first: a malformed one is refused as a whole
// (Invalid, naming row and column) and nothing is written. A dry run judges
// every row and records nothing; otherwise the upload is stored and
// credited asynchronously.
// Errors: NotFound program_not_found; Conflict program_not_approved,
// program_not_held; Unprocessable reporting_window_closed; Invalid
// invalid_roster, empty_roster, offering_required, unknown_offering.
//
// offering names which of the program's offerings the roster reports (from
// 1); 0 is the only one of a program with a single offering not refused.
func (s *Service) Report(ctx context.Context, c identity.Caller, programID string, offering int, format string, src Source, dryRun bool) (Upload, *DryRun, error) {
	p, err := s.program(ctx, c, programID, false)
	if err != nil {
		return Upload{}, nil, err
	}
	offering, o, err := offeringOf(p, offering)
	if err != nil {
		return Upload{}, nil, err
	}
	now := s.clock.Now()
	reported := roster.DateOf(now.In(s.policy.Association.Location()))
	if err := s.canReport(p, o, now, reported); err != nil {
		return Upload{}, nil, err
	}
	n, chunks, ignored, err := count(src)
	if err != nil {
		return Upload{}, nil, err
	}
	fee, err := s.fee(reported)
	if err != nil {
		return Upload{}, nil, err
	}
	u := Upload{ID: s.newID("UPL"), ProgramID: p.ID, Offering: offering, ProviderID: p.ProviderID, By: c.Sub, Source: format,
		ReportedOn: reported, Rows: n, Chunks: chunks, Fee: fee, CreatedAt: now.UTC(), IgnoredColumns: ignored}
	if dryRun {
		d, err := s.dryRun(ctx, u, p, src)
		return u, d, err
	}
	rows, err := src()
	if err != nil {
		return Upload{}, nil, err
	}
	chunk := make([]roster.Row, 0, ChunkRows)
	var size chunkSize
	stored := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := s.store.PutChunk(ctx, u.ID, stored, chunk, now.Add(InputRetention)); err != nil {
			return fmt.Errorf("store chunk %d of %s: %w", stored, u.ID, err)
		}
		stored++
		chunk = chunk[:0]
		return nil
	}
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Upload{}, nil, rosterFault(err) // the file changed between the passes: refuse
		}
		if size.next(r) {
			if err := flush(); err != nil {
				return Upload{}, nil, err
			}
		}
		chunk = append(chunk, r)
	}
	if err := flush(); err != nil {
		return Upload{}, nil, err
	}
	if stored != u.Chunks {
		return Upload{}, nil, fmt.Errorf("upload %s: %d chunks stored, %d counted", u.ID, stored, u.Chunks)
	}
	first, err := outbox.New(Queue, step{UploadID: u.ID, Chunk: 0})
	if err != nil {
		return Upload{}, nil, err
	}
	if err := s.store.CreateUpload(ctx, u, first); err != nil {
		return Upload{}, nil, fmt.Errorf("create upload: %w", err)
	}
	s.relay.Dispatch(ctx, first)
	return u, nil, nil
}

// offeringOf is the offering an upload reports: the one asked for (from
// 1), or, when none is asked, the program's only offering not refused.
func offeringOf(p programs.Program, asked int) (int, programs.Offering, error) {
	active := p.ActiveOfferings()
	if asked == 0 && len(active) == 1 {
		asked = active[0].N
	}
	if asked == 0 {
		return 0, programs.Offering{}, fault.New(fault.Invalid, "offering_required", "the program has several offerings",
			fault.Detail{Field: "offering", Code: "required", Message: fmt.Sprintf("must name the offering the attendance is for: %s", numbers(active))})
	}
	o, ok := p.Offering(asked)
	if !ok {
		return 0, programs.Offering{}, fault.New(fault.Invalid, "unknown_offering", "no such offering",
			fault.Detail{Field: "offering", Code: "unknown_offering", Message: fmt.Sprintf("must be one of the program's offerings: %s", numbers(active))})
	}
	return asked, o, nil
}

// numbers lists offerings' numbers in words: "1", "1 or 2", "1, 2 or 3".
func numbers(os []programs.NumberedOffering) string {
	s := make([]string, len(os))
	for i, o := range os {
		s[i] = strconv.Itoa(o.N)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// canReport applies SPEC §2's window to offering o of program p: an
// approved program, the offering held (started), reported within the
// window after the offering's end date (association time zone).
func (s *Service) canReport(p programs.Program, o programs.Offering, now time.Time, reported roster.Date) error {
	if p.Status != programs.Approved {
		return fault.Errorf(fault.Conflict, "program_not_approved", "attendance is reported for approved programs; this one is %s", p.Status)
	}
	if o.StartsAt == nil || o.EndsAt == nil || now.Before(*o.StartsAt) {
		return fault.New(fault.Conflict, "program_not_held", "attendance is reported after the program is held; it has not started yet")
	}
	loc := s.policy.Association.Location()
	end := roster.DateOf(o.EndsAt.In(loc))
	window := s.policy.Attendance.ReportingWindowDays
	if days := calendar.Days(end.Time(time.UTC), reported.Time(time.UTC)); days > window {
		return fault.Errorf(fault.Unprocessable, "reporting_window_closed",
			"attendance must be reported within %d calendar days after the program's end date (%s); today is day %d", window, end, days)
	}
	return nil
}

func (s *Service) fee(day roster.Date) (FilingFee, error) {
	f, ok := s.policy.Attendance.FilingFeeOn(day.Time(time.UTC))
	if !ok {
		return FilingFee{Currency: s.policy.Programs.Currency}, nil
	}
	return FilingFee{MemberCents: f.MemberCents, GuestCents: f.GuestCents, Currency: s.policy.Programs.Currency}, nil
}

// chunkSize cuts a roster into chunks, the same way on every pass.
type chunkSize struct{ rows, bytes int }

// next counts row r in and reports whether it starts a new chunk.
func (c *chunkSize) next(r roster.Row) bool {
	b := RowBytes(r)
	if c.rows > 0 && (c.rows == ChunkRows || c.bytes+b > ChunkBytes) {
		c.rows, c.bytes = 1, b
		return true
	}
	c.rows++
	c.bytes += b
	return false
}

// count reads the whole roster once, refusing it at its first malformed row,
// and returns its rows and chunks, and the columns it ignored.
func count(src Source) (rows, chunks int, ignored []string, err error) {
	rs, err := src()
	if err != nil {
		return 0, 0, nil, rosterFault(err)
	}
	var size chunkSize
	for {
		r, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, nil, rosterFault(err)
		}
		if err := checkWidth(r); err != nil {
			return 0, 0, nil, err
		}
		if rows++; size.next(r) || rows == 1 {
			chunks++
		}
	}
	if rows == 0 {
		return 0, 0, nil, fault.New(fault.Invalid, "empty_roster", "the roster has no rows")
	}
	if ig, ok := rs.(ignorer); ok {
		ignored = ig.Ignored()
	}
	return rows, chunks, ignored, nil
}

// checkWidth refuses a cell longer than any ID or name can be.
func checkWidth(r roster.Row) error {
	for _, c := range []struct{ col, v string }{{roster.ColProgramID, r.ProgramID}, {roster.ColHolderID, r.HolderID},
		{roster.ColFirstName, r.FirstName}, {roster.ColLastName, r.LastName}} {
		if len(c.v) > MaxCellBytes {
			msg := fmt.Sprintf("row %d, column %s: longer than %d bytes", r.Line, c.col, MaxCellBytes)
			return fault.New(fault.Invalid, "invalid_roster", "the roster is malformed: "+msg,
				fault.Detail{Field: c.col, Code: "too_long", Message: msg})
		}
	}
	return nil
}

// rosterFault is a malformed roster as the caller sees it: where and what.
func rosterFault(err error) error {
	var re *roster.Error
	if !errors.As(err, &re) {
		return err
	}
	if re.Code == "empty_file" {
		return fault.New(fault.Invalid, "empty_roster", re.Message)
	}
	if re.Code == "too_large" {
		return fault.New(fault.TooLarge, "roster_too_large", re.Message)
	}
	field := re.Column
	if field == "" {
		field = "row"
	}
	if re.Code == "invalid_header" {
		field = "header"
	}
	return fault.New(fault.Invalid, "invalid_roster", "the roster is malformed: "+re.Error(),
		fault.Detail{Field: field, Code: re.Code, Message: re.Error()})
}

func (s *Service) dryRun(ctx context.Context, u Upload, p programs.Program, src Source) (*DryRun, error) {
	rows, err := src()
	if err != nil {
		return nil, err
	}
	d := &DryRun{ProgramID: p.ID, Totals: Totals{Currency: u.Fee.Currency, ByReason: map[string]int{}}}
	kept := roster.NewKept[RowResult](roster.DryRunRows)
	seen := map[string]int{} // holder → first line in the file
	chunk := make([]roster.Row, 0, ChunkRows)
	var size chunkSize
	judgeChunk := func(i int) error {
		results, _, sum, err := s.judge(ctx, u, p, i, chunk, seen)
		if err != nil {
			return err
		}
		for _, r := range results {
			kept.Add(r, r.Accepted)
		}
		d.Totals.Add(sum)
		chunk = chunk[:0]
		return nil
	}
	i := 0
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, rosterFault(err)
		}
		if size.next(r) {
			if err := judgeChunk(i); err != nil {
				return nil, err
			}
			i++
		}
		chunk = append(chunk, r)
	}
	if len(chunk) > 0 {
		if err := judgeChunk(i); err != nil {
			return nil, err
		}
	}
	d.Rows, d.Omitted = kept.Rows(func(r RowResult) int { return r.Line })
	return d, nil
}

// judge decides every row of a chunk. seen maps holders already accepted in
// this upload to that row (a dry run tracks the whole file there; crediting
// finds earlier chunks' holders through their attendance records). A row
// rejected for its own fault (a misspelt name, say) does not keep a later,
// correct row for the same holder from being accepted.
func (s *Service) judge(ctx context.Context, u Upload, p programs.Program, chunk int, rows []roster.Row, seen map[string]int) ([]RowResult, []Credit, ChunkSummary, error) {
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.HolderID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	holders, err := s.store.Holders(ctx, ids)
	if err != nil {
		return nil, nil, ChunkSummary{}, fmt.Errorf("read holders: %w", err)
	}
	attendees, err := s.store.Attendees(ctx, p.ID, ids)
	if err != nil {
		return nil, nil, ChunkSummary{}, fmt.Errorf("read attendance of %s: %w", p.ID, err)
	}
	first, last := programDays(p, u.Offering)
	results := make([]RowResult, 0, len(rows))
	var credits []Credit
	for _, r := range rows {
		res := RowResult{Line: r.Line, ProgramID: r.ProgramID, HolderID: r.HolderID, FirstName: r.FirstName,
			LastName: r.LastName, Completed: r.Completed.String()}
		h, known := holders[r.HolderID]
		a, credited := attendees[r.HolderID]
		firstLine, again := seen[r.HolderID]
		switch {
		case r.ProgramID != p.ID:
			res.Code, res.Message = ReasonProgramMismatch, fmt.Sprintf("the row is for program %q, not %s", r.ProgramID, p.ID)
		case !known:
			res.Code, res.Message = ReasonHolderNotFound, fmt.Sprintf("no holder %s: the attendee needs a holder account (a free guest account is enough)", r.HolderID)
		case !names.Equal(h.FirstName, r.FirstName) || !names.Equal(h.LastName, r.LastName):
			res.Code, res.Message = ReasonNameMismatch, nameMismatch(h, r)
		case r.Completed.Compare(first) < 0 || r.Completed.Compare(last) > 0:
			res.Code, res.Message = ReasonOutsideProgram, fmt.Sprintf("the completion date is not within the program's dates (%s to %s)", first, last)
		case r.Completed.Compare(u.ReportedOn) > 0:
			res.Code, res.Message = ReasonInFuture, "the completion date is after the reporting date"
		case credited && a.UploadID == u.ID && a.Line == r.Line:
			res.Accepted = true // this very row, credited before a crash
		case credited && a.UploadID == u.ID, again && firstLine != r.Line:
			line := firstLine
			if credited {
				line = a.Line
			}
			res.Code, res.Message = ReasonDuplicateInFile, fmt.Sprintf("holder %s is already on row %d of this upload", r.HolderID, line)
		case credited && a.Held:
			res.Code, res.Message = ReasonAlreadyCredited, fmt.Sprintf("holder %s was already reported for this program (upload %s); the credit is issued once that upload's filing fee is paid", r.HolderID, a.UploadID)
		case credited:
			res.Code, res.Message = ReasonAlreadyCredited, fmt.Sprintf("holder %s was already credited for this program (upload %s)", r.HolderID, a.UploadID)
		default:
			res.Accepted = true
			credits = append(credits, Credit{ProgramID: p.ID, HolderID: r.HolderID, UploadID: u.ID, Line: r.Line,
				Completed: r.Completed, Title: p.Title, ProviderID: p.ProviderID, ProviderName: p.ProviderName,
				Hours: p.ContactHours, Compliance: p.Compliance, Format: string(p.Format)})
		}
		if res.Accepted && !again {
			seen[r.HolderID] = r.Line // only an accepted row claims the holder
		}
		if res.Accepted {
			res.Membership, res.FeeCents = h.Membership, u.Fee.For(h.Membership)
			if n := len(credits); n > 0 && credits[n-1].HolderID == r.HolderID && credits[n-1].Line == r.Line {
				// A row that costs a filing fee waits for its payment.
				credits[n-1].Held = res.FeeCents > 0
			}
		}
		results = append(results, res)
	}
	return results, credits, summarise(chunk, results), nil
}

func summarise(chunk int, results []RowResult) ChunkSummary {
	s := ChunkSummary{Chunk: chunk, Rows: len(results), ByReason: map[string]int{}}
	for _, r := range results {
		if r.Accepted {
			s.Accepted++
			s.FeeCents += r.FeeCents
			if r.FeeCents > 0 && r.Membership == string(accounts.Member) {
				s.Members++
			} else if r.FeeCents > 0 {
				s.Guests++
			}
		} else {
			s.Rejected++
			s.ByReason[r.Code]++
		}
	}
	return s
}

// step is the crediting queue's message: credit one chunk of an upload.
type step struct {
	UploadID string `json:"uploadId"`
	Chunk    int    `json:"chunk"`
}

// CreditChunk is the crediting queue's consumer: it judges one chunk,
// credits its accepted rows, records the results and queues the next chunk.
// A redelivery, or a crash half-way and a retry, credits nobody twice.
func (s *Service) CreditChunk(ctx context.Context, body string) error {
	st, rel, err := decodeMessage(body)
	if err != nil {
		return err
	}
	if rel.UploadID != "" {
		return s.release(ctx, rel)
	}
	u, err := s.store.Upload(ctx, st.UploadID)
	if errors.Is(err, ErrNotFound) {
		return nil // nothing to credit
	}
	if err != nil {
		return fmt.Errorf("read upload %s: %w", st.UploadID, err)
	}
	sums, err := s.store.Summaries(ctx, u.ID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(sums, func(x ChunkSummary) bool { return x.Chunk == st.Chunk }) || st.Chunk >= u.Chunks {
		return nil // done before: its next message was written with its summary
	}
	rows, err := s.store.Chunk(ctx, u.ID, st.Chunk)
	if err != nil {
		return fmt.Errorf("read chunk %d of %s: %w", st.Chunk, u.ID, err)
	}
	p, err := s.programs.Get(ctx, u.ProgramID)
	if err != nil {
		return fmt.Errorf("read program %s: %w", u.ProgramID, err)
	}
	results, credits, _, err := s.judge(ctx, u, p, st.Chunk, rows, map[string]int{})
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	for i := range credits {
		credits[i].Credited = now
	}
	refused, err := s.store.Credit(ctx, credits)
	if err != nil {
		return fmt.Errorf("credit chunk %d of %s: %w", st.Chunk, u.ID, err)
	}
	if len(refused) > 0 {
		// Someone credited these holders in between (another upload running
		// at the same time): judge the chunk again against the records now
		// there. What this chunk credited itself is recognised as its own.
		results, _, _, err = s.judge(ctx, u, p, st.Chunk, rows, map[string]int{})
		if err != nil {
			return err
		}
	}
	sum := summarise(st.Chunk, results)
	var next []outbox.Message
	var done *Entry
	if st.Chunk+1 < u.Chunks {
		m, err := outbox.New(Queue, step{UploadID: u.ID, Chunk: st.Chunk + 1})
		if err != nil {
			return err
		}
		next = append(next, m)
	} else {
		// The last chunk: every other one is recorded (each queued the next
		// with its summary), so the totals are final.
		done = &Entry{Upload: u, Done: true, Totals: Totals{Currency: u.Fee.Currency, ByReason: map[string]int{}}}
		for _, x := range append(sums, sum) {
			done.Totals.Add(x)
		}
		// The held rows' filing fee: the invoice is written with the
		// totals, once, and the provider told in the same write.
		if done.Fee = s.filingInvoice(u, programEssentials{p.Title, p.ProviderName, p.ProviderEmail}, done.Totals, now); done.Fee != nil {
			m, err := invoiceMail(*done.Fee)
			if err != nil {
				return err
			}
			next = append(next, m)
		}
	}
	if err := s.store.FinishChunk(ctx, u.ID, results, sum, next, done); err != nil {
		return fmt.Errorf("finish chunk %d of %s: %w", st.Chunk, u.ID, err)
	}
	s.relay.Dispatch(ctx, next...)
	// Once, after the write: a redelivered chunk returns above, unlogged.
	s.log.InfoContext(ctx, "attendance chunk credited", "upload", u.ID, "chunk", st.Chunk, "accepted", sum.Accepted, "rejected", sum.Rejected)
	if done != nil {
		s.log.InfoContext(ctx, "attendance upload done", "upload", u.ID, "rows", done.Totals.Rows, "accepted", done.Totals.Accepted)
	}
	return nil
}

// Status is where an upload stands.
type Status struct {
	Upload     Upload
	Done       bool // every chunk credited
	Chunks     int  // chunks credited so far
	Totals     Totals
	Rows       []RowResult
	NextCursor string
	Fee        *FilingInvoice // once done, when the upload owes a filing fee
}

// Result reports an upload: totals over the chunks credited so far, one
// page of row results, and once done its filing fee, if any.
// Errors: NotFound program_not_found, upload_not_found.
func (s *Service) Result(ctx context.Context, c identity.Caller, programID, uploadID string, pg Page) (Status, error) {
	st, err := s.status(ctx, c, programID, uploadID)
	if err != nil {
		return Status{}, err
	}
	if st.Done {
		inv, found, err := s.invoiceOf(ctx, uploadID)
		if err != nil {
			return Status{}, err
		}
		if found {
			st.Fee = &inv
		}
	}
	st.Rows, st.NextCursor, err = s.store.Results(ctx, st.Upload.ID, pg)
	return st, err
}

// status reads one of the caller's uploads and its totals so far.
func (s *Service) status(ctx context.Context, c identity.Caller, programID, uploadID string) (Status, error) {
	if _, err := s.program(ctx, c, programID, true); err != nil {
		return Status{}, err
	}
	return s.uploadStatus(ctx, programID, uploadID)
}

// uploadStatus reads an upload of programID (the caller's, checked before)
// and its totals so far.
func (s *Service) uploadStatus(ctx context.Context, programID, uploadID string) (Status, error) {
	u, err := s.store.Upload(ctx, uploadID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.ProgramID != programID) {
		return Status{}, fault.Errorf(fault.NotFound, "upload_not_found", "no upload %s for program %s", uploadID, programID)
	}
	if err != nil {
		return Status{}, fmt.Errorf("read upload %s: %w", uploadID, err)
	}
	sums, err := s.store.Summaries(ctx, u.ID)
	if err != nil {
		return Status{}, err
	}
	st := Status{Upload: u, Chunks: len(sums), Done: len(sums) == u.Chunks, Totals: Totals{Currency: u.Fee.Currency, ByReason: map[string]int{}}}
	for _, x := range sums {
		st.Totals.Add(x)
	}
	return st, nil
}

// Uploads lists the uploads of one of the caller's programs, newest first,
// a page at a time: each with its totals once it is done.
// Errors: NotFound program_not_found; Invalid invalid_cursor.
func (s *Service) Uploads(ctx context.Context, c identity.Caller, programID string, pg Page) ([]Entry, string, error) {
	if _, err := s.program(ctx, c, programID, true); err != nil {
		return nil, "", err
	}
	return s.store.Uploads(ctx, programID, pg)
}

// Export reads a done upload's row results for a spreadsheet that the
// provider corrects and uploads again (roster.Export: the rejected rows
// first, then the accepted ones), and returns the upload (with its totals)
// and the cursor from which to go on ("" after the last row).
// Errors: NotFound program_not_found, upload_not_found; Conflict
// upload_processing; Invalid invalid_cursor.
func (s *Service) Export(ctx context.Context, c identity.Caller, programID, uploadID, from string, each func([]RowResult) bool) (Status, string, error) {
	st, err := s.status(ctx, c, programID, uploadID)
	if err != nil {
		return Status{}, "", err
	}
	if !st.Done {
		return Status{}, "", fault.Errorf(fault.Conflict, "upload_processing",
			"upload %s is still being credited (%d of %d rows so far); its rows can be downloaded once it is done", uploadID, st.Totals.Rows, st.Upload.Rows)
	}
	next, err := roster.Export(from, func(cursor string, limit int) ([]RowResult, string, error) {
		return s.store.Results(ctx, uploadID, Page{Limit: limit, Cursor: cursor})
	}, func(r RowResult) bool { return !r.Accepted }, each)
	if err != nil {
		return Status{}, "", err
	}
	return st, next, nil
}

// nameMismatch says how a row's name differs from the holder's account, so
// that the provider can fix the roster: swapped, a letter or two off, or
// another name, with the name on file, when the holder is listed in the
// directory (whose names anyone signed in may read); for an unlisted
// holder, only that it does not match.
func nameMismatch(h Holder, r roster.Row) string {
	if !h.Listed {
		// How close a guess is would tell an unlisted holder's name, a letter
		// at a time (a dry run judges any number of rows).
		return fmt.Sprintf("the name does not match holder %s's account", r.HolderID)
	}
	var how string
	if names.Equal(h.FirstName, r.LastName) && names.Equal(h.LastName, r.FirstName) {
		how = "the first and last names are swapped"
	} else {
		var parts []string
		for _, n := range []struct{ what, onFile, given string }{{"first name", h.FirstName, r.FirstName}, {"last name", h.LastName, r.LastName}} {
			switch d := names.Distance(n.onFile, n.given, 2); {
			case d == 0:
			case d <= 2:
				parts = append(parts, fmt.Sprintf("the %s is %d %s off", n.what, d, map[bool]string{true: "letter", false: "letters"}[d == 1]))
			default:
				parts = append(parts, "the "+n.what+" is different")
			}
		}
		how = strings.Join(parts, " and ")
	}
	return fmt.Sprintf("the name does not match holder %s's account: %s (on file: %s %s)", r.HolderID, how, h.FirstName, h.LastName)
}

// programDays are the first and last days of offering n of p in its own
// time zone: the dates a completion date must lie between.
func programDays(p programs.Program, n int) (first, last roster.Date) {
	all := p.Offerings()
	o := all[0]
	if n > 1 && n <= len(all) {
		o = all[n-1]
	}
	ploc, _ := time.LoadLocation(o.TimeZone) // validated when the program was submitted
	if ploc == nil {
		ploc = time.UTC
	}
	return roster.DateOf(o.StartsAt.In(ploc)), roster.DateOf(o.EndsAt.In(ploc))
}
