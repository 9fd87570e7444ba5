// Package cecportal holds the files the running system reads as data: the
// HTTP API contract (openapi.yaml) and the association's default policy.
// They are embedded so that a Lambda binary carries exactly the contract and
// policy it was built and tested with.
package cecportal

import _ "embed"

// OpenAPI is the HTTP API contract; requests are validated against it.
//
//go:embed openapi.yaml
var OpenAPI []byte

// DefaultPolicy is the association's policy as shipped (SPEC defaults).
//
//go:embed policy/default.yaml
var DefaultPolicy []byte
