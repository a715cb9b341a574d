package server

import (
	"context"
	"time"
)

// TB is the part of testing.TB that RunT needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// RunT starts an ephemeral emulator on a free loopback port for one test and
// closes it when the test ends. Options may set anything; Listen defaults to
// 127.0.0.1:0 and Ephemeral is forced unless DataDir is set.
func RunT(t TB, opts Options) *Server {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.DataDir == "" {
		opts.Ephemeral = true
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("start ironlocal: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}
