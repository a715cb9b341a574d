package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Control-plane routes for the desktop app's Time and Data & settings
// screens (docs/control-plane.md).

const (
	defaultUpcomingWithin = 24 * time.Hour
	defaultUpcomingLimit  = 100
	maxUpcomingLimit      = 1000
)

type wireUpcoming struct {
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	ProjectID  string    `json:"project_id"`
	Queue      string    `json:"queue,omitempty"`
	MessageID  string    `json:"message_id,omitempty"`
	Cache      string    `json:"cache,omitempty"`
	Key        string    `json:"key,omitempty"`
	ScheduleID string    `json:"schedule_id,omitempty"`
	TaskID     string    `json:"task_id,omitempty"`
	CodeName   string    `json:"code_name,omitempty"`
}

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
	out := make([]wireUpcoming, len(all))
	for i, u := range all {
		out[i] = wireUpcoming{At: u.At, Kind: string(u.Kind), ProjectID: u.Project, Queue: u.Queue, Cache: u.Cache,
			Key: u.Key, ScheduleID: u.ScheduleID, TaskID: u.TaskID, CodeName: u.CodeName}
		if u.MessageID != 0 {
			out[i].MessageID = u.MessageID.String()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"now": now, "until": until, "upcoming": out})
}

type wireSettings struct {
	Version      string   `json:"version"`
	Listen       string   `json:"listen"`
	DataDir      string   `json:"data_dir"`
	DataSize     int64    `json:"data_size"`
	DataUsed     int64    `json:"data_used"`
	Ephemeral    bool     `json:"ephemeral"`
	SnapshotDir  string   `json:"snapshot_dir"`
	Runtime      string   `json:"runtime"`
	StrictAuth   bool     `json:"strict_auth"`
	Tokens       int      `json:"tokens"`
	Projects     []string `json:"projects"`
	VirtualClock bool     `json:"virtual_clock"`
	LogLevel     string   `json:"log_level"`
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
	writeJSON(w, http.StatusOK, wireSettings{Version: a.cfg.Version, Listen: s.Listen, DataDir: s.DataDir,
		DataSize: s.DataSize, DataUsed: s.DataUsed, Ephemeral: s.Ephemeral, SnapshotDir: s.SnapshotDir, Runtime: s.Runtime,
		StrictAuth: s.Tokens > 0, Tokens: s.Tokens, Projects: projects, VirtualClock: s.VirtualClock, LogLevel: s.LogLevel})
}
