package policy

import "fmt"

//go:generate go test -run ^TestShipped_GeneratedFromYAML$ -update .

// Shipped returns the association's policy as shipped (policy/default.yaml),
// validated like any file. Every Lambda starts with it, so its YAML is turned
// into Go at build time (shipped_gen.go) instead of being parsed at each
// start; shipped_test.go fails when the two differ.
func Shipped() (*Policy, error) {
	p := shipped()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}
