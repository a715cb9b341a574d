package model

import "strings"

// LogBuffer holds a task's output as lines, the last one possibly
// unfinished, keeping at most max lines (the oldest go first).
type LogBuffer struct {
	lines   []string
	partial string
	max     int
	dropped int
}

func NewLogBuffer(max int) *LogBuffer { return &LogBuffer{max: max} }

// Append adds a chunk of output, which may end mid-line.
func (b *LogBuffer) Append(chunk string) {
	if chunk == "" {
		return
	}
	parts := strings.Split(b.partial+chunk, "\n")
	b.partial = parts[len(parts)-1]
	b.lines = append(b.lines, parts[:len(parts)-1]...)
	if over := len(b.lines) - b.max; b.max > 0 && over > 0 {
		b.lines = append(b.lines[:0], b.lines[over:]...)
		b.dropped += over
	}
}

// Set replaces the whole output.
func (b *LogBuffer) Set(text string) {
	b.lines, b.partial, b.dropped = b.lines[:0], "", 0
	b.Append(text)
}

// Len counts the lines, the unfinished one included.
func (b *LogBuffer) Len() int {
	if b.partial != "" {
		return len(b.lines) + 1
	}
	return len(b.lines)
}

// Line returns line i (0-based).
func (b *LogBuffer) Line(i int) string {
	if i == len(b.lines) {
		return b.partial
	}
	return b.lines[i]
}

// Text is the whole output kept.
func (b *LogBuffer) Text() string {
	var sb strings.Builder
	for _, l := range b.lines {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	sb.WriteString(b.partial)
	return sb.String()
}

// Find returns the lines that contain q, ignoring case.
func (b *LogBuffer) Find(q string) []int {
	q = strings.ToLower(q)
	if q == "" {
		return nil
	}
	var out []int
	for i := range b.Len() {
		if ContainsFold(b.Line(i), q) {
			out = append(out, i)
		}
	}
	return out
}

// JoinChunk joins a live chunk of output that starts at byte offset of
// the whole log to a view holding its first size bytes: add is the part
// not held yet (all, some or none of data), newSize what the view holds
// after it, gap whether bytes between size and offset were missed.
func JoinChunk(size, offset int64, data string) (add string, newSize int64, gap bool) {
	end := offset + int64(len(data))
	switch {
	case offset > size:
		return "", size, true
	case end <= size:
		return "", size, false
	}
	return data[size-offset:], end, false
}
