package release

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Changelog is the file a release must have its section in.
const Changelog = "CHANGELOG.md"

// CheckChangelog returns an error unless Changelog in root has a section
// for version v: a level-2 heading naming it, as Keep a Changelog writes
// them ("## [1.2.3] - 2026-12-07"; "## 1.2.3" is taken too). A release
// without one would ship archives whose CHANGELOG.md does not say what it
// is.
func CheckChangelog(root, v string) error {
	b, err := os.ReadFile(filepath.Join(root, Changelog))
	if err != nil {
		return fmt.Errorf("release %s: %w", v, err)
	}
	if !hasSection(string(b), v) {
		return fmt.Errorf("release %s: %s has no section for %s: move the Unreleased entries under a heading \"## [%s] - YYYY-MM-DD\" first",
			v, Changelog, v, v)
	}
	return nil
}

// hasSection reports whether the Markdown text has a "## " heading whose
// first word is v, bracketed or not.
func hasSection(text, v string) bool {
	for line := range strings.Lines(text) {
		heading, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "## ")
		if !ok {
			continue
		}
		fields := strings.Fields(heading)
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		if inner, ok := strings.CutPrefix(name, "["); ok {
			name, ok = strings.CutSuffix(inner, "]")
			if !ok {
				continue
			}
		}
		if name == v {
			return true
		}
	}
	return false
}
