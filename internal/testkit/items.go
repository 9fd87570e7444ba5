package testkit

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/table"
)

// Helpers for tests that read and write the table directly.

// ItemOf is an item with key pk, sk and attrs given as name, value pairs.
func ItemOf(pk, sk string, attrs ...any) table.Item {
	it := table.Item{table.AttrPK: table.S(pk), table.AttrSK: table.S(sk)}
	for i := 0; i < len(attrs); i += 2 {
		it[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return it
}

// MustWrite writes ops at once, or fails the test.
func MustWrite(tb testing.TB, tbl table.Table, ops ...table.Op) {
	tb.Helper()
	if err := tbl.Write(context.Background(), ops...); err != nil {
		tb.Fatalf("Write: %v", err)
	}
}

// MustGet reads the item at k, or fails the test.
func MustGet(tb testing.TB, tbl table.Table, k table.Key) table.Item {
	tb.Helper()
	it, err := tbl.Get(context.Background(), k)
	if err != nil {
		tb.Fatalf("Get %s: %v", k, err)
	}
	return it
}

// QueryAll reads every page of q.
func QueryAll(tb testing.TB, tbl table.Table, q table.Query) []table.Item {
	tb.Helper()
	var items []table.Item
	for range 1000 {
		page, err := tbl.Query(context.Background(), q)
		if err != nil {
			tb.Fatalf("Query %+v: %v", q, err)
		}
		items = append(items, page.Items...)
		if page.Cursor == "" {
			return items
		}
		q.Cursor = page.Cursor
	}
	tb.Fatalf("Query %+v: more than 1000 pages", q)
	return nil
}

// SortKeys are the items' sort keys, in order.
func SortKeys(items []table.Item) []string {
	var sks []string
	for _, it := range items {
		sks = append(sks, table.KeyOf(it).SK)
	}
	return sks
}

// StrAttr is a string attribute's value, or "".
func StrAttr(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
