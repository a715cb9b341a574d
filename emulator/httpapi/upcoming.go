package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/wire"
)

// Control-plane routes for the desktop app's Time and Data & settings
// screens (docs/control-plane.md).

const (
	defaultUpcomingWithin = 24 * time.Hour
	defaultUpcomingLimit  = 100
	maxUpcomingLimit      = 1000
)

// handleUpcoming lists, earliest first, what the clock will make happen in
// a project within ?within= (a Go duration, default 24h) of now: schedules
// firing, delayed tasks becoming runnable, delayed messages becoming
// ready, reservations and push deliveries coming due, messages and cache
// items expiring; at most ?limit= (default 100, at most 1000).
// GET /_ironlocal/upcoming?project=
func (a *API) handleUpcoming(w http.ResponseWriter, r *http.Request) {
	pid := r.URL.Query().Get("project")
	if pid == "" {
		pid = a.cfg.Control.DefaultProject()
	}
	within := defaultUpcomingWithin
	if v := strings.TrimSpace(r.URL.Query().Get("within")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			a.writeError(w, r, badRequest("Query parameter within must be a positive duration such as 90s, 1h or 168h"))
			return
		}
		within = d
	}
	limit, err := queryInt(r, "limit", defaultUpcomingLimit)
	if err == nil && (limit < 1 || limit > maxUpcomingLimit) {
		err = badRequest("Query parameter limit must be between 1 and 1000")
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	now, _ := a.cfg.Control.Now()
	until := now.Add(within)
	ctx := r.Context()
	messages, err := a.cfg.MQ.Upcoming(ctx, pid, until, limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	items, err := a.cfg.Cache.Upcoming(ctx, pid, until, limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	schedules, err := a.cfg.Worker.Upcoming(ctx, pid, until, limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	all := emulator.MergeUpcoming(limit, schedules, messages, items)
	out := make([]wire.Upcoming, len(all))
	for i, u := range all {
		out[i] = wire.Upcoming{At: u.At, Kind: wire.UpcomingKind(u.Kind), ProjectID: u.Project, Queue: u.Queue, Cache: u.Cache,
			Key: u.Key, ScheduleID: u.ScheduleID, TaskID: u.TaskID, CodeName: u.CodeName}
		if u.MessageID != 0 {
			out[i].MessageID = u.MessageID.String()
		}
	}
	writeJSON(w, http.StatusOK, wire.UpcomingList{Now: now, Until: until, Upcoming: out})
}

// handleSettings reports how the emulator was started: listen address,
// data directory and its size (allocated and used on disk), snapshot directory, runtime, auth mode
// (the number of tokens, never their values), virtual clock, log level.
// GET /_ironlocal/settings
func (a *API) handleSettings(w http.ResponseWriter, r *http.Request) {
	s, err := a.cfg.Control.Settings(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	projects := s.Projects
	if projects == nil {
		projects = []string{}
	}
	writeJSON(w, http.StatusOK, wire.Settings{Version: a.cfg.Version, Listen: s.Listen, DataDir: s.DataDir,
		DataSize: s.DataSize, DataUsed: s.DataUsed, Ephemeral: s.Ephemeral, SnapshotDir: s.SnapshotDir, Runtime: s.Runtime,
		StrictAuth: s.Tokens > 0, Tokens: s.Tokens, Projects: projects, VirtualClock: s.VirtualClock, LogLevel: s.LogLevel})
}
