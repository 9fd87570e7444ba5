package programs_test

import (
	"fmt"
	"slices"
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
	// offering adds an offering from start to end in Chicago.
	offering := func(c *programs.Content, start, end string) {
		s, e := at(t, start), at(t, end)
		c.MoreOfferings = append(c.MoreOfferings, programs.Offering{StartsAt: &s, EndsAt: &e, TimeZone: "America/Chicago", Location: "Palmer House, Chicago"})
	}
	for _, tc := range []struct {
		name    string
		edit    func(c *programs.Content)
		want    string
		refused []int // offerings refused by themselves
	}{
		{"Complete", func(*programs.Content) {}, "", nil},
		{"NothingGiven", func(c *programs.Content) { *c = programs.Content{} },
			"contactHours:required,description:required,endsAt:required,format:required,instructors:required,objectives:required,startsAt:required,timeZone:required,title:required", nil},
		{"InPersonNeedsLocation", func(c *programs.Content) { c.Location = " " }, "location:required", nil},
		{"OnlineNeedsURL", func(c *programs.Content) { c.Format, c.Location = programs.LiveOnline, "" }, "url:required", nil},
		{"OnlineWithURL", func(c *programs.Content) {
			c.Format, c.Location, c.URL = programs.LiveOnline, "", "https://meet.example/x"
		}, "", nil},
		{"BadURL", func(c *programs.Content) { c.Format, c.URL = programs.Recorded, "ftp://x" }, "url:invalid_url", nil},
		{"EndsBeforeStart", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T08:00:00-06:00") }, "endsAt:before_start", nil},
		{"LongerThan31Days", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-02-13T09:00:00-06:00") }, "endsAt:too_long", nil},
		// 6 contact hours do not fit in 5 hours; a recorded program is
		// available over its dates, so there they may.
		{"HoursExceedDuration", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T14:00:00-06:00") }, "contactHours:exceeds_duration", nil},
		{"RecordedHoursMayExceed", func(c *programs.Content) {
			c.Format, c.URL = programs.Recorded, "https://learn.example/x"
			shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T10:00:00-06:00")
		}, "", nil},
		{"HoursExactlyDuration", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T15:00:00-06:00") }, "", nil},
		{"HoursOutOfPolicy", func(c *programs.Content) { c.ContactHours = 25 }, "contactHours:out_of_range", nil},
		// Chicago is on CST (-06:00) in January: -05:00 is another zone's time.
		{"OffsetNotTheZones", func(c *programs.Content) { shift(c, "2027-01-12T09:00:00-05:00", "2027-01-12T17:00:00-05:00") },
			"endsAt:time_zone_mismatch,startsAt:time_zone_mismatch", nil},
		{"SummerOffset", func(c *programs.Content) { shift(c, "2027-07-12T09:00:00-05:00", "2027-07-12T17:00:00-05:00") }, "", nil},
		{"UnknownZone", func(c *programs.Content) { c.TimeZone = "Mars/Olympus" }, "timeZone:invalid_time_zone", nil},
		{"AbbreviationNotAZone", func(c *programs.Content) { c.TimeZone = "EST" }, "timeZone:invalid_time_zone", nil},
		{"StartedBeforeSubmission", func(c *programs.Content) { shift(c, "2026-11-01T08:00:00-06:00", "2026-11-01T16:00:00-06:00") }, "startsAt:program_started", nil},
		{"StartsAtSubmission", func(c *programs.Content) { shift(c, "2026-11-01T09:00:00-06:00", "2026-11-01T17:00:00-06:00") }, "startsAt:program_started", nil},
		{"StartsAMinuteAfter", func(c *programs.Content) { shift(c, "2026-11-01T09:01:00-06:00", "2026-11-01T17:01:00-06:00") }, "", nil},
		{"EmptyObjective", func(c *programs.Content) { c.Objectives = []string{"ok", " "} }, "objectives[1]:required", nil},
		{"ControlInTitle", func(c *programs.Content) { c.Title = "Fair\u202eHousing" }, "title:control_characters", nil},
		{"NewlineAllowedInDescription", func(c *programs.Content) { c.Description = "Line one.\nLine two." }, "", nil},
		{"TitleTooLong", func(c *programs.Content) { c.Title = strings.Repeat("é", 201) }, "title:too_long", nil},
		{"BadFormat", func(c *programs.Content) { c.Format = "hybrid" }, "format:invalid_format", nil},
		// Several offerings: each is checked as the first one is, and its
		// problems name it (moreOfferings[0] is offering 2).
		{"TwoOfferings", func(c *programs.Content) { offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00") }, "", nil},
		{"SecondOfferingIncomplete", func(c *programs.Content) {
			c.MoreOfferings = []programs.Offering{{}}
		}, "moreOfferings[0].endsAt:required,moreOfferings[0].location:required,moreOfferings[0].startsAt:required,moreOfferings[0].timeZone:required", nil},
		{"SecondOfferingTooShort", func(c *programs.Content) { offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T12:00:00-06:00") },
			"moreOfferings[0].endsAt:exceeds_duration", nil},
		{"SecondOfferingWrongOffset", func(c *programs.Content) { offering(c, "2027-02-12T09:00:00-05:00", "2027-02-12T17:00:00-05:00") },
			"moreOfferings[0].endsAt:time_zone_mismatch,moreOfferings[0].startsAt:time_zone_mismatch", nil},
		{"SecondOfferingBadURL", func(c *programs.Content) {
			offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
			c.MoreOfferings[0].URL = "mailto:x"
		}, "moreOfferings[0].url:invalid_url", nil},
		// An offering that had started is refused by itself; the
		// application goes on with the others.
		{"FirstOfferingStarted", func(c *programs.Content) {
			shift(c, "2026-10-30T09:00:00-05:00", "2026-10-30T17:00:00-05:00")
			offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
		}, "", []int{1}},
		{"ThirdOfferingStarted", func(c *programs.Content) {
			offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
			offering(c, "2026-11-01T09:00:00-06:00", "2026-11-01T17:00:00-06:00")
		}, "", []int{3}},
		// Nothing would be left to approve: the application is refused.
		{"EveryOfferingStarted", func(c *programs.Content) {
			shift(c, "2026-10-30T09:00:00-05:00", "2026-10-30T17:00:00-05:00")
			offering(c, "2026-10-31T09:00:00-05:00", "2026-10-31T17:00:00-05:00")
		}, "moreOfferings[0].startsAt:program_started,startsAt:program_started", nil},
		// Problems elsewhere: nothing is refused by itself yet.
		{"StartedOfferingAndAProblem", func(c *programs.Content) {
			offering(c, "2026-10-31T09:00:00-05:00", "2026-10-31T17:00:00-05:00")
			c.Title = ""
		}, "title:required", nil},
		{"TooManyOfferings", func(c *programs.Content) {
			for range programs.MaxOfferings {
				offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
			}
		}, "moreOfferings:too_many", nil},
		// Offering 1 too short beside another: said on its end, as for the others.
		{"FirstOfSeveralTooShort", func(c *programs.Content) {
			shift(c, "2027-01-12T09:00:00-06:00", "2027-01-12T12:00:00-06:00")
			offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
		}, "endsAt:exceeds_duration", nil},
		// Hours out of the policy's bounds: no offering is said too short.
		{"HoursOutOfPolicyWithOfferings", func(c *programs.Content) {
			c.ContactHours = 25
			offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T10:00:00-06:00")
		}, "contactHours:out_of_range", nil},
		// In the order of the form: offering 3 before offering 12.
		{"ProblemsInFormOrder", func(c *programs.Content) {
			for range 11 {
				offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
			}
			c.MoreOfferings[1].URL, c.MoreOfferings[10].URL = "ftp://x", "ftp://y"
		}, "moreOfferings[1].url:invalid_url,moreOfferings[10].url:invalid_url", nil},
		{"MaxOfferings", func(c *programs.Content) {
			for range programs.MaxOfferings - 1 {
				offering(c, "2027-02-12T09:00:00-06:00", "2027-02-12T17:00:00-06:00")
			}
		}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complete(t)
			tc.edit(&c)
			d, refused := programs.CheckSubmission(c, pol, submitted)
			if got := fields(d); got != tc.want {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
			var got []int
			for _, r := range refused {
				got = append(got, r.Offering)
				if !strings.Contains(r.Reason, fmt.Sprintf("offering %d had started", r.Offering)) {
					t.Errorf("reason %q", r.Reason)
				}
			}
			if !slices.Equal(got, tc.refused) {
				t.Fatalf("refused offerings %v, want %v", got, tc.refused)
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
