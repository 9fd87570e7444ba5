// Command coldstart measures each Lambda's cold start and binary size
// against two yardsticks built the same way: hello (aws-lambda-go alone)
// and an SDK floor (the AWS configuration and the same SDK clients, empty
// handler). It builds every function for this machine with the Makefile's
// flags, runs each against a stub Lambda Runtime API on 127.0.0.1, and
// times exec to the first GET .../invocation/next, the moment Lambda
// considers init done. It also builds the Lambda (linux/arm64) binaries,
// whose size is what gets deployed.
//
// `make coldstart` runs it with the Makefile's LAMBDAS, LAMBDA_ENV and
// LAMBDA_FLAGS; the exit status is 1 when a function misses a target (at
// most -max-ratio times its floor's median, at most -max-size bytes).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		if err == errTargetsMissed {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

var errTargetsMissed = fmt.Errorf("a target is missed")

type options struct {
	root, template string
	lambdas        string
	lambdaEnv      string
	only           string
	runs           int
	timeout        time.Duration
	seed           uint64
	maxRatio       float64
	maxSize        int64
	flags          buildFlags
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("coldstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.root, "root", ".", "repository root")
	fs.StringVar(&o.template, "template", "template.yaml", "SAM template (under -root) giving each function's environment")
	fs.StringVar(&o.lambdas, "lambdas", "", "the Makefile's LAMBDAS: LogicalId:directory words (required)")
	fs.StringVar(&o.lambdaEnv, "lambda-env", "GOOS=linux GOARCH=arm64 CGO_ENABLED=0", "the Makefile's LAMBDA_ENV, for the deployed binaries' sizes")
	fs.StringVar(&o.only, "only", "", "comma-separated function directories to measure (default all)")
	fs.IntVar(&o.runs, "runs", 40, "counted runs per binary")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "longest wait for one start")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the run order")
	fs.Float64Var(&o.maxRatio, "max-ratio", 1.2, "target: a function's median start over its SDK floor's")
	fs.Int64Var(&o.maxSize, "max-size", 12_000_000, "target: largest Lambda binary, bytes")
	fs.StringVar(&goCommand, "go", "go", "go command")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: coldstart -lambdas 'Id:dir ...' [flags] -- <go build flags>   (make coldstart passes them)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.flags = fs.Args()
	if o.lambdas == "" || len(o.flags) == 0 {
		fs.Usage()
		return fmt.Errorf("-lambdas and the build flags are required")
	}
	if o.runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	return coldstart(o, stdout, stderr)
}

func coldstart(o options, stdout, stderr io.Writer) error {
	fns, err := parseLambdas(o.lambdas)
	if err != nil {
		return err
	}
	if o.only != "" {
		fns, err = selectOnly(fns, o.only)
		if err != nil {
			return err
		}
	}
	ys, err := yardsticks(o.root)
	if err != nil {
		return err
	}
	bins := append(ys, fns...)
	tpl, err := loadTemplate(filepath.Join(o.root, o.template))
	if err != nil {
		return err
	}
	for i, b := range bins {
		if b.Kind == kindFunction {
			if bins[i].Env, err = tpl.functionEnv(b.ID); err != nil {
				return err
			}
		}
	}

	tmp, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	hostDir, lambdaDir, home := filepath.Join(tmp, "host"), filepath.Join(tmp, "lambda"), filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		return err
	}
	crossEnv := strings.Fields(o.lambdaEnv)
	fmt.Fprintf(stderr, "building %d binaries for %s/%s and for %s ...\n", len(bins), runtime.GOOS, runtime.GOARCH, o.lambdaEnv)
	if err := build(o.root, hostDir, hostEnv(), o.flags, bins); err != nil {
		return err
	}
	if err := build(o.root, lambdaDir, crossEnv, o.flags, bins); err != nil {
		return err
	}
	for i, b := range bins {
		bins[i].HostPath = filepath.Join(hostDir, b.Name)
		if bins[i].HostSize, err = size(bins[i].HostPath); err != nil {
			return err
		}
		if bins[i].LambdaSize, err = size(filepath.Join(lambdaDir, b.Name)); err != nil {
			return err
		}
		if bins[i].SDK, err = linkedServices(bins[i].HostPath); err != nil {
			return err
		}
	}
	if err := assignFloors(bins); err != nil {
		return err
	}

	api, err := startRuntimeAPI()
	if err != nil {
		return err
	}
	defer api.Close()
	envs := map[string][]string{}
	for _, b := range bins {
		envs[b.Name] = mergeEnv(lambdaEnv(b.Name, api.Addr(), home), b.Env)
	}
	loadBefore := loadAverage()
	began := time.Now()
	fmt.Fprintf(stderr, "timing %d binaries × %d runs (+1 uncounted), interleaved ...\n", len(bins), o.runs)
	samples, err := measure(api, bins, envs, o.runs, o.timeout, o.seed, func(r int) {
		if r%10 == 0 {
			fmt.Fprintf(stderr, "  round %d/%d\n", r, o.runs)
		}
	})
	if err != nil {
		return err
	}
	res, err := results(bins, samples)
	if err != nil {
		return err
	}
	rep := report{
		Runs: o.runs, Took: time.Since(began), LoadBefore: loadBefore, LoadAfter: loadAverage(),
		LambdaTarget: targetName(crossEnv), MaxRatio: o.maxRatio, MaxSize: o.maxSize, Rows: res,
	}
	if !rep.write(stdout) {
		return errTargetsMissed
	}
	return nil
}

func selectOnly(fns []binary, only string) ([]binary, error) {
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []binary
	for _, f := range fns {
		if want[f.Name] {
			out = append(out, f)
			delete(want, f.Name)
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("-only: no such function %v", want)
	}
	return out, nil
}

func size(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// loadAverage is the 1-minute load, to say how busy the shared machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "n/a"
}

func targetName(env []string) string {
	goos, goarch := "", ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOOS="); ok {
			goos = v
		}
		if v, ok := strings.CutPrefix(kv, "GOARCH="); ok {
			goarch = v
		}
	}
	return goos + "/" + goarch
}
