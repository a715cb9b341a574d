package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/seed"
	"github.com/ironlocal/ironlocal/wire"
)

// handleHealth answers 200 when every part works, 503 otherwise.
// decode_failures counts the damaged stored records skipped (with a few
// examples); they do not make the emulator unhealthy.
func (a *API) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := a.cfg.Control.Health(r.Context())
	status, code := "ok", http.StatusOK
	if !h.OK {
		status, code = "unavailable", http.StatusServiceUnavailable
	}
	damage := wire.DecodeFailures{Count: h.DecodeFailures.Count, Examples: append([]string{}, h.DecodeFailures.Examples...)}
	writeJSON(w, code, wire.Health{DecodeFailures: damage, Services: h.Services, Status: status, Version: a.cfg.Version})
}

func (a *API) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Control.Reset(r.Context()); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Reset")
}

func (a *API) handleClockGet(w http.ResponseWriter, r *http.Request) {
	now, virtual := a.cfg.Control.Now()
	writeJSON(w, http.StatusOK, wire.Clock{Now: now, Virtual: virtual})
}

// handleClockAdvance moves a virtual clock: {"advance":"90s"} (a Go
// duration) or {"advance_seconds":90} or {"set":"<RFC 3339>"}.
func (a *API) handleClockAdvance(w http.ResponseWriter, r *http.Request) {
	var body wire.ClockBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	change, err := control.ParseClockChange(body.Advance, body.AdvanceSeconds.Ptr(), body.Set)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	now, err := a.cfg.Control.ChangeClock(change)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Clock{Now: now, Virtual: true})
}

// handleEvents streams domain events as server-sent events. ?type=prefix
// (repeatable, or comma-separated) filters by event type prefix.
func (a *API) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeMsg(w, http.StatusInternalServerError, "Streaming is not supported by this connection")
		return
	}
	var filters []string
	for _, v := range r.URL.Query()["type"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				filters = append(filters, f)
			}
		}
	}
	sub := a.cfg.Bus.Subscribe(1024)
	defer sub.Close()
	ctx, cancel := a.longContext(r)
	defer cancel()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": ironlocal event stream\n\n")
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	var reported uint64 // events dropped for this slow reader, already announced
	for {
		select {
		case <-ctx.Done():
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case e, ok := <-sub.C:
			if !ok {
				return
			}
			// Announce events the bus dropped because this stream fell
			// behind (of any type: some may not have matched the filter).
			if d := sub.Dropped(); d > reported {
				b, _ := json.Marshal(wire.Event{Type: wire.EventMissed, Missed: d - reported}) // always marshals
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", wire.EventMissed, b)
				reported = d
			}
			if !matches(e.Type, filters) {
				continue
			}
			b, err := json.Marshal(toWireEvent(e))
			if err != nil {
				continue
			}
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b)
		}
		flusher.Flush()
	}
}

// toWireEvent is e as the event stream writes it.
func toWireEvent(e emulator.Event) wire.Event {
	return wire.Event{Seq: e.Seq, Type: string(e.Type), At: e.At, ProjectID: e.Project, Queue: e.Queue, Cache: e.Cache,
		Key: e.Key, TaskID: e.TaskID, CodeName: e.Code, IDs: e.IDs, Attrs: e.Attrs}
}

func matches(t emulator.EventType, prefixes []string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(string(t), p) {
			return true
		}
	}
	return false
}

// handleWaitIdle blocks until the emulator is idle (200), or until
// ?timeout= (a Go duration or seconds; default 30s, at most 10m) runs out
// (408). ?push=settled also waits for pending push retries and
// acknowledgements (control.WaitPushSettled).
func (a *API) handleWaitIdle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	timeout, err := control.ParseWaitTimeout(q.Get("timeout"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	mode, err := control.ParseWaitMode(q.Get("push"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ctx, cancel := a.longContext(r)
	defer cancel()
	ctx, cancelWait := context.WithTimeout(ctx, timeout)
	defer cancelWait()
	err = a.cfg.Control.WaitIdle(ctx, mode)
	var busy *control.NotIdleError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, wire.Idle{Idle: true, Msg: "Idle"})
	case errors.As(err, &busy) && errors.Is(err, context.DeadlineExceeded):
		writeMsg(w, http.StatusRequestTimeout, fmt.Sprintf("Still busy after %s: %s", timeout, busy.Busy))
	case r.Context().Err() == nil:
		writeMsg(w, http.StatusServiceUnavailable, "ironlocal is shutting down")
	}
}

// handleSnapshotExport streams a snapshot of the whole state.
func (a *API) handleSnapshotExport(w http.ResponseWriter, r *http.Request) {
	var opts emulator.SnapshotOptions
	switch v := r.URL.Query().Get("credentials"); v {
	case "", "false", "0":
	case "true", "1":
		opts.Credentials = true
	default:
		a.writeError(w, r, emulator.Invalid("credentials must be true or false, got %q", v))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=ironlocal-%s.snapshot", time.Now().UTC().Format("20060102T150405Z")))
	if err := a.cfg.Control.ExportSnapshot(r.Context(), w, opts); err != nil {
		a.log.Error("export snapshot", "err", err) // the status line is already sent
	}
}

// handleSnapshotSave saves a snapshot by name into the snapshot directory:
// {"name":"before.snapshot","overwrite":false}.
func (a *API) handleSnapshotSave(w http.ResponseWriter, r *http.Request) {
	var body wire.SaveSnapshotBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	saved, err := a.cfg.Control.SaveSnapshot(r.Context(), body.Name, body.Overwrite)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.SavedSnapshot{Msg: "Snapshot saved", Name: saved.Name, Size: saved.Size})
}

// handleSnapshotImport replaces the whole state with the snapshot in the
// request body.
// handleSeedLoad applies a seed file (the body) on top of the current
// state: POST /_ironlocal/seed.
func (a *API) handleSeedLoad(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Seeds == nil {
		a.handleNotRouted(w, r)
		return
	}
	if err := a.cfg.Seeds.LoadSeed(r.Context(), http.MaxBytesReader(w, r.Body, seed.MaxSize+1)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("Seed is over the %d byte limit", seed.MaxSize)}
		}
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Seed loaded")
}

func (a *API) handleSnapshotImport(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Control.ImportSnapshot(r.Context(), http.MaxBytesReader(w, r.Body, limitSnapshot)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("Snapshot is over the %d byte limit", int64(limitSnapshot))}
		}
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Snapshot imported")
}
