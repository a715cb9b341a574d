package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// timerFuncs are the package time functions that wait on Go's timers.
var timerFuncs = []string{"NewTimer", "NewTicker", "After", "AfterFunc", "Tick", "Sleep"}

// TestTimers: background loops wait on the emulator's clock. Every wait on
// Go's own timers in TimerPackages is a listed wall-clock wait, and every
// listed one still exists.
func TestTimers(t *testing.T) {
	root := moduleDir(t)
	found := map[string]int{}
	for _, pkg := range TimerPackages {
		files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pkg), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			rel := pkg + "/" + filepath.Base(f)
			for _, call := range timerCalls(t, f) {
				found[rel+": time."+call]++
			}
		}
	}
	for key, n := range found {
		w, ok := WallClockWaits[key]
		switch {
		case !ok:
			t.Errorf("%s: a loop here must wait on the emulator's clock (emulator.Alarm, Clock.AfterFunc); a wall-clock wait needs its reason in archtest.WallClockWaits", key)
		case w.Calls != n:
			t.Errorf("%s: %d calls, but WallClockWaits lists %d (%s)", key, n, w.Calls, w.Reason)
		}
	}
	for key := range WallClockWaits {
		if found[key] == 0 {
			t.Errorf("WallClockWaits lists %s, which no longer exists: remove it", key)
		}
	}
}

// timerCalls lists the time.X calls in file whose X waits on a timer.
func timerCalls(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	timePkg := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			timePkg = "time"
			if imp.Name != nil {
				timePkg = imp.Name.Name
			}
		}
	}
	if timePkg == "" {
		return nil
	}
	var calls []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == timePkg && slices.Contains(timerFuncs, sel.Sel.Name) {
			calls = append(calls, sel.Sel.Name)
		}
		return true
	})
	return calls
}

func moduleDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(fmt.Errorf("no go.mod above %s", dir))
		}
		dir = parent
	}
}
