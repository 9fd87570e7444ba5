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

// Compliance is a renewal year's invoices by CEC verdict ("met", "short",
// "short <rule>"): one GetItem.
func (s *Stats) Compliance(ctx context.Context, year int) (map[string]int64, error) {
	return s.counts(ctx, complianceStatsKey(year))
}

// Credited is a year's credits and CECs (hundredths) credited by month
// ("2026-03 credits", "2026-03 cecs"): one GetItem.
func (s *Stats) Credited(ctx context.Context, year int) (map[string]int64, error) {
	return s.counts(ctx, creditedStatsKey(year))
}

// ProgramsByProvider is each provider's count of programs per status:
// the counters' partition, read whole (one Query a MB: at ten times the
// stated 500 providers, about 0.5 MB, one page).
func (s *Stats) ProgramsByProvider(ctx context.Context) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	q := table.Query{PK: pkStats + "providers"}
	for {
		page, err := s.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read the providers' counters: %w", err)
		}
		for _, item := range page.Items {
			counts, err := numbers(item)
			if err != nil {
				return nil, err
			}
			out[table.KeyOf(item).SK] = counts
		}
		if page.Cursor == "" {
			return out, nil
		}
		q.Cursor = page.Cursor
	}
}

// ProviderNames are the names of providers ids: one BatchGet.
func (s *Stats) ProviderNames(ctx context.Context, ids []string) (map[string]string, error) {
	keys := make([]table.Key, len(ids))
	for i, id := range ids {
		keys[i] = providerKey(id)
	}
	items, err := s.t.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read providers' names: %w", err)
	}
	out := make(map[string]string, len(items))
	for _, item := range items {
		var p providerItem
		if err := table.Unmarshal(item, &p); err != nil {
			return nil, err
		}
		out[p.ID] = p.Name
	}
	return out, nil
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
	return numbers(item)
}

// numbers are a counter item's numbers by name.
func numbers(item table.Item) (map[string]int64, error) {
	out := make(map[string]int64, len(item))
	for name, v := range item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok || name == table.AttrPK || name == table.AttrSK {
			continue
		}
		x, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("counter %s of %s: %w", name, table.KeyOf(item), err)
		}
		out[name] = x
	}
	return out, nil
}
