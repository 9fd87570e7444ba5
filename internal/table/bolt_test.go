package table_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

func TestTable_Bolt(t *testing.T) {
	runTableContract(t, func(t *testing.T) (table.Table, *testkit.Clock) {
		clock := testkit.NewClock()
		return testkit.NewBolt(t, testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db")), clock), clock
	})
}

func TestBolt_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.db")
	clock := testkit.NewClock()
	db := testkit.OpenBolt(t, path)
	tbl := testkit.NewBolt(t, db, clock)
	testkit.MustWrite(t, tbl,
		table.Put(testkit.ItemOf("ITEM#1", "META", "n", table.N(1), table.AttrGSI1PK, table.S("OWNER#x"), table.AttrGSI1SK, table.S("1")), table.Condition{}),
		table.Put(testkit.ItemOf("ITEM#2", "META", table.AttrGSI2PK, table.S("STATUS#open"), table.AttrGSI2SK, table.S("1")), table.Condition{}),
	)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	tbl = testkit.NewBolt(t, testkit.OpenBolt(t, path), clock)
	if got := testkit.MustGet(t, tbl, table.Key{PK: "ITEM#1", SK: "META"}); numAttr(t, got["n"]) != 1 {
		t.Fatalf("after reopen: %v", canon(got))
	}
	if got := partitionKeys(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI1, PK: "OWNER#x"})); !slices.Equal(got, []string{"ITEM#1"}) {
		t.Errorf("GSI1 after reopen: %q", got)
	}
	if got := partitionKeys(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI2, PK: "STATUS#open"})); !slices.Equal(got, []string{"ITEM#2"}) {
		t.Errorf("GSI2 after reopen: %q", got)
	}
}

// The file is shared with the local queues and outbox: the table keeps to
// its own buckets and leaves theirs alone.
func TestBolt_Buckets(t *testing.T) {
	db := testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db"))
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
	tbl := testkit.NewBolt(t, db, testkit.NewClock())
	if err := tbl.BatchWrite(t.Context(), []table.Item{testkit.ItemOf("P", "1")}, nil); err != nil {
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
	testkit.MustGet(t, testkit.NewBolt(t, db, testkit.NewClock()), table.Key{PK: "P", SK: "1"})
}

func TestBolt_SweepExpired(t *testing.T) {
	clock := testkit.NewClock()
	db := testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db"))
	tbl := testkit.NewBolt(t, db, clock)
	soon := clock.Now().Add(time.Hour).Unix()
	later := clock.Now().Add(48 * time.Hour).Unix()
	var puts []table.Item
	for i := range 2500 { // more than one sweep transaction's worth
		puts = append(puts, testkit.ItemOf("SESSION", fmt.Sprintf("%04d", i), table.AttrTTL, table.N(soon),
			table.AttrGSI1PK, table.S("SESSIONS"), table.AttrGSI1SK, table.S(fmt.Sprintf("%04d", i))))
	}
	puts = append(puts,
		testkit.ItemOf("SESSION", "later", table.AttrTTL, table.N(later), table.AttrGSI1PK, table.S("SESSIONS"), table.AttrGSI1SK, table.S("later")),
		testkit.ItemOf("ACCOUNT", "1"),
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
	if _, err := tbl.Get(t.Context(), table.Key{PK: "SESSION", SK: "later"}); err != nil {
		t.Fatalf("live item swept: %v", err)
	}
	if _, err := tbl.Get(t.Context(), table.Key{PK: "SESSION", SK: "0000"}); !errors.Is(err, table.ErrNotFound) {
		t.Fatalf("swept item: %v", err)
	}
}
