package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// dialogText is the text of the labels of the dialog on top.
func dialogText(u *testUI) string {
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return test.RenderObjectToMarkup(top)
}

func deadLetterSetup(t *testing.T, u *testUI, bodies ...string) []string {
	t.Helper()
	ctx := context.Background()
	_, err := u.c.PutQueue(ctx, "work", client.QueueSettings{DeadLetter: &client.DeadLetter{QueueName: "work-dead", MaxReservations: 2}})
	require.NoError(t, err)
	msgs := make([]client.NewMessage, len(bodies))
	for i, b := range bodies {
		msgs[i] = client.NewMessage{Body: b}
	}
	ids, err := u.c.PostMessages(ctx, "work-dead", msgs...)
	require.NoError(t, err)
	u.eventually(t, "both listed", func() bool {
		_, a := u.queues.queue("work")
		_, b := u.queues.queue("work-dead")
		return a && b
	})
	return ids
}

func TestQueues_RedriveAllAsksOnceWithCount(t *testing.T) {
	u := newTestUI(t, server.Options{})
	deadLetterSetup(t, u, "a", "b", "c")
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("work")
		require.False(t, u.queues.detail.redrive.Visible(), "work is no queue's dead-letter queue")
		u.queues.open("work-dead")
	})
	d := u.queues.detail
	u.eventually(t, "the redrive button shows", func() bool { return d.redrive.Visible() && d.queue.Size == 3 })
	u.locked(func() {
		test.Tap(d.redrive)
		require.Contains(t, dialogText(u), "Move the ready messages of work-dead (3 messages held) back to work?")
		answerConfirm(t, u, "Cancel")
	})
	q, err := u.c.Queue(context.Background(), "work-dead")
	require.NoError(t, err)
	require.EqualValues(t, 3, q.Size, "Cancel moves nothing")
	u.locked(func() {
		test.Tap(d.redrive)
		answerConfirm(t, u, "Redrive")
	})
	u.eventually(t, "moved", func() bool { return u.lastNotice() == "Moved 3 messages from work-dead to work" })
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		q, err := u.c.Queue(context.Background(), "work")
		assert.NoError(c, err)
		assert.EqualValues(c, 3, q.Size)
	}, waitFor, poll)
	u.eventually(t, "the browser is empty", func() bool { return d.browser.page.Text == "no messages" })
}

func TestQueues_RedriveSelected(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ids := deadLetterSetup(t, u, "one", "two", "three")
	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("work-dead")
	})
	b := u.queues.detail.browser
	u.eventually(t, "the page and the selection button", func() bool { return len(b.msgs) == 3 && b.redriveSel.Visible() })
	u.locked(func() {
		require.True(t, b.redriveSel.Disabled(), "nothing selected yet")
		for _, id := range []string{ids[0], ids[2]} {
			b.selected = id
			b.showSelected()
			require.True(t, b.mark.Visible())
			test.Tap(b.mark)
		}
		require.Equal(t, "Redrive selected (2)", b.redriveSel.Text)
		text, _ := b.cell(0, 0)
		require.True(t, strings.HasPrefix(text, "✓ "), "a ticked row says so: %q", text)
		test.Tap(b.redriveSel)
		require.Contains(t, dialogText(u), "Move the 2 messages selected back to work?")
		answerConfirm(t, u, "Redrive")
	})
	u.eventually(t, "moved", func() bool { return u.lastNotice() == "Moved 2 messages from work-dead to work" })
	got, err := u.c.Peek(context.Background(), "work", 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "one", got[0].Body)
	require.Equal(t, "three", got[1].Body)
	u.eventually(t, "only two is left, the selection cleared", func() bool {
		return len(b.msgs) == 1 && b.msgs[0].Body == "two" && b.redriveSel.Text == "Redrive selected (0)"
	})
}

func TestQueues_EmptyStateSaysWhatToDo(t *testing.T) {
	u := newTestUI(t, server.Options{})
	s := u.queues
	u.eventually(t, "the empty panel", func() bool { return s.loaded && s.empty.Visible() })
	u.locked(func() {
		u.showScreen(s)
		require.Equal(t, "No queues yet: create one, or post a message (posting creates its queue).", s.emptyLine.Text)
		require.Contains(t, s.emptyCurl.Text, u.c.URL()+"/3/projects/"+u.c.Project()+"/queues/jobs/messages")
		test.Tap(findButton(t, s.empty, "Create a queue"))
		require.NotNil(t, s.form, "the new-queue form opens")
	})
	_, err := u.c.PostMessages(context.Background(), "jobs", client.NewMessage{Body: "x"})
	require.NoError(t, err)
	u.eventually(t, "the panel gives way to the list", func() bool { return len(s.queues) == 1 && !s.empty.Visible() })
}

// Every cell of a queue row and of a message row can be read in full:
// short ones fit their column, the rest are in the detail pane.
func TestQueues_CellTextReachable(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PutQueue(ctx, "fan", client.QueueSettings{Type: client.Ptr(client.QueueMulticast), Push: &client.PushSettings{
		Subscribers: []client.Subscriber{{Name: "a", URL: "http://127.0.0.1:1/a"}}, ErrorQueue: client.Ptr("fan-errors-with-a-long-name")}})
	require.NoError(t, err)
	_, err = u.c.PostMessages(ctx, "pull", client.NewMessage{Body: "plain body"})
	require.NoError(t, err)
	_, err = u.c.Reserve(ctx, "pull", client.Reservation{N: 1, Timeout: 30})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { return len(u.queues.queues) == 2 })

	fits := func(cols []column, col int, text string) bool {
		return model.Clip(text, model.FitRunes(cols[col].width, theme.InnerPadding(), theme.TextSize())) == text
	}
	u.locked(func() {
		u.showScreen(u.queues)
		s := u.queues
		for row := range s.visible {
			s.open(s.queues[s.visible[row]].Name)
			pane := s.detail.title.Text + "\n" + s.detail.info.Text
			for col := range queueColumns {
				text, _ := s.cell(row, col)
				if col == 1 {
					require.True(t, fits(queueColumns, col, text), "type %q fits its column", text)
				}
				require.Contains(t, pane, text, "queue row %d col %d", row, col)
			}
		}
		s.open("pull")
	})
	b := u.queues.detail.browser
	u.eventually(t, "the reserved message", func() bool { return len(b.msgs) == 1 && b.msgs[0].Status == client.MessageReserved })
	u.locked(func() {
		b.selected = b.msgs[0].ID
		b.showSelected()
		state, _ := b.cell(0, 1)
		require.True(t, strings.HasPrefix(state, "reserved ×1 · back in"), state)
		require.True(t, fits(messageColumns, 1, state), "state %q fits its column", state)
		require.True(t, fits(messageColumns, 1, "failed · 12 of 100 gave up"))
		pane := b.msgTitle.Text + "\n" + b.meta.Text + "\n" + b.body.Text
		for col := range messageColumns {
			text, _ := b.cell(0, col)
			require.Contains(t, pane, strings.TrimPrefix(text, "…"), "message col %d", col)
		}
	})
}
