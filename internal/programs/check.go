package programs

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
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

// offeringField names a field of offering n (from 1) as the API does:
// the first offering's fields are at the top ("startsAt"), the others'
// under moreOfferings ("moreOfferings[0].startsAt" is offering 2's).
func offeringField(n int, name string) string {
	if n <= 1 {
		return name
	}
	return fmt.Sprintf("moreOfferings[%d].%s", n-2, name)
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
	if len(c.MoreOfferings) > MaxOfferings-1 {
		p.add("moreOfferings", "too_many", fmt.Sprintf("at most %d offerings in one application", MaxOfferings))
	} else {
		for i, o := range c.Offerings() {
			p.offeringFields(i+1, o)
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
	sortDetails(p)
	return p
}

// offeringFields checks the given fields of offering n.
func (p *problems) offeringFields(n int, o Offering) {
	f := func(name string) string { return offeringField(n, name) }
	if o.TimeZone != "" {
		if _, err := time.LoadLocation(o.TimeZone); err != nil || !strings.Contains(o.TimeZone, "/") && o.TimeZone != "UTC" {
			p.add(f("timeZone"), "invalid_time_zone", "must be one of the list, such as America/Chicago")
		}
	}
	p.text(f("location"), o.Location, maxPlace, true)
	if o.URL != "" {
		if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(o.URL) > 2000 {
			p.add(f("url"), "invalid_url", "must start with https:// (or http://) and name a site, like https://example.org/course")
		}
	}
	for _, t := range []struct {
		name string
		at   *time.Time
	}{{"startsAt", o.StartsAt}, {"endsAt", o.EndsAt}} {
		if t.at != nil && calendar.CheckInstant(*t.at) != nil {
			p.add(f(t.name), "out_of_range", "must be in the years 1900 to 2199, with a UTC offset from -12:00 to +14:00")
		}
	}
	if o.StartsAt != nil && o.EndsAt != nil && !o.EndsAt.After(*o.StartsAt) && !p.has(f("endsAt")) {
		p.add(f("endsAt"), "before_start", "must be after the start")
	}
}

// CodeStarted is the problem of an offering that had started when the
// application was submitted.
const CodeStarted = "program_started"

// CheckSubmission checks a submitted application: complete, consistent,
// and not started at the moment it was submitted. An offering that had
// started is refused by itself when others had not (refused lists it,
// SPEC §1); it is a problem of the application only when every offering
// had started, since nothing would be left to approve.
func CheckSubmission(c Content, pol policy.Programs, submitted time.Time) (d []fault.Detail, refused []RefusedOffering) {
	p := problems(CheckFields(c, pol))
	required := func(field string, missing bool) {
		if missing && !p.has(field) {
			p.add(field, "required", "is required to submit")
		}
	}
	required("title", strings.TrimSpace(c.Title) == "")
	required("description", strings.TrimSpace(c.Description) == "")
	required("format", c.Format == "")
	required("contactHours", c.ContactHours == 0)
	required("objectives", len(c.Objectives) == 0)
	required("instructors", len(c.Instructors) == 0)
	offerings := c.Offerings()
	if p.has("moreOfferings") {
		offerings = offerings[:1]
	}
	var started []int
	for i, o := range offerings {
		n := i + 1
		f := func(name string) string { return offeringField(n, name) }
		required(f("startsAt"), o.StartsAt == nil)
		required(f("endsAt"), o.EndsAt == nil)
		required(f("timeZone"), o.TimeZone == "")
		switch c.Format {
		case InPerson:
			required(f("location"), strings.TrimSpace(o.Location) == "")
		case LiveOnline, Recorded:
			required(f("url"), o.URL == "")
		}
		if o.StartsAt != nil && o.EndsAt != nil && o.EndsAt.After(*o.StartsAt) {
			span := o.EndsAt.Sub(*o.StartsAt)
			if span > maxDuration {
				p.add(f("endsAt"), "too_long", "must be at most 31 days after the start")
			}
			// 1 CEC is 1 hour of education, breaks excluded: a live program
			// cannot hold more contact hours than it lasts.
			// With several offerings the problem is the offering's end (the
			// hours fit the others); with one, the hours or the end alike.
			if c.Format != Recorded && c.ContactHours > 0 && int64(c.ContactHours)*int64(time.Hour)/100 > int64(span) && !p.has("contactHours") {
				if len(offerings) == 1 {
					p.add("contactHours", "exceeds_duration", fmt.Sprintf("must fit between the start and the end: %s hours do not", c.ContactHours))
				} else if !p.has(f("endsAt")) {
					p.add(f("endsAt"), "exceeds_duration", fmt.Sprintf("must leave room for the %s contact hours after the start", c.ContactHours))
				}
			}
		}
		if o.StartsAt != nil && o.TimeZone != "" && !p.has(f("timeZone")) {
			loc, _ := time.LoadLocation(o.TimeZone)
			for _, t := range []struct {
				field string
				at    *time.Time
			}{{f("startsAt"), o.StartsAt}, {f("endsAt"), o.EndsAt}} {
				if t.at == nil {
					continue
				}
				_, given := t.at.Zone()
				_, want := t.at.In(loc).Zone()
				if given != want {
					p.add(t.field, "time_zone_mismatch", fmt.Sprintf("must have %s's offset at that date (%s)", o.TimeZone, t.at.In(loc).Format("-07:00")))
				}
			}
		}
		if o.StartsAt != nil && !o.StartsAt.After(submitted) && !p.has(f("startsAt")) {
			started = append(started, n)
		}
	}
	if len(started) == len(offerings) {
		for _, n := range started {
			msg := "The program had started when the application was submitted: past educational programs will not be considered"
			if len(offerings) > 1 {
				msg = fmt.Sprintf("Offering %d had started when the application was submitted: past educational programs will not be considered", n)
			}
			p.add(offeringField(n, "startsAt"), CodeStarted, msg)
		}
	} else {
		for _, n := range started {
			refused = append(refused, RefusedOffering{Offering: n,
				Reason: fmt.Sprintf("offering %d had started when the application was submitted: past educational programs will not be considered", n)})
		}
	}
	sortDetails(p)
	if len(p) > 0 {
		return p, nil
	}
	return p, refused
}

// sortDetails orders problems by field, numbers by value ("items[2]"
// before "items[10]"), so that they read in the order of the form.
func sortDetails(p problems) {
	slices.SortStableFunc(p, func(a, b fault.Detail) int { return strings.Compare(fieldKey(a.Field), fieldKey(b.Field)) })
}

// fieldKey pads every index of a field to six digits. (Not a regexp: the
// package would add its weight to every function that checks programs.)
func fieldKey(field string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(field, '[')
		j := strings.IndexByte(field, ']')
		if i < 0 || j < i {
			return b.String() + field
		}
		n, _ := strconv.Atoi(field[i+1 : j])
		fmt.Fprintf(&b, "%s[%06d]", field[:i], n)
		field = field[j+1:]
	}
}
