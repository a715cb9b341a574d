package server

import (
	"path/filepath"

	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// The services, for in-process callers (the desktop app, the plugin host,
// Go tests). They are the same ones the HTTP API calls.

// Control is the control service: reset, snapshots, clock, health,
// wait-idle and faults.
func (s *Server) Control() *control.Service { return s.control }

// MQ is the IronMQ service.
func (s *Server) MQ() *mq.Service { return s.mq }

// Worker is the IronWorker service.
func (s *Server) Worker() *worker.Service { return s.worker }

// Cache is the IronCache service.
func (s *Server) Cache() *cache.Service { return s.cache }

// virtualClock is the clock the control service may move: nil (not a nil
// *clock.Virtual) on the wall clock.
func (s *Server) virtualClock() control.VirtualClock {
	if s.virtual == nil {
		return nil
	}
	return s.virtual
}

// snapshotDir is where named snapshots are saved: --snapshot-dir, else
// <data-dir>/snapshots; "" (saving refused) for an ephemeral emulator
// without --snapshot-dir, whose data dir is gone at exit.
func snapshotDir(opts Options) string {
	switch {
	case opts.SnapshotDir != "":
		return opts.SnapshotDir
	case opts.Ephemeral:
		return ""
	}
	return filepath.Join(opts.DataDir, "snapshots")
}
