package table

import (
	"context"
	"math"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/meter"
)

// The table's side of the meter (package meter): DynamoDB's own consumed
// capacity, and the embedded adapter's estimates of it.

// consumed records a DynamoDB answer's consumed capacity on ctx's meter:
// reads for read APIs, writes for write APIs.
func consumed(ctx context.Context, api string, write bool, ccs ...*types.ConsumedCapacity) {
	m := meter.From(ctx)
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
	m.Add(api, r, w)
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
