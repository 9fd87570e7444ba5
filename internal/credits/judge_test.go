package credits_test

import (
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/policy"
)

// judge judges renewal year year of a holder of codes, with no dates on
// record (calendar periods do not read them).
func judge(p *policy.Policy, year int, codes []string, acts []credits.Activity) credits.Year {
	held := make([]policy.Held, len(codes))
	for i, c := range codes {
		held[i] = policy.Held{Code: c}
	}
	return credits.Judge(p, p.Period(year, held), acts)
}
