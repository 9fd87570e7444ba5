package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/store"
)

// losingTable is a table on which every write loses: the versioned put's
// condition fails (another writer changed the version), or the transaction
// collides with another in flight.
type losingTable struct {
	store.Table
	conflict bool
	writes   atomic.Int32
}

func (l *losingTable) Write(_ context.Context, ops ...store.Op) error {
	l.writes.Add(1)
	if l.conflict {
		return store.ErrConflict
	}
	return &store.ConditionFailedError{Index: 0, Key: store.KeyOf(ops[0].Item)}
}

func TestUpdateVersioned_Contention(t *testing.T) {
	item := store.Item{store.AttrPK: store.S("HOLDER#H-1"), store.AttrSK: store.S("PROFILE"), "version": store.N(1)}
	next := func() (store.Versioned, error) { return store.Versioned{Item: item, Version: 1}, nil }
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
			err := store.UpdateVersioned(ctx, tbl, next)
			if !errors.Is(err, store.ErrContended) || !fault.Is(err, fault.Conflict) || !fault.Retryable(err) {
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
		tbl := newBolt(t, openBolt(t, filepath.Join(t.TempDir(), "local.db")), newFakeClock())
		other := store.Key{PK: "EMAIL#a@example.com", SK: "HOLDER"}
		if err := tbl.Write(t.Context(), store.Put(store.Item{store.AttrPK: store.S(other.PK), store.AttrSK: store.S(other.SK)}, store.Condition{})); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(t.Context(), store.Put(item, store.Condition{})); err != nil {
			t.Fatal(err)
		}
		tries := 0
		err := store.UpdateVersioned(t.Context(), tbl, func() (store.Versioned, error) {
			tries++
			return store.Versioned{Item: item, Version: 1,
				With: []store.Op{store.Put(store.Item{store.AttrPK: store.S(other.PK), store.AttrSK: store.S(other.SK)}, store.IfNotExists())}}, nil
		})
		if !store.FailedOn(err, other) || tries != 1 {
			t.Fatalf("err = %v after %d tries; want the condition on %s, named, after one try", err, tries, other)
		}
	})
	t.Run("CallersErrorEndsIt", func(t *testing.T) {
		stop := errors.New("no change")
		tbl := &losingTable{}
		if err := store.UpdateVersioned(t.Context(), tbl, func() (store.Versioned, error) { return store.Versioned{}, stop }); err != stop {
			t.Fatalf("err = %v, want the caller's error as is", err)
		}
		if n := tbl.writes.Load(); n != 0 {
			t.Errorf("%d writes, want none", n)
		}
	})
}
