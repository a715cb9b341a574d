package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestParseSubscribers(t *testing.T) {
	tests := []struct {
		name, in string
		want     []client.Subscriber
		err      string
	}{
		{name: "url only", in: "http://a/x", want: []client.Subscriber{{URL: "http://a/x"}}},
		{name: "name, url, headers", in: "billing http://b/hook | Authorization: Bearer t:1 | X-Env: dev\n\n# skipped\nhttp://c/",
			want: []client.Subscriber{
				{Name: "billing", URL: "http://b/hook", Headers: map[string]string{"Authorization": "Bearer t:1", "X-Env": "dev"}},
				{URL: "http://c/"}}},
		{name: "not a url", in: "billing hook", err: `line 1: "hook" is not a URL`},
		{name: "too many words", in: "a b http://c", err: "line 1: want [name] url"},
		{name: "bad header", in: "http://a | nocolon", err: `header "nocolon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSubscribers(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			again, err := ParseSubscribers(FormatSubscribers(got))
			require.NoError(t, err)
			require.Equal(t, got, again, "format then parse gives the same")
		})
	}
}

func TestParseAlerts(t *testing.T) {
	got, err := ParseAlerts("fixed asc 100 big\nprogressive desc 10 small snooze 60\n")
	require.NoError(t, err)
	require.Equal(t, []client.Alert{{Type: "fixed", Direction: "asc", Trigger: 100, Queue: "big"},
		{Type: "progressive", Direction: "desc", Trigger: 10, Queue: "small", Snooze: 60}}, got)
	require.Equal(t, "fixed asc 100 big\nprogressive desc 10 small snooze 60\n", FormatAlerts(got))
	empty, err := ParseAlerts(" \n")
	require.NoError(t, err)
	require.NotNil(t, empty, "an empty editor is an empty list (it removes the alerts)")
	for _, bad := range []string{"fixed up 1 q", "often asc 1 q", "fixed asc zero q", "fixed asc 1", "fixed asc 1 q nap 3"} {
		_, err := ParseAlerts(bad)
		require.Error(t, err, bad)
	}
}

func TestQueueFormSettings(t *testing.T) {
	t.Run("new pull queue", func(t *testing.T) {
		s, err := QueueFormValues{Type: client.QueuePull, Timeout: "2m", Expiration: ""}.Settings(nil)
		require.NoError(t, err)
		require.Equal(t, client.QueuePull, *s.Type)
		require.Equal(t, 120, *s.MessageTimeout)
		require.Nil(t, s.MessageExpiration)
		require.Nil(t, s.Push)
		require.Nil(t, s.Alerts)
	})
	t.Run("new push queue needs a subscriber", func(t *testing.T) {
		_, err := QueueFormValues{Type: client.QueueUnicast}.Settings(nil)
		require.ErrorContains(t, err, "at least one subscriber")
		s, err := QueueFormValues{Type: client.QueueMulticast, Subscribers: "http://a", ErrorQueue: " errs "}.Settings(nil)
		require.NoError(t, err)
		require.Equal(t, 3, *s.Push.Retries)
		require.Equal(t, 60, *s.Push.RetriesDelay)
		require.Equal(t, "errs", *s.Push.ErrorQueue)
	})
	t.Run("subscribers on a pull queue are refused", func(t *testing.T) {
		_, err := QueueFormValues{Type: client.QueuePull, Subscribers: "http://a"}.Settings(nil)
		require.ErrorContains(t, err, "push queues")
	})
	t.Run("editing removes what was emptied", func(t *testing.T) {
		q := client.Queue{Name: "q", Type: client.QueuePull, MessageTimeout: 60, MessageExpiration: 3600,
			DeadLetter: &client.DeadLetter{QueueName: "dead", MaxReservations: 3},
			Alerts:     []client.Alert{{Type: "fixed", Direction: "asc", Trigger: 5, Queue: "a"}}}
		v := QueueFormFor(q)
		require.Equal(t, "dead", v.DeadLetter)
		v.DeadLetter, v.Alerts = "", ""
		s, err := v.Settings(&q)
		require.NoError(t, err)
		require.Nil(t, s.Type, "the type of an existing queue is not sent")
		require.Equal(t, &client.DeadLetter{}, s.DeadLetter)
		require.Equal(t, []client.Alert{}, s.Alerts)
		require.Equal(t, 3600, *s.MessageExpiration)
	})
	t.Run("dead letter needs max reservations", func(t *testing.T) {
		_, err := QueueFormValues{DeadLetter: "dead"}.Settings(nil)
		require.ErrorContains(t, err, "max reservations")
	})
}

func TestMessageAndPushLines(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m := client.BrowsedMessage{Status: client.MessageReserved, ReservedCount: 2, AvailableAt: client.Time{Time: now.Add(30 * time.Second)}}
	require.Equal(t, "reserved ×2 · back in 30s", MessageState(m, now))
	m = client.BrowsedMessage{Status: client.MessageDelayed, AvailableAt: client.Time{Time: now.Add(-time.Second)}}
	require.Equal(t, "delayed · ready now", MessageState(m, now))
	p := client.PushStatus{Name: "billing", URL: "http://b", Status: "retrying", StatusCode: 503, Tries: 2,
		RetriesRemaining: 3, NextTryAt: client.Time{Time: now.Add(90 * time.Second)}}
	require.Equal(t, "billing http://b · retrying · 2 tries · last HTTP 503 · next try in 1m30s · 3 retries left", PushStatusLine(p, now))
	require.Equal(t, "http://b · deleted · 1 try · last HTTP 200",
		PushStatusLine(client.PushStatus{URL: "http://b", Status: "deleted", StatusCode: 200, Tries: 1}, now))
	require.Equal(t, "a b c…", BodyPreview("a\n  b\tc d", 5))

	t.Run("a push some subscriber gave up on is failed", func(t *testing.T) {
		m := client.BrowsedMessage{Status: client.MessagePushed, Subscribers: []client.PushStatus{
			{Name: "ok", Status: "deleted", StatusCode: 200},
			{Name: "bad", Status: "error", StatusCode: 500, LastResponse: "boom\nline 2"}}}
		require.Equal(t, "failed · 1 of 2 gave up", MessageState(m, now))
		require.Equal(t, "bad · error · last HTTP 500\n    last response: boom\n    line 2", PushDetail(m.Subscribers[1], now))
		m.Subscribers[1].Status = "deleted"
		require.Equal(t, "pushed", MessageState(m, now))
	})
}

func TestItemValues(t *testing.T) {
	v, err := ItemValue("number", " 42.5 ")
	require.NoError(t, err)
	b, _ := json.Marshal(v)
	require.Equal(t, "42.5", string(b))
	_, err = ItemValue("number", "ten")
	require.Error(t, err)
	v, err = ItemValue("boolean", "true")
	require.NoError(t, err)
	require.Equal(t, true, v)
	v, err = ItemValue("string", `{"a":1}`)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, v)
	require.Equal(t, "string", ItemKind(client.Item{Value: json.RawMessage(`"x"`)}))
	require.Equal(t, "number", ItemKind(client.Item{Value: json.RawMessage(`7`)}))
	require.Equal(t, "boolean", ItemKind(client.Item{Value: json.RawMessage(`false`)}))
	now := time.Now()
	require.Equal(t, "never", ItemExpiry(client.Item{Expires: client.Expires{Time: client.NeverExpires}}, now))
	require.Equal(t, "in 1m00s", ItemExpiry(client.Item{Expires: client.Expires{Time: now.Add(time.Minute)}}, now))
	require.Equal(t, "in 7d00h", ItemExpiry(client.Item{Expires: client.Expires{Time: now.Add(7 * 24 * time.Hour)}}, now))
}

func TestEventRingAndFilter(t *testing.T) {
	r := NewEventRing(3)
	for i := range 5 {
		r.Add(client.Event{Seq: uint64(i)})
	}
	require.Equal(t, 3, r.Len())
	require.EqualValues(t, 2, r.Dropped())
	require.EqualValues(t, 2, r.At(0).Seq)
	require.EqualValues(t, 4, r.At(2).Seq)
	r.Clear()
	require.Zero(t, r.Len())

	e := client.Event{Type: "messages.posted", Queue: "Orders"}
	require.True(t, EventMatches(e, EventFilter{Type: "message", Resource: "orde"}))
	require.False(t, EventMatches(e, EventFilter{Type: "task."}))
	require.False(t, EventMatches(e, EventFilter{Resource: "cache"}))
	require.True(t, EventMatches(client.Event{Type: client.EventMissed}, EventFilter{Type: "task.", Resource: "x"}),
		"the missed marker always shows")

	var buf bytes.Buffer
	require.NoError(t, WriteJSONLines(&buf, []client.Event{e, {Type: "task.queued", TaskID: "t1"}}))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var back client.Event
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &back))
	require.Equal(t, "t1", back.TaskID)
}

func TestPagerAndFillPage(t *testing.T) {
	p := NewPager()
	require.False(t, p.HasNext())
	require.False(t, p.Next())
	p.Loaded("c1")
	require.True(t, p.Next())
	require.Equal(t, "c1", p.Cursor())
	require.Equal(t, 2, p.Page())
	p.Loaded("c2")
	require.True(t, p.Prev())
	require.Equal(t, "", p.Cursor())
	p.Loaded("c1")
	require.True(t, p.Next())
	require.Equal(t, "c1", p.Cursor(), "going forward again reuses the cursor")
	p.Reset()
	require.Equal(t, 1, p.Page())

	// A search answers short pages with a cursor: fillPage goes on.
	calls := 0
	pages := map[string]struct {
		got  []int
		next string
	}{"": {nil, "a"}, "a": {[]int{1}, "b"}, "b": {[]int{2, 3}, "c"}, "c": {[]int{4}, ""}}
	got, next, err := FillPage(3, 10, "", func(cursor string, limit int) ([]int, string, error) {
		calls++
		pg := pages[cursor]
		return pg.got, pg.next, nil
	})
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, got)
	require.Equal(t, "c", next)
	require.Equal(t, 3, calls)
	_, _, err = FillPage(3, 10, "", func(string, int) ([]int, string, error) { return nil, "", errors.New("boom") })
	require.EqualError(t, err, "boom")
	got, next, _ = FillPage(5, 2, "", func(cursor string, _ int) ([]int, string, error) { return nil, cursor + "x", nil })
	require.Empty(t, got)
	require.Equal(t, "xx", next, "at most maxCalls calls, then the cursor to go on from")
}

func TestFormatting(t *testing.T) {
	require.Equal(t, "512 B", FormatBytes(512))
	require.Equal(t, "7d", FormatSpan(604800))
	require.Equal(t, "1h30m", FormatSpan(5400))
	require.Equal(t, "1.5 KiB", FormatBytes(1536))
	require.Equal(t, "3.0 MiB", FormatBytes(3<<20))
	require.Equal(t, "2.0 GiB", FormatBytes(2<<30))
	require.True(t, IsSnapshot([]byte(`{"format":"ironlocal-snapshot","version":2}`+"\n\x00\x01")))
	require.False(t, IsSnapshot([]byte("queues:\n  - name: jobs\n")))
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.Local)
	require.Equal(t, "in 10m00s · 12:10:00 · schedule fires · code nightly (schedule …12345678)",
		UpcomingLine(client.Upcoming{At: now.Add(10 * time.Minute), Kind: client.UpcomingScheduleFires, ScheduleID: "abcd12345678", CodeName: "nightly"}, now))
	require.Equal(t, "in 1h30m · 13:30:00 · task runnable · task …87654321 (mailer)",
		UpcomingLine(client.Upcoming{At: now.Add(90 * time.Minute), Kind: client.UpcomingTaskRunnable, TaskID: "abcd87654321", CodeName: "mailer"}, now))
	require.Equal(t, "service mq, resource orders → answer 503 · 3 times · 1 hit",
		FaultLine(client.Fault{Service: "mq", Resource: "orders", Status: 503, Times: 3, Hits: 1}))
	require.Equal(t, "every Iron API request → after 250ms · always · 0 hits", FaultLine(client.Fault{Latency: "250ms"}))
	require.Equal(t, []int{0, 2}, FilterQueues([]client.Queue{{Name: "Orders"}, {Name: "jobs"}, {Name: "orders-dead"}}, "ORDER"))
	require.Equal(t, "timeout 60s · 2 subscribers, 3 retries every 60s · errors → e · 1 alert",
		QueueSettingsSummary(client.Queue{MessageTimeout: 60, Push: &client.Push{Subscribers: make([]client.Subscriber, 2),
			Retries: 3, RetriesDelay: 60, ErrorQueue: "e"}, Alerts: make([]client.Alert, 1)}))
}

func TestRedriveSourcesAndHints(t *testing.T) {
	qs := []client.Queue{
		{Name: "orders", DeadLetter: &client.DeadLetter{QueueName: "orders-dead", MaxReservations: 3}},
		{Name: "hooks", Type: client.QueueMulticast, Push: &client.Push{ErrorQueue: "hooks-failed"}},
		{Name: "orders-dead", Size: 2},
	}
	require.Equal(t, []string{"orders"}, RedriveSources(qs, "orders-dead"))
	require.Equal(t, []string{"hooks"}, RedriveSources(qs, "hooks-failed"))
	require.Empty(t, RedriveSources(qs, "orders"))
	require.Equal(t, "Move the ready messages of orders-dead (2 messages held) back to orders?\n"+
		"Each is posted to orders as a new message, then deleted here; reserved and delayed ones stay.", RedriveQuestion(qs[2], "orders"))
	line, curl := EmptyQueuesHint("http://127.0.0.1:4766/", "p1")
	require.Contains(t, line, "No queues yet")
	require.Contains(t, curl, "http://127.0.0.1:4766/3/projects/p1/queues/jobs/messages")
}

func TestFollowsWatchRun(t *testing.T) {
	at := func(s int) client.Time { return client.Time{Time: time.Unix(int64(s), 0)} }
	open := client.Task{ID: "a", CodeName: "live", CreatedAt: at(10)}
	rerun := client.Task{ID: "b", CodeName: "live", CreatedAt: at(20), Source: SourceWatch, SourceID: "a"}
	require.True(t, FollowsWatchRun(open, rerun), "a re-run of the open task")
	other := rerun
	other.SourceID = "z"
	require.True(t, FollowsWatchRun(open, other), "a newer re-run of the open task's code")
	other.CreatedAt = at(5)
	require.False(t, FollowsWatchRun(open, other), "an older re-run stays put")
	api := rerun
	api.Source = "api"
	require.False(t, FollowsWatchRun(open, api), "only watch re-runs")
	elsewhere := other
	elsewhere.CodeName, elsewhere.CreatedAt = "other", at(30)
	require.False(t, FollowsWatchRun(open, elsewhere), "another code's re-run")
	require.False(t, FollowsWatchRun(rerun, rerun), "the open task itself")
}

func TestCodeLinkText(t *testing.T) {
	require.Empty(t, CodeLinkText(client.Code{Name: "x"}))
	p := "{}"
	require.Equal(t, "linked to /w", CodeLinkText(client.Code{Linked: true, LinkedDir: "/w"}))
	require.Equal(t, "linked to /w · watching: a save re-runs the last task with the pinned payload",
		CodeLinkText(client.Code{Linked: true, LinkedDir: "/w", Watch: true, PinnedPayload: &p}))
}
