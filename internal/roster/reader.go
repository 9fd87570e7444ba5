package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sheet streams the records of a CSV file exported from a spreadsheet whose
// header starts with given columns: the reading every upload of a table
// shares (attendance rosters here; staff's import of holders), with the
// same tolerance of what spreadsheets write and the same row numbers. It
// holds one record at a time, so its memory does not grow with the file.
type Sheet struct {
	csv   *csv.Reader
	limit *limitReader
	extra int   // line breaks inside quoted cells so far: physical line - extra = row
	err   error // sticky: io.EOF or a fatal error
	cols  []string
	noun  string // what the file is, in messages: "roster"

	width   int      // cells of the header: len(cols) and the ignored ones
	ignored []string // the header's names of the columns after the last of cols

	pending     bool // NewSheet read the first record ahead to tell an empty file
	pendingRec  []string
	pendingLine int
	pendingErr  error
}

// NewSheet reads and checks the header of the file in r (called noun in
// messages), which may be at most limit bytes (DefaultLimit when limit <=
// 0) and whose header must start with cols, and reads ahead to the first
// record. A UTF-8 byte order mark, CRLF line ends and blank lines are
// tolerated, and so are cells separated by tabs (what Excel puts on the
// clipboard, and its "Text (Tab delimited)" export) or by semicolons (its
// CSV where the decimal separator is a comma), told from the header; and
// so are columns after the last of cols (an Excel export adds an Email
// column, say): their cells are ignored, and Ignored names them.
//
// Any error it returns refuses the file: a *Error with code invalid_header
// or invalid_encoding (the header is wrong), empty_file (no header, or no
// rows after it), malformed_csv or too_large (met before the first row), or
// a wrapped error reading r, which is not a *Error.
func NewSheet(r io.Reader, limit int64, cols []string, noun string) (*Sheet, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	lr := &limitReader{r: r, left: limit, limit: limit}
	br := bufio.NewReaderSize(lr, 64<<10)
	if err := skipBOM(br); err != nil {
		return nil, err
	}
	c := csv.NewReader(br)
	c.Comma = separator(br, len(cols))
	c.FieldsPerRecord = -1
	c.LazyQuotes = false
	c.ReuseRecord = true
	sh := &Sheet{csv: c, limit: lr, cols: cols, noun: noun}

	rec, line, err := sh.record()
	if err == io.EOF {
		return nil, &Error{Code: CodeEmptyFile, Message: fmt.Sprintf("the %s is empty: it has no header and no rows", noun)}
	}
	if err != nil {
		return nil, err
	}
	if err := sh.checkHeader(rec, line); err != nil {
		return nil, err
	}
	sh.width = len(rec)
	for _, f := range rec[len(cols):] {
		sh.ignored = append(sh.ignored, strings.Join(strings.Fields(f), " "))
	}

	// Read ahead to the first record: a file without rows, or one refused
	// before its first row, is refused here.
	sh.pendingRec, sh.pendingLine, sh.pendingErr = sh.next()
	if sh.pendingErr == io.EOF {
		return nil, &Error{Code: CodeEmptyFile, Message: fmt.Sprintf("the %s has a header but no rows", noun)}
	}
	if sh.err != nil {
		return nil, sh.err
	}
	sh.pending = true
	return sh, nil
}

// Next returns the cells of the next row under cols (the ignored columns
// left out; the slice is reused by the next call) and its row number, or
// io.EOF after the last one.
//
// A *Error with code wrong_column_count or invalid_encoding concerns one
// row: its Line is returned with it, and the next call reads on. A *Error
// with code too_large or malformed_csv refuses the file (Error.Fatal) and
// is returned again by every later call, as is an error reading the input.
func (s *Sheet) Next() ([]string, int, error) {
	if s.pending {
		rec, line, err := s.pendingRec, s.pendingLine, s.pendingErr
		s.pending, s.pendingRec, s.pendingErr = false, nil, nil
		return rec, line, err
	}
	return s.next()
}

// Ignored returns the names, as the header gives them ("" for a column
// without one), of the columns after the last of cols, whose cells are not
// read; nil when the header has just cols.
func (s *Sheet) Ignored() []string { return s.ignored }

func (s *Sheet) next() ([]string, int, error) {
	rec, line, err := s.record()
	if err != nil {
		return nil, 0, err
	}
	// A row has the sheet's columns, and at most as many more as the
	// header names (a spreadsheet leaves an empty cell at the end out).
	if len(rec) < len(s.cols) || len(rec) > s.width {
		for _, f := range rec {
			if !isText(f) {
				return nil, line, encodingError(line, "")
			}
		}
		want := fmt.Sprintf("%d (%s)", len(s.cols), strings.Join(s.cols, ","))
		if s.width > len(s.cols) {
			want = fmt.Sprintf("%d to %d (as many as the header has)", len(s.cols), s.width)
		}
		return nil, line, &Error{Line: line, Code: CodeWrongColumnCount,
			Message: fmt.Sprintf("found %d %s, expected %s", len(rec), plural(len(rec), "column"), want)}
	}
	rec = rec[:len(s.cols)]
	for i, f := range rec {
		if !isText(f) {
			return nil, line, encodingError(line, s.cols[i])
		}
	}
	return rec, line, nil
}

// Reader streams the rows of a CSV roster (a Sheet of the roster's
// columns), each checked as CheckRow checks one.
type Reader struct {
	sheet *Sheet
	rows  int // rows returned without error
}

// NewReader reads and checks the header of the roster in r, which may be at
// most limit bytes (DefaultLimit when limit <= 0), and reads ahead to the
// first row, as NewSheet does with the roster's columns (Header).
func NewReader(r io.Reader, limit int64) (*Reader, error) {
	sh, err := NewSheet(r, limit, columns[:], "roster")
	if err != nil {
		return nil, err
	}
	return &Reader{sheet: sh}, nil
}

// Next returns the next row, or io.EOF after the last one.
//
// A *Error with code wrong_column_count, missing_value, invalid_date or
// invalid_encoding concerns one row: the Row returned with it carries the
// row's Line (and its trimmed cells when they are text), and the next call
// reads on. A *Error with code too_large or malformed_csv refuses the file
// (Error.Fatal) and is returned again by every later call, as is an error
// reading the input.
func (r *Reader) Next() (Row, error) {
	rec, line, err := r.sheet.Next()
	if err != nil {
		return Row{Line: line}, err
	}
	row, err := checkCells(line, (*[5]string)(rec))
	if err == nil {
		r.rows++
	}
	return row, err
}

// Rows returns how many rows Next has returned without an error.
func (r *Reader) Rows() int { return r.rows }

// Ignored returns the names, as the header gives them ("" for a column
// without one), of the columns after Completion Date, whose cells are not
// read; nil when the header has just the roster's columns.
func (r *Reader) Ignored() []string { return r.sheet.Ignored() }

// record returns the next record whose cells are not all blank and its row
// number. Its errors are sticky.
func (r *Sheet) record() ([]string, int, error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	for {
		rec, err := r.csv.Read()
		if err != nil {
			r.err = r.readError(err)
			return nil, 0, r.err
		}
		physical, _ := r.csv.FieldPos(0)
		line := physical - r.extra
		blank := true
		for _, f := range rec {
			if blank && strings.TrimSpace(f) != "" {
				blank = false
			}
			if strings.IndexByte(f, '\n') >= 0 {
				r.extra += strings.Count(f, "\n")
			}
		}
		if !blank {
			return rec, line, nil
		}
	}
}

func (r *Sheet) readError(err error) error {
	if err == io.EOF {
		return err
	}
	if r.limit.over {
		return &Error{Code: CodeTooLarge,
			Message: fmt.Sprintf("the %s is larger than the limit of %s; split it into smaller files", r.noun, size(r.limit.limit))}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine - r.extra
		msg := "a quote (\") inside a cell that does not start with one; put the whole cell in quotes and double the quotes inside it"
		if errors.Is(pe.Err, csv.ErrQuote) {
			msg = "a quoted cell is not closed properly: it must end with a quote followed by a comma or the end of the line, and quotes inside it must be doubled (\"\")"
		}
		return &Error{Line: line, Code: CodeMalformedCSV, Message: msg}
	}
	return fmt.Errorf("read %s: %w", r.noun, err)
}

func (s *Sheet) checkHeader(rec []string, line int) error {
	for _, f := range rec {
		if !isText(f) {
			return encodingError(line, "")
		}
	}
	problem := ""
	if len(rec) < len(s.cols) {
		problem = fmt.Sprintf("%d %s instead of %d", len(rec), plural(len(rec), "column"), len(s.cols))
	} else {
		for i, f := range rec[:len(s.cols)] {
			if name := strings.Join(strings.Fields(f), " "); !strings.EqualFold(name, s.cols[i]) {
				problem = fmt.Sprintf("column %d is %q, expected %q", i+1, name, s.cols[i])
				break
			}
		}
	}
	if problem == "" {
		return nil
	}
	return &Error{Line: line, Code: CodeInvalidHeader,
		Message: fmt.Sprintf("the header must start with exactly %q (its cells separated by commas, tabs or semicolons); found %q (%s)", strings.Join(s.cols, ","), clip(strings.Join(rec, ","), 200), problem)}
}

// separator tells how the header's cells are separated: by tabs or by
// semicolons when its first line has no comma and at least as many of
// those as the header's columns need, else by commas. A header longer than
// the reader's buffer is read as comma-separated (and refused if it is not).
func separator(br *bufio.Reader, columns int) rune {
	_, _ = br.Peek(1) // fill the buffer
	head, _ := br.Peek(br.Buffered())
	for len(head) > 0 && (head[0] == '\n' || head[0] == '\r') {
		head = head[1:] // blank lines before the header
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, ',') >= 0 {
		return ','
	}
	for _, sep := range []byte{'\t', ';'} {
		if bytes.Count(head, []byte{sep}) >= columns-1 {
			return rune(sep)
		}
	}
	return ','
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	zipMagic   = []byte("PK\x03\x04")
)

// skipBOM drops a UTF-8 byte order mark and refuses, with a useful message,
// the two wrong files providers most often send: UTF-16 text and workbooks.
func skipBOM(br *bufio.Reader) error {
	head, _ := br.Peek(4) // a short or failed peek is left to the CSV reader
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return &Error{Line: 1, Code: CodeInvalidEncoding, Message: "the file is UTF-16 text; save it as CSV UTF-8"}
	case bytes.HasPrefix(head, zipMagic):
		return &Error{Line: 1, Code: CodeInvalidEncoding, Message: "the file is a workbook (.xlsx), not CSV text; save it as CSV UTF-8"}
	}
	return nil
}

// limitReader reads at most limit bytes from r and notes when there were
// more.
type limitReader struct {
	r     io.Reader
	left  int64
	limit int64
	over  bool
}

var errTooLarge = errors.New("roster: input over the limit")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left+1] // one byte more tells whether there is more
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.over = true
		return int(l.left), errTooLarge
	}
	l.left -= int64(n)
	return n, err
}

// IgnoredNotice tells people which columns a roster's reader ignored
// (Reader.Ignored), or is "" when it ignored none.
func IgnoredNotice(ignored []string) string {
	return IgnoredColumnsNotice(ignored, columns[:], "roster")
}

// IgnoredColumnsNotice tells people which columns of a sheet of cols
// (called noun) were ignored (Sheet.Ignored), or is "" when none were.
func IgnoredColumnsNotice(ignored, cols []string, noun string) string {
	if len(ignored) == 0 {
		return ""
	}
	names := make([]string, len(ignored))
	for i, n := range ignored {
		names[i] = strconv.Quote(n)
		if n == "" {
			names[i] = "(no name)"
		}
	}
	what := "the column"
	if len(ignored) > 1 {
		what = fmt.Sprintf("%d columns", len(ignored))
	}
	return fmt.Sprintf("Ignored %s after %s (%s): only the %s's %d columns are read.", what, cols[len(cols)-1], strings.Join(names, ", "), noun, len(cols))
}

func size(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
