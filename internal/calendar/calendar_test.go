package calendar

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestCheckInstant(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"2027-03-10T09:00:00-05:00", nil},
		{"2027-03-10T09:00:00Z", nil},
		{"2027-03-10T09:00:00+14:00", nil},
		{"2027-03-10T09:00:00-12:00", nil},
		{"1900-01-01T00:00:00Z", nil},
		{"2199-12-31T23:59:59Z", nil},
		{"2027-03-10T09:00:00+24:00", ErrOffset},
		{"2027-03-10T09:00:00+23:60", ErrOffset}, // Go reads it as +24:00
		{"2027-03-10T09:00:00+23:59", ErrOffset},
		{"2027-03-10T09:00:00+14:01", ErrOffset},
		{"2027-03-10T09:00:00-12:01", ErrOffset},
		{"1899-12-31T23:59:59Z", ErrOutOfRange},
		{"2200-01-01T00:00:00Z", ErrOutOfRange},
		{"2199-12-31T23:00:00-05:00", ErrOutOfRange}, // 2200 in UTC
		{"1900-01-01T01:00:00+02:00", ErrOutOfRange}, // 1899 in UTC
		{"9999-12-31T23:59:59Z", ErrOutOfRange},
		{"0000-01-01T00:00:00Z", ErrOutOfRange},
	} {
		t.Run(tc.in, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tc.in)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := CheckInstant(at); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
				t.Fatalf("CheckInstant = %v, want %v", got, tc.want)
			}
			// What is accepted must be writable back, in its offset and in UTC.
			if tc.want == nil {
				for _, v := range []time.Time{at, at.UTC(), at.AddDate(2, 0, 0)} {
					if _, err := json.Marshal(v); err != nil {
						t.Errorf("accepted %s cannot be written back: %v", v, err)
					}
				}
			}
		})
	}
}

func TestCheckDate(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1900-01-01", true}, {"2199-12-31", true}, {"1899-12-31", false}, {"2200-01-01", false}, {"0019-05-01", false},
	} {
		d, err := time.Parse(time.DateOnly, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := CheckDate(d) == nil; got != tc.ok {
			t.Errorf("CheckDate(%s) ok = %v, want %v", tc.in, got, tc.ok)
		}
	}
}

func TestDays(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		a, b time.Time
		want int
	}{
		{"SameDay", time.Date(2027, 3, 10, 0, 1, 0, 0, chicago), time.Date(2027, 3, 10, 23, 59, 0, 0, chicago), 0},
		{"AcrossDST", time.Date(2027, 3, 13, 23, 30, 0, 0, chicago), time.Date(2027, 3, 15, 0, 15, 0, 0, chicago), 2},
		{"Backwards", time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), -5},
		{"EachInItsOwnZone", time.Date(2027, 3, 10, 23, 0, 0, 0, chicago), time.Date(2027, 3, 11, 1, 0, 0, 0, time.UTC), 1},
	} {
		if got := Days(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Days = %d, want %d", tc.name, got, tc.want)
		}
	}
}
