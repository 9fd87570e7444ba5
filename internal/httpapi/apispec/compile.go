package apispec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// schemaKeywords are the keywords a request schema may use: those
// contract.Schema checks, and annotations that change no verdict (default
// among them: requests are validated without filling defaults in).
var schemaKeywords = map[string]bool{
	"type": true, "nullable": true, "enum": true,
	"minLength": true, "maxLength": true, "pattern": true, "format": true,
	"minimum": true, "maximum": true,
	"minItems": true, "maxItems": true, "items": true,
	"properties": true, "required": true, "additionalProperties": true,
	"title": true, "description": true, "example": true, "default": true, "deprecated": true,
}

// Compile turns doc's operations into the request checks internal/httpapi
// runs. It fails on anything those checks would not enforce as kin-openapi
// does (a keyword, parameter style or type they do not implement), so that
// nothing in the contract can go unchecked without a build failing.
func Compile(doc *openapi3.T) (*contract.Contract, error) {
	if doc == nil || doc.Paths == nil {
		return nil, fmt.Errorf("no OpenAPI document")
	}
	if doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("OpenAPI %s: only 3.0 documents are supported", doc.OpenAPI)
	}
	c := &contract.Contract{}
	paths := doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op, err := compileOperation(doc, item, m, path, ops[m])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			c.Operations = append(c.Operations, op)
		}
	}
	return c, nil
}

func compileOperation(doc *openapi3.T, item *openapi3.PathItem, method, path string, op *openapi3.Operation) (*contract.Operation, error) {
	public, err := PublicOperation(doc, op)
	if err != nil {
		return nil, err
	}
	out := &contract.Operation{Method: method, Path: path, Public: public}
	if raw, ok := op.Extensions["x-roles"]; ok {
		roles, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("x-roles is not a list")
		}
		for _, r := range roles {
			s, ok := r.(string)
			if !ok {
				return nil, fmt.Errorf("x-roles holds %v, not a string", r)
			}
			out.Roles = append(out.Roles, s)
		}
	}
	// Path-item parameters first, unless the operation overrides them.
	var params []*openapi3.Parameter
	for _, ref := range item.Parameters {
		if op.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			params = append(params, ref.Value)
		}
	}
	for _, ref := range op.Parameters {
		params = append(params, ref.Value)
	}
	for _, p := range params {
		cp, err := compileParam(p)
		if err != nil {
			return nil, fmt.Errorf("%s parameter %q: %w", p.In, p.Name, err)
		}
		out.Params = append(out.Params, cp)
	}
	if op.RequestBody != nil {
		rb := op.RequestBody.Value
		out.Body = &contract.Body{Required: rb.Required}
		types := make([]string, 0, len(rb.Content))
		for mt := range rb.Content {
			types = append(types, mt)
		}
		slices.Sort(types)
		for _, mt := range types {
			media := rb.Content[mt]
			if len(media.Encoding) > 0 {
				return nil, fmt.Errorf("request body %s: encoding is not supported", mt)
			}
			m := contract.Media{Type: mt}
			// Only JSON bodies are validated against their schema.
			if media.Schema != nil && contract.IsJSON(strings.ToLower(mt)) {
				if m.Schema, err = compileSchema(media.Schema, "", nil); err != nil {
					return nil, fmt.Errorf("request body %s: %w", mt, err)
				}
			}
			out.Body.Content = append(out.Body.Content, m)
		}
		if len(out.Body.Content) == 0 {
			return nil, fmt.Errorf("request body without content is not supported")
		}
	}
	return out, nil
}

func compileParam(p *openapi3.Parameter) (contract.Param, error) {
	out := contract.Param{In: p.In, Name: p.Name, Required: p.Required}
	defaultStyle := map[string]string{openapi3.ParameterInPath: "simple", openapi3.ParameterInQuery: "form", openapi3.ParameterInHeader: "simple"}
	style, ok := defaultStyle[p.In]
	switch {
	case !ok:
		return out, fmt.Errorf("parameters in %q are not supported", p.In)
	case p.Content != nil:
		return out, fmt.Errorf("content parameters are not supported")
	case p.Schema == nil:
		return out, fmt.Errorf("a parameter needs a schema")
	case p.Style != "" && p.Style != style:
		return out, fmt.Errorf("style %q is not supported", p.Style)
	case p.Explode != nil:
		return out, fmt.Errorf("explode is not supported")
	case p.AllowEmptyValue:
		return out, fmt.Errorf("allowEmptyValue is not supported")
	case p.AllowReserved:
		return out, fmt.Errorf("allowReserved is not supported")
	}
	s, err := compileSchema(p.Schema, "", nil)
	if err != nil {
		return out, err
	}
	switch s.Type {
	case "string", "integer", "number", "boolean":
	default:
		return out, fmt.Errorf("type %q: only primitive parameters are supported", s.Type)
	}
	out.Schema = s
	if raw, ok := p.Extensions["x-label"]; ok {
		if out.Label, ok = raw.(string); !ok || out.Label == "" {
			return out, fmt.Errorf("x-label must be a label")
		}
	}
	return out, nil
}

// goPattern is kin-openapi's reading of an ECMA-262 pattern: \uXXXX
// escapes become Go's \x{XXXX}; the rest is taken as RE2 syntax.
var uEscape = regexp.MustCompile(`\\u([0-9A-F]{4})`)

func compileSchema(ref *openapi3.SchemaRef, at string, seen []*openapi3.Schema) (*contract.Schema, error) {
	s := ref.Value
	if s == nil {
		return nil, fmt.Errorf("%s: unresolved $ref %q", where(at), ref.Ref)
	}
	if slices.Contains(seen, s) {
		return nil, fmt.Errorf("%s: recursive schemas are not supported", where(at))
	}
	seen = append(seen, s)
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where(at), err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("%s: %w", where(at), err)
	}
	for k := range keys {
		if !schemaKeywords[k] && !strings.HasPrefix(k, "x-") {
			return nil, fmt.Errorf("%s: keyword %q is not implemented by the request validator", where(at), k)
		}
	}
	// Settings that marshal to nothing yet would change a verdict.
	if s.ReadOnly || s.WriteOnly || s.UniqueItems || s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet() || s.MultipleOf != nil || s.Not != nil ||
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0 || s.MinProps != 0 || s.MaxProps != nil {
		return nil, fmt.Errorf("%s: a keyword is not implemented by the request validator", where(at))
	}
	out := &contract.Schema{Nullable: s.Nullable, MinLength: int64(s.MinLength), MinItems: int64(s.MinItems)}
	if s.Type == nil || len(s.Type.Slice()) != 1 {
		return nil, fmt.Errorf("%s: exactly one type is required", where(at))
	}
	out.Type = s.Type.Slice()[0]
	switch out.Type {
	case "string", "integer", "number", "boolean", "array", "object":
	default:
		return nil, fmt.Errorf("%s: type %q is not supported", where(at), out.Type)
	}
	if len(s.Enum) > 0 {
		if out.Type != "string" {
			return nil, fmt.Errorf("%s: only string enums are supported", where(at))
		}
		for _, e := range s.Enum {
			str, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: enum value %v is not a string", where(at), e)
			}
			out.Enum = append(out.Enum, str)
		}
	}
	if s.MaxLength != nil {
		out.MaxLength = contract.Int64(int64(*s.MaxLength))
	}
	if s.MaxItems != nil {
		out.MaxItems = contract.Int64(int64(*s.MaxItems))
	}
	if s.Min != nil {
		out.Minimum = contract.Float64(*s.Min)
	}
	if s.Max != nil {
		out.Maximum = contract.Float64(*s.Max)
	}
	if s.Format != "" {
		if out.Type != "string" || !contract.KnownFormat(s.Format) {
			return nil, fmt.Errorf("%s: format %q of a %s is not supported", where(at), s.Format, out.Type)
		}
		out.Format = s.Format
	}
	if s.Pattern != "" {
		out.Pattern = uEscape.ReplaceAllString(s.Pattern, `\x{$1}`)
		if _, err := regexp.Compile(out.Pattern); err != nil {
			return nil, fmt.Errorf("%s: pattern: %w", where(at), err)
		}
		if s.Example != nil {
			out.Example = fmt.Sprintf("%v", s.Example)
		}
	}
	if s.Items != nil {
		if out.Items, err = compileSchema(s.Items, at+"[]", seen); err != nil {
			return nil, err
		}
	}
	if len(s.Properties) > 0 {
		out.Properties = make(map[string]*contract.Schema, len(s.Properties))
		for name, p := range s.Properties {
			if out.Properties[name], err = compileSchema(p, join(at, name), seen); err != nil {
				return nil, err
			}
		}
	}
	out.Required = slices.Clone(s.Required)
	if raw, ok := s.Extensions["x-labels"]; ok {
		labels, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: x-labels is not a map of property names to labels", where(at))
		}
		out.Labels = make(map[string]string, len(labels))
		for name, l := range labels {
			label, ok := l.(string)
			if _, known := s.Properties[name]; !ok || !known || label == "" {
				return nil, fmt.Errorf("%s: x-labels: %q must name a property with a label", where(at), name)
			}
			out.Labels[name] = label
		}
	}
	if raw, ok := s.Extensions["x-choice"]; ok {
		choice, ok := raw.(bool)
		if !ok || out.Type != "string" {
			return nil, fmt.Errorf("%s: x-choice is true or false, on a string", where(at))
		}
		out.Choice = choice
	}
	switch ap := s.AdditionalProperties; {
	case ap.Schema != nil:
		return nil, fmt.Errorf("%s: additionalProperties as a schema is not supported", where(at))
	case ap.Has != nil && !*ap.Has:
		out.NoAdditional = true
	}
	return out, nil
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func where(at string) string {
	if at == "" {
		return "schema"
	}
	return "schema at " + at
}
