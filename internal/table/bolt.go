package table

import (
	"github.com/cecportal/cecportal/internal/meter"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.etcd.io/bbolt"
)

// Bolt is the Table in a bbolt file: the local stack's DynamoDB, and the
// fast twin the contract suite holds to the same behaviour.
//
// Items live in one bucket keyed by (PK, SK) and each GSI in a bucket keyed
// by (GSIxPK, GSIxSK, PK, SK). Each string is followed by a NUL, which key
// strings may not contain, so bbolt's byte order is DynamoDB's: partition,
// then sort key by UTF-8 bytes, a prefix before its extensions.
type Bolt struct {
	db  *bbolt.DB
	now func() time.Time
}

var _ Table = (*Bolt)(nil)

// The file is shared with the local queues and mail outbox; every bucket
// of the table starts with "table:".
const boltBucketPrefix = "table:"

func boltBucket(index string) []byte {
	if index == "" {
		return []byte(boltBucketPrefix + "items")
	}
	return []byte(boltBucketPrefix + index)
}

// BoltOption configures a Bolt.
type BoltOption func(*Bolt)

// WithBoltNow sets the clock that decides which items have expired.
func WithBoltNow(now func() time.Time) BoltOption {
	return func(b *Bolt) { b.now = now }
}

// NewBolt returns the table kept in db, creating its buckets if needed. The
// caller opens and closes db, which other local adapters may share.
func NewBolt(db *bbolt.DB, opts ...BoltOption) (*Bolt, error) {
	b := &Bolt{db: db, now: time.Now}
	for _, o := range opts {
		o(b)
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for index := range IndexKeys {
			if _, err := tx.CreateBucketIfNotExists(boltBucket(index)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt table: create buckets: %w", err)
	}
	return b, nil
}

// Get implements Table.
func (b *Bolt) Get(ctx context.Context, k Key) (Item, error) {
	if err := checkKey(k); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt get %s: %w", k, err)
	}
	var item Item
	err := b.db.View(func(tx *bbolt.Tx) error {
		var err error
		item, err = boltTx{tx}.get(k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt get %s: %w", k, err)
	}
	if m := meter.From(ctx); m != nil {
		m.Add("GetItem", readUnits(itemSize(item), true), 0)
	}
	if item == nil || Expired(item, b.now()) {
		return nil, ErrNotFound
	}
	return item, nil
}

// Query implements Table. Unlike DynamoDB it skips expired items without
// counting them, and returns a cursor only when another item follows.
func (b *Bolt) Query(ctx context.Context, q Query) (Page, error) {
	p, err := planQuery(q)
	if err != nil {
		return Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("bolt query %s: %w", indexLabel(q.Index), err)
	}
	lo, hi := p.bounds()
	inRange := func(k []byte) bool {
		return k != nil && bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0)
	}
	var from []byte // the cursor's position, which this page starts after
	if p.start != nil {
		parts := make([]string, 0, 4)
		for _, attr := range p.cursorAttrs() {
			parts = append(parts, p.start[attr])
		}
		from = encodeKey(parts...)
	}
	now := b.now()
	var page Page
	err = b.db.View(func(tx *bbolt.Tx) error {
		t := boltTx{tx}
		c := tx.Bucket(boltBucket(q.Index)).Cursor()
		var k, v []byte
		step := c.Next
		if !q.Descending {
			start := lo
			if from != nil && bytes.Compare(from, lo) > 0 {
				start = from
			}
			if k, v = c.Seek(start); from != nil && bytes.Equal(k, from) {
				k, v = c.Next()
			}
		} else {
			step = c.Prev
			end := hi
			if from != nil && (end == nil || bytes.Compare(from, end) < 0) {
				end = from
			}
			if end == nil {
				k, v = c.Last()
			} else if k, _ = c.Seek(end); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		for ; inRange(k); k, v = step() {
			item, err := t.itemAt(q.Index, k, v)
			if err != nil {
				return err
			}
			if Expired(item, now) {
				continue
			}
			if len(page.Items) == p.limit {
				page.Cursor = p.cursorAfter(page.Items[len(page.Items)-1])
				return nil
			}
			page.Items = append(page.Items, item)
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("bolt query %s: %w", indexLabel(q.Index), err)
	}
	if m := meter.From(ctx); m != nil {
		read := 0
		for _, item := range page.Items {
			read += itemSize(item)
		}
		m.Add("Query", readUnits(read, q.Index == ""), 0)
	}
	return page, nil
}

// bounds is the range [lo, hi) of bucket keys that satisfies the key
// condition; hi nil means no upper bound. Sort key s is encoded as s+NUL,
// so s+"\x01" is just past every key whose sort key is s.
func (p queryPlan) bounds() (lo, hi []byte) {
	part := encodeKey(p.PK)
	withSK := func(s string, end byte) []byte {
		b := append(slices.Clone(part), s...)
		return append(b, end)
	}
	partEnd := append(slices.Clone(part[:len(part)-1]), 1)
	switch p.Op {
	case SKEqual:
		return withSK(p.Value, 0), withSK(p.Value, 1)
	case SKBeginsWith:
		prefix := append(slices.Clone(part), p.Value...)
		return prefix, prefixEnd(prefix)
	case SKBetween:
		return withSK(p.Value, 0), withSK(p.Value2, 1)
	case SKLess:
		return part, withSK(p.Value, 0)
	case SKLessOrEqual:
		return part, withSK(p.Value, 1)
	case SKGreater:
		return withSK(p.Value, 1), partEnd
	case SKGreaterOrEqual:
		return withSK(p.Value, 0), partEnd
	default:
		return part, partEnd
	}
}

// prefixEnd is the least key above every key starting with prefix, nil if
// there is none (never, for UTF-8, which has no 0xFF byte).
func prefixEnd(prefix []byte) []byte {
	end := slices.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (p queryPlan) cursorAfter(item Item) string {
	pos := make(map[string]string, 4)
	for _, attr := range p.cursorAttrs() {
		pos[attr] = stringAttr(item[attr])
	}
	return encodeCursor(pos)
}

// Write implements Table: every condition is checked against the state
// before the write, then everything is applied, in one bbolt transaction.
func (b *Bolt) Write(ctx context.Context, ops ...Op) error {
	if err := checkWrite(ops); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt write: %w", err)
	}
	now := b.now()
	// The estimate, only when a meter counts: the larger of the item
	// before and after, per op.
	m := meter.From(ctx)
	units := 0.0
	err := b.db.Update(func(tx *bbolt.Tx) error {
		t := boltTx{tx}
		for i, op := range ops {
			cur, err := t.get(op.key())
			if err != nil {
				return err
			}
			if m != nil {
				size := itemSize(cur)
				if op.Kind == OpPut {
					size = max(size, itemSize(op.Item))
				}
				units += writeUnits(size)
			}
			if !conditionHolds(op.Cond, cur, now) {
				return &ConditionFailedError{Index: i, Key: op.key()}
			}
		}
		for _, op := range ops {
			var err error
			switch op.Kind {
			case OpPut:
				err = t.put(op.Item)
			case OpDelete:
				err = t.delete(op.Key)
			case OpAdd:
				var cur Item
				if cur, err = t.get(op.Key); err == nil {
					var next Item
					if next, err = added(cur, op, now); err == nil {
						err = t.put(next)
					}
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case len(ops) > 1 || ops[0].Kind == OpCheck || ops[0].Kind == OpAdd:
		m.Add("TransactWriteItems", 0, 2*units)
	case ops[0].Kind == OpPut:
		m.Add("PutItem", 0, units)
	default:
		m.Add("DeleteItem", 0, units)
	}
	var failed *ConditionFailedError
	if errors.As(err, &failed) {
		return failed
	}
	if err != nil {
		return fmt.Errorf("bolt write of %d operations: %w", len(ops), err)
	}
	return nil
}

// added is cur (absent or expired: a new item of op's key) with op's
// numbers added, as DynamoDB's ADD does; a non-number attribute of the
// name is a validation error, as there.
func added(cur Item, op Op, now time.Time) (Item, error) {
	next := KeyItem(op.Key)
	if cur != nil && !Expired(cur, now) {
		next = make(Item, len(cur)+len(op.Add))
		for k, v := range cur {
			next[k] = v
		}
	}
	for name, n := range op.Add {
		var have int64
		if v, ok := next[name]; ok {
			num, isNum := v.(*types.AttributeValueMemberN)
			if !isNum {
				return nil, invalidf("attribute %q of %s is not a number", name, op.Key)
			}
			if _, err := fmt.Sscan(num.Value, &have); err != nil {
				return nil, invalidf("attribute %q of %s is not a whole number", name, op.Key)
			}
		}
		next[name] = N(have + n)
	}
	return next, nil
}

// conditionHolds evaluates c on the current item cur (nil if there is
// none) as the DynamoDB adapter's condition expressions do.
func conditionHolds(c Condition, cur Item, now time.Time) bool {
	live := cur != nil && !Expired(cur, now)
	switch c.existence() {
	case MustNotExist:
		return !live
	case MustExist:
		if !live {
			return false
		}
		for attr, want := range c.Equal {
			got, ok := cur[attr]
			if !ok || !equalValue(got, want) {
				return false
			}
		}
	}
	return true
}

// equalValue is DynamoDB's "=": same type and value, numbers compared as
// numbers, sets as sets.
func equalValue(a, b types.AttributeValue) bool {
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberN:
		b, ok := b.(*types.AttributeValueMemberN)
		return ok && equalNumber(a.Value, b.Value)
	case *types.AttributeValueMemberB:
		b, ok := b.(*types.AttributeValueMemberB)
		return ok && bytes.Equal(a.Value, b.Value)
	case *types.AttributeValueMemberBOOL:
		b, ok := b.(*types.AttributeValueMemberBOOL)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberNULL:
		_, ok := b.(*types.AttributeValueMemberNULL)
		return ok
	case *types.AttributeValueMemberSS:
		b, ok := b.(*types.AttributeValueMemberSS)
		return ok && sameSet(a.Value, b.Value, func(x, y string) bool { return x == y })
	case *types.AttributeValueMemberNS:
		b, ok := b.(*types.AttributeValueMemberNS)
		return ok && sameSet(a.Value, b.Value, equalNumber)
	case *types.AttributeValueMemberBS:
		b, ok := b.(*types.AttributeValueMemberBS)
		return ok && sameSet(a.Value, b.Value, bytes.Equal)
	case *types.AttributeValueMemberL:
		b, ok := b.(*types.AttributeValueMemberL)
		return ok && slices.EqualFunc(a.Value, b.Value, equalValue)
	case *types.AttributeValueMemberM:
		b, ok := b.(*types.AttributeValueMemberM)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		for k, av := range a.Value {
			bv, ok := b.Value[k]
			if !ok || !equalValue(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

func equalNumber(a, b string) bool {
	x, okx := parseNumber(a)
	y, oky := parseNumber(b)
	return okx && oky && x.Cmp(y) == 0
}

// sameSet compares sets without duplicates (checkValue refuses them).
func sameSet[T any](a, b []T, eq func(T, T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y T) bool { return eq(x, y) }) {
			return false
		}
	}
	return true
}

// BatchWrite implements Table, in one bbolt transaction.
func (b *Bolt) BatchWrite(ctx context.Context, puts []Item, deletes []Key) error {
	if err := checkBatchWrite(puts, deletes); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt batch write: %w", err)
	}
	err := b.db.Update(func(tx *bbolt.Tx) error {
		t := boltTx{tx}
		for _, item := range puts {
			if err := t.put(item); err != nil {
				return err
			}
		}
		for _, k := range deletes {
			if err := t.delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt batch write: %w", err)
	}
	if m := meter.From(ctx); m != nil {
		units := make([]float64, 0, len(puts)+len(deletes))
		for _, item := range puts {
			units = append(units, writeUnits(itemSize(item)))
		}
		for range deletes {
			units = append(units, 1)
		}
		for chunk := range slices.Chunk(units, MaxBatchWrite) {
			w := 0.0
			for _, u := range chunk {
				w += u
			}
			m.Add("BatchWriteItem", 0, w)
		}
	}
	return nil
}

// BatchGet implements Table.
func (b *Bolt) BatchGet(ctx context.Context, keys []Key) ([]Item, error) {
	keys, err := uniqueKeys(keys)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt batch get: %w", err)
	}
	now := b.now()
	var items []Item
	err = b.db.View(func(tx *bbolt.Tx) error {
		t := boltTx{tx}
		for _, k := range keys {
			item, err := t.get(k)
			if err != nil {
				return err
			}
			if item != nil && !Expired(item, now) {
				items = append(items, item)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt batch get: %w", err)
	}
	if m := meter.From(ctx); m != nil {
		// One call per MaxBatchGet keys, as the DynamoDB adapter makes, each
		// with the units of the items its keys found.
		chunk := make(map[Key]int, len(keys))
		for i, k := range keys {
			chunk[k] = i / MaxBatchGet
		}
		units := make([]float64, (len(keys)+MaxBatchGet-1)/MaxBatchGet)
		for _, item := range items {
			units[chunk[KeyOf(item)]] += readUnits(itemSize(item), true)
		}
		for _, r := range units {
			m.Add("BatchGetItem", r, 0)
		}
	}
	return items, nil
}

// sweepBatch bounds the deletions of one transaction, so that a sweep
// never holds the file's only writer lock for long.
const sweepBatch = 1000

// SweepExpired deletes the items whose ttl has passed and returns how many
// it deleted; it is the local stack's stand-in for DynamoDB's TTL process.
func (b *Bolt) SweepExpired(ctx context.Context) (int, error) {
	now := b.now()
	total := 0
	var from []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("bolt sweep: %w", err)
		}
		var next []byte
		n := 0
		err := b.db.Update(func(tx *bbolt.Tx) error {
			t := boltTx{tx}
			c := tx.Bucket(boltBucket("")).Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			var expired []Key
			for ; k != nil && len(expired) < sweepBatch; k, v = c.Next() {
				item, err := decodeItem(v)
				if err != nil {
					return err
				}
				if Expired(item, now) {
					expired = append(expired, KeyOf(item))
				}
			}
			next = slices.Clone(k)
			for _, key := range expired {
				if err := t.delete(key); err != nil {
					return err
				}
			}
			n = len(expired)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("bolt sweep: %w", err)
		}
		total += n
		if next == nil {
			return total, nil
		}
		from = next
	}
}

// boltTx holds the item and index maintenance inside one transaction.
type boltTx struct{ *bbolt.Tx }

// get returns the stored item, expired or not; nil if there is none.
func (t boltTx) get(k Key) (Item, error) {
	data := t.Bucket(boltBucket("")).Get(encodeKey(k.PK, k.SK))
	if data == nil {
		return nil, nil
	}
	return decodeItem(data)
}

// itemAt returns the item a cursor of index's bucket points at.
func (t boltTx) itemAt(index string, k, v []byte) (Item, error) {
	if index == "" {
		return decodeItem(v)
	}
	parts := decodeKey(k)
	if len(parts) != 4 {
		return nil, fmt.Errorf("corrupt %s entry %q", index, k)
	}
	item, err := t.get(Key{PK: parts[2], SK: parts[3]})
	if err == nil && item == nil {
		err = fmt.Errorf("%s entry %q has no item", index, k)
	}
	return item, err
}

// put replaces the item with item's key, moving its index entries.
func (t boltTx) put(item Item) error {
	k := KeyOf(item)
	if err := t.delete(k); err != nil {
		return err
	}
	data, err := encodeItem(item)
	if err != nil {
		return err
	}
	if err := t.Bucket(boltBucket("")).Put(encodeKey(k.PK, k.SK), data); err != nil {
		return err
	}
	for index, entry := range indexEntries(item) {
		if err := t.Bucket(boltBucket(index)).Put(entry, []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// delete removes the item with key k and its index entries, if it exists.
func (t boltTx) delete(k Key) error {
	old, err := t.get(k)
	if err != nil || old == nil {
		return err
	}
	for index, entry := range indexEntries(old) {
		if err := t.Bucket(boltBucket(index)).Delete(entry); err != nil {
			return err
		}
	}
	return t.Bucket(boltBucket("")).Delete(encodeKey(k.PK, k.SK))
}

// indexEntries are item's keys in the GSI buckets: only for the indexes
// whose two key attributes it has, as DynamoDB's sparse indexes.
func indexEntries(item Item) map[string][]byte {
	k := KeyOf(item)
	entries := make(map[string][]byte, len(IndexKeys)-1)
	for index, attrs := range IndexKeys {
		pk, sk := stringAttr(item[attrs[0]]), stringAttr(item[attrs[1]])
		if index != "" && pk != "" && sk != "" {
			entries[index] = encodeKey(pk, sk, k.PK, k.SK)
		}
	}
	return entries
}

func encodeKey(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return b
}

func decodeKey(b []byte) []string {
	var parts []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil
		}
		parts = append(parts, string(b[:i]))
		b = b[i+1:]
	}
	return parts
}

// encodeItem stores item as DynamoDB JSON ({"S":"x"}, {"N":"1"}, ...),
// which keeps every type and is readable with bbolt's own tools.
func encodeItem(item Item) ([]byte, error) {
	m := make(map[string]any, len(item))
	for name, av := range item {
		v, err := jsonValue(av)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		m[name] = v
	}
	return json.Marshal(m)
}

func jsonValue(av types.AttributeValue) (any, error) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}, nil
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}, nil
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}, nil
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}, nil
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}, nil
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}, nil
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}, nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			var err error
			if l[i], err = jsonValue(e); err != nil {
				return nil, err
			}
		}
		return map[string]any{"L": l}, nil
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			var err error
			if m[k], err = jsonValue(e); err != nil {
				return nil, err
			}
		}
		return map[string]any{"M": m}, nil
	}
	return nil, fmt.Errorf("unsupported attribute value %T", av)
}

func decodeItem(data []byte) (Item, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode item: %w", err)
	}
	item := make(Item, len(raw))
	for name, r := range raw {
		av, err := decodeValue(r)
		if err != nil {
			return nil, fmt.Errorf("decode item attribute %s: %w", name, err)
		}
		item[name] = av
	}
	return item, nil
}

func decodeValue(data json.RawMessage) (types.AttributeValue, error) {
	var tagged map[string]json.RawMessage
	if err := json.Unmarshal(data, &tagged); err != nil {
		return nil, err
	}
	if len(tagged) != 1 {
		return nil, fmt.Errorf("want one type tag, got %d", len(tagged))
	}
	var tag string
	var r json.RawMessage
	for tag, r = range tagged {
	}
	switch tag {
	case "S":
		v := &types.AttributeValueMemberS{}
		return v, json.Unmarshal(r, &v.Value)
	case "N":
		v := &types.AttributeValueMemberN{}
		return v, json.Unmarshal(r, &v.Value)
	case "B":
		v := &types.AttributeValueMemberB{}
		return v, json.Unmarshal(r, &v.Value)
	case "BOOL":
		v := &types.AttributeValueMemberBOOL{}
		return v, json.Unmarshal(r, &v.Value)
	case "NULL":
		v := &types.AttributeValueMemberNULL{}
		return v, json.Unmarshal(r, &v.Value)
	case "SS":
		v := &types.AttributeValueMemberSS{}
		return v, json.Unmarshal(r, &v.Value)
	case "NS":
		v := &types.AttributeValueMemberNS{}
		return v, json.Unmarshal(r, &v.Value)
	case "BS":
		v := &types.AttributeValueMemberBS{}
		return v, json.Unmarshal(r, &v.Value)
	case "L":
		var raws []json.RawMessage
		if err := json.Unmarshal(r, &raws); err != nil {
			return nil, err
		}
		v := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, len(raws))}
		for i, e := range raws {
			var err error
			if v.Value[i], err = decodeValue(e); err != nil {
				return nil, err
			}
		}
		return v, nil
	case "M":
		var raws map[string]json.RawMessage
		if err := json.Unmarshal(r, &raws); err != nil {
			return nil, err
		}
		v := &types.AttributeValueMemberM{Value: make(map[string]types.AttributeValue, len(raws))}
		for k, e := range raws {
			var err error
			if v.Value[k], err = decodeValue(e); err != nil {
				return nil, err
			}
		}
		return v, nil
	default:
		return nil, fmt.Errorf("unknown type tag %q", tag)
	}
}
