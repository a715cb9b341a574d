// Package httpapi serves the Iron wire API (IronMQ v3, IronCache v1, and
// later IronWorker v2) and the /_ironlocal control plane on one listener.
//
// A handler parses path values, decodes a size-limited wire struct, calls one
// service method and encodes a wire struct. Rules live in the services; the
// transport quirks of spec §1.3/§1.4 (method override, bodies on GET, exact
// Content-Type, JSON 404/405) live here.
package httpapi
