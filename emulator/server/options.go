package server

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/ironlocal/ironlocal/emulator/control"
)

// DefaultListen is the default listen address: loopback only.
const DefaultListen = "127.0.0.1:4766"

// Options configure an emulator instance.
type Options struct {
	// Listen is the TCP address; "127.0.0.1:0" picks a free port.
	Listen string
	// DataDir holds the Badger database. Ignored when Ephemeral.
	DataDir string
	// SnapshotDir is the one directory POST /_ironlocal/snapshot saves
	// named snapshots into; "" = DataDir/snapshots (an ephemeral emulator
	// without one refuses to save).
	SnapshotDir string
	// Ephemeral keeps state only for the life of the process: the store
	// lives in a private temporary directory removed at Close (on disk,
	// not in memory). (Badger's
	// pure in-memory mode caps a transaction at a few MiB, below the wire
	// contract's 100 × 256 KiB post; it is used only when no temporary
	// directory can be made.)
	Ephemeral bool
	// SyncWrites fsyncs every commit (power-loss safety, slower writes).
	SyncWrites bool
	// Tokens and Projects switch on strict auth (spec §1.2).
	Tokens   []string
	Projects []string
	// VirtualClock starts the clock frozen at start-up time; it moves only
	// through the control plane (or, in Go, Server.VirtualClock and
	// Server.Control().ChangeClock).
	VirtualClock bool
	// MessageBodyLimit is the largest MQ message body; 0 = 256 KiB.
	MessageBodyLimit int

	// Runtime picks where tasks run: "docker", "process", or "auto" (the
	// default: Docker when an engine answers, else local processes).
	Runtime string
	// TaskSlots limits concurrently running tasks; 0 = 2×CPUs.
	TaskSlots int
	// MaxTaskTimeout clamps task timeouts in seconds; 0 = 3600.
	MaxTaskTimeout int
	// LiveLogs serves logs of running tasks (off: 404 until finished, as
	// the official clients expect).
	LiveLogs bool
	// StackImages maps zip packages' stacks/runtimes to local images.
	StackImages map[string]string
	// DockerNetwork is the task containers' network mode; "" = host.
	DockerNetwork string
	// ContainerLabels are added to every task container.
	ContainerLabels map[string]string
	// NoIronEnv stops injecting IRON_* variables into tasks.
	NoIronEnv bool
	// MaxCodeBytes and MaxCodeEntries bound what a code zip may extract to
	// (checked at upload against the zip's directory, and while extracting
	// against the bytes written); 0 = 512 MiB and 50,000 entries.
	MaxCodeBytes   int64
	MaxCodeEntries int
	// WarmImages is how many warm images (a code's files committed once, so
	// its later tasks start without a copy) the Docker engine keeps: 0 =
	// 32, negative = no warm starts.
	WarmImages int
	// JournalEntries bounds the Iron API writes kept for export-test
	// (GET /_ironlocal/journal): 0 = 10,000, negative = none kept.
	JournalEntries int
	// Chaos switches chaos mode on at start: "SEED" (the default profile)
	// or "SEED:kind=rate,…" (emulator/chaos.ParseSpec).
	Chaos string
	// Pull says when the Docker runtime pulls a task's image: "missing"
	// (or ""), "never" or "always", as docker run --pull.
	Pull string
	// MaxBindings bounds the trigger bindings of one project on create,
	// seed and snapshot import; 0 = emulator.DefaultMaxBindings.
	MaxBindings int
	// Seed is a seed file (package seed) applied at start to an empty
	// store. A bad seed fails Start and loads nothing.
	Seed string

	// PluginsDirs are the directories searched for trigger plugins; nil =
	// the built-ins next to the executable (<dir>/plugins) and
	// <data-dir>/plugins. PluginStartTimeout bounds a plugin's handshake
	// (0 = 10s).
	PluginsDirs        []string
	PluginStartTimeout time.Duration

	// AllowHosts are host names accepted in the Host header besides the
	// loopback names, the listen address and the host tasks are given
	// (".example.test" accepts subdomains, "*" any name); AllowOrigins are
	// browser origins allowed to call the API cross-origin. docs/security.md.
	AllowHosts   []string
	AllowOrigins []string
	// MemcachedListen, when set, also serves IronCache over the memcached
	// text protocol on this TCP address (e.g. "127.0.0.1:11211"; ":0"
	// picks a free port, see Server.MemcachedAddr). Off by default.
	MemcachedListen string
	// MaxConnections caps open HTTP connections; 0 = DefaultMaxConnections
	// (lowered to fit the file-descriptor limit).
	MaxConnections int
	// Pprof serves Go's runtime profiles under /_ironlocal/debug/pprof/
	// (control plane: behind the Guard, and the token in strict mode).
	Pprof bool
	// TestContainers finds the test suites' ironlocal containers for
	// GET /_ironlocal/containers; nil = the Docker engine of DOCKER_HOST
	// (asked only when the route is called).
	TestContainers control.TestContainers

	Logger *slog.Logger
}

// DefaultDataDir is the OS user data directory plus /ironlocal:
// $XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support
// on macOS, %LocalAppData% on Windows.
func DefaultDataDir() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "ironlocal")
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "ironlocal")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "ironlocal")
	}
	return filepath.Join(home, ".local", "share", "ironlocal")
}
