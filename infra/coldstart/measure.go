package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// sample is one cold start.
type sample struct {
	Wall time.Duration // exec to the first /next
	CPU  time.Duration // user+system time of the process, all of it init
}

// runOnce starts the binary at path with env, waits for its first /next
// on api and kills it. A process that ends or stays silent for timeout is
// an error carrying what it printed: a function that cannot start (a
// missing variable, a bad policy) must not be timed as fast.
func runOnce(api *runtimeAPI, path string, env []string, timeout time.Duration) (sample, error) {
	api.drain()
	api.Unexpected()
	cmd := exec.Command(path)
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var (
		got arrival
		err error
	)
	select {
	case got = <-api.arrivals:
	case werr := <-exited:
		return sample{}, fmt.Errorf("%s ended before calling /next (%v; runtime api saw %q):\n%s", path, werr, api.Unexpected(), tail(output.String()))
	case <-time.After(timeout):
		err = fmt.Errorf("%s did not call /next within %s:\n%s", path, timeout, tail(output.String()))
	}
	_ = cmd.Process.Kill()
	<-exited
	if err != nil {
		return sample{}, err
	}
	if !strings.HasPrefix(got.UserAgent, "aws-lambda-go/") {
		return sample{}, fmt.Errorf("%s: /next came from %q, not aws-lambda-go", path, got.UserAgent)
	}
	st := cmd.ProcessState
	return sample{Wall: got.At.Sub(start), CPU: st.UserTime() + st.SystemTime()}, nil
}

func tail(s string) string {
	const max = 2000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

// measure runs every binary once per round, in a new random order each
// round, so that whatever else the machine does falls on all of them
// alike; one round first is not counted (page cache, first exec). It
// returns the samples by binary name.
func measure(api *runtimeAPI, bins []binary, envs map[string][]string, rounds int, timeout time.Duration, seed uint64, progress func(round int)) (map[string][]sample, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make(map[string][]sample, len(bins))
	order := make([]int, len(bins))
	for i := range order {
		order[i] = i
	}
	for r := 0; r <= rounds; r++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			b := bins[i]
			s, err := runOnce(api, b.HostPath, envs[b.Name], timeout)
			if err != nil {
				return nil, err
			}
			if r > 0 {
				out[b.Name] = append(out[b.Name], s)
			}
		}
		if progress != nil {
			progress(r)
		}
	}
	return out, nil
}

// stats summarises samples.
type stats struct {
	Median, P90, CPUMedian time.Duration
}

func summarize(ss []sample) (stats, error) {
	if len(ss) == 0 {
		return stats{}, errors.New("no samples")
	}
	wall := make([]time.Duration, len(ss))
	cpu := make([]time.Duration, len(ss))
	for i, s := range ss {
		wall[i], cpu[i] = s.Wall, s.CPU
	}
	return stats{Median: quantile(wall, 0.5), P90: quantile(wall, 0.9), CPUMedian: quantile(cpu, 0.5)}, nil
}

// quantile is the q-quantile of ds by linear interpolation between closest
// ranks (the median of an even count is the mean of the middle two).
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(lo)
	return s[lo] + time.Duration(frac*float64(s[lo+1]-s[lo]))
}
