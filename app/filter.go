package app

import (
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/robfig/cron/v3"
)

// taskFilter is what the Tasks screen's filter bar selects. Zero values
// match everything.
type taskFilter struct {
	Status client.TaskStatus
	Code   string
	// Text matches (case-insensitively) the id, code name, message,
	// label or payload.
	Text string
}

// filterTasks returns the indexes of the tasks that match f, newest
// first (tasks are kept oldest first, so new ones append). It allocates one
// slice and lowercases the search once: 10k tasks filter in about a
// millisecond.
func filterTasks(tasks []client.Task, f taskFilter) []int {
	out := make([]int, 0, len(tasks))
	text := strings.ToLower(strings.TrimSpace(f.Text))
	for i := len(tasks) - 1; i >= 0; i-- {
		t := &tasks[i]
		if f.Status != "" && t.Status != f.Status {
			continue
		}
		if f.Code != "" && t.CodeName != f.Code {
			continue
		}
		if text != "" && !containsFold(t.ID, text) && !containsFold(t.CodeName, text) &&
			!containsFold(t.Msg, text) && !containsFold(t.Label, text) && !containsFold(t.Payload, text) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// containsFold reports whether s contains lower (already lowercased),
// ignoring ASCII case without allocating for ASCII input.
func containsFold(s, lower string) bool {
	if len(lower) > len(s) {
		return false
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		match := true
		for j := 0; j < len(lower); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	if !isASCII(s) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// taskCounts counts tasks by status.
func taskCounts(tasks []client.Task) map[client.TaskStatus]int {
	out := map[client.TaskStatus]int{}
	for i := range tasks {
		out[tasks[i].Status]++
	}
	return out
}

// upsertTask puts t into tasks (oldest first): an existing task is
// replaced in place, a new one is appended. It returns the slice and
// whether the task was new.
func upsertTask(tasks []client.Task, index map[string]int, t client.Task) ([]client.Task, bool) {
	if i, ok := index[t.ID]; ok && i < len(tasks) && tasks[i].ID == t.ID {
		tasks[i] = t
		return tasks, false
	}
	index[t.ID] = len(tasks)
	return append(tasks, t), true
}

// indexTasks maps task ids to their position.
func indexTasks(tasks []client.Task) map[string]int {
	index := make(map[string]int, len(tasks))
	for i, t := range tasks {
		index[t.ID] = i
	}
	return index
}

// scheduleSpec is what the schedule form describes, for its preview.
type scheduleSpec struct {
	StartAt  time.Time // zero = now
	EndAt    time.Time // zero = never
	RunEvery int       // seconds; 0 = once (unless Cron)
	RunTimes int       // 0 = unlimited
	RunCount int       // runs already made (editing an existing schedule)
	Cron     string
}

// cronParser reads the same 5-field expressions ironlocal accepts.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// nextFires previews up to n fire times of a schedule from now on. It
// mirrors ironlocal's scheduler: the first run at start (or the first cron
// time at or after start), then every run_every seconds or per cron, until
// end_at or run_times.
func nextFires(s scheduleSpec, now time.Time, n int) ([]time.Time, error) {
	start := s.StartAt
	if start.IsZero() {
		start = now
	}
	var next func(time.Time) time.Time
	first := start
	if s.Cron != "" {
		sched, err := cronParser.Parse(s.Cron)
		if err != nil {
			return nil, err
		}
		next = sched.Next
		first = sched.Next(start.Add(-time.Nanosecond))
	} else if s.RunEvery > 0 {
		every := time.Duration(s.RunEvery) * time.Second
		next = func(t time.Time) time.Time { return t.Add(every) }
	}
	var out []time.Time
	runs := s.RunCount
	if s.Cron == "" && s.RunEvery > 0 && first.Before(now) {
		// Jump over the runs already past instead of walking them.
		every := time.Duration(s.RunEvery) * time.Second
		k := int(now.Sub(first) / every)
		first = first.Add(time.Duration(k) * every)
		runs += k
	}
	for t := first; len(out) < n; t = next(t) {
		if !s.EndAt.IsZero() && t.After(s.EndAt) || s.RunTimes > 0 && runs >= s.RunTimes || t.IsZero() {
			break
		}
		runs++
		if !t.Before(now.Truncate(time.Second)) {
			out = append(out, t)
		}
		if next == nil {
			break
		}
	}
	return out, nil
}
