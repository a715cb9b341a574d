package archtest

import (
	"slices"
	"strings"
)

const module = "github.com/ironlocal/ironlocal"

// A Rule says which of the module's packages a package may import. Names
// are module-relative; "x/..." matches x and everything under it. Rules are
// tried in order and the first whose pkg matches applies, so a package that
// appears later (app, client, plugins/sdk …) is checked from its first
// commit, and a new package under emulator/ that no rule names fails until
// its layer is written down here.
type Rule struct {
	Pkg string
	// May lists the module packages Pkg may import directly.
	May []string
	// StdOnly: outside the module, everything pkg depends on, transitively,
	// is the standard library.
	StdOnly bool
	// Never lists packages pkg must not depend on even transitively
	// (module-relative, or third-party import path prefixes).
	Never []string
	// Outside, when set, lists the only import path prefixes outside the
	// module and the standard library that pkg may import directly.
	Outside []string
}

var (
	support  = []string{"emulator", "emulator/clock", "emulator/idgen", "emulator/fault", "emulator/codezip", "emulator/tmpl", "emulator/chaos", "emulator/journal"}
	services = []string{"emulator/mq", "emulator/worker", "emulator/cache", "emulator/control"}
	// edges are the dependencies that live in their own adapter package
	// (STYLE.md principle 1): the domain and its services import none.
	edges = []string{"github.com/dgraph-io/badger", "github.com/moby/", "github.com/docker/", "fyne.io/",
		"github.com/hashicorp/go-plugin", "google.golang.org/grpc", "github.com/testcontainers/"}
	// listener are the stdlib-only defences of a local HTTP listener (Host
	// rule, connection cap, body progress) that the API and the http
	// trigger plugin share, so that both answer the same attacks the same way.
	listener = []string{"internal/hostrule", "internal/httplimit"}
)

func join(lists ...[]string) []string { return slices.Concat(lists...) }

// Rules are the layers of the module, tried in order.
var Rules = []Rule{
	{Pkg: "emulator", StdOnly: true},
	{Pkg: "emulator/clock", May: []string{"emulator"}, StdOnly: true},
	{Pkg: "emulator/idgen", May: []string{"emulator"}, StdOnly: true},
	{Pkg: "emulator/fault", May: []string{"emulator"}, StdOnly: true},
	{Pkg: "emulator/codezip", May: []string{"emulator"}, StdOnly: true},
	{Pkg: "emulator/tmpl", May: []string{}, StdOnly: true},
	{Pkg: "emulator/chaos", May: []string{"emulator"}, StdOnly: true},
	// The journal lists answers' ids with the lexer the body decoders use.
	{Pkg: "emulator/journal", May: []string{"internal/jsonscan"}, StdOnly: true},
	// Services hold the rules and see only the domain.
	{Pkg: "emulator/mq", May: support, Never: edges},
	{Pkg: "emulator/worker", May: support, Never: edges},
	{Pkg: "emulator/cache", May: support, Never: edges},
	{Pkg: "emulator/control", May: support, Never: edges},
	// Drivers of the services: deliveries, the memcached protocol, seeds.
	{Pkg: "emulator/push", May: join(support, services), Never: edges},
	{Pkg: "emulator/memcache", May: join(support, services), Never: edges},
	// A seed file's JSON is declared in wire, for the app that writes it.
	{Pkg: "emulator/seed", May: join(support, services, []string{"wire"}), Never: edges},
	// Edge adapters.
	// httpapi also serves the plugin host's bindings, as it serves services.
	// httpapi encodes and decodes the JSON that package wire declares.
	{Pkg: "emulator/httpapi", May: join(support, services, listener, []string{"emulator/seed", "emulator/trigger", "wire"})},
	{Pkg: "emulator/trigger", May: join(support, services, []string{"plugins/sdk/..."})},
	{Pkg: "emulator/store/...", May: support},
	{Pkg: "emulator/runtime/...", May: support},
	{Pkg: "emulator/fswatch", May: []string{"emulator"}}, // linked codes' watch mode, on fsnotify
	// The composition root and the headless entry points.
	// The one version a build reports (internal/version) is read by the
	// composition root and the built-in plugins alike.
	{Pkg: "emulator/server", May: join([]string{"emulator/...", "internal/version"}, listener)},
	{Pkg: "emulator/daemon", May: []string{"emulator/..."}},
	// ironlocald is also the built-in plugins' executable (see plugins/builtin);
	// its `trigger` subcommand is a client of a running ironlocal.
	{Pkg: "emulator/cmd/...", May: []string{"emulator/...", "plugins/builtin", "plugins/sdk", "client", "client/exporttest", "wire"}},
	{Pkg: "emulator/...", May: []string{}}, // a new package: give it a rule above
	// wire declares the API's JSON once, for the server and the client.
	// Its hot bodies' decoders read with internal/jsonscan.
	{Pkg: "wire", May: []string{"internal/jsonscan"}, StdOnly: true},
	// Tools on the client: a recorded session into a regression test.
	{Pkg: "client/exporttest", May: []string{"client", "wire"}, StdOnly: true},
	{Pkg: "client/...", May: []string{"wire"}, StdOnly: true},
	// The screens talk to ironlocal only through client and hold no
	// emulator rules (no cron parser of their own): Fyne and the standard
	// library are all else they import.
	{Pkg: "app/...", May: []string{"client/...", "app/..."}, Outside: []string{"fyne.io/fyne/v2"}},
	{Pkg: "plugins/sdk/...", May: []string{"plugins/sdk/..."}},
	{Pkg: "plugins/builtin/...", May: join([]string{"plugins/sdk/...", "plugins/builtin/...", "internal/version"}, listener)},
	{Pkg: "plugins/...", May: []string{"plugins/sdk/...", "plugins/builtin/..."}},
	{Pkg: "tcironlocal/...", May: []string{"client/...", "tcironlocal/...", "internal/..."}},
	{Pkg: "bench/...", May: []string{"bench/...", "internal/...", "client/...", "tcironlocal/..."}},
	{Pkg: "fixtures/...", May: []string{"client/..."}}, // programs run as tasks in tests
	{Pkg: "internal/hostrule", StdOnly: true},
	{Pkg: "internal/jsonscan", StdOnly: true},
	{Pkg: "internal/httplimit", StdOnly: true},
	{Pkg: "internal/version", StdOnly: true},
	// internal/locale runs before Fyne's own package initialisation: it may
	// import nothing that would order it later (see its doc).
	{Pkg: "internal/locale", StdOnly: true},
	{Pkg: "internal/...", May: []string{"emulator/...", "client/...", "internal/..."}},
	{Pkg: "test/...", May: []string{"client/...", "tcironlocal/...", "internal/...", "bench/..."}},
	{Pkg: "", May: []string{"app/...", "client/...", "emulator/server", "emulator/daemon", "internal/locale"}}, // desktop main
}

// exceptions are imports the table forbids that the code still makes, each
// with the reason and the way out. Remove an entry when the import goes;
// the test fails on an exception that no longer happens.
var exceptions = map[string]string{}

func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// TimerPackages are the packages whose background loops wait on the
// emulator's clock (emulator.Clock.AfterFunc, emulator.Alarm): a wait on
// Go's own timers there would ignore the virtual clock. TimerTest finds
// every call of time.NewTimer, NewTicker, After, AfterFunc, Tick and Sleep
// in their non-test files; each must be listed in WallClockWaits with the
// reason it is a wall-clock wait.
var TimerPackages = []string{"emulator", "emulator/mq", "emulator/worker", "emulator/push", "emulator/cache",
	"emulator/control", "emulator/server", "emulator/trigger", "emulator/httpapi"}

// WallClockWaits are the waits in TimerPackages that are about real time,
// not emulated time: "file: time.Func" → why, and how many such calls the
// file holds.
var WallClockWaits = map[string]WallClockWait{
	"emulator/goroutines.go: time.NewTimer":       {1, "a crashed loop's restart backoff"},
	"emulator/goroutines.go: time.AfterFunc":      {1, "Goroutines.AfterFunc: a requeue after a store refusal, on wall time so a frozen virtual clock cannot strand it"},
	"emulator/mq/messages.go: time.NewTimer":      {1, "a long poll's wait is the client's, in wall-clock seconds"},
	"emulator/worker/linked.go: time.AfterFunc":   {1, "a watched folder's debounce: file-system events arrive in wall time"},
	"emulator/worker/logs.go: time.NewTimer":      {1, "a running task's log is flushed on wall time, as it is written"},
	"emulator/control/idle.go: time.NewTimer":     {1, "wait-idle's timeout is the caller's, in wall time"},
	"emulator/trigger/plugin.go: time.NewTimer":   {2, "a plugin's restart backoff and its start-up handshake bound"},
	"emulator/trigger/plugin.go: time.NewTicker":  {2, "plugin health pings and the start-up probe"},
	"emulator/trigger/plugin.go: time.After":      {1, "a health ping's timeout"},
	"emulator/trigger/run.go: time.NewTimer":      {1, "a failing binding's restart backoff"},
	"emulator/trigger/host.go: time.NewTimer":     {1, "a binding made while its plugin starts waits up to the plugins' start timeout, a process's wall time"},
	"emulator/httpapi/control.go: time.NewTicker": {1, "the event stream's keep-alive comments"},
	"emulator/httpapi/faults.go: time.NewTimer":   {1, "an injected latency is felt by the client in wall time"},
	"emulator/httpapi/chaos.go: time.NewTimer":    {1, "chaos mode's latency is felt by the client in wall time"},
}

// WallClockWait is one listed wall-clock wait.
type WallClockWait struct {
	Calls  int
	Reason string
}
