package names_test

import (
	"testing"

	"github.com/cecportal/cecportal/internal/names"
)

func TestFold(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"José", "jose"},
		{"JOSE", "jose"},
		{"Zoë", "zoe"},
		{"Müller", "muller"},
		{"MÜLLER", "muller"},
		{"Mu\u0308ller", "muller"}, // already decomposed
		{"François", "francois"},
		{"Nguyễn", "nguyen"}, // two marks on one letter
		{"Ångström", "angstrom"},
		{"Çelik", "celik"},
		{"Dvořák", "dvorak"},
		{"  Ana   Maria ", "ana maria"},
		{"Ana\tMaria\n", "ana maria"},
		{"Ana\u00a0Maria", "ana maria"}, // no-break space
		{"Ana\u2003Maria", "ana maria"}, // em space
		{"Strauß", "strauss"},
		{"STRAUSS", "strauss"},
		{"İpek", "ipek"}, // Turkish dotted capital I
		{"Işık", "isık"}, // dotless ı is a letter of its own; I folds to i, as outside Turkish
		{"Łukasz", "łukasz"},
		{"Søren", "søren"},
		{"Ｓｍｉｔｈ", "smith"}, // full-width
		{"ﬁnn", "finn"},    // ligature
		{"O'Brien", "o'brien"},
		{"O’Brien", "o'brien"},
		{"Smith–Jones", "smith-jones"},
		{"Smith-Jones", "smith-jones"},
		{"Ὀδυσσεύς", "οδυσσευσ"}, // final sigma folds to σ
		{"", ""},
		{"   ", ""},
	}
	for _, tc := range tests {
		if got := names.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := names.Fold(names.Fold(tc.in)); got != names.Fold(tc.in) {
			t.Errorf("Fold is not idempotent on %q: %q then %q", tc.in, names.Fold(tc.in), got)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"José", "JOSE", true},
		{"Zoë", "zoe", true},
		{"  Ana   Maria ", "ana maria", true},
		{"Müller", "Muller", true},
		{"İSTANBUL", "istanbul", true},
		{"Strauß", "Strauss", true},
		{"Łukasz", "Lukasz", false},  // Ł does not decompose
		{"Mueller", "Müller", false}, // a transliteration is another name
		{"Smith-Jones", "Smith Jones", false},
		{"Smith-Jones", "SmithJones", false},
		{"O'Brien", "OBrien", false},
		{"O'Brien", "O’Brien", true},
		{"Ana Maria", "AnaMaria", false},
		{"Ana", "Anna", false},
	}
	for _, tc := range tests {
		if got := names.Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := names.Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	for b.Loop() {
		names.Fold("  María-José   Ñúñez de la Peña ")
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"Okafor", "Okafor", 2, 0},
		{"Okafor", "okafór", 2, 0}, // folded first
		{"Okafor", "Okafur", 2, 1},
		{"Ben", "Benn", 2, 1},
		{"Okafor", "Okfaor", 2, 2}, // a swap is two edits
		{"Lima", "Berg", 2, 3},     // capped at limit+1
		{"Ana", "Anastasia", 2, 3}, // lengths alone tell
		{"", "Bo", 2, 2},
		{"Smith-Jones", "Smith Jones", 2, 1},
	} {
		if got := names.Distance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}
