// Command shipshape builds documentation sites whose code examples are
// proven in Docker.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/shipshape/shipshape/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts a graceful stop, restore the default
	// handling so that a second Ctrl-C ends the process at once.
	go func() { <-ctx.Done(); stop() }()
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
