package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// A multicast message whose one subscriber gave up is failed (red), not
// pushed (green), and what that subscriber last answered is readable.
func TestQueues_FailedPushShowsFailedWithResponse(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(good.Close)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"database is down"}`)
	}))
	t.Cleanup(bad.Close)
	u := newTestUI(t, server.Options{VirtualClock: true})
	ctx := context.Background()
	_, err := u.c.PutQueue(ctx, "fanout", client.QueueSettings{Type: client.Ptr(client.QueueMulticast), Push: &client.PushSettings{
		Subscribers: []client.Subscriber{{Name: "good", URL: good.URL}, {Name: "bad", URL: bad.URL}},
		Retries:     client.Ptr(1), RetriesDelay: client.Ptr(3)}})
	require.NoError(t, err)
	ids, err := u.c.PostMessages(ctx, "fanout", client.NewMessage{Body: "hello"})
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(ctx, 10*time.Second))
	_, err = u.c.AdvanceClock(ctx, 3*time.Second)
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(ctx, 10*time.Second, client.WaitPushSettled()))

	u.locked(func() {
		u.showScreen(u.queues)
		u.queues.open("fanout")
	})
	b := u.queues.detail.browser
	u.eventually(t, "the message is listed as settled", func() bool {
		return len(b.msgs) == 1 && b.msgs[0].Status == client.MessagePushed
	})
	u.locked(func() {
		text, imp := b.cell(0, 1)
		require.True(t, strings.HasPrefix(text, "failed"), "state cell %q", text)
		require.Equal(t, widget.DangerImportance, imp)
		b.selected = ids[0]
		b.showSelected()
		require.Contains(t, b.meta.Text, "failed")
		require.Contains(t, b.subs.Text, `{"error":"database is down"}`, "the bad subscriber's last response")
		require.Contains(t, b.subs.Text, "bad "+bad.URL+" · error")
	})
}
