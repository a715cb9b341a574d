package emulator

// Defaults shared by the daemon, seeds, `ironlocald exec`, the tasks' IRON_*
// variables and the tools. (package client and tcironlocal import nothing of
// the emulator: they repeat these values, and a test keeps them equal.)
const (
	// DefaultToken is the token ironlocal's own tools use when none is
	// configured; in permissive mode any non-empty token works.
	DefaultToken = "local-token"
	// DefaultProject is the project id used when none is given: 24 hex
	// characters, the shape the Ruby clients insist on.
	DefaultProject = "000000000000000000000001"
)

// DefaultMaxBindings bounds the trigger bindings of one project (create,
// seed and snapshot import; --max-bindings): every binding runs in a
// plugin and holds descriptors (a broker connection, a listener or an
// inotify instance), so a crafted seed of thousands must not exhaust them.
const DefaultMaxBindings = 200
