package policy

import (
	"regexp"
	"strings"
	"testing"
)

// The byte-by-byte checks must accept exactly what their expressions do.
func TestShapes_MatchTheirExpressions(t *testing.T) {
	checks := []struct {
		expr  string
		check func(string) bool
	}{
		{`^[A-Z][A-Z0-9-]{0,15}$`, isCredentialCode},
		{`^[A-Z]{3}$`, isCurrency},
		{`^[a-z][a-z0-9_]{1,47}$`, isCodeWord},
	}
	inputs := []string{"", "A", "a", "AB", "ab", "USD", "usd", "US", "USDX", "US1", "CAM", "CAM-2", "-CAM", "1CAM",
		"C" + strings.Repeat("A", 15), "C" + strings.Repeat("A", 16), "CA M", "CAM\n", "ÄB", "national_conference",
		"national-conference", "a1", "a_", "_a", "1a", "Ab", "aB", "a" + strings.Repeat("b", 47), "a" + strings.Repeat("b", 48),
		"a\x00b", "é", "A\u00e9", "USD ", " USD"}
	for _, c := range checks {
		re := regexp.MustCompile(c.expr)
		for _, in := range inputs {
			if got, want := c.check(in), re.MatchString(in); got != want {
				t.Errorf("%s on %q: %v, the expression says %v", c.expr, in, got, want)
			}
		}
	}
}

func FuzzShapes(f *testing.F) {
	for _, s := range []string{"CAM", "USD", "national_conference", "a-", "Z9-"} {
		f.Add(s)
	}
	code := regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,15}$`)
	currency := regexp.MustCompile(`^[A-Z]{3}$`)
	word := regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)
	f.Fuzz(func(t *testing.T, s string) {
		if isCredentialCode(s) != code.MatchString(s) || isCurrency(s) != currency.MatchString(s) || isCodeWord(s) != word.MatchString(s) {
			t.Errorf("%q: checks %v %v %v, expressions %v %v %v", s, isCredentialCode(s), isCurrency(s), isCodeWord(s),
				code.MatchString(s), currency.MatchString(s), word.MatchString(s))
		}
	})
}
