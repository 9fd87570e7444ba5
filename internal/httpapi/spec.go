package httpapi

import (
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cecportal/cecportal"
)

var spec struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

// Spec is cecportal's OpenAPI document (openapi.yaml, embedded), parsed and
// validated once per process.
func Spec() (*openapi3.T, error) {
	spec.once.Do(func() { spec.doc, spec.err = LoadSpec(cecportal.OpenAPI) })
	return spec.doc, spec.err
}

// newAPI serves routes against the embedded contract: the constructor of
// every Lambda's API.
func newAPI(routes []Route, opts Options) (*API, error) {
	doc, err := Spec()
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return New(doc, routes, opts)
}
