// Package ids makes the opaque identifiers cecportal hands out. They are
// short enough for a person to read out (attendance rosters carry holder IDs)
// and random enough that a collision is caught by the conditional write that
// creates the item, never silently merged.
package ids

import (
	"crypto/rand"
	"strings"
)

// Crockford's base32: no I, L, O or U, so IDs survive being typed by hand.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Generator makes IDs; tests inject a deterministic one.
type Generator func(prefix string) string

// New returns prefix, a dash and 10 random base32 characters (50 bits).
func New(prefix string) string { return prefix + "-" + Random(10) }

// Random returns n random base32 characters.
func Random(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics if the OS source breaks)
	var s strings.Builder
	s.Grow(n)
	for _, c := range b {
		s.WriteByte(alphabet[c&31])
	}
	return s.String()
}
