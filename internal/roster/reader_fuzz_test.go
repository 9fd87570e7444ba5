package roster_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/roster"
)

var codes = map[string]bool{
	roster.CodeInvalidHeader: true, roster.CodeEmptyFile: true, roster.CodeTooLarge: true,
	roster.CodeMalformedCSV: true, roster.CodeWrongColumnCount: true, roster.CodeMissingValue: true,
	roster.CodeInvalidDate: true, roster.CodeInvalidEncoding: true,
}

// FuzzReader reads any input with any limit (<= 0: the default) and checks
// the reader's contract; the seed corpus is in testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, limit int64) {
		effective := limit
		if effective <= 0 {
			effective = roster.DefaultLimit
		}
		checkErr := func(err error) *roster.Error {
			t.Helper()
			var e *roster.Error
			if !errors.As(err, &e) {
				t.Fatalf("%v (%T) is not a *roster.Error", err, err)
			}
			if !codes[e.Code] || e.Line < 0 || e.Message == "" {
				t.Fatalf("bad error %#v", e)
			}
			if e.Code == roster.CodeTooLarge && int64(len(data)) <= effective {
				t.Fatalf("too_large for %d bytes with limit %d", len(data), effective)
			}
			return e
		}

		r, err := roster.NewReader(bytes.NewReader(data), limit)
		if err != nil {
			checkErr(err)
			return
		}
		rows, line := 0, 1
		// Every call but the last consumes at least one line of input.
		for calls := 0; ; calls++ {
			if calls > len(data)+1 {
				t.Fatalf("%d calls to Next for %d bytes", calls, len(data))
			}
			row, err := r.Next()
			if err == io.EOF {
				if _, again := r.Next(); again != io.EOF {
					t.Fatalf("after io.EOF, Next returned %v", again)
				}
				if int64(len(data)) > effective {
					t.Fatalf("read %d bytes to the end with limit %d", len(data), effective)
				}
				break
			}
			if err != nil {
				e := checkErr(err)
				if e.Fatal() {
					if _, again := r.Next(); again != err {
						t.Fatalf("after fatal %v, Next returned %v", err, again)
					}
					break
				}
				if row.Line != e.Line || e.Line <= line {
					t.Fatalf("row error on row %d (Row.Line %d) after row %d", e.Line, row.Line, line)
				}
				line = e.Line
				continue
			}
			rows++
			if row.Line <= line {
				t.Fatalf("row %d after row %d", row.Line, line)
			}
			line = row.Line
			for _, s := range []string{row.ProgramID, row.HolderID, row.FirstName, row.LastName} {
				if s == "" || s != strings.TrimSpace(s) || !utf8.ValidString(s) {
					t.Fatalf("bad cell %q in %+v", s, row)
				}
			}
			if d, err := roster.ParseDate(row.Completed.String()); err != nil || d != row.Completed {
				t.Fatalf("bad date %+v in %+v", row.Completed, row)
			}
		}
		if r.Rows() != rows {
			t.Fatalf("Rows() = %d, returned %d", r.Rows(), rows)
		}
	})
}
