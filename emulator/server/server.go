package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/chaos"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/fault"
	"github.com/ironlocal/ironlocal/emulator/fswatch"
	"github.com/ironlocal/ironlocal/emulator/httpapi"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/journal"
	"github.com/ironlocal/ironlocal/emulator/memcache"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/push"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/internal/httplimit"
)

// Server is a running emulator.
type Server struct {
	opts    Options
	log     *slog.Logger
	store   *badgerstore.Store
	tempDir string // the ephemeral store's directory, removed at Close
	bus     *emulator.Bus
	clock   emulator.Clock
	virtual *clock.Virtual
	mq      *mq.Service
	cache   *cache.Service
	worker  *worker.Service
	pusher  *push.Pusher
	control *control.Service
	runtime emulator.Runtime
	// containers finds test containers on the Docker engine (nil: none).
	containers control.TestContainers
	api        *httpapi.API
	faults     *fault.Injector
	http       *http.Server
	ln         net.Listener
	// memcache serves IronCache's memcached protocol; nil unless
	// Options.MemcachedListen is set.
	memcache *memcache.Server
	// triggers runs the trigger plugins and their bindings.
	triggers *trigger.Host

	conns *httplimit.Listener // caps and tracks the listener's connections

	chaos   *chaos.Engine    // chaos mode, off unless --chaos or POST /_ironlocal/chaos
	journal *journal.Journal // the Iron API writes since start or reset (export-test)

	bg   *emulator.Goroutines // the HTTP server
	once sync.Once
	err  error
}

// Start opens the store, builds the services and binds the listener. It
// returns once requests can be served.
func Start(opts Options) (*Server, error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if !opts.Ephemeral && opts.DataDir == "" {
		opts.DataDir = DefaultDataDir()
	}
	s := &Server{opts: opts, log: opts.Logger, bus: emulator.NewBus(), faults: &fault.Injector{}}
	s.bg = emulator.NewGoroutines(opts.Logger)
	if opts.VirtualClock {
		s.virtual = clock.NewVirtual(time.Now())
		s.clock = s.virtual
	} else {
		s.clock = clock.Real{}
	}
	s.chaos = chaos.New(s.clock, s.bus)
	s.journal = journal.New(opts.JournalEntries, 0)
	if opts.Chaos != "" {
		seed, profile, err := chaos.ParseSpec(opts.Chaos)
		if err == nil {
			err = s.chaos.Start(seed, profile)
		}
		if err != nil {
			return nil, fmt.Errorf("--chaos %s: %w", opts.Chaos, err)
		}
	}

	// undo releases, in reverse, what start-up acquired if a later step fails.
	var undo []func()
	fail := func(err error) (*Server, error) {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return nil, err
	}
	dir, inMemory := opts.DataDir, false
	if opts.Ephemeral {
		var err error
		if s.tempDir, err = os.MkdirTemp("", "ironlocal-ephemeral-"); err != nil {
			opts.Logger.Warn("no temporary directory for the ephemeral store: keeping it in memory (transactions are limited to a few MiB)", "err", err)
			inMemory = true
		}
		dir = s.tempDir
		undo = append(undo, s.removeTempDir)
	}
	s.store = badgerstore.New(badgerstore.Options{Dir: dir, InMemory: inMemory,
		SyncWrites: opts.SyncWrites, MaxBindingsPerProject: opts.MaxBindings, Logger: opts.Logger})
	if err := s.store.Open(); err != nil {
		return fail(err)
	}
	undo = append(undo, func() { _ = s.store.Close() })
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", opts.Listen, err))
	}
	s.ln = ln
	undo = append(undo, func() { _ = ln.Close() })
	if s.runtime, err = openRuntime(opts); err != nil {
		return fail(err)
	}

	ids := idgen.NewRandom(s.clock)
	mqCfg, workerCfg := s.mqConfig(), s.workerConfig()
	mqCfg.Chaos, workerCfg.Chaos = s.chaos, s.chaos // the real services only: not a seed's dry run
	mqCfg.Logger = s.log
	s.mq = mq.New(s.store, s.store, ids, s.clock, s.bus, mqCfg)
	s.cache = cache.New(s.store, s.clock, s.bus)
	s.worker = worker.New(s.store, s.runtime, ids, s.clock, s.bus, workerCfg, opts.Logger)
	if err := s.worker.Start(context.Background()); err != nil {
		return fail(fmt.Errorf("start worker: %w", err))
	}
	undo = append(undo, func() { _ = s.worker.Close(context.Background()) })
	s.pusher = push.New(s.mq, s.worker, s.clock, push.Config{BaseURL: s.URL(), Logger: opts.Logger, Chaos: s.chaos})
	s.pusher.Start()
	undo = append(undo, func() { _ = s.pusher.Close(context.Background()) })
	s.control = control.New(control.Config{Store: s.store, Worker: s.worker, Pusher: s.pusher,
		Loops: []control.Pausable{s.mq}, Faults: s.faults, Chaos: s.chaos, Journal: s.journal, Bus: s.bus, Clock: s.clock,
		Virtual: s.virtualClock(), SnapshotDir: snapshotDir(opts), Settings: s.settings(dir),
		ProjectSources: []control.ProjectSource{s.mq, s.cache, s.worker}, TestContainers: s.openTestContainers(),
		Logger: opts.Logger})
	s.triggers = s.newTriggers()
	s.api = httpapi.New(httpapi.Config{Version: Version, MQ: s.mq, Cache: s.cache, Worker: s.worker,
		Control: s.control, Triggers: s.triggers, Faults: s.faults, Seeds: s, Journal: s.journal,
		Bus: s.bus, Auth: httpapi.Auth{Tokens: opts.Tokens, Projects: opts.Projects, Tasks: s.worker}, Guard: s.guard(), Pprof: opts.Pprof, Logger: opts.Logger})
	clean, err := s.store.Empty()
	if err != nil {
		return fail(err)
	}
	if err := s.applySeed(context.Background()); err != nil {
		return fail(err)
	}
	seedFile := ""
	if clean && s.opts.Seed != "" {
		seedFile, _ = filepath.Abs(s.opts.Seed)
	}
	s.journal.Begin(s.clock.Now(), clean, seedFile)
	if err := s.startMemcache(); err != nil {
		return fail(err)
	}
	undo = append(undo, func() { _ = s.memcache.Close(context.Background()) })
	s.conns = httplimit.NewListener(ln, maxConnections(opts.MaxConnections), s.connRefused())
	s.http = &http.Server{Handler: httplimit.BodyProgress(s.api, bodyIdleTimeout), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug), ConnState: s.conns.Track}
	s.bg.Go("http", func(context.Context) {
		if err := s.http.Serve(s.conns); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	})
	s.mq.Start()
	if err := s.triggers.Start(context.Background()); err != nil {
		s.log.Error("trigger plugins not started", "err", err)
	}
	return s, nil
}

// mqConfig and workerConfig configure the services; the seed's dry run
// uses them too, so it refuses exactly what the real services would.
func (s *Server) mqConfig() mq.Config { return mq.Config{BodyLimit: s.opts.MessageBodyLimit} }

func (s *Server) workerConfig() worker.Config {
	o := s.opts
	return worker.Config{Slots: o.TaskSlots, MaxTimeout: o.MaxTaskTimeout, LiveLogs: o.LiveLogs,
		StackImages: o.StackImages, Labels: o.ContainerLabels, IronEnv: s.ironEnv(), CodeLimits: codeLimits(o),
		Watcher: fswatch.Watcher{}}
}

// Addr is the bound listen address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// MemcachedAddr is the memcached listener's address, nil when it is off.
func (s *Server) MemcachedAddr() net.Addr {
	if s.memcache == nil {
		return nil
	}
	return s.memcache.Addr()
}

// startMemcache binds the memcached listener when one is asked for.
func (s *Server) startMemcache() error {
	addr := s.opts.MemcachedListen
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (memcached): %w", addr, err)
	}
	s.memcache = memcache.New(memcache.Config{Cache: s.cache, Clock: s.clock,
		Access: emulator.Access{Tokens: s.opts.Tokens, Projects: s.opts.Projects, Tasks: s.worker}, Logger: s.log})
	return s.memcache.Start(ln)
}

// URL is the base URL of the API, e.g. http://127.0.0.1:4766.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// RuntimeName says where tasks run ("docker" or "process").
func (s *Server) RuntimeName() string { return s.runtime.Name() }

// Bus is the event bus (the GUI and tests subscribe to it).
func (s *Server) Bus() *emulator.Bus { return s.bus }

// VirtualClock returns the virtual clock, or nil on the wall clock.
func (s *Server) VirtualClock() *clock.Virtual { return s.virtual }

// Close shuts down gracefully: in-flight requests finish (long polls and
// event streams end early), background loops stop, the store is closed
// cleanly. It is idempotent; ctx bounds the wait for in-flight requests.
func (s *Server) Close(ctx context.Context) error {
	s.once.Do(func() {
		s.api.Close()
		s.conns.CloseUnused()
		errMemcache := s.memcache.Close(ctx)
		errHTTP := s.http.Shutdown(ctx)
		errTriggers := s.triggers.Close(ctx)
		errLoops := errors.Join(s.bg.Close(ctx), s.mq.Close(ctx))
		errPush := s.pusher.Close(ctx)
		errWorker := s.worker.Close(ctx)
		var errRuntime error
		if c, ok := s.runtime.(interface{ Close(context.Context) error }); ok {
			errRuntime = c.Close(ctx)
		}
		if c, ok := s.containers.(interface{ Close() error }); ok {
			errRuntime = errors.Join(errRuntime, c.Close())
		}
		s.err = errors.Join(errHTTP, errPush, errMemcache, errTriggers, errLoops, errWorker, errRuntime, s.store.Close())
		s.removeTempDir()
	})
	return s.err
}

func (s *Server) removeTempDir() {
	if s.tempDir != "" {
		if err := os.RemoveAll(s.tempDir); err != nil {
			s.log.Warn("remove ephemeral store", "dir", s.tempDir, "err", err)
		}
	}
}
