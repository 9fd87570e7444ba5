package store_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/store"
)

func TestTable_Bolt(t *testing.T) {
	runTableContract(t, func(t *testing.T) (store.Table, *fakeClock) {
		clock := newFakeClock()
		return newBolt(t, openBolt(t, filepath.Join(t.TempDir(), "local.db")), clock), clock
	})
}

func openBolt(t *testing.T, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newBolt(t *testing.T, db *bbolt.DB, clock *fakeClock) *store.Bolt {
	t.Helper()
	b, err := store.NewBolt(db, store.WithBoltNow(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBolt_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.db")
	clock := newFakeClock()
	db := openBolt(t, path)
	tbl := newBolt(t, db, clock)
	mustWrite(t, tbl,
		store.Put(itemOf("ITEM#1", "META", "n", store.N(1), store.AttrGSI1PK, store.S("OWNER#x"), store.AttrGSI1SK, store.S("1")), store.Condition{}),
		store.Put(itemOf("ITEM#2", "META", store.AttrGSI2PK, store.S("STATUS#open"), store.AttrGSI2SK, store.S("1")), store.Condition{}),
	)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	tbl = newBolt(t, openBolt(t, path), clock)
	if got := mustGet(t, tbl, store.Key{PK: "ITEM#1", SK: "META"}); numAttr(t, got["n"]) != 1 {
		t.Fatalf("after reopen: %v", canon(got))
	}
	if got := partitionKeys(queryAll(t, tbl, store.Query{Index: store.IndexGSI1, PK: "OWNER#x"})); !slices.Equal(got, []string{"ITEM#1"}) {
		t.Errorf("GSI1 after reopen: %q", got)
	}
	if got := partitionKeys(queryAll(t, tbl, store.Query{Index: store.IndexGSI2, PK: "STATUS#open"})); !slices.Equal(got, []string{"ITEM#2"}) {
		t.Errorf("GSI2 after reopen: %q", got)
	}
}

// The file is shared with the local queues and outbox: the table keeps to
// its own buckets and leaves theirs alone.
func TestBolt_Buckets(t *testing.T) {
	db := openBolt(t, filepath.Join(t.TempDir(), "local.db"))
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("queue:jobs"))
		if err != nil {
			return err
		}
		return b.Put([]byte("m1"), []byte("body"))
	})
	if err != nil {
		t.Fatal(err)
	}
	tbl := newBolt(t, db, newFakeClock())
	if err := tbl.BatchWrite(t.Context(), []store.Item{itemOf("P", "1")}, nil); err != nil {
		t.Fatal(err)
	}
	var names []string
	err = db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket([]byte("queue:jobs")).Get([]byte("m1")); string(v) != "body" {
			return fmt.Errorf("queue bucket changed: %q", v)
		}
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"queue:jobs", "table:GSI1", "table:GSI2", "table:items"}
	if !slices.Equal(names, want) {
		t.Fatalf("buckets %q, want %q", names, want)
	}
	// A second adapter on the same file finds the buckets in place.
	mustGet(t, newBolt(t, db, newFakeClock()), store.Key{PK: "P", SK: "1"})
}

func TestBolt_SweepExpired(t *testing.T) {
	clock := newFakeClock()
	db := openBolt(t, filepath.Join(t.TempDir(), "local.db"))
	tbl := newBolt(t, db, clock)
	soon := clock.Now().Add(time.Hour).Unix()
	later := clock.Now().Add(48 * time.Hour).Unix()
	var puts []store.Item
	for i := range 2500 { // more than one sweep transaction's worth
		puts = append(puts, itemOf("SESSION", fmt.Sprintf("%04d", i), store.AttrTTL, store.N(soon),
			store.AttrGSI1PK, store.S("SESSIONS"), store.AttrGSI1SK, store.S(fmt.Sprintf("%04d", i))))
	}
	puts = append(puts,
		itemOf("SESSION", "later", store.AttrTTL, store.N(later), store.AttrGSI1PK, store.S("SESSIONS"), store.AttrGSI1SK, store.S("later")),
		itemOf("ACCOUNT", "1"),
	)
	if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := tbl.SweepExpired(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep before expiry: %d, %v", n, err)
	}

	clock.Advance(2 * time.Hour)
	n, err := tbl.SweepExpired(t.Context())
	if err != nil || n != 2500 {
		t.Fatalf("sweep: %d, %v; want 2500 deleted", n, err)
	}
	counts := map[string]int{}
	err = db.View(func(tx *bbolt.Tx) error {
		for _, name := range []string{"table:items", "table:GSI1", "table:GSI2"} {
			counts[name] = tx.Bucket([]byte(name)).Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"table:items": 2, "table:GSI1": 1, "table:GSI2": 0}; !maps.Equal(counts, want) {
		t.Fatalf("entries left %v, want %v", counts, want)
	}
	if _, err := tbl.Get(t.Context(), store.Key{PK: "SESSION", SK: "later"}); err != nil {
		t.Fatalf("live item swept: %v", err)
	}
	if _, err := tbl.Get(t.Context(), store.Key{PK: "SESSION", SK: "0000"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("swept item: %v", err)
	}
}
