package server

import (
	"context"
	"log/slog"

	"github.com/ironlocal/ironlocal/emulator/control"
)

// settings is how this emulator was started, for GET /_ironlocal/settings;
// storeDir is where the store lives ("" in memory).
func (s *Server) settings(storeDir string) control.Settings {
	return control.Settings{Listen: s.ln.Addr().String(), DataDir: storeDir, Ephemeral: s.opts.Ephemeral,
		SnapshotDir: snapshotDir(s.opts), Runtime: s.runtime.Name(), Tokens: len(s.opts.Tokens),
		Projects: s.opts.Projects, VirtualClock: s.opts.VirtualClock, LogLevel: logLevel(s.opts.Logger)}
}

// logLevel is the lowest level logger writes ("off" for a discarding
// logger).
func logLevel(logger *slog.Logger) string {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if logger.Enabled(context.Background(), l) {
			return map[slog.Level]string{slog.LevelDebug: "debug", slog.LevelInfo: "info", slog.LevelWarn: "warn",
				slog.LevelError: "error"}[l]
		}
	}
	return "off"
}
