// Package testkit is the setup the tests of several packages share, so that
// each does not keep its own copy: tables (embedded in a temporary
// directory, or fresh on moto_server), a clock the tests move, helpers to
// read and write items (items.go); for the service tests, the shipped
// policy, a recording dispatcher, sequential IDs (service.go) and the
// fixtures several of them build through the services: holders with
// credentials, providers, programs taken to approval (fixtures.go). Only
// tests import it.
package testkit

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/table"
)

// Clock is a clock the tests set and move; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at 2026-03-01 09:00 UTC.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sync says whether a bbolt file waits for the disk at each commit.
type Sync bool

const (
	// Fsync: each commit returns once the disk has it, as in the local
	// stack. For tests of the file itself or of what a commit costs.
	Fsync Sync = true
	// NoSync: a commit returns once bbolt has written it, without fsync.
	// The kit's choice for service tests: their file is temporary and
	// deleted when the test ends, fsync only guards commits against the
	// machine stopping, which such a file never has to survive, and it is
	// most of what a commit costs on a shared disk. Transactions,
	// conditions, isolation and what a read sees are the same either way.
	NoSync Sync = false
)

// OpenBolt opens (creating it) the bbolt file at path, with fsync, closed
// when the test ends.
func OpenBolt(tb testing.TB, path string) *bbolt.DB {
	tb.Helper()
	return openBolt(tb, path, Fsync)
}

// TempBolt opens a new bbolt file in the test's temporary directory,
// closed when the test ends.
func TempBolt(tb testing.TB, sync Sync) *bbolt.DB {
	tb.Helper()
	return openBolt(tb, filepath.Join(tb.TempDir(), "local.db"), sync)
}

func openBolt(tb testing.TB, path string, sync Sync) *bbolt.DB {
	tb.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: !bool(sync)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TempTable is a new embedded table on TempBolt(tb, sync), with opts:
// table.WithBoltNow gives the clock that decides which items have expired
// (without it, the wall clock).
func TempTable(tb testing.TB, sync Sync, opts ...table.BoltOption) *table.Bolt {
	tb.Helper()
	b, err := table.NewBolt(TempBolt(tb, sync), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// NewBolt is the embedded table on db, on clock.
func NewBolt(tb testing.TB, db *bbolt.DB, clock *Clock) *table.Bolt {
	tb.Helper()
	b, err := table.NewBolt(db, table.WithBoltNow(clock.Now))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Embedded is a new embedded table in the test's temporary directory, with
// fsync, on clock: the table's own tests and the repositories'.
func Embedded(tb testing.TB, clock *Clock) *table.Bolt {
	tb.Helper()
	return NewBolt(tb, TempBolt(tb, Fsync), clock)
}

// MotoDynamo is a DynamoDB client of moto_server whose writes are
// serialised across all the tests of a package: moto's TransactWriteItems
// copies table state without a lock, so concurrent transactions, even on
// different tables, can fail with HTTP 500 ("dictionary changed size during
// iteration") or undo each other, and a failed attempt the SDK retries after
// it had in fact succeeded makes a conditional create report "exists".
// DynamoDB serialises conflicting transactions itself; the tests of
// concurrency still interleave their reads and writes.
type MotoDynamo struct{ *dynamodb.Client }

var motoWrites sync.Mutex

// MotoClient is a client of the package's shared moto_server (moto.Shared;
// a package using it runs moto.Main from its TestMain).
func MotoClient(tb testing.TB) MotoDynamo {
	tb.Helper()
	return MotoDynamo{dynamodb.NewFromConfig(moto.Shared(tb).Config(tb))}
}

func (c MotoDynamo) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	motoWrites.Lock()
	defer motoWrites.Unlock()
	return c.Client.TransactWriteItems(ctx, in, optFns...)
}

func (c MotoDynamo) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	motoWrites.Lock()
	defer motoWrites.Unlock()
	return c.Client.PutItem(ctx, in, optFns...)
}

func (c MotoDynamo) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	motoWrites.Lock()
	defer motoWrites.Unlock()
	return c.Client.DeleteItem(ctx, in, optFns...)
}

func (c MotoDynamo) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	motoWrites.Lock()
	defer motoWrites.Unlock()
	return c.Client.BatchWriteItem(ctx, in, optFns...)
}

var tableSeq atomic.Int64

// NewTableName creates a fresh table on moto, so that tests may run in
// parallel on one server, and returns its name.
func NewTableName(tb testing.TB, client table.DynamoAdminAPI) string {
	tb.Helper()
	name := fmt.Sprintf("cecportal-test-%d", tableSeq.Add(1))
	if err := table.CreateTable(context.Background(), client, name); err != nil {
		tb.Fatal(err)
	}
	return name
}

// OnMoto is a fresh DynamoDB table on moto_server, on clock.
func OnMoto(tb testing.TB, clock *Clock) *table.Dynamo {
	tb.Helper()
	client := MotoClient(tb)
	return table.NewDynamo(client, NewTableName(tb, client), table.WithDynamoNow(clock.Now))
}

// EachAdapter runs test on the embedded table and on DynamoDB (moto), in
// parallel, each with its own clock, so that what is written against the
// table behaves the same on both.
func EachAdapter(t *testing.T, test func(t *testing.T, tbl table.Table, clock *Clock)) {
	t.Run("Bolt", func(t *testing.T) {
		t.Parallel()
		clock := NewClock()
		test(t, Embedded(t, clock), clock)
	})
	t.Run("Dynamo", func(t *testing.T) {
		t.Parallel()
		clock := NewClock()
		test(t, OnMoto(t, clock), clock)
	})
}
