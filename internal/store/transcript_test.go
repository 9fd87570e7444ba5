package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// credit is a program credited to a holder, as attendance crediting writes it.
func credit(holder, program string, on roster.Date, hours cec.Hours, compliance bool) attendance.Credit {
	return attendance.Credit{ProgramID: program, HolderID: holder, UploadID: "UPL-1", Line: 2, Completed: on,
		Title: "Fair Housing, \"Advanced\" — " + program, ProviderID: "PRV-1", ProviderName: "Acme Training, Inc.",
		Hours: hours, Compliance: compliance, Credited: t0}
}

// creditedActivity is what Records makes of c.
func creditedActivity(c attendance.Credit) credits.Activity {
	return credits.Activity{ID: c.ProgramID, Source: credits.Credited, Title: c.Title,
		Organisation: c.ProviderName, Date: time.Date(c.Completed.Year, c.Completed.Month, c.Completed.Day, 0, 0, 0, 0, time.UTC),
		Hours: c.Hours, Compliance: c.Compliance, Format: c.Format}
}

func TestTranscript_Records(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		accts, att, repo := store.NewAccounts(tbl), store.NewAttendance(tbl), store.NewTranscript(tbl)

		// H-1: a profile, credentials set by staff (an audit event), two
		// credits written out of date order, and an item of a kind the
		// transcript does not know yet.
		if err := accts.CreateHolder(ctx, holderFixture("H-1", "sub-1", "ana@example.com")); err != nil {
			t.Fatal(err)
		}
		if _, err := accts.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
			h.Credentials = []accounts.Credential{{Code: "CAM", EarnedOn: "2020-05-01"}, {Code: "NALP", EarnedOn: "2021-01-02"}}
			return accounts.Event{At: t0, By: "staff", Action: "credentials.set", Detail: "CAM, NALP"}, nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		march := credit("H-1", "PRG-MARCH", roster.Date{Year: 2027, Month: time.March, Day: 10}, cec.Of(6), true)
		march.Format = "live_online" // a policy may cap formats; december's credit has none, as credits written before formats were kept
		december := credit("H-1", "PRG-DEC", roster.Date{Year: 2026, Month: time.December, Day: 31}, cec.Hours(125), false)
		if refused, err := att.Credit(ctx, []attendance.Credit{march, december}); err != nil || len(refused) != 0 {
			t.Fatalf("Credit: refused %v, %v", refused, err)
		}
		testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf("HOLDER#H-1", "ACTIVITY#2027-01-01#A-1", "type", table.S("activity")), table.IfNotExists()))

		// H-2 has a profile and nothing else; H-GHOST credits but no profile.
		if err := accts.CreateHolder(ctx, holderFixture("H-2", "sub-2", "bo@example.com")); err != nil {
			t.Fatal(err)
		}
		ghost := credit("H-GHOST", "PRG-MARCH", roster.Date{Year: 2027, Month: time.March, Day: 10}, cec.Of(6), true)
		if _, err := att.Credit(ctx, []attendance.Credit{ghost}); err != nil {
			t.Fatal(err)
		}

		// H-3's partition is longer than a page (Records asks for 1000 items
		// a page): a thousand items of a kind the transcript skips sort
		// before its credits and its profile.
		if err := accts.CreateHolder(ctx, holderFixture("H-3", "sub-3", "cy@example.com")); err != nil {
			t.Fatal(err)
		}
		filler := make([]table.Item, 1000)
		for i := range filler {
			filler[i] = testkit.ItemOf("HOLDER#H-3", fmt.Sprintf("ACTIVITY#%05d", i), "type", table.S("activity"))
		}
		if err := tbl.BatchWrite(ctx, filler, nil); err != nil {
			t.Fatal(err)
		}
		many := make([]attendance.Credit, 60)
		for i := range many {
			many[i] = credit("H-3", fmt.Sprintf("PRG-%05d", i), roster.Date{Year: 2027, Month: time.January, Day: 1 + i%28}, cec.Hours(50+i%7), i%2 == 0)
		}
		if _, err := att.Credit(ctx, many); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name  string
			id    string
			want  []credits.Activity // nil: not checked one by one
			count int
			errIs error
		}{
			{"ProfileAndCreditsByDate", "H-1", []credits.Activity{creditedActivity(december), creditedActivity(march)}, 2, nil},
			{"NoCredits", "H-2", []credits.Activity{}, 0, nil},
			{"EveryPage", "H-3", nil, len(many), nil},
			{"ErrNotFound", "H-NONE", nil, 0, accounts.ErrNotFound},
			{"ErrNotFoundWithoutProfile", "H-GHOST", nil, 0, accounts.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h, acts, err := repo.Records(ctx, tt.id)
				if tt.errIs != nil {
					if !errors.Is(err, tt.errIs) {
						t.Fatalf("Records(%s): err = %v, want %v", tt.id, err, tt.errIs)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				wantHolder, err := accts.Holder(ctx, tt.id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(h, wantHolder) {
					t.Fatalf("holder:\n got %+v\nwant %+v", h, wantHolder)
				}
				if len(acts) != tt.count || acts == nil {
					t.Fatalf("%d activities (nil: %v), want %d", len(acts), acts == nil, tt.count)
				}
				if tt.want != nil && !reflect.DeepEqual(acts, tt.want) {
					t.Fatalf("activities:\n got %+v\nwant %+v", acts, tt.want)
				}
			})
		}

		t.Run("EveryPageOnce", func(t *testing.T) {
			_, acts, err := repo.Records(ctx, "H-3")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			var total cec.Hours
			for _, a := range acts {
				if seen[a.ID] {
					t.Fatalf("%s read twice", a.ID)
				}
				seen[a.ID] = true
				total += a.Hours
			}
			var want cec.Hours
			for _, c := range many {
				want += c.Hours
			}
			if total != want {
				t.Fatalf("hours %s, want %s", total, want)
			}
		})
	})
}
