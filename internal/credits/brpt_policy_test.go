package credits_test

// Hand-worked cycles under policy/examples/brpt-recertification.yaml: 50
// CECs in a 5-year cycle from the date the credential was earned; online
// courses (live online or recorded programs, and online courses taken on
// one's own) at most 30 together, journal and self-study at most 15,
// in-service education at most 10, over the cycle; the same online course
// taken twice counts once. Each case's numbers are worked by hand in its
// comment; the engine must agree.

import (
	"testing"

	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

// bAct is a self-reported activity of kind with the documentation its kind takes.
func bAct(id, kind, hours, day, title string) credits.Activity {
	doc := "certificate_of_completion"
	if kind == "inservice" {
		doc = "inservice_sign_in_sheet"
	}
	return credits.Activity{ID: id, Source: credits.SelfReported, Kind: kind, Title: title, Organisation: "Sleep Academy",
		Date: mustDay(day), Hours: h(hours), DocumentationType: doc, DocumentationRef: "ref-" + id}
}

// bProgram is a program credited through attendance, of format.
func bProgram(id, format, hours, day string) credits.Activity {
	return credits.Activity{ID: id, Source: credits.Credited, Kind: "approved_course", Title: "Program " + id,
		Organisation: "AAST", Date: mustDay(day), Hours: h(hours), Format: format}
}

func TestBRPT_HandWorkedCycles(t *testing.T) {
	p := brptPolicy(t)
	// The holder earned the RPSGT on 15 March 2023: the cycle runs to
	// 14 March 2028, due 15 March 2028.
	held := []policy.Held{{Code: "RPSGT", EarnedOn: mustDay("2023-03-15")}}
	type want struct {
		required, counted, outstanding string
		met                            bool
		verdicts                       map[string]string
	}
	for _, c := range []struct {
		name string
		acts []credits.Activity
		want want
	}{
		{
			// 20 in person + 30 live online = 50: met.
			name: "met with in-person and online programs",
			acts: []credits.Activity{
				bProgram("p1", "in_person", "20", "2024-05-01"),
				bProgram("p2", "live_online", "30", "2025-02-01"),
			},
			want: want{required: "50", counted: "50", outstanding: "0", met: true,
				verdicts: map[string]string{"p1": "counted 20", "p2": "counted 30"}},
		},
		{
			// Online: 12 live online + 10 recorded + 14 on one's own = 36,
			// capped at 30 in date order: p1 12, p2 10 (22), o1 8 of 14.
			// With 10 in person: 40 of 50.
			name: "online courses at most 30 together, credited and self-reported",
			acts: []credits.Activity{
				bProgram("p1", "live_online", "12", "2023-06-01"),
				bProgram("p2", "recorded", "10", "2024-06-01"),
				bAct("o1", "online_course", "14", "2025-06-01", "Scoring update"),
				bProgram("p3", "in_person", "10", "2026-06-01"),
			},
			want: want{required: "50", counted: "40", outstanding: "10", met: false,
				verdicts: map[string]string{"p1": "counted 12", "p2": "counted 10", "o1": "capped group_cap 8", "p3": "counted 10"}},
		},
		{
			// Journal 9 + 9 = 18, capped at 15; in-service 6 + 6 = 12,
			// capped at 10; college 25. 15 + 10 + 25 = 50: met.
			name: "journal and in-service caps over the cycle",
			acts: []credits.Activity{
				bAct("j1", "journal_self_study", "9", "2023-04-01", "Journal quiz 1"),
				bAct("j2", "journal_self_study", "9", "2027-04-01", "Journal quiz 2"),
				bAct("i1", "inservice", "6", "2024-04-01", "In-service 1"),
				bAct("i2", "inservice", "6", "2026-04-01", "In-service 2"),
				bAct("c1", "college_course", "25", "2025-09-01", "Physiology"),
			},
			want: want{required: "50", counted: "50", outstanding: "0", met: true,
				verdicts: map[string]string{"j1": "counted 9", "j2": "capped year_cap 6", "i1": "counted 6", "i2": "capped year_cap 4", "c1": "counted 25"}},
		},
		{
			// The same online course twice (case and spacing aside): the
			// longer copy (5) counts, the other (4) is refused. 5 + 40 = 45.
			name: "the same online course twice counts once",
			acts: []credits.Activity{
				bAct("o1", "online_course", "4", "2024-01-10", "Pediatric Sleep Scoring"),
				bAct("o2", "online_course", "5", "2026-01-10", "  pediatric sleep   SCORING "),
				bAct("c1", "college_course", "40", "2025-09-01", "Physiology"),
			},
			want: want{required: "50", counted: "45", outstanding: "5", met: false,
				verdicts: map[string]string{"o1": "refused counted_once 0", "o2": "counted 5", "c1": "counted 40"}},
		},
		{
			// The cycle is the holder's: 14 March 2023 is before it, 15 March
			// 2023 and 14 March 2028 in it, 15 March 2028 in the next.
			name: "the holder's own cycle",
			acts: []credits.Activity{
				bAct("x1", "college_course", "10", "2023-03-14", "Before"),
				bAct("i1", "college_course", "20", "2023-03-15", "First day"),
				bAct("i2", "college_course", "30", "2028-03-14", "Last day"),
				bAct("x2", "college_course", "10", "2028-03-15", "Next cycle"),
			},
			want: want{required: "50", counted: "50", outstanding: "0", met: true,
				verdicts: map[string]string{"x1": "refused outside_window 0", "i1": "counted 20", "i2": "counted 30", "x2": "refused outside_window 0"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			y := credits.Judge(p, p.Period(2028, held), c.acts)
			if got := (want{required: y.Required.String(), counted: y.Counted.String(), outstanding: y.Outstanding.String(), met: y.Met}); got.required != c.want.required ||
				got.counted != c.want.counted || got.outstanding != c.want.outstanding || got.met != c.want.met {
				t.Errorf("cycle %+v, want %+v", got, c.want)
			}
			for i, v := range y.Verdicts {
				got := string(v.Status) + " " + v.Counts.String()
				if v.Reason != "" {
					got = string(v.Status) + " " + v.Reason + " " + v.Counts.String()
				}
				if want := c.want.verdicts[c.acts[i].ID]; got != want {
					t.Errorf("%s: %q, want %q (%s)", c.acts[i].ID, got, want, v.Message)
				}
			}
		})
	}
}

// TestBRPT_Words: each verdict and shortfall explains itself in the
// cycle's words.
func TestBRPT_Words(t *testing.T) {
	p := brptPolicy(t)
	y := credits.Judge(p, p.Period(2028, []policy.Held{{Code: "RPSGT", EarnedOn: mustDay("2023-03-15")}}), []credits.Activity{
		bAct("x1", "college_course", "1", "2023-03-14", "Before"),
		bProgram("p1", "recorded", "31", "2024-01-01"),
		bAct("j1", "journal_self_study", "16", "2024-02-01", "Journal"),
		bAct("o1", "online_course", "1", "2024-03-01", "Scoring"),
		bAct("o2", "online_course", "1", "2024-04-01", "scoring"),
	})
	for i, want := range []string{
		"the 2028 renewal accepts CECs earned from March 15, 2023 to March 14, 2028 only",
		"Online courses (live online or recorded) count at most 30 CECs together in a 5-year cycle",
		"Journal article quiz or other self-study counts at most 15 CECs in a 5-year cycle",
		"Online courses (live online or recorded) count at most 30 CECs together in a 5-year cycle",
		"Online course approved for CECs, taken on your own counts once in a renewal's window: the same one (scoring, Sleep Academy), taken on March 1, 2024, is the one that counts",
	} {
		if got := y.Verdicts[i].Message; got != want {
			t.Errorf("%s: %q, want %q", y.Verdicts[i].ActivityID, got, want)
		}
	}
	if len(y.Shortfalls) != 1 || y.Shortfalls[0].Message != "45 CECs counted of the 50 required" {
		t.Errorf("shortfalls %+v", y.Shortfalls)
	}
}

func brptPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.LoadFile("../../policy/examples/brpt-recertification.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
