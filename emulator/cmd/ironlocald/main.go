// Command ironlocald is the headless ironlocal daemon: the Iron.io emulator
// (IronMQ v3, IronWorker v2, IronCache v1) on one HTTP listener, with no GUI and no cgo.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ironlocal/ironlocal/emulator/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "exec" {
		return runExec(args[1:])
	}
	cfg, err := parseConfig(args, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald:", err)
		return 2
	}
	logger := newLogger(cfg.logLevel)
	// Signals are caught before the listener opens, so a SIGTERM that
	// arrives as soon as /version answers still shuts down cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	srv, err := server.Start(cfg.options(logger))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald:", err)
		return 1
	}
	printBanner(os.Stdout, cfg, srv.URL(), srv.RuntimeName(), time.Since(start))
	<-ctx.Done()
	stop() // a second signal now kills the process at once
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Close(shutdownCtx); err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald: shutdown:", err)
		return 1
	}
	return 0
}
