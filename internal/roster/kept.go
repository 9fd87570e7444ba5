package roster

import "slices"

// DryRunRows is the most row results a dry run answers: a check of a
// file near the 10 MB limit judges 100,000 rows, whose results would not
// fit one HTTP answer (Lambda's 6 MB). The totals count every row.
const DryRunRows = 2000

// Kept keeps what a dry run shows of a file's row results: the rejected
// ones first, up to the limit, then accepted ones while room is left, so
// that what needs correcting is always shown. Memory stays bounded
// however long the file.
type Kept[T any] struct {
	max           int
	rejected, oks []T
	seen          int
}

// NewKept keeps at most max rows.
func NewKept[T any](max int) *Kept[T] { return &Kept[T]{max: max} }

// Add offers one row's result.
func (k *Kept[T]) Add(row T, accepted bool) {
	k.seen++
	switch {
	case !accepted && len(k.rejected) < k.max:
		k.rejected = append(k.rejected, row)
	case accepted && len(k.oks) < k.max:
		k.oks = append(k.oks, row)
	}
}

// Rows returns the rows kept, in row order (line gives a row's), and how
// many were left out.
func (k *Kept[T]) Rows(line func(T) int) (rows []T, omitted int) {
	rows = append(k.rejected, k.oks[:min(len(k.oks), k.max-len(k.rejected))]...)
	slices.SortFunc(rows, func(a, b T) int { return line(a) - line(b) })
	return rows, k.seen - len(rows)
}
