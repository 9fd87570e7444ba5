// Package names compares people's names the way the association does:
// ignoring case, accents and extra spaces, and nothing else. The practitioner
// directory keys and searches holders by Fold of their names, and attendance
// reports match an attendee's name to the account's with Equal, so the two
// always agree.
package names

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold returns the form of a name under which names that differ only in
// case, accents or spacing are the same string:
//
//   - compatibility decomposition (NFKD), then every nonspacing mark (Unicode
//     category Mn) dropped: "José" → "Jose", "Zoë" → "Zoe", "Müller" → "Muller";
//     compatibility forms become their plain letters and digits ("ﬁ" → "fi",
//     full-width "Ａ" → "A");
//
//   - full Unicode case folding (not unicode.ToLower): "JOSÉ" → "jose",
//     "Strauß" → "strauss", Turkish dotted "İ" → "i" and dotless "ı" stays "ı";
//
//   - whitespace of any kind trimmed at both ends and each inner run made one
//     space: "  Ana   Maria " → "ana maria".
//
//   - typographic apostrophes and dashes become the plain ones, because
//     spreadsheets and word processors replace what people type: "O’Brien"
//     = "O'Brien", "Smith–Jones" = "Smith-Jones".
//
// Everything else stays as it is. Hyphens and apostrophes are part of a name
// ("Smith-Jones" ≠ "Smith Jones", "O'Brien" ≠ "OBrien"). Letters that Unicode does not decompose keep their
// stroke or ligature: "Łukasz" folds to "łukasz", not "lukasz", and likewise
// ø, đ, æ. Folding is idempotent: Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	// A Caser and a chain of transformers keep state: one per call.
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(),
		norm.NFKD, runes.Remove(runes.In(unicode.Mn)))
	folded, _, err := transform.String(t, s)
	if err != nil {
		// Unreachable for a string: the transformers never fail on one. Fall
		// back to the simple lower-casing rather than lose the name.
		folded = strings.ToLower(s)
	}
	return strings.Join(strings.Fields(typographic.Replace(folded)), " ")
}

// typographic maps the apostrophes and dashes that software substitutes for
// ' and - back to them.
var typographic = strings.NewReplacer(
	"\u2019", "'", "\u2018", "'", "\u02bc", "'",
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-")

// Equal reports whether a and b are the same name once folded.
func Equal(a, b string) bool { return Fold(a) == Fold(b) }

// Distance is the number of single-letter edits (insert, delete, replace)
// between a and b once folded, counted up to limit: limit+1 when they are
// further apart. It tells a misspelt name ("Okafor" for "Okafur": 1) from
// another person's (a large number).
func Distance(a, b string, limit int) int {
	x, y := []rune(Fold(a)), []rune(Fold(b))
	if d := len(x) - len(y); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(y)], limit+1)
}
