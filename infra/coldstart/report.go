package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// row is one binary's figures.
type row struct {
	binary
	stats
	FloorRatio, HelloRatio, CPUFloorRatio float64 // of medians; 0 where not applicable
}

// results computes every binary's stats and its ratios to hello and to its
// floor, in the order given (yardsticks first, then the Makefile's).
func results(bins []binary, samples map[string][]sample) ([]row, error) {
	st := map[string]stats{}
	for _, b := range bins {
		s, err := summarize(samples[b.Name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		st[b.Name] = s
	}
	hello, ok := st["hello"]
	if !ok {
		return nil, fmt.Errorf("hello was not measured")
	}
	out := make([]row, 0, len(bins))
	for _, b := range bins {
		r := row{binary: b, stats: st[b.Name]}
		r.HelloRatio = ratio(r.Median, hello.Median)
		if b.Kind == kindFunction {
			f := st[b.Floor]
			r.FloorRatio = ratio(r.Median, f.Median)
			r.CPUFloorRatio = ratio(r.CPUMedian, f.CPUMedian)
		}
		out = append(out, r)
	}
	return out, nil
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// report is what one run prints: a Markdown table and the verdicts.
type report struct {
	Runs                  int
	Took                  time.Duration
	LoadBefore, LoadAfter string
	LambdaTarget          string
	MaxRatio              float64
	MaxSize               int64
	Rows                  []row
}

// misses says which targets r misses ("" for none, and for yardsticks).
func (p report) misses(r row) []string {
	if r.Kind != kindFunction {
		return nil
	}
	var m []string
	if r.FloorRatio > p.MaxRatio {
		m = append(m, fmt.Sprintf("start > %.1f× floor", p.MaxRatio))
	}
	if r.LambdaSize > p.MaxSize {
		m = append(m, fmt.Sprintf("size > %s MB", mb(p.MaxSize)))
	}
	return m
}

// write prints the report and says whether every function meets both targets.
func (p report) write(w io.Writer) bool {
	fmt.Fprintf(w, "Cold start: %d counted runs per binary, interleaved in random order; host %s/%s, %d CPUs, %s; load average %s before, %s after; %s.\n\n",
		p.Runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), p.LoadBefore, p.LoadAfter, p.Took.Round(time.Second))
	fmt.Fprintf(w, "| binary | SDK clients | floor | median ms | p90 ms | × floor | × hello | CPU ms | CPU × floor | host MB | %s MB | targets |\n", p.LambdaTarget)
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	var meet, slow, big []string
	for _, r := range p.Rows {
		floor, fr, cfr, verdict := "—", "—", "—", "(yardstick)"
		if r.Kind == kindFunction {
			floor, fr, cfr = r.Floor, x(r.FloorRatio), x(r.CPUFloorRatio)
			m := p.misses(r)
			verdict = "meets both"
			if len(m) > 0 {
				verdict = "**misses**: " + strings.Join(m, ", ")
			}
			if r.FloorRatio > p.MaxRatio {
				slow = append(slow, r.Name)
			}
			if r.LambdaSize > p.MaxSize {
				big = append(big, r.Name)
			}
			if len(m) == 0 {
				meet = append(meet, r.Name)
			}
		}
		sdk := strings.Join(chosen(r.SDK), "+")
		if sdk == "" {
			sdk = "—"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.Name, sdk, floor, ms(r.Median), ms(r.P90), fr, x(r.HelloRatio), ms(r.CPUMedian), cfr,
			mb(r.HostSize), mb(r.LambdaSize), verdict)
	}
	fmt.Fprintf(w, "\nTargets: median start at most %.1f× the SDK floor's; %s binary at most %s MB (MB = 10^6 bytes).\n", p.MaxRatio, p.LambdaTarget, mb(p.MaxSize))
	fmt.Fprintf(w, "- meet both: %s\n", list(meet))
	fmt.Fprintf(w, "- miss the %.1f× start target: %s\n", p.MaxRatio, list(slow))
	fmt.Fprintf(w, "- miss the %s MB size target: %s\n", mb(p.MaxSize), list(big))
	return len(slow) == 0 && len(big) == 0
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
func mb(n int64) string         { return fmt.Sprintf("%.2f", float64(n)/1e6) }
func x(f float64) string        { return fmt.Sprintf("%.2f×", f) }

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
