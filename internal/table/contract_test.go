package table_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/meter"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// newTableFunc returns an empty table whose clock is the fakeClock.
type newTableFunc func(t *testing.T) (table.Table, *testkit.Clock)

// runTableContract is the behaviour every Table adapter must share; each
// adapter's test runs it against a fresh table per case.
func runTableContract(t *testing.T, newTable newTableFunc) {
	t.Run("Get", func(t *testing.T) {
		t.Parallel()
		t.Run("ErrNotFound", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			_, err := tbl.Get(t.Context(), table.Key{PK: "P", SK: "missing"})
			if !errors.Is(err, table.ErrNotFound) {
				t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
			}
		})
		t.Run("EveryAttributeType", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			want := table.Item{
				table.AttrPK: table.S("TYPES"), table.AttrSK: table.S("all"),
				"s":      table.S("héllo, 世界"),
				"sEmpty": table.S(""),
				"n":      table.N(-42),
				"nDec":   &types.AttributeValueMemberN{Value: "12.5"},
				"nBig":   &types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"},
				"b":      &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xfe, 0xff}},
				"yes":    &types.AttributeValueMemberBOOL{Value: true},
				"no":     &types.AttributeValueMemberBOOL{Value: false},
				"null":   &types.AttributeValueMemberNULL{Value: true},
				"ss":     &types.AttributeValueMemberSS{Value: []string{"b", "a", "c"}},
				"ns":     &types.AttributeValueMemberNS{Value: []string{"3", "1", "2"}},
				"bs":     &types.AttributeValueMemberBS{Value: [][]byte{{2}, {1, 0}}},
				"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					table.S("x"), table.N(7), &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": table.S("v")}},
				}},
				"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": table.N(1)}},
					"list":   &types.AttributeValueMemberL{Value: []types.AttributeValue{table.S("y")}},
					"ss":     &types.AttributeValueMemberSS{Value: []string{"z"}},
				}},
				"lEmpty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
				"mEmpty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
			}
			testkit.MustWrite(t, tbl, table.Put(want, table.IfNotExists()))
			got, err := tbl.Get(t.Context(), table.KeyOf(want))
			if err != nil {
				t.Fatal(err)
			}
			if !equalItem(got, want) {
				t.Fatalf("round trip:\n got %v\nwant %v", canon(got), canon(want))
			}
		})
	})

	t.Run("Write", func(t *testing.T) {
		t.Parallel()
		t.Run("ErrConditionFailedIfNotExists", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			it := testkit.ItemOf("ACCOUNT#1", "META", "name", table.S("first"))
			testkit.MustWrite(t, tbl, table.Put(it, table.IfNotExists()))
			err := tbl.Write(t.Context(), table.Put(testkit.ItemOf("ACCOUNT#1", "META", "name", table.S("second")), table.IfNotExists()))
			wantConditionFailed(t, err, 0, table.KeyOf(it))
			if got := testkit.MustGet(t, tbl, table.KeyOf(it)); testkit.StrAttr(got["name"]) != "first" {
				t.Fatalf("name = %q after a failed create, want first", testkit.StrAttr(got["name"]))
			}
		})
		t.Run("IfEqualVersion", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := table.Key{PK: "ACCOUNT#1", SK: "META"}
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(1), "name", table.S("a")), table.IfNotExists()))
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(2), "name", table.S("b")), table.IfEqual("version", table.N(1))))

			err := tbl.Write(t.Context(), table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(2), "name", table.S("stale")), table.IfEqual("version", table.N(1))))
			wantConditionFailed(t, err, 0, k)
			// A string "2" is not the number 2.
			err = tbl.Write(t.Context(), table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(3)), table.IfEqual("version", table.S("2"))))
			wantConditionFailed(t, err, 0, k)
			// An equality condition on a missing item fails: Equal implies MustExist.
			other := table.Key{PK: "ACCOUNT#2", SK: "META"}
			err = tbl.Write(t.Context(), table.Put(testkit.ItemOf(other.PK, other.SK, "version", table.N(1)), table.IfEqual("version", table.N(0))))
			wantConditionFailed(t, err, 0, other)
			// Numbers compare as numbers; several attributes must all match.
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(3), "name", table.S("c")), table.Condition{
				Equal: map[string]types.AttributeValue{"version": &types.AttributeValueMemberN{Value: "2.0"}, "name": table.S("b")},
			}))
			if got := testkit.MustGet(t, tbl, k); testkit.StrAttr(got["name"]) != "c" || numAttr(t, got["version"]) != 3 {
				t.Fatalf("item = %v, want name c at version 3", canon(got))
			}
		})
		t.Run("ErrConditionFailedAppliesNothing", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			existing := testkit.ItemOf("B", "1", "v", table.N(1))
			doomed := testkit.ItemOf("C", "1")
			testkit.MustWrite(t, tbl, table.Put(existing, table.Condition{}), table.Put(doomed, table.Condition{}))

			fresh := testkit.ItemOf("A", "1")
			err := tbl.Write(t.Context(),
				table.Put(fresh, table.IfNotExists()),
				table.Put(testkit.ItemOf("B", "1", "v", table.N(2)), table.IfNotExists()),
				table.Delete(table.KeyOf(doomed), table.IfExists()),
			)
			wantConditionFailed(t, err, 1, table.KeyOf(existing))
			if _, err := tbl.Get(t.Context(), table.KeyOf(fresh)); !errors.Is(err, table.ErrNotFound) {
				t.Errorf("op 0 was applied: Get = %v", err)
			}
			if got := testkit.MustGet(t, tbl, table.KeyOf(existing)); numAttr(t, got["v"]) != 1 {
				t.Errorf("op 1 was applied: v = %v", got["v"])
			}
			testkit.MustGet(t, tbl, table.KeyOf(doomed))
		})
		t.Run("Check", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			parent := testkit.ItemOf("PROGRAM#1", "META", "status", table.S("open"))
			testkit.MustWrite(t, tbl, table.Put(parent, table.Condition{}))
			pk := table.KeyOf(parent)

			child := testkit.ItemOf("PROGRAM#1", "SESSION#1")
			testkit.MustWrite(t, tbl, table.Check(pk, table.IfExists()), table.Put(child, table.IfNotExists()))
			testkit.MustGet(t, tbl, table.KeyOf(child))

			orphan := testkit.ItemOf("PROGRAM#2", "SESSION#1")
			missing := table.Key{PK: "PROGRAM#2", SK: "META"}
			err := tbl.Write(t.Context(), table.Check(missing, table.IfExists()), table.Put(orphan, table.Condition{}))
			wantConditionFailed(t, err, 0, missing)
			if _, err := tbl.Get(t.Context(), table.KeyOf(orphan)); !errors.Is(err, table.ErrNotFound) {
				t.Errorf("put after a failed check was applied: %v", err)
			}

			// A check alone.
			testkit.MustWrite(t, tbl, table.Check(pk, table.IfEqual("status", table.S("open"))))
			err = tbl.Write(t.Context(), table.Check(pk, table.IfEqual("status", table.S("closed"))))
			wantConditionFailed(t, err, 0, pk)
			err = tbl.Write(t.Context(), table.Check(pk, table.IfNotExists()))
			wantConditionFailed(t, err, 0, pk)
		})
		t.Run("Delete", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := table.Key{PK: "P", SK: "gone"}
			err := tbl.Write(t.Context(), table.Delete(k, table.IfExists()))
			wantConditionFailed(t, err, 0, k)
			testkit.MustWrite(t, tbl, table.Delete(k, table.Condition{}))

			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(4)), table.Condition{}))
			err = tbl.Write(t.Context(), table.Delete(k, table.IfEqual("version", table.N(3))))
			wantConditionFailed(t, err, 0, k)
			testkit.MustWrite(t, tbl, table.Delete(k, table.IfEqual("version", table.N(4))))
			if _, err := tbl.Get(t.Context(), k); !errors.Is(err, table.ErrNotFound) {
				t.Fatalf("Get after delete: %v", err)
			}
		})
		t.Run("Add", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			ctx := t.Context()
			k := table.Key{PK: "STATS#x", SK: "2027-01"}
			read := func() table.Item {
				t.Helper()
				it, err := tbl.Get(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				return it
			}
			// Absent: created with the counts; then added to, a new attribute
			// from 0, a negative count taking away.
			testkit.MustWrite(t, tbl, table.Add(k, map[string]int64{"paid": 12500, "count": 1}))
			testkit.MustWrite(t, tbl, table.Add(k, map[string]int64{"paid": -2500, "refunds": 1}))
			it := read()
			if numAttr(t, it["paid"]) != 10000 || numAttr(t, it["count"]) != 1 || numAttr(t, it["refunds"]) != 1 || len(it) != 5 {
				t.Fatalf("after two adds: %v", canon(it))
			}
			// With a put whose condition fails: nothing of either.
			other := table.Key{PK: "P", SK: "taken"}
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(other.PK, other.SK), table.Condition{}))
			err := tbl.Write(ctx, table.Put(testkit.ItemOf(other.PK, other.SK), table.IfNotExists()), table.Add(k, map[string]int64{"count": 1}))
			wantConditionFailed(t, err, 0, other)
			if numAttr(t, read()["count"]) != 1 {
				t.Fatal("an add was applied with a failed condition beside it")
			}
			// With a put that lands: both.
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf("P", "new"), table.IfNotExists()), table.Add(k, map[string]int64{"count": 1}))
			if numAttr(t, read()["count"]) != 2 {
				t.Fatal("an add beside a put did not land")
			}
			// Onto an attribute that is not a number: refused, nothing applied.
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf("STATS#x", "text", "paid", table.S("n/a")), table.Condition{}))
			if err := tbl.Write(ctx, table.Add(table.Key{PK: "STATS#x", SK: "text"}, map[string]int64{"paid": 1})); err == nil {
				t.Fatal("an add onto a string attribute was taken")
			}
			for _, bad := range []table.Op{table.Add(k, nil), table.Add(k, map[string]int64{table.AttrPK: 1})} {
				var ve *table.ValidationError
				if err := tbl.Write(ctx, bad); !errors.As(err, &ve) {
					t.Errorf("%+v: %v, want a validation error", bad, err)
				}
			}
		})
		t.Run("ConcurrentAdds", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := table.Key{PK: "STATS#c", SK: "all"}
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for range 20 {
				wg.Go(func() { errs <- tbl.Write(t.Context(), table.Add(k, map[string]int64{"n": 1})) })
			}
			wg.Wait()
			close(errs)
			lost := 0
			for err := range errs {
				if errors.Is(err, table.ErrConflict) {
					lost++ // a conflict lands nothing: the caller retries
				} else if err != nil {
					t.Fatal(err)
				}
			}
			it, err := tbl.Get(t.Context(), k)
			if err != nil || numAttr(t, it["n"]) != int64(20-lost) {
				t.Fatalf("20 adds, %d conflicts: %v, %v", lost, it, err)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			tooMany := make([]table.Op, table.MaxTransactOps+1)
			for i := range tooMany {
				tooMany[i] = table.Put(testkit.ItemOf("P", fmt.Sprint(i)), table.Condition{})
			}
			big := testkit.ItemOf("P", "big", "blob", &types.AttributeValueMemberB{Value: make([]byte, table.MaxItemBytes)})
			for _, tc := range []struct {
				name string
				ops  []table.Op
			}{
				{"NoOps", nil},
				{"TooManyOps", tooMany},
				{"DuplicateKey", []table.Op{table.Put(testkit.ItemOf("P", "1"), table.Condition{}), table.Delete(table.Key{PK: "P", SK: "1"}, table.Condition{})}},
				{"NoSK", []table.Op{table.Put(table.Item{table.AttrPK: table.S("P")}, table.Condition{})}},
				{"NumericPK", []table.Op{table.Put(table.Item{table.AttrPK: table.N(1), table.AttrSK: table.S("x")}, table.Condition{})}},
				{"EmptyPK", []table.Op{table.Delete(table.Key{SK: "x"}, table.Condition{})}},
				{"NULInKey", []table.Op{table.Put(testkit.ItemOf("P\x00Q", "1"), table.Condition{})}},
				{"NumericGSIKey", []table.Op{table.Put(testkit.ItemOf("P", "1", table.AttrGSI1PK, table.N(1), table.AttrGSI1SK, table.S("x")), table.Condition{})}},
				{"EmptyGSIKey", []table.Op{table.Put(testkit.ItemOf("P", "1", table.AttrGSI2PK, table.S(""), table.AttrGSI2SK, table.S("x")), table.Condition{})}},
				{"EmptySet", []table.Op{table.Put(testkit.ItemOf("P", "1", "ss", &types.AttributeValueMemberSS{}), table.Condition{})}},
				{"BadNumber", []table.Op{table.Put(testkit.ItemOf("P", "1", "n", &types.AttributeValueMemberN{Value: "1,5"}), table.Condition{})}},
				{"TooBig", []table.Op{table.Put(big, table.Condition{})}},
				{"CheckWithoutCondition", []table.Op{table.Check(table.Key{PK: "P", SK: "1"}, table.Condition{})}},
				{"UnknownKind", []table.Op{{Kind: 99, Key: table.Key{PK: "P", SK: "1"}}}},
			} {
				err := tbl.Write(t.Context(), tc.ops...)
				var ve *table.ValidationError
				if !errors.As(err, &ve) {
					t.Errorf("%s: err = %v, want *ValidationError", tc.name, err)
				}
			}
			if _, err := tbl.Get(t.Context(), table.Key{PK: "P", SK: "1"}); !errors.Is(err, table.ErrNotFound) {
				t.Errorf("an invalid write was applied: %v", err)
			}
		})
		t.Run("MaxOps", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			ops := make([]table.Op, table.MaxTransactOps)
			for i := range ops {
				ops[i] = table.Put(testkit.ItemOf("BULK", fmt.Sprintf("%03d", i)), table.IfNotExists())
			}
			testkit.MustWrite(t, tbl, ops...)
			if got := testkit.QueryAll(t, tbl, table.Query{PK: "BULK"}); len(got) != table.MaxTransactOps {
				t.Fatalf("%d items after a %d-op write", len(got), table.MaxTransactOps)
			}
		})
		t.Run("ConcurrentIncrements", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := table.Key{PK: "COUNTER", SK: "1"}
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(0), "count", table.N(0)), table.IfNotExists()))
			const workers, loops = 8, 10
			var wg sync.WaitGroup
			var conflicts atomic.Int64
			for range workers {
				wg.Go(func() {
					for range loops {
						n, err := increment(t, tbl, k)
						if err != nil {
							t.Error(err)
							return
						}
						conflicts.Add(int64(n))
					}
				})
			}
			wg.Wait()
			t.Logf("%d writes lost the race and were retried", conflicts.Load())
			got := testkit.MustGet(t, tbl, k)
			if c, v := numAttr(t, got["count"]), numAttr(t, got["version"]); c != workers*loops || v != workers*loops {
				t.Fatalf("count %d at version %d, want %d: an update was lost", c, v, workers*loops)
			}
		})
	})

	t.Run("LostAnswerAppliedOnce", func(t *testing.T) {
		// A versioned write that took effect but answered a failed condition
		// (its answer lost, the SDK's retry refused) is not applied again.
		t.Parallel()
		tbl, _ := newTable(t)
		k := table.Key{PK: "COUNTER", SK: "lost"}
		testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "version", table.N(0), "count", table.N(0)), table.IfNotExists()))
		lossy := &lostAnswer{Table: tbl, key: k}
		if _, err := increment(t, lossy, k); err != nil {
			t.Fatal(err)
		}
		got := testkit.MustGet(t, tbl, k)
		if c, v := numAttr(t, got["count"]), numAttr(t, got["version"]); !lossy.done.Load() || c != 1 || v != 1 {
			t.Fatalf("count %d at version %d after one increment whose answer was lost (lost: %v)", c, v, lossy.done.Load())
		}
	})

	t.Run("Query", func(t *testing.T) {
		t.Parallel()
		// Byte order of UTF-8: upper case before lower, a prefix before its
		// extensions, multi-byte characters after ASCII.
		sks := []string{"A", "Z", "a", "a#1", "a#2", "ab", "b", "b#1", "c", "é", "日本"}
		seed := func(t *testing.T) table.Table {
			tbl, _ := newTable(t)
			var puts []table.Item
			for _, sk := range sks {
				puts = append(puts, testkit.ItemOf("Q", sk))
			}
			// Neighbouring partitions that must not leak into "Q".
			puts = append(puts, testkit.ItemOf("QQ", "a"), testkit.ItemOf("Q#", "a"), testkit.ItemOf("P", "a"))
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			return tbl
		}
		t.Run("SKOps", func(t *testing.T) {
			t.Parallel()
			tbl := seed(t)
			for _, tc := range []struct {
				name          string
				op            table.SKOp
				value, value2 string
				want          []string
			}{
				{"Any", table.SKAny, "", "", sks},
				{"Equal", table.SKEqual, "a#1", "", []string{"a#1"}},
				{"EqualNone", table.SKEqual, "a#", "", nil},
				{"BeginsWith", table.SKBeginsWith, "a", "", []string{"a", "a#1", "a#2", "ab"}},
				{"BeginsWithHash", table.SKBeginsWith, "a#", "", []string{"a#1", "a#2"}},
				{"BeginsWithMultibyte", table.SKBeginsWith, "日", "", []string{"日本"}},
				{"Between", table.SKBetween, "a#1", "b", []string{"a#1", "a#2", "ab", "b"}},
				{"BetweenSame", table.SKBetween, "b", "b", []string{"b"}},
				{"Less", table.SKLess, "ab", "", []string{"A", "Z", "a", "a#1", "a#2"}},
				{"LessOrEqual", table.SKLessOrEqual, "ab", "", []string{"A", "Z", "a", "a#1", "a#2", "ab"}},
				{"Greater", table.SKGreater, "b", "", []string{"b#1", "c", "é", "日本"}},
				{"GreaterOrEqual", table.SKGreaterOrEqual, "b", "", []string{"b", "b#1", "c", "é", "日本"}},
			} {
				for _, desc := range []bool{false, true} {
					q := table.Query{PK: "Q", Op: tc.op, Value: tc.value, Value2: tc.value2, Descending: desc}
					got := testkit.SortKeys(testkit.QueryAll(t, tbl, q))
					want := slices.Clone(tc.want)
					if desc {
						slices.Reverse(want)
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s descending=%v: got %q, want %q", tc.name, desc, got, want)
					}
				}
			}
		})
		t.Run("Pagination", func(t *testing.T) {
			t.Parallel()
			tbl := seed(t)
			for _, q := range []table.Query{
				{PK: "Q", Limit: 2},
				{PK: "Q", Limit: 2, Descending: true},
				{PK: "Q", Limit: 2, Op: table.SKBeginsWith, Value: "a"},
				{PK: "Q", Limit: 3, Op: table.SKGreater, Value: "a", Descending: true},
			} {
				var got []string
				pages := 0
				for {
					page, err := tbl.Query(t.Context(), q)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Items) > q.Limit {
						t.Fatalf("%d items in a page of %d", len(page.Items), q.Limit)
					}
					got = append(got, testkit.SortKeys(page.Items)...)
					if pages++; page.Cursor == "" || pages > 20 {
						break
					}
					q.Cursor = page.Cursor
				}
				q.Cursor, q.Limit = "", 0
				want := testkit.SortKeys(testkit.QueryAll(t, tbl, q))
				if !slices.Equal(got, want) || len(want) == 0 {
					t.Errorf("%+v: pages gave %q, want %q", q, got, want)
				}
			}
		})
		t.Run("RandomSortKeys", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			alphabet := []rune("aAz0#-_.~ é日\U0001F600")
			seen := map[string]bool{}
			var puts []table.Item
			r := rand.New(rand.NewPCG(1, 2))
			for len(puts) < 60 {
				var b strings.Builder
				for range 1 + r.IntN(4) {
					b.WriteRune(alphabet[r.IntN(len(alphabet))])
				}
				if sk := b.String(); !seen[sk] {
					seen[sk] = true
					puts = append(puts, testkit.ItemOf("R", sk))
				}
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(func(yield func(string) bool) {
				for sk := range seen {
					if !yield(sk) {
						return
					}
				}
			})
			if got := testkit.SortKeys(testkit.QueryAll(t, tbl, table.Query{PK: "R", Limit: 7})); !slices.Equal(got, want) {
				t.Fatalf("order:\n got %q\nwant %q", got, want)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl := seed(t)
			page, err := tbl.Query(t.Context(), table.Query{PK: "Q", Limit: 2})
			if err != nil || page.Cursor == "" {
				t.Fatalf("first page: %v, cursor %q", err, page.Cursor)
			}
			for _, tc := range []struct {
				name string
				q    table.Query
			}{
				{"NoPK", table.Query{}},
				{"UnknownIndex", table.Query{Index: "GSI9", PK: "Q"}},
				{"BetweenReversed", table.Query{PK: "Q", Op: table.SKBetween, Value: "b", Value2: "a"}},
				{"EmptyValue", table.Query{PK: "Q", Op: table.SKBeginsWith}},
				{"NegativeLimit", table.Query{PK: "Q", Limit: -1}},
				{"MalformedCursor", table.Query{PK: "Q", Cursor: "not a cursor!"}},
				{"CursorOfAnotherPartition", table.Query{PK: "QQ", Cursor: page.Cursor}},
				{"CursorOfAnotherIndex", table.Query{Index: table.IndexGSI1, PK: "Q", Cursor: page.Cursor}},
			} {
				_, err := tbl.Query(t.Context(), tc.q)
				var ve *table.ValidationError
				if !errors.As(err, &ve) {
					t.Errorf("%s: err = %v, want *ValidationError", tc.name, err)
				}
			}
		})
	})

	t.Run("GSI", func(t *testing.T) {
		t.Parallel()
		t.Run("QueryAndSparseness", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			testkit.MustWrite(t, tbl,
				table.Put(testkit.ItemOf("ITEM#1", "META", table.AttrGSI1PK, table.S("OWNER#x"), table.AttrGSI1SK, table.S("2"),
					table.AttrGSI2PK, table.S("STATUS#open"), table.AttrGSI2SK, table.S("a")), table.Condition{}),
				table.Put(testkit.ItemOf("ITEM#2", "META", table.AttrGSI1PK, table.S("OWNER#x"), table.AttrGSI1SK, table.S("1")), table.Condition{}),
				table.Put(testkit.ItemOf("ITEM#3", "META", table.AttrGSI1PK, table.S("OWNER#x")), table.Condition{}), // no GSI1SK: not indexed
				table.Put(testkit.ItemOf("ITEM#4", "META", table.AttrGSI2PK, table.S("STATUS#open"), table.AttrGSI2SK, table.S("b")), table.Condition{}),
				table.Put(testkit.ItemOf("OWNER#x", "META"), table.Condition{}), // base-table key equal to a GSI partition
			)
			for _, tc := range []struct {
				q    table.Query
				want []string
			}{
				{table.Query{Index: table.IndexGSI1, PK: "OWNER#x"}, []string{"ITEM#2", "ITEM#1"}},
				{table.Query{Index: table.IndexGSI1, PK: "OWNER#x", Descending: true}, []string{"ITEM#1", "ITEM#2"}},
				{table.Query{Index: table.IndexGSI1, PK: "OWNER#x", Op: table.SKEqual, Value: "2"}, []string{"ITEM#1"}},
				{table.Query{Index: table.IndexGSI1, PK: "OWNER#x", Op: table.SKGreater, Value: "1"}, []string{"ITEM#1"}},
				{table.Query{Index: table.IndexGSI2, PK: "STATUS#open"}, []string{"ITEM#1", "ITEM#4"}},
				{table.Query{Index: table.IndexGSI2, PK: "OWNER#x"}, nil},
				{table.Query{Index: table.IndexGSI1, PK: "STATUS#open"}, nil},
			} {
				if got := partitionKeys(testkit.QueryAll(t, tbl, tc.q)); !slices.Equal(got, tc.want) {
					t.Errorf("%+v: got %q, want %q", tc.q, got, tc.want)
				}
			}
			// Index queries return whole items (projection ALL).
			got := testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI2, PK: "STATUS#open", Op: table.SKEqual, Value: "a"})
			if len(got) != 1 || testkit.StrAttr(got[0][table.AttrGSI1SK]) != "2" {
				t.Errorf("GSI2 item = %v, want the whole ITEM#1", got)
			}
		})
		t.Run("EntriesFollowTheItem", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			gsi1 := func(pk string) []string {
				return partitionKeys(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI1, PK: pk}))
			}
			gsi2 := func(pk string) []string {
				return partitionKeys(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI2, PK: pk}))
			}
			testkit.MustWrite(t, tbl,
				table.Put(testkit.ItemOf("ITEM#1", "META", table.AttrGSI1PK, table.S("OWNER#x"), table.AttrGSI1SK, table.S("1"),
					table.AttrGSI2PK, table.S("STATUS#open"), table.AttrGSI2SK, table.S("1")), table.Condition{}),
				table.Put(testkit.ItemOf("ITEM#2", "META", table.AttrGSI1PK, table.S("OWNER#x"), table.AttrGSI1SK, table.S("2")), table.Condition{}),
			)
			// Replacing ITEM#1 moves its GSI1 entry and drops its GSI2 entry.
			testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf("ITEM#1", "META", table.AttrGSI1PK, table.S("OWNER#y"), table.AttrGSI1SK, table.S("1")), table.IfExists()))
			if got := gsi1("OWNER#x"); !slices.Equal(got, []string{"ITEM#2"}) {
				t.Errorf("GSI1 OWNER#x after move: %q", got)
			}
			if got := gsi1("OWNER#y"); !slices.Equal(got, []string{"ITEM#1"}) {
				t.Errorf("GSI1 OWNER#y after move: %q", got)
			}
			if got := gsi2("STATUS#open"); len(got) != 0 {
				t.Errorf("GSI2 after its keys were removed: %q", got)
			}
			// Deleting (by Write and by BatchWrite) removes entries.
			testkit.MustWrite(t, tbl, table.Delete(table.Key{PK: "ITEM#2", SK: "META"}, table.IfExists()))
			if err := tbl.BatchWrite(t.Context(), nil, []table.Key{{PK: "ITEM#1", SK: "META"}}); err != nil {
				t.Fatal(err)
			}
			if got := append(gsi1("OWNER#x"), gsi1("OWNER#y")...); len(got) != 0 {
				t.Errorf("GSI1 after deletes: %q", got)
			}
		})
		t.Run("PaginationWithTies", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var puts []table.Item
			var want []string
			for i := range 7 {
				pk := fmt.Sprintf("ITEM#%d", i)
				puts = append(puts, testkit.ItemOf(pk, "META", table.AttrGSI1PK, table.S("DAY#1"), table.AttrGSI1SK, table.S("same")))
				want = append(want, pk)
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			got := partitionKeys(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI1, PK: "DAY#1", Limit: 2}))
			slices.Sort(got) // DynamoDB leaves the order of equal index keys open
			if !slices.Equal(got, want) {
				t.Fatalf("pages of equal GSI1SK: got %q, want %q", got, want)
			}
		})
	})

	t.Run("TTL", func(t *testing.T) {
		t.Parallel()
		tbl, clock := newTable(t)
		expiry := clock.Now().Add(time.Minute).Unix()
		k := table.Key{PK: "SESSION#1", SK: "META"}
		testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, table.AttrTTL, table.N(expiry), "gen", table.N(1),
			table.AttrGSI1PK, table.S("SESSIONS"), table.AttrGSI1SK, table.S("1")), table.IfNotExists()))
		testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf("SESSION#1", "STRINGTTL", table.AttrTTL, table.S("0")), table.Condition{}))
		visible := func() (get, query, gsi, batch int) {
			if _, err := tbl.Get(t.Context(), k); err == nil {
				get = 1
			} else if !errors.Is(err, table.ErrNotFound) {
				t.Fatal(err)
			}
			query = len(testkit.QueryAll(t, tbl, table.Query{PK: k.PK, Op: table.SKEqual, Value: k.SK}))
			gsi = len(testkit.QueryAll(t, tbl, table.Query{Index: table.IndexGSI1, PK: "SESSIONS"}))
			items, err := tbl.BatchGet(t.Context(), []table.Key{k})
			if err != nil {
				t.Fatal(err)
			}
			return get, query, gsi, len(items)
		}
		if g, q, i, b := visible(); g+q+i+b != 4 {
			t.Fatalf("live item visible to get %d query %d gsi %d batch %d", g, q, i, b)
		}
		err := tbl.Write(t.Context(), table.Put(testkit.ItemOf(k.PK, k.SK), table.IfNotExists()))
		wantConditionFailed(t, err, 0, k)

		clock.Advance(time.Minute) // ttl == now: expired
		if g, q, i, b := visible(); g+q+i+b != 0 {
			t.Fatalf("expired item visible to get %d query %d gsi %d batch %d", g, q, i, b)
		}
		// A ttl that is not a number never expires, as in DynamoDB.
		testkit.MustGet(t, tbl, table.Key{PK: "SESSION#1", SK: "STRINGTTL"})
		for _, c := range []table.Condition{table.IfExists(), table.IfEqual("gen", table.N(1))} {
			err := tbl.Write(t.Context(), table.Put(testkit.ItemOf(k.PK, k.SK, "gen", table.N(2)), c))
			wantConditionFailed(t, err, 0, k)
		}
		err = tbl.Write(t.Context(), table.Check(k, table.IfExists()), table.Put(testkit.ItemOf("OTHER", "1"), table.Condition{}))
		wantConditionFailed(t, err, 0, k)

		testkit.MustWrite(t, tbl, table.Put(testkit.ItemOf(k.PK, k.SK, "gen", table.N(3)), table.IfNotExists()))
		if got := testkit.MustGet(t, tbl, k); numAttr(t, got["gen"]) != 3 {
			t.Fatalf("item created over an expired one: %v", canon(got))
		}
		if _, q, i, _ := visible(); q != 1 || i != 0 {
			t.Fatalf("after re-create: query %d (want 1), gsi %d (want 0)", q, i)
		}
	})

	t.Run("Meter", func(t *testing.T) {
		// The same work counts the same calls on every adapter, and some
		// capacity of the right kind (DynamoDB's figures or the estimate).
		t.Parallel()
		tbl, _ := newTable(t)
		m := meter.New()
		ctx := meter.With(t.Context(), m)
		big := strings.Repeat("x", 3000) // 3 write units, 1 read unit
		if err := tbl.Write(ctx, table.Put(testkit.ItemOf("M#1", "A", "v", table.S(big)), table.IfNotExists())); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(ctx, table.Put(testkit.ItemOf("M#1", "B"), table.IfNotExists()), table.Put(testkit.ItemOf("M#1", "C"), table.Condition{})); err != nil {
			t.Fatal(err)
		}
		var cf *table.ConditionFailedError
		if err := tbl.Write(ctx, table.Put(testkit.ItemOf("M#1", "A"), table.IfNotExists())); !errors.As(err, &cf) {
			t.Fatalf("want a failed condition, got %v", err)
		}
		if _, err := tbl.Get(ctx, table.Key{PK: "M#1", SK: "A"}); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Query(ctx, table.Query{PK: "M#1"}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.BatchWrite(ctx, nil, []table.Key{{PK: "M#1", SK: "C"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.BatchGet(ctx, []table.Key{{PK: "M#1", SK: "B"}}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(ctx, table.Delete(table.Key{PK: "M#1", SK: "B"}, table.Condition{})); err != nil {
			t.Fatal(err)
		}
		u := m.Usage()
		want := "BatchGetItem×1 BatchWriteItem×1 DeleteItem×1 GetItem×1 PutItem×2 Query×1 TransactWriteItems×1"
		if u.String() != want || u.CallCount() != 8 {
			t.Errorf("calls %q, want %q", u, want)
		}
		if u.WriteUnits < 3 || u.ReadUnits < 1 {
			t.Errorf("capacity read %v write %v: want at least 1 read and 3 write units", u.ReadUnits, u.WriteUnits)
		}
		// Without a meter in the context nothing is counted, nothing fails.
		if _, err := tbl.Get(t.Context(), table.Key{PK: "M#1", SK: "A"}); err != nil {
			t.Fatal(err)
		}
		if m.Usage().CallCount() != 8 {
			t.Error("a call without the meter was counted")
		}
	})
	t.Run("Batch", func(t *testing.T) {
		t.Parallel()
		t.Run("WriteAndGet", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var puts []table.Item
			var keys []table.Key
			for i := range 60 {
				it := testkit.ItemOf(fmt.Sprintf("MEMBER#%02d", i%7), fmt.Sprintf("CREDIT#%03d", i), "n", table.N(int64(i)))
				puts = append(puts, it)
				keys = append(keys, table.KeyOf(it))
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			for i := range 90 {
				keys = append(keys, table.Key{PK: "MEMBER#99", SK: fmt.Sprintf("MISSING#%03d", i)})
			}
			keys = append(keys, keys[0]) // a repeated key is read once
			got, err := tbl.BatchGet(t.Context(), keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 60 {
				t.Fatalf("BatchGet of 60 present and 90 missing keys: %d items", len(got))
			}
			byKey := map[table.Key]table.Item{}
			for _, it := range got {
				byKey[table.KeyOf(it)] = it
			}
			for _, want := range puts {
				if g, ok := byKey[table.KeyOf(want)]; !ok || !equalItem(g, want) {
					t.Errorf("%s: got %v, want %v", table.KeyOf(want), g, canon(want))
				}
			}
			if items, err := tbl.BatchGet(t.Context(), nil); err != nil || len(items) != 0 {
				t.Errorf("BatchGet of nothing: %v, %v", items, err)
			}
		})
		t.Run("Deletes", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var puts []table.Item
			var keys []table.Key
			for i := range 40 {
				it := testkit.ItemOf("P", fmt.Sprintf("%02d", i))
				puts = append(puts, it)
				keys = append(keys, table.KeyOf(it))
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			// Deletes, a missing key among them, with new puts in the same call.
			dels := append(slices.Clone(keys[:30]), table.Key{PK: "P", SK: "never"})
			if err := tbl.BatchWrite(t.Context(), []table.Item{testkit.ItemOf("P", "new")}, dels); err != nil {
				t.Fatal(err)
			}
			got := testkit.SortKeys(testkit.QueryAll(t, tbl, table.Query{PK: "P"}))
			want := append(testkit.SortKeys(puts[30:]), "new")
			if !slices.Equal(got, want) {
				t.Fatalf("after deletes: %q, want %q", got, want)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var ve *table.ValidationError
			err := tbl.BatchWrite(t.Context(), []table.Item{testkit.ItemOf("P", "1")}, []table.Key{{PK: "P", SK: "1"}})
			if !errors.As(err, &ve) {
				t.Errorf("BatchWrite of one key twice: %v", err)
			}
			err = tbl.BatchWrite(t.Context(), []table.Item{{table.AttrPK: table.S("P")}}, nil)
			if !errors.As(err, &ve) {
				t.Errorf("BatchWrite of an item without SK: %v", err)
			}
			_, err = tbl.BatchGet(t.Context(), []table.Key{{PK: "P"}})
			if !errors.As(err, &ve) {
				t.Errorf("BatchGet of a key without SK: %v", err)
			}
		})
	})
}

// increment is a read-modify-write with a version check, retried on
// conflict as a repository would; it returns the number of retries.
// increment adds 1 to the counter at k through the one read-modify-write
// (UpdateVersioned), sending it again when others kept winning (a 409 a
// client repeats), and returns how many attempts lost a race.
func increment(t *testing.T, tbl table.Table, k table.Key) (int, error) {
	attempts := 0
	for range 100 {
		err := table.UpdateVersioned(t.Context(), tbl, func() (table.Versioned, error) {
			attempts++
			cur, err := tbl.Get(t.Context(), k)
			if err != nil {
				return table.Versioned{}, err
			}
			v := numAttr(t, cur["version"])
			return table.Versioned{Item: testkit.ItemOf(k.PK, k.SK, "version", table.N(v+1), "count", table.N(numAttr(t, cur["count"])+1)),
				Version: v}, nil
		})
		if errors.Is(err, table.ErrContended) {
			continue
		}
		return attempts - 1, err
	}
	return attempts, errors.New("increment: contended 100 times")
}

// lostAnswer is a table whose first write of key takes effect but answers
// that its condition failed: what a write whose answer was lost, sent again
// by the SDK, answers.
type lostAnswer struct {
	table.Table
	key  table.Key
	done atomic.Bool
}

func (l *lostAnswer) Write(ctx context.Context, ops ...table.Op) error {
	if err := l.Table.Write(ctx, ops...); err != nil {
		return err
	}
	if len(ops) > 0 && table.KeyOf(ops[0].Item) == l.key && l.done.CompareAndSwap(false, true) {
		return &table.ConditionFailedError{Index: 0, Key: l.key}
	}
	return nil
}

func wantConditionFailed(t *testing.T, err error, index int, k table.Key) {
	t.Helper()
	var cf *table.ConditionFailedError
	if !errors.As(err, &cf) {
		t.Fatalf("err = %v, want *ConditionFailedError", err)
	}
	if cf.Index != index || cf.Key != k {
		t.Fatalf("condition failed on op %d (%s), want op %d (%s)", cf.Index, cf.Key, index, k)
	}
}

func partitionKeys(items []table.Item) []string {
	var pks []string
	for _, it := range items {
		pks = append(pks, table.KeyOf(it).PK)
	}
	return pks
}

func numAttr(t *testing.T, av types.AttributeValue) int64 {
	t.Helper()
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("%v is not a number", av)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func equalItem(a, b table.Item) bool { return reflect.DeepEqual(canon(a), canon(b)) }

// canon is an item in comparable form: sets sorted (DynamoDB keeps no set
// order), binary as strings.
func canon(it table.Item) map[string]any {
	m := make(map[string]any, len(it))
	for k, v := range it {
		m[k] = canonValue(v)
	}
	return m
}

func canonValue(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberB:
		return "B:" + string(v.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprint("BOOL:", v.Value)
	case *types.AttributeValueMemberNULL:
		return fmt.Sprint("NULL:", v.Value)
	case *types.AttributeValueMemberSS:
		return append([]string{"SS"}, slices.Sorted(slices.Values(v.Value))...)
	case *types.AttributeValueMemberNS:
		return append([]string{"NS"}, slices.Sorted(slices.Values(v.Value))...)
	case *types.AttributeValueMemberBS:
		s := []string{"BS"}
		for _, b := range v.Value {
			s = append(s, string(b))
		}
		slices.Sort(s[1:])
		return s
	case *types.AttributeValueMemberL:
		l := []any{"L"}
		for _, e := range v.Value {
			l = append(l, canonValue(e))
		}
		return l
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = canonValue(e)
		}
		return m
	}
	return fmt.Sprintf("?%T", av)
}
