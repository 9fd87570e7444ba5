package localstack

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func TestWire(t *testing.T) {
	fns := []app.Function{
		{ID: "Api", Kind: app.HTTP},
		{ID: "Drain", Kind: app.Consumer, Queue: "jobs"},
		{ID: "Late", Kind: app.Scheduled, Schedule: app.Schedule{Job: "late", Daily: true, At: 7 * time.Hour}},
		{ID: "Early", Kind: app.Scheduled, Schedule: app.Schedule{Job: "early", Daily: true, At: 6 * time.Hour}},
		{ID: "Often", Kind: app.Scheduled, Schedule: app.Schedule{Job: "often", Every: time.Minute}},
	}
	api := &httpapi.API{}
	run := func(context.Context) error { return nil }
	work := func(context.Context, string) error { return nil }
	handlers := func() map[string]handler {
		return map[string]handler{"Api": {api: api}, "Drain": {work: work},
			"Late": {run: run}, "Early": {run: run}, "Often": {run: run, every: time.Second}}
	}
	loc := time.FixedZone("assoc", -5*3600)

	t.Run("EachByItsKind", func(t *testing.T) {
		w, err := wire(fns, handlers(), loc)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.apis) != 1 || w.apis[0] != api {
			t.Errorf("apis = %v, want the one API", w.apis)
		}
		if len(w.consumers) != 1 || w.consumers["jobs"] == nil {
			t.Errorf("consumers = %v, want one on jobs", w.consumers)
		}
		var got []string
		for _, j := range w.jobs {
			got = append(got, j.Name)
		}
		if strings.Join(got, " ") != "often early late" {
			t.Errorf("jobs = %q, want the rate first, then the daily ones by time of day", got)
		}
		if j := w.jobs[0]; j.Daily || j.Every != time.Second {
			t.Errorf("often = %+v, want every second (the handler's interval over the list's minute)", j)
		}
		if j := w.jobs[1]; !j.Daily || j.At != 6*time.Hour || j.Location != loc {
			t.Errorf("early = %+v, want daily at 06:00 in the association's zone", j)
		}
	})

	t.Run("RateOfTheList", func(t *testing.T) {
		h := handlers()
		h["Often"] = handler{run: run}
		w, err := wire(fns, h, loc)
		if err != nil {
			t.Fatal(err)
		}
		if j := w.jobs[0]; j.Every != time.Minute {
			t.Errorf("often = %+v, want every minute", j)
		}
	})

	for _, tc := range []struct {
		name   string
		change func(map[string]handler)
		want   string
	}{
		{"ErrNoHandler", func(h map[string]handler) { delete(h, "Drain") }, "Drain (consumer) has no handler"},
		{"ErrWrongKind", func(h map[string]handler) { h["Api"] = handler{run: run} }, "Api (HTTP API) has no handler"},
		{"ErrTwoKinds", func(h map[string]handler) { h["Late"] = handler{run: run, work: work} }, "Late (scheduled) has no handler"},
		{"ErrHandlerOfNoFunction", func(h map[string]handler) { h["Gone"] = handler{api: api} }, "handler for Gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := handlers()
			tc.change(h)
			if _, err := wire(fns, h, loc); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("wire = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestStack_Jobs: the stack schedules the jobs of app.Functions, and its
// own TTL sweep, by the names /dev/run takes.
func TestStack_Jobs(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), RelayEvery: 3 * time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	type job struct {
		name  string
		every time.Duration
		at    time.Duration // daily
	}
	want := []job{{"outbox-relay", 3 * time.Second, 0}, {"renewal-invoices", 0, 6 * time.Hour}, {"reminders", 0, 7 * time.Hour},
		{"ttl-sweep", 0, 3 * time.Hour}, {"files-sweep", 0, 3 * time.Hour}}
	var got []job
	for _, j := range s.scheduler.jobs {
		got = append(got, job{j.Name, j.Every, j.At})
	}
	if len(got) != len(want) {
		t.Fatalf("jobs = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("job %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
