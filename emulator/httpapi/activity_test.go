package httpapi_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// wkTokenTask writes its IRON_TOKEN to $OUT/token-<payload>, then waits at
// the gate as wkGated does.
const wkTokenTask = `p=$(cat "$PAYLOAD_FILE"); printf %s "$IRON_TOKEN" > "$OUT/token-$p.tmp"; ` +
	`mv "$OUT/token-$p.tmp" "$OUT/token-$p"; ` + wkGated

// waitToken reads the token a wkTokenTask task was given.
func (e *wkEnv) waitToken(t *testing.T, payload string) string {
	t.Helper()
	var tok string
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(e.dir, "token-"+payload))
		tok = string(b)
		return err == nil
	}, wkWait, 5*time.Millisecond, "task %s did not start", payload)
	return tok
}

// as sends a JSON request with another token.
func (e *wkEnv) as(t *testing.T, token, method, path, body string) wkReply {
	t.Helper()
	h := map[string]string{"Authorization": "OAuth " + token}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return e.raw(t, method, path, strings.NewReader(body), h)
}

type wireActivity struct {
	At         time.Time `json:"at"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Kind       string    `json:"kind"`
	Queue      string    `json:"queue"`
	Cache      string    `json:"cache"`
	Key        string    `json:"key"`
	TaskID     string    `json:"task_id"`
	MessageIDs []string  `json:"message_ids"`
}

func (e *wkEnv) activity(t *testing.T, id string) []wireActivity {
	t.Helper()
	var out struct {
		Activity []wireActivity `json:"activity"`
	}
	e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/"+id+"/activity", "").ok(t, &out)
	return out.Activity
}

func TestTaskToken_StrictMode(t *testing.T) {
	const other = "0a1b2c3d4e5f6a7b8c9d0e1f"
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, Tokens: []string{wkToken}})
	hc := &http.Client{Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	e := &wkEnv{srv: srv, hc: hc, dir: t.TempDir()}
	e.code(t, "tok", wkTokenTask)
	e.code(t, "noop", wkEcho)
	id := e.queueOne(t, "tok", "a")
	tok := e.waitToken(t, "a")
	require.True(t, strings.HasPrefix(tok, "ironlocal-task."+id+"."), "IRON_TOKEN %q", tok)
	mq := "/3/projects/" + wkProject + "/queues/out/messages"

	t.Run("accepted for its project", func(t *testing.T) {
		r := e.as(t, tok, http.MethodPost, mq, `{"messages":[{"body":"one"},{"body":"two"}]}`)
		require.Equal(t, http.StatusCreated, r.status, "%v", r)
		r = e.as(t, tok, http.MethodPut, "/1/projects/"+wkProject+"/caches/c/items/k", `{"value":"v"}`)
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		r = e.as(t, tok, http.MethodPost, wkPath("/tasks"), `{"tasks":[{"code_name":"noop","payload":"{}"}]}`)
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		r = e.as(t, tok, http.MethodGet, "/3/projects/"+wkProject+"/queues/out", "")
		require.Equal(t, http.StatusOK, r.status, "%v", r)
	})

	t.Run("refused for another project and on the control plane", func(t *testing.T) {
		r := e.as(t, tok, http.MethodPost, "/3/projects/"+other+"/queues/out/messages", `{"messages":[{"body":"x"}]}`)
		require.Equal(t, http.StatusForbidden, r.status, "%v", r)
		r = e.as(t, tok, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/"+id+"/activity", "")
		require.Equal(t, http.StatusUnauthorized, r.status, "%v", r)
	})

	t.Run("forged tokens are refused", func(t *testing.T) {
		for _, forged := range []string{tok[:len(tok)-2] + "00", strings.Replace(tok, id, strings.Repeat("0", len(id)), 1)} {
			if forged == tok {
				continue
			}
			r := e.as(t, forged, http.MethodGet, "/3/projects/"+wkProject+"/queues", "")
			require.Equal(t, http.StatusUnauthorized, r.status, "%s: %v", forged, r)
		}
	})

	t.Run("requests are recorded", func(t *testing.T) {
		got := e.activity(t, id)
		require.Len(t, got, 4, "%+v", got) // the refused request is not the task's
		post, put, queued, get := got[0], got[1], got[2], got[3]
		assert.Equal(t, "message_post", post.Kind)
		assert.Equal(t, http.MethodPost, post.Method)
		assert.Equal(t, mq, post.Path)
		assert.Equal(t, http.StatusCreated, post.Status)
		assert.Equal(t, "out", post.Queue)
		assert.Len(t, post.MessageIDs, 2)
		assert.False(t, post.At.IsZero())
		assert.Equal(t, "cache_put", put.Kind)
		assert.Equal(t, "c", put.Cache)
		assert.Equal(t, "k", put.Key)
		assert.Equal(t, "task_queue", queued.Kind)
		assert.Regexp(t, reWkID, queued.TaskID)
		assert.Empty(t, get.Kind, "a read touches nothing")
		assert.Equal(t, http.StatusOK, get.Status)
		// The message ids are those the queue holds.
		var peek struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		e.call(t, http.MethodGet, mq+"?n=10", "").ok(t, &peek)
		require.Len(t, peek.Messages, 2)
		assert.ElementsMatch(t, post.MessageIDs, []string{peek.Messages[0].ID, peek.Messages[1].ID})
	})

	t.Run("valid for the grace after the task ends, then refused", func(t *testing.T) {
		e.open(t, "a")
		e.waitStatus(t, id, "complete")
		e.advance(t, 30*time.Second)
		r := e.as(t, tok, http.MethodGet, "/3/projects/"+wkProject+"/queues", "")
		require.Equal(t, http.StatusOK, r.status, "within the grace: %v", r)
		e.advance(t, 31*time.Second)
		r = e.as(t, tok, http.MethodGet, "/3/projects/"+wkProject+"/queues", "")
		require.Equal(t, http.StatusUnauthorized, r.status, "after the grace: %v", r)
		assert.Len(t, e.activity(t, id), 5, "the request within the grace counts")
	})

	t.Run("unknown task is 404; reset clears the activity", func(t *testing.T) {
		e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/000000000000000000000000/activity", "").fails(t, http.StatusNotFound)
		e.call(t, http.MethodPost, "/_ironlocal/reset", "")
		e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/"+id+"/activity", "").fails(t, http.StatusNotFound)
	})
}

func TestTaskToken_NoIronEnv(t *testing.T) {
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, NoIronEnv: true})
	hc := &http.Client{Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	e := &wkEnv{srv: srv, hc: hc, dir: t.TempDir()}
	e.code(t, "tok", wkTokenTask)
	id := e.queueOne(t, "tok", "n")
	assert.Empty(t, e.waitToken(t, "n"), "no IRON_TOKEN with --no-iron-env")
	e.open(t, "n")
	e.waitStatus(t, id, "complete")
}
