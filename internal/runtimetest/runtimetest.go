// Package runtimetest holds what tests of the task runtimes and the worker
// share: a concurrency-safe output buffer that signals when some text
// appears, and zip builders for code packages (zip bombs too). Only tests
// import it.
package runtimetest

import (
	"archive/zip"
	"bytes"
	"strings"
	"sync"
	"testing"
)

// Buffer is an io.Writer safe for the runtimes' copying goroutines. Seen is
// closed once the content first contains the text given to NewBuffer.
type Buffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	Seen chan struct{}
}

// NewBuffer returns a buffer that watches for want ("" watches nothing).
func NewBuffer(want string) *Buffer { return &Buffer{want: want, Seen: make(chan struct{})} }

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.b.Write(p)
	if b.want != "" && strings.Contains(b.b.String(), b.want) {
		b.want = ""
		close(b.Seen)
	}
	return n, err
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Zip returns a zip archive holding files (name → content).
func Zip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatalf("zip %s: %v", name, err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatalf("zip %s: %v", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}
