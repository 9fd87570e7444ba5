// Package fault is the error contract between cecportal's domain services
// and their callers: coded errors whose Kind the HTTP edge maps to a status
// once, so that a caller's mistake is always a 4xx with a stable code and
// never a 500. Any error that is not a *fault.Error is an internal failure.
package fault

import (
	"errors"
	"fmt"

	"github.com/cecportal/cecportal/internal/cec"
)

// Kind classifies a coded error; each kind has exactly one HTTP status.
type Kind int

const (
	Invalid              Kind = iota + 1 // 400: malformed or failed validation
	Unauthenticated                      // 401: no valid identity
	Forbidden                            // 403: identity lacks the role
	NotFound                             // 404: absent, or not the caller's to see
	Conflict                             // 409: state forbids it (exists already, illegal transition)
	TooLarge                             // 413: body over the limit
	UnsupportedMediaType                 // 415: content type not accepted
	Unprocessable                        // 422: well-formed but refused by a business rule
)

// Detail points at one problem, typically one field.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	// Figures are the detail's numbers, for clients that compute with them
	// rather than read the message: a shortfall's missing, counted and
	// required CECs, exact decimals.
	Figures map[string]cec.Hours `json:"figures,omitempty"`
}

// Error is a coded error. Code is a stable snake_case identifier clients may
// switch on; Message is for people.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details []Detail
	// Retry marks an error that the same request may not meet again (lost
	// contention): a client may repeat the request, and a queue consumer
	// must let the message be delivered again rather than drop it.
	Retry bool
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d details)", e.Code, e.Message, len(e.Details))
}

// New returns a coded error.
func New(k Kind, code, message string, details ...Detail) *Error {
	return &Error{Kind: k, Code: code, Message: message, Details: details}
}

// Errorf returns a coded error with a formatted message.
func Errorf(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// As returns the coded error in err's chain, if any.
func As(err error) (*Error, bool) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// Is reports whether err carries a coded error of kind k.
func Is(err error, k Kind) bool {
	fe, ok := As(err)
	return ok && fe.Kind == k
}

// Retryable reports whether err carries a coded error marked Retry.
func Retryable(err error) bool {
	fe, ok := As(err)
	return ok && fe.Retry
}
