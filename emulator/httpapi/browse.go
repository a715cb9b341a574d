package httpapi

import (
	"net/http"

	"github.com/ironlocal/ironlocal/emulator/worker"
)

// Control-plane routes for the desktop app and test suites: what the Iron
// API lacks to see and edit everything (README "Control plane").

// handleCodeSettings changes a code package's settings in place (no new
// revision): PATCH /_ironlocal/codes/{pid}/{code_id}.
func (a *API) handleCodeSettings(w http.ResponseWriter, r *http.Request) {
	var body struct {
		MaxConcurrency  optInt            `json:"max_concurrency"`
		Retries         optInt            `json:"retries"`
		RetriesDelay    optInt            `json:"retries_delay"`
		DefaultPriority optInt            `json:"default_priority"`
		EnvVars         map[string]string `json:"env_vars"`
		Memory          optInt            `json:"memory"`
		CPUs            *float64          `json:"cpus"`
	}
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	cs := worker.CodeSettings{MaxConcurrency: body.MaxConcurrency.ptr(), Retries: body.Retries.ptr(),
		RetriesDelay: body.RetriesDelay.ptr(), DefaultPriority: body.DefaultPriority.ptr(), EnvVars: body.EnvVars,
		CPUs: body.CPUs}
	if m := body.Memory.ptr(); m != nil {
		mb := int64(*m)
		cs.MemoryMB = &mb
	}
	code, err := a.cfg.Worker.UpdateCodeSettings(r.Context(), r.PathValue("pid"), r.PathValue("code_id"), cs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireCode(code))
}
