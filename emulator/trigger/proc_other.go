//go:build !linux

package trigger

import "os/exec"

// tieToHost does nothing here: plugins built on the SDK exit on their own
// once ironlocal is gone (sdk.Serve watches its parent).
func tieToHost(*exec.Cmd) {}
