package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

const previewPath = "/_ironlocal/schedules/" + wkProject + "/preview"

type previewReply struct {
	Now   time.Time   `json:"now"`
	Fires []time.Time `json:"fires"`
}

func (e *wkEnv) preview(t *testing.T, query, body string) previewReply {
	t.Helper()
	var out previewReply
	e.call(t, http.MethodPost, previewPath+query, body).ok(t, &out)
	return out
}

func TestSchedulePreview(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "echo", wkEcho)
	now := e.srv.VirtualClock().Now().UTC()
	hour := now.Truncate(time.Hour).Add(2 * time.Hour) // a whole hour, 1–2 h ahead
	at := func(d time.Duration) time.Time { return hour.Add(d) }
	rfc := func(t time.Time) string { return `"` + t.Format(time.RFC3339Nano) + `"` }

	t.Run("timings", func(t *testing.T) {
		for _, tc := range []struct {
			name, body string
			want       []time.Time
		}{
			{"once, now", `{}`, []time.Time{now}},
			{"once, later", `{"start_at":` + rfc(at(0)) + `}`, []time.Time{at(0)}},
			{"delay", `{"delay":90}`, []time.Time{now.Add(90 * time.Second)}},
			{"every 10 min", `{"start_at":` + rfc(at(5*time.Minute)) + `,"run_every":600}`,
				[]time.Time{at(5 * time.Minute), at(15 * time.Minute), at(25 * time.Minute), at(35 * time.Minute), at(45 * time.Minute)}},
			{"run times", `{"start_at":` + rfc(at(0)) + `,"run_every":600,"run_times":2}`, []time.Time{at(0), at(10 * time.Minute)}},
			{"end at", `{"start_at":` + rfc(at(0)) + `,"run_every":3600,"end_at":` + rfc(at(150*time.Minute)) + `}`,
				[]time.Time{at(0), at(time.Hour), at(2 * time.Hour)}},
			{"started in the past: due now, then on its grid", `{"start_at":` + rfc(now.Add(-150*time.Second)) + `,"run_every":60,"run_times":3}`,
				[]time.Time{now, now.Add(30 * time.Second), now.Add(90 * time.Second)}},
			{"cron from start_at", `{"start_at":` + rfc(at(0)) + `,"cron":"30 * * * *","run_times":3}`,
				[]time.Time{at(30 * time.Minute), at(90 * time.Minute), at(150 * time.Minute)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := e.preview(t, "", tc.body)
				require.True(t, got.Now.Equal(now), "now is the emulator's clock: %s", got.Now)
				require.Equal(t, len(tc.want), len(got.Fires), "%v", got.Fires)
				for i := range tc.want {
					require.True(t, tc.want[i].Equal(got.Fires[i]), "fire %d: got %s, want %s", i, got.Fires[i], tc.want[i])
				}
			})
		}
	})

	t.Run("n bounds the answer", func(t *testing.T) {
		got := e.preview(t, "?n=12", `{"run_every":60}`)
		require.Len(t, got.Fires, 12)
		require.True(t, got.Fires[11].Equal(now.Add(11*time.Minute)))
	})

	t.Run("the scheduler fires when the preview says", func(t *testing.T) {
		var created struct {
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		e.call(t, http.MethodPost, wkPath("/schedules"),
			`{"schedules":[{"code_name":"echo","start_at":`+rfc(now.Add(90*time.Second))+`,"run_every":120,"run_times":3}]}`).ok(t, &created)
		id := created.Schedules[0].ID
		planned := e.preview(t, "", `{"schedule_id":"`+id+`"}`).Fires
		require.Len(t, planned, 3)
		for i, want := range planned {
			e.advance(t, want.Sub(e.srv.VirtualClock().Now()))
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				got := e.call(c, http.MethodGet, wkPath("/schedules/"+id), "").object(c)
				assert.Equal(c, i+1, num(c, got, "run_count"))
				last, _ := got["last_run_time"].(string)
				assert.Equal(c, emulator.FormatWireTime(want), last)
			}, wkWait, 5*time.Millisecond, "run %d", i+1)
			if i == 0 {
				// An edit is previewed on the stored schedule: one run made.
				rest := e.preview(t, "", `{"schedule_id":"`+id+`","run_every":600}`).Fires
				require.Len(t, rest, 2)
				require.True(t, rest[0].Equal(want.Add(600*time.Second)), "%v", rest)
			}
		}
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+id), "").object(t)
		require.Equal(t, "complete", got["status"])
		msg := e.call(t, http.MethodPost, previewPath, `{"schedule_id":"`+id+`"}`).fails(t, http.StatusBadRequest)
		require.Contains(t, msg, "complete")
	})

	t.Run("refused like a create, and nothing is stored", func(t *testing.T) {
		var before struct {
			Schedules []map[string]any `json:"schedules"`
		}
		e.call(t, http.MethodGet, wkPath("/schedules"), "").ok(t, &before)
		for _, tc := range []struct{ query, body, msg string }{
			{"", `{"cron":"every day"}`, "cron"},
			{"", `{"run_every":30}`, "run_every"},
			{"", `{"start_at":` + rfc(at(time.Hour)) + `,"end_at":` + rfc(at(0)) + `}`, "end_at"},
			{"", `{"run_times":-1}`, "run_times"},
			{"?n=0", `{}`, "n must be"},
			{"?n=101", `{}`, "n must be"},
			{"?n=x", `{}`, "integer"},
			{"", `{"start_at":`, "JSON"},
		} {
			msg := e.call(t, http.MethodPost, previewPath+tc.query, tc.body).fails(t, http.StatusBadRequest)
			require.True(t, strings.Contains(msg, tc.msg), "%s %s: msg %q lacks %q", tc.query, tc.body, msg, tc.msg)
		}
		e.call(t, http.MethodPost, previewPath, `{"schedule_id":"000000000000000000000000"}`).fails(t, http.StatusNotFound)
		var after struct {
			Schedules []map[string]any `json:"schedules"`
		}
		e.call(t, http.MethodGet, wkPath("/schedules"), "").ok(t, &after)
		require.Len(t, after.Schedules, len(before.Schedules))
	})
}
