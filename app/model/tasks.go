package model

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// FoldTaskEvent applies one task event to t: a debug task's address
// comes with task.debugging and goes with task.finished.
func FoldTaskEvent(t *client.Task, e client.Event) {
	status, _ := e.Attrs["status"].(string)
	if t.CodeName == "" {
		t.CodeName = e.CodeName
	}
	switch e.Type {
	case "task.queued":
		if status != "" {
			t.Status = client.TaskStatus(status)
		}
	case "task.running":
		t.Status, t.StartTime = client.TaskRunning, client.Time{Time: e.At}
	case "task.finished":
		if status != "" {
			t.Status = client.TaskStatus(status)
		}
		t.Msg, _ = e.Attrs["msg"].(string)
		t.EndTime = client.Time{Time: e.At}
		t.DebugAddress = "" // its debugger ended with it
		if !t.StartTime.IsZero() {
			t.Duration = e.At.Sub(t.StartTime.Time).Milliseconds()
		}
	case "task.debugging":
		if a, ok := e.Attrs["address"].(string); ok && (t.Status == "" || !t.Status.Terminal()) {
			t.Debug, t.DebugAddress = true, a
		}
	case "task.progress":
		if p, ok := e.Attrs["percent"].(float64); ok {
			t.Percent = int(p)
		}
		if m, ok := e.Attrs["msg"].(string); ok {
			t.Msg = m
		}
	}
}

// StatusRank orders statuses along the lifecycle; an unknown one (a
// pane opened on an id the list does not hold yet) comes first, so the
// task read in full replaces it.
func StatusRank(st client.TaskStatus) int {
	switch st {
	case "":
		return -1
	case client.TaskQueued:
		return 0
	case client.TaskRunning:
		return 1
	}
	return 2
}

// TaskCause says what queued t and whether it is a link (to the
// schedule, the trigger binding, or the task it retried or debugs again).
func TaskCause(t client.Task) (text string, link bool) {
	switch {
	case t.Source == "schedule" && t.SourceID != "" || t.Source == "" && t.ScheduleID != "":
		return "queued by schedule " + ShortID(FirstSet(t.SourceID, t.ScheduleID)), true
	case t.Source == "trigger" && t.SourceID != "":
		return "queued by trigger binding " + ShortID(t.SourceID), true
	case t.Source == "retry" && t.SourceID != "" || t.Source == "" && t.OriginalTaskID != "":
		return "retry of " + ShortID(FirstSet(t.SourceID, t.OriginalTaskID)), true
	case t.Source == "debug" && t.SourceID != "":
		return "debug run of " + ShortID(t.SourceID), true
	case t.Source == "webhook":
		return "queued by the task webhook", false
	case t.Source == "push":
		return "queued by a queue's ironworker:// subscriber", false
	case t.Source == "api":
		return "queued through the API", false
	}
	return "", false
}

func FirstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ActivityEffects splits a task's requests into those that touched
// something (in order) and a count of the rest.
func ActivityEffects(list []client.Activity) (effects []client.Activity, others int) {
	for _, a := range list {
		if a.Kind == "" {
			others++
			continue
		}
		effects = append(effects, a)
	}
	return effects, others
}

// ActivityText is one effect's link text: "posted message …1234 to queue
// out", "wrote cache results · answer", "queued task …abcd".
func ActivityText(a client.Activity) string {
	msgs := func(verb, prep string) string {
		switch len(a.MessageIDs) {
		case 0:
			return verb + " messages " + prep + " queue " + a.Queue
		case 1:
			return verb + " message " + ShortID(a.MessageIDs[0]) + " " + prep + " queue " + a.Queue
		}
		return verb + " " + Counted(len(a.MessageIDs), "message") + " " + prep + " queue " + a.Queue
	}
	switch a.Kind {
	case client.ActivityMessagePost:
		return msgs("posted", "to")
	case client.ActivityMessageReserve:
		return msgs("reserved", "from")
	case client.ActivityMessageDelete:
		return msgs("deleted", "from")
	case client.ActivityTaskQueue:
		if a.TaskID == "" {
			return "queued a task"
		}
		return "queued task " + ShortID(a.TaskID)
	case client.ActivityCachePut:
		return "wrote cache " + a.Cache + " · " + a.Key
	case client.ActivityCacheIncrement:
		return "incremented cache " + a.Cache + " · " + a.Key
	case client.ActivityCacheDelete:
		return "deleted cache " + a.Cache + " · " + a.Key
	}
	return a.Method + " " + a.Path
}

// Timeline is "queued 12:00:01 → running 12:00:02 → complete 12:00:03 (1.0s)".
func Timeline(t client.Task, now time.Time) string {
	s := "queued " + FormatTime(t.CreatedAt.Time, now)
	if t.Delay > 0 {
		s += fmt.Sprintf(" (delay %ds)", t.Delay)
	}
	if !t.StartTime.IsZero() {
		s += " → running " + FormatTime(t.StartTime.Time, now)
	}
	if t.Status.Terminal() {
		s += " → " + string(t.Status)
		if !t.EndTime.IsZero() {
			s += " " + FormatTime(t.EndTime.Time, now)
		}
		s += " (" + TaskDuration(t, now) + ")"
	}
	if t.RetryCount > 0 {
		s += fmt.Sprintf(" · retry %d", t.RetryCount)
	}
	return s
}

// BulkFilter is the server-side form of the screen's filter.
func BulkFilter(f TaskFilter) client.BulkFilter {
	bf := client.BulkFilter{CodeName: f.Code, Query: f.Text}
	if f.Status != "" {
		bf.Statuses = []client.TaskStatus{f.Status}
	}
	return bf
}

// BulkQuestion is the confirmation of a bulk action after its dry run
// ("" when nothing would change: then none is asked, and note says so).
func BulkQuestion(action client.BulkAction, r client.BulkResult) (title, question, note string) {
	of := fmt.Sprintf("%d of the %d tasks matching the filter", r.Eligible, r.Matched)
	if r.Eligible == r.Matched {
		of = fmt.Sprintf("the %d tasks matching the filter", r.Matched)
		if r.Matched == 1 {
			of = "the task matching the filter"
		}
	}
	switch action {
	case client.BulkRetry:
		if r.Eligible == 0 {
			if r.Matched == 1 {
				return "", "", "Nothing to retry: the task matching the filter has not failed, or was retried already."
			}
			return "", "", "Nothing to retry: none of the " + Counted(r.Matched, "task") +
				" matching the filter failed without being retried already."
		}
		return "Retry tasks", fmt.Sprintf("Retry %s (failed, not retried yet)? Each is queued again as a linked copy.", of), ""
	default:
		if r.Eligible == 0 {
			if r.Matched == 1 {
				return "", "", "Nothing to cancel: the task matching the filter is neither queued nor running."
			}
			return "", "", "Nothing to cancel: none of the " + Counted(r.Matched, "task") + " matching the filter is queued or running."
		}
		return "Cancel tasks", fmt.Sprintf("Cancel %s (queued or running)?", of), ""
	}
}

// BulkDone is the notice after a bulk action.
func BulkDone(action client.BulkAction, r client.BulkResult) string {
	verb := "Cancelled"
	if action == client.BulkRetry {
		verb = "Retried"
	}
	s := verb + " " + TaskCount(r.Done)
	if r.Remaining > 0 {
		verb := " more match"
		if r.Remaining == 1 {
			verb = " more matches"
		}
		s += "; " + strconv.Itoa(r.Remaining) + verb + ": run it again"
	}
	return s
}

// TaskCount is "1 task" or "n tasks".
func TaskCount(n int) string { return Counted(n, "task") }

// EmptyTasksText is the line shown over an empty table ("" when the table
// has rows or is loading).
func EmptyTasksText(total, visible int, loading bool) string {
	switch {
	case loading || visible > 0:
		return ""
	case total > 0:
		return fmt.Sprintf("No task matches the filter (%d hidden): clear the search or pick All statuses / All codes.", total)
	}
	return "No tasks yet. Queue one with New task (Ctrl+N), or from any Iron client or curl:"
}

// QueueCurl is the curl command that queues a task in project through the
// Iron API at url (the token stays in $IRON_TOKEN: never shown).
func QueueCurl(url, project string) string {
	return fmt.Sprintf(`curl -X POST -H "Authorization: OAuth $IRON_TOKEN" -H "Content-Type: application/json" `+
		`-d '{"tasks":[{"code_name":"CODE","payload":"{}"}]}' %s/2/projects/%s/tasks`, url, project)
}

// SourceWatch is the source of a task a watched linked code's folder
// queued by changing (its SourceID names the task it re-runs).
const SourceWatch = "watch"

// FollowsWatchRun reports whether the Tasks pane, showing task open,
// moves on to t, a task just queued: t is a watch re-run (source watch)
// of open itself or of open's code, queued after it. A person who opened
// a linked code's task and saves a file sees the new run's log without
// looking for it; a pane showing another code's task, or an older task
// than the one it re-runs, stays where it is.
func FollowsWatchRun(open, t client.Task) bool {
	if t.Source != SourceWatch || t.ID == open.ID || open.ID == "" {
		return false
	}
	if t.SourceID == open.ID {
		return true
	}
	return open.CodeName != "" && t.CodeName == open.CodeName && !t.CreatedAt.Before(open.CreatedAt.Time)
}

// CodeLinkText says where a linked code's tasks run from and whether a
// save re-runs them ("" when the code is not linked).
func CodeLinkText(c client.Code) string {
	if !c.Linked && c.LinkedDir == "" {
		return ""
	}
	s := "linked to " + c.LinkedDir
	if c.Watch {
		s += " · watching: a save re-runs the last task"
		if c.PinnedPayload != nil {
			s += " with the pinned payload"
		}
	}
	return s
}
