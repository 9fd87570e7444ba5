package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Kinds of binary the harness measures.
const (
	kindFunction = "function"
	kindHello    = "hello"
	kindFloor    = "floor"
)

// binary is one program to build and time.
type binary struct {
	Name  string // directory name, which go build names the binary after
	Pkg   string // ./functions/x or ./infra/coldstart/x
	Kind  string
	ID    string   // template logical ID (functions only)
	Floor string   // name of the floor binary it is compared with (functions only)
	SDK   []string // AWS SDK clients it constructs (linkedServices)
	Env   []string // variables beyond lambdaEnv (the template's)

	HostPath   string
	HostSize   int64
	LambdaSize int64
}

// yardstickDir holds hello and the floor-* programs.
const yardstickDir = "infra/coldstart"

// parseLambdas reads the Makefile's LAMBDAS words, "LogicalId:directory".
func parseLambdas(s string) ([]binary, error) {
	var out []binary
	for _, w := range strings.Fields(s) {
		id, dir, ok := strings.Cut(w, ":")
		if !ok || id == "" || dir == "" || strings.Contains(dir, "/") {
			return nil, fmt.Errorf("lambda %q: want LogicalId:directory", w)
		}
		out = append(out, binary{Name: dir, Pkg: "./functions/" + dir, Kind: kindFunction, ID: id})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no lambdas given")
	}
	return out, nil
}

// yardsticks lists hello and every floor-* directory under root.
func yardsticks(root string) ([]binary, error) {
	out := []binary{{Name: "hello", Pkg: "./" + yardstickDir + "/hello", Kind: kindHello}}
	dirs, err := filepath.Glob(filepath.Join(root, yardstickDir, "floor-*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		name := filepath.Base(d)
		out = append(out, binary{Name: name, Pkg: "./" + yardstickDir + "/" + name, Kind: kindFloor})
	}
	if len(out) == 1 {
		return nil, fmt.Errorf("no %s/floor-* programs", yardstickDir)
	}
	return out, nil
}

// assignFloors gives each function the floor that constructs exactly the
// same SDK clients (linkedServices): internal/app builds DynamoDB and SQS
// for every function, the mail sender adds SES. A function with a set no
// floor has fails the run, naming the floor to add, rather than being
// compared with the wrong one.
func assignFloors(bins []binary) error {
	floors := map[string]string{}
	for _, b := range bins {
		if b.Kind != kindFloor {
			continue
		}
		key := strings.Join(b.SDK, "+")
		if other, dup := floors[key]; dup {
			return fmt.Errorf("%s and %s both construct %q: keep one floor per set of clients", other, b.Name, key)
		}
		floors[key] = b.Name
	}
	for i, b := range bins {
		if b.Kind != kindFunction {
			continue
		}
		key := strings.Join(b.SDK, "+")
		f, ok := floors[key]
		if !ok {
			return fmt.Errorf("%s links the SDK clients %q and no %s/floor-* program links exactly those: add one", b.Name, key, yardstickDir)
		}
		bins[i].Floor = f
	}
	return nil
}

// buildFlags holds the Makefile's LAMBDA_FLAGS, split by the shell.
type buildFlags []string

// build compiles every binary into dir with one go build (it builds
// packages in parallel and names each binary after its directory). env
// is GOOS, GOARCH, CGO_ENABLED and the like.
func build(root, dir string, env []string, flags buildFlags, bins []binary) error {
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", dir+string(os.PathSeparator))
	for _, b := range bins {
		args = append(args, b.Pkg)
	}
	_, err := goCmd(root, env, args...)
	return err
}

// hostEnv builds for the machine the harness runs on, static like the
// Lambda build, so that no dynamic loader work is timed.
func hostEnv() []string {
	return []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}
}

func goCmd(root string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(goCommand, args...)
	cmd.Dir = root
	cmd.Env = mergeEnv(os.Environ(), env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s go %s: %w\n%s", strings.Join(env, " "), strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// goCommand is the go tool to run (the Makefile's $(GO)).
var goCommand = "go"
