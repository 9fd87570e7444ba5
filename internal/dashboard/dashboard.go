// Package dashboard is the office's numbers at a glance: figures kept as
// counters by the writes they count (in the same transaction, so they
// never drift from the records), read in a handful of GetItem and Query
// calls whatever the number of holders, programs or payments
// (docs/dashboard.md).
package dashboard

import (
	"context"
	"slices"

	"github.com/cecportal/cecportal/internal/identity"
)

// Count is one bar of a chart: a label code and its number.
type Count struct {
	Key   string
	Value int64
}

// Figures are the dashboard's numbers.
type Figures struct {
	// ProgramsByStatus counts the programs in each status, in the order
	// of a program's life (StatusOrder); statuses with none are left out.
	ProgramsByStatus []Count
}

// StatusOrder is the order of a program's life, for the chart.
var StatusOrder = []string{"draft", "submitted", "refused", "fee_due", "paid", "in_review", "approved", "rejected"}

// Store reads the counters.
type Store interface {
	// ProgramsByStatus is the count of programs per status (one GetItem).
	ProgramsByStatus(ctx context.Context) (map[string]int64, error)
}

// Service is the dashboard for staff.
type Service struct{ Store Store }

// Figures reads the dashboard's numbers.
// Errors: Unauthenticated; Forbidden unless staff.
func (s *Service) Figures(ctx context.Context, c identity.Caller) (Figures, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Figures{}, err
	}
	byStatus, err := s.Store.ProgramsByStatus(ctx)
	if err != nil {
		return Figures{}, err
	}
	var f Figures
	for status, n := range byStatus {
		if n != 0 {
			f.ProgramsByStatus = append(f.ProgramsByStatus, Count{Key: status, Value: n})
		}
	}
	slices.SortFunc(f.ProgramsByStatus, func(a, b Count) int { return order(a.Key) - order(b.Key) })
	return f, nil
}

// order places a status in StatusOrder; one it does not know goes last.
func order(status string) int {
	if i := slices.Index(StatusOrder, status); i >= 0 {
		return i
	}
	return len(StatusOrder)
}
