package docgen

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// CheckLinks checks the relative links of the Markdown files (paths
// relative to root): each must name a file or directory inside root and,
// when it has a #fragment into a Markdown file, one of that file's
// anchors. Links with a scheme (https:, mailto:) are not followed. It
// returns one error per broken link.
func CheckLinks(root string, files []string) []error {
	var errs []error
	anchors := map[string]map[string]bool{} // file → its anchors
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchors[path]; ok {
			return a, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		anchors[path] = Anchors(string(b))
		return anchors[path], nil
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return []error{err}
	}
	for _, f := range files {
		src := filepath.Join(absRoot, filepath.FromSlash(f))
		b, err := os.ReadFile(src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range Links(string(b)) {
			if err := checkLink(absRoot, src, l.Target, anchorsOf); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %s: %w", f, l.Line, l.Target, err))
			}
		}
	}
	return errs
}

func checkLink(root, src, target string, anchorsOf func(string) (map[string]bool, error)) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if u.Scheme != "" || u.Host != "" {
		return nil // not a file of the repository
	}
	path := src
	if u.Path != "" {
		if strings.HasPrefix(u.Path, "/") {
			return fmt.Errorf("absolute path: use a path relative to the page")
		}
		path = filepath.Join(filepath.Dir(src), filepath.FromSlash(u.Path))
		if rel, err := filepath.Rel(root, path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("outside the repository")
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("no such file")
		}
	}
	if u.Fragment == "" || !strings.HasSuffix(path, ".md") {
		return nil
	}
	a, err := anchorsOf(path)
	if err != nil {
		return err
	}
	if !a[u.Fragment] {
		return fmt.Errorf("no heading with the anchor #%s in %s", u.Fragment, filepath.Base(path))
	}
	return nil
}

// Pages lists the Markdown files the checks cover, relative to root:
// README.md, docs/*.md and bench/results/*.md.
func Pages(root string) ([]string, error) {
	pages := []string{"README.md"}
	for _, pattern := range []string{"docs/*.md", "bench/results/*.md"} {
		m, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			return nil, err
		}
		for _, p := range m {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return nil, err
			}
			pages = append(pages, filepath.ToSlash(rel))
		}
	}
	return pages, nil
}
