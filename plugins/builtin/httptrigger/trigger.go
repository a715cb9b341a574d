package httptrigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ironlocal/ironlocal/internal/hostrule"
	"github.com/ironlocal/ironlocal/internal/httplimit"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

type trigger struct{}

func (*trigger) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name: "http", Version: version,
		Description:  "API gateway: requests on configured routes become API Gateway proxy events (v1 or v2), answered async (202) or from the task's output",
		EventTypes:   []string{eventV1, eventV2},
		ConfigSchema: json.RawMessage(schema),
		Samples:      samples(),
	}, nil
}

func (*trigger) Validate(_ context.Context, raw json.RawMessage) error {
	_, err := parseConfig(raw)
	return err
}

// Run serves the routes until ctx ends.
func (*trigger) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	c, err := parseConfig(b.Config)
	if err != nil {
		return err
	}
	for _, r := range c.Routes {
		if r.Mode == "sync" && b.Action != sdk.ActionTask {
			return fmt.Errorf("route %s is sync: it needs a task action to answer from, not %q", r.routeKey(), b.Action)
		}
	}
	g := &gateway{cfg: c, host: host, emit: emit}
	mux, err := newMux(c, func(r route) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { g.serve(w, req, r) })
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Listen, err)
	}
	addr := ln.Addr().String()
	g.hosts = hostrule.Rule{Hosts: c.AllowHosts}.WithListener(c.Listen, ln.Addr())
	// The plugin process needs few descriptors of its own (its gRPC link
	// to the host); the cap leaves those free.
	conns := httplimit.NewListener(ln, httplimit.FitFDs(c.MaxConnections, 64), refusedLog(b.ID, c.MaxConnections))
	srv := &http.Server{
		Handler:           httplimit.BodyProgress(g.front(g.notFound(mux)), ms(c.BodyTimeoutMS)),
		ReadHeaderTimeout: ms(c.ReadHeaderTimeoutMS),
		IdleTimeout:       ms(c.IdleTimeoutMS),
		ConnState:         conns.Track,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(conns) }()
	_ = host.SetStatus(ctx, "listening on http://"+addr, map[string]string{"address": addr, "url": "http://" + addr})
	select {
	case <-ctx.Done():
		conns.CloseUnused()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", addr, err)
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

type gateway struct {
	cfg   config
	hosts hostrule.Rule // the Host header values answered
	host  sdk.Host
	emit  sdk.Emitter
}

// notFound answers requests no route matches as API Gateway does, and
// records them as filtered events so the trace shows why nothing ran.
func (g *gateway) notFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, pattern := mux.Handler(req); pattern != "" {
			mux.ServeHTTP(w, req)
			return
		}
		payload, _ := json.Marshal(map[string]string{"method": req.Method, "path": req.URL.Path})
		_, _ = g.emit.Emit(req.Context(), sdk.Event{Type: g.eventType(), Payload: payload,
			Attrs:    map[string]string{"method": req.Method, "path": req.URL.Path},
			Filtered: fmt.Sprintf("no route matches %s %s", req.Method, req.URL.Path)})
		writeJSON(w, http.StatusNotFound, nil, map[string]string{"message": "Not Found"})
	})
}

func (g *gateway) eventType() string {
	if g.cfg.Format == "v2" {
		return eventV2
	}
	return eventV1
}

func (g *gateway) serve(w http.ResponseWriter, req *http.Request, r route) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, g.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, nil, map[string]string{"message": "Request Entity Too Large"})
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The body stopped arriving for body_timeout_ms.
			writeJSON(w, http.StatusRequestTimeout, nil, map[string]string{"message": "Request Timeout"})
			return
		}
		writeJSON(w, http.StatusBadRequest, nil, map[string]string{"message": "could not read the request body"})
		return
	}
	requestID := sdk.NewEventID()
	now := time.Now().UTC()
	var payload any
	if g.cfg.Format == "v2" {
		payload = eventV2Payload(g.cfg, r, req, body, requestID, now)
	} else {
		payload = eventV1Payload(g.cfg, r, req, body, requestID, now)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, nil, map[string]string{"message": "Internal server error"})
		return
	}
	ctx := req.Context()
	out, err := g.emit.EmitWait(ctx, sdk.Event{ID: requestID, Type: g.eventType(), Payload: raw, At: now, Concurrent: true,
		Attrs: map[string]string{"method": req.Method, "path": req.URL.Path, "route": r.routeKey(), "mode": r.Mode}})
	if err != nil {
		writeJSON(w, http.StatusBadGateway, nil, map[string]string{"message": "the trigger host did not take the request: " + err.Error()})
		return
	}
	if out.Outcome != sdk.OutcomeMatched {
		writeJSON(w, http.StatusBadGateway, nil, map[string]string{"message": out.Reason})
		return
	}
	hdr := map[string]string{"X-Ironlocal-Event-Id": requestID}
	if out.TaskID != "" {
		hdr["X-Ironlocal-Task-Id"] = out.TaskID
	}
	if r.Mode != "sync" {
		writeJSON(w, http.StatusAccepted, hdr, map[string]any{"task_id": out.TaskID, "message_ids": out.MessageIDs,
			"event_id": requestID})
		return
	}
	wctx, cancel := context.WithTimeout(ctx, time.Duration(r.TimeoutMS)*time.Millisecond)
	defer cancel()
	res, err := g.host.WaitTask(wctx, out.TaskID)
	// The host ends the wait at the same deadline, and its end can arrive
	// before wctx's own timer has fired: both are the route's timeout.
	timedOut := wctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	switch {
	case err != nil && !timedOut:
		writeJSON(w, http.StatusBadGateway, hdr, map[string]string{"message": "wait for the task: " + err.Error()})
	case err != nil || !res.Done:
		writeJSON(w, http.StatusGatewayTimeout, hdr, map[string]string{"message": "Endpoint request timed out"})
	case !res.Succeeded():
		writeJSON(w, http.StatusBadGateway, hdr, map[string]string{"message": "Internal server error",
			"task_status": res.Status})
	default:
		writeProxyResponse(w, hdr, g.cfg.Format, res.Output)
	}
}

func writeJSON(w http.ResponseWriter, status int, hdr map[string]string, v any) {
	for k, val := range hdr {
		w.Header().Set(k, val)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
