package clock

import (
	"testing"
	"time"
)

func TestSettable_Set(t *testing.T) {
	real := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := &Settable{real: func() time.Time { return real }}
	if got := c.Now(); !got.Equal(real) {
		t.Fatalf("unset clock: got %v, want real time %v", got, real)
	}
	as := time.Date(2020, 2, 29, 23, 59, 0, 0, time.UTC)
	c.Set(as)
	if got := c.Now(); !got.Equal(as) {
		t.Fatalf("after Set: got %v, want %v", got, as)
	}
	real = real.Add(90 * time.Second) // time runs on from the set instant
	if got, want := c.Now(), as.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after 90s: got %v, want %v", got, want)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(real) {
		t.Fatalf("after Reset: got %v, want %v", got, real)
	}
}
