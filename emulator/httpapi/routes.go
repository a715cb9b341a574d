package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// routes lists every path the emulator serves; it reads like the upstream
// API reference (spec §2, §4) plus the control plane.
func (a *API) routes() {
	m := router{a}
	m.HandleFunc("/", a.handleNotRouted)
	m.HandleFunc("GET /version", a.handleVersion)

	// IronMQ v3 (spec §2.2).
	const q = "/3/projects/{pid}/queues"
	m.HandleFunc("GET "+q, a.handleQueueList)
	m.HandleFunc("GET "+q+"/{queue}", a.handleQueueGet)
	m.HandleFunc("PUT "+q+"/{queue}", a.handleQueuePut)
	m.HandleFunc("PATCH "+q+"/{queue}", a.handleQueuePut)
	m.HandleFunc("DELETE "+q+"/{queue}", a.handleQueueDelete)
	m.HandleFunc("POST "+q+"/{queue}/messages", a.handleMessagesPost)
	m.HandleFunc("POST "+q+"/{queue}/webhook", a.handleMessagesWebhook)
	m.HandleFunc("POST "+q+"/{queue}/reservations", a.handleMessagesReserve)
	m.HandleFunc("GET "+q+"/{queue}/messages", a.handleMessagesPeek)
	m.HandleFunc("DELETE "+q+"/{queue}/messages", a.handleMessagesDeleteOrClear)
	m.HandleFunc("GET "+q+"/{queue}/messages/{id}", a.handleMessageGet)
	m.HandleFunc("DELETE "+q+"/{queue}/messages/{id}", a.handleMessageDelete)
	m.HandleFunc("POST "+q+"/{queue}/messages/{id}/touch", a.handleMessageTouch)
	m.HandleFunc("POST "+q+"/{queue}/messages/{id}/release", a.handleMessageRelease)
	m.HandleFunc("GET "+q+"/{queue}/messages/{id}/subscribers", a.handlePushStatuses)
	m.HandleFunc("POST "+q+"/{queue}/subscribers", a.handleSubscribers)
	m.HandleFunc("PUT "+q+"/{queue}/subscribers", a.handleSubscribers)
	m.HandleFunc("DELETE "+q+"/{queue}/subscribers", a.handleSubscribers)
	m.HandleFunc("POST "+q+"/{queue}/alerts", a.handleAlerts)
	m.HandleFunc("PUT "+q+"/{queue}/alerts", a.handleAlerts)
	m.HandleFunc("DELETE "+q+"/{queue}/alerts", a.handleAlertsDelete)
	m.HandleFunc("DELETE "+q+"/{queue}/alerts/{alert_id}", a.handleAlertsDelete)

	// IronCache v1 (spec §4).
	const c = "/1/projects/{pid}/caches"
	m.HandleFunc("GET /1/projects/{pid}", a.handleProjectGet)
	m.HandleFunc("GET "+c, a.handleCacheList)
	m.HandleFunc("GET "+c+"/{cache}", a.handleCacheGet)
	m.HandleFunc("DELETE "+c+"/{cache}", a.handleCacheDelete)
	m.HandleFunc("POST "+c+"/{cache}/clear", a.handleCacheClear)
	m.HandleFunc("PUT "+c+"/{cache}/items/{key}", a.handleItemPut)
	m.HandleFunc("GET "+c+"/{cache}/items/{key}", a.handleItemGet)
	m.HandleFunc("DELETE "+c+"/{cache}/items/{key}", a.handleItemDelete)
	m.HandleFunc("POST "+c+"/{cache}/items/{key}/increment", a.handleItemIncrement)

	// IronWorker v2 (spec §3.1).
	const wk = "/2/projects/{pid}"
	m.HandleFunc("GET "+wk, a.handleWorkerProject)
	m.HandleFunc("GET /2/stacks", a.handleStacks)
	m.HandleFunc(credentialsRoute, a.handleCredentials)
	m.HandleFunc("GET "+wk+"/codes", a.handleCodeList)
	m.HandleFunc("POST "+wk+"/codes", a.handleCodeUpload)
	m.HandleFunc("GET "+wk+"/codes/{code_id}", a.handleCodeGet)
	m.HandleFunc("DELETE "+wk+"/codes/{code_id}", a.handleCodeDelete)
	m.HandleFunc("GET "+wk+"/codes/{code_id}/revisions", a.handleCodeRevisions)
	m.HandleFunc("GET "+wk+"/codes/{code_id}/download", a.handleCodeDownload)
	m.HandleFunc("GET "+wk+"/codes/{code_id}/stats", a.handleCodeStats)
	m.HandleFunc("POST "+wk+"/codes/{code_id}/pause_task_queue", a.handleCodePause)
	m.HandleFunc("POST "+wk+"/codes/{code_id}/resume_task_queue", a.handleCodeResume)
	m.HandleFunc("POST "+wk+"/codes/{code_id}/cancel_all", a.handleCodeCancelAll)
	m.HandleFunc("GET "+wk+"/tasks", a.handleTaskList)
	m.HandleFunc("POST "+wk+"/tasks", a.handleTasksQueue)
	m.HandleFunc("POST "+wk+"/tasks/webhook", a.handleTaskWebhook)
	m.HandleFunc("GET "+wk+"/tasks/{task_id}", a.handleTaskGet)
	m.HandleFunc("GET "+wk+"/tasks/{task_id}/log", a.handleTaskLog)
	m.HandleFunc("GET "+wk+"/tasks/{task_id}/outlog", a.handleTaskOutlog)
	m.HandleFunc("POST "+wk+"/tasks/{task_id}/cancel", a.handleTaskCancel)
	m.HandleFunc("POST "+wk+"/tasks/{task_id}/progress", a.handleTaskProgress)
	m.HandleFunc("POST "+wk+"/tasks/{task_id}/retry", a.handleTaskRetry)
	m.HandleFunc("GET "+wk+"/schedules", a.handleScheduleList)
	m.HandleFunc("POST "+wk+"/schedules", a.handleSchedulesCreate)
	m.HandleFunc("GET "+wk+"/schedules/{schedule_id}", a.handleScheduleGet)
	m.HandleFunc("PUT "+wk+"/schedules/{schedule_id}", a.handleScheduleUpdate)
	m.HandleFunc("POST "+wk+"/schedules/{schedule_id}/cancel", a.handleScheduleCancel)

	// Control plane (docs/control-plane.md).
	m.HandleFunc("POST /_ironlocal/schedules/{pid}/{schedule_id}/run", a.handleScheduleRun)
	m.HandleFunc("POST /_ironlocal/schedules/{pid}/preview", a.handleSchedulePreview)
	m.HandleFunc("PATCH /_ironlocal/codes/{pid}/{code_id}", a.handleCodeSettings)
	m.HandleFunc("PUT /_ironlocal/codes/{pid}/{name}/link", a.handleCodeLink)
	m.HandleFunc("DELETE /_ironlocal/codes/{pid}/{name}/link", a.handleCodeUnlink)
	m.HandleFunc("GET /_ironlocal/projects", a.handleProjects)
	m.HandleFunc("GET /_ironlocal/stats", a.handleStats)
	m.HandleFunc("GET /_ironlocal/queues/{pid}", a.handleQueueBrowse)
	m.HandleFunc("GET /_ironlocal/queues/{pid}/{queue}/messages", a.handleMessageBrowse)
	m.HandleFunc("POST /_ironlocal/queues/{pid}/{queue}/redrive", a.handleRedrive)
	m.HandleFunc("GET /_ironlocal/caches/{pid}/{cache}/items", a.handleItemBrowse)
	m.HandleFunc("GET /_ironlocal/tasks/{pid}", a.handleTaskBrowse)
	m.HandleFunc("GET /_ironlocal/tasks/{pid}/{task_id}/log", a.handleTaskLogSoFar)
	m.HandleFunc("GET /_ironlocal/tasks/{pid}/{task_id}/activity", a.handleTaskActivity)
	m.HandleFunc("POST /_ironlocal/tasks/{pid}/{task_id}/debug", a.handleTaskDebugAgain)
	m.HandleFunc("POST /_ironlocal/tasks/{pid}/bulk", a.handleTaskBulk)
	m.HandleFunc("GET /_ironlocal/wait-idle", a.handleWaitIdle)
	m.HandleFunc("GET /_ironlocal/snapshot", a.handleSnapshotExport)
	m.HandleFunc("POST /_ironlocal/snapshot", a.handleSnapshotSave)
	m.HandleFunc("PUT /_ironlocal/snapshot", a.handleSnapshotImport)
	m.HandleFunc("POST /_ironlocal/seed", a.handleSeedLoad)
	m.HandleFunc("GET /_ironlocal/journal", a.handleJournal)
	m.HandleFunc("GET /_ironlocal/chaos", a.handleChaosGet)
	m.HandleFunc("POST /_ironlocal/chaos", a.handleChaosStart)
	m.HandleFunc("DELETE /_ironlocal/chaos", a.handleChaosStop)
	m.HandleFunc("GET /_ironlocal/faults", a.handleFaultsList)
	m.HandleFunc("POST /_ironlocal/faults", a.handleFaultAdd)
	m.HandleFunc("DELETE /_ironlocal/faults", a.handleFaultsClear)
	m.HandleFunc("DELETE /_ironlocal/faults/{id}", a.handleFaultDelete)
	m.HandleFunc("GET /_ironlocal/health", a.handleHealth)
	m.HandleFunc("POST /_ironlocal/reset", a.handleReset)
	m.HandleFunc("GET /_ironlocal/clock", a.handleClockGet)
	m.HandleFunc("GET /_ironlocal/upcoming", a.handleUpcoming)
	m.HandleFunc("GET /_ironlocal/settings", a.handleSettings)
	m.HandleFunc("POST /_ironlocal/clock", a.handleClockAdvance)
	m.HandleFunc("GET /_ironlocal/events", a.handleEvents)
	m.HandleFunc("GET /_ironlocal/plugins", a.handlePluginList)
	m.HandleFunc("GET /_ironlocal/triggers", a.handleTriggerList)
	m.HandleFunc("POST /_ironlocal/triggers", a.journalTo(a.handleTriggerCreate))
	m.HandleFunc("GET /_ironlocal/triggers/{id}", a.handleTriggerGet)
	m.HandleFunc("PATCH /_ironlocal/triggers/{id}", a.journalTo(a.handleTriggerPatch))
	m.HandleFunc("DELETE /_ironlocal/triggers/{id}", a.journalTo(a.handleTriggerDelete))
	m.HandleFunc(fireRoute, a.journalTo(a.handleTriggerFire))
	m.HandleFunc("GET /_ironlocal/triggers/{id}/events", a.handleTriggerEvents)
	m.HandleFunc("POST /_ironlocal/triggers/{id}/events/{event_id}/replay", a.handleTriggerReplay)
	m.HandleFunc("GET /_ironlocal/containers", a.handleContainerList)
	m.HandleFunc("DELETE /_ironlocal/containers/{id}", a.handleContainerRemove)
	m.HandleFunc("GET /_ironlocal/inspect", a.handleInspectList)
	m.HandleFunc("POST /_ironlocal/inspect", a.handleInspectPause)
	m.HandleFunc("POST /_ironlocal/inspect/resume", a.handleInspectResume)
	m.HandleFunc("POST /_ironlocal/inspect/{id}/resume", a.handleInspectResume)
	m.HandleFunc("GET /_ironlocal/inspect/{id}/wait", a.handleInspectWait)
	a.pprofRoutes(m)
}

// Routes lists the patterns the API serves ("GET /version", …) in the
// order routes registers them, the catch-all "/" first. internal/docgen
// writes docs/control-plane.md's route table from it.
func (a *API) Routes() []string { return slices.Clone(a.patterns) }

// router registers routes on the API's mux, wrapping the Iron API routes
// (/1, /2, /3) with authentication and fault injection, and the control
// plane with strict mode's token check. (Every route, /version included,
// is behind the Guard in ServeHTTP.)
type router struct{ a *API }

func (rt router) HandleFunc(pattern string, h http.HandlerFunc) {
	rt.a.patterns = append(rt.a.patterns, pattern)
	_, path, _ := strings.Cut(pattern, " ")
	switch {
	case isIronPath(path):
		h = rt.a.iron(h)
	case strings.HasPrefix(path, "/_ironlocal/"):
		h = rt.a.controlPlane(h)
	}
	rt.a.mux.HandleFunc(pattern, h)
}
