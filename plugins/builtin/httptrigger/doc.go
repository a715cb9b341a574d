// Package httptrigger is ironlocal's API gateway trigger plugin: it listens on an
// address, turns each request on a configured route into an API Gateway
// proxy event (REST API v1 or HTTP API v2 shape) and answers at once (202
// with the task id) or from the task's output like a Lambda proxy
// integration.
//
// Its listener is defended as ironlocal's API is, since a sync route
// answers with a task's output: it answers only to loopback names, its
// listen address and allow_hosts (DNS rebinding), caps its connections,
// and bounds how long a peer may take over a request head, a body and an
// idle keep-alive; CORS, when configured, follows API Gateway. Beside the
// public SDK it uses the Host rule and listener limits it shares with the
// API (internal/hostrule, internal/httplimit), which a plugin outside this
// module would copy.
package httptrigger

import "github.com/ironlocal/ironlocal/plugins/sdk"

// New returns the plugin, for sdk.Serve.
func New() sdk.Trigger { return &trigger{} }
