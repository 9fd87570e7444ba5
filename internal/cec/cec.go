// Package cec is the quantity of continuing-education credits: an exact
// decimal with at most two places, held as integer hundredths so that no
// credit arithmetic ever touches floating point.
package cec

import (
	"fmt"
	"strconv"
	"strings"
)

// Hours is a number of CECs (1 CEC = 1 contact hour) in hundredths.
type Hours int64

// Of returns n whole hours.
func Of(n int64) Hours { return Hours(n * 100) }

// Parse reads a non-negative decimal with at most two places: "6", "1.5", "0.25".
func Parse(s string) (Hours, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || len(frac) > 2 || !digits(frac))) {
		return 0, fmt.Errorf("%q is not a decimal number with at most two places", s)
	}
	if len(whole) > 12 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Hours(w*100 + f), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String gives the shortest exact decimal form: "6", "1.5", "0.25".
func (h Hours) String() string {
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	w, f := int64(h)/100, int64(h)%100
	switch {
	case f == 0:
		return fmt.Sprintf("%s%d", sign, w)
	case f%10 == 0:
		return fmt.Sprintf("%s%d.%d", sign, w, f/10)
	default:
		return fmt.Sprintf("%s%d.%02d", sign, w, f)
	}
}

// MarshalJSON writes a JSON number, exact.
func (h Hours) MarshalJSON() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalJSON reads a JSON number (or numeric string) with at most two places.
func (h *Hours) UnmarshalJSON(b []byte) error {
	v, err := Parse(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// MarshalText and UnmarshalText let policy files and table items hold Hours as text.
func (h Hours) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads the form String writes.
func (h *Hours) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
