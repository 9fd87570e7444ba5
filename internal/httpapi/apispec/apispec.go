// Package apispec is the kin-openapi side of internal/httpapi: it loads
// and validates openapi.yaml, and compiles its request checks into a
// contract.Contract, which `go generate` writes into internal/httpapi as Go
// code. The Lambdas never import it (kin-openapi's init alone costs more
// than their cold-start budget); tests, the generator, the local gateway and
// the local stack do.
package apispec

import (
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cecportal/cecportal"
)

// Load parses and validates an OpenAPI document, refusing external $refs.
func Load(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate OpenAPI document: %w", err)
	}
	return doc, nil
}

var spec struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

// Spec is cecportal's OpenAPI document (openapi.yaml, embedded), parsed and
// validated once per process.
func Spec() (*openapi3.T, error) {
	spec.once.Do(func() { spec.doc, spec.err = Load(cecportal.OpenAPI) })
	return spec.doc, spec.err
}

// PublicOperation reports whether op takes no token: its own security, or
// the document's when it has none, lists no requirement. An empty requirement
// next to others means "optional authentication", which an API Gateway JWT
// authorizer cannot express, so it is refused rather than guessed.
func PublicOperation(doc *openapi3.T, op *openapi3.Operation) (bool, error) {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return false, fmt.Errorf("optional security ({} among the requirements) is not supported by API Gateway JWT authorizers")
		}
	}
	return len(reqs) == 0, nil
}
