package app

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Screen tests of the Queues, Cache, Events, Time, Data & settings and
// Faults screens, against a real emulator (see screens_test.go).

func TestQueues_PostFromFormShowsInBrowser(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("jobs") // not created yet: posting creates it
		require.Contains(t, u.queues.detail.info.Text, "not created yet")
	})
	d := u.queues.detail
	u.eventually(t, "the empty browser loaded", func() bool { return d.browser.page.Text == "no messages" })

	u.locked(func() {
		// A wrong field sends nothing.
		d.post.body.SetText(`{"order": 42, "items": ["a", "b"]}`)
		d.post.copies.SetText("many")
		before := u.calls.Load()
		test.Tap(d.post.submit)
		require.Equal(t, before, u.calls.Load(), "a refused form starts no call")
		require.Contains(t, d.post.errLabel.Text, "copies must be a whole number")
		d.post.copies.SetText("")
		test.Tap(d.post.submit)
	})
	u.eventually(t, "the browser shows the posted message, selected and pretty-printed", func() bool {
		return len(d.browser.msgs) == 1 && d.browser.pane.Visible() &&
			d.browser.body.Text == "{\n  \"order\": 42,\n  \"items\": [\n    \"a\",\n    \"b\"\n  ]\n}"
	})
	u.locked(func() {
		require.Equal(t, client.MessageReady, d.browser.msgs[0].Status)
		require.Equal(t, 0, d.tabs.SelectedIndex(), "the Messages tab shows")
		d.post.body.SetText("later")
		d.post.delay.SetText("5m")
		test.Tap(d.post.submit)
	})
	u.eventually(t, "the delayed one shows as delayed", func() bool {
		return len(d.browser.msgs) == 2 && strings.HasPrefix(model.MessageState(d.browser.msgs[1], u.now()), "delayed · ready in 4m")
	})
	u.eventually(t, "the table lists the queue with its size", func() bool {
		q, ok := u.queues.queue("jobs")
		return ok && q.Size == 2 && strings.Contains(d.info.Text, "2 messages held")
	})

	// Reserve, touch, release, delete from the browser.
	u.locked(func() { test.Tap(d.browser.reserve) })
	u.eventually(t, "the reserved message shows its reservation", func() bool {
		m, ok := d.browser.message()
		return ok && m.Status == client.MessageReserved && m.ReservationID != "" && !d.browser.release.Disabled()
	})
	u.locked(func() { test.Tap(d.browser.touch) })
	u.eventually(t, "touched", func() bool { return strings.HasPrefix(u.lastNotice(), "Touched message") })
	u.locked(func() { test.Tap(d.browser.release) })
	u.eventually(t, "released: ready again", func() bool {
		m, ok := d.browser.message()
		return ok && m.Status == client.MessageReady
	})
	u.locked(func() { test.Tap(d.browser.del) })
	u.eventually(t, "deleted", func() bool { return len(d.browser.msgs) == 1 && !d.browser.pane.Visible() })
}

func TestQueues_Browse10kPageByPageAndSearch(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	const total = 10_000
	for start := 0; start < total; start += 100 {
		batch := make([]client.NewMessage, 100)
		for i := range batch {
			batch[i] = client.NewMessage{Body: fmt.Sprintf(`{"n":%d,"tag":"msg-%05d"}`, start+i, start+i)}
		}
		_, err := u.c.PostMessages(ctx, "big", batch...)
		require.NoError(t, err)
	}
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("big")
	})
	b := u.queues.detail.browser
	u.eventually(t, "the first page", func() bool { return b.page.Text == "page 1 · 1–100" && len(b.msgs) == 100 })
	u.locked(func() {
		require.True(t, b.pager.HasNext())
		require.True(t, b.prev.Disabled())
		test.Tap(b.next)
	})
	u.eventually(t, "the second page", func() bool { return b.page.Text == "page 2 · 101–200" })
	u.locked(func() {
		require.Contains(t, b.msgs[0].Body, "msg-00100")
		test.Tap(b.prev)
	})
	u.eventually(t, "back to the first", func() bool { return b.page.Text == "page 1 · 1–100" })
	// Page to the very end: every message is reachable.
	for page := 2; page <= total/browsePage; page++ {
		u.locked(func() { test.Tap(b.next) })
		want := fmt.Sprintf("page %d · %d–%d", page, (page-1)*100+1, page*100)
		u.eventually(t, want, func() bool { return b.page.Text == want })
	}
	u.locked(func() {
		require.Contains(t, b.msgs[99].Body, "msg-09999")
		require.False(t, b.pager.HasNext(), "the last page")
		b.search.SetText("MSG-07777") // case-insensitive, from the first page
	})
	u.eventually(t, "the search finds the one message", func() bool {
		return len(b.msgs) == 1 && b.page.Text == "page 1 · 1 match"
	})
	u.locked(func() {
		require.Contains(t, b.msgs[0].Body, `"n":7777`)
		markup := test.RenderObjectToMarkup(b.table)
		assert.Contains(t, markup, "msg-07777")
	})
}

func TestQueues_PushDeliveryStatusFailsThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	var header atomic.Value
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header.Store(r.Header.Get("X-Test"))
		if calls.Add(1) == 1 {
			http.Error(w, "not yet", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	u := newTestUI(t, server.Options{VirtualClock: true})

	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.openNew()
		f := u.queues.form
		f.name.SetText("hooks")
		f.typ.SetSelected(string(client.QueueUnicast))
		f.subscribers.SetText("receiver " + hook.URL + " | X-Test: from-the-form")
		f.retries.SetText("2")
		f.retriesDelay.SetText("5")
		f.errorQueue.SetText("hooks-failed")
		test.Tap(f.submit)
	})
	u.eventually(t, "the queue is created and open", func() bool {
		d := u.queues.detail
		return d != nil && d.name == "hooks" && d.queue.Push != nil && d.errorQueue.Visible()
	})
	q, err := u.c.Queue(context.Background(), "hooks")
	require.NoError(t, err)
	require.Equal(t, client.QueueUnicast, q.Type)
	require.Equal(t, 2, q.Push.Retries)
	require.Equal(t, 5, q.Push.RetriesDelay)
	require.Equal(t, "hooks-failed", q.Push.ErrorQueue)
	require.Equal(t, map[string]string{"X-Test": "from-the-form"}, q.Push.Subscribers[0].Headers)

	d := u.queues.detail
	u.locked(func() {
		d.tabs.SelectIndex(1)
		d.post.body.SetText("deliver me")
		test.Tap(d.post.submit)
	})
	u.eventually(t, "the failed attempt shows with its status and next retry", func() bool {
		m, ok := d.browser.message()
		return ok && len(m.Subscribers) == 1 && strings.Contains(d.browser.subs.Text, "last HTTP 500") &&
			strings.Contains(d.browser.subs.Text, "next try in")
	})
	_, err = u.c.AdvanceClock(context.Background(), 6*time.Second)
	require.NoError(t, err)
	u.eventually(t, "the retry succeeded", func() bool {
		return strings.Contains(d.browser.subs.Text, "last HTTP 200") && strings.Contains(d.browser.subs.Text, "2 tries")
	})
	require.Equal(t, "from-the-form", header.Load())
	u.locked(func() {
		test.Tap(d.errorQueue)
		require.Equal(t, "hooks-failed", u.queues.detail.name, "the error queue is one click away")
	})
}

func TestQueues_EditSettingsRefusedChangesNothing(t *testing.T) {
	u := newTestUI(t, server.Options{})
	_, err := u.c.PutQueue(context.Background(), "work", client.QueueSettings{MessageTimeout: client.Ptr(30)})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { _, ok := u.queues.queue("work"); return ok })
	u.locked(func() { u.queues.open("work") })
	f := u.queues.detail.settings
	u.eventually(t, "the form is filled", func() bool { return f.timeout.Text == "30" })
	u.locked(func() {
		f.timeout.SetText("90")
		f.deadLetter.SetText("work-dead")
		f.alerts.SetText("fixed asc 100 work-alerts snooze 60")
		f.maxReserv.SetText("") // missing: refused before any call
		before := u.calls.Load()
		test.Tap(f.submit)
		require.Equal(t, before, u.calls.Load())
		require.Contains(t, f.errLabel.Text, "max reservations")
		f.maxReserv.SetText("3")
		test.Tap(f.submit)
	})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		q, err := u.c.Queue(context.Background(), "work")
		if assert.NoError(c, err) && assert.NotNil(c, q.DeadLetter) {
			assert.Equal(c, 90, q.MessageTimeout)
			assert.Equal(c, "work-dead", q.DeadLetter.QueueName)
			assert.Equal(c, 3, q.DeadLetter.MaxReservations)
			if assert.Len(c, q.Alerts, 1) {
				assert.Equal(c, 60, q.Alerts[0].Snooze)
			}
		}
	}, waitFor, poll)
	u.eventually(t, "saved and the form refilled", func() bool { return u.lastNotice() == "Saved queue work" && f.filled })
	// The server refuses a bad value: its msg shows, nothing changed.
	u.locked(func() {
		f.timeout.SetText("999999999")
		test.Tap(f.submit)
	})
	u.eventually(t, "the server's msg", func() bool { return strings.HasPrefix(u.lastNotice(), "Could not save the queue: ") })
	q, err := u.c.Queue(context.Background(), "work")
	require.NoError(t, err)
	require.Equal(t, 90, q.MessageTimeout)
}

func TestCache_EditRoundTrip(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PutItem(ctx, "sessions", "user:1", client.ItemPut{Value: `{"name":"ann","admin":false}`, ExpiresIn: 600})
	require.NoError(t, err)
	u.eventually(t, "the cache is listed with its count", func() bool {
		return len(u.cache.caches) == 1 && u.cache.caches[0] == cacheRow{Name: "sessions", Items: 1}
	})
	u.locked(func() {
		u.showScreen(u.cache)
		u.cache.open("sessions")
	})
	d := u.cache.detail
	u.eventually(t, "the item is browsed", func() bool { return len(d.items) == 1 })
	u.locked(func() {
		require.Regexp(t, `^in (9m5\ds|10m00s)$`, model.ItemExpiry(d.items[0], u.now()))
		d.edit(d.items[0])
		require.Equal(t, `{"name":"ann","admin":false}`, d.value.Text, "the value as stored (formatting is a view)")
		d.value.SetText(`{"name":"bob"}`)
		d.expiresIn.SetText("1m")
		test.Tap(d.save)
	})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		it, err := u.c.Item(ctx, "sessions", "user:1")
		if assert.NoError(c, err) {
			assert.Equal(c, `{"name":"bob"}`, it.String())
			assert.WithinDuration(c, time.Now().Add(time.Minute), it.Expires.Time, 5*time.Second)
		}
	}, waitFor, poll)

	// add refuses an existing key: said so, nothing changed.
	u.locked(func() {
		d.value.SetText("carol")
		d.mode.SetSelected(modeAdd)
		test.Tap(d.save)
	})
	u.eventually(t, "not stored", func() bool { return strings.Contains(d.errLabel.Text, "not stored") })
	it, err := u.c.Item(ctx, "sessions", "user:1")
	require.NoError(t, err)
	require.Equal(t, `{"name":"bob"}`, it.String())

	// A number that is not one is refused before any call; increment works.
	u.locked(func() {
		d.key.SetText("hits")
		d.kind.SetSelected("number")
		d.value.SetText("ten")
		d.mode.SetSelected(modeSet)
		before := u.calls.Load()
		test.Tap(d.save)
		require.Equal(t, before, u.calls.Load())
		d.value.SetText("10")
		d.amount.SetText("5")
		test.Tap(d.incr)
	})
	u.eventually(t, "incremented", func() bool { return d.value.Text == "5" && len(d.items) == 2 })
	u.locked(func() { test.Tap(d.del) })
	u.eventually(t, "deleted", func() bool { return len(d.items) == 1 && u.cache.caches[0].Items == 1 })
}

func TestEvents_FilterPauseExportOpen(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	s := u.events
	_, err := u.c.PostMessages(ctx, "alpha", client.NewMessage{Body: "a"})
	require.NoError(t, err)
	_, err = u.c.PostMessages(ctx, "beta", client.NewMessage{Body: "b"})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "beta-cache", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)
	u.eventually(t, "the events arrive", func() bool { return s.ring.Len() >= 5 })

	u.locked(func() {
		u.showScreen(s)
		s.typ.SetSelected("messages")
		for _, e := range s.visibleEvents() {
			require.True(t, strings.HasPrefix(e.Type, "message"), e.Type)
		}
		require.Len(t, s.visibleEvents(), 2)
		s.search.SetText("BETA")
		require.Len(t, s.visibleEvents(), 1)
		require.Equal(t, "beta", s.visibleEvents()[0].Queue)
		s.typ.SetSelected("All types")
		require.Len(t, s.visibleEvents(), 3, "queue.created and messages.posted of beta, cache.item_stored of beta-cache")
	})

	u.locked(func() { test.Tap(s.pause) })
	_, err = u.c.PostMessages(ctx, "beta", client.NewMessage{Body: "while paused"})
	require.NoError(t, err)
	u.eventually(t, "held while paused", func() bool { return len(s.held) == 1 && strings.Contains(s.count.Text, "paused, 1 new") })
	u.locked(func() {
		require.Len(t, s.visibleEvents(), 3)
		test.Tap(s.pause)
		require.Len(t, s.visibleEvents(), 4, "resume shows what arrived")
	})

	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, nil, 0o644), "the save dialog creates the file first")
	u.locked(func() { s.exportTo(path, s.visibleEvents()) })
	u.eventually(t, "exported", func() bool { return strings.HasPrefix(u.lastNotice(), "Exported 4 events") })
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "exported events are private")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		require.Contains(t, sc.Text(), `"type":`)
	}
	require.Equal(t, 4, lines)

	u.locked(func() {
		s.list.Select(0)
		first := s.visibleEvents()[0]
		if first.Queue != "" {
			require.Equal(t, u.queues, u.screens[u.current])
			require.Equal(t, first.Queue, u.queues.detail.name)
		} else {
			require.Equal(t, u.cache, u.screens[u.current])
		}
	})
}

func TestEvents_RingStaysBounded(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		batch := make([]client.Event, 1000)
		for i := range 30 {
			for j := range batch {
				batch[j] = client.Event{Type: "messages.posted", Queue: fmt.Sprintf("q%d", (i*1000+j)%3)}
			}
			u.events.apply(batch)
		}
		u.events.apply([]client.Event{{Type: client.EventMissed, Missed: 42}})
		require.Equal(t, eventsKeep, u.events.ring.Len())
		require.Len(t, u.events.visible, eventsKeep)
		u.events.search.SetText("q1")
		require.Len(t, u.events.visible, eventsKeep/3+1, "a third of them, and the missed marker")
		require.Contains(t, u.events.count.Text, "42 events missed")
		last, _ := u.events.event(len(u.events.visible) - 1)
		require.Equal(t, "42 events missed (the app could not keep up)", model.EventSummary(last))

		// The log follows the end until the user scrolls up.
		u.showScreen(u.events)
		u.win.Canvas().Content().Refresh()
		u.events.apply([]client.Event{{Type: "queue.created", Queue: "q1"}})
		require.True(t, u.events.follow.Checked, "new events keep the log at its end")
		u.events.list.ScrollToTop()
		u.events.apply([]client.Event{{Type: "queue.created", Queue: "q1"}})
		require.False(t, u.events.follow.Checked, "scrolled up: the log stops following")
	})
}

func TestTime_AdvanceFiresScheduleAndExpiresReservation(t *testing.T) {
	u := newTestUI(t, server.Options{VirtualClock: true})
	u.registerEcho(t, "nightly")
	ctx := context.Background()
	clock, err := u.c.Clock(ctx)
	require.NoError(t, err)
	_, err = u.c.CreateSchedule(ctx, client.NewSchedule{CodeName: "nightly", StartAt: clock.Now.Add(30 * time.Minute), RunTimes: 1})
	require.NoError(t, err)
	_, err = u.c.PostMessages(ctx, "work", client.NewMessage{Body: "job"})
	require.NoError(t, err)
	reserved, err := u.c.Reserve(ctx, "work", client.Reservation{Timeout: 600})
	require.NoError(t, err)
	require.Len(t, reserved, 1)

	s := u.time
	u.locked(func() { u.showScreen(s) })
	u.eventually(t, "the upcoming list", func() bool {
		return len(s.upcoming) == 2 && s.upcoming[0].Kind == client.UpcomingReservationExpires &&
			s.upcoming[1].Kind == client.UpcomingScheduleFires && !s.presets[1].Disabled()
	})
	u.locked(func() {
		require.Contains(t, model.UpcomingLine(s.upcoming[0], u.now()), "in 10m00s")
		test.Tap(s.presets[1]) // +1 hour
	})
	u.eventually(t, "the schedule fired a task that completed", func() bool {
		ran := false
		u.taskModel(func(s *tasksScreen) {
			ran = slices.ContainsFunc(s.tasks, func(task client.Task) bool {
				return task.CodeName == "nightly" && task.Status == client.TaskComplete
			})
		})
		return ran
	})
	page, err := u.c.BrowseMessages(ctx, "work", client.Browse{})
	require.NoError(t, err)
	require.Equal(t, client.MessageReady, page.Messages[0].Status, "the reservation expired")
	u.eventually(t, "nothing left to fire", func() bool { return len(s.upcoming) == 0 })

	u.locked(func() {
		s.to.SetText("not a date")
		before := u.calls.Load()
		s.advanceTo()
		require.Equal(t, before, u.calls.Load())
		test.Tap(s.idleBtn)
	})
	u.eventually(t, "wait until idle answers", func() bool { return strings.HasPrefix(s.idleText.Text, "Idle after") })
}

func TestData_SnapshotExportThenImportRestores(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "keep", client.NewMessage{Body: "one"}, client.NewMessage{Body: "two"})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "c", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)
	d := u.data
	u.locked(func() { u.showScreen(d) })
	u.eventually(t, "the settings show", func() bool {
		return strings.Contains(d.listen.Text, u.srv.Addr().String()) && strings.Contains(d.engine.Text, "process") &&
			strings.Contains(d.auth.Text, "permissive") && d.dataSize.Text != "…"
	})

	path := filepath.Join(t.TempDir(), "state.snapshot")
	require.NoError(t, os.WriteFile(path, nil, 0o644), "the save dialog creates the file first")
	u.locked(func() { d.exportTo(path) })
	u.eventually(t, "exported", func() bool { return strings.HasPrefix(d.status.Text, "Exported ") && !d.busy })
	require.FileExists(t, path)
	require.NoFileExists(t, path+".partial")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "a snapshot holds every payload: private like the daemon's")

	require.NoError(t, u.c.DeleteQueue(ctx, "keep"))
	_, err = u.c.PostMessages(ctx, "later", client.NewMessage{Body: "after the export"})
	require.NoError(t, err)

	u.locked(func() { d.importFrom(path) })
	u.eventually(t, "imported", func() bool { return strings.HasPrefix(d.status.Text, "Imported ") })
	q, err := u.c.Queue(ctx, "keep")
	require.NoError(t, err)
	require.EqualValues(t, 2, q.Size)
	_, err = u.c.Queue(ctx, "later")
	require.True(t, client.IsNotFound(err), "the state is the snapshot's: %v", err)
	u.eventually(t, "the screens reloaded", func() bool {
		_, keep := u.queues.queue("keep")
		_, later := u.queues.queue("later")
		return keep && !later
	})
}

func TestData_DamagedSnapshotRefusedNothingChanges(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "orig", client.NewMessage{Body: "x"})
	require.NoError(t, err)
	good := filepath.Join(t.TempDir(), "good.snapshot")
	u.locked(func() { u.data.exportTo(good) })
	u.eventually(t, "exported", func() bool { return strings.HasPrefix(u.data.status.Text, "Exported ") })
	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	raw[len(raw)/2] ^= 0xff // flip a byte in the middle
	bad := filepath.Join(t.TempDir(), "damaged.snapshot")
	require.NoError(t, os.WriteFile(bad, raw, 0o600))

	_, err = u.c.PostMessages(ctx, "current", client.NewMessage{Body: "y"})
	require.NoError(t, err)
	u.locked(func() { u.data.importFrom(bad) })
	u.eventually(t, "the refusal is clear", func() bool {
		return strings.Contains(u.data.status.Text, "Import the snapshot refused: ") &&
			strings.Contains(u.data.status.Text, "Nothing was changed.") &&
			strings.HasPrefix(u.lastNotice(), "Could not import the snapshot: ")
	})
	for _, name := range []string{"orig", "current"} {
		q, err := u.c.Queue(ctx, name)
		require.NoError(t, err, name)
		require.EqualValues(t, 1, q.Size)
	}
	u.locked(func() { require.False(t, u.data.exportBtn.Disabled()) })
}

func TestFaults_AddHitsRemove(t *testing.T) {
	u := newTestUI(t, server.Options{})
	s := u.faults
	u.locked(func() {
		u.showScreen(s)
		s.status.SetText("")
		before := u.calls.Load()
		test.Tap(s.add)
		require.Equal(t, before, u.calls.Load(), "neither status nor latency: refused before any call")
		s.service.SetSelected("mq")
		s.resource.SetText("flaky")
		s.status.SetText("503")
		s.times.SetText("2")
		test.Tap(s.add)
	})
	u.eventually(t, "listed", func() bool { return len(s.faults) == 1 })
	_, err := u.c.PostMessages(context.Background(), "flaky", client.NewMessage{Body: "x"})
	require.Equal(t, http.StatusServiceUnavailable, client.StatusOf(err))
	u.eventually(t, "the hit count shows", func() bool {
		return len(s.faults) == 1 && strings.HasSuffix(model.FaultLine(s.faults[0]), "· 1 hit")
	})
	u.locked(func() {
		require.Contains(t, model.FaultLine(s.faults[0]), "service mq, resource flaky → answer 503 · 2 times")
		s.remove(s.faults[0].ID)
	})
	u.eventually(t, "removed", func() bool { return len(s.faults) == 0 })
}

func TestData_ExportOnQuitThenLoadAtStart(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "persisted", client.NewMessage{Body: "kept across runs"})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "on-quit.snapshot")
	u.locked(func() {
		u.data.onQuitTo.SetText(path)
		u.data.onQuit.SetChecked(true)
	})
	u.Close() // what quitting the app does: the snapshot is written first
	snapshot, err := fileIsSnapshot(path)
	require.NoError(t, err)
	require.True(t, snapshot)

	// The next run opens an empty ironlocal with "load at start" set.
	srv := server.RunT(t, server.Options{Runtime: "process"})
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLoadAtStart, path)
	c, err := client.New(srv.URL(), "test-token")
	require.NoError(t, err)
	next := New(a, a.NewWindow("ironlocal"), Backend{Client: c})
	t.Cleanup(next.Close)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		q, err := c.Queue(ctx, "persisted")
		if assert.NoError(ct, err) {
			assert.EqualValues(ct, 1, q.Size)
		}
	}, waitFor, poll)
	require.Equal(t, "", StartSeed(a), "a snapshot is not a seed")
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"queues":[]}`), 0o600))
	a.Preferences().SetString(prefLoadAtStart, seed)
	require.Equal(t, seed, StartSeed(a), "main seeds the embedded ironlocal with it")
}

// answerConfirm taps the button labelled answer in the dialog on top of
// the window.
func answerConfirm(t *testing.T, u *testUI, answer string) {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	require.NotNil(t, top, "a dialog asks first")
	test.Tap(findButton(t, top, answer))
}

func TestQueues_ClearAndDeleteAskFirst(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "doomed", client.NewMessage{Body: "a"}, client.NewMessage{Body: "b"})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { _, ok := u.queues.queue("doomed"); return ok })
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("doomed")
		test.Tap(findButton(t, u.queues.detail.root, "Clear…"))
		answerConfirm(t, u, "No")
	})
	q, err := u.c.Queue(ctx, "doomed")
	require.NoError(t, err)
	require.EqualValues(t, 2, q.Size, "No changes nothing")
	u.locked(func() {
		test.Tap(findButton(t, u.queues.detail.root, "Clear…"))
		answerConfirm(t, u, "Yes")
	})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		q, err := u.c.Queue(ctx, "doomed")
		assert.NoError(c, err)
		assert.Zero(c, q.Size)
	}, waitFor, poll)
	u.locked(func() {
		test.Tap(findButton(t, u.queues.detail.root, "Delete…"))
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "deleted, the pane closed and the list without it", func() bool {
		_, listed := u.queues.queue("doomed")
		return u.queues.detail == nil && !listed
	})
	_, err = u.c.Queue(ctx, "doomed")
	require.True(t, client.IsNotFound(err))
}

// findButton finds the button labelled text under o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == text {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	require.NotNil(t, found, "a %q button", text)
	return found
}

func TestData_ResetAsksFirst(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "q", client.NewMessage{Body: "x"})
	require.NoError(t, err)
	u.locked(func() {
		u.showScreen(u.data)
		test.Tap(u.data.resetBtn)
		answerConfirm(t, u, "No")
	})
	_, err = u.c.Queue(ctx, "q")
	require.NoError(t, err, "No keeps everything")
	u.locked(func() {
		test.Tap(u.data.resetBtn)
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "reset", func() bool { return strings.HasPrefix(u.data.status.Text, "Reset") })
	_, err = u.c.Queue(ctx, "q")
	require.True(t, client.IsNotFound(err))
	u.eventually(t, "the Queues screen reloaded empty", func() bool { return len(u.queues.queues) == 0 })
}

func TestCache_ClearAndDeleteAskFirst(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PutItem(ctx, "c", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { return len(u.cache.caches) == 1 })
	u.locked(func() {
		u.showScreen(u.cache)
		u.cache.open("c")
		test.Tap(findButton(t, u.cache.detail.root, "Clear…"))
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "cleared", func() bool { return len(u.cache.caches) == 1 && u.cache.caches[0].Items == 0 })
	u.locked(func() {
		test.Tap(findButton(t, u.cache.detail.root, "Delete…"))
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "deleted", func() bool { return u.cache.detail == nil && len(u.cache.caches) == 0 })
}
