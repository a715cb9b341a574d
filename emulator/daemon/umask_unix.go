//go:build unix

package daemon

import "syscall"

// PrivateFiles makes every file and folder this process creates from now
// on private to its user (umask 077). The store's files hold every payload,
// message and cache value, and Badger (through ristretto) creates its
// tables and value logs with mode 0666, which the usual umask 022 leaves
// readable by every local user, also in a data directory the user made
// world-readable. Only the mains call it: the umask is the whole process's.
// Child processes (plugins, tasks of the process runtime) inherit it.
func PrivateFiles() { syscall.Umask(0o077) }
