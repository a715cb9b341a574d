// Package doccheck reads the complete example a package's documentation
// starts with (the first code block of its doc.go), so that the package's
// tests can build and run it: the example people see first on pkg.go.dev
// and in `go doc` stays one that works.
package doccheck

import (
	"errors"
	"fmt"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"path/filepath"
)

// Example returns the code block that the package documentation in
// dir/doc.go starts with: the first block after at most one introductory
// paragraph. It is an error if the documentation starts otherwise.
func Example(dir string) (string, error) {
	path := filepath.Join(dir, "doc.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", err
	}
	if f.Doc == nil {
		return "", fmt.Errorf("%s: no package documentation", path)
	}
	var p comment.Parser
	d := p.Parse(f.Doc.Text())
	for i, b := range d.Content {
		if code, ok := b.(*comment.Code); ok {
			if i > 1 {
				return "", fmt.Errorf("%s: the documentation has %d blocks before its example; want it to start with one", path, i)
			}
			return code.Text, nil
		}
	}
	return "", errors.New(path + ": the package documentation has no code block")
}
