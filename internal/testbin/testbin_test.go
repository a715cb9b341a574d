package testbin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck_NamesWhatIsMissing(t *testing.T) {
	d := t.TempDir()
	err := check(d)
	if err == nil {
		t.Fatal("an empty directory passed")
	}
	for _, want := range []string{"daemon/ironlocald", "plugins/upload", "plugins/queue", "examples/ticker"} {
		if !strings.Contains(err.Error(), filepath.FromSlash(want)) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
	if !strings.Contains(err.Error(), "make testbin") {
		t.Errorf("%q does not say how to fill it", err)
	}

	files := []string{filepath.Join("daemon", exe("ironlocald")), filepath.Join("examples", exe("ticker"))}
	for _, p := range Builtins {
		files = append(files, filepath.Join("plugins", exe(p)))
	}
	for _, f := range files {
		path := filepath.Join(d, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := check(d); err != nil {
		t.Fatalf("a full directory: %v", err)
	}
}
