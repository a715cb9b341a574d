package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator/fault"
	"github.com/ironlocal/ironlocal/wire"
)

// injectFault applies a matching fault rule: it waits the rule's latency
// and, when the rule has a status, answers with it. It reports whether the
// request was answered.
func (a *API) injectFault(w http.ResponseWriter, r *http.Request) bool {
	if a.injectChaos(w, r) {
		return true
	}
	if !a.cfg.Faults.Active() {
		return false // the common case: describing the request costs more than the rest of the check
	}
	rule, ok := a.cfg.Faults.Match(faultRequest(r))
	if !ok {
		return false
	}
	if rule.Latency > 0 {
		t := time.NewTimer(rule.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	if rule.Status == 0 {
		return false
	}
	writeMsg(w, rule.Status, rule.Msg)
	return true
}

// faultRequest describes an Iron API request for rule matching: the service
// from the version prefix, the project, and the queue/cache/code name.
func faultRequest(r *http.Request) fault.Request {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	req := fault.Request{Method: r.Method}
	if len(parts) < 3 || parts[1] != "projects" {
		return req
	}
	req.Service = map[string]string{"1": "cache", "2": "worker", "3": "mq"}[parts[0]]
	req.Project = parts[2]
	if len(parts) >= 4 {
		switch parts[3] {
		case "queues", "caches":
			if len(parts) >= 5 {
				req.Resource = parts[4]
			}
		case "tasks": // GET /tasks?code_name=…
			req.Resource = r.URL.Query().Get("code_name")
		}
	}
	return req
}

func toWireFault(r fault.Rule) wire.Fault {
	out := wire.Fault{ID: r.ID, Service: r.Service, ProjectID: r.Project, Resource: r.Resource, Method: r.Method,
		Status: r.Status, Msg: r.Msg, Times: r.Times, Hits: r.Hits}
	if r.Latency > 0 {
		out.Latency = r.Latency.String()
	}
	return out
}

func (a *API) handleFaultsList(w http.ResponseWriter, r *http.Request) {
	rules := a.cfg.Control.Faults()
	out := make([]wire.Fault, len(rules))
	for i, rule := range rules {
		out[i] = toWireFault(rule)
	}
	writeJSON(w, http.StatusOK, wire.FaultList{Faults: out})
}

// handleFaultAdd installs a rule: {"service":"mq","resource":"jobs",
// "method":"POST","status":503,"latency":"200ms","times":3}.
func (a *API) handleFaultAdd(w http.ResponseWriter, r *http.Request) {
	var body wire.FaultBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	rule := fault.Rule{Service: body.Service, Project: body.ProjectID, Resource: body.Resource,
		Method: strings.ToUpper(body.Method), Status: body.Status.V, Msg: body.Msg, Times: body.Times.V}
	if body.Latency != "" {
		d, err := time.ParseDuration(body.Latency)
		if err != nil {
			a.writeError(w, r, badRequest(fmt.Sprintf("latency must be a duration such as \"250ms\": %v", err)))
			return
		}
		rule.Latency = d
	}
	added, err := a.cfg.Control.AddFault(rule)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.FaultAdded{Fault: toWireFault(added), Msg: "Fault added"})
}

func (a *API) handleFaultsClear(w http.ResponseWriter, r *http.Request) {
	a.cfg.Control.ClearFaults()
	writeMsg(w, http.StatusOK, "Faults cleared")
}

func (a *API) handleFaultDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Control.RemoveFault(r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}
