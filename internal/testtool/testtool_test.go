package testtool

import (
	"path/filepath"
	"testing"
)

func TestNeed_FindsWhatIsOnPath(t *testing.T) {
	path := Need(t, "go")
	if filepath.Base(path) != "go" {
		t.Fatalf("Need(go) = %q", path)
	}
}
