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

// OfferingFee is one offering's line of an application fee.
type OfferingFee struct {
	Offering    int // its number, from 1
	StartsAt    time.Time
	Late        bool
	DaysBefore  int
	PerCECCents int64
	AmountCents int64
}

// PriceOfferings prices an application of hours CECs for each offering
// listed (the ones not refused, in order, each dated) submitted at
// submitted: each offering is priced by ComputeFee on its own start
// (lateness is judged per offering, SPEC §1) and rounded on its own, and
// the fee is their sum. The fee's CECs are hours times the offerings; Late
// is whether any is late; PerCECCents and DaysBefore are the first
// offering's (the only one's, for most applications).
func PriceOfferings(p policy.Programs, loc *time.Location, hours cec.Hours, offerings []NumberedOffering, submitted time.Time) Fee {
	var total Fee
	for i, o := range offerings {
		f := ComputeFee(p, loc, hours, *o.StartsAt, submitted)
		if i == 0 {
			total = f
			total.AmountCents, total.CECs, total.Late = 0, 0, false
		}
		total.AmountCents += f.AmountCents
		total.CECs += f.CECs
		total.Late = total.Late || f.Late
		total.Offerings = append(total.Offerings, OfferingFee{Offering: o.N, StartsAt: *o.StartsAt, Late: f.Late,
			DaysBefore: f.DaysBefore, PerCECCents: f.PerCECCents, AmountCents: f.AmountCents})
	}
	return total
}
