package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/wire"
)

// The test suites' ironlocal containers on the Docker engine, and tests
// paused for a look (docs/testing.md): what the desktop app's connection
// selector lists, and its "Resume test" button.

func toWireTestContainer(c emulator.TestContainer) wire.TestContainer {
	w := wire.TestContainer{ID: c.ID, Name: c.Name, Test: c.Test, StartedAt: c.StartedAt, State: c.State, URL: c.URL,
		Token: c.Token, KeepOnFailure: c.KeepOnFailure, Kept: c.Kept}
	if !c.KeptAt.IsZero() {
		w.KeptAt = &c.KeptAt
	}
	return w
}

// handleContainerList lists the test containers with the URL and token to
// attach to each; 503 without a Docker engine.
func (a *API) handleContainerList(w http.ResponseWriter, r *http.Request) {
	list, err := a.cfg.Control.TestContainers(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.TestContainerList{Containers: make([]wire.TestContainer, 0, len(list))}
	for _, c := range list {
		out.Containers = append(out.Containers, toWireTestContainer(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// handleContainerRemove removes a test container (a kept one); others are
// refused (403).
func (a *API) handleContainerRemove(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Control.RemoveTestContainer(r.Context(), r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Removed")
}

func toWirePauses(ps []control.Pause) []wire.PausedTest {
	out := make([]wire.PausedTest, 0, len(ps))
	for _, p := range ps {
		out = append(out, wire.PausedTest(p))
	}
	return out
}

// handleInspectPause announces a paused test: {"test":"TestOrders"}.
func (a *API) handleInspectPause(w http.ResponseWriter, r *http.Request) {
	var body wire.PauseBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	p, err := a.cfg.Control.PauseTest(body.Test)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PauseAnswer{Pause: wire.PausedTest(p)})
}

// handleInspectList lists the paused tests.
func (a *API) handleInspectList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.PausedList{Paused: toWirePauses(a.cfg.Control.Pauses())})
}

// handleInspectResume resumes one paused test ({id} in the path) or all.
func (a *API) handleInspectResume(w http.ResponseWriter, r *http.Request) {
	resumed, err := a.cfg.Control.ResumeTests(r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ResumedList{Resumed: toWirePauses(resumed)})
}

// handleInspectWait blocks until the paused test is resumed (200), or
// ?timeout= (as wait-idle's: default 30s, at most 10m) runs out (408).
func (a *API) handleInspectWait(w http.ResponseWriter, r *http.Request) {
	timeout, err := control.ParseWaitTimeout(r.URL.Query().Get("timeout"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ctx, cancel := a.longContext(r)
	defer cancel()
	ctx, cancelWait := context.WithTimeout(ctx, timeout)
	defer cancelWait()
	err = a.cfg.Control.WaitResumed(ctx, r.PathValue("id"))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, wire.ResumedAnswer{Msg: "Resumed", Resumed: true})
	case errors.Is(err, context.DeadlineExceeded):
		writeMsg(w, http.StatusRequestTimeout, fmt.Sprintf("Still paused after %s", timeout))
	case errors.Is(err, context.Canceled):
		if r.Context().Err() == nil {
			writeMsg(w, http.StatusServiceUnavailable, "ironlocal is shutting down")
		}
	default:
		a.writeError(w, r, err)
	}
}
