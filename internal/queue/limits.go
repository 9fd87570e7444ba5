package queue

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits SQS enforces. Both adapters check them before doing anything, so
// that the embedded twin, and moto (which accepts an empty body), fail where
// AWS would instead of in production.
const (
	// MaxBodyBytes bounds one message and the sum of one batch (SQS raised it
	// from 256 KiB to 1 MiB in 2025).
	MaxBodyBytes = 1 << 20
	// MaxWait is the longest long poll; longer waits are shortened to it.
	MaxWait = 20 * time.Second
	// MaxVisibility is the longest a message can be hidden.
	MaxVisibility = 12 * time.Hour
	// DefaultVisibilityTimeout applies when Config leaves it zero, as it does
	// when the template omits VisibilityTimeout.
	DefaultVisibilityTimeout = 30 * time.Second
)

// maxMaxReceives is the largest maxReceiveCount a redrive policy accepts.
const maxMaxReceives = 1000

// queueName is compiled on first use: only queue creation (tests, the
// local stack) checks names, and every Lambda would pay for it at start.
var queueName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`) })

// validate checks cfg against what CreateQueue would accept.
func (cfg Config) validate() error {
	if !queueName().MatchString(cfg.Name) {
		return fmt.Errorf("queue name %q: want 1 to 80 letters, digits, '-' or '_'", cfg.Name)
	}
	if v := cfg.VisibilityTimeout; v < 0 || v > MaxVisibility || v%time.Second != 0 {
		return fmt.Errorf("queue %s: visibility timeout %v: want whole seconds from 0 to %v", cfg.Name, v, MaxVisibility)
	}
	if cfg.DeadLetter == "" {
		if cfg.MaxReceives != 0 {
			return fmt.Errorf("queue %s: MaxReceives needs a DeadLetter queue", cfg.Name)
		}
		return nil
	}
	if cfg.DeadLetter == cfg.Name {
		return fmt.Errorf("queue %s: cannot be its own dead-letter queue", cfg.Name)
	}
	if cfg.MaxReceives < 1 || cfg.MaxReceives > maxMaxReceives {
		return fmt.Errorf("queue %s: MaxReceives %d: want 1 to %d", cfg.Name, cfg.MaxReceives, maxMaxReceives)
	}
	return nil
}

// visibility is the queue's effective visibility timeout.
func (cfg Config) visibility() time.Duration {
	if cfg.VisibilityTimeout == 0 {
		return DefaultVisibilityTimeout
	}
	return cfg.VisibilityTimeout
}

// checkBody accepts what SendMessage accepts: 1 byte to MaxBodyBytes of the
// Unicode characters XML allows.
func checkBody(body string) error {
	if body == "" {
		return errors.New("empty message body")
	}
	if len(body) > MaxBodyBytes {
		return fmt.Errorf("message body of %d bytes exceeds %d", len(body), MaxBodyBytes)
	}
	if !utf8.ValidString(body) {
		return errors.New("message body is not valid UTF-8")
	}
	for _, r := range body {
		if !(r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			return fmt.Errorf("message body contains character %U, which SQS refuses", r)
		}
	}
	return nil
}

func checkBatch(bodies []string) error {
	if len(bodies) < 1 || len(bodies) > MaxBatch {
		return fmt.Errorf("batch of %d messages: want 1 to %d", len(bodies), MaxBatch)
	}
	total := 0
	for i, b := range bodies {
		if err := checkBody(b); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		total += len(b)
	}
	if total > MaxBodyBytes {
		return fmt.Errorf("batch of %d bytes exceeds %d", total, MaxBodyBytes)
	}
	return nil
}

func checkMax(max int) error {
	if max < 1 || max > MaxBatch {
		return fmt.Errorf("receive %d messages: want 1 to %d", max, MaxBatch)
	}
	return nil
}

// clampWait turns a wait into what a long poll allows.
func clampWait(wait time.Duration) time.Duration {
	return min(max(wait, 0), MaxWait)
}

func checkVisibility(d time.Duration) error {
	if d < 0 || d > MaxVisibility {
		return fmt.Errorf("visibility %v: want 0 to %v", d, MaxVisibility)
	}
	return nil
}
