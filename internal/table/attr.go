package table

import (
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

// Bool is a boolean attribute.
func Bool(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

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
