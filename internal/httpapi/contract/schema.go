package contract

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sync"
	"unicode/utf16"
)

// Schema is the JSON Schema subset the document's request schemas use.
// Its checks and their words (Problem.Keyword, Problem.Reason) are
// kin-openapi's (v0.152, OpenAPI 3.0, MultiErrors, as a request), so that
// the 400s a client sees did not change when kin-openapi left the Lambdas;
// internal/httpapi's differential tests hold the two side by side.
type Schema struct {
	Type     string // "string", "integer", "number", "boolean", "array" or "object"; "" admits any type
	Nullable bool
	Enum     []string // allowed values; only string enums are supported

	// Strings.
	MinLength int64
	MaxLength *int64
	Pattern   string // a Go regular expression, compiled on first use
	Format    string // "date" and "date-time" are checked; "email" is not, as in kin-openapi
	Example   string // the example, formatted with %v, to show when Pattern fails; "" for none

	// Numbers.
	Minimum *float64
	Maximum *float64

	// Arrays.
	MinItems int64
	MaxItems *int64
	Items    *Schema

	// Objects.
	Properties map[string]*Schema
	Required   []string
	// NoAdditional is `additionalProperties: false`; any other property is
	// then refused. Otherwise other properties pass unchecked.
	NoAdditional bool
	// Labels name each property as a person knows its field ("the
	// organisation's email address"): `x-labels` in the document. They
	// change no verdict; the edge words its problems with them.
	Labels map[string]string
	// Choice marks a value picked from a list the document does not hold
	// (the policy's activity kinds): `x-choice: true`. A missing one is
	// then asked for as a choice ("Choose the kind of activity 1").
	Choice bool

	once sync.Once
	re   *regexp.Regexp
}

// Problem is one way a value fails a schema.
type Problem struct {
	Path    []string // from the value checked to the failing one; property names and array indexes
	Keyword string   // the schema keyword that failed, e.g. "maxLength"; "properties" for an unknown property
	Reason  string   // kin-openapi's reason
	Schema  *Schema  // the schema that failed
}

// Int64 and Float64 help generated code take the address of a constant.
func Int64(v int64) *int64 { return &v }

// Float64 returns a pointer to v.
func Float64(v float64) *float64 { return &v }

// Validate checks v, a value as encoding/json decodes it with UseNumber
// (or an int64, float64, bool or string from a parameter), and returns every
// problem found; none means v conforms.
func (s *Schema) Validate(v any) []Problem {
	var out []Problem
	s.visit(v, nil, &out)
	return out
}

func (s *Schema) fail(out *[]Problem, path []string, keyword, reason string) {
	*out = append(*out, Problem{Path: append([]string(nil), path...), Keyword: keyword, Reason: reason, Schema: s})
}

func (s *Schema) visit(v any, path []string, out *[]Problem) {
	if v == nil && s.Nullable {
		return
	}
	// As in kin-openapi, enum is checked before the type, and its failure
	// is the only one reported for the value.
	if len(s.Enum) > 0 {
		str, ok := v.(string)
		found := false
		for _, e := range s.Enum {
			if ok && e == str {
				found = true
				break
			}
		}
		if !found {
			allowed, _ := json.Marshal(s.Enum)
			s.fail(out, path, "enum", "value is not one of the allowed values "+string(allowed))
			return
		}
	}
	switch x := v.(type) {
	case nil:
		s.fail(out, path, "nullable", "Value is not nullable")
	case bool:
		if !s.permits("boolean") {
			s.typeProblem(out, path)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			s.fail(out, path, "type", "cannot convert json.Number to float64")
			return
		}
		s.number(f, path, out)
	case float64:
		s.number(x, path, out)
	case int64:
		s.number(float64(x), path, out)
	case string:
		s.string(x, path, out)
	case []any:
		s.array(x, path, out)
	case map[string]any:
		s.object(x, path, out)
	default:
		s.fail(out, path, "type", fmt.Sprintf("unhandled value of type %T", v))
	}
}

func (s *Schema) permits(typ string) bool { return s.Type == "" || s.Type == typ }

func (s *Schema) typeProblem(out *[]Problem, path []string) {
	a := "a"
	switch s.Type {
	case "array", "object", "integer":
		a = "an"
	}
	s.fail(out, path, "type", fmt.Sprintf("value must be %s %s", a, s.Type))
}

func (s *Schema) number(f float64, path []string, out *[]Problem) {
	switch {
	case s.Type == "integer":
		if f != math.Trunc(f) {
			s.fail(out, path, "type", "value must be an integer")
		}
	case s.permits("number"):
	default:
		s.typeProblem(out, path)
		return
	}
	if s.Minimum != nil && !(*s.Minimum <= f) {
		s.fail(out, path, "minimum", fmt.Sprintf("number must be at least %g", *s.Minimum))
	}
	if s.Maximum != nil && !(*s.Maximum >= f) {
		s.fail(out, path, "maximum", fmt.Sprintf("number must be at most %g", *s.Maximum))
	}
}

func (s *Schema) string(str string, path []string, out *[]Problem) {
	if !s.permits("string") {
		s.typeProblem(out, path)
		return
	}
	if s.MinLength != 0 || s.MaxLength != nil {
		// Counted as kin-openapi counts: code points, a lone surrogate as
		// two (which a decoded Go string never holds).
		var n int64
		for _, r := range str {
			if utf16.IsSurrogate(r) {
				n += 2
			} else {
				n++
			}
		}
		if s.MinLength != 0 && n < s.MinLength {
			s.fail(out, path, "minLength", fmt.Sprintf("minimum string length is %d", s.MinLength))
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			s.fail(out, path, "maxLength", fmt.Sprintf("maximum string length is %d", *s.MaxLength))
		}
	}
	if s.Pattern != "" && !s.regexp().MatchString(str) {
		s.fail(out, path, "pattern", fmt.Sprintf("string doesn't match the regular expression %q", s.Pattern))
	}
	if !FormatValid(s.Format, str) {
		s.fail(out, path, "format", fmt.Sprintf("string doesn't match the format %q", s.Format))
	}
}

// regexp compiles Pattern on first use: most Lambdas never meet most
// patterns, and a cold start should not pay for them.
func (s *Schema) regexp() *regexp.Regexp {
	s.once.Do(func() { s.re = regexp.MustCompile(s.Pattern) })
	return s.re
}

func (s *Schema) array(items []any, path []string, out *[]Problem) {
	if !s.permits("array") {
		s.typeProblem(out, path)
		return
	}
	n := int64(len(items))
	if s.MinItems != 0 && n < s.MinItems {
		s.fail(out, path, "minItems", fmt.Sprintf("minimum number of items is %d", s.MinItems))
	}
	if s.MaxItems != nil && n > *s.MaxItems {
		s.fail(out, path, "maxItems", fmt.Sprintf("maximum number of items is %d", *s.MaxItems))
	}
	if s.Items != nil {
		for i, item := range items {
			s.Items.visit(item, append(path, fmt.Sprint(i)), out)
		}
	}
}

func (s *Schema) object(obj map[string]any, path []string, out *[]Problem) {
	if !s.permits("object") {
		s.typeProblem(out, path)
		return
	}
	for k, v := range obj {
		if p := s.Properties[k]; p != nil {
			p.visit(v, append(path, k), out)
			continue
		}
		if s.NoAdditional {
			s.fail(out, path, "properties", fmt.Sprintf("property %q is unsupported", k))
		}
	}
	for _, k := range s.Required {
		if _, ok := obj[k]; !ok {
			s.fail(out, append(path, k), "required", fmt.Sprintf("property %q is missing", k))
		}
	}
}
