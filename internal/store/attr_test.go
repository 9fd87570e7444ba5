package store_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/store"
)

func TestAttr_Marshal(t *testing.T) {
	type holderItem struct {
		PK      string   `json:"PK"`
		SK      string   `json:"SK"`
		Name    string   `json:"name"`
		Credits int64    `json:"credits"`
		Tags    []string `json:"tags,omitempty"`
		Note    string   `json:"note,omitempty"`
	}
	in := holderItem{PK: "HOLDER#1", SK: "META", Name: "Ada", Credits: 1250, Tags: []string{"a"}}
	item, err := store.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if k := store.KeyOf(item); k != (store.Key{PK: "HOLDER#1", SK: "META"}) {
		t.Errorf("KeyOf = %v", k)
	}
	if n, ok := item["credits"].(*types.AttributeValueMemberN); !ok || n.Value != "1250" {
		t.Errorf("credits = %#v, want N 1250 under its json name", item["credits"])
	}
	if _, ok := item["note"]; ok {
		t.Error("omitempty field marshalled")
	}
	var out holderItem
	if err := store.Unmarshal(item, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != in.Name || out.Credits != in.Credits || len(out.Tags) != 1 {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
	if got := store.KeyOf(store.KeyItem(store.KeyOf(item))); got != store.KeyOf(item) {
		t.Errorf("KeyItem/KeyOf round trip: %v", got)
	}
}
