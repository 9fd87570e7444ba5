package store

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// S is a string attribute.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N is a number attribute. It takes an integer because nothing in the
// table is computed in floating point.
func N(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// KeyOf returns item's primary key; a missing or non-string key attribute
// reads as "", which every Table method rejects.
func KeyOf(item Item) Key {
	return Key{PK: stringAttr(item[AttrPK]), SK: stringAttr(item[AttrSK])}
}

// KeyItem is k as an attribute map, the form the DynamoDB API takes keys in.
func KeyItem(k Key) Item {
	return Item{AttrPK: S(k.PK), AttrSK: S(k.SK)}
}

// Marshal converts an item struct to an Item. Item structs carry only json
// tags, so one set of tags serves the table and any JSON view of the struct.
func Marshal(v any) (Item, error) {
	return attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

// Unmarshal fills the item struct v from item; see Marshal.
func Unmarshal(item Item, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// stringAttr is av's value if it is a string attribute, else "".
func stringAttr(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// errMissing marks a required attribute an item lacks.
var errMissing = errors.New("missing")

// decodeList decodes the items of one page of a list that people read (a
// review queue, the calendar, a provider's programs). An item that cannot be
// decoded (damaged, or written by a version that accepted what it no longer
// does) is left out and logged with its key, rather than failing the list:
// one bad record must not hide everybody else's. Reads that compute from a
// partition (a holder's status) fail instead, since a missing item would
// change the answer.
func decodeList[T any](ctx context.Context, what string, items []Item, decode func(Item) (T, error)) []T {
	out := make([]T, 0, len(items))
	for _, item := range items {
		v, err := decode(item)
		if err != nil {
			slog.Default().ErrorContext(ctx, "list item left out: cannot be decoded", "list", what, "key", KeyOf(item).String(), "err", err)
			continue
		}
		out = append(out, v)
	}
	return out
}
