package test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/docgen"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

// TestDocs_RunnableExamples runs every shell example the README and docs/
// mark runnable (a fence reading "sh runnable [daemon flags…]") against a
// real ironlocald of its own, started ephemeral with the built-in plugins
// beside it and the flags the fence names, as `make run` starts one. The
// daemon's address replaces the default one the example is written for,
// the block runs under `bash -euo pipefail` in an empty directory, with
// ironlocald on its PATH and IRONLOCAL_URL naming the daemon (so the
// ironlocald subcommands reach it), and a non-zero exit fails the test, so
// an example cannot rot.
func TestDocs_RunnableExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("black-box: builds and starts ironlocald")
	}
	testtool.Need(t, "bash")
	testtool.Need(t, "curl")
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := docgen.Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, page := range pages {
		md, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := docgen.Blocks(string(md))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		for _, b := range blocks {
			if !b.Runnable() {
				continue
			}
			ran++
			t.Run(fmt.Sprintf("%s:%d", page, b.Line), func(t *testing.T) {
				flags := append([]string{"--ephemeral"}, b.Info[2:]...)
				d := StartDaemonWithPlugins(t, flags...)
				script := forDaemon(b.Text, strings.TrimPrefix(d.URL, "http://"))
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				dir := t.TempDir()
				cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
				cmd.Dir = dir
				cmd.Env = []string{"HOME=" + dir, "LANG=C.UTF-8", "IRONLOCAL_URL=" + d.URL,
					"PATH=" + filepath.Dir(daemonBinary(t)) + string(os.PathListSeparator) + os.Getenv("PATH")}
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s line %d (ironlocald %s) failed: %v\n--- script\n%s--- output\n%s",
						page, b.Line, strings.Join(flags, " "), err, script, out)
				}
			})
		}
	}
	if ran == 0 {
		t.Fatal("no runnable examples found in the README or docs/")
	}
}

// forDaemon rewrites an example written for the default address
// (127.0.0.1:4766) to reach the daemon at addr.
func forDaemon(script, addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return strings.NewReplacer(
		"127.0.0.1:4766", addr,
		"localhost:4766", addr,
		"IRON_PORT=4766", "IRON_PORT="+port,
	).Replace(script)
}

func TestForDaemon(t *testing.T) {
	got := forDaemon("export IRON_HOST=127.0.0.1 IRON_PORT=4766\ncurl http://127.0.0.1:4766/x localhost:4766/y\n", "127.0.0.1:39001")
	want := "export IRON_HOST=127.0.0.1 IRON_PORT=39001\ncurl http://127.0.0.1:39001/x 127.0.0.1:39001/y\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
