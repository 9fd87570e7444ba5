package programs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/testkit"
)

func complete(t *testing.T) programs.Content {
	t.Helper()
	s, e := at(t, "2027-01-12T09:00:00-06:00"), at(t, "2027-01-12T17:00:00-06:00")
	return programs.Content{Title: "Fair Housing Update", Description: "What changed in 2026.", Format: programs.InPerson,
		StartsAt: &s, EndsAt: &e, TimeZone: "America/Chicago", Location: "Hilton, 720 S Michigan Ave, Chicago",
		ContactHours: cec.Of(6), Objectives: []string{"Apply the 2026 rules"}, Instructors: []string{"Dee Dunn"}, Compliance: true}
}

func fields(d []fault.Detail) string {
	var f []string
	for _, x := range d {
		f = append(f, x.Field+":"+x.Code)
	}
	return strings.Join(f, ",")
}

func TestCheckSubmission(t *testing.T) {
	pol := testkit.Policy(t).Programs
	submitted := at(t, "2026-11-01T10:00:00-05:00")
	shift := func(c *programs.Content, start, end string) {
		s, e := at(t, start), at(t, end)
		c.StartsAt, c.EndsAt = &s, &e
	}
	for _, tc := range []struct {
		name string
		edit func(c *programs.Content)
		want string
	}{
		{"Complete", func(*programs.Content) {}, ""},
		{"NothingGiven", func(c *programs.Content) { *c = programs.Content{} },
			"contactHours:required,description:required,endsAt:required,format:required,instructors:required,objectives:required,startsAt:required,timeZone:required,title:required"},
		{"InPersonNeedsLocation", func(c *programs.Content) { c.Location = " " }, "location:required"},
		{"OnlineNeedsURL", func(c *programs.Content) { c.Format, c.Location = programs.LiveOnline, "" }, "url:required"},
		{"OnlineWithURL", func(c *programs.Content) {
			c.Format, c.Location, c.URL = programs.LiveOnline, "", "https://meet.example/x"
		}, ""},
		{"BadURL", func(c *programs.Content) { c.Format, c.URL = programs.Recorded, "ftp://x" }, "url:invalid_url"},
		{"EndsBeforeStart", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T08:00:00-06:00") }, "endsAt:before_start"},
		{"LongerThan31Days", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-02-13T09:00:00-06:00") }, "endsAt:too_long"},
		// 6 contact hours do not fit in 5 hours; a recorded program is
		// available over its dates, so there they may.
		{"HoursExceedDuration", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T14:00:00-06:00") }, "contactHours:exceeds_duration"},
		{"RecordedHoursMayExceed", func(c *programs.Content) {
			c.Format, c.URL = programs.Recorded, "https://learn.example/x"
			shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T10:00:00-06:00")
		}, ""},
		{"HoursExactlyDuration", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T15:00:00-06:00") }, ""},
		{"HoursOutOfPolicy", func(c *programs.Content) { c.ContactHours = 25 }, "contactHours:out_of_range"},
		// Chicago is on CST (-06:00) in January: -05:00 is another zone's time.
		{"OffsetNotTheZones", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-05:00", "2027-01-12T17:00:00-05:00") },
			"endsAt:time_zone_mismatch,startsAt:time_zone_mismatch"},
		{"SummerOffset", func(c *programs.Content) { shift(c, "2027-07-12T09:00:00-05:00", "2027-07-12T17:00:00-05:00") }, ""},
		{"UnknownZone", func(c *programs.Content) { c.TimeZone = "Mars/Olympus" }, "timeZone:invalid_time_zone"},
		{"AbbreviationNotAZone", func(c *programs.Content) { c.TimeZone = "EST" }, "timeZone:invalid_time_zone"},
		{"StartedBeforeSubmission", func(c *programs.Content) { shift(c, "2026-11-01T08:00:00-06:00", "2026-11-01T16:00:00-06:00") }, "startsAt:program_started"},
		{"StartsAtSubmission", func(c *programs.Content) { shift(c, "2026-11-01T09:00:00-06:00", "2026-11-01T17:00:00-06:00") }, "startsAt:program_started"},
		{"StartsAMinuteAfter", func(c *programs.Content) { shift(c, "2026-11-01T09:01:00-06:00", "2026-11-01T17:01:00-06:00") }, ""},
		{"EmptyObjective", func(c *programs.Content) { c.Objectives = []string{"ok", " "} }, "objectives[1]:required"},
		{"ControlInTitle", func(c *programs.Content) { c.Title = "Fair\u202eHousing" }, "title:control_characters"},
		{"NewlineAllowedInDescription", func(c *programs.Content) { c.Description = "Line one.\nLine two." }, ""},
		{"TitleTooLong", func(c *programs.Content) { c.Title = strings.Repeat("é", 201) }, "title:too_long"},
		{"BadFormat", func(c *programs.Content) { c.Format = "hybrid" }, "format:invalid_format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complete(t)
			tc.edit(&c)
			got := fields(programs.CheckSubmission(c, pol, submitted))
			if got != tc.want {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckFields_DraftMayBeIncomplete(t *testing.T) {
	pol := testkit.Policy(t).Programs
	if d := programs.CheckFields(programs.Content{Title: "Only a title"}, pol); len(d) != 0 {
		t.Fatalf("an incomplete draft was refused: %v", fields(d))
	}
	start := time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(-time.Hour)
	if got := fields(programs.CheckFields(programs.Content{StartsAt: &start, EndsAt: &end}, pol)); got != "endsAt:before_start" {
		t.Fatalf("draft with end before start: %q", got)
	}
}
