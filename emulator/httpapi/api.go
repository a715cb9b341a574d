package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/fault"
	"github.com/ironlocal/ironlocal/emulator/journal"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// Auth configures authentication (spec §1.2). With no tokens the API is
// permissive: any non-empty token works and projects appear on first use.
// The rules are emulator.Access's, shared with the memcached listener.
type Auth = emulator.Access

// Config wires the API to its services.
type Config struct {
	Version string
	MQ      *mq.Service
	Cache   *cache.Service
	Worker  *worker.Service
	// Control serves the /_ironlocal control plane.
	Control *control.Service
	// Triggers serves /_ironlocal/triggers and /_ironlocal/plugins; nil
	// answers 404 there.
	Triggers *trigger.Host
	// Journal keeps the Iron API writes for export-test (nil: none).
	Journal *journal.Journal
	// Seeds loads seed files into the running emulator (POST
	// /_ironlocal/seed); nil answers 404 there.
	Seeds Seeder
	// Faults holds the injected failures (managed through Control); the
	// API applies them to matching requests. nil disables injection.
	Faults *fault.Injector
	Bus    *emulator.Bus
	Auth   Auth
	// Guard refuses foreign Host names and cross-site browser requests on
	// every route (docs/security.md).
	Guard Guard
	// Pprof serves Go's profiles under /_ironlocal/debug/pprof/ (--pprof).
	Pprof  bool
	Logger *slog.Logger
}

// Seeder loads a seed file on top of the running emulator's state; a seed
// that fails its dry run loads nothing (emulator/server).
type Seeder interface {
	LoadSeed(ctx context.Context, r io.Reader) error
}

// API is the HTTP handler for the whole emulator.
type API struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	closing chan struct{}
	once    sync.Once

	// patterns are the routes' patterns in registration order (Routes).
	patterns []string
}

// New builds the handler.
func New(cfg Config) *API {
	if cfg.Faults == nil {
		cfg.Faults = &fault.Injector{}
	}
	a := &API{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), closing: make(chan struct{})}
	if a.log == nil {
		a.log = discardLogger
	}
	a.routes()
	return a
}

// Close ends long-lived requests (event streams, long polls) so an HTTP
// server shutdown does not wait for them. It is idempotent.
func (a *API) Close() { a.once.Do(func() { close(a.closing) }) }

// longContext is a request context that also ends when the API closes.
func (a *API) longContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-a.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// ServeHTTP applies the transport rules shared by every route.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			writeMsg(w, http.StatusInternalServerError, "Internal error")
		}
	}()
	w.Header()["X-Content-Type-Options"] = nosniff
	if err := a.cfg.Guard.check(r); err != nil {
		a.writeError(w, r, err)
		return
	}
	// iron_mq_java tunnels DELETE and PATCH through POST (spec §1.3).
	if r.Method == http.MethodPost {
		if o := strings.ToUpper(r.Header.Get("X-HTTP-Method-Override")); o == http.MethodDelete || o == http.MethodPatch {
			r.Method = o
		}
	}
	if !canonical(r.URL.EscapedPath()) {
		writeMsg(w, http.StatusNotFound, "Not found: no route for "+r.Method+" "+r.URL.Path)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// iron wraps the handler of an Iron API route: authentication, then any
// injected fault, then the handler; a request made with a task's token is
// recorded against the task.
func (a *API) iron(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.authenticate(r); err != nil {
			a.writeError(w, r, err)
			return
		}
		if tok, ok := a.cfg.Auth.TaskOf(requestToken(r)); ok && a.cfg.Worker != nil {
			a.recordTask(tok, w, r, h)
			return
		}
		if a.injectFault(w, r) {
			return
		}
		if r.Method != http.MethodGet && r.Pattern != credentialsRoute && a.cfg.Journal.Recording() {
			a.journaled(w, r, h)
			return
		}
		h(w, r)
	}
}

// nosniff is the X-Content-Type-Options value of every reply, shared
// (net/http copies the header map before it writes it, never the values).
var nosniff = []string{"nosniff"}

// handleNotRouted answers unknown routes (404) and wrong verbs (405) with
// JSON bodies instead of ServeMux's plain text. It is the catch-all "/"
// route, so it works out the 405 case itself.
func (a *API) handleNotRouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		if slices.Contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead) // GET routes answer HEAD too
		}
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeMsg(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	writeMsg(w, http.StatusNotFound, "Not found: no route for "+r.Method+" "+r.URL.Path)
}

// canonical reports whether ServeMux would serve p as is. It answers a
// path with "//", "/./" or "/../" by an HTML redirect to the cleaned path;
// no Iron client means such a path, so it is an unknown route instead.
func canonical(p string) bool {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

func isIronPath(p string) bool {
	return strings.HasPrefix(p, "/1/") || strings.HasPrefix(p, "/2/") || strings.HasPrefix(p, "/3/")
}

// controlPlane wraps a /_ironlocal route: in strict mode it needs one of
// the configured tokens too, as the Iron routes do (any project).
func (a *API) controlPlane(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Auth.Strict() && !a.cfg.Auth.KnownToken(requestToken(r)) {
			writeMsg(w, http.StatusUnauthorized, "Invalid authentication: the control plane needs one of the configured tokens in strict mode (Authorization: OAuth <token> or ?oauth=)")
			return
		}
		h(w, r)
	}
}

// requestToken is the OAuth token of a request: the Authorization header
// (OAuth, JWT or Bearer) or else ?oauth=.
func requestToken(r *http.Request) string {
	var token string
	if r.URL.RawQuery != "" { // parsing an empty query still allocates
		token = r.URL.Query().Get("oauth")
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(strings.TrimSpace(h), " ")
		if strings.EqualFold(scheme, "OAuth") || strings.EqualFold(scheme, "JWT") || strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(value)
		}
	}
	return token
}

// authenticate checks the OAuth token (header or ?oauth=) and, in strict
// mode, the project (spec §1.2).
func (a *API) authenticate(r *http.Request) error {
	token := requestToken(r)
	if token == "" && isPushAck(r) {
		return nil // the reservation id is the capability (spec §2.6)
	}
	if token == "" {
		return &requestError{status: http.StatusUnauthorized, msg: "Invalid authentication: no token given (use the Authorization: OAuth <token> header or ?oauth=)"}
	}
	return a.cfg.Auth.Check(token, r.PathValue("pid"))
}

// isPushAck recognises the acknowledgement a push subscriber sends to its
// Iron-Subscriber-Message-Url: a DELETE of the message carrying the
// reservation id and subscriber name.
func isPushAck(r *http.Request) bool {
	q := r.URL.Query()
	return r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/3/") &&
		strings.Contains(r.URL.Path, "/messages/") && q.Get("reservation_id") != "" && q.Get("subscriber_name") != ""
}
