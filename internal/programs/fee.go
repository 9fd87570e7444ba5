package programs

import (
	"time"

	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
)

// ComputeFee prices an application of hours CECs submitted at submitted for
// a program starting at starts. The late fee applies when the submission
// falls LateWithinDays or fewer calendar days before the start date, both
// dates taken in the association's time zone (loc), whatever the offsets of
// the instants. Amounts are rounded half up to the cent.
func ComputeFee(p policy.Programs, loc *time.Location, hours cec.Hours, starts, submitted time.Time) Fee {
	days := calendar.Days(submitted.In(loc), starts.In(loc))
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
