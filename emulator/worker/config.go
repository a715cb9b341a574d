package worker

import (
	"runtime"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// Limits of the wire contract (spec §3).
const (
	MaxPayloadBytes   = 64 << 10
	MaxConfigBytes    = 64 << 10
	DefaultTimeout    = 3600
	MaxDelay          = 604800
	MaxRetries        = 10
	MaxTasksPerQueue  = 100
	MinRunEvery       = 60
	DefaultPerPage    = 30
	MaxPerPage        = 100
	MaxPage           = 100
	DefaultLogLimit   = 8 << 20
	MaxCodeNameLength = 255
)

// Config tunes the service.
type Config struct {
	// Slots is the global limit of concurrently running tasks; 0 = 2×CPUs.
	Slots int
	// Chaos, when set, may kill a running task or delay a queued one
	// (chaos mode).
	Chaos emulator.Chaos
	// MaxTimeout clamps task timeouts (seconds); 0 = 3600.
	MaxTimeout int
	// LiveLogs serves the log of a running task; off by default because
	// iron_go3 and the Ruby client poll the log endpoint for a 404 until the
	// task has finished (spec §3.3).
	LiveLogs bool
	// LogLimit caps a task's stored log in bytes; 0 = 8 MiB.
	LogLimit int64
	// ImageIronArgs appends -d/-payload/-config/-id to image packages'
	// commands too (zip packages always get them). Default true: see New.
	ImageIronArgs *bool
	// IronEnv adds IRON_* variables so tasks can call back into ironlocal;
	// nil disables it. The server fills in its own address.
	IronEnv map[string]string
	// StackImages maps a zip package's stack (or runtime) to a local Docker
	// image that runs it.
	StackImages map[string]string
	// Labels are added to every task container (e.g. testcontainers'
	// session labels).
	Labels map[string]string
	// CodeLimits bound what an uploaded code zip may declare it extracts
	// to (the runtimes enforce the same limits on the bytes themselves);
	// zero fields take codezip's defaults.
	CodeLimits codezip.Limits
	// Watcher watches the folders of linked codes in watch mode; nil
	// refuses watch mode (linking still works).
	Watcher emulator.FolderWatcher
}

func (c *Config) defaults() {
	if c.Slots <= 0 {
		c.Slots = 2 * runtime.NumCPU()
	}
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = DefaultTimeout
	}
	if c.LogLimit <= 0 {
		c.LogLimit = DefaultLogLimit
	}
	c.CodeLimits = c.CodeLimits.OrDefaults()
	if c.ImageIronArgs == nil {
		on := true
		c.ImageIronArgs = &on
	}
}

// logFlushInterval bounds how stale the stored log of a running task is.
const logFlushInterval = 200 * time.Millisecond
