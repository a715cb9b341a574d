package server

import "time"

// Connection limits (docs/security.md), applied by package httplimit. A
// peer that opens thousands of idle keep-alive connections must not starve
// /version or the control plane: past the cap, the longest-idle connection
// is closed to make room, and only when every connection is busy is a new
// one turned away.
const (
	// DefaultMaxConnections caps open connections; the file-descriptor
	// limit lowers it further (leaving room for the store and the runtime).
	DefaultMaxConnections = 4096
	// idleTimeout closes keep-alive connections nobody uses.
	idleTimeout = 90 * time.Second
	// bodyIdleTimeout ends a request whose body stops arriving (slowloris);
	// it is an inactivity limit, so large snapshot imports still stream.
	bodyIdleTimeout = 30 * time.Second
)
