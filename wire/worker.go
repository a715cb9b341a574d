package wire

// IronWorker v2 (spec §3): code packages, tasks and schedules.

// Code is a registered code package (a worker).
type Code struct {
	ID              string            `json:"id"`
	ProjectID       string            `json:"project_id"`
	Name            string            `json:"name"`
	Rev             int               `json:"rev"`
	LatestHistoryID string            `json:"latest_history_id"`
	LatestChecksum  string            `json:"latest_checksum"`
	CreatedAt       Time              `json:"created_at,omitzero"`
	UpdatedAt       Time              `json:"updated_at,omitzero"`
	LatestChange    Time              `json:"latest_change,omitzero"`
	Image           string            `json:"image"`
	Command         string            `json:"command"`
	Runtime         string            `json:"runtime"`
	FileName        string            `json:"file_name"`
	Stack           string            `json:"stack"`
	Config          string            `json:"config"`
	EnvVars         map[string]string `json:"env_vars,omitempty"`
	// MaxConcurrency: 0 = unlimited, -1 = paused.
	MaxConcurrency  int     `json:"max_concurrency"`
	Retries         int     `json:"retries"`
	RetriesDelay    int     `json:"retries_delay"`
	DefaultPriority int     `json:"default_priority"`
	Memory          int64   `json:"memory,omitempty"` // MB
	CPUs            float64 `json:"cpus,omitempty"`
	// LinkedDir is the host folder a linked code's tasks run (an ironlocal
	// extension; Linked says it is set): no zip, no revision per change.
	// Watch re-runs the last task on a change there, with PinnedPayload
	// when it is set.
	LinkedDir     string  `json:"linked_dir,omitempty"`
	Linked        bool    `json:"linked,omitempty"`
	Watch         bool    `json:"watch,omitempty"`
	PinnedPayload *string `json:"pinned_payload,omitempty"`
	// DebugPort is the port a debugger listens on in a debug task, and
	// DebugCommand what a debug task runs instead of Command (ironlocal
	// extensions).
	DebugPort    int    `json:"debug_port,omitempty"`
	DebugCommand string `json:"debug_command,omitempty"`
	// Msg is set on the answer of an upload.
	Msg string `json:"msg,omitempty"`
}

// Paused reports whether the code's task queue is paused.
func (c Code) Paused() bool { return c.MaxConcurrency < 0 }

// CodeList is the answer of GET /codes.
type CodeList struct {
	Codes []Code `json:"codes"`
}

// CodeRevision is one upload of a code package.
type CodeRevision struct {
	ID        string `json:"id"`
	CodeID    string `json:"code_id"`
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	Rev       int    `json:"rev"`
	Checksum  string `json:"checksum"`
	CodeSize  int64  `json:"code_size"`
	Image     string `json:"image,omitempty"`
	Command   string `json:"command,omitempty"`
	Runtime   string `json:"runtime,omitempty"`
	FileName  string `json:"file_name,omitempty"`
	Stack     string `json:"stack,omitempty"`
	CreatedAt Time   `json:"created_at,omitzero"`
}

// RevisionList is the answer of GET /codes/{id}/revisions.
type RevisionList struct {
	Revisions []CodeRevision `json:"revisions"`
}

// TaskStatus is a task's state: queued, running, complete, error,
// cancelled, killed or timeout.
type TaskStatus string

// Terminal reports whether a task in this status will never run again.
func (s TaskStatus) Terminal() bool { return s != "queued" && s != "running" }

// Task is one run of a code package. CodeRev is a string, as upstream
// writes it.
type Task struct {
	ID             string     `json:"id"`
	ProjectID      string     `json:"project_id"`
	CodeID         string     `json:"code_id"`
	CodeHistoryID  string     `json:"code_history_id"`
	CodeName       string     `json:"code_name"`
	CodeRev        string     `json:"code_rev"`
	Status         TaskStatus `json:"status"`
	Msg            string     `json:"msg"`
	Payload        string     `json:"payload"`
	Priority       int        `json:"priority"`
	Timeout        int        `json:"timeout"` // seconds
	Delay          int        `json:"delay"`   // seconds
	Cluster        string     `json:"cluster"`
	Label          string     `json:"label"`
	ScheduleID     string     `json:"schedule_id,omitempty"`
	Percent        int        `json:"percent"`
	Duration       int64      `json:"duration"` // milliseconds
	RunTimes       int        `json:"run_times"`
	LogSize        int64      `json:"log_size"`
	RetryCount     int        `json:"retry_count"`
	OriginalTaskID string     `json:"original_task_id,omitempty"`
	RetryTaskID    string     `json:"retry_task_id,omitempty"`
	// Source says what queued the task (an ironlocal extension): api,
	// webhook, schedule, trigger, retry or push; SourceID names the
	// schedule, trigger binding or retried task.
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	// CodeDir is the linked folder the task ran its code from, and
	// CodeDirMode how it got the files (ironlocal extensions): "folder"
	// (ran in it: the process runtime), "mounted" (read-only at TASK_DIR)
	// or "streamed" (copied in when it started: the Docker runtime).
	CodeDir     string `json:"code_dir,omitempty"`
	CodeDirMode string `json:"code_dir_mode,omitempty"`
	// Debug says the task runs for a debugger, and DebugAddress where it
	// listens while the task runs (127.0.0.1:port; ironlocal extensions).
	Debug        bool   `json:"debug,omitempty"`
	DebugAddress string `json:"debug_address,omitempty"`
	CreatedAt    Time   `json:"created_at,omitzero"`
	UpdatedAt    Time   `json:"updated_at,omitzero"`
	StartTime    Time   `json:"start_time,omitzero"`
	EndTime      Time   `json:"end_time,omitzero"`
}

// TaskList is the answer of GET /tasks.
type TaskList struct {
	Tasks []Task `json:"tasks"`
}

// ID names one created resource in a list of ids.
type ID struct {
	ID string `json:"id"`
}

// QueuedTasks answers a queue, retry or run-now of tasks.
type QueuedTasks struct {
	Msg   string `json:"msg"`
	Tasks []ID   `json:"tasks"`
}

// QueuedWebhookTask answers POST /tasks/webhook.
type QueuedWebhookTask struct {
	ID  string `json:"id"`
	Msg string `json:"msg"`
}

// ScheduleStatus is a schedule's state: scheduled, complete or cancelled.
type ScheduleStatus string

// Schedule queues tasks of a code package over time.
type Schedule struct {
	ID             string         `json:"id"`
	ProjectID      string         `json:"project_id"`
	CodeName       string         `json:"code_name"`
	Name           string         `json:"name"`
	Payload        string         `json:"payload"`
	Status         ScheduleStatus `json:"status"`
	Msg            string         `json:"msg"`
	StartAt        Time           `json:"start_at,omitzero"`
	EndAt          Time           `json:"end_at,omitzero"`
	NextStart      Time           `json:"next_start,omitzero"`
	LastRunTime    Time           `json:"last_run_time,omitzero"`
	RunEvery       int            `json:"run_every"` // seconds
	RunTimes       int            `json:"run_times"` // 0 = unlimited
	RunCount       int            `json:"run_count"`
	Cron           string         `json:"cron,omitempty"`
	Priority       int            `json:"priority"`
	Timeout        int            `json:"timeout"`
	TaskDelay      int            `json:"task_delay"`
	Cluster        string         `json:"cluster"`
	Label          string         `json:"label"`
	MaxConcurrency int            `json:"max_concurrency"`
	CreatedAt      Time           `json:"created_at,omitzero"`
	UpdatedAt      Time           `json:"updated_at,omitzero"`
}

// ScheduleList is the answer of GET /schedules.
type ScheduleList struct {
	Schedules []Schedule `json:"schedules"`
}

// CreatedSchedules answers POST /schedules.
type CreatedSchedules struct {
	Msg       string `json:"msg"`
	Schedules []ID   `json:"schedules"`
}

// Project is the id and name of a project (IronWorker and IronCache).
type Project struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
