package programs

import (
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
)

// ComputeFee prices an application of hours CECs submitted at submitted for
// a program starting at starts. The late fee applies when the submission
// falls LateWithinDays or fewer calendar days before the start date, both
// dates taken in the association's time zone (loc), whatever the offsets of
// the instants. Amounts are rounded half up to the cent.
func ComputeFee(p policy.Programs, loc *time.Location, hours cec.Hours, starts, submitted time.Time) Fee {
	days := CalendarDays(submitted.In(loc), starts.In(loc))
	late := days <= p.LateWithinDays
	per := p.ApplicationFeePerCecCents
	if late {
		per += p.LateFeePerCecCents
	}
	return Fee{
		AmountCents: (int64(hours)*per + 50) / 100, // hours are hundredths
		Currency:    p.Currency,
		Late:        late,
		CECs:        hours,
		PerCECCents: per,
		DaysBefore:  days,
		Status:      FeeOpen,
	}
}

// CalendarDays is the number of calendar days from a's date to b's date,
// each read in its own location: whole days whatever DST does in between.
func CalendarDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}
