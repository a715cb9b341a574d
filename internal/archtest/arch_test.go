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

func ruleFor(pkg string) (Rule, bool) {
	for _, r := range Rules {
		if matches(r.Pkg, pkg) {
			return r, true
		}
	}
	return Rule{}, false
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
		t.Errorf("the dependency direction of docs/architecture.md is broken:\n\t%s", strings.Join(problems, "\n\t"))
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
				if d, found := pkgs[imp]; r.Outside != nil && found && !d.Standard &&
					!slices.ContainsFunc(r.Outside, func(prefix string) bool { return matches(prefix+"/...", imp) }) {
					problems = append(problems, fmt.Sprintf("%s imports %s: outside the module and the standard library it may import only %v",
						name, imp, r.Outside))
				}
				continue
			}
			// The desktop main imports app, and app its own packages
			// (widget-free models, generators): nothing else does.
			if matches("app/...", dep) && name != "" && !matches("app/...", name) {
				problems = append(problems, fmt.Sprintf("%s imports %s: nothing imports app", name, dep))
				continue
			}
			if slices.ContainsFunc(r.May, func(pattern string) bool { return matches(pattern, dep) }) || dep == name {
				continue
			}
			key := name + " -> " + dep
			if _, ok := exceptions[key]; ok {
				used[key] = true
				continue
			}
			problems = append(problems, fmt.Sprintf("%s imports %s: its layer may import only %v", name, dep, r.May))
		}
		for _, dep := range p.Deps {
			d, found := pkgs[dep]
			if _, inModule := rel(dep); r.StdOnly && found && !d.Standard && !inModule {
				problems = append(problems, fmt.Sprintf("%s depends on %s: it may use the standard library only", name, dep))
			}
			for _, bad := range r.Never {
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
		if !ok || r.Pkg != tc.want {
			t.Errorf("rule for %q = %q, want %q", tc.pkg, r.Pkg, tc.want)
		}
	}
	if r, _ := ruleFor("emulator/newthing"); len(r.May) != 0 {
		t.Errorf("an unlisted emulator package may import %v, want nothing until it gets a rule", r.May)
	}
}
