// Command thirdparty generates THIRD_PARTY.md: every Go module linked into
// a binary ironlocal ships (ironlocald, the built-in trigger plugins and the
// desktop app, on every release platform), with the licence read from the
// module's own licence file and classified by
// github.com/google/licenseclassifier/v2, the modules' NOTICE files, and the
// licence texts. It fails when a licence is not one an Apache-2.0 project
// may ship (Allowed), or is not recognised.
//
//	go run ./internal/cmd/thirdparty          (re)write THIRD_PARTY.md (make third-party)
//	go run ./internal/cmd/thirdparty -check   fail when THIRD_PARTY.md is not what it would write
//
// The package's test runs the check, so `make test` fails on a stale file.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	classifier "github.com/google/licenseclassifier/v2"
	"github.com/google/licenseclassifier/v2/assets"

	"github.com/ironlocal/ironlocal/internal/release"
)

// OutFile is the generated file, at the module's root.
const OutFile = "THIRD_PARTY.md"

// Allowed are the licences (SPDX ids, as the classifier names them) an
// Apache-2.0 project may ship in its binaries: the permissive ones, and
// MPL-2.0, whose file-level copyleft asks only that the MPL'd files' source
// stay available (they are published modules, unmodified).
var Allowed = map[string]bool{
	"Apache-2.0": true, "MIT": true, "BSD-2-Clause": true, "BSD-3-Clause": true, "ISC": true,
	"MPL-2.0": true, "Unlicense": true, "0BSD": true, "CC0-1.0": true, "Zlib": true,
}

// product is a shipped binary (or set of them) and its main packages.
type product struct {
	name string
	pkgs []string
	cgo  bool
}

// products are what a release ships. The plugins are found with go list, as
// the release builds them.
func products(ctx context.Context, root string) ([]product, error) {
	plugins, err := release.Plugins(ctx, root)
	if err != nil {
		return nil, err
	}
	return []product{
		{name: "ironlocald", pkgs: []string{release.DaemonPkg}},
		{name: "plugins", pkgs: plugins},
		{name: "desktop app", pkgs: []string{"."}, cgo: true},
	}, nil
}

// module is one dependency as go list reports it.
type module struct {
	Path, Version, Dir string
	in                 []string // products that link it
	licence            []string // SPDX ids found
	file               string   // the licence file read
	text               string
	notices            map[string]string // NOTICE file name → text
}

func main() {
	check := flag.Bool("check", false, "fail when "+OutFile+" is stale instead of writing it")
	flag.Parse()
	if err := run(context.Background(), ".", *check); err != nil {
		fmt.Fprintln(os.Stderr, "thirdparty:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, root string, check bool) error {
	want, err := Generate(ctx, root)
	if err != nil {
		return err
	}
	path := filepath.Join(root, OutFile)
	if check {
		have, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(have, want) {
			return fmt.Errorf("%s is stale: run `make third-party` and commit it", OutFile)
		}
		return nil
	}
	return os.WriteFile(path, want, 0o644)
}

// Generate returns THIRD_PARTY.md's content for the module at root.
func Generate(ctx context.Context, root string) ([]byte, error) {
	prods, err := products(ctx, root)
	if err != nil {
		return nil, err
	}
	mods := map[string]*module{}
	for _, pr := range prods {
		for _, p := range release.Platforms {
			if err := listModules(ctx, root, pr, p, mods); err != nil {
				return nil, err
			}
		}
	}
	cl, err := assets.DefaultClassifier()
	if err != nil {
		return nil, fmt.Errorf("licence classifier: %w", err)
	}
	sorted := slices.SortedFunc(maps.Values(mods), func(a, b *module) int { return strings.Compare(a.Path, b.Path) })
	if err := classify(cl, sorted); err != nil {
		return nil, err
	}
	goLicence, err := goLicense(ctx, root)
	if err != nil {
		return nil, err
	}
	return render(prods, sorted, goLicence), nil
}

// classify reads each module's licence, and fails when one is missing, not
// recognised, or not Allowed.
func classify(cl *classifier.Classifier, mods []*module) error {
	var refused []string
	for _, m := range mods {
		if err := m.readLicence(cl); err != nil {
			return err
		}
		for _, l := range m.licence {
			if !Allowed[l] {
				refused = append(refused, fmt.Sprintf("%s %s: %s (%s) is not allowed", m.Path, m.Version, l, m.file))
			}
		}
	}
	if len(refused) > 0 {
		return errors.New("licences an Apache-2.0 release may not ship:\n  " + strings.Join(refused, "\n  "))
	}
	return nil
}

// listModules adds the modules pr links on p to mods.
func listModules(ctx context.Context, root string, pr product, p release.Platform, mods map[string]*module) error {
	cgo := "0"
	if pr.cgo {
		cgo = "1"
	}
	args := append([]string{"list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}"}, pr.pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED="+cgo, "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list %s for %s: %w: %s", pr.name, p, err, strings.TrimSpace(stderr.String()))
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) != 3 {
			continue
		}
		m := mods[f[0]]
		if m == nil {
			m = &module{Path: f[0], Version: f[1], Dir: f[2]}
			mods[f[0]] = m
		}
		if f[2] == "" {
			return fmt.Errorf("module %s %s is not downloaded (run go mod download)", f[0], f[1])
		}
		if !slices.Contains(m.in, pr.name) {
			m.in = append(m.in, pr.name)
		}
	}
	return nil
}

var (
	licenceFileRE = regexp.MustCompile(`(?i)^(licen[cs]e|copying|unlicense)([.-](md|txt|rst|mit|apache|apache-2\.0|bsd))?$`)
	noticeFileRE  = regexp.MustCompile(`(?i)^notice(\.(md|txt))?$`)
)

// readLicence finds the module's licence file(s) at its root and classifies
// them; NOTICE files are kept as they are.
func (m *module) readLicence(cl *classifier.Classifier) error {
	entries, err := os.ReadDir(m.Dir)
	if err != nil {
		return err
	}
	var files []string
	m.notices = map[string]string{}
	for _, e := range entries {
		switch {
		case e.IsDir():
		case licenceFileRE.MatchString(e.Name()):
			files = append(files, e.Name())
		case noticeFileRE.MatchString(e.Name()):
			b, err := os.ReadFile(filepath.Join(m.Dir, e.Name()))
			if err != nil {
				return err
			}
			m.notices[e.Name()] = string(b)
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("%s %s: no licence file at the module's root (%s)", m.Path, m.Version, m.Dir)
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(m.Dir, f))
		if err != nil {
			return err
		}
		found := licences(cl, b)
		if len(found) == 0 {
			return fmt.Errorf("%s %s: %s: no licence recognised", m.Path, m.Version, f)
		}
		for _, l := range found {
			if !slices.Contains(m.licence, l) {
				m.licence = append(m.licence, l)
			}
		}
		texts = append(texts, string(b))
	}
	m.file = strings.Join(files, ", ")
	m.text = strings.Join(texts, "\n")
	return nil
}

// licences are the licences the classifier finds in a licence file, most
// confident first, each once.
func licences(cl *classifier.Classifier, text []byte) []string {
	var found []string
	for _, match := range cl.Match(text).Matches {
		if match.MatchType != "License" || slices.Contains(found, match.Name) {
			continue
		}
		found = append(found, match.Name)
	}
	return found
}

// goLicense is the Go distribution's LICENSE (the standard library and
// runtime are in every binary).
func goLicense(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "LICENSE"))
	return string(b), err
}

// render writes the markdown: the table, the NOTICE files, then each
// distinct licence text once with the modules it covers.
func render(prods []product, mods []*module, goLicence string) []byte {
	var b strings.Builder
	b.WriteString("# Third-party software\n\n")
	b.WriteString("<!-- Generated by `go run ./internal/cmd/thirdparty` (`make third-party`): do not edit. -->\n\n")
	var names []string
	for _, p := range prods {
		names = append(names, p.name)
	}
	var plats []string
	for _, p := range release.Platforms {
		plats = append(plats, p.String())
	}
	fmt.Fprintf(&b, "ironlocal itself is licensed under the Apache License, Version 2.0 (`LICENSE`). The binaries a "+
		"release ships (%s, on %s) also contain the Go standard library and runtime and the %d Go modules below. "+
		"Each module's licence was read from its own licence file and identified by "+
		"github.com/google/licenseclassifier/v2; every one is a licence an Apache-2.0 project may ship "+
		"(allowed: %s). The modules' NOTICE files and the licence texts follow the table.\n\n",
		strings.Join(names, ", "), strings.Join(plats, ", "), len(mods), strings.Join(slices.Sorted(maps.Keys(Allowed)), ", "))
	b.WriteString("| module | version | licence | file | in |\n|---|---|---|---|---|\n")
	b.WriteString("| Go standard library and runtime | the Go release that built the binary | BSD-3-Clause | `$GOROOT/LICENSE` | all |\n")
	for _, m := range mods {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s |\n", m.Path, m.Version, strings.Join(m.licence, ", "), m.file, strings.Join(m.in, ", "))
	}

	b.WriteString("\n## NOTICE files\n")
	any := false
	for _, m := range mods {
		for _, name := range slices.Sorted(maps.Keys(m.notices)) {
			any = true
			fmt.Fprintf(&b, "\n### %s %s: %s\n\n%s\n", m.Path, m.Version, name, fence(m.notices[name]))
		}
	}
	if !any {
		b.WriteString("\nNone of the modules has one.\n")
	}

	b.WriteString("\n## Licence texts\n")
	type group struct {
		text string
		mods []string
	}
	var groups []*group
	byText := map[string]*group{}
	add := func(text, who string) {
		key := strings.Join(strings.Fields(text), " ")
		g := byText[key]
		if g == nil {
			g = &group{text: text}
			byText[key] = g
			groups = append(groups, g)
		}
		g.mods = append(g.mods, who)
	}
	add(goLicence, "Go standard library and runtime")
	for _, m := range mods {
		add(m.text, m.Path+" "+m.Version)
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n", strings.Join(g.mods, ", "), fence(g.text))
	}
	return []byte(b.String())
}

// fence puts text in a code block whose fence it does not contain.
func fence(text string) string {
	f := "```"
	for strings.Contains(text, f) {
		f += "`"
	}
	return f + "text\n" + strings.TrimRight(text, "\n") + "\n" + f
}
