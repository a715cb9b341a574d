package trigger

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// pluginLog receives a plugin's log lines (go-plugin's hclog output, which
// carries the plugin's own JSON log lines and its stderr), keeps the last
// lines for the control plane and writes each one to the host's log tagged
// with the plugin's file.
type pluginLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	part []byte
	ring []string
	next int
	full bool
}

// logLines lines of at most maxLogLine bytes are kept per plugin.
const (
	logLines   = 200
	maxLogLine = 8 << 10
)

func newPluginLog(log *slog.Logger) *pluginLog {
	return &pluginLog{log: log, ring: make([]string, logLines)}
}

func (l *pluginLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		raw := l.part[:i]
		if len(raw) > maxLogLine {
			// A plugin may print anything; the ring keeps 200 lines, so
			// each is bounded.
			raw = append(raw[:maxLogLine:maxLogLine], fmt.Sprintf("… [%d bytes cut]", len(raw)-maxLogLine)...)
		}
		line := redactText(strings.TrimRight(strings.ToValidUTF8(string(raw), "\uFFFD"), "\r"))
		l.part = l.part[i+1:]
		if line == "" {
			continue
		}
		l.ring[l.next] = line
		l.next = (l.next + 1) % len(l.ring)
		l.full = l.full || l.next == 0
		l.log.Log(context.Background(), lineLevel(line), line)
	}
	if len(l.part) > 64<<10 { // a runaway line without a newline
		l.part = l.part[:0]
	}
	return len(p), nil
}

// lineLevel reads the level hclog wrote into a line ("[WARN]  …"), so a
// plugin's debug chatter stays at debug in the host's log.
func lineLevel(line string) slog.Level {
	head := line[:min(len(line), 48)]
	switch {
	case strings.Contains(head, "[ERROR]"):
		return slog.LevelError
	case strings.Contains(head, "[WARN]"):
		return slog.LevelWarn
	case strings.Contains(head, "[INFO]"):
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// Lines returns the kept lines, oldest first.
func (l *pluginLog) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]string(nil), l.ring[:l.next]...)
	}
	return append(append([]string(nil), l.ring[l.next:]...), l.ring[:l.next]...)
}
