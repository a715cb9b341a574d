// Package httptrigger is ironlocal's API gateway trigger plugin: it listens on an
// address, turns each request on a configured route into an API Gateway
// proxy event (REST API v1 or HTTP API v2 shape) and answers at once (202
// with the task id) or from the task's output like a Lambda proxy
// integration. It uses only the public SDK.
package httptrigger

import "github.com/ironlocal/ironlocal/plugins/sdk"

// New returns the plugin, for sdk.Serve.
func New() sdk.Trigger { return &trigger{} }
