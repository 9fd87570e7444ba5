// Command local runs the whole of cecportal on one machine (`make run`): the
// Lambda handlers behind a local API Gateway, the queue consumers, the
// schedule and a readable mail outbox, on an embedded data file by default.
// See the README for its environment variables.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/localstack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "local stack:", err)
		os.Exit(1)
	}
}

// run starts the stack and serves until ctx ends; ready, when set, receives
// the stack once it serves (the end-to-end tests use it).
func run(ctx context.Context, getenv func(string) string, logs io.Writer, ready func(*localstack.Stack)) error {
	cfg := localstack.ConfigFromEnv(getenv)
	log := app.Logger(cfg.LogLevel, logs)
	slog.SetDefault(log) // as app.Init does in a Lambda
	stack, err := localstack.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(logs, "cecportal local stack on %s (emails: %s/dev/outbox); Ctrl-C stops it\n", stack.URL, stack.URL)
	if ready != nil {
		ready(stack)
	}
	<-ctx.Done()
	return stack.Close()
}
