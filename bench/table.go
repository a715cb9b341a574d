package bench

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// Table is a Markdown table with optional lines of text above it.
type Table struct {
	Preamble []string   // printed before the table, one line each, then a blank line
	Columns  []string   // header cells
	Rows     [][]string // missing cells print empty; extra cells are dropped
	Notes    []string   // printed after the table, one line each, after a blank line
}

// Write renders t as GitHub-flavoured Markdown with padded columns. A `|`
// inside a cell is escaped and newlines become spaces.
func (t Table) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, l := range t.Preamble {
		bw.WriteString(l + "\n")
	}
	if len(t.Preamble) > 0 {
		bw.WriteString("\n")
	}
	cells := func(row []string) []string {
		out := make([]string, len(t.Columns))
		for i := range out {
			if i < len(row) {
				out[i] = escapeCell(row[i])
			}
		}
		return out
	}
	header := cells(t.Columns)
	body := make([][]string, len(t.Rows))
	widths := make([]int, len(t.Columns))
	for i, c := range header {
		widths[i] = max(utf8.RuneCountInString(c), 3)
	}
	for r, row := range t.Rows {
		body[r] = cells(row)
		for i, c := range body[r] {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		bw.WriteString("|")
		for i, c := range row {
			bw.WriteString(" " + c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)) + " |")
		}
		bw.WriteString("\n")
	}
	line(header)
	rule := make([]string, len(widths))
	for i, n := range widths {
		rule[i] = strings.Repeat("-", n)
	}
	line(rule)
	for _, row := range body {
		line(row)
	}
	if len(t.Notes) > 0 {
		bw.WriteString("\n")
		for _, l := range t.Notes {
			bw.WriteString(l + "\n")
		}
	}
	return bw.Flush()
}

func escapeCell(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return strings.ReplaceAll(s, "|", `\|`)
}
