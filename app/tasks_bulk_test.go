package app

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestTasks_EmptyStateThenBulkRetry(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() { u.showScreen(u.tasks) })
	u.eventually(t, "the empty state says what to do", func() bool {
		return u.tasks.empty.Visible() && strings.HasPrefix(u.tasks.emptyText.Text, "No tasks yet") &&
			u.tasks.emptyActions.Visible()
	})
	var curl string
	u.locked(func() { curl = u.tasks.emptyCurl.Text })
	require.Contains(t, curl, u.URL()+"/2/projects/"+u.project+"/tasks")
	require.NotContains(t, curl, "test-token", "the token stays in $IRON_TOKEN")

	_, err := u.c.RegisterCode(context.Background(), client.NewCode{Name: "fails", Image: "x/y", Command: "echo nope; exit 4"})
	require.NoError(t, err)
	if _, err := exec.LookPath("curl"); err == nil {
		// The curl line runs as is, with a code name in place of CODE.
		cmd := exec.Command("sh", "-c", strings.Replace(curl, "CODE", "fails", 1))
		cmd.Env = append(os.Environ(), "IRON_TOKEN=test-token")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), `"tasks"`)
	} else {
		_, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "fails"})
		require.NoError(t, err)
	}
	for range 2 {
		_, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "fails"})
		require.NoError(t, err)
	}
	u.registerEcho(t, "echo")
	_, err = u.c.QueueTask(context.Background(), client.NewTask{CodeName: "echo"})
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(context.Background(), waitFor))
	u.eventually(t, "four finished tasks listed, the empty state gone", func() bool {
		counts := map[client.TaskStatus]int{}
		u.taskModel(func(s *tasksScreen) { counts = model.TaskCounts(s.tasks) })
		return counts[client.TaskError] == 3 && counts[client.TaskComplete] == 1 && !u.tasks.empty.Visible()
	})

	u.locked(func() { u.tasks.search.SetText("no such task") })
	u.eventually(t, "a filter that hides every task says so", func() bool {
		return u.tasks.empty.Visible() && strings.HasPrefix(u.tasks.emptyText.Text, "No task matches the filter") &&
			!u.tasks.emptyActions.Visible()
	})
	// The code filter's options arrive with the code list; selecting a name
	// not among them yet would be ignored and filter nothing.
	u.eventually(t, "the code filter offers fails", func() bool {
		return slices.Contains(u.tasks.code.Options, "fails")
	})
	u.locked(func() {
		u.tasks.search.SetText("")
		u.tasks.code.SetSelected("fails")
		require.Equal(t, "fails", u.tasks.code.Selected)
		u.tasks.bulk(client.BulkCancel)
	})
	u.eventually(t, "nothing to cancel: a notice, no question", func() bool {
		return strings.HasPrefix(u.lastNotice(), "Nothing to cancel")
	})
	u.locked(func() {
		require.Nil(t, u.tasks.asked)
		u.tasks.bulk(client.BulkRetry)
	})
	u.eventually(t, "one confirmation with the count", func() bool { return u.tasks.asked != nil })
	u.locked(func() {
		require.Equal(t, "Retry the 3 tasks matching the filter (failed, not retried yet)? Each is queued again as a linked copy.",
			u.tasks.asked.question)
		u.tasks.asked.do()
	})
	u.eventually(t, "done, and said so", func() bool { return u.lastNotice() == "Retried 3 tasks" })
	tasks, err := u.c.Tasks(context.Background(), client.TaskQuery{CodeName: "fails"})
	require.NoError(t, err)
	retried := 0
	for _, task := range tasks {
		if task.RetryTaskID != "" {
			retried++
		}
	}
	require.Equal(t, 3, retried)
	require.Len(t, tasks, 6)
}

func TestBulkQuestion(t *testing.T) {
	_, q, _ := model.BulkQuestion(client.BulkCancel, client.BulkResult{Matched: 40, Eligible: 12})
	require.Equal(t, "Cancel 12 of the 40 tasks matching the filter (queued or running)?", q)
	_, q, _ = model.BulkQuestion(client.BulkRetry, client.BulkResult{Matched: 1, Eligible: 1})
	require.Contains(t, q, "Retry the task matching the filter")
	_, q, note := model.BulkQuestion(client.BulkRetry, client.BulkResult{Matched: 5})
	require.Empty(t, q)
	require.Contains(t, note, "Nothing to retry")
	require.Equal(t, "Cancelled 1 task; 2 more match: run it again", model.BulkDone(client.BulkCancel, client.BulkResult{Done: 1, Remaining: 2}))
	require.Equal(t, client.BulkFilter{CodeName: "c", Query: "x", Statuses: []client.TaskStatus{client.TaskError}},
		model.BulkFilter(model.TaskFilter{Code: "c", Text: "x", Status: client.TaskError}))
}

func TestEmptyTasksText(t *testing.T) {
	require.Empty(t, model.EmptyTasksText(0, 0, true), "loading: nothing yet")
	require.Empty(t, model.EmptyTasksText(3, 1, false))
	require.Contains(t, model.EmptyTasksText(3, 0, false), "No task matches the filter (3 hidden)")
	require.Contains(t, model.EmptyTasksText(0, 0, false), "New task (Ctrl+N)")
}
