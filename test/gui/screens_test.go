package gui

import (
	"context"
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// Window coordinates of the second part of the navigation rail and of
// the Queues screen at 1280×800.
const (
	navQueuesY, navCacheY, navEventsY, navTimeY, navDataY, navFaultsY = 222, 261, 300, 339, 378, 417

	queueRowX, queueRowY       = 250, 142 // the first queue of the table
	messageRowX, messageRowY   = 700, 300 // the first message of the browser
	postTabX, postTabY         = 696, 187 // the Post tab of an open queue
	postBodyX, postBodyY       = 900, 260 // the body editor
	postButtonX, postButtonY   = 620, 733 // Post (above the notice strip)
	cacheRowX, cacheRowY       = 300, 128 // the first cache
	cacheItemX, cacheItemY     = 600, 182 // its first item
	firstEventX, firstEventY   = 600, 128
	dataScreenX, dataScreenY   = 600, 300
	browserPaneX, browserPaneY = 900, 560
)

// seedPartTwo fills queues (JSON bodies, a delayed and a reserved message,
// a push queue whose subscriber fails), caches and a fault rule.
func seedPartTwo(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	orders := make([]client.NewMessage, 0, 40)
	for i := range 40 {
		orders = append(orders, client.NewMessage{Body: fmt.Sprintf(`{"order":%d,"customer":"c-%03d","items":[{"sku":"A-%d","qty":%d}],"total":%d.%02d}`,
			1000+i, i*7%100, i%9, 1+i%3, 20+i*3, i*13%100)})
	}
	_, err := a.c.PostMessages(ctx, "orders", orders...)
	require.NoError(t, err)
	_, err = a.c.PostMessages(ctx, "orders", client.NewMessage{Body: `{"order":1040,"note":"ship tomorrow"}`, Delay: 3600})
	require.NoError(t, err)
	_, err = a.c.Reserve(ctx, "orders", client.Reservation{N: 2, Timeout: 300})
	require.NoError(t, err)
	_, err = a.c.PutQueue(ctx, "orders", client.QueueSettings{MessageTimeout: client.Ptr(120),
		DeadLetter: &client.DeadLetter{QueueName: "orders-dead", MaxReservations: 5},
		Alerts:     []client.Alert{{Type: "fixed", Direction: "asc", Trigger: 1000, Queue: "orders-alerts"}}})
	require.NoError(t, err)

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(hook.Close)
	unicast := client.QueueUnicast
	_, err = a.c.PutQueue(ctx, "webhooks", client.QueueSettings{Type: &unicast, Push: &client.PushSettings{
		Subscribers: []client.Subscriber{{Name: "billing", URL: hook.URL + "/hooks/billing", Headers: map[string]string{"X-Env": "dev"}}},
		Retries:     client.Ptr(5), RetriesDelay: client.Ptr(30), ErrorQueue: client.Ptr("webhooks-failed")}})
	require.NoError(t, err)
	_, err = a.c.PostMessages(ctx, "webhooks", client.NewMessage{Body: `{"invoice":"INV-2026-118","amount":99.5}`})
	require.NoError(t, err)

	for i, user := range []string{"ann", "bob", "carol", "dave", "erin"} {
		_, err := a.c.PutItem(ctx, "sessions", "session:"+user, client.ItemPut{
			Value: fmt.Sprintf(`{"user":"%s","roles":["reader"],"last_seen":"2026-11-28T10:%02d:00Z"}`, user, i*7), ExpiresIn: 600 + i*900})
		require.NoError(t, err)
	}
	_, err = a.c.Increment(ctx, "counters", "page_views", 1423)
	require.NoError(t, err)
	_, err = a.c.AddFault(ctx, client.Fault{Service: "mq", Resource: "orders", Method: "POST", Status: 503, Times: 3})
	require.NoError(t, err)
	_, err = a.c.AddFault(ctx, client.Fault{Service: "cache", Latency: "250ms"})
	require.NoError(t, err)
}

// screenshotsPartTwo shoots the Queues, Cache, Events, Time, Data &
// settings and Faults screens.
func screenshotsPartTwo(t *testing.T, ctx context.Context, a *app, shot func(string)) {
	t.Helper()
	seedPartTwo(t, ctx, a)
	tmp := filepath.Join(t.TempDir(), "tmp.png")
	a.key(t, "Escape")
	a.click(t, navX, navQueuesY)
	a.capture(t, tmp)
	a.capture(t, tmp) // the list reloads once a second after events
	a.key(t, "ctrl+f")
	a.typeText(t, "orders")
	a.capture(t, tmp)
	a.click(t, queueRowX, queueRowY) // orders
	a.capture(t, tmp)
	a.click(t, messageRowX, messageRowY+20) // the info wraps to two lines here
	shot("queues.png")

	a.click(t, navX, navCacheY)
	a.capture(t, tmp)
	a.click(t, cacheRowX, cacheRowY+18) // sessions (after counters)
	a.capture(t, tmp)
	a.click(t, cacheItemX, cacheItemY)
	shot("cache.png")

	a.click(t, navX, navEventsY)
	shot("events.png")

	_, err := a.c.AdvanceClock(ctx, 90*time.Second)
	require.NoError(t, err)
	a.click(t, navX, navTimeY)
	shot("time.png")

	a.click(t, navX, navDataY)
	shot("data.png")

	_, _ = a.c.PostMessages(ctx, "orders", client.NewMessage{Body: "refused by the fault"})
	a.click(t, navX, navFaultsY)
	shot("faults.png")
}

// smokePostMessage drives the Queues screen with clicks and typing: open
// a queue, post a message from its form, see it in the browser.
func smokePostMessage(t *testing.T, a *app, shot string) {
	t.Helper()
	ctx := context.Background()
	_, err := a.c.PutQueue(ctx, "smoke", client.QueueSettings{})
	require.NoError(t, err)
	a.click(t, navX, navQueuesY)
	queueRow := image.Rect(queueRowX-100, queueRowY-12, queueRowX+200, queueRowY+12)
	listed := a.waitFor(t, shot, "the queue is listed", func(img image.Image) bool { return inkRatio(img, queueRow) > 0.01 })
	detail := image.Rect(postTabX-300, postTabY-30, screenW, screenH)
	a.click(t, queueRowX, queueRowY) // the only queue
	a.waitFor(t, shot, "the queue opens", changes(listed, detail))
	opened := a.settle(t, shot)
	body := image.Rect(postBodyX-250, postBodyY-40, postBodyX+250, postBodyY+40)
	a.click(t, postTabX, postTabY)
	a.waitFor(t, shot, "the Post tab shows the body editor", changes(opened, body))
	form := a.settle(t, shot)
	a.click(t, postBodyX, postBodyY)
	a.waitFor(t, shot, "the body editor takes the focus", changes(form, body))
	focused, err := a.grab(shot)
	require.NoError(t, err)
	a.typeText(t, `{"hello": "from the smoke test"}`)
	a.waitFor(t, shot, "the typed body shows", func(img image.Image) bool {
		return inkRatio(img, body) > inkRatio(focused, body)+0.01
	})
	a.click(t, postButtonX, postButtonY)
	require.Eventually(t, func() bool {
		page, err := a.c.BrowseMessages(ctx, "smoke", client.Browse{})
		return err == nil && len(page.Messages) == 1 && page.Messages[0].Body == `{"hello": "from the smoke test"}`
	}, waitLimit, 50*time.Millisecond, "the message was posted from the form")
	img := a.settle(t, shot)
	keep(t, shot)
	pane := image.Rect(browserPaneX-300, browserPaneY-20, browserPaneX+300, browserPaneY+120)
	require.Greater(t, inkRatio(img, pane), 0.01, "the browser shows the posted message, selected, its body pretty-printed")
	row := image.Rect(messageRowX-110, messageRowY-15, messageRowX+500, messageRowY+15)
	require.Greater(t, inkRatio(img, row), 0.01, "the browser lists it")
}
