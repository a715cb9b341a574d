package docgen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"The desktop app":                            "the-desktop-app",
		"Control plane (`/_ironlocal/…`)":            "control-plane-_ironlocal",
		"tcironlocal: the testcontainers-go module":  "tcironlocal-the-testcontainers-go-module",
		"Reset, snapshots, wait-idle, clock, faults": "reset-snapshots-wait-idle-clock-faults",
		"The desktop app's own flags":                "the-desktop-apps-own-flags",
		"Data & settings":                            "data--settings",
		"[Link](x.md) text":                          "link-text",
		"**Bold** heading":                           "bold-heading",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnchors(t *testing.T) {
	md := "# Title\n\n## Same\n\n```sh\n## not a heading\n```\n\n## Same\n\n<a id=\"custom\"></a>\n"
	got := Anchors(md)
	for _, want := range []string{"title", "same", "same-1", "custom"} {
		if !got[want] {
			t.Errorf("anchors %v lack %q", got, want)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line in a code block counted as a heading")
	}
}

func TestBlocks(t *testing.T) {
	md := strings.Join([]string{
		"text",
		"```sh runnable --virtual-clock",
		"curl -fsS x",
		"```",
		"- a list item: ```` ```sh runnable ```` is prose, not a fence",
		"  ```` ```sh runnable ```` neither",
		"````md",
		"```sh runnable",
		"inside a longer fence",
		"```",
		"````",
		"```go",
		"package x",
		"```",
	}, "\n")
	blocks, err := Blocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want 3: %+v", len(blocks), blocks)
	}
	b := blocks[0]
	if !b.Runnable() || b.Line != 2 || !slices.Equal(b.Info[2:], []string{"--virtual-clock"}) || b.Text != "curl -fsS x\n" {
		t.Errorf("first block = %+v", b)
	}
	if blocks[1].Runnable() || !strings.Contains(blocks[1].Text, "```sh runnable") {
		t.Errorf("second block = %+v: a fence inside a longer one is text", blocks[1])
	}
	if blocks[2].Runnable() {
		t.Errorf("a go block is not runnable")
	}

	for name, bad := range map[string]string{
		"runnable out of place":        "```runnable sh\nx\n```\n",
		"runnable in another language": "```go runnable\nx\n```\n",
		"never closed":                 "```sh\nx\n",
	} {
		if _, err := Blocks(bad); err == nil {
			t.Errorf("%s: Blocks(%q): no error", name, bad)
		}
	}
}

func TestLinksOutsideCode(t *testing.T) {
	md := "See [a](a.md#x) and ![img](i.png \"title\").\n\n```\n[not](code.md)\n```\n\n`[nor](span.md)` <img src=\"p.png\" width=\"1\">\n"
	var got []string
	for _, l := range Links(md) {
		got = append(got, l.Target)
	}
	want := []string{"a.md#x", "i.png", "p.png"}
	if !slices.Equal(got, want) {
		t.Errorf("Links = %v, want %v", got, want)
	}
}

func TestCheckLinks(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/b.md", "# B\n\n## Has anchor\n")
	write("assets/x.png", "png")
	write("docs/a.md", strings.Join([]string{
		"[ok](b.md#has-anchor) [self](#a) [dir](../assets/) [img](../assets/x.png) [web](https://example.com/y)",
		"[gone](missing.md)",
		"[bad anchor](b.md#nope)",
		"[escape](../../outside.md)",
		"[abs](/docs/b.md)",
		"# A",
	}, "\n"))
	errs := CheckLinks(root, []string{"docs/a.md"})
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"docs/a.md:2: missing.md: no such file", "docs/a.md:3: b.md#nope: no heading with the anchor #nope",
		"docs/a.md:4: ../../outside.md: outside the repository", "docs/a.md:5: /docs/b.md: absolute path"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if len(errs) != 4 {
		t.Errorf("got %d errors, want 4:\n%s", len(errs), all)
	}
}
