package worker

import "testing"

func TestIgnorer_Ignored(t *testing.T) {
	ig := newIgnorer(append(append([]string{}, alwaysIgnored...),
		"# a comment", "", "node_modules/", "*.log", "!keep.log", "/build", "docs/*.tmp", "**/cache/**", "out/"))
	for _, tc := range []struct {
		name  string
		path  string
		isDir bool
		want  bool
	}{
		{"a source file", "main.py", false, false},
		{"the repository", ".git", true, true},
		{"inside the repository", ".git/index", false, true},
		{"an editor's swap file", "src/.main.py.swp", false, true},
		{"vim's probe", "4913", false, true},
		{"a backup", "main.py~", false, true},
		{"a folder pattern, the folder", "node_modules", true, true},
		{"a folder pattern, deep", "web/node_modules/x/index.js", false, true},
		{"a folder pattern does not match a file", "out", false, false},
		{"a name pattern at any depth", "logs/a/b.log", false, true},
		{"negated", "keep.log", false, false},
		{"anchored at the root", "build/x.o", false, true},
		{"anchored, not deeper", "src/build", false, false},
		{"a middle slash anchors", "docs/a.tmp", false, true},
		{"a middle slash anchors, not deeper", "x/docs/a.tmp", false, false},
		{"double star", "a/b/cache/c/d", false, true},
		{"the root", ".", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ig.ignored(tc.path, tc.isDir); got != tc.want {
				t.Errorf("ignored(%q, dir=%v) = %v, want %v", tc.path, tc.isDir, got, tc.want)
			}
		})
	}
}
