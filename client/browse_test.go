package client_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestProjectsAndStats(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	ps, err := c.Projects(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{client.DefaultProject}, ps, "the default project is listed even when empty")

	other := c.ForProject("bbbbbbbbbbbbbbbbbbbbbbbb")
	_, err = other.PostMessages(ctx, "q", client.NewMessage{Body: "x"})
	require.NoError(t, err)
	_, err = c.ForProject("aaaaaaaaaaaaaaaaaaaaaaaa").PutItem(ctx, "c", "k", client.ItemPut{Value: 1})
	require.NoError(t, err)
	registerEcho(t, c.ForProject("cccccccccccccccccccccccc"), "echo")
	ps, err = c.Projects(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{client.DefaultProject, "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccc"}, ps)

	// Counts of the default project.
	registerEcho(t, c, "echo")
	done, err := c.QueueTask(ctx, client.NewTask{CodeName: "echo"})
	require.NoError(t, err)
	require.NoError(t, c.WaitIdle(ctx, wait))
	_, err = c.QueueTask(ctx, client.NewTask{CodeName: "echo", Delay: 3600})
	require.NoError(t, err)
	_, err = c.CreateSchedule(ctx, client.NewSchedule{CodeName: "echo", RunEvery: 3600, StartAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "a", client.NewMessage{Body: "1"}, client.NewMessage{Body: "2"})
	require.NoError(t, err)
	_, err = c.PutQueue(ctx, "b", client.QueueSettings{})
	require.NoError(t, err)
	_, err = c.PutItem(ctx, "sessions", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)

	st, err := c.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, client.Stats{ProjectID: client.DefaultProject, Queues: 2, Messages: 2, Caches: 1, Codes: 1, Schedules: 1,
		Tasks: map[client.TaskStatus]int{"queued": 1, "running": 0, "complete": 1, "error": 0, "cancelled": 0, "killed": 0, "timeout": 0}}, st)
	task, err := c.Task(ctx, done)
	require.NoError(t, err)
	require.Equal(t, client.TaskComplete, task.Status)

	st, err = other.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Queues)
	require.Zero(t, st.Codes)
}

func TestBrowseMessages(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)

	// 250 messages: every tenth delayed.
	var all []string
	for batch := range 5 {
		msgs := make([]client.NewMessage, 50)
		for i := range msgs {
			n := batch*50 + i
			msgs[i] = client.NewMessage{Body: fmt.Sprintf(`{"n":%d}`, n)}
			if n%10 == 9 {
				msgs[i].Delay = 60
			}
		}
		ids, err := c.PostMessages(ctx, "jobs", msgs...)
		require.NoError(t, err)
		all = append(all, ids...)
	}
	reserved, err := c.Reserve(ctx, "jobs", client.Reservation{N: 3, Timeout: 30})
	require.NoError(t, err)
	require.Len(t, reserved, 3)

	var seen []client.BrowsedMessage
	cursor, pages := "", 0
	for {
		page, err := c.BrowseMessages(ctx, "jobs", client.Browse{Cursor: cursor, Limit: 100})
		require.NoError(t, err)
		seen = append(seen, page.Messages...)
		pages++
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	require.Equal(t, 3, pages)
	require.Len(t, seen, 250)
	counts := map[client.MessageStatus]int{}
	for i, m := range seen {
		require.Equal(t, all[i], m.ID, "posting order")
		require.Equal(t, fmt.Sprintf(`{"n":%d}`, i), m.Body)
		counts[m.Status]++
		require.False(t, m.ExpiresAt.IsZero())
		switch {
		case i < 3:
			require.Equal(t, client.MessageReserved, m.Status)
			require.Equal(t, reserved[i].ReservationID, m.ReservationID)
			require.Equal(t, 1, m.ReservedCount)
		case i%10 == 9:
			require.Equal(t, client.MessageDelayed, m.Status)
			require.Empty(t, m.ReservationID)
			require.Equal(t, m.PostedAt.Add(time.Minute), m.AvailableAt.Time)
		}
	}
	require.Equal(t, map[client.MessageStatus]int{"reserved": 3, "delayed": 25, "ready": 222}, counts)

	found, err := c.BrowseMessages(ctx, "jobs", client.Browse{Query: `"N":137}`})
	require.NoError(t, err)
	require.Len(t, found.Messages, 1)
	require.Equal(t, all[137], found.Messages[0].ID)
	byID, err := c.BrowseMessages(ctx, "jobs", client.Browse{Query: all[42]})
	require.NoError(t, err)
	require.Len(t, byID.Messages, 1)

	// Time passes: delays and reservations are over, everything is ready.
	srv.VirtualClock().Advance(time.Minute)
	page, err := c.BrowseMessages(ctx, "jobs", client.Browse{Limit: 1000})
	require.NoError(t, err)
	require.Len(t, page.Messages, 250)
	require.Empty(t, page.Cursor)
	for _, m := range page.Messages {
		require.Equal(t, client.MessageReady, m.Status, "message %s", m.ID)
		require.Empty(t, m.ReservationID)
	}

	_, err = c.BrowseMessages(ctx, "missing", client.Browse{})
	require.True(t, client.IsNotFound(err), "got %v", err)
	_, err = c.BrowseMessages(ctx, "jobs", client.Browse{Cursor: "not-an-id"})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
}

// TestBrowseMessages_SearchBudget: a search examines at most 10,000
// messages a call; a match beyond comes on a later page.
func TestBrowseMessages_SearchBudget(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	for batch := range 121 {
		msgs := make([]client.NewMessage, 100)
		for i := range msgs {
			msgs[i] = client.NewMessage{Body: "filler"}
		}
		if batch == 120 {
			msgs = []client.NewMessage{{Body: "needle"}}
		}
		_, err := c.PostMessages(ctx, "deep", msgs...)
		require.NoError(t, err)
	}
	first, err := c.BrowseMessages(ctx, "deep", client.Browse{Query: "NEEDLE"})
	require.NoError(t, err)
	require.Empty(t, first.Messages)
	require.NotEmpty(t, first.Cursor)
	second, err := c.BrowseMessages(ctx, "deep", client.Browse{Query: "NEEDLE", Cursor: first.Cursor})
	require.NoError(t, err)
	require.Len(t, second.Messages, 1)
	require.Equal(t, "needle", second.Messages[0].Body)
	require.Empty(t, second.Cursor)
}

func TestBrowseMessages_Push(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.PutQueue(ctx, "hooks", client.QueueSettings{Type: client.Ptr(client.QueueMulticast),
		Push: &client.PushSettings{Subscribers: []client.Subscriber{{Name: "dead", URL: "http://127.0.0.1:1/"}}}})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "hooks", client.NewMessage{Body: "ping", PushHeaders: map[string]string{"X-A": "1"}})
	require.NoError(t, err)
	page, err := c.BrowseMessages(ctx, "hooks", client.Browse{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 1)
	m := page.Messages[0]
	require.Equal(t, client.MessagePushing, m.Status)
	require.Equal(t, map[string]string{"X-A": "1"}, m.PushHeaders)
	require.Len(t, m.Subscribers, 1)
	require.Equal(t, "dead", m.Subscribers[0].Name)
}

func TestBrowseQueues(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	for i := range 5 {
		_, err := c.PostMessages(ctx, fmt.Sprintf("q%d", i), client.NewMessage{Body: "x"})
		require.NoError(t, err)
	}
	page, err := c.BrowseQueues(ctx, client.Browse{Limit: 3})
	require.NoError(t, err)
	require.Len(t, page.Queues, 3)
	require.Equal(t, "q2", page.Cursor)
	require.EqualValues(t, 1, page.Queues[0].Size)
	require.Equal(t, client.QueuePull, page.Queues[0].Type)
	page, err = c.BrowseQueues(ctx, client.Browse{Limit: 3, Cursor: page.Cursor})
	require.NoError(t, err)
	require.Len(t, page.Queues, 2)
	require.Empty(t, page.Cursor)
	page, err = c.BrowseQueues(ctx, client.Browse{Query: "q4"})
	require.NoError(t, err)
	require.Len(t, page.Queues, 1)
}

func TestBrowseItems(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	for i := range 150 {
		p := client.ItemPut{Value: i}
		if i%50 == 0 {
			p.ExpiresIn = 60
		}
		_, err := c.PutItem(ctx, "c", fmt.Sprintf("key-%03d", i), p)
		require.NoError(t, err)
	}
	var keys []string
	cursor := ""
	for {
		page, err := c.BrowseItems(ctx, "c", client.Browse{Cursor: cursor, Limit: 60})
		require.NoError(t, err)
		for _, it := range page.Items {
			keys = append(keys, it.Key)
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	require.Len(t, keys, 150)
	require.Equal(t, "key-000", keys[0])
	require.Equal(t, "key-149", keys[149])

	found, err := c.BrowseItems(ctx, "c", client.Browse{Query: "KEY-07"})
	require.NoError(t, err)
	require.Len(t, found.Items, 10)
	require.Equal(t, "70", found.Items[0].String())
	require.Equal(t, client.NeverExpires, found.Items[0].Expires.Time)

	srv.VirtualClock().Advance(time.Minute)
	all, err := c.BrowseItems(ctx, "c", client.Browse{Limit: 1000})
	require.NoError(t, err)
	require.Len(t, all.Items, 147, "expired items are gone")

	_, err = c.BrowseItems(ctx, "missing", client.Browse{})
	require.True(t, client.IsNotFound(err))
}

func TestBrowseTasks(t *testing.T) {
	c, _ := newClient(t, func(o *server.Options) { o.TaskSlots = 1 })
	ctx := ctxT(t)
	registerEcho(t, c, "a")
	registerEcho(t, c, "b")
	var ids []string
	for i := range 250 {
		code := "a"
		if i%5 == 0 {
			code = "b"
		}
		id, err := c.QueueTask(ctx, client.NewTask{CodeName: code, Payload: fmt.Sprintf("p%d", i), Delay: 3600})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	var got []string
	cursor := ""
	for {
		page, err := c.BrowseTasks(ctx, "", nil, client.Browse{Cursor: cursor, Limit: 100})
		require.NoError(t, err)
		for _, task := range page.Tasks {
			got = append(got, task.ID)
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	require.Len(t, got, 250)
	for i, id := range got {
		require.Equal(t, ids[249-i], id, "newest first")
	}

	byCode, err := c.BrowseTasks(ctx, "b", nil, client.Browse{Limit: 1000})
	require.NoError(t, err)
	require.Len(t, byCode.Tasks, 50)
	require.NoError(t, c.CancelTask(ctx, ids[7]))
	cancelled, err := c.BrowseTasks(ctx, "", []client.TaskStatus{client.TaskCancelled}, client.Browse{})
	require.NoError(t, err)
	require.Len(t, cancelled.Tasks, 1)
	require.Equal(t, ids[7], cancelled.Tasks[0].ID)
	searched, err := c.BrowseTasks(ctx, "", nil, client.Browse{Query: "P13"})
	require.NoError(t, err)
	require.Len(t, searched.Tasks, 11, "p13 and p130–p139")

	_, err = c.BrowseTasks(ctx, "", []client.TaskStatus{"sleeping"}, client.Browse{})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
	_, err = c.BrowseTasks(ctx, "", nil, client.Browse{Cursor: "000000000000000000000000"})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
}

func TestRedrive(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.PutQueue(ctx, "work", client.QueueSettings{DeadLetter: &client.DeadLetter{QueueName: "work-dead", MaxReservations: 1}})
	require.NoError(t, err)
	ids, err := c.PostMessages(ctx, "work-dead", client.NewMessage{Body: "a"}, client.NewMessage{Body: "b"}, client.NewMessage{Body: "c"})
	require.NoError(t, err)

	res, err := c.Redrive(ctx, "work-dead", client.RedriveOptions{IDs: []string{ids[1]}})
	require.NoError(t, err)
	require.Equal(t, client.RedriveResult{Moved: 1, To: "work"}, res)
	res, err = c.Redrive(ctx, "work-dead", client.RedriveOptions{})
	require.NoError(t, err)
	require.Equal(t, client.RedriveResult{Moved: 2, To: "work"}, res)
	got, err := c.Peek(ctx, "work", 10)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, "b", got[0].Body)

	_, err = c.Redrive(ctx, "work", client.RedriveOptions{})
	require.ErrorContains(t, err, `say where its messages go in "to"`)
	_, err = c.Redrive(ctx, "none", client.RedriveOptions{To: "x"})
	require.True(t, client.IsNotFound(err))
}
