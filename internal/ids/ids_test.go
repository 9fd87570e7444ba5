package ids

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	shape := regexp.MustCompile(`^H-[0-9A-HJKMNP-TV-Z]{10}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := New("H")
		if !shape.MatchString(id) {
			t.Fatalf("id %q does not match %v", id, shape)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q in 10000", id)
		}
		seen[id] = true
	}
}
