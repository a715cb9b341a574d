package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// loggedEvent is the newest event of the Events screen's log that ok
// accepts (the caller holds the lock).
func loggedEvent(u *testUI, ok func(client.Event) bool) (client.Event, bool) {
	for i := u.events.ring.Len() - 1; i >= 0; i-- {
		if e := u.events.ring.At(i); ok(e) {
			return e, true
		}
	}
	return client.Event{}, false
}

// An event opens the exact message, item or task it is about, not just
// its queue or cache.
func TestEvents_OpenTheExactMessageItemAndTask(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "work", client.NewMessage{Body: "first"}, client.NewMessage{Body: "second"})
	require.NoError(t, err)
	ids, err := u.c.PostMessages(ctx, "work", client.NewMessage{Body: "the one"})
	require.NoError(t, err)
	gone, err := u.c.PostMessages(ctx, "work", client.NewMessage{Body: "deleted later"})
	require.NoError(t, err)
	require.NoError(t, u.c.DeleteMessage(ctx, "work", gone[0], ""))
	_, err = u.c.PutItem(ctx, "c", "other", client.ItemPut{Value: "x"})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "c", "wanted", client.ItemPut{Value: `{"a": 1}`})
	require.NoError(t, err)
	task, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "echo", Payload: "{}", Delay: 3600})
	require.NoError(t, err)

	find := func(what string, ok func(client.Event) bool) (e client.Event) {
		t.Helper()
		u.eventually(t, what, func() bool {
			var found bool
			e, found = loggedEvent(u, ok)
			return found
		})
		return e
	}

	// The message: its queue opens with it selected.
	posted := find("the post of the one message", func(e client.Event) bool {
		return e.Type == "messages.posted" && len(e.IDs) == 1 && e.IDs[0] == ids[0]
	})
	u.locked(func() {
		u.showScreen(u.events)
		u.events.openResource(posted)
		require.Equal(t, u.queues, u.screens[u.current])
		require.Equal(t, "work", u.queues.detail.name)
	})
	u.eventually(t, "the message is shown", func() bool {
		b := u.queues.detail.browser
		return b.pane.Visible() && b.msgTitle.Text == "Message "+ids[0] && strings.Contains(b.body.Text, "the one")
	})

	// A message deleted since: the pane says so.
	deleted := find("the delete", func(e client.Event) bool { return e.Type == "messages.deleted" })
	u.locked(func() { u.events.openResource(deleted) })
	u.eventually(t, "the pane says the message is gone", func() bool {
		b := u.queues.detail.browser
		return !b.pane.Visible() && strings.Contains(b.hint.Text, "Message "+gone[0]+" is not in work any more")
	})

	// The item: its cache opens with the item in the editor.
	stored := find("the put of the wanted item", func(e client.Event) bool {
		return e.Type == "cache.item_stored" && e.Key == "wanted"
	})
	u.locked(func() {
		u.events.openResource(stored)
		require.Equal(t, u.cache, u.screens[u.current])
		require.Equal(t, "c", u.cache.detail.name)
	})
	u.eventually(t, "the item is in the editor", func() bool {
		d := u.cache.detail
		return d.key.Text == "wanted" && d.value.Text == `{"a": 1}`
	})

	// The task.
	queued := find("the task queued", func(e client.Event) bool { return e.Type == "task.queued" && e.TaskID == task })
	u.locked(func() {
		u.events.openResource(queued)
		require.Equal(t, u.tasks, u.screens[u.current])
		require.NotNil(t, u.tasks.detail)
		require.Equal(t, task, u.tasks.detail.task.ID)
	})
}

// A binding's traced event links what it made: "→ task" opens the task,
// "→ message" the message in the binding's queue.
func TestTriggers_TraceLinksOpenTheTaskAndTheMessage(t *testing.T) {
	u := triggerUI(t)
	u.registerEcho(t, "csv-import")
	ctx := context.Background()
	config := json.RawMessage(`{"dir":` + quoteJSON(t.TempDir()) + `}`)
	toTask, err := u.c.CreateTrigger(ctx, client.NewTrigger{Name: "to task", Plugin: "upload", Config: config,
		Action: client.TriggerAction{Type: "task", CodeName: "csv-import"}})
	require.NoError(t, err)
	toQueue, err := u.c.CreateTrigger(ctx, client.NewTrigger{Name: "to queue", Plugin: "upload", Config: config,
		Action: client.TriggerAction{Type: "message", Queue: "uploads"}})
	require.NoError(t, err)
	taskEvent, err := u.c.FireTrigger(ctx, toTask.ID, "", json.RawMessage(`{"key":"a.csv"}`))
	require.NoError(t, err)
	require.NotEmpty(t, taskEvent.TaskID)
	msgEvent, err := u.c.FireTrigger(ctx, toQueue.ID, "", json.RawMessage(`{"key":"b.csv"}`))
	require.NoError(t, err)
	require.Len(t, msgEvent.MessageIDs, 1)
	u.eventually(t, "listed", func() bool { _, ok := u.triggers.bindingByID(toQueue.ID); return ok })

	links := func(d *bindingDetail) (out []*widget.Button) {
		for _, o := range d.links.Objects {
			if b, ok := o.(*widget.Button); ok {
				out = append(out, b)
			}
		}
		return out
	}
	open := func(id string) *bindingDetail {
		var d *bindingDetail
		u.locked(func() {
			u.showScreen(u.triggers)
			u.triggers.openBinding(id)
			d = u.triggers.binding
		})
		u.eventually(t, "the trace", func() bool { return len(d.events) == 1 })
		u.locked(func() { d.trace.Select(0) })
		return d
	}

	d := open(toTask.ID)
	u.locked(func() {
		ls := links(d)
		require.Len(t, ls, 1)
		require.Equal(t, "→ task "+taskEvent.TaskID, ls[0].Text)
		test.Tap(ls[0])
		require.Equal(t, u.tasks, u.screens[u.current])
		require.Equal(t, taskEvent.TaskID, u.tasks.detail.task.ID)
	})

	d = open(toQueue.ID)
	id := msgEvent.MessageIDs[0]
	u.locked(func() {
		ls := links(d)
		require.Len(t, ls, 1)
		require.Equal(t, "→ message "+id+" in uploads", ls[0].Text)
		test.Tap(ls[0])
		require.Equal(t, u.queues, u.screens[u.current])
		require.Equal(t, "uploads", u.queues.detail.name)
	})
	u.eventually(t, "the message is shown", func() bool {
		b := u.queues.detail.browser
		return b.pane.Visible() && b.msgTitle.Text == "Message "+id
	})
}

// The Time screen's notice links the tasks the fired schedules queued.
func TestTime_MoveNoticeLinksTheQueuedTasks(t *testing.T) {
	u := newTestUI(t, server.Options{VirtualClock: true})
	u.registerEcho(t, "nightly")
	ctx := context.Background()
	clock, err := u.c.Clock(ctx)
	require.NoError(t, err)
	sc, err := u.c.CreateSchedule(ctx, client.NewSchedule{CodeName: "nightly", StartAt: clock.Now.Add(30 * time.Minute), RunTimes: 1})
	require.NoError(t, err)

	s := u.time
	u.locked(func() { u.showScreen(s) })
	u.eventually(t, "the clock can move", func() bool { return !s.presets[1].Disabled() && len(s.upcoming) == 1 })
	u.locked(func() { test.Tap(s.presets[1]) }) // +1 hour
	u.eventually(t, "the notice", func() bool { return len(s.queued) == 1 })
	tasks, err := u.c.Tasks(ctx, client.TaskQuery{CodeName: "nightly"})
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	u.locked(func() {
		require.Contains(t, u.lastNotice(), "1 schedule fired, 1 task queued")
		require.Len(t, s.movedBox.Objects, 3, "the head, the schedule and its task")
		link := s.movedBox.Objects[2].(*widget.Button)
		want := "task queued · task " + model.ShortID(tasks[0].ID) + " (nightly) by schedule " + model.ShortID(sc) + " · "
		require.True(t, strings.HasPrefix(link.Text, want), link.Text)
		test.Tap(link)
		require.Equal(t, u.tasks, u.screens[u.current])
		require.Equal(t, tasks[0].ID, u.tasks.detail.task.ID)
	})
}
