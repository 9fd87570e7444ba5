// Package secrets holds the values that must not sit in a Lambda's
// environment (the Stripe API key, the webhook's signing secret): in AWS
// they are SecureString parameters of Systems Manager Parameter Store,
// read at first use (never at cold start) and kept for the life of the
// process; on the local stack and in tests they are given as they are.
package secrets

import (
	"context"
	"errors"
	"sync"
)

// Reader reads one parameter's decrypted value (ParameterStore).
type Reader interface {
	Read(ctx context.Context, name string) (string, error)
}

// Secret is one secret value. Safe for concurrent use.
type Secret struct {
	reader Reader // nil for a given value
	name   string // the parameter's name

	mu    sync.Mutex
	value string
}

// Value is a secret given as it is (local stack, tests). An empty value is
// a secret that is not configured: Get says so.
func Value(v string) *Secret { return &Secret{value: v} }

// Parameter is the parameter name, read by r at the first Get and kept. A
// failed read is not kept: the next Get tries again.
func Parameter(r Reader, name string) *Secret { return &Secret{reader: r, name: name} }

// ErrNotConfigured is Get's answer for a secret that has no value and no
// parameter to read it from.
var ErrNotConfigured = errors.New("secrets: not configured")

// Get returns the value, reading the parameter the first time.
func (s *Secret) Get(ctx context.Context) (string, error) {
	if s == nil {
		return "", ErrNotConfigured
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" {
		return s.value, nil
	}
	if s.reader == nil || s.name == "" {
		return "", ErrNotConfigured
	}
	v, err := s.reader.Read(ctx, s.name)
	if err != nil {
		return "", err
	}
	s.value = v
	return v, nil
}
