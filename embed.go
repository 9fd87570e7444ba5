// Package cecportal holds the files the running system reads as data: the
// HTTP API contract (openapi.yaml) and the association's default policy.
// They are embedded so that a Lambda binary carries exactly the contract and
// policy it was built and tested with.
package cecportal

import "embed"

// OpenAPI is the HTTP API contract; requests are validated against it.
//
//go:embed openapi.yaml
var OpenAPI []byte

// DefaultPolicy is the association's policy as shipped (SPEC defaults).
//
//go:embed policy/default.yaml
var DefaultPolicy []byte

// Email is the association's own email templates (policy/email: NAME.txt,
// NAME.html), each replacing the shipped one of its name
// (internal/notify/templates); a README explains them.
//
//go:embed policy/email
var Email embed.FS

// Brand is the association's logo (policy/brand), named by the policy's
// association.logo; a README explains it.
//
//go:embed policy/brand
var Brand embed.FS
