package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"abcd", 1, "…"},
		{"abcd", 0, ""},
		{"héllo wörld", 11, "héllo wörld"}, // 13 bytes, 11 runes: kept whole
		{"héllo wörld", 6, "héllo…"},
		{"日本語のテキスト", 4, "日本語…"},
	} {
		require.Equal(t, c.want, Clip(c.in, c.n), "clip(%q, %d)", c.in, c.n)
		require.LessOrEqual(t, len([]rune(Clip(c.in, c.n))), max(c.n, 0))
	}
}

func TestFitRunes(t *testing.T) {
	require.Equal(t, 31, FitRunes(260, 8, 14))
	require.Equal(t, 9, FitRunes(90, 8, 14), "a status column shows \"cancelled\"")
	require.Equal(t, 1, FitRunes(10, 8, 14), "at least one rune")
}

func TestValidatePayload(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"empty", "", true},
		{"blank", "  \n", true},
		{"object", `{"a": [1, 2]}`, true},
		{"string", `"hi"`, true},
		{"unclosed", `{"a": 1`, false},
		{"bare word", `hello`, false},
		{"two values", `{} {}`, false},
		{"trailing comma", "{\n  \"a\": 1,\n}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePayload(tc.in)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
	err := ValidatePayload("{\n  \"a\": 1,\n}")
	require.ErrorContains(t, err, "line 3", "the position points at the line that broke")
}

func TestPrettyAndCompactJSON(t *testing.T) {
	require.Equal(t, "{\n  \"a\": 1\n}", PrettyJSON(`{"a":1}`))
	require.Equal(t, "not json", PrettyJSON("not json"))
	require.Equal(t, `{"a":1}`, CompactJSON("{\n  \"a\": 1\n}"))
	require.Equal(t, "", CompactJSON("  "))
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond:        "850ms",
		4200 * time.Millisecond:       "4.2s",
		3*time.Minute + 5*time.Second: "3m05s",
		2*time.Hour + 10*time.Minute:  "2h10m",
		-time.Second:                  "–",
	} {
		require.Equal(t, want, FormatDuration(d), d.String())
	}
}

func TestTaskDuration(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	require.Equal(t, "–", TaskDuration(client.Task{}, now))
	require.Equal(t, "1.5s", TaskDuration(client.Task{Duration: 1500}, now))
	require.Equal(t, "10.0s", TaskDuration(client.Task{StartTime: client.Time{Time: now.Add(-10 * time.Second)}}, now), "running: against now")
}

func TestFormatTime(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.Local)
	require.Equal(t, "11:59:58", FormatTime(now.Add(-2*time.Second), now))
	require.Equal(t, "2026-03-03 12:00:00", FormatTime(now.Add(-24*time.Hour), now))
	require.Equal(t, "–", FormatTime(time.Time{}, now))
}

func TestParseFields(t *testing.T) {
	n, err := ParseSeconds("delay", "90s")
	require.NoError(t, err)
	require.Equal(t, 90, n)
	n, err = ParseSeconds("delay", "15")
	require.NoError(t, err)
	require.Equal(t, 15, n)
	_, err = ParseSeconds("delay", "-3")
	require.ErrorContains(t, err, "delay")

	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	at, err := ParseWhen("start", "+1h", now)
	require.NoError(t, err)
	require.Equal(t, now.Add(time.Hour), at)
	at, err = ParseWhen("start", "2026-05-01T10:00:00Z", now)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), at)
	_, err = ParseWhen("start", "tomorrow", now)
	require.ErrorContains(t, err, "start")

	env, err := ParseEnv("A=1\n# note\n\nB = two=2\n")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"A": "1", "B": " two=2"}, env)
	_, err = ParseEnv("nope")
	require.ErrorContains(t, err, "line 1")
	require.Equal(t, "A=1\nB=2\n", FormatEnv(map[string]string{"B": "2", "A": "1"}))
}

func TestClientSettings(t *testing.T) {
	env := IronEnv("http://127.0.0.1:4766", "tok", "p1")
	require.Contains(t, env, "IRON_HOST=127.0.0.1 IRON_PORT=4766 IRON_SCHEME=http IRON_PROTOCOL=http")
	require.Contains(t, env, "IRON_TOKEN=tok IRON_PROJECT_ID=p1")

	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(IronJSON("http://0.0.0.0:9000", "tok", "p1")), &cfg))
	require.Equal(t, map[string]any{"host": "127.0.0.1", "port": float64(9000), "scheme": "http", "protocol": "http",
		"token": "tok", "project_id": "p1"}, cfg, "port is a number; a wildcard address is reached on loopback")
}

func TestEventSummary(t *testing.T) {
	require.Equal(t, "task.finished · task …89abcdef (hello) · complete",
		EventSummary(client.Event{Type: "task.finished", TaskID: "0123456789abcdef", CodeName: "hello",
			Attrs: map[string]any{"status": "complete"}}))
	require.Equal(t, "messages.posted · queue jobs · 3",
		EventSummary(client.Event{Type: "messages.posted", Queue: "jobs", IDs: []string{"a", "b", "c"}}))
	require.Contains(t, EventSummary(client.Event{Type: client.EventMissed, Missed: 7}), "7 events missed")
}

func TestFilterTasks(t *testing.T) {
	tasks := []client.Task{ // oldest first
		{ID: "t1", CodeName: "resize", Status: client.TaskComplete, Payload: `{"file":"cat.png"}`},
		{ID: "t2", CodeName: "mail", Status: client.TaskError, Msg: "exit status 3"},
		{ID: "t3", CodeName: "resize", Status: client.TaskQueued},
	}
	for _, tc := range []struct {
		name string
		f    TaskFilter
		want []int
	}{
		{"all, newest first", TaskFilter{}, []int{2, 1, 0}},
		{"status", TaskFilter{Status: client.TaskError}, []int{1}},
		{"code", TaskFilter{Code: "resize"}, []int{2, 0}},
		{"text in payload, any case", TaskFilter{Text: "CAT.PNG"}, []int{0}},
		{"text in message", TaskFilter{Text: "status 3"}, []int{1}},
		{"combined", TaskFilter{Code: "resize", Status: client.TaskQueued, Text: "t3"}, []int{2}},
		{"nothing", TaskFilter{Text: "zebra"}, []int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, FilterTasks(tasks, tc.f))
		})
	}
}

// TestFilterTasks_10k keeps filtering 10k tasks well inside the 100 ms a
// keystroke may take (it takes about a millisecond).
func TestFilterTasks_10k(t *testing.T) {
	tasks := make([]client.Task, 10_000)
	for i := range tasks {
		tasks[i] = client.Task{ID: fmt.Sprintf("task%06d", i), CodeName: fmt.Sprintf("code%d", i%7),
			Status: client.TaskComplete, Payload: fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 200))}
	}
	start := time.Now()
	got := FilterTasks(tasks, TaskFilter{Code: "code3", Text: "\"n\":4"})
	took := time.Since(start)
	require.NotEmpty(t, got)
	require.Less(t, took, 100*time.Millisecond)
}

func TestUpsertTask(t *testing.T) {
	var tasks []client.Task
	index := map[string]int{}
	tasks, isNew := UpsertTask(tasks, index, client.Task{ID: "a", Status: client.TaskQueued})
	require.True(t, isNew)
	tasks, _ = UpsertTask(tasks, index, client.Task{ID: "b"})
	tasks, isNew = UpsertTask(tasks, index, client.Task{ID: "a", Status: client.TaskRunning})
	require.False(t, isNew)
	require.Len(t, tasks, 2)
	require.Equal(t, client.TaskRunning, tasks[index["a"]].Status)
	require.Equal(t, map[client.TaskStatus]int{client.TaskRunning: 1, "": 1}, TaskCounts(tasks))
}

func TestLogBuffer(t *testing.T) {
	b := NewLogBuffer(3)
	b.Append("one\ntw")
	require.Equal(t, 2, b.Len())
	require.Equal(t, "tw", b.Line(1), "an unfinished line shows")
	b.Append("o\nthree\nfour\n")
	require.Equal(t, 3, b.Len())
	require.Equal(t, []string{"two", "three", "four"}, []string{b.Line(0), b.Line(1), b.Line(2)}, "the oldest line went")
	require.Equal(t, 1, b.dropped)
	require.Equal(t, []int{0, 1}, b.Find("T"))
	b.Set("x\ny")
	require.Equal(t, "x\ny", b.Text())
	require.Equal(t, 0, b.dropped)
}

func TestRateSeries(t *testing.T) {
	r := NewRateSeries(3)
	r.Add(5)
	r.Add(2)
	r.Roll()
	r.Add(1)
	r.Roll()
	require.Equal(t, 1.0, r.Last())
	require.Equal(t, 7.0, r.Peak())
}

// BenchmarkFilterTasks is the "filtering 10k tasks" figure: one
// keystroke in the search field.
func BenchmarkFilterTasks(b *testing.B) {
	tasks := make([]client.Task, 10_000)
	for i := range tasks {
		tasks[i] = client.Task{ID: fmt.Sprintf("6b0b5%019d", i), CodeName: fmt.Sprintf("code%d", i%7),
			Status: client.TaskComplete, Msg: "exit status 1", Payload: fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 200))}
	}
	f := TaskFilter{Text: `"n":9999`}
	for b.Loop() {
		if len(FilterTasks(tasks, f)) != 1 {
			b.Fatal("want one match")
		}
	}
}

func TestListedKeepsWhatTheTableShowsAndTheSearchMatches(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	full := client.Task{ID: "t1", ProjectID: "p", CodeID: "c1", CodeHistoryID: "h1", CodeName: "echo", CodeRev: "3",
		Status: client.TaskError, Msg: "exit status 1", Payload: `{"needle":1}`, Priority: 2, Timeout: 60, Cluster: "x",
		Label: "nightly", Percent: 40, Duration: 1500, RetryTaskID: "t2", OriginalTaskID: "t0",
		CreatedAt: client.Time{Time: at}, StartTime: client.Time{Time: at.Add(time.Second)}, EndTime: client.Time{Time: at.Add(2 * time.Second)}}
	l := Listed(full)
	require.Equal(t, client.Task{ID: "t1", CodeName: "echo", Status: client.TaskError, Msg: "exit status 1",
		Payload: `{"needle":1}`, Priority: 2, Label: "nightly", Percent: 40, Duration: 1500,
		CreatedAt: client.Time{Time: at}, StartTime: client.Time{Time: at.Add(time.Second)}, EndTime: client.Time{Time: at.Add(2 * time.Second)}}, l)
	now := at.Add(time.Hour)
	require.Equal(t, TaskDuration(full, now), TaskDuration(l, now), "the table's columns read the same")
	for _, text := range []string{"needle", "nightly", "exit status", "echo"} {
		require.Equal(t, []int{0}, FilterTasks([]client.Task{l}, TaskFilter{Text: text}), "the search still finds %q", text)
	}
}
