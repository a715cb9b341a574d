package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/ironlocal/ironlocal"

// A rule says which of the module's packages a package may import. Names
// are module-relative; "x/..." matches x and everything under it. Rules are
// tried in order and the first whose pkg matches applies, so a package that
// appears later (app, client, plugins/sdk …) is checked from its first
// commit, and a new package under emulator/ that no rule names fails until
// its layer is written down here.
type rule struct {
	pkg string
	// may lists the module packages pkg may import directly.
	may []string
	// stdOnly: outside the module, everything pkg depends on, transitively,
	// is the standard library.
	stdOnly bool
	// never lists packages pkg must not depend on even transitively
	// (module-relative, or third-party import path prefixes).
	never []string
	// outside, when set, lists the only import path prefixes outside the
	// module and the standard library that pkg may import directly.
	outside []string
}

var (
	support  = []string{"emulator", "emulator/clock", "emulator/idgen", "emulator/fault", "emulator/codezip", "emulator/tmpl"}
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

var rules = []rule{
	{pkg: "emulator", stdOnly: true},
	{pkg: "emulator/clock", may: []string{"emulator"}, stdOnly: true},
	{pkg: "emulator/idgen", may: []string{"emulator"}, stdOnly: true},
	{pkg: "emulator/fault", may: []string{"emulator"}, stdOnly: true},
	{pkg: "emulator/codezip", may: []string{"emulator"}, stdOnly: true},
	{pkg: "emulator/tmpl", may: []string{}, stdOnly: true},
	// Services hold the rules and see only the domain.
	{pkg: "emulator/mq", may: support, never: edges},
	{pkg: "emulator/worker", may: support, never: edges},
	{pkg: "emulator/cache", may: support, never: edges},
	{pkg: "emulator/control", may: support, never: edges},
	// Drivers of the services: deliveries, the memcached protocol, seeds.
	{pkg: "emulator/push", may: join(support, services), never: edges},
	{pkg: "emulator/memcache", may: join(support, services), never: edges},
	{pkg: "emulator/seed", may: join(support, services), never: edges},
	// Edge adapters.
	// httpapi also serves the plugin host's bindings, as it serves services.
	// httpapi encodes and decodes the JSON that package wire declares.
	{pkg: "emulator/httpapi", may: join(support, services, listener, []string{"emulator/seed", "emulator/trigger", "wire"})},
	{pkg: "emulator/trigger", may: join(support, services, []string{"plugins/sdk/..."})},
	{pkg: "emulator/store/...", may: support},
	{pkg: "emulator/runtime/...", may: support},
	// The composition root and the headless entry points.
	// The one version a build reports (internal/version) is read by the
	// composition root and the built-in plugins alike.
	{pkg: "emulator/server", may: join([]string{"emulator/...", "internal/version"}, listener)},
	{pkg: "emulator/daemon", may: []string{"emulator/..."}},
	// ironlocald is also the built-in plugins' executable (see plugins/builtin);
	// its `trigger` subcommand is a client of a running ironlocal.
	{pkg: "emulator/cmd/...", may: []string{"emulator/...", "plugins/builtin", "plugins/sdk", "client", "wire"}},
	{pkg: "emulator/...", may: []string{}}, // a new package: give it a rule above
	// wire declares the API's JSON once, for the server and the client.
	{pkg: "wire", may: []string{}, stdOnly: true},
	{pkg: "client/...", may: []string{"wire"}, stdOnly: true},
	// The screens talk to ironlocal only through client and hold no
	// emulator rules (no cron parser of their own): Fyne and the standard
	// library are all else they import.
	{pkg: "app/...", may: []string{"client/...", "app/..."}, outside: []string{"fyne.io/fyne/v2"}},
	{pkg: "plugins/sdk/...", may: []string{"plugins/sdk/..."}},
	{pkg: "plugins/builtin/...", may: join([]string{"plugins/sdk/...", "plugins/builtin/...", "internal/version"}, listener)},
	{pkg: "plugins/...", may: []string{"plugins/sdk/...", "plugins/builtin/..."}},
	{pkg: "tcironlocal/...", may: []string{"client/...", "tcironlocal/...", "internal/..."}},
	{pkg: "bench/...", may: []string{"bench/...", "internal/...", "client/...", "tcironlocal/..."}},
	{pkg: "fixtures/...", may: []string{"client/..."}}, // programs run as tasks in tests
	{pkg: "internal/hostrule", stdOnly: true},
	{pkg: "internal/httplimit", stdOnly: true},
	{pkg: "internal/version", stdOnly: true},
	// internal/locale runs before Fyne's own package initialisation: it may
	// import nothing that would order it later (see its doc).
	{pkg: "internal/locale", stdOnly: true},
	{pkg: "internal/...", may: []string{"emulator/...", "client/...", "internal/..."}},
	{pkg: "test/...", may: []string{"client/...", "tcironlocal/...", "internal/...", "bench/..."}},
	{pkg: "", may: []string{"app/...", "client/...", "emulator/server", "emulator/daemon", "internal/locale"}}, // desktop main
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

func ruleFor(pkg string) (rule, bool) {
	for _, r := range rules {
		if matches(r.pkg, pkg) {
			return r, true
		}
	}
	return rule{}, false
}

// listed is what `go list -deps -json` says of one package.
type listed struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

func goList(t *testing.T) map[string]listed {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// rel returns the module-relative name of an import path, ok false for
// packages outside the module.
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func TestLayers(t *testing.T) {
	problems, checked := check(goList(t), exceptions)
	if checked == 0 {
		t.Fatal("go list found none of the module's packages")
	}
	if len(problems) > 0 {
		t.Errorf("the dependency direction of the README's layout is broken:\n\t%s", strings.Join(problems, "\n\t"))
	}
}

// check applies the rules to the packages go list reported; it returns the
// problems found and how many of the module's packages it checked.
func check(pkgs map[string]listed, exceptions map[string]string) (problems []string, checked int) {
	used := map[string]bool{}
	names := make([]string, 0, len(pkgs))
	for path := range pkgs {
		names = append(names, path)
	}
	sort.Strings(names)
	for _, path := range names {
		p := pkgs[path]
		name, ours := rel(path)
		if !ours {
			continue
		}
		r, ok := ruleFor(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no rule says what it may import", path))
			continue
		}
		checked++
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			if !ours {
				if d, found := pkgs[imp]; r.outside != nil && found && !d.Standard &&
					!slices.ContainsFunc(r.outside, func(prefix string) bool { return matches(prefix+"/...", imp) }) {
					problems = append(problems, fmt.Sprintf("%s imports %s: outside the module and the standard library it may import only %v",
						name, imp, r.outside))
				}
				continue
			}
			// The desktop main imports app, and app its own packages
			// (widget-free models, generators): nothing else does.
			if matches("app/...", dep) && name != "" && !matches("app/...", name) {
				problems = append(problems, fmt.Sprintf("%s imports %s: nothing imports app", name, dep))
				continue
			}
			if slices.ContainsFunc(r.may, func(pattern string) bool { return matches(pattern, dep) }) || dep == name {
				continue
			}
			key := name + " -> " + dep
			if _, ok := exceptions[key]; ok {
				used[key] = true
				continue
			}
			problems = append(problems, fmt.Sprintf("%s imports %s: its layer may import only %v", name, dep, r.may))
		}
		for _, dep := range p.Deps {
			d, found := pkgs[dep]
			if _, inModule := rel(dep); r.stdOnly && found && !d.Standard && !inModule {
				problems = append(problems, fmt.Sprintf("%s depends on %s: it may use the standard library only", name, dep))
			}
			for _, bad := range r.never {
				if strings.HasPrefix(dep, bad) {
					problems = append(problems, fmt.Sprintf("%s depends on %s: that belongs in an adapter at the edge", name, dep))
				}
			}
		}
	}
	for key := range exceptions {
		if !used[key] {
			problems = append(problems, fmt.Sprintf("exception %q no longer happens: remove it", key))
		}
	}
	return problems, checked
}

// TestCheck_Refuses feeds check a graph with the imports the table forbids.
func TestCheck_Refuses(t *testing.T) {
	pkg := func(path string, std bool, imports ...string) listed {
		return listed{ImportPath: path, Standard: std, Imports: imports, Deps: imports}
	}
	m := func(rel string) string { return module + "/" + rel }
	graph := map[string]listed{}
	for _, p := range []listed{
		pkg("fmt", true),
		pkg("github.com/dgraph-io/badger/v4", false),
		pkg("github.com/robfig/cron/v3", false),
		pkg("fyne.io/fyne/v2/widget", false),
		pkg(m("emulator"), false, "fmt", "github.com/dgraph-io/badger/v4"),
		pkg(m("emulator/httpapi"), false, m("emulator")),
		pkg(m("emulator/mq"), false, m("emulator"), m("emulator/httpapi")),
		pkg(m("client"), false, m("app")),
		pkg(m("app"), false, m("client"), m("emulator"), m("app/model"), "fyne.io/fyne/v2/widget", "github.com/robfig/cron/v3", "fmt"),
		pkg(m("app/model"), false, m("client")),
		pkg(m("plugins/sdk"), false, m("emulator")),
		pkg(m("emulator/control"), false, m("emulator")),
	} {
		graph[p.ImportPath] = p
	}
	problems, checked := check(graph, map[string]string{"emulator/control -> emulator/worker": "gone"})
	if checked != 8 {
		t.Errorf("checked %d packages, want 8", checked)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{
		"emulator depends on github.com/dgraph-io/badger/v4",
		"emulator/mq imports emulator/httpapi",
		"client imports app: nothing imports app",
		"app imports emulator",
		"app imports github.com/robfig/cron/v3: outside the module and the standard library it may import only [fyne.io/fyne/v2]",
		"plugins/sdk imports emulator",
		`exception "emulator/control -> emulator/worker" no longer happens`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not report %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "app imports app/model") {
		t.Errorf("app importing its own package is reported:\n%s", got)
	}
	if strings.Contains(got, "imports fyne.io/") || strings.Contains(got, "imports fmt") {
		t.Errorf("app's Fyne and standard library imports are reported:\n%s", got)
	}
}

// TestRules_Match keeps the matcher honest, so a typo in the table cannot
// silently exempt a package.
func TestRules_Match(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		want string
	}{
		{"emulator", "emulator"},
		{"emulator/mq", "emulator/mq"},
		{"emulator/runtime/fake", "emulator/runtime/..."},
		{"emulator/newthing", "emulator/..."},
		{"client", "client/..."},
		{"wire", "wire"},
		{"app/screens", "app/..."},
		{"plugins/sdk/internal/pb", "plugins/sdk/..."},
		{"plugins/redis", "plugins/..."},
		{"", ""},
	} {
		r, ok := ruleFor(tc.pkg)
		if !ok || r.pkg != tc.want {
			t.Errorf("rule for %q = %q, want %q", tc.pkg, r.pkg, tc.want)
		}
	}
	if r, _ := ruleFor("emulator/newthing"); len(r.may) != 0 {
		t.Errorf("an unlisted emulator package may import %v, want nothing until it gets a rule", r.may)
	}
}
