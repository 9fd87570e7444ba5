package table

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/fault"
)

// Contention: two writers read the same version of an item and both write.
// One wins; the other reads again and retries, with jittered backoff so that
// a crowd of writers spreads out, for at most contendedAttempts attempts and
// never past the context's deadline (a request's budget). A write that
// still loses answers ErrContended: a 409 the client may repeat, never a 5xx.
const (
	contendedAttempts = 8
	contendedBase     = 10 * time.Millisecond
	contendedCeiling  = 250 * time.Millisecond
)

// ErrContended is what a write answers when other writers kept changing the
// same record for all its attempts. It is retryable (fault.Retryable): a
// request may be repeated, and a queue consumer lets the message come back.
var ErrContended = &fault.Error{Kind: fault.Conflict, Code: "conflict", Retry: true,
	Message: "someone else was changing the same record at that moment; try again"}

// retryContended runs attempt until it does not report a lost race, waiting
// between attempts; ErrContended when every attempt lost or the context's
// deadline leaves no time for another.
func RetryContended(ctx context.Context, attempt func() (lost bool, err error)) error {
	for n := range contendedAttempts {
		if n > 0 {
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 2*contendedCeiling {
				break
			}
			if err := jitteredWait(ctx, n, contendedBase, contendedCeiling); err != nil {
				return err
			}
		}
		lost, err := attempt()
		if !lost {
			return err
		}
	}
	return ErrContended
}

// Versioned is one attempt of a versioned read-modify-write: Item, the
// record as changed, is put only if the record still has the version
// Version it was read at, or, when New (it was read as absent), only if it
// still does not exist; With are written in the same transaction.
type Versioned struct {
	Item    Item
	Version int64
	New     bool
	With    []Op
}

// versionAttr is the attribute every versioned record keeps its version in.
const versionAttr = "version"

// UpdateVersioned is the one read-modify-write of a versioned record: next
// reads the record afresh and returns the write to make, or an error that
// ends the update as it is. When the version changed in between (or the
// transaction collided), next runs again (retryContended). A failed
// condition of an operation in With is returned for the caller to name
// with FailedOn.
func UpdateVersioned(ctx context.Context, t Table, next func() (Versioned, error)) error {
	return RetryContended(ctx, func() (bool, error) {
		v, err := next()
		if err != nil {
			return false, err
		}
		// Each attempt marks the record it writes. A write that took
		// effect but whose answer was lost is sent again by the SDK (a
		// single-item write carries no idempotency token, unlike a
		// transaction) and then fails its condition: finding the mark tells
		// that this attempt did happen, so it is not applied a second time.
		mark := writeMark()
		v.Item[markAttr] = S(mark)
		cond := IfEqual(versionAttr, N(v.Version))
		if v.New {
			cond = IfNotExists()
		}
		err = t.Write(ctx, append([]Op{Put(v.Item, cond)}, v.With...)...)
		switch {
		case err == nil:
			return false, nil
		case FailedOn(err, KeyOf(v.Item)):
			if landed(ctx, t, KeyOf(v.Item), mark) {
				return false, nil
			}
			return true, nil
		case errors.Is(err, ErrConflict):
			return true, nil
		}
		return false, fmt.Errorf("write %s: %w", KeyOf(v.Item), err)
	})
}

// markAttr holds the mark of the attempt that last wrote a versioned record.
const markAttr = "writeMark"

// writeMark is a fresh, unique mark for one write attempt.
func writeMark() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail
	return hex.EncodeToString(b[:])
}

// landed reports whether the record at k carries mark: the attempt that
// wrote it is the one whose answer said its condition failed.
func landed(ctx context.Context, t Table, k Key, mark string) bool {
	item, err := t.Get(ctx, k)
	if err != nil {
		return false
	}
	m, ok := item[markAttr].(*types.AttributeValueMemberS)
	return ok && m.Value == mark
}

// FailedOn reports whether err is a write whose operation on key k failed
// its condition: operations are named by their key, not their position.
func FailedOn(err error, k Key) bool {
	var cf *ConditionFailedError
	return errors.As(err, &cf) && cf.Key == k
}
