package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/licenseclassifier/v2/assets"
	"github.com/stretchr/testify/require"
)

// THIRD_PARTY.md is what the tool writes for the current go.mod: a
// dependency added, removed or upgraded without `make third-party` fails
// here (and so does one whose licence is not allowed).
func TestThirdPartyUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("go list for every release platform")
	}
	require.NoError(t, run(context.Background(), filepath.Join("..", "..", ".."), true))
}

func TestClassify(t *testing.T) {
	cl, err := assets.DefaultClassifier()
	require.NoError(t, err)
	licence := func(t *testing.T, asset string) string {
		b, err := assets.ReadLicenseFile(asset)
		require.NoError(t, err)
		return string(b)
	}
	modWith := func(t *testing.T, files map[string]string) *module {
		dir := t.TempDir()
		for name, text := range files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
		}
		return &module{Path: "example.com/" + filepath.Base(dir), Version: "v1.0.0", Dir: dir}
	}

	t.Run("allowed licences and NOTICE files are read", func(t *testing.T) {
		mit := modWith(t, map[string]string{"LICENSE.md": licence(t, "License/MIT/pristine.txt"), "NOTICE": "Copyright the authors", "LICENSE.docs": "CC-BY-SA-4.0 for docs"})
		mpl := modWith(t, map[string]string{"COPYING": licence(t, "License/MPL-2.0/license.txt")})
		require.NoError(t, classify(cl, []*module{mit, mpl}))
		require.Equal(t, []string{"MIT"}, mit.licence)
		require.Equal(t, "LICENSE.md", mit.file, "LICENSE.docs covers documentation, not code")
		require.Equal(t, map[string]string{"NOTICE": "Copyright the authors"}, mit.notices)
		require.Equal(t, []string{"MPL-2.0"}, mpl.licence)
	})
	t.Run("a copyleft licence is refused", func(t *testing.T) {
		gpl := modWith(t, map[string]string{"LICENSE": licence(t, "License/GPL-3.0/license.txt")})
		err := classify(cl, []*module{gpl})
		require.ErrorContains(t, err, gpl.Path+" v1.0.0: GPL-3.0 (LICENSE) is not allowed")
	})
	t.Run("no licence file", func(t *testing.T) {
		none := modWith(t, map[string]string{"README.md": "# no licence here"})
		require.ErrorContains(t, classify(cl, []*module{none}), "no licence file")
	})
	t.Run("an unrecognised licence", func(t *testing.T) {
		odd := modWith(t, map[string]string{"LICENSE": "You may do what the moon allows on Tuesdays."})
		require.ErrorContains(t, classify(cl, []*module{odd}), "no licence recognised")
	})
}
