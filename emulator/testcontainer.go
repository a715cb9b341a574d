package emulator

import "time"

// Labels and files by which the ironlocal containers of test suites
// (tcironlocal) are found on a Docker engine. tcironlocal sets them when it
// creates a container; labels cannot change afterwards, so a container left
// running after its test failed says so with KeptMarker.
const (
	// LabelTestContainer ("1") marks a container tcironlocal started.
	LabelTestContainer = "ironlocal.tc"
	// LabelTestName is the test that started it (WithTestName), if given.
	LabelTestName = "ironlocal.tc.test"
	// LabelTestStarted is when it was created (RFC 3339).
	LabelTestStarted = "ironlocal.tc.started"
	// LabelTestPort is ironlocald's API port inside it ("4766/tcp").
	LabelTestPort = "ironlocal.tc.port"
	// LabelTestKeep is "on-failure" when the container stays running if
	// its test fails (WithKeepOnFailure).
	LabelTestKeep = "ironlocal.tc.keep"
	// KeepOnFailure is LabelTestKeep's value.
	KeepOnFailure = "on-failure"
	// KeptMarker is the file tcironlocal writes into a container it leaves
	// running because its test failed.
	KeptMarker = "/.ironlocal-kept"
	// TokenEnv is the environment variable of the container's
	// configuration that holds ironlocald's tokens (comma-separated).
	TokenEnv = "IRONLOCAL_TOKEN"
)

// TestContainer is an ironlocal container started by a test suite, as found
// on the Docker engine, with what it takes to attach to it.
type TestContainer struct {
	ID   string
	Name string
	// Test is the test's name (LabelTestName), "" if not given.
	Test      string
	StartedAt time.Time
	// State is the engine's: running, exited, paused …
	State string
	// URL reaches ironlocal's API from the Docker host ("http://IP:port",
	// the published port on its host address); "" when not published.
	URL string
	// Token is the first token of the container's IRONLOCAL_TOKEN; "" when
	// auth is permissive (any non-empty token works).
	Token string
	// KeepOnFailure is true when the container stays if its test fails;
	// Kept once it did (its test failed and ended), at KeptAt.
	KeepOnFailure bool
	Kept          bool
	KeptAt        time.Time
}
