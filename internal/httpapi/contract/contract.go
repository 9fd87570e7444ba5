// Package contract holds what openapi.yaml asks of each request, prepared at
// build time (see internal/httpapi/apispec, which compiles it and writes
// internal/httpapi's contract_gen.go), and checks values against it. It
// imports no OpenAPI library, so that a Lambda pays nothing at cold start
// for the contract beyond building these structs.
//
// Only the subset of OpenAPI 3.0 that cecportal's document uses is here;
// apispec refuses a document that needs anything more, so that no part of
// the contract can go silently unchecked.
package contract

import (
	"strings"
)

// Contract is every operation of one OpenAPI document.
type Contract struct {
	Operations []*Operation // sorted by path, then method
}

// Operation looks up method and path template ("/holders/{holderId}").
func (c *Contract) Operation(method, path string) *Operation {
	if c == nil {
		return nil
	}
	for _, op := range c.Operations {
		if op.Method == method && op.Path == path {
			return op
		}
	}
	return nil
}

// HasPath reports whether the document lists path, whatever the method.
func (c *Contract) HasPath(path string) bool {
	if c == nil {
		return false
	}
	for _, op := range c.Operations {
		if op.Path == path {
			return true
		}
	}
	return false
}

// Operation is one method on one path.
type Operation struct {
	Method string // upper case
	Path   string // the template as in the document
	// Public is true when the effective security lists no requirement
	// (`security: []`): the operation takes no token.
	Public bool
	Roles  []string // x-roles, for the record; Access is what is enforced
	Params []Param  // path-item and operation parameters, the operation's winning
	Body   *Body    // nil when the operation declares no requestBody
}

// Param is one parameter, in path, query or header, of a primitive type,
// in the default style (simple for path and header, form for query).
type Param struct {
	In       string // "path", "query" or "header"
	Name     string
	Required bool
	Schema   *Schema
	Label    string // how a person knows it ("the renewal year"): x-label; "" for none
}

// Body is an operation's requestBody.
type Body struct {
	Required bool
	Content  []Media // sorted by media type
}

// Media is one media type of a body, lower case, with its schema.
type Media struct {
	Type   string
	Schema *Schema
}

// Media finds the entry for a Content-Type header value as kin-openapi's
// Content.Get does: the whole value, then without parameters, then type/*,
// then */*.
func (b *Body) Media(contentType string) *Media {
	if b == nil {
		return nil
	}
	if contentType == "" {
		return b.lookup("*/*")
	}
	mt := strings.ToLower(strings.TrimSpace(contentType))
	if m := b.lookup(mt); m != nil {
		return m
	}
	base, _, _ := strings.Cut(mt, ";")
	base = strings.TrimSpace(base)
	if m := b.lookup(base); m != nil {
		return m
	}
	typ, _, ok := strings.Cut(base, "/")
	if !ok {
		return nil
	}
	if m := b.lookup(typ + "/*"); m != nil {
		return m
	}
	return b.lookup("*/*")
}

func (b *Body) lookup(mt string) *Media {
	for i := range b.Content {
		if b.Content[i].Type == mt {
			return &b.Content[i]
		}
	}
	return nil
}

// MediaTypes lists the body's media types, sorted.
func (b *Body) MediaTypes() []string {
	out := make([]string, len(b.Content))
	for i, m := range b.Content {
		out[i] = m.Type
	}
	return out
}

// IsJSON reports whether a media type (lower case, without parameters) is
// JSON: the only bodies validated against their schema; others (a CSV
// roster) are parsed by their handlers, which report problems by row.
func IsJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }
