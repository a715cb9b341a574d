//go:build !unix

package httplimit

// fdLimit is unknown off Unix; the connection cap applies as configured.
func fdLimit() int { return 0 }
