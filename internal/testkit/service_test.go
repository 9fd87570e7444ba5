package testkit_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/testkit"
)

func TestRelay(t *testing.T) {
	t.Run("Concurrent", func(t *testing.T) {
		r := &testkit.Relay{}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 50 {
					r.Dispatch(context.Background(), outbox.Message{Queue: "q", Body: fmt.Sprint(i, "-", j)})
				}
			})
		}
		wg.Wait()
		if n := len(r.Sent()); n != 400 {
			t.Fatalf("kept %d messages, want 400", n)
		}
		if n := len(r.Take()); n != 400 {
			t.Fatalf("took %d messages, want 400", n)
		}
		if got := r.Take(); got != nil {
			t.Fatalf("after Take: %+v", got)
		}
	})
	t.Run("TakeBodies", func(t *testing.T) {
		r := &testkit.Relay{}
		r.Dispatch(context.Background(), outbox.Message{Queue: "a", Body: "1"}, outbox.Message{Queue: "b", Body: "2"},
			outbox.Message{Queue: "a", Body: "3"})
		if got := r.TakeBodies("a"); !slices.Equal(got, []string{"1", "3"}) {
			t.Fatalf("bodies of a: %q", got)
		}
		if got := r.Sent(); len(got) != 1 || got[0].Body != "2" {
			t.Fatalf("left: %+v", got)
		}
	})
}

func TestIDs(t *testing.T) {
	next := testkit.IDs()
	if got := []string{next("H"), next("SUB"), next("H")}; !slices.Equal(got, []string{"H-0000000001", "SUB-0000000002", "H-0000000003"}) {
		t.Fatalf("IDs %q", got)
	}
	if got := testkit.IDs()("H"); got != "H-0000000001" {
		t.Fatalf("a new generator starts at %q", got)
	}
}
