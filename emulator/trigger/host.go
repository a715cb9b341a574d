package trigger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

const windows = runtime.GOOS == "windows"

// Tasks is what the host needs from the worker service.
type Tasks interface {
	QueueTasks(ctx context.Context, project string, batch []worker.NewTask) ([]emulator.Task, error)
	GetTask(ctx context.Context, project, id string) (emulator.Task, error)
	// WaitTask waits until the task has finished or ctx ends, and returns
	// it as it then stands.
	WaitTask(ctx context.Context, project, id string) (emulator.Task, error)
	Log(ctx context.Context, project, id string, stdoutOnly bool) ([]byte, error)
	// CodeByName finds a code package (ErrNotFound: none of that name);
	// a binding naming a missing code is accepted, with a warning.
	CodeByName(ctx context.Context, project, name string) (emulator.CodePackage, error)
}

// Queues is what the host needs from the MQ service.
type Queues interface {
	PostMessages(ctx context.Context, project, name string, msgs []mq.NewMessage) ([]emulator.MessageID, error)
	Reserve(ctx context.Context, project, name string, req mq.ReserveRequest) ([]emulator.Message, error)
	DeleteMessages(ctx context.Context, project, name string, refs []mq.DeleteRef) error
	Release(ctx context.Context, project, name string, id emulator.MessageID, reservationID string, delay int) error
}

// Caches is what the host needs from the cache service.
type Caches interface {
	GetItem(ctx context.Context, project, cache, key string) (emulator.Item, error)
	PutItem(ctx context.Context, project, cache, key string, p cache.Put) error
}

// Config wires the host.
type Config struct {
	// Dirs are the plugin directories, scanned in order.
	Dirs   []string
	Store  emulator.BindingStore
	Tasks  Tasks
	Queues Queues
	Caches Caches
	Bus    *emulator.Bus
	Clock  emulator.Clock
	IDs    emulator.IDs
	// Goroutines owns the host's background loops; nil makes its own,
	// closed by Close.
	Goroutines *emulator.Goroutines
	Logger     *slog.Logger

	// StartTimeout bounds a plugin's handshake and Info (default 10s);
	// PingInterval and PingTimeout pace health pings (1s, 5s); a crashed
	// plugin restarts after MinBackoff, doubling up to MaxBackoff (500ms,
	// 30s). TraceLimit bounds each binding's event trace (200).
	StartTimeout time.Duration
	PingInterval time.Duration
	PingTimeout  time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	TraceLimit   int

	// MessageBodyLimit is the MQ service's message body limit (0: its
	// default), which bounds what a message action's template may write.
	MessageBodyLimit int
	// MaxBindingsPerProject bounds the bindings of one project on create
	// and seed (the store checks imports); 0 means
	// emulator.DefaultMaxBindings.
	MaxBindingsPerProject int

	// PluginEvent, when set, is told of each event a plugin took from its
	// real source (not fired or replayed) once the binding's action has
	// run: its whole payload and attributes as the action saw them, and
	// its journey. The server journals those that changed something, as
	// fires a replay repeats.
	PluginEvent func(payload []byte, attrs map[string]string, te emulator.TriggerEvent)
}

// Host runs trigger plugins and their bindings.
type Host struct {
	cfg    Config
	log    *slog.Logger
	g      *emulator.Goroutines
	ownG   bool
	states *outcomes

	// createMu makes counting a project's bindings and storing a new one
	// one step, so concurrent creates cannot pass the cap together.
	createMu sync.Mutex

	mu      sync.Mutex
	procs   []*proc          // every discovered file, in discovery order
	byName  map[string]*proc // running plugins by Info name
	runs    map[string]*run  // running bindings by id
	traces  *traceWriter     // nil until Start
	started bool
	closed  bool
	// changed is closed, and replaced, whenever a plugin's state changes:
	// what awaitPlugin waits on.
	changed chan struct{}
}

// New returns a host; Start discovers and starts the plugins.
func New(cfg Config) *Host {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.StartTimeout, 10*time.Second)
	def(&cfg.PingInterval, time.Second)
	def(&cfg.PingTimeout, 5*time.Second)
	def(&cfg.MinBackoff, 500*time.Millisecond)
	def(&cfg.MaxBackoff, 30*time.Second)
	if cfg.TraceLimit <= 0 {
		cfg.TraceLimit = 200
	}
	if cfg.MaxBindingsPerProject <= 0 {
		cfg.MaxBindingsPerProject = emulator.DefaultMaxBindings
	}
	h := &Host{cfg: cfg, log: cfg.Logger.With("component", "trigger"), g: cfg.Goroutines,
		states: newOutcomes(), byName: map[string]*proc{}, runs: map[string]*run{}, changed: make(chan struct{})}
	if h.g == nil {
		h.g, h.ownG = emulator.NewGoroutines(h.log), true
	}
	return h
}

// Start discovers the plugins and starts supervising each one; it does not
// wait for them to be ready. Bindings start as their plugins come up.
func (h *Host) Start(ctx context.Context) error {
	paths, err := discover(h.cfg.Dirs)
	if err != nil {
		return err
	}
	h.mu.Lock()
	if h.started || h.closed {
		h.mu.Unlock()
		return errors.New("trigger host: already started")
	}
	h.started = true
	for _, path := range paths {
		h.procs = append(h.procs, &proc{h: h, path: path, state: StateStarting,
			log: newPluginLog(h.cfg.Logger.With("plugin", path))})
	}
	procs := append([]*proc(nil), h.procs...)
	w := newTraceWriter(h.cfg.Store, h.cfg.TraceLimit, h.log)
	h.mu.Unlock()
	// The writer starts first, so Close stops it last: runs and plugins
	// are gone by then, and it writes what they left queued.
	if h.g.Go("trigger-trace-writer", w.loop) {
		h.mu.Lock()
		h.traces = w
		h.mu.Unlock()
	}
	for _, p := range procs {
		h.g.Go("trigger-plugin "+p.path, p.supervise)
	}
	h.g.Go("trigger-reload", h.reloadOnReset)
	if len(procs) > 0 {
		h.log.Info("trigger plugins found", "count", len(procs), "dirs", h.cfg.Dirs)
	}
	return nil
}

// Close stops every binding and refuses new ones. The plugins and the
// trace writer are background goroutines of Config.Goroutines: they stop
// when that owner closes (the server closes it right after), or here when
// the host made its own. It is idempotent.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	runs := make([]*run, 0, len(h.runs))
	for _, r := range h.runs {
		runs = append(runs, r)
	}
	h.runs = map[string]*run{}
	h.mu.Unlock()
	for _, r := range runs {
		r.stop()
	}
	if h.ownG {
		return h.g.Close(ctx)
	}
	return nil
}

// Plugins returns every discovered plugin file and its state.
func (h *Host) Plugins() []PluginState {
	h.mu.Lock()
	procs := append([]*proc(nil), h.procs...)
	h.mu.Unlock()
	out := make([]PluginState, 0, len(procs))
	for _, p := range procs {
		out = append(out, p.snapshot())
	}
	return sortedStates(out)
}

// plugin returns the running plugin with this name, or the reason there is
// none; soon is true when that may change shortly: the plugin, or one not
// yet named, is starting.
func (h *Host) plugin(name string) (p *proc, soon bool, err error) {
	h.mu.Lock()
	p = h.byName[name]
	var known []string
	for n := range h.byName {
		known = append(known, n)
	}
	h.mu.Unlock()
	if p != nil {
		// Named (its Info answered) but maybe not yet running: it claims
		// its name just before it is ready.
		if p.snapshot().State == StateStarting {
			return nil, true, &emulator.Error{Code: emulator.CodeUnavailable, Msg: fmt.Sprintf("plugin %s is starting, try again", name)}
		}
		return p, false, nil
	}
	starting := 0
	for _, st := range h.Plugins() {
		if st.Name == name {
			return nil, st.State == StateStarting, &emulator.Error{Code: emulator.CodeUnavailable,
				Msg: fmt.Sprintf("plugin %s is not running: %s", name, stateText(st))}
		}
		if st.Name == "" && st.State == StateStarting {
			starting++
		}
	}
	if starting > 0 {
		return nil, true, &emulator.Error{Code: emulator.CodeUnavailable,
			Msg: fmt.Sprintf("no trigger plugin named %q yet: %d plugin(s) still starting, try again", name, starting)}
	}
	slices.Sort(known)
	return nil, false, emulator.Invalid("no trigger plugin named %q is running (running: %v)", name, known)
}

// awaitPlugin is plugin, waiting while the answer may change soon, up to
// the plugins' StartTimeout or ctx's end. ironlocal answers requests the
// moment it is up, tens of milliseconds before its plugins have started: a
// binding made then (a test's first step) waits for its plugin instead of
// being refused with 503.
func (h *Host) awaitPlugin(ctx context.Context, name string) (*proc, error) {
	timeout := time.NewTimer(h.cfg.StartTimeout)
	defer timeout.Stop()
	for {
		h.mu.Lock()
		changed := h.changed // taken before looking, so no change is missed
		h.mu.Unlock()
		p, soon, err := h.plugin(name)
		if !soon {
			return p, err
		}
		select {
		case <-changed:
		case <-timeout.C:
			return nil, err
		case <-ctx.Done():
			return nil, err
		}
	}
}

func (h *Host) claimName(p *proc, name string) error {
	if name == "" {
		return errors.New("info: the plugin has no name")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if other, ok := h.byName[name]; ok && other != p {
		return fmt.Errorf("plugin name %q is already served by %s", name, other.path)
	}
	h.byName[name] = p
	return nil
}

func (h *Host) releaseName(p *proc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for n, q := range h.byName {
		if q == p {
			delete(h.byName, n)
		}
	}
}

func (h *Host) publishState(path string) {
	h.mu.Lock()
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
	if h.cfg.Bus == nil {
		return
	}
	for _, st := range h.Plugins() {
		if st.Path == path {
			h.cfg.Bus.Publish(emulator.Event{Type: emulator.EventTriggerState, At: h.now(),
				Attrs: map[string]any{"plugin": st.Name, "path": st.Path, "state": st.State, "message": st.Message}})
		}
	}
}

func (h *Host) now() time.Time {
	if h.cfg.Clock != nil {
		return h.cfg.Clock.Now()
	}
	return time.Now()
}

// pluginUp starts the enabled bindings of a plugin that came up.
func (h *Host) pluginUp(p *proc) {
	name := p.snapshot().Name
	bs, err := h.cfg.Store.Bindings(context.Background())
	if err != nil {
		h.log.Error("list trigger bindings", "err", err)
		return
	}
	for _, b := range bs {
		if b.Plugin == name && b.Enabled {
			h.startRun(b, p)
		}
	}
}

// pluginDown stops the bindings running in a plugin that went away.
func (h *Host) pluginDown(p *proc) {
	h.mu.Lock()
	var stop []*run
	for id, r := range h.runs {
		if r.proc == p {
			stop = append(stop, r)
			delete(h.runs, id)
		}
	}
	h.mu.Unlock()
	for _, r := range stop {
		r.stop()
	}
}

// reloadOnReset brings the running bindings in line with the store after a
// reset or a snapshot import replaced it.
func (h *Host) reloadOnReset(ctx context.Context) {
	if h.cfg.Bus == nil {
		return
	}
	sub := h.cfg.Bus.Subscribe(64, emulator.EventStateReset, emulator.EventStateImported)
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-sub.C:
			if !ok {
				return
			}
			h.sync(ctx)
		}
	}
}

// sync stops runs whose binding is gone or disabled and starts those that
// should run.
func (h *Host) sync(ctx context.Context) {
	bs, err := h.cfg.Store.Bindings(ctx)
	if err != nil {
		h.log.Error("list trigger bindings", "err", err)
		return
	}
	want := map[string]bool{}
	for _, b := range bs {
		if b.Enabled {
			want[b.ID] = true
		}
	}
	h.mu.Lock()
	var stop []*run
	for id, r := range h.runs {
		if !want[id] {
			stop = append(stop, r)
			delete(h.runs, id)
		}
	}
	h.mu.Unlock()
	for _, r := range stop {
		r.stop()
	}
	for _, b := range bs {
		if b.Enabled {
			h.restartRun(b)
		}
	}
}
