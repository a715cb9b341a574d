package wire

import (
	"encoding/json"
	"time"
)

// IronWorker v2 request bodies. Each …Body type is the JSON a route reads,
// with the lenient optional scalars of opt.go: the server decodes it, and
// the Go-friendly request types below (NewTask, NewSchedule, …, which
// package client re-exports) encode through it, so every key is declared
// once.

// TaskBody is one task to queue.
type TaskBody struct {
	CodeName string  `json:"code_name"`
	Payload  *string `json:"payload,omitempty"`
	Priority OptInt  `json:"priority,omitzero"`
	Timeout  OptInt  `json:"timeout,omitzero"`
	Delay    OptInt  `json:"delay,omitzero"`
	Cluster  *string `json:"cluster,omitempty"`
	Label    *string `json:"label,omitempty"`
	// Debug runs the task for a debugger (an ironlocal extension): no
	// timeout, its code's debug_command, a debug port on 127.0.0.1.
	Debug bool `json:"debug,omitempty"`
}

// TasksBody is the body of POST /tasks.
type TasksBody struct {
	Tasks []TaskBody `json:"tasks"`
}

// ProgressBody is the body of POST /tasks/{id}/progress.
type ProgressBody struct {
	Percent OptInt `json:"percent,omitzero"`
	Msg     string `json:"msg"`
}

// RetryBody is the body of POST /tasks/{id}/retry.
type RetryBody struct {
	Delay OptInt `json:"delay,omitzero"`
}

// ScheduleBody is a schedule to create, the changes of an update, or (with
// ScheduleID, an ironlocal extension) the timing a preview asks about.
// Absent fields keep the stored value or take the default.
type ScheduleBody struct {
	ScheduleID     string  `json:"schedule_id,omitempty"`
	CodeName       string  `json:"code_name,omitempty"`
	Name           *string `json:"name,omitempty"`
	Payload        *string `json:"payload,omitempty"`
	StartAt        OptTime `json:"start_at,omitzero"`
	EndAt          OptTime `json:"end_at,omitzero"`
	Delay          OptInt  `json:"delay,omitzero"`
	RunEvery       OptInt  `json:"run_every,omitzero"`
	RunTimes       OptInt  `json:"run_times,omitzero"`
	Cron           *string `json:"cron,omitempty"`
	Priority       OptInt  `json:"priority,omitzero"`
	Timeout        OptInt  `json:"timeout,omitzero"`
	TaskDelay      OptInt  `json:"task_delay,omitzero"`
	Cluster        *string `json:"cluster,omitempty"`
	Label          *string `json:"label,omitempty"`
	MaxConcurrency OptInt  `json:"max_concurrency,omitzero"`
}

// SchedulesBody is the body of POST /schedules.
type SchedulesBody struct {
	Schedules []ScheduleBody `json:"schedules"`
}

// CodeBody describes a code package to register: the JSON body of POST
// /codes, or its multipart field "data". Config is a string, or an object
// kept as its JSON text.
type CodeBody struct {
	Name            string            `json:"name"`
	Image           string            `json:"image"`
	Command         string            `json:"command,omitempty"`
	Runtime         string            `json:"runtime,omitempty"`
	FileName        string            `json:"file_name,omitempty"`
	Stack           string            `json:"stack,omitempty"`
	Config          json.RawMessage   `json:"config,omitempty"`
	EnvVars         map[string]string `json:"env_vars,omitempty"`
	MaxConcurrency  OptInt            `json:"max_concurrency,omitzero"`
	Retries         OptInt            `json:"retries,omitzero"`
	RetriesDelay    OptInt            `json:"retries_delay,omitzero"`
	DefaultPriority OptInt            `json:"default_priority,omitzero"`
	Memory          OptInt            `json:"memory,omitzero"` // MB
	CPUs            *float64          `json:"cpus,omitempty"`
	// DebugPort and DebugCommand: what a debug task of the code runs
	// (ironlocal extensions; absent keeps the code's).
	DebugPort    OptInt  `json:"debug_port,omitzero"`
	DebugCommand *string `json:"debug_command,omitempty"`
}

// CodeSettingsBody is the body of PATCH /_ironlocal/codes/{pid}/{id}.
// EnvVars, when present, replaces every variable.
type CodeSettingsBody struct {
	MaxConcurrency  OptInt            `json:"max_concurrency,omitzero"`
	Retries         OptInt            `json:"retries,omitzero"`
	RetriesDelay    OptInt            `json:"retries_delay,omitzero"`
	DefaultPriority OptInt            `json:"default_priority,omitzero"`
	EnvVars         map[string]string `json:"env_vars,omitzero"`
	Memory          OptInt            `json:"memory,omitzero"` // MB
	CPUs            *float64          `json:"cpus,omitempty"`
	DebugPort       OptInt            `json:"debug_port,omitzero"`
	DebugCommand    *string           `json:"debug_command,omitempty"`
}

// CredentialsBody is the body of POST /credentials (what `iron docker
// login` sends): Auth is the base64 of Docker's AuthConfig JSON,
// {"username":…,"password":…,"email":…,"serveraddress":…}.
type CredentialsBody struct {
	Auth string `json:"auth"`
}

// CodeLinkBody is the body of PUT /_ironlocal/codes/{pid}/{name}/link.
// Payload, when present (even ""), is pinned for watch re-runs.
type CodeLinkBody struct {
	Dir     string  `json:"dir"`
	Image   string  `json:"image,omitempty"`
	Command string  `json:"command,omitempty"`
	Watch   bool    `json:"watch,omitempty"`
	Payload *string `json:"payload,omitempty"`
}

// CodeLink links a code package to a folder on the emulator's machine
// (creating the code when there is none of that name): its tasks run the
// folder's files as they are when each starts, without new revisions.
type CodeLink struct {
	// Dir is the folder's absolute path, as the emulator sees it.
	Dir string
	// Image or Command runs the files (a new code needs one; empty keeps
	// an existing code's).
	Image   string
	Command string
	// Watch re-runs the code's last task when a file in Dir changes
	// (.gitignore and .ironignore respected).
	Watch bool
	// Payload, when not nil, is what watch re-runs use instead of the
	// last task's payload.
	Payload *string
}

// Wire is l as sent.
func (l CodeLink) Wire() CodeLinkBody {
	return CodeLinkBody{Dir: l.Dir, Image: l.Image, Command: l.Command, Watch: l.Watch, Payload: l.Payload}
}

// MarshalJSON writes l as a CodeLinkBody.
func (l CodeLink) MarshalJSON() ([]byte, error) { return json.Marshal(l.Wire()) }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(v int) OptInt { return OptInt{Set: v != 0, V: v} }

func int64Opt(p *int64) OptInt {
	if p == nil {
		return OptInt{}
	}
	return Int(int(*p))
}

// NewCode registers an image-based code package (or a new revision of the
// one with the same name). Nil pointers keep the server's defaults.
type NewCode struct {
	Name    string
	Image   string
	Command string
	Config  string
	EnvVars map[string]string
	// MaxConcurrency: 0 = unlimited, -1 = paused.
	MaxConcurrency  *int
	Retries         *int
	RetriesDelay    *int
	DefaultPriority *int
	Memory          *int64 // MB
	CPUs            *float64
	// DebugPort and DebugCommand: what a debug task of the code runs (an
	// ironlocal extension; nil keeps the code's).
	DebugPort    *int
	DebugCommand *string
}

// Wire is c as sent.
func (c NewCode) Wire() CodeBody {
	b := CodeBody{Name: c.Name, Image: c.Image, Command: c.Command, EnvVars: c.EnvVars, MaxConcurrency: IntPtr(c.MaxConcurrency),
		Retries: IntPtr(c.Retries), RetriesDelay: IntPtr(c.RetriesDelay), DefaultPriority: IntPtr(c.DefaultPriority),
		Memory: int64Opt(c.Memory), CPUs: c.CPUs, DebugPort: IntPtr(c.DebugPort), DebugCommand: c.DebugCommand}
	if c.Config != "" {
		b.Config, _ = json.Marshal(c.Config) // a string always marshals
	}
	return b
}

// MarshalJSON writes c as a CodeBody.
func (c NewCode) MarshalJSON() ([]byte, error) { return json.Marshal(c.Wire()) }

// CodeSettings changes a code package's settings without a new revision.
// Nil fields are left as they are; EnvVars, when not nil, replaces every
// variable (an empty map removes them all).
type CodeSettings struct {
	// MaxConcurrency: 0 = unlimited, -1 = paused.
	MaxConcurrency  *int
	Retries         *int
	RetriesDelay    *int
	DefaultPriority *int
	EnvVars         map[string]string
	Memory          *int64 // MB
	CPUs            *float64
	// DebugPort (0: none) and DebugCommand ("": none) set what a debug
	// task of the code runs (an ironlocal extension).
	DebugPort    *int
	DebugCommand *string
}

// Wire is s as sent.
func (s CodeSettings) Wire() CodeSettingsBody {
	return CodeSettingsBody{MaxConcurrency: IntPtr(s.MaxConcurrency), Retries: IntPtr(s.Retries),
		RetriesDelay: IntPtr(s.RetriesDelay), DefaultPriority: IntPtr(s.DefaultPriority), EnvVars: s.EnvVars,
		Memory: int64Opt(s.Memory), CPUs: s.CPUs, DebugPort: IntPtr(s.DebugPort), DebugCommand: s.DebugCommand}
}

// MarshalJSON writes s as a CodeSettingsBody.
func (s CodeSettings) MarshalJSON() ([]byte, error) { return json.Marshal(s.Wire()) }

// NewTask queues a task of a code package. Zero Delay and Timeout mean none
// and the default (3600 s); a nil Priority takes the code's default.
type NewTask struct {
	CodeName string
	Payload  string
	// Priority is 0, 1 or 2 (2 runs first).
	Priority *int
	Delay    int // seconds before it may run
	Timeout  int // seconds
	Cluster  string
	Label    string
	// Debug runs it for a debugger (an ironlocal extension).
	Debug bool
}

// Wire is t as sent.
func (t NewTask) Wire() TaskBody {
	return TaskBody{CodeName: t.CodeName, Payload: &t.Payload, Priority: IntPtr(t.Priority), Timeout: nonZero(t.Timeout),
		Delay: nonZero(t.Delay), Cluster: nonEmpty(t.Cluster), Label: nonEmpty(t.Label), Debug: t.Debug}
}

// MarshalJSON writes t as a TaskBody.
func (t NewTask) MarshalJSON() ([]byte, error) { return json.Marshal(t.Wire()) }

// NewSchedule creates a schedule. Zero fields take the server's defaults:
// start now (or after Delay), run once unless RunEvery or Cron is set,
// unlimited runs, no end, the code's default priority, timeout 3600 s.
type NewSchedule struct {
	CodeName string
	Name     string
	Payload  string
	StartAt  time.Time
	EndAt    time.Time
	// Delay is seconds before the first run when StartAt is zero.
	Delay int
	// RunEvery is seconds between runs (≥ 60).
	RunEvery int
	// RunTimes is the most runs; 0 = unlimited.
	RunTimes int
	// Cron is a 5-field cron expression (an ironlocal extension).
	Cron           string
	Priority       *int
	Timeout        int
	TaskDelay      int
	Cluster        string
	Label          string
	MaxConcurrency int
}

// Wire is s as sent.
func (s NewSchedule) Wire() ScheduleBody {
	return ScheduleBody{CodeName: s.CodeName, Name: nonEmpty(s.Name), Payload: &s.Payload, StartAt: TimeOf(s.StartAt),
		EndAt: TimeOf(s.EndAt), Delay: nonZero(s.Delay), RunEvery: nonZero(s.RunEvery), RunTimes: nonZero(s.RunTimes),
		Cron: nonEmpty(s.Cron), Priority: IntPtr(s.Priority), Timeout: nonZero(s.Timeout), TaskDelay: nonZero(s.TaskDelay),
		Cluster: nonEmpty(s.Cluster), Label: nonEmpty(s.Label), MaxConcurrency: nonZero(s.MaxConcurrency)}
}

// MarshalJSON writes s as a ScheduleBody.
func (s NewSchedule) MarshalJSON() ([]byte, error) { return json.Marshal(s.Wire()) }

// ScheduleUpdate changes a schedule: nil fields stay as they are. RunEvery
// 0 makes it run once, RunTimes 0 unlimited, Cron "" removes the cron
// expression. An end time cannot be removed.
type ScheduleUpdate struct {
	Name           *string
	Payload        *string
	StartAt        *time.Time
	EndAt          *time.Time
	RunEvery       *int
	RunTimes       *int
	Cron           *string
	Priority       *int
	Timeout        *int
	TaskDelay      *int
	Cluster        *string
	Label          *string
	MaxConcurrency *int
}

// Wire is u as sent.
func (u ScheduleUpdate) Wire() ScheduleBody {
	return ScheduleBody{Name: u.Name, Payload: u.Payload, StartAt: TimePtr(u.StartAt), EndAt: TimePtr(u.EndAt),
		RunEvery: IntPtr(u.RunEvery), RunTimes: IntPtr(u.RunTimes), Cron: u.Cron, Priority: IntPtr(u.Priority),
		Timeout: IntPtr(u.Timeout), TaskDelay: IntPtr(u.TaskDelay), Cluster: u.Cluster, Label: u.Label,
		MaxConcurrency: IntPtr(u.MaxConcurrency)}
}

// MarshalJSON writes u as a ScheduleBody.
func (u ScheduleUpdate) MarshalJSON() ([]byte, error) { return json.Marshal(u.Wire()) }

// ScheduleTiming is what a schedule preview needs of a schedule. With
// ScheduleID set it describes an update of that schedule: RunEvery,
// RunTimes and Cron replace the stored ones, zero StartAt and EndAt leave
// them; otherwise a new schedule, zero fields taking the create defaults.
type ScheduleTiming struct {
	ScheduleID string
	StartAt    time.Time
	EndAt      time.Time
	// Delay is seconds before the first run of a new schedule with no
	// StartAt.
	Delay    int
	RunEvery int
	RunTimes int
	Cron     string
}

// Wire is s as sent: RunEvery, RunTimes and Cron always.
func (s ScheduleTiming) Wire() ScheduleBody {
	return ScheduleBody{ScheduleID: s.ScheduleID, StartAt: TimeOf(s.StartAt), EndAt: TimeOf(s.EndAt), Delay: nonZero(s.Delay),
		RunEvery: Int(s.RunEvery), RunTimes: Int(s.RunTimes), Cron: &s.Cron}
}

// MarshalJSON writes s as a ScheduleBody.
func (s ScheduleTiming) MarshalJSON() ([]byte, error) { return json.Marshal(s.Wire()) }
