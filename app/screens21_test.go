package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Selecting an item and putting it back unedited stores exactly what was
// stored: the editor holds the value as is, formatting is a view.
func TestCache_PutUneditedKeepsTheStoredBytes(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	const stored = `{"name":"ann","tags":["a","b"],  "n":1}`
	_, err := u.c.PutItem(ctx, "sessions", "user:1", client.ItemPut{Value: stored})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { return len(u.cache.caches) == 1 })
	u.locked(func() {
		u.showScreen(u.cache)
		u.cache.open("sessions")
	})
	d := u.cache.detail
	u.eventually(t, "browsed", func() bool { return len(d.items) == 1 })
	u.locked(func() {
		d.edit(d.items[0])
		require.Equal(t, stored, d.value.Text, "the editor holds the stored value")
		d.formatted.SetChecked(true)
		require.Equal(t, "{\n  \"name\": \"ann\",\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ],\n  \"n\": 1\n}", d.pretty.Text)
		require.Equal(t, stored, d.value.Text, "the formatted view leaves the editor alone")
		test.Tap(d.save)
	})
	u.eventually(t, "stored", func() bool { return u.lastNotice() == "Stored user:1 in sessions" })
	it, err := u.c.Item(ctx, "sessions", "user:1")
	require.NoError(t, err)
	require.Equal(t, stored, it.String(), "byte-identical")
}

// cron and run every together: ironlocal's refusal shows under the
// timing fields while typing, and creating sends nothing that is stored.
func TestSchedules_CronAndRunEveryRefusedAtTheField(t *testing.T) {
	u := newTestUI(t, server.Options{VirtualClock: true})
	u.registerEcho(t, "nightly")
	s := u.schedules
	u.locked(func() {
		u.showScreen(s)
		s.open(client.Schedule{})
	})
	f := s.form
	u.eventually(t, "the code is offered", func() bool { return f.code.Selected == "nightly" })
	u.locked(func() {
		f.runEvery.SetText("3600")
		f.cron.SetText("*/5 * * * *")
	})
	u.eventually(t, "the refusal under the timing fields", func() bool {
		return f.timingErr.Visible() && strings.Contains(f.timingErr.Text, "cron") &&
			strings.Contains(f.timingErr.Text, "run_every") && f.preview.Text == ""
	})
	u.locked(func() { test.Tap(f.save) })
	u.eventually(t, "the create is refused", func() bool {
		return strings.HasPrefix(u.lastNotice(), "Could not create the schedule: ")
	})
	list, err := u.c.Schedules(context.Background(), client.Page{})
	require.NoError(t, err)
	require.Empty(t, list)
	u.locked(func() { f.runEvery.SetText("") })
	u.eventually(t, "cron alone previews", func() bool { return !f.timingErr.Visible() && f.preview.Text != "" })
}

// A fire due now says so, not "(in 0ms)".
func TestSchedules_DueNow(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	require.Equal(t, "due now", model.FireIn(now, now))
	require.Equal(t, "due now", model.FireIn(now.Add(-time.Minute), now))
	require.Equal(t, "due now", model.FireIn(now.Add(300*time.Millisecond), now), "under half a second rounds to now")
	require.Equal(t, "in 10m00s", model.FireIn(now.Add(10*time.Minute), now))
	sc := client.Schedule{CodeName: "x", Status: client.ScheduleActive, NextStart: client.Time{Time: now.Add(-time.Second)}}
	require.Contains(t, scheduleSummary(sc, now), "(due now)")
}

// With the connection lost the overview does not keep saying "ok".
func TestOverview_ShowsTheLostConnection(t *testing.T) {
	srv, err := server.Start(server.Options{Listen: "127.0.0.1:0", Ephemeral: true, Runtime: "process"})
	require.NoError(t, err)
	u := attachTestUI(t, srv.URL(), nil)
	u.locked(func() { u.showScreen(u.overview) })
	u.eventually(t, "services ok", func() bool { return strings.Contains(u.overview.services.Text, "overall: ok") })

	require.NoError(t, srv.Close(context.Background()))
	u.eventually(t, "the overview says the connection is lost", func() bool {
		text := u.overview.services.Text
		return strings.Contains(text, "connection lost") && !strings.Contains(text, ": ok")
	})
}

func TestOverview_CountsAgree(t *testing.T) {
	got := countsText(client.Stats{Queues: 1, Messages: 1, Caches: 1, Codes: 1, Schedules: 2,
		Tasks: map[client.TaskStatus]int{client.TaskComplete: 1}})
	require.Equal(t, "1 queue, 1 message · 1 cache\n1 code package · 2 schedules\n1 task (1 complete)", got)
}

func TestCounted(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{1, "cache", "1 cache"}, {0, "cache", "0 caches"}, {2, "code package", "2 code packages"},
		{3, "retry", "3 retries"}, {2, "push delivery", "2 push deliveries"}, {2, "match", "2 matches"}, {1, "entry", "1 entry"},
	} {
		require.Equal(t, tc.want, model.Counted(tc.n, tc.noun))
	}
}

// The Data screen says what the store allocated and what it uses; the
// progress never reads "0 B"; Reset names everything it erases.
func TestData_DiskProgressAndResetText(t *testing.T) {
	require.Equal(t, "28.0 KiB used on disk · 145.0 MiB allocated (reserved ahead by the store, not written yet)",
		model.DiskText(145<<20, 28<<10))
	require.Equal(t, "Export the snapshot… waiting for the first bytes", model.TransferText("Export the snapshot", 0, 0))
	require.Equal(t, "Import the snapshot… 1.0 MiB of 4.0 MiB (25%)", model.TransferText("Import the snapshot", 1<<20, 4<<20))
	for _, erased := range []string{"queues", "messages", "caches", "code packages", "tasks", "logs", "schedules",
		"trigger bindings", "event traces", "fault rules"} {
		require.Contains(t, resetText, erased)
	}

	u := newTestUI(t, server.Options{})
	u.locked(func() { u.showScreen(u.data) })
	u.eventually(t, "the disk figures", func() bool {
		return strings.Contains(u.data.dataSize.Text, "used on disk")
	})
}

// A binding naming a code that does not exist: a warning under the code
// field while typing, created anyway, and its state says events will fail.
func TestTriggers_MissingCodeWarns(t *testing.T) {
	u := triggerUI(t)
	d := newBindingForm(t, u)
	bucket := t.TempDir()
	u.registerEcho(t, "present")
	u.locked(func() { d.loadCodes() })
	u.eventually(t, "the codes are read", func() bool { return d.codesIn && len(d.codes) == 1 })
	u.locked(func() {
		d.code.SetText("present")
		require.False(t, d.codeWarn.Visible(), "an existing code: no warning")
		d.code.SetText("later")
		require.True(t, d.codeWarn.Visible())
		require.Contains(t, d.codeWarn.Text, `No code named "later" yet`)
		d.config.field("dir").entry.SetText(bucket)
		test.Tap(d.save)
	})
	u.eventually(t, "created, its state warns", func() bool {
		return len(u.triggers.bindings) == 1 && u.triggers.binding != nil && u.triggers.binding.id != "" &&
			strings.Contains(u.triggers.binding.state.Text, `warning: code "later" does not exist yet; events will fail until it is uploaded`)
	})
	u.locked(func() {
		text, _ := u.triggers.cell(0, 4)
		require.Contains(t, text, "— warning:")
	})
}

// After "+1 hour" the notice lists what fired and expired, each a link
// that opens the item.
func TestTime_MoveNoticeLinksWhatHappened(t *testing.T) {
	u := newTestUI(t, server.Options{VirtualClock: true})
	u.registerEcho(t, "nightly")
	ctx := context.Background()
	clock, err := u.c.Clock(ctx)
	require.NoError(t, err)
	_, err = u.c.CreateSchedule(ctx, client.NewSchedule{CodeName: "nightly", StartAt: clock.Now.Add(30 * time.Minute), RunTimes: 1})
	require.NoError(t, err)
	_, err = u.c.PostMessages(ctx, "work", client.NewMessage{Body: "job"})
	require.NoError(t, err)
	_, err = u.c.Reserve(ctx, "work", client.Reservation{Timeout: 600})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "c", "short", client.ItemPut{Value: "v", ExpiresIn: 120})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "c", "later", client.ItemPut{Value: "v", ExpiresIn: 7200})
	require.NoError(t, err)

	s := u.time
	u.locked(func() { u.showScreen(s) })
	u.eventually(t, "the clock can move", func() bool { return !s.presets[1].Disabled() && len(s.upcoming) == 4 })
	u.locked(func() { test.Tap(s.presets[1]) }) // +1 hour
	u.eventually(t, "the notice", func() bool { return len(s.moved) == 3 })
	var links []string
	u.locked(func() {
		require.Contains(t, u.lastNotice(), "1 schedule fired, 1 reservation expired, 1 cache item expired, 1 task queued")
		require.Contains(t, s.movedBox.Objects[0].(*fyne.Container).Objects[0].(*widget.Label).Text, "1 schedule fired")
		for _, o := range s.movedBox.Objects[1:] {
			links = append(links, o.(*widget.Button).Text)
		}
		require.Len(t, links, 4)
		require.True(t, strings.HasPrefix(links[0], "cache item expired · cache c key short"), links[0])
		require.True(t, strings.HasPrefix(links[1], "reservation expired · queue work"), links[1])
		require.True(t, strings.HasPrefix(links[2], "schedule fired · code nightly"), links[2])
		require.True(t, strings.HasPrefix(links[3], "task queued · task "), links[3])

		test.Tap(s.movedBox.Objects[1].(*widget.Button)) // the item
		require.Equal(t, u.cache, u.screens[u.current])
		require.Equal(t, "c", u.cache.detail.name)
		require.Equal(t, "short", u.cache.detail.search.Text)
	})
	u.eventually(t, "the schedules are listed", func() bool { return len(u.schedules.schedules) == 1 })
	u.locked(func() {
		u.showScreen(s)
		test.Tap(s.movedBox.Objects[3].(*widget.Button)) // the schedule
		require.Equal(t, u.schedules, u.screens[u.current])
		require.NotNil(t, u.schedules.form)
		require.Equal(t, u.schedules.schedules[0].ID, u.schedules.form.id)
	})
}

// Empty screens explain themselves in one line and offer the first action.
func TestEmptyStates_ExplainAndOfferTheFirstAction(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.eventually(t, "the empty caches say so", func() bool { return u.cache.empty.box.Visible() })
	u.eventually(t, "the empty schedules say so", func() bool { return u.schedules.empty.box.Visible() })
	u.eventually(t, "the empty bindings say so", func() bool { return u.triggers.empty.box.Visible() })
	u.eventually(t, "the empty code packages say so", func() bool { return u.codes.empty.box.Visible() })
	u.eventually(t, "the empty event stream says so", func() bool { return u.events.empty.box.Visible() })
	u.locked(func() { u.showScreen(u.faults) })
	u.eventually(t, "the empty fault rules say so", func() bool { return u.faults.empty.box.Visible() })
	u.locked(func() {
		u.showScreen(u.cache)
		test.Tap(u.cache.empty.action)
		require.NotNil(t, u.cache.detail, "the item editor opens")
		u.showScreen(u.schedules)
		test.Tap(u.schedules.empty.action)
		require.NotNil(t, u.schedules.form, "the schedule form opens")
		u.showScreen(u.triggers)
		test.Tap(u.triggers.empty.action)
		require.NotNil(t, u.triggers.binding, "the binding form opens")
		u.showScreen(u.codes)
		test.Tap(u.codes.empty.action)
		require.NotNil(t, u.codes.form, "the code form opens")
		u.showScreen(u.events)
		test.Tap(u.events.empty.action)
		require.Equal(t, screen(u.tasks), u.screens[u.current], "the Tasks screen shows")
		u.showScreen(u.faults)
		test.Tap(u.faults.empty.action)
		require.Equal(t, fyne.Focusable(u.faults.resource), u.win.Canvas().Focused(), "the rule form takes the focus")
	})
	_, err := u.c.PutItem(context.Background(), "c", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)
	u.eventually(t, "a cache hides it", func() bool { return !u.cache.empty.box.Visible() })
	u.eventually(t, "the write's event hides the events' one", func() bool { return !u.events.empty.box.Visible() })
	u.registerEcho(t, "first")
	u.eventually(t, "a code hides the codes' one", func() bool { return !u.codes.empty.box.Visible() })
}
