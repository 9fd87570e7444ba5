package table

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The checks in this file run in both adapters before anything is sent or
// written, so that a request the embedded adapter accepts is one DynamoDB
// accepts too, and both reject it with the same *ValidationError.

// DynamoDB limits that table.go does not export.
const (
	maxPartitionKeyBytes = 2048
	maxSortKeyBytes      = 1024
	maxTransactBytes     = 4 * 1024 * 1024
	maxNestingDepth      = 32
)

func BadCursor(reason string) error { return &ValidationError{Reason: reason, Err: ErrBadCursor} }

func invalidf(format string, args ...any) error {
	return &ValidationError{Reason: fmt.Sprintf(format, args...)}
}

// checkKeyString applies DynamoDB's rules for a key attribute's value, plus
// one of ours: no NUL, which the embedded adapter's key encoding reserves.
func checkKeyString(attr, v string, max int) error {
	switch {
	case v == "":
		return invalidf("key attribute %s is empty", attr)
	case len(v) > max:
		return invalidf("key attribute %s is %d bytes, at most %d", attr, len(v), max)
	case !utf8.ValidString(v):
		return invalidf("key attribute %s is not UTF-8", attr)
	case strings.IndexByte(v, 0) >= 0:
		return invalidf("key attribute %s contains NUL", attr)
	}
	return nil
}

func checkKey(k Key) error {
	if err := checkKeyString(AttrPK, k.PK, maxPartitionKeyBytes); err != nil {
		return err
	}
	return checkKeyString(AttrSK, k.SK, maxSortKeyBytes)
}

// checkItem requires the primary key, string index keys where present (an
// index key of another type would be refused by DynamoDB), valid values and
// the item size limit.
func checkItem(item Item) error {
	for index, attrs := range IndexKeys {
		for i, attr := range attrs {
			av, ok := item[attr]
			if !ok {
				if index != "" {
					continue // indexes are sparse
				}
				return invalidf("item has no %s", attr)
			}
			s, isS := av.(*types.AttributeValueMemberS)
			if !isS {
				return invalidf("key attribute %s must be a string", attr)
			}
			max := maxPartitionKeyBytes
			if i == 1 {
				max = maxSortKeyBytes
			}
			if err := checkKeyString(attr, s.Value, max); err != nil {
				return err
			}
		}
	}
	for name, av := range item {
		if name == "" {
			return invalidf("empty attribute name")
		}
		if err := checkValue(name, av, 0); err != nil {
			return err
		}
	}
	if n := itemSize(item); n > MaxItemBytes {
		return invalidf("item %s is about %d bytes, at most %d", KeyOf(item), n, MaxItemBytes)
	}
	return nil
}

// isNumberSyntax reports whether s is written as DynamoDB numbers are:
// ^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$. It is checked byte
// by byte, not with regexp, because every Lambda links this check and
// compiling the expression at start was part of their cold start
// (number_test.go checks that the two agree).
func isNumberSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	whole := digitsAt(s, i)
	i += whole
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		frac = digitsAt(s, i)
		i += frac
	}
	if whole == 0 && frac == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := digitsAt(s, i)
		if exp == 0 {
			return false
		}
		i += exp
	}
	return i == len(s)
}

// digitsAt counts the ASCII digits at s[i:]'s start.
func digitsAt(s string, i int) int {
	n := 0
	for i+n < len(s) && '0' <= s[i+n] && s[i+n] <= '9' {
		n++
	}
	return n
}

// checkValue rejects what DynamoDB rejects: empty or duplicated sets,
// malformed numbers, NULL other than true, nesting deeper than 32.
func checkValue(name string, av types.AttributeValue, depth int) error {
	if depth > maxNestingDepth {
		return invalidf("attribute %s nests deeper than %d", name, maxNestingDepth)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if !utf8.ValidString(v.Value) {
			return invalidf("attribute %s is not UTF-8", name)
		}
	case *types.AttributeValueMemberN:
		if !isNumberSyntax(v.Value) {
			return invalidf("attribute %s: %q is not a number", name, v.Value)
		}
	case *types.AttributeValueMemberB, *types.AttributeValueMemberBOOL:
	case *types.AttributeValueMemberNULL:
		if !v.Value {
			return invalidf("attribute %s: NULL must be true", name)
		}
	case *types.AttributeValueMemberSS:
		seen := make(map[string]bool, len(v.Value))
		for _, s := range v.Value {
			if seen[s] || !utf8.ValidString(s) {
				return invalidf("attribute %s: duplicate or invalid string in set", name)
			}
			seen[s] = true
		}
		if len(seen) == 0 {
			return invalidf("attribute %s is an empty set", name)
		}
	case *types.AttributeValueMemberNS:
		seen := make(map[string]bool, len(v.Value))
		for _, s := range v.Value {
			r, ok := parseNumber(s)
			if !ok || seen[r.RatString()] {
				return invalidf("attribute %s: duplicate or invalid number in set", name)
			}
			seen[r.RatString()] = true
		}
		if len(seen) == 0 {
			return invalidf("attribute %s is an empty set", name)
		}
	case *types.AttributeValueMemberBS:
		seen := make(map[string]bool, len(v.Value))
		for _, b := range v.Value {
			if seen[string(b)] {
				return invalidf("attribute %s: duplicate in binary set", name)
			}
			seen[string(b)] = true
		}
		if len(seen) == 0 {
			return invalidf("attribute %s is an empty set", name)
		}
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			if err := checkValue(name, e, depth+1); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			if err := checkValue(name+"."+k, e, depth+1); err != nil {
				return err
			}
		}
	default:
		return invalidf("attribute %s has no value or an unknown type %T", name, av)
	}
	return nil
}

// parseNumber parses a DynamoDB number exactly; big.Rat, never a float.
func parseNumber(s string) (*big.Rat, bool) {
	if !isNumberSyntax(s) {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// itemSize approximates DynamoDB's item size: names and values in bytes,
// a number counted by its digits, a little overhead per nested element.
func itemSize(item Item) int {
	n := 0
	for name, av := range item {
		n += len(name) + valueSize(av)
	}
	return n
}

func valueSize(av types.AttributeValue) int {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	default: // BOOL, NULL
		return 1
	}
}

func checkCondition(c Condition) error {
	switch c.Exists {
	case Either, MustExist, MustNotExist:
	default:
		return invalidf("unknown existence requirement %d", c.Exists)
	}
	if len(c.Equal) > 0 && c.Exists == MustNotExist {
		return invalidf("a condition cannot require equal attributes of an item that must not exist")
	}
	for name, av := range c.Equal {
		if name == "" {
			return invalidf("empty attribute name in condition")
		}
		if err := checkValue(name, av, 0); err != nil {
			return err
		}
	}
	return nil
}

// existence is what c requires once Equal's implied MustExist is applied.
func (c Condition) existence() Existence {
	if len(c.Equal) > 0 {
		return MustExist
	}
	return c.Exists
}

func (op Op) key() Key {
	if op.Kind == OpPut {
		return KeyOf(op.Item)
	}
	return op.Key
}

// checkWrite enforces Write's contract, the limits of TransactWriteItems
// included, whichever way the adapter sends the operations.
func checkWrite(ops []Op) error {
	if len(ops) == 0 {
		return invalidf("a write needs at least one operation")
	}
	if len(ops) > MaxTransactOps {
		return invalidf("%d operations in one write, at most %d", len(ops), MaxTransactOps)
	}
	seen := make(map[Key]int, len(ops))
	size := 0
	for i, op := range ops {
		var err error
		switch op.Kind {
		case OpPut:
			err = checkItem(op.Item)
			size += itemSize(op.Item)
		case OpDelete:
			err = checkKey(op.Key)
		case OpCheck:
			err = checkKey(op.Key)
			if err == nil && op.Cond.existence() == Either {
				err = invalidf("a check needs a condition")
			}
		case OpAdd:
			err = checkKey(op.Key)
			if err == nil && len(op.Add) == 0 {
				err = invalidf("an add needs at least one attribute")
			}
			for name := range op.Add {
				if err == nil && (name == "" || name == AttrPK || name == AttrSK) {
					err = invalidf("an add cannot change attribute %q", name)
				}
			}
		default:
			err = invalidf("unknown operation kind %d", op.Kind)
		}
		if err == nil {
			err = checkCondition(op.Cond)
		}
		if ve := (*ValidationError)(nil); errors.As(err, &ve) {
			return invalidf("operation %d: %s", i, ve.Reason)
		}
		k := op.key()
		if j, dup := seen[k]; dup {
			return invalidf("operations %d and %d both target %s", j, i, k)
		}
		seen[k] = i
	}
	if size > maxTransactBytes {
		return invalidf("a write of about %d bytes, at most %d", size, maxTransactBytes)
	}
	return nil
}

// checkBatchWrite refuses two requests for one key, as BatchWriteItem does
// within a request; refusing it across the whole call keeps the outcome
// independent of how the adapter splits it.
func checkBatchWrite(puts []Item, deletes []Key) error {
	seen := make(map[Key]bool, len(puts)+len(deletes))
	for _, item := range puts {
		if err := checkItem(item); err != nil {
			return err
		}
		k := KeyOf(item)
		if seen[k] {
			return invalidf("batch write targets %s twice", k)
		}
		seen[k] = true
	}
	for _, k := range deletes {
		if err := checkKey(k); err != nil {
			return err
		}
		if seen[k] {
			return invalidf("batch write targets %s twice", k)
		}
		seen[k] = true
	}
	return nil
}

// uniqueKeys checks keys and drops repeats, which BatchGetItem would refuse.
func uniqueKeys(keys []Key) ([]Key, error) {
	seen := make(map[Key]bool, len(keys))
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// queryPlan is a checked Query.
type queryPlan struct {
	Query
	keys  [2]string         // partition and sort key attributes of the index
	limit int               // items per page
	start map[string]string // decoded cursor; nil at the beginning
}

func planQuery(q Query) (queryPlan, error) {
	keys, ok := IndexKeys[q.Index]
	if !ok {
		return queryPlan{}, invalidf("unknown index %q", q.Index)
	}
	p := queryPlan{Query: q, keys: keys, limit: q.Limit}
	if err := checkKeyString(keys[0], q.PK, maxPartitionKeyBytes); err != nil {
		return queryPlan{}, err
	}
	switch q.Op {
	case SKAny:
	case SKEqual, SKBeginsWith, SKLess, SKLessOrEqual, SKGreater, SKGreaterOrEqual:
		if err := checkKeyString(keys[1], q.Value, maxSortKeyBytes); err != nil {
			return queryPlan{}, err
		}
	case SKBetween:
		for _, v := range []string{q.Value, q.Value2} {
			if err := checkKeyString(keys[1], v, maxSortKeyBytes); err != nil {
				return queryPlan{}, err
			}
		}
		if q.Value > q.Value2 {
			return queryPlan{}, invalidf("between: lower bound %q above upper bound %q", q.Value, q.Value2)
		}
	default:
		return queryPlan{}, invalidf("unknown sort-key operator %d", q.Op)
	}
	switch {
	case p.limit < 0:
		return queryPlan{}, invalidf("negative limit %d", p.limit)
	case p.limit == 0:
		p.limit = DefaultPageSize
	case p.limit > math.MaxInt32:
		p.limit = math.MaxInt32
	}
	if q.Cursor != "" {
		start, err := DecodeCursor(q.Cursor)
		if err != nil {
			return queryPlan{}, err
		}
		if start[keys[0]] != q.PK {
			return queryPlan{}, BadCursor("cursor belongs to another query")
		}
		for _, attr := range p.cursorAttrs() {
			if err := checkKeyString(attr, start[attr], maxPartitionKeyBytes); err != nil {
				return queryPlan{}, BadCursor("cursor belongs to another query")
			}
		}
		if len(start) != len(p.cursorAttrs()) {
			return queryPlan{}, BadCursor("cursor belongs to another query")
		}
		p.start = start
	}
	return p, nil
}

// cursorAttrs are the attributes that locate an item in the index: its keys
// there and, for a GSI, its primary key (which DynamoDB includes too).
func (p queryPlan) cursorAttrs() []string {
	if p.Index == "" {
		return []string{AttrPK, AttrSK}
	}
	return []string{p.keys[0], p.keys[1], AttrPK, AttrSK}
}

// A cursor is the position of the last item a page returned, as DynamoDB's
// LastEvaluatedKey: base64url of the JSON of its string key attributes. Both
// adapters use the same form, so a cursor never depends on the backend.
func encodeCursor(pos map[string]string) string {
	b, _ := json.Marshal(pos) // a map of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

func DecodeCursor(s string) (map[string]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, BadCursor("malformed cursor")
	}
	var pos map[string]string
	if err := json.Unmarshal(b, &pos); err != nil || pos == nil {
		return nil, BadCursor("malformed cursor")
	}
	return pos, nil
}
