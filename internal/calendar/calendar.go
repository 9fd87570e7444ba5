// Package calendar holds the date rules every part of cecportal shares: the
// range of dates and instants the service accepts, and counting calendar
// days. Whatever the API accepts must read back through every read and list
// and every date computed from it (a window, a reminder day, an expiry), so
// one rule bounds them all here, rather than one per field.
package calendar

import (
	"errors"
	"time"
)

// The dates the service accepts: from First up to, not including, End.
// Both are far from the limits of the formats the dates travel in (four-digit
// years in RFC 3339, DynamoDB keys and JSON), so that anything derived from an
// accepted date (a year later, 45 days after, an expiry) stays representable.
var (
	First = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)
	End   = time.Date(2200, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// UTC offsets in use anywhere on Earth run from -12:00 to +14:00. RFC 3339's
// syntax allows up to ±23:59 and Go parses even +24:00, which it then cannot
// write back; an offset outside the real range is a typing slip, refused.
const (
	MinOffset = -12 * 60 * 60 // seconds east of UTC
	MaxOffset = 14 * 60 * 60
)

// Errors of CheckInstant and CheckDate; the edge turns them into a detail on
// the field that carried the value.
var (
	ErrOffset     = errors.New("the UTC offset is outside -12:00 to +14:00")
	ErrOutOfRange = errors.New("the date is outside the years 1900 to 2199")
)

// CheckInstant reports whether t, with the offset it was given in, is a
// time the service accepts: a real UTC offset, and a date in [First, End)
// both in that offset and in UTC.
func CheckInstant(t time.Time) error {
	_, off := t.Zone()
	if off < MinOffset || off > MaxOffset {
		return ErrOffset
	}
	if !inRange(t) || !inRange(t.UTC()) {
		return ErrOutOfRange
	}
	return nil
}

// CheckDate reports whether the civil date of d lies in [First, End).
func CheckDate(d time.Time) error {
	if !inRange(Day(d)) {
		return ErrOutOfRange
	}
	return nil
}

func inRange(t time.Time) bool {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return !wall.Before(First) && wall.Before(End)
}

// Day is t's calendar date as read in t's own location, at midnight UTC: a
// civil date that compares and subtracts without time zones.
func Day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Days is the number of calendar days from a's date to b's date, each read
// in its own location: whole days whatever DST does in between.
func Days(a, b time.Time) int {
	return int(Day(b).Sub(Day(a)) / (24 * time.Hour))
}
