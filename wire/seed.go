package wire

import (
	"encoding/json"
	"time"
)

// Seed files: the JSON `--seed`, server.Options.Seed and
// tcironlocal.WithSeed load (emulator/seed parses and applies it), and the
// desktop app's Save as seed writes. Fields left out (or null) keep the
// service's defaults; a ProjectID on an entry wins over the file's.

// SeedVersion is the format version a seed names in "ironlocal_seed".
const SeedVersion = 1

// Seed is a seed file.
type Seed struct {
	Version   int            `json:"ironlocal_seed"`
	ProjectID string         `json:"project_id,omitempty"`
	Queues    []SeedQueue    `json:"queues,omitempty"`
	Caches    []SeedCache    `json:"caches,omitempty"`
	Codes     []SeedCode     `json:"codes,omitempty"`
	Schedules []SeedSchedule `json:"schedules,omitempty"`
	Triggers  []SeedTrigger  `json:"triggers,omitempty"`
}

// SeedQueue is a pull queue, its settings and its initial messages.
type SeedQueue struct {
	ProjectID         string        `json:"project_id,omitempty"`
	Name              string        `json:"name"`
	MessageTimeout    *int          `json:"message_timeout,omitempty"`
	MessageExpiration *int          `json:"message_expiration,omitempty"`
	Messages          []SeedMessage `json:"messages,omitempty"`
}

// SeedMessage is one message; Delay is seconds before it is ready.
type SeedMessage struct {
	Body  string `json:"body"`
	Delay int    `json:"delay,omitempty"`
}

// SeedCache is a cache and its items.
type SeedCache struct {
	ProjectID string     `json:"project_id,omitempty"`
	Name      string     `json:"name"`
	Items     []SeedItem `json:"items"`
}

// SeedItem is one cache item: Value keeps its JSON type; ExpiresIn is
// seconds left to live (0: never expires).
type SeedItem struct {
	Key       string          `json:"key"`
	Value     json.RawMessage `json:"value"`
	ExpiresIn int             `json:"expires_in,omitempty"`
}

// SeedCode is an image code package.
type SeedCode struct {
	ProjectID       string            `json:"project_id,omitempty"`
	Name            string            `json:"name"`
	Image           string            `json:"image"`
	Command         string            `json:"command,omitempty"`
	Config          string            `json:"config,omitempty"`
	EnvVars         map[string]string `json:"env_vars,omitempty"`
	MaxConcurrency  *int              `json:"max_concurrency,omitempty"`
	Retries         *int              `json:"retries,omitempty"`
	RetriesDelay    *int              `json:"retries_delay,omitempty"`
	DefaultPriority *int              `json:"default_priority,omitempty"`
}

// SeedSchedule is a schedule of a code package.
type SeedSchedule struct {
	ProjectID string     `json:"project_id,omitempty"`
	CodeName  string     `json:"code_name"`
	Name      string     `json:"name,omitempty"`
	Payload   string     `json:"payload"`
	StartAt   *time.Time `json:"start_at,omitempty"`
	EndAt     *time.Time `json:"end_at,omitempty"`
	RunEvery  *int       `json:"run_every,omitempty"`
	RunTimes  *int       `json:"run_times,omitempty"`
	Cron      *string    `json:"cron,omitempty"`
	Priority  *int       `json:"priority,omitempty"`
	Timeout   *int       `json:"timeout,omitempty"`
	Cluster   string     `json:"cluster,omitempty"`
	Label     string     `json:"label,omitempty"`
}

// SeedTrigger is a trigger plugin binding. Its config is checked against
// the plugin's schema when the plugin runs: a refused one shows as the
// binding's state.
type SeedTrigger struct {
	ProjectID string            `json:"project_id,omitempty"`
	Name      string            `json:"name"`
	Plugin    string            `json:"plugin"`
	Config    json.RawMessage   `json:"config,omitempty"`
	Action    SeedTriggerAction `json:"action"`
	Enabled   *bool             `json:"enabled,omitempty"`
}

// SeedTriggerAction is what a seeded binding does with each event.
type SeedTriggerAction struct {
	Type     string `json:"type"` // "task" or "message"
	CodeName string `json:"code_name,omitempty"`
	Priority *int   `json:"priority,omitempty"`
	Delay    *int   `json:"delay,omitempty"`
	Timeout  *int   `json:"timeout,omitempty"`
	Queue    string `json:"queue,omitempty"`
	Template string `json:"template,omitempty"`
}
