package httpapi

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Wire shapes of IronWorker v2 (spec §3). Times are RFC 3339 and omitted
// when unknown: iron_go3 cannot decode "" into a time (spec §5.13).

// wireTime renders a time as every Iron route writes it
// (emulator.WireTimeLayout), or nothing for the zero time.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(emulator.FormatWireTime(time.Time(t)))
}

func optTime(t time.Time) *wireTime {
	if t.IsZero() {
		return nil
	}
	w := wireTime(t)
	return &w
}

// flexTime accepts the time formats the clients send: RFC 3339 with or
// without fractions and offsets (Go, Ruby), Python's isoformat() of a naive
// datetime (taken as UTC), or null/"" for absent.
type flexTime struct {
	Set bool
	T   time.Time
}

var flexLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = flexTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[flexTime]()}
	}
	if s = strings.TrimSpace(s); s == "" {
		*f = flexTime{}
		return nil
	}
	for _, layout := range flexLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*f = flexTime{Set: true, T: t.UTC()}
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[flexTime]()}
}

func (f flexTime) ptr() *time.Time {
	if !f.Set {
		return nil
	}
	t := f.T
	return &t
}

type wireCode struct {
	ID              string            `json:"id"`
	ProjectID       string            `json:"project_id"`
	Name            string            `json:"name"`
	Rev             int               `json:"rev"`
	LatestHistoryID string            `json:"latest_history_id"`
	LatestChecksum  string            `json:"latest_checksum"`
	CreatedAt       *wireTime         `json:"created_at,omitempty"`
	UpdatedAt       *wireTime         `json:"updated_at,omitempty"`
	LatestChange    *wireTime         `json:"latest_change,omitempty"`
	Image           string            `json:"image"`
	Command         string            `json:"command"`
	Runtime         string            `json:"runtime"`
	FileName        string            `json:"file_name"`
	Stack           string            `json:"stack"`
	Config          string            `json:"config"`
	EnvVars         map[string]string `json:"env_vars,omitempty"`
	MaxConcurrency  int               `json:"max_concurrency"`
	Retries         int               `json:"retries"`
	RetriesDelay    int               `json:"retries_delay"`
	DefaultPriority int               `json:"default_priority"`
	Memory          int64             `json:"memory,omitempty"`
	CPUs            float64           `json:"cpus,omitempty"`
	Msg             string            `json:"msg,omitempty"`
}

func toWireCode(c emulator.CodePackage) wireCode {
	return wireCode{ID: c.ID, ProjectID: c.Project, Name: c.Name, Rev: c.Rev, LatestHistoryID: c.LatestHistoryID,
		LatestChecksum: c.LatestChecksum, CreatedAt: optTime(c.CreatedAt), UpdatedAt: optTime(c.UpdatedAt),
		LatestChange: optTime(c.UpdatedAt), Image: c.Image, Command: c.Command, Runtime: c.Runtime,
		FileName: c.FileName, Stack: c.Stack, Config: c.Config, EnvVars: c.EnvVars, MaxConcurrency: c.MaxConcurrency,
		Retries: c.Retries, RetriesDelay: c.RetriesDelay, DefaultPriority: c.DefaultPriority, Memory: c.MemoryMB, CPUs: c.CPUs}
}

type wireRevision struct {
	ID        string    `json:"id"`
	CodeID    string    `json:"code_id"`
	ProjectID string    `json:"project_id"`
	Name      string    `json:"name"`
	Rev       int       `json:"rev"`
	Checksum  string    `json:"checksum"`
	CodeSize  int64     `json:"code_size"`
	Image     string    `json:"image,omitempty"`
	Command   string    `json:"command,omitempty"`
	Runtime   string    `json:"runtime,omitempty"`
	FileName  string    `json:"file_name,omitempty"`
	Stack     string    `json:"stack,omitempty"`
	CreatedAt *wireTime `json:"created_at,omitempty"`
}

func toWireRevision(r emulator.CodeRevision) wireRevision {
	return wireRevision{ID: r.ID, CodeID: r.CodeID, ProjectID: r.Project, Name: r.Name, Rev: r.Rev, Checksum: r.Checksum,
		CodeSize: r.Size, Image: r.Image, Command: r.Command, Runtime: r.Runtime, FileName: r.FileName, Stack: r.Stack,
		CreatedAt: optTime(r.CreatedAt)}
}

type wireTask struct {
	ID             string    `json:"id"`
	ProjectID      string    `json:"project_id"`
	CodeID         string    `json:"code_id"`
	CodeHistoryID  string    `json:"code_history_id"`
	CodeName       string    `json:"code_name"`
	CodeRev        string    `json:"code_rev"`
	Status         string    `json:"status"`
	Msg            string    `json:"msg"`
	Payload        string    `json:"payload"`
	Priority       int       `json:"priority"`
	Timeout        int       `json:"timeout"`
	Delay          int       `json:"delay"`
	Cluster        string    `json:"cluster"`
	Label          string    `json:"label"`
	ScheduleID     string    `json:"schedule_id,omitempty"`
	Percent        int       `json:"percent"`
	Duration       int64     `json:"duration"`
	RunTimes       int       `json:"run_times"`
	LogSize        int64     `json:"log_size"`
	RetryCount     int       `json:"retry_count"`
	OriginalTaskID string    `json:"original_task_id,omitempty"`
	RetryTaskID    string    `json:"retry_task_id,omitempty"`
	Source         string    `json:"source,omitempty"`
	SourceID       string    `json:"source_id,omitempty"`
	CreatedAt      *wireTime `json:"created_at,omitempty"`
	UpdatedAt      *wireTime `json:"updated_at,omitempty"`
	StartTime      *wireTime `json:"start_time,omitempty"`
	EndTime        *wireTime `json:"end_time,omitempty"`
}

func toWireTask(t emulator.Task) wireTask {
	return wireTask{ID: t.ID, ProjectID: t.Project, CodeID: t.CodeID, CodeHistoryID: t.CodeHistoryID,
		CodeName: t.CodeName, CodeRev: strconv.Itoa(t.CodeRev), Status: string(t.Status), Msg: t.Msg,
		Payload: t.Payload, Priority: t.Priority, Timeout: t.Timeout, Delay: t.Delay, Cluster: t.Cluster,
		Label: t.Label, ScheduleID: t.ScheduleID, Percent: t.Percent, Duration: t.Duration, RunTimes: t.RunTimes,
		LogSize: t.LogSize, RetryCount: t.RetryCount, OriginalTaskID: t.OriginalTaskID, RetryTaskID: t.RetryTaskID,
		Source: string(t.Source), SourceID: t.SourceID, CreatedAt: optTime(t.CreatedAt), UpdatedAt: optTime(t.UpdatedAt), StartTime: optTime(t.StartTime),
		EndTime: optTime(t.EndTime)}
}

type wireSchedule struct {
	ID             string    `json:"id"`
	ProjectID      string    `json:"project_id"`
	CodeName       string    `json:"code_name"`
	Name           string    `json:"name"`
	Payload        string    `json:"payload"`
	Status         string    `json:"status"`
	Msg            string    `json:"msg"`
	StartAt        *wireTime `json:"start_at,omitempty"`
	EndAt          *wireTime `json:"end_at,omitempty"`
	NextStart      *wireTime `json:"next_start,omitempty"`
	LastRunTime    *wireTime `json:"last_run_time,omitempty"`
	RunEvery       int       `json:"run_every"`
	RunTimes       int       `json:"run_times"`
	RunCount       int       `json:"run_count"`
	Cron           string    `json:"cron,omitempty"`
	Priority       int       `json:"priority"`
	Timeout        int       `json:"timeout"`
	TaskDelay      int       `json:"task_delay"`
	Cluster        string    `json:"cluster"`
	Label          string    `json:"label"`
	MaxConcurrency int       `json:"max_concurrency"`
	CreatedAt      *wireTime `json:"created_at,omitempty"`
	UpdatedAt      *wireTime `json:"updated_at,omitempty"`
}

func toWireSchedule(s emulator.Schedule) wireSchedule {
	return wireSchedule{ID: s.ID, ProjectID: s.Project, CodeName: s.CodeName, Name: s.Name, Payload: s.Payload,
		Status: string(s.Status), Msg: s.Msg, StartAt: optTime(s.StartAt), EndAt: optTime(s.EndAt),
		NextStart: optTime(s.NextStart), LastRunTime: optTime(s.LastRunTime), RunEvery: s.RunEvery,
		RunTimes: s.RunTimes, RunCount: s.RunCount, Cron: s.Cron, Priority: s.Priority, Timeout: s.Timeout,
		TaskDelay: s.TaskDelay, Cluster: s.Cluster, Label: s.Label, MaxConcurrency: s.MaxConcurrency,
		CreatedAt: optTime(s.CreatedAt), UpdatedAt: optTime(s.UpdatedAt)}
}

// idList is the {"id":…} list of queue/retry/schedule responses.
type idEntry struct {
	ID string `json:"id"`
}
