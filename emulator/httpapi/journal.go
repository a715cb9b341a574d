package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/journal"
	"github.com/ironlocal/ironlocal/wire"
)

// journaled serves an Iron API write and, when it succeeds, keeps it in
// the journal: the request (its body as the handler read it, up to
// journal.MaxBody) and the start of the answer (the ids it names).
func (a *API) journaled(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
	body := &bodyCapture{rc: r.Body}
	r.Body = body
	rec := &answerRecorder{ResponseWriter: w, status: http.StatusOK, keep: true}
	serve(rec, r)
	if rec.status < 200 || rec.status > 299 {
		return // refused: it changed nothing, and a replay need not make it
	}
	now, _ := a.cfg.Control.Now()
	answer := rec.body.Bytes()
	e := journal.Entry{At: now, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), Body: body.kept.Bytes(), Truncated: body.cut, Status: rec.status}
	if r.Pattern == fireRoute {
		keepFireAnswer(&e, bytes.Clone(answer))
	} else {
		e.IDsFrom(answer)
	}
	a.cfg.Journal.Add(e)
}

const fireRoute = "POST /_ironlocal/triggers/{id}/fire"

// keepFireAnswer keeps a fired event's answer whole when it is short (it
// says the event's project and task), and its ids in any case.
func keepFireAnswer(e *journal.Entry, answer []byte) {
	e.IDsFrom(answer)
	if len(answer) <= journal.MaxAnswer {
		e.Answer = answer
	}
}

// JournalPluginEvent journals an event a plugin took from its real source
// (a request to the HTTP gateway, a file in a watched folder) as the fire
// that repeats it: POST /_ironlocal/triggers/{id}/fire with the event's
// type, payload (as its text) and attributes, answered with its journey.
// A recorded session's replay (export-test) then makes the event's task or
// messages again without the source. Only an event whose action ran is
// kept: a filtered or failed one changed nothing, like a refused write.
func JournalPluginEvent(j *journal.Journal, at time.Time, payload []byte, attrs map[string]string, te emulator.TriggerEvent) {
	if te.Outcome != emulator.TriggerMatched || !j.Recording() {
		return
	}
	text, err := json.Marshal(string(payload)) // the action ran, so the payload is UTF-8 text
	if err != nil {
		return
	}
	body, err := json.Marshal(wire.FireBody{EventType: te.Type, Payload: text, Attrs: attrs})
	if err != nil {
		return
	}
	answer, err := json.Marshal(toWireTriggerEvent(te))
	if err != nil {
		return
	}
	e := journal.Entry{At: at, Method: http.MethodPost, Path: "/_ironlocal/triggers/" + url.PathEscape(te.BindingID) + "/fire",
		ContentType: "application/json", Body: body, Status: http.StatusOK}
	if len(e.Body) > journal.MaxBody {
		e.Body, e.Truncated = e.Body[:journal.MaxBody], true
	}
	keepFireAnswer(&e, answer)
	j.Add(e)
}

// credentialsRoute stores a registry login: its body holds a password, so
// it is never journaled (GET /_ironlocal/journal and the tests exported
// from it would show it).
const credentialsRoute = "POST /2/projects/{pid}/credentials"

// journalTo journals the control-plane writes a replay needs besides the
// Iron API's: trigger bindings made, changed and removed, and events fired.
func (a *API) journalTo(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Journal.Recording() {
			a.journaled(w, r, h)
			return
		}
		h(w, r)
	}
}

// bodyCapture keeps what the handler reads of a body, up to journal.MaxBody.
type bodyCapture struct {
	rc   io.ReadCloser
	kept bytes.Buffer
	cut  bool
}

func (b *bodyCapture) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if room := journal.MaxBody - b.kept.Len(); room < n {
		b.kept.Write(p[:max(room, 0)])
		b.cut = true
	} else {
		b.kept.Write(p[:n])
	}
	return n, err
}

func (b *bodyCapture) Close() error { return b.rc.Close() }

// handleJournal answers GET /_ironlocal/journal: the inputs kept since the
// emulator started or was reset.
func (a *API) handleJournal(w http.ResponseWriter, r *http.Request) {
	info, entries := a.cfg.Journal.Read()
	out := wire.Journal{StartedAt: info.StartedAt, Clean: info.Clean, SeedFile: info.SeedFile, Dropped: info.Dropped,
		Enabled: a.cfg.Journal.Enabled(), Entries: make([]wire.JournalEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = wire.JournalEntry{Seq: e.Seq, At: e.At, Method: e.Method, Path: e.Path, RawQuery: e.RawQuery,
			ContentType: e.ContentType, Body: e.Body, Truncated: e.Truncated, Status: e.Status, Answer: e.Answer, IDs: e.IDs}
	}
	writeJSON(w, http.StatusOK, out)
}
