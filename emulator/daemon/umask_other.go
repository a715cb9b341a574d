//go:build !unix

package daemon

// PrivateFiles does nothing where there is no umask (Windows: files get
// the ACL of their folder, the user's profile by default).
func PrivateFiles() {}
