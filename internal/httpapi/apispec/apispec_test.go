package apispec

import (
	"strings"
	"testing"
)

func TestSpec(t *testing.T) {
	a, err := Spec()
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if b, _ := Spec(); a != b {
		t.Fatal("Spec parsed the document twice")
	}
	if a.Paths.Find("/holders/me") == nil {
		t.Fatal("the embedded document lacks /holders/me")
	}
}

func TestLoad_Invalid(t *testing.T) {
	for name, spec := range map[string]string{
		"NotYAML":     "{{{",
		"NoInfo":      "openapi: 3.0.3\npaths: {}\n",
		"ExternalRef": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: 'other.yaml#/x'\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load([]byte(spec)); err == nil {
				t.Fatal("Load accepted an invalid document")
			}
		})
	}
}

// TestCompile_RefusesWhatItCannotCheck: every keyword, parameter form and
// document version the runtime validator does not implement stops the
// build instead of going unchecked.
func TestCompile_RefusesWhatItCannotCheck(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x/{id}:\n    post:\n      responses: {'200': {description: ok}}\n"
	param := func(p string) string {
		return head + "      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n        - " + p + "\n"
	}
	body := func(schema string) string {
		return head + "      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n" +
			"      requestBody:\n        content:\n          application/json:\n            schema: " + schema + "\n"
	}
	tests := map[string]struct{ doc, want string }{
		"MultipleOf":            {body("{type: number, multipleOf: 0.5}"), "not implemented"},
		"ExclusiveMinimum":      {body("{type: number, minimum: 0, exclusiveMinimum: true}"), "not implemented"},
		"UniqueItems":           {body("{type: array, items: {type: string}, uniqueItems: true}"), "not implemented"},
		"OneOf":                 {body("{oneOf: [{type: string}, {type: integer}]}"), "not implemented"},
		"AllOfInProperty":       {body("{type: object, properties: {a: {allOf: [{type: string}]}}}"), "schema at a"},
		"Not":                   {body("{type: string, not: {enum: [x]}}"), "not implemented"},
		"MinProperties":         {body("{type: object, minProperties: 1}"), "not implemented"},
		"ReadOnly":              {body("{type: object, properties: {id: {type: string, readOnly: true}}}"), "not implemented"},
		"AdditionalSchema":      {body("{type: object, additionalProperties: {type: string}}"), "additionalProperties"},
		"NoType":                {body("{properties: {a: {type: string}}}"), "exactly one type"},
		"NumberEnum":            {body("{type: integer, enum: [1, 2]}"), "string enums"},
		"UnknownFormat":         {body("{type: string, format: uuid}"), "format"},
		"IntegerFormat":         {body("{type: integer, format: int32}"), "format"},
		"NestedInItems":         {body("{type: array, items: {type: object, properties: {n: {type: number, multipleOf: 2}}}}"), "schema at [].n"},
		"CookieParameter":       {param("{name: c, in: cookie, schema: {type: string}}"), "cookie"},
		"ContentParameter":      {param("{name: q, in: query, content: {application/json: {schema: {type: object}}}}"), "content parameters"},
		"ArrayParameter":        {param("{name: q, in: query, schema: {type: array, items: {type: string}}}"), "primitive"},
		"DeepObjectParameter":   {param("{name: q, in: query, style: deepObject, schema: {type: object}}"), "style"},
		"ExplodeParameter":      {param("{name: q, in: query, explode: false, schema: {type: string}}"), "explode"},
		"AllowEmptyValue":       {param("{name: q, in: query, allowEmptyValue: true, schema: {type: string}}"), "allowEmptyValue"},
		"OptionalSecurity":      {strings.Replace(body("{type: string}"), "    post:\n", "    post:\n      security: [{}, {b: []}]\n", 1) + "components: {securitySchemes: {b: {type: http, scheme: bearer}}}\n", "optional security"},
		"OpenAPI31":             {strings.Replace(body("{type: string}"), "3.0.3", "3.1.0", 1), "3.0"},
		"RecursiveSchema":       {body("{$ref: '#/components/schemas/T'}") + "components: {schemas: {T: {type: object, properties: {next: {$ref: '#/components/schemas/T'}}}}}\n", "recursive"},
		"EncodingInRequestBody": {head + "      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      requestBody:\n        content:\n          multipart/form-data:\n            schema: {type: object}\n            encoding: {a: {contentType: text/plain}}\n", "encoding"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := Load([]byte(tt.doc))
			if err != nil {
				t.Fatalf("the test document does not load: %v", err)
			}
			_, err = Compile(doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestCompile_Supported compiles what the runtime does check, so that the
// refusals above are refusals of the keyword and not of the document.
func TestCompile_Supported(t *testing.T) {
	doc, err := Load([]byte(`openapi: 3.0.3
info: {title: t, version: '1'}
security: [{b: []}]
paths:
  /x/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^\u0041+$', example: AA}}
    put:
      x-roles: [staff]
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 1, maximum: 9, default: 2}}
        - {name: H, in: header, required: true, schema: {type: string, maxLength: 5}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [a]
              properties:
                a: {type: array, minItems: 1, maxItems: 3, items: {type: string, enum: [x, y], nullable: true}}
                d: {type: string, format: date, minLength: 1}
                e: {type: string, format: email, description: not checked}
      responses: {'204': {description: ok}}
components: {securitySchemes: {b: {type: http, scheme: bearer}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(doc)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	op := c.Operation("PUT", "/x/{id}")
	if op == nil || op.Public || len(op.Roles) != 1 || op.Roles[0] != "staff" || len(op.Params) != 3 || op.Body == nil || !op.Body.Required {
		t.Fatalf("operation = %+v", op)
	}
	if got := op.Params[0].Schema.Pattern; got != `^\x{0041}+$` {
		t.Errorf("pattern = %q, want the \\u escape rewritten for Go", got)
	}
	if op.Params[0].Schema.Example != "AA" {
		t.Errorf("example = %q", op.Params[0].Schema.Example)
	}
	s := op.Body.Media("application/json; charset=utf-8").Schema
	if !s.NoAdditional || s.Properties["a"].Items.Enum[1] != "y" || !s.Properties["a"].Items.Nullable || s.Properties["d"].Format != "date" {
		t.Errorf("body schema = %+v", s)
	}
	src, err := GoSource(c, "p", "f", "test.yaml")
	if err != nil || !strings.Contains(string(src), `Pattern: "^\\x{0041}+$"`) {
		t.Errorf("GoSource = %v\n%s", err, src)
	}
}
