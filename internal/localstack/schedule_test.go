package localstack

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
)

func TestScheduler_Daily(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	c := clock.NewSettable()
	runs := 0
	s := NewScheduler(c, slog.Default(), time.Second, Job{Name: "reminders", Daily: true, At: 6 * time.Hour, Location: ny,
		Run: func(context.Context) error { runs++; return nil }})
	ctx := context.Background()
	steps := []struct {
		at   time.Time
		runs int
	}{
		{time.Date(2026, 3, 1, 5, 59, 0, 0, ny), 0},      // before 06:00 New York
		{time.Date(2026, 3, 1, 6, 0, 0, 0, ny), 1},       // due
		{time.Date(2026, 3, 1, 23, 0, 0, 0, ny), 1},      // same day: not again
		{time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), 1}, // 22:00 on 1 March in New York
		{time.Date(2026, 3, 9, 7, 0, 0, 0, ny), 2},       // a week later: once, not 8 times
	}
	for i, st := range steps {
		c.Set(st.at)
		s.RunDue(ctx)
		if runs != st.runs {
			t.Fatalf("step %d (%v): %d runs, want %d", i, st.at, runs, st.runs)
		}
	}
}

func TestScheduler_Every(t *testing.T) {
	s := NewScheduler(clock.System{}, slog.Default(), time.Millisecond,
		Job{Name: "relay", Every: time.Hour, Run: func(context.Context) error { return nil }})
	if got := s.RunDue(context.Background()); !slices.Equal(got, []string{"relay"}) {
		t.Fatalf("first check ran %v", got)
	}
	if got := s.RunDue(context.Background()); len(got) != 0 {
		t.Fatalf("ran again within the interval: %v", got)
	}
}
