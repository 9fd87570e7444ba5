// Package table is the engine of cecportal's single DynamoDB table: the
// narrow interface every repository (package store) is written against, its
// two adapters (DynamoDB through aws-sdk-go-v2, and an embedded bbolt file for
// the local stack and fast tests) that pass one contract suite, and the one
// versioned read-modify-write (UpdateVersioned). It knows nothing of the
// domain: which items exist and how they are keyed is the store's.
//
// Items are DynamoDB attribute maps so that attributevalue marshalling serves
// both adapters; every key attribute (PK, SK and the GSI keys) is a string.
package table

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/fault"
)

// Attribute names of the table's keys, its indexes and its TTL.
const (
	AttrPK     = "PK"
	AttrSK     = "SK"
	AttrGSI1PK = "GSI1PK"
	AttrGSI1SK = "GSI1SK"
	AttrGSI2PK = "GSI2PK"
	AttrGSI2SK = "GSI2SK"
	// AttrTTL holds the expiry as epoch seconds (a number). DynamoDB deletes
	// expired items eventually; both adapters hide them from reads at once.
	AttrTTL = "ttl"
)

// Index names. The empty string is the base table.
const (
	IndexGSI1 = "GSI1"
	IndexGSI2 = "GSI2"
)

// IndexKeys maps each index to its partition and sort key attributes. Both
// GSIs are sparse: an item appears in an index only when it has both keys.
var IndexKeys = map[string][2]string{
	"":        {AttrPK, AttrSK},
	IndexGSI1: {AttrGSI1PK, AttrGSI1SK},
	IndexGSI2: {AttrGSI2PK, AttrGSI2SK},
}

// Limits DynamoDB sets; the adapters enforce them so that the embedded
// adapter (and moto, which does not enforce all of them) fails as AWS would.
const (
	MaxTransactOps  = 100
	MaxBatchWrite   = 25 // per request; BatchWrite splits larger inputs
	MaxBatchGet     = 100
	MaxItemBytes    = 400 * 1024
	DefaultPageSize = 100
)

// Item is one table item.
type Item = map[string]types.AttributeValue

// Key is an item's primary key.
type Key struct{ PK, SK string }

func (k Key) String() string { return k.PK + "|" + k.SK }

// SKOp is a key-condition operator on the sort key.
type SKOp int

const (
	SKAny SKOp = iota // no sort-key condition
	SKEqual
	SKBeginsWith
	SKBetween // Value <= sk <= Value2
	SKLess
	SKLessOrEqual
	SKGreater
	SKGreaterOrEqual
)

// Query selects items of one partition of the base table or of an index.
type Query struct {
	Index      string // "" for the base table, else IndexGSI1 or IndexGSI2
	PK         string // the partition key value of Index
	Op         SKOp
	Value      string // sort-key operand
	Value2     string // upper bound for SKBetween
	Descending bool
	Limit      int    // items per page; 0 means DefaultPageSize
	Cursor     string // from a previous Page; "" starts at the beginning
}

// Page is one page of a query. Cursor is "" when there is nothing more; a
// non-empty Cursor may lead to an empty page, as in DynamoDB.
type Page struct {
	Items  []Item
	Cursor string
}

// Existence says whether a condition requires the item to exist.
type Existence int

const (
	// Either: no requirement on existence.
	Either Existence = iota
	// MustExist: the item must exist (and not be expired).
	MustExist
	// MustNotExist: no live item may have the key; an expired one counts as absent.
	MustNotExist
)

// Condition guards a write. Equal implies MustExist: each named attribute
// must be present and equal to the given value.
type Condition struct {
	Exists Existence
	Equal  map[string]types.AttributeValue
}

// IfNotExists is the condition of a create.
func IfNotExists() Condition { return Condition{Exists: MustNotExist} }

// IfExists is the condition of an update that must not resurrect an item.
func IfExists() Condition { return Condition{Exists: MustExist} }

// IfEqual requires the item to exist with attr equal to v (optimistic locking).
func IfEqual(attr string, v types.AttributeValue) Condition {
	return Condition{Exists: MustExist, Equal: map[string]types.AttributeValue{attr: v}}
}

// OpKind is the kind of a write operation.
type OpKind int

const (
	OpPut OpKind = iota + 1
	OpDelete
	OpCheck // a condition on an item that is not written
	OpAdd   // numbers added to an item's attributes (a counter)
)

// Op is one operation of an atomic Write.
type Op struct {
	Kind OpKind
	Item Item             // OpPut
	Key  Key              // OpDelete, OpCheck and OpAdd
	Add  map[string]int64 // OpAdd: what to add to each number attribute
	Cond Condition
}

// Put writes item whole, replacing any item with its key.
func Put(item Item, c Condition) Op { return Op{Kind: OpPut, Item: item, Cond: c} }

// Delete removes the item with key k (deleting a missing item is no error
// unless c says it must exist).
func Delete(k Key, c Condition) Op { return Op{Kind: OpDelete, Key: k, Cond: c} }

// Check asserts c on the item with key k without writing it.
func Check(k Key, c Condition) Op { return Op{Kind: OpCheck, Key: k, Cond: c} }

// Add adds each of counts to the number attribute of that name on the item
// with key k, creating the item (its key alone) or the attribute at 0
// first: a counter kept in the transaction of the write it counts changes
// with it, once. A lone Add is still sent as a transaction, whose
// idempotency token keeps a retried request from counting twice.
func Add(k Key, counts map[string]int64) Op { return Op{Kind: OpAdd, Key: k, Add: counts} }

// Table is the narrow interface to the single table. Get, Query and BatchGet
// never return expired items (ttl in the past), whatever the backend.
type Table interface {
	// Get reads one item with a strongly consistent read. ErrNotFound if absent.
	Get(ctx context.Context, k Key) (Item, error)
	// Query reads one page of one partition in sort-key order.
	Query(ctx context.Context, q Query) (Page, error)
	// Write applies 1 to MaxTransactOps operations atomically: all or none.
	// A failed condition returns *ConditionFailedError naming the operation.
	// Two operations on the same key are a *ValidationError.
	Write(ctx context.Context, ops ...Op) error
	// BatchWrite puts and deletes any number of items without conditions and
	// without atomicity across items, retrying unprocessed ones.
	BatchWrite(ctx context.Context, puts []Item, deletes []Key) error
	// BatchGet reads any number of keys; missing keys are simply absent from
	// the result, which is in no particular order.
	BatchGet(ctx context.Context, keys []Key) ([]Item, error)
}

// ErrNotFound is returned by Get when no live item has the key.
var ErrNotFound = errors.New("store: item not found")

// ErrConflict means a transaction collided with another in flight; the
// caller may retry the whole read-modify-write.
var ErrConflict = errors.New("store: transaction conflict")

// ConditionFailedError reports which operation of a Write failed its
// condition. Nothing of the Write was applied.
type ConditionFailedError struct {
	Index int // position in the ops given to Write
	Key   Key
}

func (e *ConditionFailedError) Error() string {
	return fmt.Sprintf("store: condition failed on operation %d (%s)", e.Index, e.Key)
}

// IsConditionFailed reports whether err is a failed write condition.
func IsConditionFailed(err error) bool {
	var cf *ConditionFailedError
	return errors.As(err, &cf)
}

// ValidationError is a malformed request: a caller bug, never retried.
type ValidationError struct {
	Reason string
	Err    error // a sentinel such as ErrBadCursor, when one applies
}

func (e *ValidationError) Error() string { return "store: invalid request: " + e.Reason }

func (e *ValidationError) Unwrap() error { return e.Err }

// ErrBadCursor means a Query's cursor was not issued for the same query: a
// client's mistake (it travels through the API), never a server fault.
var ErrBadCursor = errors.New("store: invalid cursor")

// CursorFault is the caller-facing form of ErrBadCursor, for repositories
// to return from list methods.
func CursorFault(err error) error {
	if errors.Is(err, ErrBadCursor) {
		return fault.New(fault.Invalid, "invalid_cursor", "the cursor does not belong to this list; start again without it",
			fault.Detail{Field: "cursor", Code: "invalid_cursor", Message: "was not issued for this list"})
	}
	return err
}

// Expired reports whether item carries a ttl at or before now.
func Expired(item Item, now time.Time) bool {
	n, ok := item[AttrTTL].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	var secs int64
	if _, err := fmt.Sscan(n.Value, &secs); err != nil {
		return false
	}
	return secs <= now.Unix()
}
