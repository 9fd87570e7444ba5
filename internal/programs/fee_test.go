package programs_test

import (
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/testkit"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestComputeFee works the SPEC §1 fee by hand: $50 per CEC, plus $25 per
// CEC when submitted 30 or fewer calendar days before the start date, both
// dates read in the association's time zone (America/New_York).
func TestComputeFee(t *testing.T) {
	pol := testkit.Policy(t)
	ny := pol.Association.Location()
	for _, tc := range []struct {
		name              string
		hours             string
		submitted, starts string
		days              int
		late              bool
		cents             int64
	}{
		{"31DaysBefore", "3", "2027-03-10T12:00:00-05:00", "2027-04-10T09:00:00-04:00", 31, false, 15000},
		{"30DaysBeforeIsLate", "3", "2027-03-11T12:00:00-05:00", "2027-04-10T09:00:00-04:00", 30, true, 22500},
		// 04:30 UTC on 11 March is still 10 March in New York: 31 days, on time
		// (counted in UTC it would be 30 and late).
		{"NewYorkDateNotUTCDate", "3", "2027-03-11T04:30:00Z", "2027-04-10T09:00:00-04:00", 31, false, 15000},
		{"NewYorkMidnightPassed", "3", "2027-03-11T05:30:00Z", "2027-04-10T09:00:00-04:00", 30, true, 22500},
		// A Los Angeles program starting at 22:00 on 9 April starts on 10 April
		// in New York: 31 days (the program's own zone would say 30).
		{"AssociationZoneNotProgramZone", "3", "2027-03-10T12:00:00-05:00", "2027-04-09T22:00:00-07:00", 31, false, 15000},
		// Across the DST change of 14 March: 29 days 23 h 45 min elapse, but
		// the calendar dates are 31 days apart.
		{"DSTCalendarDays", "2", "2027-03-13T23:30:00-05:00", "2027-04-13T00:15:00-04:00", 31, false, 10000},
		{"SameDayIsLate", "1", "2027-06-01T08:00:00-04:00", "2027-06-01T18:00:00-04:00", 0, true, 7500},
		{"FractionalOnTime", "1.5", "2027-01-01T12:00:00-05:00", "2027-03-01T12:00:00-05:00", 59, false, 7500},
		{"FractionalLate", "0.25", "2027-02-20T12:00:00-05:00", "2027-03-01T12:00:00-05:00", 9, true, 1875},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := cec.Parse(tc.hours)
			fee := programs.ComputeFee(pol.Programs, ny, h, at(t, tc.starts), at(t, tc.submitted))
			if fee.DaysBefore != tc.days || fee.Late != tc.late || fee.AmountCents != tc.cents || fee.Currency != "USD" || fee.CECs != h {
				t.Fatalf("got %d days, late %v, %d cents %s; want %d, %v, %d USD", fee.DaysBefore, fee.Late, fee.AmountCents, fee.Currency, tc.days, tc.late, tc.cents)
			}
		})
	}
	t.Run("RoundsHalfUpToTheCent", func(t *testing.T) {
		p := pol.Programs
		p.ApplicationFeePerCecCents, p.LateFeePerCecCents = 3333, 0
		fee := programs.ComputeFee(p, ny, 50, at(t, "2027-06-01T12:00:00Z"), at(t, "2027-01-01T12:00:00Z"))
		if fee.AmountCents != 1667 { // 0.5 × 33.33 = 16.665
			t.Fatalf("%d cents, want 1667", fee.AmountCents)
		}
	})
	t.Run("PolicyWindowIsData", func(t *testing.T) {
		p := pol.Programs
		p.LateWithinDays = 60
		fee := programs.ComputeFee(p, ny, cec.Of(1), at(t, "2027-03-01T12:00:00-05:00"), at(t, "2027-01-01T12:00:00-05:00"))
		if !fee.Late || fee.DaysBefore != 59 {
			t.Fatalf("with a 60-day window, 59 days before: %+v", fee)
		}
	})
}

func TestStatus_CanBecome(t *testing.T) {
	legal := map[[2]programs.Status]bool{
		{programs.Draft, programs.Submitted}: true, {programs.Submitted, programs.Refused}: true,
		{programs.Submitted, programs.FeeDue}: true, {programs.Refused, programs.Draft}: true,
		{programs.FeeDue, programs.Paid}: true, {programs.Paid, programs.InReview}: true,
		{programs.InReview, programs.Approved}: true, {programs.InReview, programs.Rejected}: true,
	}
	for _, from := range programs.Statuses {
		for _, to := range programs.Statuses {
			if got := from.CanBecome(to); got != legal[[2]programs.Status{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
	if programs.Status("archived").Valid() || !programs.InReview.Valid() {
		t.Error("Valid")
	}
}
