package release

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckChangelog(t *testing.T) {
	const text = `# Changelog

Released as ` + "`## [x.y.z] - date`" + ` below; 1.2.3 is mentioned here, not a heading.

## [Unreleased]

### Added
- ## [0.9.0] in a list is not a heading

## [1.2.3-rc.1] - 2026-12-01

## 1.1.0

## [1.0.0]

[1.2.3-rc.1]: https://example.com/compare/v1.1.0...v1.2.3-rc.1
`
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, Changelog), []byte(text), 0o644))
	for _, c := range []struct {
		name, version string
		ok            bool
	}{
		{"keep a changelog heading with a date", "1.2.3-rc.1", true},
		{"bare heading", "1.1.0", true},
		{"bracketed without a date", "1.0.0", true},
		{"only mentioned in prose", "1.2.3", false},
		{"a prefix of a section's version", "1.2", false},
		{"only in a list item", "0.9.0", false},
		{"unreleased is no version", "Unreleased", true}, // CheckVersion refuses it first
		{"absent", "2.0.0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckChangelog(root, c.version)
			if c.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), "CHANGELOG.md has no section for "+c.version)
			require.Contains(t, err.Error(), `"## [`+c.version+`] - YYYY-MM-DD"`)
		})
	}
	require.ErrorIs(t, CheckChangelog(t.TempDir(), "1.0.0"), os.ErrNotExist)
}
