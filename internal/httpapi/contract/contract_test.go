package contract

import (
	"encoding/json"
	"testing"
)

func TestBody_Media(t *testing.T) {
	b := &Body{Content: []Media{{Type: "application/*"}, {Type: "application/json"}, {Type: "text/csv"}}}
	for ct, want := range map[string]string{
		"application/json":                 "application/json",
		"Application/JSON; charset=UTF-8":  "application/json",
		"application/problem+json":         "application/*",
		"text/csv;header=present":          "text/csv",
		"text/plain":                       "",
		"json":                             "",
		"":                                 "",
		"  application/json  ":             "application/json",
		"application/json;charset=latin-1": "application/json",
	} {
		got := ""
		if m := b.Media(ct); m != nil {
			got = m.Type
		}
		if got != want {
			t.Errorf("Media(%q) = %q, want %q", ct, got, want)
		}
	}
}

// TestSchema_Validate covers what openapi.yaml's request schemas do not
// use today, so the differential tests in internal/httpapi cannot reach it.
func TestSchema_Validate(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	tests := []struct {
		name   string
		schema *Schema
		value  any
		want   []string // keywords, in order
	}{
		{"NullableNull", &Schema{Type: "string", Nullable: true}, nil, nil},
		{"NullNotNullable", &Schema{Type: "string"}, nil, []string{"nullable"}},
		{"NullableEnumNull", &Schema{Type: "string", Nullable: true, Enum: []string{"a"}}, nil, nil},
		{"EnumBeforeType", &Schema{Type: "string", Enum: []string{"a"}}, num("1"), []string{"enum"}},
		{"AnyType", &Schema{}, []any{num("1"), true}, nil},
		{"IntegerAndRange", &Schema{Type: "integer", Minimum: Float64(1), Maximum: Float64(2)}, num("2.5"), []string{"type", "maximum"}},
		{"NumberTooBig", &Schema{Type: "integer"}, num("1e400"), []string{"type"}},
		{"Int64Param", &Schema{Type: "integer", Minimum: Float64(2000)}, int64(1999), []string{"minimum"}},
		{"Items", &Schema{Type: "array", MaxItems: Int64(1), Items: &Schema{Type: "boolean"}}, []any{true, "x"}, []string{"maxItems", "type"}},
		{"AdditionalAllowed", &Schema{Type: "object", Properties: map[string]*Schema{"a": {Type: "string"}}}, map[string]any{"b": 1.0}, nil},
		{"PatternAndFormat", &Schema{Type: "string", Pattern: `^\d`, Format: "date"}, "x", []string{"pattern", "format"}},
		{"Unhandled", &Schema{Type: "string"}, struct{}{}, []string{"type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range tt.schema.Validate(tt.value) {
				got = append(got, p.Keyword)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("problems %v, want %v", got, tt.want)
				}
			}
		})
	}
}
