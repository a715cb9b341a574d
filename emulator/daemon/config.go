// Package daemon holds what the two ironlocal binaries share: the daemon's
// flags (each also an IRONLOCAL_* environment variable), the banner, and the
// headless run loop. emulator/cmd/ironlocald is nothing but this package; the
// desktop app (the root package main) registers the same flags, adds its own,
// and runs Serve for --headless.
package daemon

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/ironlocal/ironlocal/emulator/chaos"
	"github.com/ironlocal/ironlocal/emulator/runtime/docker"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Config is the daemon's configuration.
type Config struct {
	Listen       string
	DataDir      string
	SnapshotDir  string
	Ephemeral    bool
	SyncWrites   bool
	Tokens       string // comma-separated
	Projects     string // comma-separated
	VirtualClock bool
	LogLevel     string
	BodyLimit    int
	Runtime      string
	TaskSlots    int
	MaxTimeout   int
	LiveLogs     bool
	StackImages  string // STACK=IMAGE,…
	Network      string
	Labels       string // KEY=VALUE,…
	NoIronEnv    bool
	Seed         string
	AllowHosts   string // comma-separated
	AllowOrigins string // comma-separated
	MaxConns     int
	// Memcached is the memcached listener's address ("" = off).
	Memcached string
	// MaxCodeBytes and MaxCodeEntries bound what a code zip may extract to.
	MaxCodeBytes   int64
	MaxCodeEntries int
	// WarmImages is how many warm images the Docker engine keeps (0 = 32,
	// negative = no warm starts).
	WarmImages int
	// Pull says when the Docker runtime pulls task images.
	Pull string
	// Chaos is --chaos SEED[:PROFILE].
	Chaos string
	// JournalEntries bounds the writes kept for export-test.
	JournalEntries int
	// MaxBindings bounds the trigger bindings of one project (0 = 200).
	MaxBindings int
	// PluginsDir lists the trigger plugin directories, comma-separated
	// ("" = the built-ins next to the binary and <data-dir>/plugins).
	PluginsDir string
	// ShowVersion (--version) asks for VersionLine instead of a daemon.
	ShowVersion bool
	// Pprof serves Go's runtime profiles under /_ironlocal/debug/pprof/.
	Pprof bool
}

// Register adds the daemon's flags to fs, their defaults read from the
// IRONLOCAL_* variables through getenv (so a flag wins over the environment).
func (c *Config) Register(fs *flag.FlagSet, getenv func(string) string) {
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
	envInt := func(name string) int {
		n, _ := strconv.Atoi(getenv("IRONLOCAL_" + name))
		return n
	}
	fs.StringVar(&c.Listen, "listen", env("LISTEN", server.DefaultListen), "address to listen on (IRONLOCAL_LISTEN)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", server.DefaultDataDir()), "data directory (IRONLOCAL_DATA_DIR)")
	fs.StringVar(&c.SnapshotDir, "snapshot-dir", env("SNAPSHOT_DIR", ""), "the one directory POST /_ironlocal/snapshot saves named snapshots into; default <data-dir>/snapshots, none when --ephemeral (IRONLOCAL_SNAPSHOT_DIR)")
	fs.BoolVar(&c.Ephemeral, "ephemeral", envBool("EPHEMERAL"), "keep state only for the life of the process, in a temporary directory removed at exit (IRONLOCAL_EPHEMERAL)")
	fs.BoolVar(&c.SyncWrites, "sync-writes", envBool("SYNC_WRITES"), "fsync every write: survive power loss, not only a killed process (IRONLOCAL_SYNC_WRITES)")
	fs.StringVar(&c.Tokens, "token", env("TOKEN", ""), "comma-separated accepted tokens; switches on strict auth (IRONLOCAL_TOKEN)")
	fs.StringVar(&c.Projects, "project", env("PROJECT", ""), "comma-separated known project ids for strict auth (IRONLOCAL_PROJECT)")
	fs.BoolVar(&c.VirtualClock, "virtual-clock", envBool("VIRTUAL_CLOCK"), "freeze the clock; move it with POST /_ironlocal/clock (IRONLOCAL_VIRTUAL_CLOCK)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (IRONLOCAL_LOG_LEVEL)")
	fs.IntVar(&c.BodyLimit, "message-body-limit", cmp.Or(envInt("MESSAGE_BODY_LIMIT"), 256<<10), "largest IronMQ message body in bytes (IRONLOCAL_MESSAGE_BODY_LIMIT)")
	fs.StringVar(&c.Runtime, "runtime", env("RUNTIME", "auto"), "where tasks run: docker, process, or auto (Docker when an engine answers) (IRONLOCAL_RUNTIME)")
	fs.IntVar(&c.TaskSlots, "task-slots", envInt("TASK_SLOTS"), "tasks running at once; 0 = 2×CPUs (IRONLOCAL_TASK_SLOTS)")
	fs.IntVar(&c.MaxTimeout, "max-task-timeout", envInt("MAX_TASK_TIMEOUT"), "largest task timeout in seconds; 0 = 3600 (IRONLOCAL_MAX_TASK_TIMEOUT)")
	fs.BoolVar(&c.LiveLogs, "live-logs", envBool("LIVE_LOGS"), "serve logs of running tasks instead of 404 until they finish (IRONLOCAL_LIVE_LOGS)")
	fs.StringVar(&c.StackImages, "stack-image", env("STACK_IMAGE", ""), "comma-separated STACK=IMAGE: local images that run zip packages (IRONLOCAL_STACK_IMAGE)")
	fs.StringVar(&c.Network, "docker-network", env("DOCKER_NETWORK", ""), "task containers' network mode: host (default), container:self (share this container's network, when ironlocal itself runs in a container), container:<id> or a network (IRONLOCAL_DOCKER_NETWORK)")
	fs.StringVar(&c.Labels, "container-labels", env("CONTAINER_LABELS", ""), "comma-separated KEY=VALUE labels for every task container (IRONLOCAL_CONTAINER_LABELS)")
	fs.StringVar(&c.Seed, "seed", env("SEED", ""), "seed file (JSON, see fixtures/seed/) loaded into an empty store at start (IRONLOCAL_SEED)")
	fs.StringVar(&c.AllowHosts, "allow-host", env("ALLOW_HOST", ""), "comma-separated extra host names accepted in the Host header (.example.test for subdomains, * for any: turns DNS-rebinding protection off) (IRONLOCAL_ALLOW_HOST)")
	fs.StringVar(&c.AllowOrigins, "allow-origin", env("ALLOW_ORIGIN", ""), "comma-separated browser origins (http://localhost:3000) allowed to call ironlocal cross-origin (IRONLOCAL_ALLOW_ORIGIN)")
	fs.IntVar(&c.MaxConns, "max-connections", envInt("MAX_CONNECTIONS"), "open HTTP connections at most; past it the longest-idle one is closed; 0 = 4096, lowered to fit the open-files limit (IRONLOCAL_MAX_CONNECTIONS)")
	fs.StringVar(&c.Memcached, "memcached-listen", env("MEMCACHED_LISTEN", ""), "also serve IronCache over the memcached text protocol on this address, e.g. 127.0.0.1:11211; off by default (IRONLOCAL_MEMCACHED_LISTEN)")
	fs.BoolVar(&c.NoIronEnv, "no-iron-env", envBool("NO_IRON_ENV"), "do not give tasks IRON_* variables pointing at ironlocal (IRONLOCAL_NO_IRON_ENV)")
	fs.StringVar(&c.PluginsDir, "plugins-dir", env("PLUGINS_DIR", ""), "comma-separated directories of trigger plugins; default: plugins/ next to the binary and <data-dir>/plugins (IRONLOCAL_PLUGINS_DIR)")
	fs.BoolVar(&c.Pprof, "pprof", envBool("PPROF"), "serve Go's CPU, heap and allocation profiles under /_ironlocal/debug/pprof/ (behind the host guard; needs a token in strict mode) (IRONLOCAL_PPROF)")
	fs.Int64Var(&c.MaxCodeBytes, "max-code-bytes", int64(envInt("MAX_CODE_BYTES")), "largest total size a code zip may extract to, in bytes; 0 = 512 MiB (IRONLOCAL_MAX_CODE_BYTES)")
	fs.IntVar(&c.MaxCodeEntries, "max-code-entries", envInt("MAX_CODE_ENTRIES"), "most entries (files, directories, symlinks) a code zip may hold; 0 = 50000 (IRONLOCAL_MAX_CODE_ENTRIES)")
	fs.IntVar(&c.MaxBindings, "max-bindings", envInt("MAX_BINDINGS"), "trigger bindings per project at most (create, seed and snapshot import; each holds descriptors in a plugin); 0 = 200 (IRONLOCAL_MAX_BINDINGS)")
	fs.IntVar(&c.JournalEntries, "journal-entries", envInt("JOURNAL_ENTRIES"), "Iron API writes kept, since the start or a reset, for ironlocald export-test (GET /_ironlocal/journal); 0 = 10000, -1 = none (IRONLOCAL_JOURNAL_ENTRIES)")
	fs.StringVar(&c.Chaos, "chaos", env("CHAOS", ""), "chaos mode from the start: SEED, or SEED:kind=rate,… (kinds: redeliver, push_twice, push_fail, kill_task, delay_task, api_503, latency); the same seed and requests meet the same injections (IRONLOCAL_CHAOS)")
	fs.StringVar(&c.Pull, "pull", env("PULL", "missing"), "docker runtime: when a task's image is pulled, as docker run --pull: missing (an image the engine lacks), never (fully offline), always (IRONLOCAL_PULL)")
	fs.IntVar(&c.WarmImages, "warm-images", envInt("WARM_IMAGES"), "docker runtime: warm images kept in the engine (a code's files committed once, so its later tasks start without a copy into their container); 0 = 32, -1 = no warm starts (IRONLOCAL_WARM_IMAGES)")
	fs.BoolVar(&c.ShowVersion, "version", false, "print the version and exit")
}

// Validate checks what flag parsing cannot.
func (c Config) Validate() error {
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if _, err := docker.ParsePullPolicy(c.Pull); err != nil {
		return fmt.Errorf("--pull: %w", err)
	}
	if c.Chaos != "" {
		if _, _, err := chaos.ParseSpec(c.Chaos); err != nil {
			return fmt.Errorf("--chaos: %w", err)
		}
	}
	for flagName, v := range map[string]string{"stack-image": c.StackImages, "container-labels": c.Labels} {
		if _, err := splitPairs(v); err != nil {
			return fmt.Errorf("--%s: %w", flagName, err)
		}
	}
	return nil
}

// Parse parses the daemon's flags alone (what ironlocald takes). -h returns
// flag.ErrHelp after printing the usage to stdout.
func Parse(name string, args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.Register(fs, getenv)
	if err := ParseFlagSet(fs, args); err != nil {
		return c, err
	}
	if c.ShowVersion {
		return c, nil // --version answers whatever else is set
	}
	return c, c.Validate()
}

// ParseFlagSet parses args with fs quietly: -h prints the usage to stdout
// and returns flag.ErrHelp; other errors say how to get help; positional
// arguments are refused.
func ParseFlagSet(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Printf("Usage: %s [flags]\n", fs.Name())
			fs.PrintDefaults()
			return flag.ErrHelp
		}
		return fmt.Errorf("%w (run with -h for the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Options turns the configuration into the emulator's options.
func (c Config) Options(logger *slog.Logger) server.Options {
	stacks, _ := splitPairs(c.StackImages)
	labels, _ := splitPairs(c.Labels)
	return server.Options{Listen: c.Listen, DataDir: c.DataDir, SnapshotDir: c.SnapshotDir, Ephemeral: c.Ephemeral, SyncWrites: c.SyncWrites,
		Tokens: SplitList(c.Tokens), Projects: SplitList(c.Projects), VirtualClock: c.VirtualClock,
		MessageBodyLimit: c.BodyLimit, Runtime: c.Runtime, TaskSlots: c.TaskSlots, MaxTaskTimeout: c.MaxTimeout,
		LiveLogs: c.LiveLogs, StackImages: stacks, DockerNetwork: c.Network, ContainerLabels: labels,
		NoIronEnv: c.NoIronEnv, Seed: c.Seed, AllowHosts: SplitList(c.AllowHosts), AllowOrigins: SplitList(c.AllowOrigins),
		MaxConnections: c.MaxConns, MemcachedListen: c.Memcached, MaxCodeBytes: c.MaxCodeBytes, MaxCodeEntries: c.MaxCodeEntries, WarmImages: c.WarmImages, Pull: c.Pull, Chaos: c.Chaos, JournalEntries: c.JournalEntries, MaxBindings: c.MaxBindings, PluginsDirs: c.pluginsDirs(), Pprof: c.Pprof, Logger: logger}
}

// pluginsDirs is --plugins-dir as a list; nil (the defaults) when unset.
func (c Config) pluginsDirs() []string {
	if strings.TrimSpace(c.PluginsDir) == "" {
		return nil
	}
	return SplitList(c.PluginsDir)
}

// Logger is a text logger on stderr at the configured level.
func (c Config) Logger() *slog.Logger {
	l, _ := parseLevel(c.LogLevel)
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Token is the first configured token, or def when auth is permissive.
func (c Config) Token(def string) string {
	if ts := SplitList(c.Tokens); len(ts) > 0 {
		return ts[0]
	}
	return def
}

// Project is the first configured project, or def.
func (c Config) Project(def string) string {
	if ps := SplitList(c.Projects); len(ps) > 0 {
		return ps[0]
	}
	return def
}

// Strict reports whether strict auth is on.
func (c Config) Strict() bool { return c.Tokens != "" }

// Store describes where state is kept, for banners and the app.
func (c Config) Store() string {
	if c.Ephemeral {
		return "ephemeral (a temporary directory removed at exit)"
	}
	if c.SyncWrites {
		return fmt.Sprintf("durable (%s, fsync per write)", c.DataDir)
	}
	return fmt.Sprintf("durable (%s; survives a killed process, fsync off)", c.DataDir)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// splitPairs parses "k=v,k2=v2".
func splitPairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range SplitList(s) {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", p)
		}
		out[k] = v
	}
	return out, nil
}

// SplitList splits a comma-separated flag value, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
