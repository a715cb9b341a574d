//go:build !unix

package tcironlocal

// socketGroup cannot tell the socket's group here; use WithDockerSocketGroup.
func socketGroup(string) (string, bool) { return "", false }
