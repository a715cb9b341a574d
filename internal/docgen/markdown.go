package docgen

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// A Block is a fenced code block of a Markdown file.
type Block struct {
	Line int      // of the opening fence, 1-based
	Info []string // the fence's info string, split on spaces ("sh", "runnable", …)
	Text string   // the lines between the fences
}

// Runnable reports whether b is a runnable shell example: its info string
// is "sh runnable" (or "bash runnable"), optionally followed by what the
// daemon it runs against needs (see test/docs_test.go).
func (b Block) Runnable() bool {
	return len(b.Info) >= 2 && (b.Info[0] == "sh" || b.Info[0] == "bash") && b.Info[1] == "runnable"
}

// fenceLine matches an opening or closing code fence (CommonMark: up to
// three spaces of indent, then ``` or ~~~; list items may indent more).
var fenceLine = regexp.MustCompile("^ *(```+|~~~+)(.*)$")

// fence returns fenceLine's match of line, nil when line is no fence: a
// backtick fence's info string holds no backtick (CommonMark), so a line
// that starts with an inline code span of backticks is prose.
func fence(line string) []string {
	m := fenceLine.FindStringSubmatch(line)
	if m == nil || (m[1][0] == '`' && strings.Contains(m[2], "`")) {
		return nil
	}
	return m
}

// Blocks returns the fenced code blocks of md. A "runnable" anywhere in an
// info string but where Runnable reads it is an error, so a misspelt
// marker does not quietly leave an example unchecked.
func Blocks(md string) ([]Block, error) {
	var blocks []Block
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence(lines[i])
		if m == nil {
			continue
		}
		b := Block{Line: i + 1, Info: strings.Fields(m[2])}
		var text []string
		closed := false
		for i++; i < len(lines); i++ {
			if c := fence(lines[i]); c != nil && strings.TrimSpace(c[2]) == "" &&
				c[1][0] == m[1][0] && len(c[1]) >= len(m[1]) {
				closed = true
				break
			}
			text = append(text, lines[i])
		}
		if !closed {
			return blocks, fmt.Errorf("line %d: code block never closed", b.Line)
		}
		b.Text = strings.Join(text, "\n") + "\n"
		if !b.Runnable() && strings.Contains(strings.Join(b.Info, " "), "runnable") {
			return blocks, fmt.Errorf("line %d: %q: a runnable example's fence reads ```sh runnable [daemon flags…]", b.Line, strings.Join(b.Info, " "))
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// prose is md with fenced code blocks blanked out (their lines kept, so
// line numbers hold) and inline code spans removed: what links and
// headings are read from.
func prose(md string) []string {
	lines := strings.Split(md, "\n")
	var open string
	for i, l := range lines {
		if m := fence(l); m != nil {
			switch {
			case open == "":
				open = m[1]
			case strings.TrimSpace(m[2]) == "" && m[1][0] == open[0] && len(m[1]) >= len(open):
				open = ""
			}
			lines[i] = ""
			continue
		}
		if open != "" {
			lines[i] = ""
			continue
		}
		lines[i] = codeSpan.ReplaceAllString(l, "")
	}
	return lines
}

var codeSpan = regexp.MustCompile("`+[^`]*`+")

// heading matches an ATX heading.
var heading = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)

// htmlAnchor matches <a id="x"> and <a name="x">.
var htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)

// Anchors returns the anchors GitHub gives md's headings (and any
// <a id=…> or <a name=…>), as a set.
func Anchors(md string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	lines := strings.Split(md, "\n")
	blank := prose(md) // fences blanked, but headings need their code spans
	for i, l := range lines {
		if blank[i] == "" && l != "" {
			continue // inside a code block
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			anchors[m[1]] = true
		}
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s := Slug(m[2])
		if n := seen[s]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			anchors[s] = true
		}
		seen[s]++
	}
	return anchors
}

var mdLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// Slug is the anchor GitHub derives from a heading's text: the rendered
// text lower-cased, with everything but letters, digits, spaces, hyphens
// and underscores dropped, and spaces turned into hyphens.
func Slug(text string) string {
	text = mdLink.ReplaceAllString(text, "$1")
	text = strings.NewReplacer("`", "", "**", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// A Link is a link target found in a Markdown file.
type Link struct {
	Line   int
	Target string
}

var (
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	htmlLink   = regexp.MustCompile(`<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"`)
)

// Links returns the targets of md's inline links and images, and of its
// HTML <a href> and <img src>, outside code.
func Links(md string) []Link {
	var links []Link
	for i, l := range prose(md) {
		for _, re := range []*regexp.Regexp{inlineLink, htmlLink} {
			for _, m := range re.FindAllStringSubmatch(l, -1) {
				links = append(links, Link{Line: i + 1, Target: m[1]})
			}
		}
	}
	return links
}
