package programs

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/policy"
)

// Limits on an application's content.
const (
	maxTitle       = 200
	maxDescription = 5000
	maxPlace       = 500
	maxItem        = 500 // one objective or instructor
	maxItems       = 30
	maxDuration    = 31 * 24 * time.Hour
)

type problems []fault.Detail

func (p *problems) add(field, code, msg string) {
	*p = append(*p, fault.Detail{Field: field, Code: code, Message: msg})
}

func (p *problems) has(field string) bool {
	return slices.ContainsFunc(*p, func(d fault.Detail) bool { return d.Field == field })
}

// text holds s to the one rule for free text (freetext.Check).
func (p *problems) text(field, s string, max int, multiline bool) {
	if code, msg := freetext.Check(s, max, multiline); code != "" {
		p.add(field, code, msg)
	}
}

// CheckFields checks what a draft may hold: every given field well formed.
// Missing fields are fine in a draft; CheckSubmission wants them.
func CheckFields(c Content, pol policy.Programs) []fault.Detail {
	var p problems
	p.text("title", c.Title, maxTitle, false)
	p.text("description", c.Description, maxDescription, true)
	if c.Format != "" && !slices.Contains(Formats, c.Format) {
		p.add("format", "invalid_format", "must be in_person, live_online or recorded")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || !strings.Contains(c.TimeZone, "/") && c.TimeZone != "UTC" {
			p.add("timeZone", "invalid_time_zone", "must be one of the list, such as America/Chicago")
		}
	}
	p.text("location", c.Location, maxPlace, true)
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(c.URL) > 2000 {
			p.add("url", "invalid_url", "must start with https:// (or http://) and name a site, like https://example.org/course")
		}
	}
	if c.ContactHours != 0 && (c.ContactHours < pol.MinContactHours || c.ContactHours > pol.MaxContactHours) {
		p.add("contactHours", "out_of_range", fmt.Sprintf("must be from %s to %s", pol.MinContactHours, pol.MaxContactHours))
	}
	if c.ContactHours < 0 {
		p.add("contactHours", "out_of_range", "must not be negative")
	}
	for name, items := range map[string][]string{"objectives": c.Objectives, "instructors": c.Instructors} {
		if len(items) > maxItems {
			p.add(name, "too_many", fmt.Sprintf("at most %d", maxItems))
			continue
		}
		for i, it := range items {
			f := fmt.Sprintf("%s[%d]", name, i)
			if strings.TrimSpace(it) == "" {
				p.add(f, "required", "must not be empty")
			}
			p.text(f, it, maxItem, false)
		}
	}
	for _, f := range []struct {
		name string
		at   *time.Time
	}{{"startsAt", c.StartsAt}, {"endsAt", c.EndsAt}} {
		if f.at != nil && calendar.CheckInstant(*f.at) != nil {
			p.add(f.name, "out_of_range", "must be in the years 1900 to 2199, with a UTC offset from -12:00 to +14:00")
		}
	}
	if c.StartsAt != nil && c.EndsAt != nil && !c.EndsAt.After(*c.StartsAt) && !p.has("endsAt") {
		p.add("endsAt", "before_start", "must be after the start")
	}
	sortDetails(p)
	return p
}

// CheckSubmission checks a submitted application: complete, consistent,
// and not started at the moment it was submitted.
func CheckSubmission(c Content, pol policy.Programs, submitted time.Time) []fault.Detail {
	p := problems(CheckFields(c, pol))
	required := func(field string, missing bool) {
		if missing && !p.has(field) {
			p.add(field, "required", "is required to submit")
		}
	}
	required("title", strings.TrimSpace(c.Title) == "")
	required("description", strings.TrimSpace(c.Description) == "")
	required("format", c.Format == "")
	required("startsAt", c.StartsAt == nil)
	required("endsAt", c.EndsAt == nil)
	required("timeZone", c.TimeZone == "")
	required("contactHours", c.ContactHours == 0)
	required("objectives", len(c.Objectives) == 0)
	required("instructors", len(c.Instructors) == 0)
	switch c.Format {
	case InPerson:
		required("location", strings.TrimSpace(c.Location) == "")
	case LiveOnline, Recorded:
		required("url", c.URL == "")
	}
	if c.StartsAt != nil && c.EndsAt != nil && c.EndsAt.After(*c.StartsAt) {
		span := c.EndsAt.Sub(*c.StartsAt)
		if span > maxDuration {
			p.add("endsAt", "too_long", "must be at most 31 days after the start")
		}
		// 1 CEC is 1 hour of education, breaks excluded: a live program
		// cannot hold more contact hours than it lasts.
		if c.Format != Recorded && c.ContactHours > 0 && int64(c.ContactHours)*int64(time.Hour)/100 > int64(span) && !p.has("contactHours") {
			p.add("contactHours", "exceeds_duration", fmt.Sprintf("must fit between the start and the end: %s hours do not", c.ContactHours))
		}
	}
	if c.StartsAt != nil && c.TimeZone != "" && !p.has("timeZone") {
		loc, _ := time.LoadLocation(c.TimeZone)
		for _, t := range []struct {
			field string
			at    *time.Time
		}{{"startsAt", c.StartsAt}, {"endsAt", c.EndsAt}} {
			if t.at == nil {
				continue
			}
			_, given := t.at.Zone()
			_, want := t.at.In(loc).Zone()
			if given != want {
				p.add(t.field, "time_zone_mismatch", fmt.Sprintf("must have %s's offset at that date (%s)", c.TimeZone, t.at.In(loc).Format("-07:00")))
			}
		}
	}
	if c.StartsAt != nil && !c.StartsAt.After(submitted) && !p.has("startsAt") {
		p.add("startsAt", "program_started", "The program had started when the application was submitted: past educational programs will not be considered")
	}
	sortDetails(p)
	return p
}

func sortDetails(p problems) {
	slices.SortStableFunc(p, func(a, b fault.Detail) int { return strings.Compare(a.Field, b.Field) })
}
