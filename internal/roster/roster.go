// Package roster reads the attendance rosters that providers upload (SPEC §2):
// the bulk CSV format with the header Header, checked row by row as it
// streams, and the same cell checks for single rows that arrive as JSON
// (CheckRow). It knows nothing of programs or holders: a Row is a
// well-formed report of one attendance, which the attendance service then
// accepts or rejects on its merits.
//
// Row numbers are the ones a provider sees when the file is opened in a
// spreadsheet: the header is row 1, blank lines count, and a quoted cell
// that spans several lines is still one row.
package roster

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Header is how a roster's header starts: these columns, in this order.
// Names are compared ignoring case, surrounding spaces and runs of spaces.
// Columns after them (an Excel export's Email, say) are ignored
// (Reader.Ignored).
const Header = "Program ID,Holder ID,First Name,Last Name,Completion Date"

// The column names, as Error.Column reports them.
const (
	ColProgramID      = "Program ID"
	ColHolderID       = "Holder ID"
	ColFirstName      = "First Name"
	ColLastName       = "Last Name"
	ColCompletionDate = "Completion Date"
)

var columns = [...]string{ColProgramID, ColHolderID, ColFirstName, ColLastName, ColCompletionDate}

// DefaultLimit is the largest roster, in bytes, that NewReader accepts when
// its caller sets no limit.
const DefaultLimit = 10 << 20

// Error codes. The first four refuse the whole file (see Error.Fatal); the
// others concern one row, and the rows after it can still be read.
const (
	CodeInvalidHeader    = "invalid_header"     // the first row is not Header
	CodeEmptyFile        = "empty_file"         // no header, or a header and no rows
	CodeTooLarge         = "too_large"          // more bytes than the limit
	CodeMalformedCSV     = "malformed_csv"      // a stray or unterminated quote
	CodeWrongColumnCount = "wrong_column_count" // a row with fewer cells than five, or more than the header
	CodeMissingValue     = "missing_value"      // an empty cell
	CodeInvalidDate      = "invalid_date"       // a completion date that is not a date
	CodeInvalidEncoding  = "invalid_encoding"   // not UTF-8 text, or control characters
)

// Error is a problem in a roster, placed by row and column so the provider
// can find it.
type Error struct {
	Line    int    // spreadsheet row (header = 1); 0 when about the whole file
	Column  string // the column's header name; "" when about the whole row
	Code    string // one of the Code constants
	Message string // for people
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column != "":
		return fmt.Sprintf("row %d, column %s: %s", e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("row %d: %s", e.Line, e.Message)
	default:
		return e.Message
	}
}

// Fatal reports whether the error refuses the whole file rather than one
// row. After a fatal error, Reader.Next returns it again; after any other,
// Next goes on with the following row.
func (e *Error) Fatal() bool {
	switch e.Code {
	case CodeInvalidHeader, CodeEmptyFile, CodeTooLarge, CodeMalformedCSV:
		return true
	}
	return false
}

// Row is one attendance: a holder who completed a program on a date.
type Row struct {
	Line      int // spreadsheet row (header = 1, data from 2)
	ProgramID string
	HolderID  string
	FirstName string
	LastName  string
	Completed Date
}

// CheckRow applies the roster's cell checks to a row that did not come from
// a CSV file (a JSON body, say): it trims each value, requires every one,
// and parses the completion date. line places the row in error messages.
//
// It returns a *Error with code invalid_encoding, missing_value or
// invalid_date. The returned Row always carries line and, when the values
// are valid text, their trimmed forms, so that a rejected row can still be
// reported by its holder.
func CheckRow(line int, programID, holderID, first, last, completed string) (Row, error) {
	return checkCells(line, &[5]string{programID, holderID, first, last, completed})
}

func checkCells(line int, cells *[5]string) (Row, error) {
	for i, c := range cells {
		if !isText(c) {
			return Row{Line: line}, encodingError(line, columns[i])
		}
		cells[i] = strings.TrimSpace(c)
	}
	row := Row{Line: line, ProgramID: cells[0], HolderID: cells[1], FirstName: cells[2], LastName: cells[3]}
	for i, c := range cells {
		if c == "" {
			return row, &Error{Line: line, Column: columns[i], Code: CodeMissingValue, Message: "a value is required"}
		}
	}
	d, err := ParseDate(cells[4])
	if err != nil {
		e := *err.(*Error)
		e.Line, e.Column = line, ColCompletionDate
		return row, &e
	}
	row.Completed = d
	return row, nil
}

// isText reports whether s is UTF-8 without control characters other than
// tab, line feed and carriage return (which quoted cells may hold).
func isText(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return utf8.ValidString(s[i:]) && !hasControl(s[i:])
		}
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

func encodingError(line int, column string) *Error {
	return &Error{Line: line, Column: column, Code: CodeInvalidEncoding,
		Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"}
}
