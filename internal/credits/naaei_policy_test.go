package credits_test

// Hand-worked renewal years under policy/examples/naaei-2021.yaml, the
// NAAEI rules as updated for 2021: 8 CECs for CAM and CAPS with at least 5
// in-network, 5 for CALP, CAS and AIME with at least 3, association
// participation at most 2 CECs together, and a window of the 12 months
// before the renewal's due date. Each case's numbers are worked by hand in
// its comment; the engine must agree.

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

const naaeiFile = "../../policy/examples/naaei-2021.yaml"

func naaei(t *testing.T, edits ...string) *policy.Policy {
	t.Helper()
	b, err := os.ReadFile(naaeiFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(doc, edits[i]) {
			t.Fatalf("edit %q not applied", edits[i])
		}
		doc = strings.Replace(doc, edits[i], edits[i+1], 1)
	}
	p, err := policy.Load([]byte(doc))
	if err != nil {
		t.Fatalf("policy/examples/naaei-2021.yaml does not load: %v", err)
	}
	return p
}

// nAct is an activity of kind, hours, on day (2027 unless said), with
// the documentation its kind takes.
func nAct(id, kind string, hours string, day string, org string) credits.Activity {
	doc := "certificate_of_completion"
	switch kind {
	case "association_board", "association_instruction":
		doc = "appointment_letter"
	case "legislative_event":
		doc = "promotional_piece"
	}
	return credits.Activity{ID: id, Source: credits.SelfReported, Kind: kind, Title: "Title " + id, Organisation: org,
		Date: mustDay(day), Hours: h(hours), DocumentationType: doc, DocumentationRef: "ref-" + id}
}

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestNAAEI2021_HandWorked(t *testing.T) {
	type want struct {
		required, counted, association, otherCounted, outstanding string
		met                                                       bool
		shortfalls                                                map[string]string // rule → missing
		verdicts                                                  map[string]string // activity → status/reason counts
	}
	cases := []struct {
		name  string
		creds []string
		acts  []credits.Activity
		want  want
	}{
		{
			// CAM: 8, at least 5 in-network. 5 in-network + 3 other = 8: met.
			name: "CAM met with 5 in-network and 3 other", creds: []string{"CAM"},
			acts: []credits.Activity{nAct("a1", "association_course", "5", "2027-03-01", "Metro AA"), nAct("a2", "college_course", "3", "2027-05-01", "State U")},
			want: want{required: "8", counted: "8", association: "5", otherCounted: "3", outstanding: "0", met: true},
		},
		{
			// CAM: 4 in-network + 4 other: other counts at most 8 − 5 = 3,
			// so 7 count; 1 short overall and 1 short of the 5 in-network.
			name: "CAM short of the in-network minimum", creds: []string{"CAM"},
			acts: []credits.Activity{nAct("a1", "association_course", "4", "2027-03-01", "Metro AA"), nAct("a2", "college_course", "4", "2027-05-01", "State U")},
			want: want{required: "8", counted: "7", association: "4", otherCounted: "3", outstanding: "1",
				shortfalls: map[string]string{"total": "1", "association_minimum": "1"}},
		},
		{
			// CALP: 5, at least 3 in-network. 3 + 2 = 5: met.
			name: "CALP met with 3 in-network", creds: []string{"CALP"},
			acts: []credits.Activity{nAct("a1", "national_conference", "3", "2027-06-10", "NAA"), nAct("a2", "real_estate_board_course", "2", "2027-08-01", "State board")},
			want: want{required: "5", counted: "5", association: "3", otherCounted: "2", outstanding: "0", met: true},
		},
		{
			// CAM and CALP: the largest requirement, 8, and CAM's minimum, 5
			// (not CALP's 3): 3 in-network + 5 other counts 3 + 3 = 6.
			name: "CAM and CALP owe CAM's 8 with CAM's minimum", creds: []string{"CALP", "CAM"},
			acts: []credits.Activity{nAct("a1", "association_course", "3", "2027-03-01", "Metro AA"), nAct("a2", "college_course", "5", "2027-05-01", "State U")},
			want: want{required: "8", counted: "6", association: "3", otherCounted: "3", outstanding: "2",
				shortfalls: map[string]string{"total": "2", "association_minimum": "2"}},
		},
		{
			// Participation counts at most 2 together: board A 1 (its cap per
			// board), board B 1, then the legislative event (March 20) is
			// trimmed to 0. Dated in order: the boards in February, the event
			// in March. In-network: 4 course + 2 = 6; other 2: 8, met.
			name: "association participation capped at 2 together", creds: []string{"CAM"},
			acts: []credits.Activity{
				nAct("b1", "association_board", "1", "2027-02-01", "Board A"),
				nAct("b2", "association_board", "1", "2027-02-02", "Board B"),
				nAct("e1", "legislative_event", "1", "2027-03-20", "Capitol Day"),
				nAct("c1", "association_course", "4", "2027-04-01", "Metro AA"),
				nAct("o1", "college_course", "2", "2027-05-01", "State U"),
			},
			want: want{required: "8", counted: "8", association: "6", otherCounted: "2", outstanding: "0", met: true,
				verdicts: map[string]string{"b1": "counted 1", "b2": "counted 1", "e1": "capped group_cap 0", "c1": "counted 4"}},
		},
		{
			// The window is the 12 months before the due date, 1 January
			// 2028: 31 December 2026 and 1 January 2028 are outside it,
			// 1 January and 31 December 2027 inside.
			name: "the 12 months before the due date", creds: []string{"CAS"},
			acts: []credits.Activity{
				nAct("x1", "association_course", "2", "2026-12-31", "Metro AA"),
				nAct("i1", "association_course", "2", "2027-01-01", "Metro AA"),
				nAct("i2", "association_course", "3", "2027-12-31", "Metro AA"),
				nAct("x2", "association_course", "2", "2028-01-01", "Metro AA"),
			},
			want: want{required: "5", counted: "5", association: "5", otherCounted: "0", outstanding: "0", met: true,
				verdicts: map[string]string{"x1": "refused outside_window 0", "i1": "counted 2", "i2": "counted 3", "x2": "refused outside_window 0"}},
		},
	}
	p := naaei(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := judge(p, 2028, c.creds, c.acts)
			got := want{required: y.Required.String(), counted: y.Counted.String(), association: y.Association.String(),
				otherCounted: y.OtherCounted.String(), outstanding: y.Outstanding.String(), met: y.Met}
			w := c.want
			if got.required != w.required || got.counted != w.counted || got.association != w.association || got.otherCounted != w.otherCounted ||
				got.outstanding != w.outstanding || got.met != w.met {
				t.Errorf("year %+v, want %+v", got, w)
			}
			shortfalls := map[string]string{}
			for _, s := range y.Shortfalls {
				shortfalls[s.Rule] = s.Missing.String()
			}
			if len(shortfalls) != len(w.shortfalls) {
				t.Errorf("shortfalls %v, want %v", shortfalls, w.shortfalls)
			}
			for rule, missing := range w.shortfalls {
				if shortfalls[rule] != missing {
					t.Errorf("shortfall %s missing %s, want %s", rule, shortfalls[rule], missing)
				}
			}
			for i, v := range y.Verdicts {
				want, ok := w.verdicts[c.acts[i].ID]
				if !ok {
					continue
				}
				got := string(v.Status) + " " + v.Counts.String()
				if v.Reason != "" {
					got = string(v.Status) + " " + v.Reason + " " + v.Counts.String()
				}
				if got != want {
					t.Errorf("%s: %q, want %q (%s)", c.acts[i].ID, got, want, v.Message)
				}
			}
		})
	}
}

// TestNAAEI2021_Words: the verdicts of the new rule shapes explain
// themselves in words a holder reads.
func TestNAAEI2021_Words(t *testing.T) {
	p := naaei(t, `dueOn: "01-01"`, `dueOn: "04-01"`, `graceUntil: "03-31"`, `graceUntil: "06-30"`)
	y := judge(p, 2028, []string{"CAM"}, []credits.Activity{
		nAct("early", "association_course", "2", "2027-03-31", "Metro AA"),
		nAct("late", "association_course", "2", "2028-03-31", "Metro AA"),
		nAct("b1", "association_board", "1", "2027-05-01", "Board A"),
		nAct("b2", "association_board", "1", "2027-05-02", "Board B"),
		nAct("b3", "association_board", "1", "2027-05-03", "Board C"),
	})
	// Due 1 April 2028: the window is 1 April 2027 to 31 March 2028, not
	// the calendar year.
	if y.From != mustDay("2027-04-01") || y.To != mustDay("2028-03-31") {
		t.Fatalf("window %s to %s", y.From, y.To)
	}
	for i, want := range []string{
		"the 2028 renewal accepts CECs earned from April 1, 2027 to March 31, 2028 only",
		"",
		"",
		"",
		"Association participation (legislative events, instructing without pay, boards and committees) count at most 2 CECs together",
	} {
		if got := y.Verdicts[i].Message; got != want {
			t.Errorf("%s: %q, want %q", y.Verdicts[i].ActivityID, got, want)
		}
	}
	if got := p.Period(2028, nil).WindowWords(); got != "from April 1, 2027 to March 31, 2028" {
		t.Errorf("WindowWords %q", got)
	}
}
