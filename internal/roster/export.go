package roster

import (
	"slices"

	"github.com/cecportal/cecportal/internal/fault"
)

// ExportRows is how many row results Export reads at a time.
const ExportRows = 500

// Export walks a done report's row results for a spreadsheet that its
// reader corrects and uploads again (an attendance upload's, an import of
// holders'): the rejected rows first, then the others, each in row order.
// read returns a page of results after cursor ("" for the first) and the
// cursor of the next ("" after the last); rejected tells a rejected row.
// It hands rows to each, ExportRows or fewer at a time, while each returns
// true, and returns the cursor from which to go on ("" after the last
// row): a part of the export starts at from ("" for the first).
// Errors: Invalid invalid_cursor for a from it did not issue.
func Export[T any](from string, read func(cursor string, limit int) ([]T, string, error), rejected func(T) bool, each func([]T) bool) (string, error) {
	others, cursor, err := exportFrom(from)
	if err != nil {
		return "", err
	}
	for {
		rows, next, err := read(cursor, ExportRows)
		if err != nil {
			return "", err
		}
		rows = slices.DeleteFunc(rows, func(r T) bool { return rejected(r) == others })
		more := len(rows) == 0 || each(rows)
		switch {
		case next != "":
			cursor = next
		case !others:
			others, cursor = true, "" // the rejected rows are out: now the others
		default:
			return "", nil
		}
		if !more {
			return exportCursor(others, cursor), nil
		}
	}
}

// An export's cursor is the phase (R rejected rows, A the others) and the
// position in the row results.
func exportCursor(others bool, cursor string) string {
	if others {
		return "A" + cursor
	}
	return "R" + cursor
}

func exportFrom(c string) (others bool, cursor string, err error) {
	switch {
	case c == "":
		return false, "", nil
	case c[0] == 'R' || c[0] == 'A':
		return c[0] == 'A', c[1:], nil
	}
	return false, "", fault.New(fault.Invalid, "invalid_cursor", "the cursor is not one of an export's; start again without it",
		fault.Detail{Field: "cursor", Code: "invalid_cursor", Message: "was not issued for this export"})
}
