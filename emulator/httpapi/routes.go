package httpapi

// routes lists every path the emulator serves; it reads like the upstream
// API reference (spec §2, §4) plus the control plane.
func (a *API) routes() {
	m := a.mux
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

	// Control plane (README "Control plane").
	m.HandleFunc("GET /_ironlocal/health", a.handleHealth)
	m.HandleFunc("POST /_ironlocal/reset", a.handleReset)
	m.HandleFunc("GET /_ironlocal/clock", a.handleClockGet)
	m.HandleFunc("POST /_ironlocal/clock", a.handleClockAdvance)
	m.HandleFunc("GET /_ironlocal/events", a.handleEvents)
}
