package roster_test

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/roster"
)

const hdr = roster.Header + "\n"

func date(y int, m time.Month, d int) roster.Date { return roster.Date{Year: y, Month: m, Day: d} }

func row(line int, program, holder, first, last string, d roster.Date) roster.Row {
	return roster.Row{Line: line, ProgramID: program, HolderID: holder, FirstName: first, LastName: last, Completed: d}
}

var march10 = date(2027, time.March, 10)

// readAll returns what Next yields up to io.EOF or a fatal error: Rows and
// *roster.Errors in order.
func readAll(t *testing.T, r *roster.Reader) []any {
	t.Helper()
	var got []any
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("Next never ends")
		}
		row, err := r.Next()
		if err == io.EOF {
			return got
		}
		if err == nil {
			got = append(got, row)
			continue
		}
		var e *roster.Error
		if !errors.As(err, &e) {
			t.Fatalf("Next: %v is not a *roster.Error", err)
		}
		if e.Fatal() {
			return append(got, e)
		}
		got = append(got, row, e)
	}
}

func TestReader(t *testing.T) {
	ok := row(2, "P-1", "H-1", "Ann", "Lee", march10)
	tests := []struct {
		name    string
		in      string
		limit   int64
		ignored []string      // the header's columns after Completion Date
		wantNew *roster.Error // from NewReader
		want    []any         // then from Next: Row, or Row and *Error for a row error, or a fatal *Error
	}{
		// Tolerated forms.
		{name: "LF", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\nP-2,H-2,Bo,Ek,2027-03-11\n",
			want: []any{ok, row(3, "P-2", "H-2", "Bo", "Ek", date(2027, 3, 11))}},
		{name: "CRLF", in: roster.Header + "\r\nP-1,H-1,Ann,Lee,2027-03-10\r\nP-2,H-2,Bo,Ek,2027-03-11\r\n",
			want: []any{ok, row(3, "P-2", "H-2", "Bo", "Ek", date(2027, 3, 11))}},
		{name: "BOM", in: "\uFEFF" + roster.Header + "\r\nP-1,H-1,Ann,Lee,2027-03-10\r\n", want: []any{ok}},
		{name: "NoFinalNewline", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10", want: []any{ok}},
		{name: "NoFinalNewlineCRLF", in: roster.Header + "\r\nP-1,H-1,Ann,Lee,2027-03-10\r", want: []any{ok}},
		{name: "QuotedCells", in: hdr + `"P-1","H-1","Ann ""Annie""","Lee, Jr.","2027-03-10"` + "\n",
			want: []any{row(2, "P-1", "H-1", `Ann "Annie"`, "Lee, Jr.", march10)}},
		{name: "NewlineInQuotesIsOneRow", in: hdr + "P-1,H-1,\"Ann\nMarie\",Lee,2027-03-10\r\nP-2,H-2,Bo,\"Ek\r\n\r\nSr\",2027-03-10\nP-3,H-3,Cy,Do,2027-03-10\n",
			want: []any{
				row(2, "P-1", "H-1", "Ann\nMarie", "Lee", march10),
				row(3, "P-2", "H-2", "Bo", "Ek\n\nSr", march10),
				row(4, "P-3", "H-3", "Cy", "Do", march10),
			}},
		{name: "SpacesTrimmed", in: "  Program ID , Holder ID,First Name ,Last Name,Completion Date  \n  P-1 ,\tH-1, Ann\u00a0,\" Lee \", 2027-03-10 \n",
			want: []any{ok}},
		{name: "HeaderCaseAndSpaces", in: "program   id,HOLDER ID,first  name,Last Name,completion\tdate\nP-1,H-1,Ann,Lee,2027-03-10\n",
			want: []any{ok}},
		{name: "BlankLinesAtEnd", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\n\n\r\n,,,,\n  \n", want: []any{ok}},
		{name: "BlankLinesCountAsRows", in: hdr + "\n,,,,\n , ,\"\", , \nP-1,H-1,Ann,Lee,2027-03-10\n\nP-2,H-2,Bo,Ek,2027-03-10\n",
			want: []any{row(5, "P-1", "H-1", "Ann", "Lee", march10), row(7, "P-2", "H-2", "Bo", "Ek", march10)}},
		{name: "BlankLinesBeforeHeader", in: "\n,,,,\n" + hdr + "P-1,H-1,Ann,Lee,2027-03-10\n",
			want: []any{row(4, "P-1", "H-1", "Ann", "Lee", march10)}},
		{name: "USDates", in: hdr + "P-1,H-1,Ann,Lee,3/10/2027\nP-1,H-2,Bo,Ek,03/09/2027\nP-1,H-3,Cy,Do,12/31/2027\n",
			want: []any{ok, row(3, "P-1", "H-2", "Bo", "Ek", date(2027, 3, 9)), row(4, "P-1", "H-3", "Cy", "Do", date(2027, 12, 31))}},
		{name: "LeapDay", in: hdr + "P-1,H-1,Ann,Lee,2028-02-29\n", want: []any{row(2, "P-1", "H-1", "Ann", "Lee", date(2028, 2, 29))}},
		{name: "Unicode", in: hdr + "P-1,H-1,Zoë,Ñúñez-Çelik,2027-03-10\n", want: []any{row(2, "P-1", "H-1", "Zoë", "Ñúñez-Çelik", march10)}},
		{name: "TrailingColumnsIgnored", in: roster.Header + ",Email, Phone  Number \nP-1,H-1,Ann,Lee,2027-03-10,ann@example.org,555\nP-2,H-2,Bo,Ek,2027-03-11,\xff\x00\nP-3,H-3,Cy,Do,2027-03-12\n",
			ignored: []string{"Email", "Phone Number"},
			want:    []any{ok, row(3, "P-2", "H-2", "Bo", "Ek", date(2027, 3, 11)), row(4, "P-3", "H-3", "Cy", "Do", date(2027, 3, 12))}},
		{name: "TrailingColumnWithoutAName", in: roster.Header + ",\nP-1,H-1,Ann,Lee,2027-03-10,x\n", ignored: []string{""}, want: []any{ok}},
		{name: "ExactlyAtLimit", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\n", limit: int64(len(hdr) + 27), want: []any{ok}},

		// Excel's other separators, told from the header.
		{name: "TabsFromTheClipboard", in: "Program ID\tHolder ID\tFirst Name\tLast Name\tCompletion Date\r\nP-1\tH-1\tAnn\tLee\t3/10/2027\r\n", want: []any{ok}},
		{name: "TabsWithCommasInCells", in: "Program ID\tHolder ID\tFirst Name\tLast Name\tCompletion Date\tEmail\nP-1\tH-1\tAnn\tLee, Jr.\t2027-03-10\ta@example.org\n",
			ignored: []string{"Email"}, want: []any{row(2, "P-1", "H-1", "Ann", "Lee, Jr.", march10)}},
		{name: "Semicolons", in: "\xEF\xBB\xBF\nProgram ID;Holder ID;First Name;Last Name;Completion Date\nP-1;H-1;Ann;Lee;2027-03-10\n", want: []any{row(3, "P-1", "H-1", "Ann", "Lee", march10)}},
		{name: "CommaHeaderKeepsCommas", in: hdr + "P-1\tH-1\tAnn\tLee\t2027-03-10\n",
			want: []any{roster.Row{Line: 2}, &roster.Error{Line: 2, Code: roster.CodeWrongColumnCount, Message: "found 1 column, expected 5 (Program ID,Holder ID,First Name,Last Name,Completion Date)"}}},

		// Refused headers.
		{name: "ErrHeaderWrongName", in: "Program ID,Holder,First Name,Last Name,Completion Date\nP-1,H-1,Ann,Lee,2027-03-10\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "Program ID,Holder,First Name,Last Name,Completion Date" (column 2 is "Holder", expected "Holder ID")`}},
		{name: "ErrHeaderOrder", in: "Holder ID,Program ID,First Name,Last Name,Completion Date\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "Holder ID,Program ID,First Name,Last Name,Completion Date" (column 1 is "Holder ID", expected "Program ID")`}},
		{name: "ErrHeaderMissingColumn", in: "Program ID,Holder ID,First Name,Last Name\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "Program ID,Holder ID,First Name,Last Name" (4 columns instead of 5)`}},
		{name: "ErrNoHeader", in: "P-1,H-1,Ann,Lee,2027-03-10\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "P-1,H-1,Ann,Lee,2027-03-10" (column 1 is "P-1", expected "Program ID")`}},
		{name: "ErrHeaderThreeSemicolons", in: "Program ID;Holder ID;First Name;Last Name\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "Program ID;Holder ID;First Name;Last Name" (1 column instead of 5)`}},
		{name: "ErrHeaderLongIsClipped", in: strings.Repeat("é", 150) + "\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "` + strings.Repeat("é", 100) + `…" (1 column instead of 5)`}},
		{name: "ErrHeaderAfterBlankLines", in: "\n\nName\n",
			wantNew: &roster.Error{Line: 3, Code: roster.CodeInvalidHeader, Message: `the header must start with exactly "Program ID,Holder ID,First Name,Last Name,Completion Date" (its cells separated by commas, tabs or semicolons); found "Name" (1 column instead of 5)`}},
		{name: "ErrHeaderMalformed", in: "Program \"ID\",Holder ID,First Name,Last Name,Completion Date\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeMalformedCSV, Message: `a quote (") inside a cell that does not start with one; put the whole cell in quotes and double the quotes inside it`}},
		{name: "ErrHeaderInvalidUTF8", in: "Program ID,Holder ID,First Name,Last Name,Completion \xffDate\n",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidEncoding, Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"}},
		{name: "ErrUTF16", in: "\xff\xfeP\x00r\x00o\x00",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidEncoding, Message: "the file is UTF-16 text; save it as CSV UTF-8"}},
		{name: "ErrWorkbook", in: "PK\x03\x04\x14\x00\x06\x00",
			wantNew: &roster.Error{Line: 1, Code: roster.CodeInvalidEncoding, Message: "the file is a workbook (.xlsx), not CSV text; save it as CSV UTF-8"}},

		// Empty rosters.
		{name: "ErrEmptyFile", in: "", wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster is empty: it has no header and no rows"}},
		{name: "ErrOnlyBOM", in: "\uFEFF", wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster is empty: it has no header and no rows"}},
		{name: "ErrOnlyBlankLines", in: "\r\n\n,,,,\n", wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster is empty: it has no header and no rows"}},
		{name: "ErrHeaderOnly", in: hdr, wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster has a header but no rows"}},
		{name: "ErrHeaderOnlyNoNewline", in: roster.Header, wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster has a header but no rows"}},
		{name: "ErrHeaderAndBlankLines", in: hdr + "\n,,,,\n\n", wantNew: &roster.Error{Code: roster.CodeEmptyFile, Message: "the roster has a header but no rows"}},

		// Row errors: reported, and reading goes on.
		{name: "ErrTooFewColumns", in: hdr + "P-1,H-1,Ann,2027-03-10\nP-1,H-1,Ann,Lee,2027-03-10\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Code: roster.CodeWrongColumnCount, Message: "found 4 columns, expected 5 (Program ID,Holder ID,First Name,Last Name,Completion Date)"},
			row(3, "P-1", "H-1", "Ann", "Lee", march10),
		}},
		{name: "ErrTooManyColumns", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10,\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Code: roster.CodeWrongColumnCount, Message: "found 6 columns, expected 5 (Program ID,Holder ID,First Name,Last Name,Completion Date)"},
		}},
		{name: "ErrMoreColumnsThanTheHeader", in: roster.Header + ",Email\nP-1,H-1,Ann,Lee,2027-03-10,a@b.org,x\nP-1,H-1,Lee,2027-03-10\n", ignored: []string{"Email"}, want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Code: roster.CodeWrongColumnCount, Message: "found 7 columns, expected 5 to 6 (as many as the header has)"},
			roster.Row{Line: 3}, &roster.Error{Line: 3, Code: roster.CodeWrongColumnCount, Message: "found 4 columns, expected 5 to 6 (as many as the header has)"},
		}},
		{name: "ErrOneColumn", in: hdr + "\n\nP-1\n", want: []any{
			roster.Row{Line: 4}, &roster.Error{Line: 4, Code: roster.CodeWrongColumnCount, Message: "found 1 column, expected 5 (Program ID,Holder ID,First Name,Last Name,Completion Date)"},
		}},
		{name: "ErrMissingLastName", in: hdr + "P-1,H-1,Ann,  ,2027-03-10\n", want: []any{
			row(2, "P-1", "H-1", "Ann", "", roster.Date{}), &roster.Error{Line: 2, Column: "Last Name", Code: roster.CodeMissingValue, Message: "a value is required"},
		}},
		{name: "ErrMissingDate", in: hdr + "P-1,H-1,Ann,Lee,\"\"\n", want: []any{
			row(2, "P-1", "H-1", "Ann", "Lee", roster.Date{}), &roster.Error{Line: 2, Column: "Completion Date", Code: roster.CodeMissingValue, Message: "a value is required"},
		}},
		{name: "ErrImpossibleDate", in: hdr + "P-1,H-1,Ann,Lee,2027-02-30\nP-2,H-2,Bo,Ek,2/29/2027\n", want: []any{
			row(2, "P-1", "H-1", "Ann", "Lee", roster.Date{}), &roster.Error{Line: 2, Column: "Completion Date", Code: roster.CodeInvalidDate, Message: `"2027-02-30" is not a date: February 2027 has 28 days`},
			row(3, "P-2", "H-2", "Bo", "Ek", roster.Date{}), &roster.Error{Line: 3, Column: "Completion Date", Code: roster.CodeInvalidDate, Message: `"2/29/2027" is not a date: February 2027 has 28 days`},
		}},
		{name: "ErrDateFormat", in: hdr + "P-1,H-1,Ann,Lee,10 March 2027\n", want: []any{
			row(2, "P-1", "H-1", "Ann", "Lee", roster.Date{}), &roster.Error{Line: 2, Column: "Completion Date", Code: roster.CodeInvalidDate, Message: `"10 March 2027" is not a date; write it as YYYY-MM-DD (2027-03-10) or MM/DD/YYYY (03/10/2027)`},
		}},
		{name: "ErrInvalidUTF8", in: hdr + "P-1,H-1,Ann,L\xe9e,2027-03-10\nP-2,H-2,Bo,Ek,2027-03-10\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Column: "Last Name", Code: roster.CodeInvalidEncoding, Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"},
			row(3, "P-2", "H-2", "Bo", "Ek", march10),
		}},
		{name: "ErrControlAfterAccent", in: hdr + "P-1,H-1,Zoë\x01,Lee,2027-03-10\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Column: "First Name", Code: roster.CodeInvalidEncoding, Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"},
		}},
		{name: "ErrBinaryGarbage", in: hdr + "\x00\x01\x02\xff\xfe,\x89PNG\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Code: roster.CodeInvalidEncoding, Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"},
		}},
		{name: "ErrNULByte", in: hdr + "P-1,H-1\x00,Ann,Lee,2027-03-10\n", want: []any{
			roster.Row{Line: 2}, &roster.Error{Line: 2, Column: "Holder ID", Code: roster.CodeInvalidEncoding, Message: "not readable text (invalid UTF-8 or control characters); save the file as CSV UTF-8"},
		}},

		// Fatal errors after some rows.
		{name: "ErrBareQuote", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\n\nP-2,H-2,Bo \"Bob\",Ek,2027-03-10\nP-3,H-3,Cy,Do,2027-03-10\n", want: []any{
			ok, &roster.Error{Line: 4, Code: roster.CodeMalformedCSV, Message: `a quote (") inside a cell that does not start with one; put the whole cell in quotes and double the quotes inside it`},
		}},
		{name: "ErrUnterminatedQuote", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\nP-2,H-2,\"Bo,Ek,2027-03-10\nP-3,H-3,Cy,Do,2027-03-10\n", want: []any{
			ok, &roster.Error{Line: 3, Code: roster.CodeMalformedCSV, Message: `a quoted cell is not closed properly: it must end with a quote followed by a comma or the end of the line, and quotes inside it must be doubled ("")`},
		}},
		{name: "ErrTextAfterClosingQuote", in: hdr + "\nP-1,H-1,\"Ann\"x,Lee,2027-03-10\n",
			wantNew: &roster.Error{Line: 3, Code: roster.CodeMalformedCSV, Message: `a quoted cell is not closed properly: it must end with a quote followed by a comma or the end of the line, and quotes inside it must be doubled ("")`}},
		{name: "ErrTooLarge", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\nP-2,H-2,Bo,Ek,2027-03-10\n", limit: int64(len(hdr) + 27 + 10), want: []any{
			ok, &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 95 bytes; split it into smaller files"},
		}},
		{name: "ErrTooLargeByOneByte", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\n\n", limit: int64(len(hdr) + 27), want: []any{
			ok, &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 85 bytes; split it into smaller files"},
		}},
		{name: "ErrTooLargeInHeader", in: hdr + "P-1,H-1,Ann,Lee,2027-03-10\n", limit: 1024 / 64,
			wantNew: &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 16 bytes; split it into smaller files"}},
		{name: "ErrTooLargeMB", in: hdr + "P-1,H-1,\"" + strings.Repeat("a", 1<<20), limit: 1 << 20,
			wantNew: &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 1 MB; split it into smaller files"}},
		{name: "ErrTooLargeKB", in: hdr + "P-1,H-1,\"" + strings.Repeat("a", 1<<20), limit: 2 << 10,
			wantNew: &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 2 KB; split it into smaller files"}},
		{name: "ErrTooLargeInQuotedCell", in: hdr + "P-1,H-1,\"Ann\nMarie\",Lee,2027-03-10\n", limit: int64(len(hdr) + 12),
			wantNew: &roster.Error{Code: roster.CodeTooLarge, Message: "the roster is larger than the limit of 70 bytes; split it into smaller files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := roster.NewReader(strings.NewReader(tt.in), tt.limit)
			if tt.wantNew != nil {
				if !reflect.DeepEqual(err, tt.wantNew) {
					t.Fatalf("NewReader error\n got %#v\nwant %#v", err, tt.wantNew)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			got := readAll(t, r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows\n got %s\nwant %s", show(got), show(tt.want))
			}
			if want := countRows(tt.want); r.Rows() != want {
				t.Errorf("Rows() = %d, want %d", r.Rows(), want)
			}
			if !reflect.DeepEqual(r.Ignored(), tt.ignored) {
				t.Errorf("Ignored() = %q, want %q", r.Ignored(), tt.ignored)
			}
		})
	}
}

// countRows counts the Rows in want that no row error follows.
func countRows(want []any) int {
	n := 0
	for i, v := range want {
		if _, isRow := v.(roster.Row); isRow {
			if i+1 == len(want) || !isRowError(want[i+1]) {
				n++
			}
		}
	}
	return n
}

func isRowError(v any) bool { e, ok := v.(*roster.Error); return ok && !e.Fatal() }

func show(vs []any) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n\t%+v", v)
	}
	return b.String()
}

func TestIgnoredNotice(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"Email"}, `Ignored the column after Completion Date ("Email"): only the roster's 5 columns are read.`},
		{[]string{"Email", ""}, `Ignored 2 columns after Completion Date ("Email", (no name)): only the roster's 5 columns are read.`},
	} {
		if got := roster.IgnoredNotice(tc.in); got != tc.want {
			t.Errorf("IgnoredNotice(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReader_MissingEachColumn(t *testing.T) {
	cells := []string{"P-1", "H-1", "Ann", "Lee", "2027-03-10"}
	names := []string{roster.ColProgramID, roster.ColHolderID, roster.ColFirstName, roster.ColLastName, roster.ColCompletionDate}
	if strings.Join(names, ",") != roster.Header {
		t.Fatalf("column names %q do not make the Header", names)
	}
	for i, name := range names {
		t.Run(strings.ReplaceAll(name, " ", ""), func(t *testing.T) {
			c := append([]string(nil), cells...)
			c[i] = " \t "
			r, err := roster.NewReader(strings.NewReader(hdr+strings.Join(c, ",")+"\n"), 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Next()
			want := &roster.Error{Line: 2, Column: name, Code: roster.CodeMissingValue, Message: "a value is required"}
			if !reflect.DeepEqual(err, want) {
				t.Fatalf("got %#v, want %#v", err, want)
			}
			if got := err.Error(); got != "row 2, column "+name+": a value is required" {
				t.Errorf("Error() = %q", got)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("then %v, want io.EOF", err)
			}
		})
	}
}

func TestReader_Sticky(t *testing.T) {
	t.Run("EOF", func(t *testing.T) {
		r, err := roster.NewReader(strings.NewReader(hdr+"P-1,H-1,Ann,Lee,2027-03-10\n"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("got %v, want io.EOF", err)
			}
		}
		if r.Rows() != 1 {
			t.Errorf("Rows() = %d, want 1", r.Rows())
		}
	})
	t.Run("ErrFatal", func(t *testing.T) {
		r, err := roster.NewReader(strings.NewReader(hdr+"P-0,H-0,Al,Li,2027-03-10\nP-1,H\"1,Ann,Lee,2027-03-10\nP-2,H-2,Bo,Ek,2027-03-10\n"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		_, first := r.Next()
		if e, ok := first.(*roster.Error); !ok || !e.Fatal() || e.Line != 3 {
			t.Fatalf("got %v, want a fatal error on row 3", first)
		}
		for range 3 {
			if _, err := r.Next(); err != first {
				t.Fatalf("got %v, want %v again", err, first)
			}
		}
	})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestReader_ReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := roster.NewReader(io.MultiReader(strings.NewReader(hdr), failingReader{boom}), 0)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want it to wrap %v", err, boom)
	}
	var e *roster.Error
	if errors.As(err, &e) {
		t.Errorf("a read failure is not the provider's error: %#v", e)
	}
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		err  roster.Error
		want string
	}{
		{roster.Error{Line: 7, Column: "Completion Date", Code: roster.CodeInvalidDate, Message: "bad"}, "row 7, column Completion Date: bad"},
		{roster.Error{Line: 7, Code: roster.CodeWrongColumnCount, Message: "bad"}, "row 7: bad"},
		{roster.Error{Code: roster.CodeEmptyFile, Message: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestCheckRow(t *testing.T) {
	got, err := roster.CheckRow(3, " P-1 ", "H-1", " Ann", "Lee ", " 3/10/2027 ")
	if want := row(3, "P-1", "H-1", "Ann", "Lee", march10); err != nil || got != want {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	_, err = roster.CheckRow(1, "P-1", "", "Ann", "Lee", "2027-03-10")
	if want := (&roster.Error{Line: 1, Column: "Holder ID", Code: roster.CodeMissingValue, Message: "a value is required"}); !reflect.DeepEqual(err, want) {
		t.Errorf("got %#v, want %#v", err, want)
	}
	_, err = roster.CheckRow(1, "P-1", "H-1", "Ann", "Lee", "2027-3-10")
	if want := (&roster.Error{Line: 1, Column: "Completion Date", Code: roster.CodeInvalidDate, Message: `"2027-3-10" is not a date; write it as YYYY-MM-DD (2027-03-10) or MM/DD/YYYY (03/10/2027)`}); !reflect.DeepEqual(err, want) {
		t.Errorf("got %#v, want %#v", err, want)
	}
}

// rosterSource produces a roster of n rows on the fly.
type rosterSource struct {
	n, i int
	buf  []byte
}

func (s *rosterSource) Read(p []byte) (int, error) {
	if len(s.buf) == 0 {
		switch {
		case s.i == 0:
			s.buf = append(s.buf[:0], hdr...)
		case s.i > s.n:
			return 0, io.EOF
		default:
			s.buf = fmt.Appendf(s.buf[:0], "P-%06d,H-%07d,\"Ann, Marie\",Lee,2027-03-%02d\r\n", s.i%1000, s.i, 1+s.i%28)
		}
		s.i++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestReader_MemoryDoesNotGrow(t *testing.T) {
	const n, maxGrowth = 200_000, 8 << 20
	before := liveHeap()
	r, err := roster.NewReader(&rosterSource{n: n}, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	for i := 1; ; i++ {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%20_000 == 0 {
			peak = max(peak, liveHeap())
		}
	}
	peak = max(peak, liveHeap())
	runtime.KeepAlive(r)
	if r.Rows() != n {
		t.Fatalf("read %d rows, want %d", r.Rows(), n)
	}
	growth := int64(peak) - int64(before)
	t.Logf("live heap grew by at most %d bytes over %d rows", growth, n)
	if growth > maxGrowth {
		t.Errorf("heap grew by %d bytes reading %d rows; want < %d", growth, n, maxGrowth)
	}
}

func BenchmarkReader(b *testing.B) {
	const n = 10_000
	src, err := io.ReadAll(&rosterSource{n: n})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := roster.NewReader(strings.NewReader(string(src)), 0)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "rows/s")
}
