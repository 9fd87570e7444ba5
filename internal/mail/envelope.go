package mail

import (
	"fmt"
	netmail "net/mail"
)

// MaxRecipients is the most recipients SES accepts on one message.
const MaxRecipients = 50

// CheckEnvelope refuses, before anything is sent, the envelopes SES refuses.
// Both adapters call it, so that the outbox, and moto (which accepts a
// message with no recipient), fail where SES would.
func CheckEnvelope(from string, to []string) error {
	if _, err := netmail.ParseAddress(from); err != nil {
		return fmt.Errorf("%w: sender %q: %v", ErrRejected, from, err)
	}
	if len(to) == 0 {
		return fmt.Errorf("%w: no recipient", ErrRejected)
	}
	if len(to) > MaxRecipients {
		return fmt.Errorf("%w: %d recipients, more than %d", ErrRejected, len(to), MaxRecipients)
	}
	for _, addr := range to {
		if _, err := netmail.ParseAddress(addr); err != nil {
			return fmt.Errorf("%w: recipient %q: %v", ErrRejected, addr, err)
		}
	}
	return nil
}
