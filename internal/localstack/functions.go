package localstack

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/httpapi"
)

// handler is what one function of app.Functions runs in the stack,
// in-process: the API of an HTTP function, the work of a consumer, the run
// of a scheduled job.
type handler struct {
	api  *httpapi.API
	work consumer.Work
	run  func(context.Context) error
	// every, when set, runs a job with a rate more often than AWS does.
	every time.Duration
}

// wired is what the stack serves, drains and schedules for the functions.
type wired struct {
	apis      []*httpapi.API           // in the order of app.Functions
	consumers map[string]consumer.Work // by the queue each drains
	jobs      []Job                    // rates first, then daily jobs by time of day
}

// wire builds, from fns (app.Functions), the stack's APIs, consumers and
// jobs out of handlers, by function ID; daily jobs run in loc. Every
// function needs the handler its kind runs, and every handler a function.
func wire(fns []app.Function, handlers map[string]handler, loc *time.Location) (wired, error) {
	w := wired{consumers: map[string]consumer.Work{}}
	var problems []string
	for _, fn := range fns {
		h, ok := handlers[fn.ID]
		var wrong bool
		switch fn.Kind {
		case app.HTTP:
			wrong = h.api == nil || h.work != nil || h.run != nil
			w.apis = append(w.apis, h.api)
		case app.Consumer:
			wrong = h.work == nil || h.api != nil || h.run != nil
			if _, dup := w.consumers[fn.Queue]; dup {
				problems = append(problems, fmt.Sprintf("queue %s has two consumers", fn.Queue))
			}
			w.consumers[fn.Queue] = h.work
		case app.Scheduled:
			wrong = h.run == nil || h.api != nil || h.work != nil
			s := fn.Schedule
			j := Job{Name: s.Job, Run: h.run}
			if s.Daily {
				j.Daily, j.At, j.Location = true, s.At, loc
			} else {
				j.Every = s.Every
				if h.every > 0 {
					j.Every = h.every
				}
			}
			w.jobs = append(w.jobs, j)
		default:
			wrong = true
		}
		if !ok || wrong {
			problems = append(problems, fmt.Sprintf("%s (%s) has no handler of its kind in the local stack", fn.ID, fn.Kind))
		}
	}
	for id := range handlers {
		if !slices.ContainsFunc(fns, func(fn app.Function) bool { return fn.ID == id }) {
			problems = append(problems, fmt.Sprintf("the local stack has a handler for %s, which is no function of app.Functions", id))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return wired{}, fmt.Errorf("wire the functions: %s", strings.Join(problems, "; "))
	}
	// As in AWS, a daily job due earlier in the day runs first.
	sort.SliceStable(w.jobs, func(i, k int) bool { return jobTime(w.jobs[i]) < jobTime(w.jobs[k]) })
	return w, nil
}

// jobTime orders jobs: rates first, then daily jobs by their time of day.
func jobTime(j Job) time.Duration {
	if !j.Daily {
		return -1
	}
	return j.At
}
