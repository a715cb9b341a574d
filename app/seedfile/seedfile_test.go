package seedfile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

var all = Selection{Queues: true, Messages: true, Caches: true, Codes: true, Schedules: true}

func start(t *testing.T, seed string) *client.Client {
	t.Helper()
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, Seed: seed})
	c, err := client.New(srv.URL(), "seed-token")
	require.NoError(t, err)
	return c
}

// fill puts one of everything a seed holds, and some it cannot.
func fill(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) { t.Helper(); require.NoError(t, err) }
	_, err := c.PutQueue(ctx, "jobs", client.QueueSettings{MessageTimeout: client.Ptr(120), MessageExpiration: client.Ptr(86400)})
	must(err)
	_, err = c.PostMessages(ctx, "jobs", client.NewMessage{Body: `{"n":1}`}, client.NewMessage{Body: "later", Delay: 600},
		client.NewMessage{Body: "taken"})
	must(err)
	// "taken" is reserved: a seed posts it ready.
	_, err = c.Reserve(ctx, "jobs", client.Reservation{N: 1})
	must(err)
	_, err = c.PutQueue(ctx, "fanout", client.QueueSettings{Type: client.Ptr(client.QueueMulticast),
		Push: &client.PushSettings{Subscribers: []client.Subscriber{{Name: "a", URL: "http://127.0.0.1:9/a"}}}})
	must(err)
	_, err = c.PutItem(ctx, "config", "mode", client.ItemPut{Value: "test"})
	must(err)
	_, err = c.PutItem(ctx, "config", "count", client.ItemPut{Value: 7, ExpiresIn: 3600})
	must(err)
	_, err = c.RegisterCode(ctx, client.NewCode{Name: "hello", Image: "local/hello:latest", Command: "echo hi",
		EnvVars: map[string]string{"A": "1"}, MaxConcurrency: client.Ptr(2), Retries: client.Ptr(1),
		RetriesDelay: client.Ptr(30), DefaultPriority: client.Ptr(1)})
	must(err)
	_, err = c.CreateSchedule(ctx, client.NewSchedule{CodeName: "hello", Name: "hourly", Payload: `{"h":1}`,
		StartAt: time.Date(2099, 5, 6, 7, 8, 9, 0, time.UTC), RunEvery: 3600, RunTimes: 10, Priority: client.Ptr(2), Timeout: 90})
	must(err)
	_, err = c.CreateSchedule(ctx, client.NewSchedule{CodeName: "hello", Name: "cron", Payload: "", Cron: "*/5 * * * *"})
	must(err)
	gone, err := c.CreateSchedule(ctx, client.NewSchedule{CodeName: "hello", Name: "gone", Payload: "",
		StartAt: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)})
	must(err)
	must(c.CancelSchedule(ctx, gone))
}

// near makes delays and expiries equal when they differ by a second (two
// emulators' clocks start a moment apart).
func near(a, b *File) {
	for i := range a.Queues {
		for j := range a.Queues[i].Messages {
			if i < len(b.Queues) && j < len(b.Queues[i].Messages) {
				if d := a.Queues[i].Messages[j].Delay - b.Queues[i].Messages[j].Delay; d >= -1 && d <= 1 {
					b.Queues[i].Messages[j].Delay = a.Queues[i].Messages[j].Delay
				}
			}
		}
	}
	for i := range a.Caches {
		for j := range a.Caches[i].Items {
			if i < len(b.Caches) && j < len(b.Caches[i].Items) {
				if d := a.Caches[i].Items[j].ExpiresIn - b.Caches[i].Items[j].ExpiresIn; d >= -1 && d <= 1 {
					b.Caches[i].Items[j].ExpiresIn = a.Caches[i].Items[j].ExpiresIn
				}
			}
		}
	}
}

func TestCollect_RoundTripsThroughASeededEmulator(t *testing.T) {
	ctx := context.Background()
	a := start(t, "")
	fill(t, a)
	saved, err := Collect(ctx, a, all)
	require.NoError(t, err)

	f := saved.File
	require.Len(t, f.Queues, 1, "the push queue is left out")
	assert.Equal(t, []Message{{Body: `{"n":1}`}, {Body: "later", Delay: 600}, {Body: "taken"}}, f.Queues[0].Messages)
	require.Len(t, f.Caches, 1)
	assert.Equal(t, []Item{{Key: "count", Value: []byte("7"), ExpiresIn: 3600}, {Key: "mode", Value: []byte(`"test"`)}}, f.Caches[0].Items)
	require.Len(t, f.Codes, 1)
	require.Len(t, f.Schedules, 2, "the cancelled schedule is left out")
	assert.Equal(t, "hourly", f.Schedules[0].Name, "oldest first")
	assert.Contains(t, strings.Join(saved.Left, "\n"), "queue fanout: a multicast push queue")

	path := filepath.Join(t.TempDir(), "saved.seed.json")
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, f))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))

	b := start(t, path)
	again, err := Collect(ctx, b, all)
	require.NoError(t, err)
	near(&f, &again.File)
	assert.Equal(t, f, again.File, "a fresh emulator seeded with the file holds what was saved")
	assert.Empty(t, again.Left)

	// What the selection leaves unchecked is not saved.
	some, err := Collect(ctx, a, Selection{Queues: true, Codes: true})
	require.NoError(t, err)
	assert.Empty(t, some.File.Queues[0].Messages)
	assert.Empty(t, some.File.Caches)
	assert.Empty(t, some.File.Schedules)
	assert.Len(t, some.File.Codes, 1)
}
