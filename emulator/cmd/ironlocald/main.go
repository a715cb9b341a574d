// Command ironlocald is the headless ironlocal daemon: the Iron.io emulator
// (IronMQ v3, IronWorker v2, IronCache v1) on one HTTP listener, with no GUI and no cgo.
// Its flags and run loop live in emulator/daemon, shared with the desktop app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ironlocal/ironlocal/emulator/daemon"
	"github.com/ironlocal/ironlocal/plugins/builtin"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() {
	// Run under a built-in plugin's name (the container image links its
	// plugins to this binary, which keeps it small), it is that plugin.
	if plugin, ok := builtin.ForExecutable(os.Args[0]); ok {
		sdk.Serve(plugin())
		return
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// A first word that names a command (exec, trigger, reset, snapshot …;
	// cli.go) drives a running ironlocal; flags run the daemon.
	if code, ok := runCommand(args, os.Stdout, os.Stderr); ok {
		return code
	}
	cfg, err := daemon.Parse("ironlocald", args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Printf("\nCommands (ironlocald help lists them with their arguments):\n  %s\n", subcommandNames())
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald:", err)
		return 2
	}
	if cfg.ShowVersion {
		fmt.Println(daemon.VersionLine("ironlocald"))
		return 0
	}
	// The store and snapshots hold every payload: private files.
	daemon.PrivateFiles()
	// Signals are caught before the listener opens, so a SIGTERM that
	// arrives as soon as /version answers still shuts down cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal now kills the process at once
	}()
	return daemon.Serve(ctx, cfg, os.Stdout, os.Stderr)
}
