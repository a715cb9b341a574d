package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/daemon"
	"github.com/ironlocal/ironlocal/emulator/seed"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// runExec implements `ironlocald exec [flags] -- CMD ARGS…`: start ironlocal
// (ephemeral and on a free port unless flags say otherwise), run CMD with the
// IRON_* environment pointing at it, stop, and exit with CMD's status — like
// `firebase emulators:exec`.
func runExec(args []string) int {
	sep := slices.Index(args, "--")
	if sep < 0 || sep == len(args)-1 {
		fmt.Fprintln(os.Stderr, "usage: ironlocald exec [flags] -- COMMAND [ARGS…]")
		return 2
	}
	flags, command := args[:sep], args[sep+1:]
	getenv := func(k string) string {
		switch k {
		case "IRONLOCAL_LISTEN":
			if v := os.Getenv(k); v != "" {
				return v
			}
			return "127.0.0.1:0"
		case "IRONLOCAL_EPHEMERAL":
			if v := os.Getenv(k); v != "" {
				return v
			}
			if !slices.ContainsFunc(flags, func(f string) bool { return f == "--data-dir" || f == "-data-dir" }) {
				return "true"
			}
		}
		return os.Getenv(k)
	}
	cfg, err := daemon.Parse("ironlocald exec", flags, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald exec:", err)
		return 2
	}
	logger := cfg.Logger()
	srv, err := server.Start(cfg.Options(logger))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald exec:", err)
		return 1
	}
	code := runChild(command, childEnv(cfg, srv), logger)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald exec: shutdown:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// childEnv is the caller's environment plus what the Iron clients read.
func childEnv(c daemon.Config, srv *server.Server) []string {
	host, port := daemon.HostPort(srv.URL())
	token, project := c.Token(emulator.DefaultToken), c.Project(seed.DefaultProject)
	return append(os.Environ(),
		"IRON_HOST="+host, "IRON_PORT="+port, "IRON_SCHEME=http", "IRON_PROTOCOL=http",
		"IRON_TOKEN="+token, "IRON_PROJECT_ID="+project, "IRONLOCAL_URL="+srv.URL())
}

// runChild runs the command, forwarding SIGINT/SIGTERM, and returns its
// exit status (128+signal when a signal ended it).
func runChild(command, env []string, logger *slog.Logger) int {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "ironlocald exec:", err)
		return 127
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			logger.Info("forwarding signal to command", "signal", sig.String())
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			var ee *exec.ExitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &ee):
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "ironlocald exec:", err)
			return 1
		}
	}
}
