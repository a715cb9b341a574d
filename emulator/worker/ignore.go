package worker

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ignoreFiles are read, in this order, from a linked folder's root: their
// patterns say which changes do not re-run a watched code.
var ignoreFiles = []string{".gitignore", ".ironignore"}

// alwaysIgnored are left out of every watch: the repository, and the swap,
// backup and probe files editors write while a file is open.
var alwaysIgnored = []string{".git/", "*.swp", "*.swx", "*~", ".#*", "#*#", "4913", ".DS_Store"}

// ignoreRule is one pattern line.
type ignoreRule struct {
	segs    []string // the pattern split at '/', "**" matching any number of segments
	negate  bool     // "!pattern": re-include
	dirOnly bool     // "pattern/": folders only
}

// ignorer matches paths relative to a linked folder against the patterns
// of its root's .gitignore and .ironignore, a subset of gitignore(5):
// blank lines and # comments; ! negates; a trailing / matches folders
// only; a pattern holding a / (other than a trailing one) is anchored at
// the root, any other matches a name at any depth; *, ? and [...] match
// within a name, ** whole segments (**/x, x/**, a/**/b). The last match
// wins, and nothing below an ignored folder is re-included. .gitignore
// files in subfolders, and escapes with \, are not read.
type ignorer struct {
	rules []ignoreRule
}

// loadIgnorer reads the ignore files of dir (missing ones are empty).
func loadIgnorer(dir string) *ignorer {
	var lines []string
	lines = append(lines, alwaysIgnored...)
	for _, name := range ignoreFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	return newIgnorer(lines)
}

func newIgnorer(lines []string) *ignorer {
	ig := &ignorer{}
	for _, line := range lines {
		line = strings.TrimRight(line, " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r ignoreRule
		if r.negate = strings.HasPrefix(line, "!"); r.negate {
			line = line[1:]
		}
		if r.dirOnly = strings.HasSuffix(line, "/"); r.dirOnly {
			line = strings.TrimRight(line, "/")
		}
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		if line == "" {
			continue
		}
		r.segs = strings.Split(line, "/")
		if !anchored {
			r.segs = append([]string{"**"}, r.segs...)
		}
		ig.rules = append(ig.rules, r)
	}
	return ig
}

// ignored reports whether rel (slash- or OS-separated, relative to the
// folder) is left out: it, or a folder above it, matches.
func (ig *ignorer) ignored(rel string, isDir bool) bool {
	rel = filepath.ToSlash(rel)
	if rel == "." || rel == "" {
		return false
	}
	segs := strings.Split(rel, "/")
	for i := 1; i < len(segs); i++ {
		if ig.match(segs[:i], true) {
			return true
		}
	}
	return ig.match(segs, isDir)
}

// match applies the rules to one path, the last matching rule winning.
func (ig *ignorer) match(segs []string, isDir bool) bool {
	out := false
	for _, r := range ig.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if matchSegs(r.segs, segs) {
			out = !r.negate
		}
	}
	return out
}

// matchSegs matches path segments against pattern segments, ** standing
// for any number of segments.
func matchSegs(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegs(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
		return false
	}
	return matchSegs(pat[1:], segs[1:])
}
