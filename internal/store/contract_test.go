package store_test

import (
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
	"github.com/cecportal/cecportal/internal/store"
)

// fakeClock is the tables' clock; TTL cases move it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTableFunc returns an empty table whose clock is the fakeClock.
type newTableFunc func(t *testing.T) (store.Table, *fakeClock)

// runTableContract is the behaviour every Table adapter must share; each
// adapter's test runs it against a fresh table per case.
func runTableContract(t *testing.T, newTable newTableFunc) {
	t.Run("Get", func(t *testing.T) {
		t.Parallel()
		t.Run("ErrNotFound", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			_, err := tbl.Get(t.Context(), store.Key{PK: "P", SK: "missing"})
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
			}
		})
		t.Run("EveryAttributeType", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			want := store.Item{
				store.AttrPK: store.S("TYPES"), store.AttrSK: store.S("all"),
				"s":      store.S("héllo, 世界"),
				"sEmpty": store.S(""),
				"n":      store.N(-42),
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
					store.S("x"), store.N(7), &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": store.S("v")}},
				}},
				"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": store.N(1)}},
					"list":   &types.AttributeValueMemberL{Value: []types.AttributeValue{store.S("y")}},
					"ss":     &types.AttributeValueMemberSS{Value: []string{"z"}},
				}},
				"lEmpty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
				"mEmpty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
			}
			mustWrite(t, tbl, store.Put(want, store.IfNotExists()))
			got, err := tbl.Get(t.Context(), store.KeyOf(want))
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
			it := itemOf("ACCOUNT#1", "META", "name", store.S("first"))
			mustWrite(t, tbl, store.Put(it, store.IfNotExists()))
			err := tbl.Write(t.Context(), store.Put(itemOf("ACCOUNT#1", "META", "name", store.S("second")), store.IfNotExists()))
			wantConditionFailed(t, err, 0, store.KeyOf(it))
			if got := mustGet(t, tbl, store.KeyOf(it)); strAttr(got["name"]) != "first" {
				t.Fatalf("name = %q after a failed create, want first", strAttr(got["name"]))
			}
		})
		t.Run("IfEqualVersion", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := store.Key{PK: "ACCOUNT#1", SK: "META"}
			mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "version", store.N(1), "name", store.S("a")), store.IfNotExists()))
			mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "version", store.N(2), "name", store.S("b")), store.IfEqual("version", store.N(1))))

			err := tbl.Write(t.Context(), store.Put(itemOf(k.PK, k.SK, "version", store.N(2), "name", store.S("stale")), store.IfEqual("version", store.N(1))))
			wantConditionFailed(t, err, 0, k)
			// A string "2" is not the number 2.
			err = tbl.Write(t.Context(), store.Put(itemOf(k.PK, k.SK, "version", store.N(3)), store.IfEqual("version", store.S("2"))))
			wantConditionFailed(t, err, 0, k)
			// An equality condition on a missing item fails: Equal implies MustExist.
			other := store.Key{PK: "ACCOUNT#2", SK: "META"}
			err = tbl.Write(t.Context(), store.Put(itemOf(other.PK, other.SK, "version", store.N(1)), store.IfEqual("version", store.N(0))))
			wantConditionFailed(t, err, 0, other)
			// Numbers compare as numbers; several attributes must all match.
			mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "version", store.N(3), "name", store.S("c")), store.Condition{
				Equal: map[string]types.AttributeValue{"version": &types.AttributeValueMemberN{Value: "2.0"}, "name": store.S("b")},
			}))
			if got := mustGet(t, tbl, k); strAttr(got["name"]) != "c" || numAttr(t, got["version"]) != 3 {
				t.Fatalf("item = %v, want name c at version 3", canon(got))
			}
		})
		t.Run("ErrConditionFailedAppliesNothing", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			existing := itemOf("B", "1", "v", store.N(1))
			doomed := itemOf("C", "1")
			mustWrite(t, tbl, store.Put(existing, store.Condition{}), store.Put(doomed, store.Condition{}))

			fresh := itemOf("A", "1")
			err := tbl.Write(t.Context(),
				store.Put(fresh, store.IfNotExists()),
				store.Put(itemOf("B", "1", "v", store.N(2)), store.IfNotExists()),
				store.Delete(store.KeyOf(doomed), store.IfExists()),
			)
			wantConditionFailed(t, err, 1, store.KeyOf(existing))
			if _, err := tbl.Get(t.Context(), store.KeyOf(fresh)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("op 0 was applied: Get = %v", err)
			}
			if got := mustGet(t, tbl, store.KeyOf(existing)); numAttr(t, got["v"]) != 1 {
				t.Errorf("op 1 was applied: v = %v", got["v"])
			}
			mustGet(t, tbl, store.KeyOf(doomed))
		})
		t.Run("Check", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			parent := itemOf("PROGRAM#1", "META", "status", store.S("open"))
			mustWrite(t, tbl, store.Put(parent, store.Condition{}))
			pk := store.KeyOf(parent)

			child := itemOf("PROGRAM#1", "SESSION#1")
			mustWrite(t, tbl, store.Check(pk, store.IfExists()), store.Put(child, store.IfNotExists()))
			mustGet(t, tbl, store.KeyOf(child))

			orphan := itemOf("PROGRAM#2", "SESSION#1")
			missing := store.Key{PK: "PROGRAM#2", SK: "META"}
			err := tbl.Write(t.Context(), store.Check(missing, store.IfExists()), store.Put(orphan, store.Condition{}))
			wantConditionFailed(t, err, 0, missing)
			if _, err := tbl.Get(t.Context(), store.KeyOf(orphan)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("put after a failed check was applied: %v", err)
			}

			// A check alone.
			mustWrite(t, tbl, store.Check(pk, store.IfEqual("status", store.S("open"))))
			err = tbl.Write(t.Context(), store.Check(pk, store.IfEqual("status", store.S("closed"))))
			wantConditionFailed(t, err, 0, pk)
			err = tbl.Write(t.Context(), store.Check(pk, store.IfNotExists()))
			wantConditionFailed(t, err, 0, pk)
		})
		t.Run("Delete", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := store.Key{PK: "P", SK: "gone"}
			err := tbl.Write(t.Context(), store.Delete(k, store.IfExists()))
			wantConditionFailed(t, err, 0, k)
			mustWrite(t, tbl, store.Delete(k, store.Condition{}))

			mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "version", store.N(4)), store.Condition{}))
			err = tbl.Write(t.Context(), store.Delete(k, store.IfEqual("version", store.N(3))))
			wantConditionFailed(t, err, 0, k)
			mustWrite(t, tbl, store.Delete(k, store.IfEqual("version", store.N(4))))
			if _, err := tbl.Get(t.Context(), k); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get after delete: %v", err)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			tooMany := make([]store.Op, store.MaxTransactOps+1)
			for i := range tooMany {
				tooMany[i] = store.Put(itemOf("P", fmt.Sprint(i)), store.Condition{})
			}
			big := itemOf("P", "big", "blob", &types.AttributeValueMemberB{Value: make([]byte, store.MaxItemBytes)})
			for _, tc := range []struct {
				name string
				ops  []store.Op
			}{
				{"NoOps", nil},
				{"TooManyOps", tooMany},
				{"DuplicateKey", []store.Op{store.Put(itemOf("P", "1"), store.Condition{}), store.Delete(store.Key{PK: "P", SK: "1"}, store.Condition{})}},
				{"NoSK", []store.Op{store.Put(store.Item{store.AttrPK: store.S("P")}, store.Condition{})}},
				{"NumericPK", []store.Op{store.Put(store.Item{store.AttrPK: store.N(1), store.AttrSK: store.S("x")}, store.Condition{})}},
				{"EmptyPK", []store.Op{store.Delete(store.Key{SK: "x"}, store.Condition{})}},
				{"NULInKey", []store.Op{store.Put(itemOf("P\x00Q", "1"), store.Condition{})}},
				{"NumericGSIKey", []store.Op{store.Put(itemOf("P", "1", store.AttrGSI1PK, store.N(1), store.AttrGSI1SK, store.S("x")), store.Condition{})}},
				{"EmptyGSIKey", []store.Op{store.Put(itemOf("P", "1", store.AttrGSI2PK, store.S(""), store.AttrGSI2SK, store.S("x")), store.Condition{})}},
				{"EmptySet", []store.Op{store.Put(itemOf("P", "1", "ss", &types.AttributeValueMemberSS{}), store.Condition{})}},
				{"BadNumber", []store.Op{store.Put(itemOf("P", "1", "n", &types.AttributeValueMemberN{Value: "1,5"}), store.Condition{})}},
				{"TooBig", []store.Op{store.Put(big, store.Condition{})}},
				{"CheckWithoutCondition", []store.Op{store.Check(store.Key{PK: "P", SK: "1"}, store.Condition{})}},
				{"UnknownKind", []store.Op{{Kind: 99, Key: store.Key{PK: "P", SK: "1"}}}},
			} {
				err := tbl.Write(t.Context(), tc.ops...)
				var ve *store.ValidationError
				if !errors.As(err, &ve) {
					t.Errorf("%s: err = %v, want *ValidationError", tc.name, err)
				}
			}
			if _, err := tbl.Get(t.Context(), store.Key{PK: "P", SK: "1"}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("an invalid write was applied: %v", err)
			}
		})
		t.Run("MaxOps", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			ops := make([]store.Op, store.MaxTransactOps)
			for i := range ops {
				ops[i] = store.Put(itemOf("BULK", fmt.Sprintf("%03d", i)), store.IfNotExists())
			}
			mustWrite(t, tbl, ops...)
			if got := queryAll(t, tbl, store.Query{PK: "BULK"}); len(got) != store.MaxTransactOps {
				t.Fatalf("%d items after a %d-op write", len(got), store.MaxTransactOps)
			}
		})
		t.Run("ConcurrentIncrements", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			k := store.Key{PK: "COUNTER", SK: "1"}
			mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "version", store.N(0), "count", store.N(0)), store.IfNotExists()))
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
			got := mustGet(t, tbl, k)
			if c, v := numAttr(t, got["count"]), numAttr(t, got["version"]); c != workers*loops || v != workers*loops {
				t.Fatalf("count %d at version %d, want %d: an update was lost", c, v, workers*loops)
			}
		})
	})

	t.Run("Query", func(t *testing.T) {
		t.Parallel()
		// Byte order of UTF-8: upper case before lower, a prefix before its
		// extensions, multi-byte characters after ASCII.
		sks := []string{"A", "Z", "a", "a#1", "a#2", "ab", "b", "b#1", "c", "é", "日本"}
		seed := func(t *testing.T) store.Table {
			tbl, _ := newTable(t)
			var puts []store.Item
			for _, sk := range sks {
				puts = append(puts, itemOf("Q", sk))
			}
			// Neighbouring partitions that must not leak into "Q".
			puts = append(puts, itemOf("QQ", "a"), itemOf("Q#", "a"), itemOf("P", "a"))
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
				op            store.SKOp
				value, value2 string
				want          []string
			}{
				{"Any", store.SKAny, "", "", sks},
				{"Equal", store.SKEqual, "a#1", "", []string{"a#1"}},
				{"EqualNone", store.SKEqual, "a#", "", nil},
				{"BeginsWith", store.SKBeginsWith, "a", "", []string{"a", "a#1", "a#2", "ab"}},
				{"BeginsWithHash", store.SKBeginsWith, "a#", "", []string{"a#1", "a#2"}},
				{"BeginsWithMultibyte", store.SKBeginsWith, "日", "", []string{"日本"}},
				{"Between", store.SKBetween, "a#1", "b", []string{"a#1", "a#2", "ab", "b"}},
				{"BetweenSame", store.SKBetween, "b", "b", []string{"b"}},
				{"Less", store.SKLess, "ab", "", []string{"A", "Z", "a", "a#1", "a#2"}},
				{"LessOrEqual", store.SKLessOrEqual, "ab", "", []string{"A", "Z", "a", "a#1", "a#2", "ab"}},
				{"Greater", store.SKGreater, "b", "", []string{"b#1", "c", "é", "日本"}},
				{"GreaterOrEqual", store.SKGreaterOrEqual, "b", "", []string{"b", "b#1", "c", "é", "日本"}},
			} {
				for _, desc := range []bool{false, true} {
					q := store.Query{PK: "Q", Op: tc.op, Value: tc.value, Value2: tc.value2, Descending: desc}
					got := sortKeys(queryAll(t, tbl, q))
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
			for _, q := range []store.Query{
				{PK: "Q", Limit: 2},
				{PK: "Q", Limit: 2, Descending: true},
				{PK: "Q", Limit: 2, Op: store.SKBeginsWith, Value: "a"},
				{PK: "Q", Limit: 3, Op: store.SKGreater, Value: "a", Descending: true},
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
					got = append(got, sortKeys(page.Items)...)
					if pages++; page.Cursor == "" || pages > 20 {
						break
					}
					q.Cursor = page.Cursor
				}
				q.Cursor, q.Limit = "", 0
				want := sortKeys(queryAll(t, tbl, q))
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
			var puts []store.Item
			r := rand.New(rand.NewPCG(1, 2))
			for len(puts) < 60 {
				var b strings.Builder
				for range 1 + r.IntN(4) {
					b.WriteRune(alphabet[r.IntN(len(alphabet))])
				}
				if sk := b.String(); !seen[sk] {
					seen[sk] = true
					puts = append(puts, itemOf("R", sk))
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
			if got := sortKeys(queryAll(t, tbl, store.Query{PK: "R", Limit: 7})); !slices.Equal(got, want) {
				t.Fatalf("order:\n got %q\nwant %q", got, want)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl := seed(t)
			page, err := tbl.Query(t.Context(), store.Query{PK: "Q", Limit: 2})
			if err != nil || page.Cursor == "" {
				t.Fatalf("first page: %v, cursor %q", err, page.Cursor)
			}
			for _, tc := range []struct {
				name string
				q    store.Query
			}{
				{"NoPK", store.Query{}},
				{"UnknownIndex", store.Query{Index: "GSI9", PK: "Q"}},
				{"BetweenReversed", store.Query{PK: "Q", Op: store.SKBetween, Value: "b", Value2: "a"}},
				{"EmptyValue", store.Query{PK: "Q", Op: store.SKBeginsWith}},
				{"NegativeLimit", store.Query{PK: "Q", Limit: -1}},
				{"MalformedCursor", store.Query{PK: "Q", Cursor: "not a cursor!"}},
				{"CursorOfAnotherPartition", store.Query{PK: "QQ", Cursor: page.Cursor}},
				{"CursorOfAnotherIndex", store.Query{Index: store.IndexGSI1, PK: "Q", Cursor: page.Cursor}},
			} {
				_, err := tbl.Query(t.Context(), tc.q)
				var ve *store.ValidationError
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
			mustWrite(t, tbl,
				store.Put(itemOf("ITEM#1", "META", store.AttrGSI1PK, store.S("OWNER#x"), store.AttrGSI1SK, store.S("2"),
					store.AttrGSI2PK, store.S("STATUS#open"), store.AttrGSI2SK, store.S("a")), store.Condition{}),
				store.Put(itemOf("ITEM#2", "META", store.AttrGSI1PK, store.S("OWNER#x"), store.AttrGSI1SK, store.S("1")), store.Condition{}),
				store.Put(itemOf("ITEM#3", "META", store.AttrGSI1PK, store.S("OWNER#x")), store.Condition{}), // no GSI1SK: not indexed
				store.Put(itemOf("ITEM#4", "META", store.AttrGSI2PK, store.S("STATUS#open"), store.AttrGSI2SK, store.S("b")), store.Condition{}),
				store.Put(itemOf("OWNER#x", "META"), store.Condition{}), // base-table key equal to a GSI partition
			)
			for _, tc := range []struct {
				q    store.Query
				want []string
			}{
				{store.Query{Index: store.IndexGSI1, PK: "OWNER#x"}, []string{"ITEM#2", "ITEM#1"}},
				{store.Query{Index: store.IndexGSI1, PK: "OWNER#x", Descending: true}, []string{"ITEM#1", "ITEM#2"}},
				{store.Query{Index: store.IndexGSI1, PK: "OWNER#x", Op: store.SKEqual, Value: "2"}, []string{"ITEM#1"}},
				{store.Query{Index: store.IndexGSI1, PK: "OWNER#x", Op: store.SKGreater, Value: "1"}, []string{"ITEM#1"}},
				{store.Query{Index: store.IndexGSI2, PK: "STATUS#open"}, []string{"ITEM#1", "ITEM#4"}},
				{store.Query{Index: store.IndexGSI2, PK: "OWNER#x"}, nil},
				{store.Query{Index: store.IndexGSI1, PK: "STATUS#open"}, nil},
			} {
				if got := partitionKeys(queryAll(t, tbl, tc.q)); !slices.Equal(got, tc.want) {
					t.Errorf("%+v: got %q, want %q", tc.q, got, tc.want)
				}
			}
			// Index queries return whole items (projection ALL).
			got := queryAll(t, tbl, store.Query{Index: store.IndexGSI2, PK: "STATUS#open", Op: store.SKEqual, Value: "a"})
			if len(got) != 1 || strAttr(got[0][store.AttrGSI1SK]) != "2" {
				t.Errorf("GSI2 item = %v, want the whole ITEM#1", got)
			}
		})
		t.Run("EntriesFollowTheItem", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			gsi1 := func(pk string) []string {
				return partitionKeys(queryAll(t, tbl, store.Query{Index: store.IndexGSI1, PK: pk}))
			}
			gsi2 := func(pk string) []string {
				return partitionKeys(queryAll(t, tbl, store.Query{Index: store.IndexGSI2, PK: pk}))
			}
			mustWrite(t, tbl,
				store.Put(itemOf("ITEM#1", "META", store.AttrGSI1PK, store.S("OWNER#x"), store.AttrGSI1SK, store.S("1"),
					store.AttrGSI2PK, store.S("STATUS#open"), store.AttrGSI2SK, store.S("1")), store.Condition{}),
				store.Put(itemOf("ITEM#2", "META", store.AttrGSI1PK, store.S("OWNER#x"), store.AttrGSI1SK, store.S("2")), store.Condition{}),
			)
			// Replacing ITEM#1 moves its GSI1 entry and drops its GSI2 entry.
			mustWrite(t, tbl, store.Put(itemOf("ITEM#1", "META", store.AttrGSI1PK, store.S("OWNER#y"), store.AttrGSI1SK, store.S("1")), store.IfExists()))
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
			mustWrite(t, tbl, store.Delete(store.Key{PK: "ITEM#2", SK: "META"}, store.IfExists()))
			if err := tbl.BatchWrite(t.Context(), nil, []store.Key{{PK: "ITEM#1", SK: "META"}}); err != nil {
				t.Fatal(err)
			}
			if got := append(gsi1("OWNER#x"), gsi1("OWNER#y")...); len(got) != 0 {
				t.Errorf("GSI1 after deletes: %q", got)
			}
		})
		t.Run("PaginationWithTies", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var puts []store.Item
			var want []string
			for i := range 7 {
				pk := fmt.Sprintf("ITEM#%d", i)
				puts = append(puts, itemOf(pk, "META", store.AttrGSI1PK, store.S("DAY#1"), store.AttrGSI1SK, store.S("same")))
				want = append(want, pk)
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			got := partitionKeys(queryAll(t, tbl, store.Query{Index: store.IndexGSI1, PK: "DAY#1", Limit: 2}))
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
		k := store.Key{PK: "SESSION#1", SK: "META"}
		mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, store.AttrTTL, store.N(expiry), "gen", store.N(1),
			store.AttrGSI1PK, store.S("SESSIONS"), store.AttrGSI1SK, store.S("1")), store.IfNotExists()))
		mustWrite(t, tbl, store.Put(itemOf("SESSION#1", "STRINGTTL", store.AttrTTL, store.S("0")), store.Condition{}))
		visible := func() (get, query, gsi, batch int) {
			if _, err := tbl.Get(t.Context(), k); err == nil {
				get = 1
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			query = len(queryAll(t, tbl, store.Query{PK: k.PK, Op: store.SKEqual, Value: k.SK}))
			gsi = len(queryAll(t, tbl, store.Query{Index: store.IndexGSI1, PK: "SESSIONS"}))
			items, err := tbl.BatchGet(t.Context(), []store.Key{k})
			if err != nil {
				t.Fatal(err)
			}
			return get, query, gsi, len(items)
		}
		if g, q, i, b := visible(); g+q+i+b != 4 {
			t.Fatalf("live item visible to get %d query %d gsi %d batch %d", g, q, i, b)
		}
		err := tbl.Write(t.Context(), store.Put(itemOf(k.PK, k.SK), store.IfNotExists()))
		wantConditionFailed(t, err, 0, k)

		clock.Advance(time.Minute) // ttl == now: expired
		if g, q, i, b := visible(); g+q+i+b != 0 {
			t.Fatalf("expired item visible to get %d query %d gsi %d batch %d", g, q, i, b)
		}
		// A ttl that is not a number never expires, as in DynamoDB.
		mustGet(t, tbl, store.Key{PK: "SESSION#1", SK: "STRINGTTL"})
		for _, c := range []store.Condition{store.IfExists(), store.IfEqual("gen", store.N(1))} {
			err := tbl.Write(t.Context(), store.Put(itemOf(k.PK, k.SK, "gen", store.N(2)), c))
			wantConditionFailed(t, err, 0, k)
		}
		err = tbl.Write(t.Context(), store.Check(k, store.IfExists()), store.Put(itemOf("OTHER", "1"), store.Condition{}))
		wantConditionFailed(t, err, 0, k)

		mustWrite(t, tbl, store.Put(itemOf(k.PK, k.SK, "gen", store.N(3)), store.IfNotExists()))
		if got := mustGet(t, tbl, k); numAttr(t, got["gen"]) != 3 {
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
		if err := tbl.Write(ctx, store.Put(itemOf("M#1", "A", "v", store.S(big)), store.IfNotExists())); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(ctx, store.Put(itemOf("M#1", "B"), store.IfNotExists()), store.Put(itemOf("M#1", "C"), store.Condition{})); err != nil {
			t.Fatal(err)
		}
		var cf *store.ConditionFailedError
		if err := tbl.Write(ctx, store.Put(itemOf("M#1", "A"), store.IfNotExists())); !errors.As(err, &cf) {
			t.Fatalf("want a failed condition, got %v", err)
		}
		if _, err := tbl.Get(ctx, store.Key{PK: "M#1", SK: "A"}); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Query(ctx, store.Query{PK: "M#1"}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.BatchWrite(ctx, nil, []store.Key{{PK: "M#1", SK: "C"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.BatchGet(ctx, []store.Key{{PK: "M#1", SK: "B"}}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Write(ctx, store.Delete(store.Key{PK: "M#1", SK: "B"}, store.Condition{})); err != nil {
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
		if _, err := tbl.Get(t.Context(), store.Key{PK: "M#1", SK: "A"}); err != nil {
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
			var puts []store.Item
			var keys []store.Key
			for i := range 60 {
				it := itemOf(fmt.Sprintf("MEMBER#%02d", i%7), fmt.Sprintf("CREDIT#%03d", i), "n", store.N(int64(i)))
				puts = append(puts, it)
				keys = append(keys, store.KeyOf(it))
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			for i := range 90 {
				keys = append(keys, store.Key{PK: "MEMBER#99", SK: fmt.Sprintf("MISSING#%03d", i)})
			}
			keys = append(keys, keys[0]) // a repeated key is read once
			got, err := tbl.BatchGet(t.Context(), keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 60 {
				t.Fatalf("BatchGet of 60 present and 90 missing keys: %d items", len(got))
			}
			byKey := map[store.Key]store.Item{}
			for _, it := range got {
				byKey[store.KeyOf(it)] = it
			}
			for _, want := range puts {
				if g, ok := byKey[store.KeyOf(want)]; !ok || !equalItem(g, want) {
					t.Errorf("%s: got %v, want %v", store.KeyOf(want), g, canon(want))
				}
			}
			if items, err := tbl.BatchGet(t.Context(), nil); err != nil || len(items) != 0 {
				t.Errorf("BatchGet of nothing: %v, %v", items, err)
			}
		})
		t.Run("Deletes", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var puts []store.Item
			var keys []store.Key
			for i := range 40 {
				it := itemOf("P", fmt.Sprintf("%02d", i))
				puts = append(puts, it)
				keys = append(keys, store.KeyOf(it))
			}
			if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
				t.Fatal(err)
			}
			// Deletes, a missing key among them, with new puts in the same call.
			dels := append(slices.Clone(keys[:30]), store.Key{PK: "P", SK: "never"})
			if err := tbl.BatchWrite(t.Context(), []store.Item{itemOf("P", "new")}, dels); err != nil {
				t.Fatal(err)
			}
			got := sortKeys(queryAll(t, tbl, store.Query{PK: "P"}))
			want := append(sortKeys(puts[30:]), "new")
			if !slices.Equal(got, want) {
				t.Fatalf("after deletes: %q, want %q", got, want)
			}
		})
		t.Run("ErrValidation", func(t *testing.T) {
			t.Parallel()
			tbl, _ := newTable(t)
			var ve *store.ValidationError
			err := tbl.BatchWrite(t.Context(), []store.Item{itemOf("P", "1")}, []store.Key{{PK: "P", SK: "1"}})
			if !errors.As(err, &ve) {
				t.Errorf("BatchWrite of one key twice: %v", err)
			}
			err = tbl.BatchWrite(t.Context(), []store.Item{{store.AttrPK: store.S("P")}}, nil)
			if !errors.As(err, &ve) {
				t.Errorf("BatchWrite of an item without SK: %v", err)
			}
			_, err = tbl.BatchGet(t.Context(), []store.Key{{PK: "P"}})
			if !errors.As(err, &ve) {
				t.Errorf("BatchGet of a key without SK: %v", err)
			}
		})
	})
}

// increment is a read-modify-write with a version check, retried on
// conflict as a repository would; it returns the number of retries.
func increment(t *testing.T, tbl store.Table, k store.Key) (int, error) {
	for retries := range 1000 {
		cur, err := tbl.Get(t.Context(), k)
		if err != nil {
			return retries, err
		}
		v := numAttr(t, cur["version"])
		next := itemOf(k.PK, k.SK, "version", store.N(v+1), "count", store.N(numAttr(t, cur["count"])+1))
		err = tbl.Write(t.Context(), store.Put(next, store.IfEqual("version", store.N(v))))
		if err == nil {
			return retries, nil
		}
		if !store.IsConditionFailed(err) && !errors.Is(err, store.ErrConflict) {
			return retries, err
		}
	}
	return 1000, errors.New("increment: no success in 1000 attempts")
}

// item builds an item from its key and name/value pairs.
func itemOf(pk, sk string, attrs ...any) store.Item {
	it := store.Item{store.AttrPK: store.S(pk), store.AttrSK: store.S(sk)}
	for i := 0; i < len(attrs); i += 2 {
		it[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return it
}

func mustWrite(t *testing.T, tbl store.Table, ops ...store.Op) {
	t.Helper()
	if err := tbl.Write(t.Context(), ops...); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func mustGet(t *testing.T, tbl store.Table, k store.Key) store.Item {
	t.Helper()
	it, err := tbl.Get(t.Context(), k)
	if err != nil {
		t.Fatalf("Get %s: %v", k, err)
	}
	return it
}

func wantConditionFailed(t *testing.T, err error, index int, k store.Key) {
	t.Helper()
	var cf *store.ConditionFailedError
	if !errors.As(err, &cf) {
		t.Fatalf("err = %v, want *ConditionFailedError", err)
	}
	if cf.Index != index || cf.Key != k {
		t.Fatalf("condition failed on op %d (%s), want op %d (%s)", cf.Index, cf.Key, index, k)
	}
}

// queryAll follows the cursor to the end.
func queryAll(t *testing.T, tbl store.Table, q store.Query) []store.Item {
	t.Helper()
	var items []store.Item
	for range 1000 {
		page, err := tbl.Query(t.Context(), q)
		if err != nil {
			t.Fatalf("Query %+v: %v", q, err)
		}
		items = append(items, page.Items...)
		if page.Cursor == "" {
			return items
		}
		q.Cursor = page.Cursor
	}
	t.Fatalf("Query %+v: more than 1000 pages", q)
	return nil
}

func sortKeys(items []store.Item) []string {
	var sks []string
	for _, it := range items {
		sks = append(sks, store.KeyOf(it).SK)
	}
	return sks
}

func partitionKeys(items []store.Item) []string {
	var pks []string
	for _, it := range items {
		pks = append(pks, store.KeyOf(it).PK)
	}
	return pks
}

func strAttr(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
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

func equalItem(a, b store.Item) bool { return reflect.DeepEqual(canon(a), canon(b)) }

// canon is an item in comparable form: sets sorted (DynamoDB keeps no set
// order), binary as strings.
func canon(it store.Item) map[string]any {
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
