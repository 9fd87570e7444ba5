package store

import (
	"context"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Meter adds up what one unit of work (an HTTP request, a queue message, a
// scheduled run) costs the table: the DynamoDB calls made and the capacity
// units consumed. The entry points put one in the context (WithMeter) and
// log it when the work is done; the adapters add to it. On DynamoDB the
// units are DynamoDB's own (ReturnConsumedCapacity TOTAL); the embedded
// adapter estimates them from item sizes with DynamoDB's rounding rules, so
// that the local stack and the tests see the same shape of bill.
type Meter struct {
	mu    sync.Mutex
	calls map[string]int
	read  float64
	write float64
}

// NewMeter returns an empty meter.
func NewMeter() *Meter { return &Meter{calls: map[string]int{}} }

type meterKey struct{}

// WithMeter returns ctx carrying m: the table calls made with it are
// counted on m.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// MeterFrom returns the meter in ctx, or nil.
func MeterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// add counts one call of api (a DynamoDB API name) and its units. A nil
// meter counts nothing, so the adapters call it unconditionally.
func (m *Meter) add(api string, read, write float64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[api]++
	m.read += read
	m.write += write
}

// Usage is a meter's reading.
type Usage struct {
	Calls      map[string]int // by DynamoDB API name
	ReadUnits  float64
	WriteUnits float64
}

// Usage returns what m has counted so far.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Usage{Calls: maps.Clone(m.calls), ReadUnits: m.read, WriteUnits: m.write}
}

// CallCount is the number of calls of every kind.
func (u Usage) CallCount() int {
	n := 0
	for _, c := range u.Calls {
		n += c
	}
	return n
}

// String is the calls as "GetItem×1 Query×2", sorted by name.
func (u Usage) String() string {
	names := slices.Sorted(maps.Keys(u.Calls))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "×" + strconv.Itoa(u.Calls[n])
	}
	return strings.Join(parts, " ")
}

// LogValue groups the reading for one log line.
func (u Usage) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("calls", u.CallCount()), slog.String("by_api", u.String()),
		slog.Float64("rcu", u.ReadUnits), slog.Float64("wcu", u.WriteUnits))
}

// consumed records a DynamoDB answer's consumed capacity on ctx's meter:
// reads for read APIs, writes for write APIs.
func consumed(ctx context.Context, api string, write bool, ccs ...*types.ConsumedCapacity) {
	m := MeterFrom(ctx)
	if m == nil {
		return
	}
	var r, w float64
	for _, cc := range ccs {
		if cc == nil {
			continue
		}
		switch {
		case cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil:
			r += deref(cc.ReadCapacityUnits)
			w += deref(cc.WriteCapacityUnits)
		case write:
			w += deref(cc.CapacityUnits)
		default:
			r += deref(cc.CapacityUnits)
		}
	}
	m.add(api, r, w)
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func ptrs(ccs []types.ConsumedCapacity) []*types.ConsumedCapacity {
	out := make([]*types.ConsumedCapacity, len(ccs))
	for i := range ccs {
		out[i] = &ccs[i]
	}
	return out
}

// Estimates, for the embedded adapter, by DynamoDB's published rules: a
// strongly consistent read costs one unit per 4 KB read (a Query rounds the
// sum of its items, an eventually consistent GSI Query costs half), a
// write one unit per 1 KB of the item, a transaction twice its writes
// (item sizes: itemSize).
const (
	readUnitBytes  = 4096
	writeUnitBytes = 1024
)

func readUnits(bytes int, consistent bool) float64 {
	u := math.Ceil(float64(max(bytes, 1)) / readUnitBytes)
	if !consistent {
		u /= 2
	}
	return u
}

func writeUnits(bytes int) float64 { return math.Ceil(float64(max(bytes, 1)) / writeUnitBytes) }
