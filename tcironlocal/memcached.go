package tcironlocal

import (
	"context"
	"errors"
	"fmt"
)

// MemcachedPort is the port of ironlocal's memcached listener in the
// container (see WithMemcached).
const MemcachedPort = "11211/tcp"

const memcachedListen = "0.0.0.0:11211"

// WithMemcached also serves IronCache over the memcached text protocol
// (--memcached-listen), published like the API port; MemcachedEndpoint
// says where. A client first sends `set oauth 0 0 <len>` with
// "<token> <project_id> <cache>" (the container's Token and ProjectID in
// strict mode), then works on that cache's items.
func WithMemcached() Option {
	return func(o *options) error {
		o.memcached = true
		return nil
	}
}

// ErrNoMemcached is returned by MemcachedEndpoint when the container was
// started without WithMemcached.
var ErrNoMemcached = errors.New("ironlocal: the memcached listener is off: start the container WithMemcached()")

// MemcachedEndpoint is the host:port of the memcached listener as this
// process reaches it.
func (c *Container) MemcachedEndpoint(ctx context.Context) (string, error) {
	if !c.memcached {
		return "", ErrNoMemcached
	}
	ep, err := c.PortEndpoint(ctx, MemcachedPort, "")
	if err != nil {
		return "", fmt.Errorf("ironlocal memcached endpoint: %w", err)
	}
	return ep, nil
}
