package table

import (
	"regexp"
	"testing"
)

// numberExpr is the syntax isNumberSyntax checks by hand.
var numberExpr = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func TestIsNumberSyntax_MatchesExpression(t *testing.T) {
	for _, s := range []string{"", "0", "-0", "+1", "12", "1.", "1.5", ".5", ".", "-.", "+.5", "-", "+", "1e5", "1E+5",
		"1e-5", "1e", "1e+", "e5", ".e5", "1.e5", ".5e-3", "1.2.3", "1e5e5", "1 ", " 1", "١", "0x10", "1_000", "NaN",
		"Infinity", "--1", "1e5.5", "00012", "1\n"} {
		if got, want := isNumberSyntax(s), numberExpr.MatchString(s); got != want {
			t.Errorf("isNumberSyntax(%q) = %v, the expression says %v", s, got, want)
		}
	}
}

func FuzzIsNumberSyntax(f *testing.F) {
	for _, s := range []string{"1", "-1.5e+10", ".5", "1.", "e", "+.e-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isNumberSyntax(s), numberExpr.MatchString(s); got != want {
			t.Errorf("isNumberSyntax(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
