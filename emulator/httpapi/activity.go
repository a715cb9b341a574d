package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/ironlocal/ironlocal/emulator"
)

// Attribution of task requests: a request authenticated with a task's
// token (emulator.TaskTokenPrefix) is handed to the worker, which records
// it against the task (what counts and how much is kept are its rules).
// This layer only says what the route and its answer touched.

const (
	mqMessages = "/3/projects/{pid}/queues/{queue}/messages"
	cacheItem  = "/1/projects/{pid}/caches/{cache}/items/{key}"
	wkTasks    = "/2/projects/{pid}/tasks"
)

// activityKinds maps the routes that change something to what they touch.
var activityKinds = map[string]emulator.ActivityKind{
	"POST " + mqMessages:                                 emulator.ActivityMessagePost,
	"POST /3/projects/{pid}/queues/{queue}/webhook":      emulator.ActivityMessagePost,
	"POST /3/projects/{pid}/queues/{queue}/reservations": emulator.ActivityMessageReserve,
	"DELETE " + mqMessages:                               emulator.ActivityMessageDelete,
	"DELETE " + mqMessages + "/{id}":                     emulator.ActivityMessageDelete,
	"POST " + wkTasks:                                    emulator.ActivityTaskQueue,
	"POST " + wkTasks + "/webhook":                       emulator.ActivityTaskQueue,
	"PUT " + cacheItem:                                   emulator.ActivityCachePut,
	"DELETE " + cacheItem:                                emulator.ActivityCacheDelete,
	"POST " + cacheItem + "/increment":                   emulator.ActivityCacheIncrement,
}

// maxActivityAnswer is how much of an answer is read for the ids it
// names (a reserve answer may carry 100 big bodies; the ids of those
// past the cut are not listed).
const maxActivityAnswer = 256 << 10

// recordTask serves h (or an injected fault) for a request made with a
// valid task token and records it against the task.
func (a *API) recordTask(tok emulator.TaskToken, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	kind := activityKinds[r.Pattern]
	rec := &answerRecorder{ResponseWriter: w, status: http.StatusOK}
	rec.keep = kind == emulator.ActivityMessagePost || kind == emulator.ActivityMessageReserve || kind == emulator.ActivityTaskQueue
	if !a.injectFault(rec, r) {
		h(rec, r)
	}
	act := emulator.TaskActivity{Method: r.Method, Path: r.URL.Path, Status: rec.status, Kind: kind,
		Queue: r.PathValue("queue"), Cache: r.PathValue("cache"), Key: r.PathValue("key")}
	ids := answerIDs(rec.body.Bytes())
	switch kind {
	case emulator.ActivityMessagePost, emulator.ActivityMessageReserve:
		act.MessageIDs = ids
	case emulator.ActivityMessageDelete:
		if id := r.PathValue("id"); id != "" {
			act.MessageIDs = []string{id}
		}
	case emulator.ActivityTaskQueue:
		act.TaskIDs = ids
	}
	a.cfg.Worker.RecordActivity(tok, r.PathValue("pid"), act)
}

// answerRecorder passes an answer through, noting its status and keeping
// the start of its body when asked to.
type answerRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	keep        bool
	body        bytes.Buffer
}

func (w *answerRecorder) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerRecorder) Write(p []byte) (int, error) {
	w.wroteHeader = true
	if w.keep && w.body.Len() < maxActivityAnswer {
		w.body.Write(p[:min(len(p), maxActivityAnswer-w.body.Len())])
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines of long polls).
func (w *answerRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// answerIDs collects the ids an answer names: every "id" string and the
// strings of every "ids" array ({"ids":[…]} of a post, the messages of a
// reservation, the tasks queued), as far as the (possibly cut) JSON goes.
func answerIDs(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var ids []string
	var stack []byte // '{' or '[' per open level
	var key string   // the last object key read at the top of stack
	var inIDs []bool // per level: an array under "ids"
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ids
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				inIDs = append(inIDs, v == '[' && len(stack) > 0 && stack[len(stack)-1] == '{' && key == "ids")
				stack = append(stack, byte(v))
				expectKey = v == '{'
			default:
				stack, inIDs = stack[:len(stack)-1], inIDs[:len(inIDs)-1]
				expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
			}
			continue
		case string:
			if expectKey {
				key, expectKey = v, false
				continue
			}
			top := len(stack) - 1
			if top >= 0 && (stack[top] == '{' && key == "id" || stack[top] == '[' && inIDs[top]) {
				ids = append(ids, v)
			}
		}
		if len(stack) > 0 && stack[len(stack)-1] == '{' {
			expectKey = true
		}
	}
}
