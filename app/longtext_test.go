package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// longValue is 2,000 characters of data with no place to break a line.
var longValue = strings.Repeat("x", 2000)

// fitsWindow checks that neither the window's content nor the screen in
// view asks for more than the window: a long value wraps or is elided
// in its pane instead of widening it.
func fitsWindow(t *testing.T, u *testUI, what string) {
	t.Helper()
	size := u.win.Canvas().Size()
	content := u.win.Content().MinSize()
	require.LessOrEqual(t, content.Width, size.Width, "%s: the content fits the window (MinSize %v)", what, content)
	require.LessOrEqual(t, content.Height, size.Height, "%s: the content fits the window (MinSize %v)", what, content)
	view := u.screens[u.current].view().MinSize()
	require.LessOrEqual(t, view.Width, size.Width, "%s: the screen fits the window (MinSize %v)", what, view)
}

// paneFits checks that a detail pane asks for no more width than it has: a
// row of buttons wider than the pane lays the pane's wrapping labels out
// wider than it, and the window's edge cuts them.
func paneFits(t *testing.T, what string, pane fyne.CanvasObject) {
	t.Helper()
	require.LessOrEqual(t, pane.MinSize().Width, pane.Size().Width, "%s: the pane's content fits its width", what)
}

// A 2,000-character value on each screen with a detail pane leaves the
// window's layout alone, and the full text of what is elided is one
// click away.
func TestLayout_LongValuesFitEveryScreen(t *testing.T) {
	u := triggerUI(t)
	ctx := context.Background()
	_, err := u.c.RegisterCode(ctx, client.NewCode{Name: "long", Image: "local/long:latest", Command: "echo " + longValue})
	require.NoError(t, err)
	scID, err := u.c.CreateSchedule(ctx, client.NewSchedule{CodeName: "long", Name: longValue, RunEvery: 3600, Payload: `{"v":"` + longValue + `"}`})
	require.NoError(t, err)
	ids, err := u.c.PostMessages(ctx, "long", client.NewMessage{Body: longValue})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "long", "k", client.ItemPut{Value: longValue})
	require.NoError(t, err)
	_, err = u.c.AddFault(ctx, client.Fault{Service: "mq", Resource: "nothing-" + longValue, Status: 503, Msg: longValue})
	require.NoError(t, err)
	b, err := u.c.CreateTrigger(ctx, client.NewTrigger{Name: strings.Repeat("n", 200), Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quoteJSON(t.TempDir()) + `}`), Action: client.TriggerAction{Type: "message", Queue: "long"}})
	require.NoError(t, err)
	_, err = u.c.FireTrigger(ctx, b.ID, longValue, json.RawMessage(`{"key":"`+longValue+`"}`))
	require.NoError(t, err)

	// Codes: the command.
	u.eventually(t, "the code is listed", func() bool { return len(u.codes.codes) == 1 })
	u.locked(func() {
		u.showScreen(u.codes)
		u.codes.open(u.codes.codes[0])
		fitsWindow(t, u, "codes")
		paneFits(t, "codes", u.codes.detail.root)
	})

	// Schedules: the name and the payload.
	u.eventually(t, "the schedule is listed", func() bool { return len(u.schedules.schedules) == 1 })
	u.locked(func() {
		u.openSchedule(scID)
		require.NotNil(t, u.schedules.form)
		fitsWindow(t, u, "schedules")
	})

	// Queues: the body.
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.openMessage("long", ids[0])
	})
	u.eventually(t, "the message shows", func() bool { return u.queues.detail.browser.pane.Visible() })
	u.locked(func() {
		fitsWindow(t, u, "queues")
		paneFits(t, "queues", u.queues.detail.root)
	})

	// Cache: the value, also formatted.
	u.locked(func() {
		u.showScreen(u.cache)
		u.cache.openItem("long", "k")
	})
	u.eventually(t, "the item is in the editor", func() bool { return u.cache.detail.value.Text == longValue })
	u.locked(func() {
		u.cache.detail.formatted.SetChecked(true)
		fitsWindow(t, u, "cache")
		paneFits(t, "cache", u.cache.detail.root)
	})

	// Faults: the rule's resource; the whole rule is one tap away.
	u.locked(func() { u.showScreen(u.faults) })
	u.eventually(t, "the rule is listed", func() bool { return len(u.faults.faults) == 1 })
	u.locked(func() {
		fitsWindow(t, u, "faults")
		u.faults.list.Select(0)
		require.NotNil(t, u.shell.popup)
		require.Contains(t, popupText(u.shell.popup), longValue, "the whole rule")
		u.shell.popup.Hide()
	})

	// Triggers: the binding's name, the event's type in the trace.
	u.eventually(t, "the binding is listed", func() bool { _, ok := u.triggers.bindingByID(b.ID); return ok })
	var d *bindingDetail
	u.locked(func() {
		u.showScreen(u.triggers)
		u.triggers.openBinding(b.ID)
		d = u.triggers.binding
	})
	u.eventually(t, "the trace", func() bool { return len(d.events) == 1 })
	u.locked(func() {
		d.trace.Select(0)
		require.Contains(t, d.pickedLb.Text, longValue, "the picked event's full type")
		fitsWindow(t, u, "triggers")
		require.Less(t, d.pickedLb.MinSize().Width, float32(400), "the picked event wraps")
	})
}
