package control

import (
	"context"
	"io/fs"
	"path/filepath"
)

// Settings is how the emulator was started, as a settings screen shows it
// (token values are never reported, only how many there are).
type Settings struct {
	// Listen is the address the API is served on.
	Listen string
	// DataDir is where the store lives: the data directory, or the
	// private temporary directory of an ephemeral emulator ("" when the
	// store is in memory).
	DataDir   string
	Ephemeral bool
	// SnapshotDir is where named snapshots are saved ("" = saving refused).
	SnapshotDir string
	// Runtime is where tasks run: "docker" (an engine answered) or
	// "process".
	Runtime string
	// Tokens counts the accepted tokens; zero means any token is accepted
	// (strict auth is off). Projects are the configured projects.
	Tokens       int
	Projects     []string
	VirtualClock bool
	// LogLevel is the lowest level logged: debug, info, warn or error.
	LogLevel string
}

// SettingsReport is Settings plus what is measured when asked.
type SettingsReport struct {
	Settings
	// DataSize is the bytes allocated under DataDir: the files' sizes,
	// including the space Badger reserves ahead in its value log and
	// memtable files (0 when DataDir is "").
	DataSize int64
	// DataUsed is the bytes those files take on the disk: the reserved
	// tail of a preallocated (sparse) file is not written yet and takes
	// none. Where the OS does not say, it equals DataSize.
	DataUsed int64
}

// Settings reports how the emulator was started and how much its store
// takes on disk.
func (s *Service) Settings(ctx context.Context) (SettingsReport, error) {
	r := SettingsReport{Settings: s.settings}
	r.Projects = append([]string(nil), s.settings.Projects...)
	if r.DataDir == "" {
		return r, nil
	}
	err := filepath.WalkDir(r.DataDir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking (compaction) is not an error
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				r.DataSize += info.Size()
				r.DataUsed += diskUsage(info)
			}
		}
		return nil
	})
	return r, err
}
