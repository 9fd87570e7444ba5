package policy

import (
	"math"
	"testing"
)

// The contrast ratios WCAG's own examples and well-known pairs give.
func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#1f4e79", "#ffffff", 8.66}, // the shipped accent, white on it
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes on white
		{"#777777", "#ffffff", 4.48}, // and the one that does not
	} {
		if got := Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
		if Contrast(tc.a, tc.b) != Contrast(tc.b, tc.a) {
			t.Errorf("Contrast(%s, %s) depends on the order", tc.a, tc.b)
		}
	}
}

func TestColours_Defaults(t *testing.T) {
	var c Colours
	if err := c.validate(); err != nil || c.Accent != "#1f4e79" || c.AccentText != "#ffffff" {
		t.Fatalf("the defaults: %+v, %v", c, err)
	}
}
