// Package server is ironlocal's composition root: it opens the store, builds
// the services, binds the listener and owns every background goroutine.
// Start returns once the listener is bound; Close shuts down in reverse order
// (HTTP, background loops, store).
package server
