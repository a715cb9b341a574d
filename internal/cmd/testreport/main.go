// Command testreport reads `go test -json` on stdin and prints what plain
// `go test` would — each package's ok/FAIL line, and the whole output of
// every test that failed — then the ten slowest tests of the run, so a
// slow suite shows where its time goes. It exits 1 when a test or a
// package failed (or the stream was cut short), else 0. `make test` pipes
// the suite through it.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// timing is one finished test.
type timing struct {
	name    string
	elapsed float64
}

func main() { os.Exit(run(os.Stdin, os.Stdout, 10)) }

// run reports the stream read from in to out and returns the exit code.
func run(in io.Reader, out io.Writer, slowest int) int {
	failed := false
	outputs := map[string]*strings.Builder{} // package + test → its output so far
	var done []timing
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(out, sc.Text()) // the build's own output (compile errors)
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test == "" {
				if isSummary(e.Output) {
					fmt.Fprint(out, e.Output)
				} else if !isNoise(e.Output) {
					buf(outputs, key).WriteString(e.Output)
				}
				continue
			}
			buf(outputs, key).WriteString(e.Output)
		case "pass", "skip":
			if e.Test != "" && !strings.Contains(e.Test, "/") {
				done = append(done, timing{e.Package + "." + e.Test, e.Elapsed})
			}
			delete(outputs, key)
		case "fail":
			failed = true
			if e.Test != "" {
				// A subtest's lines (its assertion's message among them)
				// are its own, not its parent's: show them when it fails.
				fmt.Fprint(out, outputs[key].String())
				if !strings.Contains(e.Test, "/") {
					done = append(done, timing{e.Package + "." + e.Test, e.Elapsed})
				}
			} else if b := outputs[key]; b != nil {
				fmt.Fprint(out, b.String()) // a package that failed outside its tests: a panic, a timeout
			}
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(out, "testreport: read go test -json:", err)
		failed = true
	}
	slices.SortFunc(done, func(a, b timing) int { return cmp.Compare(b.elapsed, a.elapsed) })
	if len(done) > 0 {
		fmt.Fprintf(out, "\nThe %d slowest tests:\n", min(slowest, len(done)))
		for _, d := range done[:min(slowest, len(done))] {
			fmt.Fprintf(out, "  %7.1fs  %s\n", d.elapsed, d.name)
		}
	}
	if failed {
		return 1
	}
	return 0
}

func buf(m map[string]*strings.Builder, key string) *strings.Builder {
	b := m[key]
	if b == nil {
		b = &strings.Builder{}
		m[key] = b
	}
	return b
}

// isSummary reports whether a package-level output line is the one plain
// go test prints for the package: "ok …", "FAIL …", "? …", "--- FAIL".
func isSummary(line string) bool {
	return strings.HasPrefix(line, "ok ") || strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "?   ")
}

// isNoise is package-level output left out of a failure's report: the
// test runner's own PASS line, and the failed tests' lines (shown with
// their tests).
func isNoise(line string) bool {
	return line == "PASS\n" || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "=== ")
}
