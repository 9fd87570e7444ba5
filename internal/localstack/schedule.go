package localstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
)

// Job is scheduled work: what EventBridge Scheduler triggers in AWS.
type Job struct {
	Name string
	// Every runs the job at this real-time interval (e.g. the outbox relay).
	Every time.Duration
	// Daily runs the job once per business date in Location, when the stack's
	// clock has passed At on that date. Moving the clock forward by days runs
	// it once for the new date, as a schedule that was down would on restart.
	Daily    bool
	At       time.Duration // time of day
	Location *time.Location
	Run      func(ctx context.Context) error
}

// Scheduler runs jobs against the stack's clock.
type Scheduler struct {
	clock clock.Clock
	log   *slog.Logger
	jobs  []Job
	tick  time.Duration

	mu      sync.Mutex
	lastDay map[string]string // job → business date last run
	lastRun map[string]time.Time
}

// NewScheduler returns a scheduler that checks its jobs every tick.
func NewScheduler(c clock.Clock, log *slog.Logger, tick time.Duration, jobs ...Job) *Scheduler {
	return &Scheduler{clock: c, log: log, jobs: jobs, tick: tick, lastDay: map[string]string{}, lastRun: map[string]time.Time{}}
}

// Run checks the jobs until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs every job that is due now and returns the names it ran.
func (s *Scheduler) RunDue(ctx context.Context) []string {
	var ran []string
	for _, j := range s.jobs {
		if !s.due(j) {
			continue
		}
		if err := j.Run(ctx); err != nil {
			s.log.ErrorContext(ctx, "scheduled job failed", "job", j.Name, "err", err)
			continue
		}
		ran = append(ran, j.Name)
	}
	return ran
}

func (s *Scheduler) due(j Job) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !j.Daily {
		now := time.Now()
		if now.Sub(s.lastRun[j.Name]) < j.Every {
			return false
		}
		s.lastRun[j.Name] = now
		return true
	}
	now := s.clock.Now().In(j.Location)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, j.Location)
	if now.Sub(midnight) < j.At {
		return false
	}
	day := now.Format(time.DateOnly)
	if s.lastDay[j.Name] == day {
		return false
	}
	s.lastDay[j.Name] = day
	return true
}

// ErrUnknownJob means no job has the name given to RunNow.
var ErrUnknownJob = errors.New("no scheduled job of that name")

// RunNow runs the named job at once, whether due or not.
func (s *Scheduler) RunNow(ctx context.Context, name string) error {
	for _, j := range s.jobs {
		if j.Name == name {
			if err := j.Run(ctx); err != nil {
				return fmt.Errorf("job %s: %w", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrUnknownJob, name)
}
