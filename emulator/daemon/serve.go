package daemon

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Default client settings printed when auth is permissive.
const (
	DefaultToken   = emulator.DefaultToken
	DefaultProject = emulator.DefaultProject
)

// Serve runs the headless daemon until ctx ends (the caller owns the
// signals: catch them before calling, so a SIGTERM that arrives as soon as
// /version answers still shuts down cleanly), then shuts down gracefully. It
// returns the process exit status.
func Serve(ctx context.Context, c Config, stdout, stderr io.Writer) int {
	SetMemoryLimit(os.Getenv)
	logger := c.Logger()
	start := time.Now()
	srv, err := server.Start(c.Options(logger))
	if err != nil {
		fmt.Fprintln(stderr, "ironlocald:", err)
		return 1
	}
	PrintBanner(stdout, c, srv.URL(), srv.RuntimeName(), time.Since(start))
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Close(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "ironlocald: shutdown:", err)
		return 1
	}
	return 0
}

// GCPercent is the daemon's garbage collector setting. The store keeps its
// live heap near 25 MB under sustained mixed load; with Go's default GOGC
// of 100 the heap grows to twice the live data before a collection, and
// RSS with it, while 50 collects at 1.5 times. No memory limit is set by
// default: while Badger flushes and compacts a deep queue it holds 100 MB
// of table builders for a moment, and a limit below that made the
// collector run all the time (a user's GOMEMLIMIT applies as usual).
const GCPercent = 50

// SetMemoryLimit applies GCPercent unless the user set GOGC (which the
// runtime has applied already).
func SetMemoryLimit(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

// PrintBanner tells the user where ironlocal listens and how to point the
// official clients at it.
func PrintBanner(w io.Writer, c Config, url, runtime string, took time.Duration) {
	host, port := HostPort(url)
	token, project := c.Token(DefaultToken), c.Project(DefaultProject)
	fmt.Fprintf(w, `ironlocal %s ready in %s
  API:     %s   (IronMQ v3 /3, IronWorker v2 /2, IronCache v1 /1, control plane /_ironlocal)
  Store:   %s
  Auth:    %s
  Tasks:   run on the %s runtime

Point the Iron clients at it:
  export IRON_HOST=%s IRON_PORT=%s IRON_SCHEME=http IRON_PROTOCOL=http
  export IRON_TOKEN=%s IRON_PROJECT_ID=%s
or in iron.json:
  {"host":"%s","port":%s,"scheme":"http","protocol":"http","token":"%s","project_id":"%s"}
`, server.Version, took.Round(time.Millisecond), url, c.Store(), authMode(c), runtime, host, port, token, project, host, port, token, project)
}

func authMode(c Config) string {
	if !c.Strict() {
		return "permissive (any non-empty token; projects appear on first use)"
	}
	return "strict (configured tokens and projects only)"
}

// HostPort splits an API URL (http://host:port) for client settings; a
// wildcard listen address is reached at 127.0.0.1.
func HostPort(url string) (string, string) {
	hp := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
	hp = strings.TrimSuffix(hp, "/")
	i := strings.LastIndex(hp, ":")
	if i < 0 {
		return hp, "80"
	}
	host := hp[:i]
	if host == "0.0.0.0" || host == "[::]" {
		host = "127.0.0.1"
	}
	return host, hp[i+1:]
}
