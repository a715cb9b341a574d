package emulator

import (
	"context"
	"time"
)

// TaskStatus is an IronWorker task status; values are the wire values.
// There is deliberately no "preparing" (spec §5.11).
type TaskStatus string

const (
	TaskQueued    TaskStatus = "queued"
	TaskRunning   TaskStatus = "running"
	TaskComplete  TaskStatus = "complete"
	TaskError     TaskStatus = "error"
	TaskCancelled TaskStatus = "cancelled"
	TaskKilled    TaskStatus = "killed"
	TaskTimeout   TaskStatus = "timeout"
)

// TaskStatuses lists every status, in the order the stats endpoint reports.
var TaskStatuses = []TaskStatus{TaskQueued, TaskRunning, TaskComplete, TaskError, TaskCancelled, TaskKilled, TaskTimeout}

// Terminal reports whether a task in this status will never run again.
func (s TaskStatus) Terminal() bool { return s != TaskQueued && s != TaskRunning }

// Retryable reports whether automatic retries apply to a task ending so.
func (s TaskStatus) Retryable() bool { return s == TaskError || s == TaskTimeout || s == TaskKilled }

// CodePackage is a registered worker: a Docker image (or a zip run by a
// stack image or the process runtime) with its settings. Each upload makes a
// new revision under the same id.
type CodePackage struct {
	ID              string
	Project         string
	Name            string
	Rev             int
	LatestHistoryID string // id of the current revision
	LatestChecksum  string // md5 of the current zip, if any
	Image           string
	Command         string
	Runtime         string
	FileName        string
	Stack           string
	Config          string
	EnvVars         map[string]string
	// MaxConcurrency: 0 = unlimited, -1 = paused.
	MaxConcurrency int
	// PausedFrom is the MaxConcurrency to restore on resume.
	PausedFrom      int
	Retries         int
	RetriesDelay    int
	DefaultPriority int
	MemoryMB        int64
	CPUs            float64
	// LinkedDir, when set, is the absolute host folder the code's files
	// come from instead of a zip (an ironlocal extension): each task runs
	// the folder's files as they are when it starts, and a change makes no
	// revision. See CheckLinkedDir.
	LinkedDir string
	// Watch re-runs the code's last task when a file under LinkedDir
	// changes: with its payload, or PinnedPayload when PayloadPinned.
	Watch         bool
	PayloadPinned bool
	PinnedPayload string
	// DebugPort is the port a debugger listens on inside the task (2345
	// Delve, 9229 Node, 5678 debugpy, 5005 JDWP), and DebugCommand the
	// command line a debug run starts instead of Command (empty: the same
	// one); both ironlocal extensions, see DebugSpec.
	DebugPort    int
	DebugCommand string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Linked reports whether the code's files come from a host folder.
func (c CodePackage) Linked() bool { return c.LinkedDir != "" }

// Paused reports whether dispatch of the code's tasks is stopped.
func (c CodePackage) Paused() bool { return c.MaxConcurrency < 0 }

// CodeRevision is one upload of a code package.
type CodeRevision struct {
	ID        string
	CodeID    string
	Project   string
	Name      string
	Rev       int
	Checksum  string
	Size      int64 // zip bytes, 0 for image-only packages
	Image     string
	Command   string
	Runtime   string
	FileName  string
	Stack     string
	CreatedAt time.Time
}

// Task is one run of a code package.
type Task struct {
	ID             string
	Project        string
	CodeID         string
	CodeHistoryID  string
	CodeName       string
	CodeRev        int
	Status         TaskStatus
	Msg            string
	Payload        string
	Priority       int
	Timeout        int // seconds
	Delay          int // seconds
	Cluster        string
	Label          string
	ScheduleID     string
	Percent        int
	Duration       int64 // milliseconds
	RunTimes       int
	LogSize        int64
	ExitCode       int
	RetryCount     int
	OriginalTaskID string
	RetryTaskID    string
	// Source says what queued the task (an ironlocal extension): one of
	// the TaskSource values, with SourceID naming the schedule, trigger
	// binding or retried task. Empty on tasks stored before it existed.
	Source   TaskSource
	SourceID string
	// CodeDir is the linked folder the task ran its code from (empty for
	// a zip or image code), and CodeDirMode how the runtime gave the task
	// its files; both are set when the task starts.
	CodeDir     string
	CodeDirMode CodeDirMode
	// Debug runs the task for a debugger (an ironlocal extension): no
	// timeout, and the code's debug command with a debug port published
	// on 127.0.0.1; DebugAddress is that host address while it runs.
	Debug        bool
	DebugAddress string
	// Ran is what the task ran with, recorded when it starts; Replay,
	// when set, is what it runs with instead of its code's settings of
	// the moment (Debug again re-runs a task exactly as it ran).
	Ran       *TaskRun `json:",omitempty"`
	Replay    *TaskRun `json:",omitempty"`
	CreatedAt time.Time
	UpdatedAt time.Time
	StartTime time.Time
	EndTime   time.Time
	// RunnableAt is CreatedAt + Delay: the task is not dispatched before.
	RunnableAt time.Time
	// Seq orders tasks created in the same instant (FIFO tiebreak).
	Seq uint64
}

// TaskRun is the part of a code's settings a task ran with that can change
// between its runs: its revision holds the files.
type TaskRun struct {
	Image   string            `json:"image,omitempty"`
	Command string            `json:"command,omitempty"`
	Config  string            `json:"config,omitempty"`
	EnvVars map[string]string `json:"env_vars,omitempty"`
}

// TaskSource is what queued a task.
type TaskSource string

const (
	SourceAPI      TaskSource = "api"      // the Iron API's queue route (or a client)
	SourceWebhook  TaskSource = "webhook"  // the task webhook route
	SourceSchedule TaskSource = "schedule" // a schedule (SourceID: its id)
	SourceTrigger  TaskSource = "trigger"  // a trigger binding (SourceID: its id)
	SourceRetry    TaskSource = "retry"    // a retry, by hand or automatic (SourceID: the retried task)
	SourcePush     TaskSource = "push"     // an ironworker:// push subscriber of a queue
	SourceWatch    TaskSource = "watch"    // a change in a watched code's linked folder (SourceID: the re-run task)
	SourceDebug    TaskSource = "debug"    // Debug again of a task (SourceID: that task)
)

// ScheduleStatus is a schedule's state; values are the wire values.
type ScheduleStatus string

const (
	ScheduleActive    ScheduleStatus = "scheduled"
	ScheduleComplete  ScheduleStatus = "complete"
	ScheduleCancelled ScheduleStatus = "cancelled"
)

// Schedule queues tasks of a code package over time.
type Schedule struct {
	ID             string
	Project        string
	CodeName       string
	Name           string
	Payload        string
	Status         ScheduleStatus
	Msg            string
	StartAt        time.Time
	EndAt          time.Time // zero = no end
	NextStart      time.Time // zero once finished
	LastRunTime    time.Time
	RunEvery       int    // seconds; 0 = once (unless Cron)
	Cron           string // extension: a 5-field cron expression
	RunTimes       int    // 0 = unlimited
	RunCount       int
	Priority       int
	Timeout        int
	TaskDelay      int
	Cluster        string
	Label          string
	MaxConcurrency int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RegistryCredential is a project's login to one image registry: what
// `iron docker login` sends to POST /credentials. Tasks of the project pull
// images of Registry with it. It is never shown back.
type RegistryCredential struct {
	Project string
	// Registry is the registry's host[:port] as image references name it
	// ("docker.io" for Docker Hub); see RegistryOf.
	Registry      string
	Username      string
	Password      string
	Email         string
	ServerAddress string
	// IdentityToken is a registry's refresh token, used instead of the
	// password when set.
	IdentityToken string
	CreatedAt     time.Time
}

// SnapshotOptions choose what a snapshot holds beyond the state every
// snapshot has.
type SnapshotOptions struct {
	// Credentials includes the projects' registry logins, which are left
	// out by default: they are this machine's secrets.
	Credentials bool
}

// TaskFilter selects tasks for listing. Empty fields match everything.
type TaskFilter struct {
	CodeName string
	Label    string
	Cluster  string
	Statuses []TaskStatus // any of; none = all
	From, To time.Time    // on CreatedAt; zero = open
}

// LogChunk is a piece of a task's output.
type LogChunk struct {
	Stderr bool
	Data   []byte
}

// FolderWatcher watches folders for changes: the watch mode of codes
// linked to a folder.
type FolderWatcher interface {
	// Watch calls changed with the path of each file or folder created,
	// written, removed or renamed under dir, at any depth (folders created
	// later included), until ctx ends; it then returns nil. skip(path,
	// isDir) true leaves a path out; a skipped folder is not watched at
	// all. changed is called from one goroutine at a time and must not
	// block. An error means dir could not be watched (a missing folder, a
	// limit of the system's).
	Watch(ctx context.Context, dir string, skip func(path string, isDir bool) bool, changed func(path string)) error
}

// WorkerStore persists code packages, tasks, logs and schedules.
type WorkerStore interface {
	ViewWorker(ctx context.Context, fn func(WorkerTx) error) error
	UpdateWorker(ctx context.Context, fn func(WorkerTx) error) error
}

// WorkerTx is one transaction over worker state. The store keeps its indexes
// (by project, by code, queued tasks) in step with the records it is given.
type WorkerTx interface {
	Code(project, id string) (CodePackage, error)
	CodeByName(project, name string) (CodePackage, error)
	PutCode(c CodePackage) error
	DeleteCode(project, id string) error
	ListCodes(project string, offset, limit int) ([]CodePackage, error)
	PutRevision(r CodeRevision, zip []byte) error
	Revisions(project, codeID string, offset, limit int) ([]CodeRevision, error)
	Revision(project, id string) (CodeRevision, error)
	// RevisionZip returns the zip of a revision (nil when it has none).
	RevisionZip(project, revisionID string) ([]byte, error)

	Task(project, id string) (Task, error)
	// PutTask writes t; old must be the stored version (nil for a new task)
	// so stale index entries are removed.
	PutTask(old *Task, t Task) error
	// ListTasks returns matching tasks newest first, skipping offset.
	ListTasks(project string, f TaskFilter, offset, limit int) ([]Task, error)
	// TasksInStatus calls fn for every task (all projects) in one of the
	// statuses: recovery at start and the dispatcher's queue use it.
	TasksInStatus(status TaskStatus, fn func(Task) error) error
	AppendLog(project, taskID string, seq uint32, c LogChunk) error
	// Log returns the task's chunks in order.
	Log(project, taskID string) ([]LogChunk, error)

	Schedule(project, id string) (Schedule, error)
	PutSchedule(s Schedule) error
	ListSchedules(project string, offset, limit int) ([]Schedule, error)
	// ActiveSchedules calls fn for every schedule in status scheduled.
	ActiveSchedules(fn func(Schedule) error) error

	// TasksBefore calls fn for the project's tasks (of code codeName when
	// not empty) newest first, starting after task beforeID ("" = the
	// newest), until fn returns false or an error. An unknown beforeID is
	// an Invalid error.
	TasksBefore(project, codeName, beforeID string, fn func(Task) (more bool, err error)) error
	// PutCredential stores a registry login, replacing the project's
	// earlier one for the same registry.
	PutCredential(c RegistryCredential) error
	// Credential returns the project's login to registry (a NotFound
	// error when there is none).
	Credential(project, registry string) (RegistryCredential, error)

	// WorkerProjects lists the projects that have a code, a task or a
	// schedule (possibly with repeats).
	WorkerProjects() ([]string, error)
	// WorkerCounts counts the project's codes, schedules and tasks by
	// status.
	WorkerCounts(project string) (WorkerCounts, error)
}

// WorkerCounts are the sizes of a project's IronWorker state.
type WorkerCounts struct {
	Codes     int
	Schedules int
	Tasks     map[TaskStatus]int
}

// ActivityKind names what a task's request touched; the values are the
// control plane's wire values.
type ActivityKind string

const (
	ActivityMessagePost    ActivityKind = "message_post"
	ActivityMessageDelete  ActivityKind = "message_delete"
	ActivityMessageReserve ActivityKind = "message_reserve"
	ActivityTaskQueue      ActivityKind = "task_queue"
	ActivityCachePut       ActivityKind = "cache_put"
	ActivityCacheDelete    ActivityKind = "cache_delete"
	ActivityCacheIncrement ActivityKind = "cache_increment"
)

// TaskActivity is one request a task made with its token: what was asked,
// the answer's status and, for Kind, what it touched (the queue and the
// message ids, the cache and key, or the ids of the tasks it queued).
type TaskActivity struct {
	At         time.Time
	Method     string
	Path       string
	Status     int
	Kind       ActivityKind
	Queue      string
	Cache      string
	Key        string
	TaskIDs    []string
	MessageIDs []string
}
