package roster_test

import (
	"testing"

	"github.com/cecportal/cecportal/internal/roster"
)

func TestKept(t *testing.T) {
	type row struct {
		line int
		ok   bool
	}
	line := func(r row) int { return r.line }
	for _, tc := range []struct {
		name    string
		rows    []row
		max     int
		want    []int
		omitted int
	}{
		{"AllFit", []row{{2, true}, {3, false}, {4, true}}, 5, []int{2, 3, 4}, 0},
		{"RejectedFirst", []row{{2, true}, {3, true}, {4, false}, {5, true}, {6, false}}, 3, []int{2, 4, 6}, 2},
		{"OnlyRejectedWhenTheyFill", []row{{2, true}, {3, false}, {4, false}, {5, false}}, 2, []int{3, 4}, 2},
		{"None", nil, 3, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := roster.NewKept[row](tc.max)
			for _, r := range tc.rows {
				k.Add(r, r.ok)
			}
			rows, omitted := k.Rows(line)
			var got []int
			for _, r := range rows {
				got = append(got, r.line)
			}
			if len(got) != len(tc.want) || omitted != tc.omitted {
				t.Fatalf("kept %v, omitted %d; want %v, %d", got, omitted, tc.want, tc.omitted)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("kept %v, want %v", got, tc.want)
				}
			}
		})
	}
}
