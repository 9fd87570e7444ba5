package roster

import (
	"fmt"
	"time"
)

// Date is a civil date, with no time of day or zone: a completion date is
// the same day wherever it is read.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses s as YYYY-MM-DD (2027-03-10) or as M/D/YYYY or
// MM/DD/YYYY (3/10/2027, 03/10/2027), month first. It refuses surrounding
// spaces and dates that do not exist (2027-02-30). The error is a *Error
// with code invalid_date and no row or column.
func ParseDate(s string) (Date, error) {
	var d Date
	var ok bool
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		var y, m int
		y, ok = digits(s[:4], 4, 4)
		if ok {
			m, ok = digits(s[5:7], 2, 2)
		}
		if ok {
			d.Day, ok = digits(s[8:], 2, 2)
		}
		d.Year, d.Month = y, time.Month(m)
	} else {
		d, ok = parseUS(s)
	}
	if !ok {
		return Date{}, dateError("%q is not a date; write it as YYYY-MM-DD (2027-03-10) or MM/DD/YYYY (03/10/2027)", s)
	}
	switch {
	case d.Year < 1:
		return Date{}, dateError("%q is not a date: there is no year 0", s)
	case d.Month < time.January || d.Month > time.December:
		return Date{}, dateError("%q is not a date: there is no month %d", s, int(d.Month))
	case d.Day < 1 || d.Day > daysIn(d.Year, d.Month):
		return Date{}, dateError("%q is not a date: %s %d has %d days", s, d.Month, d.Year, daysIn(d.Year, d.Month))
	}
	return d, nil
}

func parseUS(s string) (Date, bool) {
	var parts [3]string
	n := 0
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if n == 3 {
				return Date{}, false
			}
			parts[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	if n != 3 {
		return Date{}, false
	}
	m, ok1 := digits(parts[0], 1, 2)
	d, ok2 := digits(parts[1], 1, 2)
	y, ok3 := digits(parts[2], 4, 4)
	return Date{y, time.Month(m), d}, ok1 && ok2 && ok3
}

// digits parses s as an unsigned decimal of min to max ASCII digits.
func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func dateError(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidDate, Message: fmt.Sprintf(format, args...)}
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Compare returns -1 if d is before e, +1 if after, and 0 if they are the
// same day.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	default:
		return sign(d.Day - e.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// MarshalText writes the date as YYYY-MM-DD (JSON uses it), and no date
// as "", so that a value without one reads back.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return nil, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads any form ParseDate accepts, and "" as no date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
