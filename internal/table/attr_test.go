package table_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/table"
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
	item, err := table.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if k := table.KeyOf(item); k != (table.Key{PK: "HOLDER#1", SK: "META"}) {
		t.Errorf("KeyOf = %v", k)
	}
	if n, ok := item["credits"].(*types.AttributeValueMemberN); !ok || n.Value != "1250" {
		t.Errorf("credits = %#v, want N 1250 under its json name", item["credits"])
	}
	if _, ok := item["note"]; ok {
		t.Error("omitempty field marshalled")
	}
	var out holderItem
	if err := table.Unmarshal(item, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != in.Name || out.Credits != in.Credits || len(out.Tags) != 1 {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
	if got := table.KeyOf(table.KeyItem(table.KeyOf(item))); got != table.KeyOf(item) {
		t.Errorf("KeyItem/KeyOf round trip: %v", got)
	}
}
