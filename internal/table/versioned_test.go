package table_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// losingTable is a table on which every write loses: the versioned put's
// condition fails (another writer changed the version), or the transaction
// collides with another in flight.
type losingTable struct {
	table.Table
	conflict bool
	writes   atomic.Int32
}

// Get finds the record another writer left: never this attempt's mark.
func (l *losingTable) Get(context.Context, table.Key) (table.Item, error) {
	return table.Item{"version": table.N(2)}, nil
}

func (l *losingTable) Write(_ context.Context, ops ...table.Op) error {
	l.writes.Add(1)
	if l.conflict {
		return table.ErrConflict
	}
	return &table.ConditionFailedError{Index: 0, Key: table.KeyOf(ops[0].Item)}
}

func TestUpdateVersioned_Contention(t *testing.T) {
	item := table.Item{table.AttrPK: table.S("HOLDER#H-1"), table.AttrSK: table.S("PROFILE"), "version": table.N(1)}
	next := func() (table.Versioned, error) { return table.Versioned{Item: item, Version: 1}, nil }
	for _, tc := range []struct {
		name     string
		conflict bool
		budget   time.Duration // the context's deadline; 0: none
		minTries int32
		maxTries int32
	}{
		{"LostVersionEveryTime", false, 0, 8, 8},
		{"TransactionConflictEveryTime", true, 0, 8, 8},
		{"NoBudgetForARetry", false, 100 * time.Millisecond, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl := &losingTable{conflict: tc.conflict}
			ctx := t.Context()
			if tc.budget > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.budget)
				defer cancel()
			}
			start := time.Now()
			err := table.UpdateVersioned(ctx, tbl, next)
			if !errors.Is(err, table.ErrContended) || !fault.Is(err, fault.Conflict) || !fault.Retryable(err) {
				t.Fatalf("err = %v, want ErrContended (a retryable 409)", err)
			}
			if n := tbl.writes.Load(); n < tc.minTries || n > tc.maxTries {
				t.Errorf("%d writes, want %d to %d", n, tc.minTries, tc.maxTries)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v: the retries must stay within a request's budget", d)
			}
		})
	}
	t.Run("OtherConditionIsTheCallers", func(t *testing.T) {
		tbl := testkit.NewBolt(t, testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db")), testkit.NewClock())
		other := table.Key{PK: "EMAIL#a@example.com", SK: "HOLDER"}
		if err := tbl.Write(t.Context(), table.Put(table.Item{table.AttrPK: table.S(other.PK), table.AttrSK: table.S(other.SK)}, table.Condition{})); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(t.Context(), table.Put(item, table.Condition{})); err != nil {
			t.Fatal(err)
		}
		tries := 0
		err := table.UpdateVersioned(t.Context(), tbl, func() (table.Versioned, error) {
			tries++
			return table.Versioned{Item: item, Version: 1,
				With: []table.Op{table.Put(table.Item{table.AttrPK: table.S(other.PK), table.AttrSK: table.S(other.SK)}, table.IfNotExists())}}, nil
		})
		if !table.FailedOn(err, other) || tries != 1 {
			t.Fatalf("err = %v after %d tries; want the condition on %s, named, after one try", err, tries, other)
		}
	})
	t.Run("NewCreates", func(t *testing.T) {
		// Read as absent (New): created, and only while still absent.
		tbl := testkit.NewBolt(t, testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db")), testkit.NewClock())
		fresh := table.Item{table.AttrPK: table.S("HOLDER#H-2"), table.AttrSK: table.S("EMAILPREFS"), "version": table.N(1)}
		create := func() (table.Versioned, error) { return table.Versioned{Item: fresh, New: true}, nil }
		if err := table.UpdateVersioned(t.Context(), tbl, create); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Get(t.Context(), table.KeyOf(fresh)); err != nil {
			t.Fatalf("not created: %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond) // no budget for retries
		defer cancel()
		if err := table.UpdateVersioned(ctx, tbl, create); !errors.Is(err, table.ErrContended) {
			t.Fatalf("a second create over it: %v, want a lost race", err)
		}
	})
	t.Run("CallersErrorEndsIt", func(t *testing.T) {
		stop := errors.New("no change")
		tbl := &losingTable{}
		if err := table.UpdateVersioned(t.Context(), tbl, func() (table.Versioned, error) { return table.Versioned{}, stop }); err != stop {
			t.Fatalf("err = %v, want the caller's error as is", err)
		}
		if n := tbl.writes.Load(); n != 0 {
			t.Errorf("%d writes, want none", n)
		}
	})
}
