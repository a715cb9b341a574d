package wire

import (
	"encoding/json"
	"time"
)

// The control plane (/_ironlocal/…) and GET /version. Its times are
// time.Time at full precision.

// Msg is the Iron-style body of errors and simple acknowledgements.
type Msg struct {
	Msg string `json:"msg"`
}

// Version answers GET /version.
type Version struct {
	Version string `json:"version"`
}

// DecodeFailures counts the damaged stored records skipped, with a few
// examples.
type DecodeFailures struct {
	Count    int      `json:"count"`
	Examples []string `json:"examples"`
}

// Health is the state of each part of ironlocal.
type Health struct {
	// DecodeFailures do not make the emulator unhealthy.
	DecodeFailures DecodeFailures `json:"decode_failures"`
	// Services maps store, mq, cache and worker to "ok" or an error, and
	// runtime to the task runtime in use ("docker" or "process").
	Services map[string]string `json:"services"`
	// Status is "ok" or "unavailable".
	Status  string `json:"status"`
	Version string `json:"version"`
}

// OK reports whether every part can serve.
func (h Health) OK() bool { return h.Status == "ok" }

// Clock is the emulator's clock.
type Clock struct {
	Now time.Time `json:"now"`
	// Virtual is true with --virtual-clock: the clock moves only when told.
	Virtual bool `json:"virtual"`
}

// Idle answers a wait-idle that found the emulator idle.
type Idle struct {
	Idle bool   `json:"idle"`
	Msg  string `json:"msg"`
}

// SavedSnapshot is a snapshot ironlocal wrote into its snapshot
// directory.
type SavedSnapshot struct {
	Msg  string `json:"msg"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// Fault is a fault-injection rule: matching Iron API requests answer
// Status (when set) after Latency. Empty match fields match everything.
type Fault struct {
	ID string `json:"id"`
	// Service is "mq", "worker" or "cache".
	Service   string `json:"service,omitempty"`
	ProjectID string `json:"project_id,omitempty"`
	// Resource is a queue, cache or code name.
	Resource string `json:"resource,omitempty"`
	Method   string `json:"method,omitempty"`
	Status   int    `json:"status,omitempty"`
	Msg      string `json:"msg,omitempty"`
	// Times is how many requests the rule affects; 0 = all.
	Times int `json:"times,omitempty"`
	// Hits counts the requests it affected (read only).
	Hits int64 `json:"hits"`
	// Latency is a Go duration such as "250ms".
	Latency string `json:"latency,omitempty"`
}

// FaultList answers GET /_ironlocal/faults.
type FaultList struct {
	Faults []Fault `json:"faults"`
}

// FaultAdded answers POST /_ironlocal/faults.
type FaultAdded struct {
	Fault Fault  `json:"fault"`
	Msg   string `json:"msg"`
}

// Projects answers GET /_ironlocal/projects.
type Projects struct {
	Default  string   `json:"default"`
	Projects []string `json:"projects"`
}

// Stats counts a project's resources.
type Stats struct {
	ProjectID string `json:"project_id"`
	Queues    int    `json:"queues"`
	// Messages is the messages the queues hold (their sizes summed).
	Messages  int64 `json:"messages"`
	Caches    int   `json:"caches"`
	Codes     int   `json:"codes"`
	Schedules int   `json:"schedules"`
	// Tasks counts tasks by status (every status is present).
	Tasks map[TaskStatus]int `json:"tasks"`
}

// UpcomingKind says what happens at an Upcoming's time.
type UpcomingKind string

// Upcoming is something the clock will make happen; the fields naming
// its resource are set.
type Upcoming struct {
	At         time.Time    `json:"at"`
	Kind       UpcomingKind `json:"kind"`
	ProjectID  string       `json:"project_id"`
	Queue      string       `json:"queue,omitempty"`
	MessageID  string       `json:"message_id,omitempty"`
	Cache      string       `json:"cache,omitempty"`
	Key        string       `json:"key,omitempty"`
	ScheduleID string       `json:"schedule_id,omitempty"`
	TaskID     string       `json:"task_id,omitempty"`
	CodeName   string       `json:"code_name,omitempty"`
}

// UpcomingList is what will fire or expire between Now and Until.
type UpcomingList struct {
	Now      time.Time  `json:"now"`
	Until    time.Time  `json:"until"`
	Upcoming []Upcoming `json:"upcoming"`
}

// Settings is how ironlocal was started.
type Settings struct {
	Version string `json:"version"`
	Listen  string `json:"listen"`
	// DataDir is where the store lives (a temporary directory when
	// Ephemeral). DataSize is the bytes allocated there (the files'
	// sizes, with the space Badger reserves ahead); DataUsed the bytes
	// they take on the disk (less: the reserved tail of a sparse file
	// takes none).
	DataDir     string `json:"data_dir"`
	DataSize    int64  `json:"data_size"`
	DataUsed    int64  `json:"data_used"`
	Ephemeral   bool   `json:"ephemeral"`
	SnapshotDir string `json:"snapshot_dir"`
	// Runtime is "docker" (an engine answered) or "process".
	Runtime string `json:"runtime"`
	// StrictAuth is on when tokens were configured (Tokens counts them;
	// their values are never reported).
	StrictAuth   bool     `json:"strict_auth"`
	Tokens       int      `json:"tokens"`
	Projects     []string `json:"projects"`
	VirtualClock bool     `json:"virtual_clock"`
	LogLevel     string   `json:"log_level"`
}

// SchedulePreview is when a schedule would fire, by ironlocal's clock.
type SchedulePreview struct {
	// Fires are the next run times, earliest first; fewer than asked
	// when the schedule completes after the last.
	Fires []time.Time `json:"fires"`
	Now   time.Time   `json:"now"`
}

// MessageStatus is where a browsed message stands: ready, delayed,
// reserved, or on push queues pushing and pushed.
type MessageStatus string

// BrowsedMessage is a message as the browser sees it.
type BrowsedMessage struct {
	ID            string        `json:"id"`
	Body          string        `json:"body"`
	Status        MessageStatus `json:"status"`
	ReservedCount int           `json:"reserved_count"`
	// ReservationID is set while Status is reserved.
	ReservationID string `json:"reservation_id,omitempty"`
	PostedAt      Time   `json:"posted_at,omitzero"`
	// AvailableAt is when a delayed or reserved message becomes ready.
	AvailableAt Time              `json:"available_at,omitzero"`
	ExpiresAt   Time              `json:"expires_at,omitzero"`
	PushHeaders map[string]string `json:"push_headers,omitempty"`
	// Subscribers holds a push queue message's delivery states.
	Subscribers []PushStatus `json:"subscribers,omitempty"`
}

// The pages of the control plane's cursor listings; Cursor is "" on the
// last page.

// QueuePage is a page of queues.
type QueuePage struct {
	Cursor string  `json:"cursor,omitempty"`
	Queues []Queue `json:"queues"`
}

// MessagePage is a page of messages.
type MessagePage struct {
	Cursor   string           `json:"cursor,omitempty"`
	Messages []BrowsedMessage `json:"messages"`
}

// ItemPage is a page of cache items.
type ItemPage struct {
	Cursor string `json:"cursor,omitempty"`
	Items  []Item `json:"items"`
}

// TaskPage is a page of tasks.
type TaskPage struct {
	Cursor string `json:"cursor,omitempty"`
	Tasks  []Task `json:"tasks"`
}

// Trigger plugins and bindings (README "Trigger plugins").

// TriggerAction is what a binding does with each event: queue a task for
// CodeName (Type "task") or post to Queue (Type "message"). Template, when
// set, renders the payload or body from the event (Go text/template).
type TriggerAction struct {
	Type     string `json:"type"`
	CodeName string `json:"code_name,omitempty"`
	Priority *int   `json:"priority,omitempty"`
	Delay    *int   `json:"delay,omitempty"`
	Timeout  *int   `json:"timeout,omitempty"`
	Queue    string `json:"queue,omitempty"`
	Template string `json:"template,omitempty"`
}

// TriggerBinding is a binding with its live state.
type TriggerBinding struct {
	ID          string            `json:"id"`
	ProjectID   string            `json:"project_id"`
	Name        string            `json:"name,omitempty"`
	Plugin      string            `json:"plugin"`
	Config      json.RawMessage   `json:"config"`
	Action      TriggerAction     `json:"action"`
	Enabled     bool              `json:"enabled"`
	State       string            `json:"state"`
	Status      string            `json:"status,omitempty"`
	StatusAttrs map[string]string `json:"status_attrs,omitempty"`
	// Warning says why events will fail although the binding was
	// accepted (its action names a code not uploaded yet); State is still
	// the run's state.
	Warning   string    `json:"warning,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BindingList answers GET /_ironlocal/triggers.
type BindingList struct {
	Bindings []TriggerBinding `json:"bindings"`
}

// TriggerEvent is one event's journey through a binding.
type TriggerEvent struct {
	ID         string            `json:"id"`
	BindingID  string            `json:"binding_id"`
	ProjectID  string            `json:"project_id"`
	Type       string            `json:"type"`
	Source     string            `json:"source"` // plugin, fire or replay
	ReplayOf   string            `json:"replay_of,omitempty"`
	At         time.Time         `json:"at"`
	Payload    string            `json:"payload"`
	Attrs      map[string]string `json:"attrs,omitempty"`
	Outcome    string            `json:"outcome"` // matched, filtered or failed
	Reason     string            `json:"reason,omitempty"`
	TaskID     string            `json:"task_id,omitempty"`
	MessageIDs []string          `json:"message_ids,omitempty"`
}

// TriggerEventList answers GET /_ironlocal/triggers/{id}/events.
type TriggerEventList struct {
	Events []TriggerEvent `json:"events"`
}

// PluginSample is a sample event a plugin offers for test fires.
type PluginSample struct {
	Name      string          `json:"name"`
	EventType string          `json:"event_type"`
	Payload   json.RawMessage `json:"payload"`
}

// TriggerPlugin is a discovered plugin and its state.
type TriggerPlugin struct {
	Name         string          `json:"name,omitempty"`
	Path         string          `json:"path"`
	Version      string          `json:"version,omitempty"`
	State        string          `json:"state"` // starting, running, crashed, failed, stopped
	Message      string          `json:"message,omitempty"`
	Error        string          `json:"error,omitempty"`
	Restarts     int             `json:"restarts"`
	PID          int             `json:"pid,omitempty"`
	ReadyMS      float64         `json:"ready_ms,omitempty"` // the last start: spawn to Info answered
	Description  string          `json:"description,omitempty"`
	EventTypes   []string        `json:"event_types"`
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
	Samples      []PluginSample  `json:"samples"`
	Log          []string        `json:"log"`
}

// PluginList answers GET /_ironlocal/plugins.
type PluginList struct {
	Plugins []TriggerPlugin `json:"plugins"`
}

// RedriveResult answers a redrive: how many messages moved, and where.
type RedriveResult struct {
	Moved int    `json:"moved"`
	To    string `json:"to"`
}

// LiveLog answers GET /_ironlocal/tasks/{pid}/{id}/log: a task's output so
// far, its first Size bytes (stdout and stderr interleaved); task.log
// events whose attrs "offset" is at or past Size carry what follows.
type LiveLog struct {
	Log    string     `json:"log"`
	Size   int64      `json:"size"`
	Status TaskStatus `json:"status"`
}

// BulkResult answers a bulk action: Matched tasks pass the filter,
// Eligible of them the action applies to, Done were acted on (0 in a dry
// run), Remaining were left for another call (over 10,000).
type BulkResult struct {
	Matched   int  `json:"matched"`
	Eligible  int  `json:"eligible"`
	Done      int  `json:"done"`
	Remaining int  `json:"remaining"`
	DryRun    bool `json:"dry_run"`
}

// ActivityKind names what a task's request touched.
type ActivityKind string

// What a task's requests may touch; "" for reads and failures.
const (
	ActivityMessagePost    ActivityKind = "message_post"
	ActivityMessageDelete  ActivityKind = "message_delete"
	ActivityMessageReserve ActivityKind = "message_reserve"
	ActivityTaskQueue      ActivityKind = "task_queue"
	ActivityCachePut       ActivityKind = "cache_put"
	ActivityCacheDelete    ActivityKind = "cache_delete"
	ActivityCacheIncrement ActivityKind = "cache_increment"
)

// Activity is one request a task made with its own IRON_TOKEN: when, what
// was asked, the answer's status and, when Kind is set, what it touched
// (Queue and MessageIDs; Cache and Key; TaskID, the task it queued). At
// keeps full precision, like the rest of the control plane.
type Activity struct {
	At         time.Time    `json:"at"`
	Method     string       `json:"method"`
	Path       string       `json:"path"`
	Status     int          `json:"status"`
	Kind       ActivityKind `json:"kind"`
	Queue      string       `json:"queue"`
	Cache      string       `json:"cache"`
	Key        string       `json:"key"`
	TaskID     string       `json:"task_id"`
	MessageIDs []string     `json:"message_ids"`
}

// ActivityList answers GET /_ironlocal/tasks/{pid}/{task_id}/activity,
// oldest first.
type ActivityList struct {
	Activity []Activity `json:"activity"`
}

// TestContainer is an ironlocal container a test suite started
// (tcironlocal), as GET /_ironlocal/containers lists it.
type TestContainer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Test is the name the test gave (tcironlocal.WithTestName), if any.
	Test      string    `json:"test,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// State is the engine's: running, exited, paused …
	State string `json:"state"`
	// URL reaches its API from the Docker host ("" when not published);
	// Token is the one to send ("" when it accepts any token).
	URL   string `json:"url"`
	Token string `json:"token"`
	// KeepOnFailure: the container stays if its test fails; Kept: it did
	// (its test failed and ended), at KeptAt.
	KeepOnFailure bool       `json:"keep_on_failure"`
	Kept          bool       `json:"kept"`
	KeptAt        *time.Time `json:"kept_at,omitempty"`
}

// TestContainerList answers GET /_ironlocal/containers.
type TestContainerList struct {
	Containers []TestContainer `json:"containers"`
}

// PausedTest is a test paused for a look at the emulator's state
// (tcironlocal's Breakpoint with IRONLOCAL_INSPECT=1).
type PausedTest struct {
	ID    string    `json:"id"`
	Test  string    `json:"test"`
	Since time.Time `json:"since"`
}

// PauseBody announces a paused test: POST /_ironlocal/inspect.
type PauseBody struct {
	Test string `json:"test"`
}

// PauseAnswer answers POST /_ironlocal/inspect.
type PauseAnswer struct {
	Pause PausedTest `json:"pause"`
}

// PausedList answers GET /_ironlocal/inspect.
type PausedList struct {
	Paused []PausedTest `json:"paused"`
}

// ResumedList answers POST /_ironlocal/inspect/resume.
type ResumedList struct {
	Resumed []PausedTest `json:"resumed"`
}

// ResumedAnswer answers GET /_ironlocal/inspect/{id}/wait once resumed.
type ResumedAnswer struct {
	Msg     string `json:"msg"`
	Resumed bool   `json:"resumed"`
}

// ChaosBody is the body of POST /_ironlocal/chaos: chaos mode on, from the
// first chance, with Seed and the rate (0 to 1) of each kind in Profile
// (redeliver, push_twice, push_fail, kill_task, delay_task, api_503,
// latency); no Profile means the default one.
type ChaosBody struct {
	Seed         int64              `json:"seed"`
	Profile      map[string]float64 `json:"profile,omitempty"`
	MaxDelayMS   int64              `json:"max_delay_ms,omitempty"`
	MaxLatencyMS int64              `json:"max_latency_ms,omitempty"`
}

// ChaosState answers GET /_ironlocal/chaos: whether chaos mode is on, with
// what, how many chances of each kind were taken, and the injections
// (the last 1000, oldest first).
type ChaosState struct {
	On           bool               `json:"on"`
	Seed         int64              `json:"seed"`
	Profile      map[string]float64 `json:"profile"`
	MaxDelayMS   int64              `json:"max_delay_ms"`
	MaxLatencyMS int64              `json:"max_latency_ms"`
	Positions    map[string]uint64  `json:"positions"`
	Total        int                `json:"total"`
	Injections   []ChaosInjection   `json:"injections"`
}

// ChaosInjection is one misbehaviour chaos mode injected: the Position-th
// chance of Kind under Seed, at Detail (queue/message, code/task, route).
type ChaosInjection struct {
	Kind       string    `json:"kind"`
	Seed       int64     `json:"seed"`
	Position   uint64    `json:"position"`
	Detail     string    `json:"detail"`
	At         time.Time `json:"at"`
	DurationMS int64     `json:"duration_ms,omitempty"`
}

// Journal answers GET /_ironlocal/journal: the Iron API writes that
// succeeded since the emulator started (or was reset), in order — what
// ironlocald export-test turns into a regression test. Clean says the
// state at StartedAt was empty, or only the seed file SeedFile; Dropped
// counts the oldest entries dropped past the journal's limits.
type Journal struct {
	Enabled   bool           `json:"enabled"`
	StartedAt time.Time      `json:"started_at"`
	Clean     bool           `json:"clean"`
	SeedFile  string         `json:"seed_file,omitempty"`
	Dropped   uint64         `json:"dropped"`
	Entries   []JournalEntry `json:"entries"`
}

// JournalEntry is one write: the request (Body in base64; Truncated when it
// was cut at 1 MiB and cannot be replayed) and the start of its answer.
type JournalEntry struct {
	Seq         uint64    `json:"seq"`
	At          time.Time `json:"at"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	RawQuery    string    `json:"query,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Body        []byte    `json:"body,omitempty"`
	Truncated   bool      `json:"truncated,omitempty"`
	Status      int       `json:"status"`
	// Answer is the answer whole when it was at most 4 KiB; IDs lists the
	// ids it names (id, ids, reservation_id, task_id; objects in key
	// order), which a replay maps to its own by position.
	Answer []byte   `json:"answer,omitempty"`
	IDs    []string `json:"ids,omitempty"`
}
