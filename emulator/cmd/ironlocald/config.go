package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// config is the daemon's configuration: each flag can also come from an
// IRONLOCAL_* environment variable (flag wins).
type config struct {
	listen       string
	dataDir      string
	ephemeral    bool
	syncWrites   bool
	tokens       string
	projects     string
	virtualClock bool
	logLevel     string
	bodyLimit    int
	runtime      string
	taskSlots    int
	maxTimeout   int
	liveLogs     bool
	stackImages  string
	network      string
	labels       string
	noIronEnv    bool
	seed         string
}

func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("ironlocald", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := func(name, def string) string {
		if v := getenv("IRONLOCAL_" + name); v != "" {
			return v
		}
		return def
	}
	envBool := func(name string) bool {
		v := strings.ToLower(getenv("IRONLOCAL_" + name))
		return v == "1" || v == "true" || v == "yes"
	}
	fs.StringVar(&c.listen, "listen", env("LISTEN", server.DefaultListen), "address to listen on (IRONLOCAL_LISTEN)")
	fs.StringVar(&c.dataDir, "data-dir", env("DATA_DIR", server.DefaultDataDir()), "data directory (IRONLOCAL_DATA_DIR)")
	fs.BoolVar(&c.ephemeral, "ephemeral", envBool("EPHEMERAL"), "keep all state in memory (IRONLOCAL_EPHEMERAL)")
	fs.BoolVar(&c.syncWrites, "sync-writes", envBool("SYNC_WRITES"), "fsync every write: survive power loss, not only a killed process (IRONLOCAL_SYNC_WRITES)")
	fs.StringVar(&c.tokens, "token", env("TOKEN", ""), "comma-separated accepted tokens; switches on strict auth (IRONLOCAL_TOKEN)")
	fs.StringVar(&c.projects, "project", env("PROJECT", ""), "comma-separated known project ids for strict auth (IRONLOCAL_PROJECT)")
	fs.BoolVar(&c.virtualClock, "virtual-clock", envBool("VIRTUAL_CLOCK"), "freeze the clock; move it with POST /_ironlocal/clock (IRONLOCAL_VIRTUAL_CLOCK)")
	fs.StringVar(&c.logLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (IRONLOCAL_LOG_LEVEL)")
	fs.IntVar(&c.bodyLimit, "message-body-limit", 256<<10, "largest IronMQ message body in bytes")
	fs.StringVar(&c.runtime, "runtime", env("RUNTIME", "auto"), "where tasks run: docker, process, or auto (Docker when an engine answers) (IRONLOCAL_RUNTIME)")
	fs.IntVar(&c.taskSlots, "task-slots", envInt(getenv, "TASK_SLOTS"), "tasks running at once; 0 = 2×CPUs (IRONLOCAL_TASK_SLOTS)")
	fs.IntVar(&c.maxTimeout, "max-task-timeout", envInt(getenv, "MAX_TASK_TIMEOUT"), "largest task timeout in seconds; 0 = 3600 (IRONLOCAL_MAX_TASK_TIMEOUT)")
	fs.BoolVar(&c.liveLogs, "live-logs", envBool("LIVE_LOGS"), "serve logs of running tasks instead of 404 until they finish (IRONLOCAL_LIVE_LOGS)")
	fs.StringVar(&c.stackImages, "stack-image", env("STACK_IMAGE", ""), "comma-separated STACK=IMAGE: local images that run zip packages (IRONLOCAL_STACK_IMAGE)")
	fs.StringVar(&c.network, "docker-network", env("DOCKER_NETWORK", ""), "task containers' network mode: host (default), container:self (share this container's network, when ironlocal itself runs in a container), container:<id> or a network (IRONLOCAL_DOCKER_NETWORK)")
	fs.StringVar(&c.labels, "container-labels", env("CONTAINER_LABELS", ""), "comma-separated KEY=VALUE labels for every task container (IRONLOCAL_CONTAINER_LABELS)")
	fs.StringVar(&c.seed, "seed", env("SEED", ""), "seed file (JSON, see fixtures/seed/) loaded into an empty store at start (IRONLOCAL_SEED)")
	fs.BoolVar(&c.noIronEnv, "no-iron-env", envBool("NO_IRON_ENV"), "do not give tasks IRON_* variables pointing at ironlocal (IRONLOCAL_NO_IRON_ENV)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(os.Stdout)
			fmt.Println("Usage: ironlocald [flags]")
			fs.PrintDefaults()
			os.Exit(0)
		}
		return c, fmt.Errorf("%w (run with -h for the flags)", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return c, err
	}
	for flagName, v := range map[string]string{"stack-image": c.stackImages, "container-labels": c.labels} {
		if _, err := splitPairs(v); err != nil {
			return c, fmt.Errorf("--%s: %w", flagName, err)
		}
	}
	return c, nil
}

func envInt(getenv func(string) string, name string) int {
	n, _ := strconv.Atoi(getenv("IRONLOCAL_" + name))
	return n
}

// splitPairs parses "k=v,k2=v2".
func splitPairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range splitList(s) {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", p)
		}
		out[k] = v
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c config) options(logger *slog.Logger) server.Options {
	stacks, _ := splitPairs(c.stackImages)
	labels, _ := splitPairs(c.labels)
	return server.Options{Listen: c.listen, DataDir: c.dataDir, Ephemeral: c.ephemeral, SyncWrites: c.syncWrites,
		Tokens: splitList(c.tokens), Projects: splitList(c.projects), VirtualClock: c.virtualClock,
		MessageBodyLimit: c.bodyLimit, Runtime: c.runtime, TaskSlots: c.taskSlots, MaxTaskTimeout: c.maxTimeout,
		LiveLogs: c.liveLogs, StackImages: stacks, DockerNetwork: c.network, ContainerLabels: labels,
		NoIronEnv: c.noIronEnv, Seed: c.seed, Logger: logger}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(level string) *slog.Logger {
	l, _ := parseLevel(level)
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// printBanner tells the user where ironlocal listens and how to point the
// official clients at it.
func printBanner(w io.Writer, c config, url, runtime string, took time.Duration) {
	host, port := hostPort(url)
	persistence := fmt.Sprintf("durable (%s", c.dataDir)
	if c.syncWrites {
		persistence += ", fsync per write)"
	} else {
		persistence += "; survives a killed process, fsync off)"
	}
	if c.ephemeral {
		persistence = "ephemeral (in memory; state is lost at exit)"
	}
	token, project := "local-token", "000000000000000000000001"
	if ts := splitList(c.tokens); len(ts) > 0 {
		token = ts[0]
	}
	if ps := splitList(c.projects); len(ps) > 0 {
		project = ps[0]
	}
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
`, server.Version, took.Round(time.Millisecond), url, persistence, authMode(c), runtime, host, port, token, project, host, port, token, project)
}

func authMode(c config) string {
	if c.tokens == "" {
		return "permissive (any non-empty token; projects appear on first use)"
	}
	return "strict (configured tokens and projects only)"
}

// hostPort splits the API URL for client settings; a wildcard listen
// address is reached at 127.0.0.1.
func hostPort(url string) (string, string) {
	hp := strings.TrimPrefix(url, "http://")
	i := strings.LastIndex(hp, ":")
	host := hp[:i]
	if host == "0.0.0.0" || host == "[::]" {
		host = "127.0.0.1"
	}
	return host, hp[i+1:]
}
