package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/table"
)

// Stats reads the office's counters (docs/dashboard.md), which the
// stores of what they count keep in the same writes (table.Add).
type Stats struct{ t table.Table }

// NewStats is the counters in t.
func NewStats(t table.Table) *Stats { return &Stats{t: t} }

var _ dashboard.Store = (*Stats)(nil)

// ProgramsByStatus is the count of programs per status: one GetItem.
func (s *Stats) ProgramsByStatus(ctx context.Context) (map[string]int64, error) {
	return s.counts(ctx, programStatsKey())
}

// Revenue is the revenue counters of a year (the association's): one
// GetItem; names as ledger.RevenueName makes them.
func (s *Stats) Revenue(ctx context.Context, year int) (map[string]int64, error) {
	return s.counts(ctx, revenueStatsKey(year))
}

// Season is a renewal year's counts of invoices issued and paid by week
// ("2026-W45 invoiced", "2026-W46 paid"): one GetItem.
func (s *Stats) Season(ctx context.Context, year int) (map[string]int64, error) {
	return s.counts(ctx, seasonStatsKey(year))
}

// Credited is a year's credits and CECs (hundredths) credited by month
// ("2026-03 credits", "2026-03 cecs"): one GetItem.
func (s *Stats) Credited(ctx context.Context, year int) (map[string]int64, error) {
	return s.counts(ctx, creditedStatsKey(year))
}

// counts reads a counter item's numbers; none when it was never written.
func (s *Stats) counts(ctx context.Context, k table.Key) (map[string]int64, error) {
	item, err := s.t.Get(ctx, k)
	if errors.Is(err, table.ErrNotFound) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read counters %s: %w", k, err)
	}
	out := make(map[string]int64, len(item))
	for name, v := range item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok || name == table.AttrPK || name == table.AttrSK {
			continue
		}
		x, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("counter %s of %s: %w", name, k, err)
		}
		out[name] = x
	}
	return out, nil
}
