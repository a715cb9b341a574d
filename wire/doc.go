// Package wire is the one declaration of ironlocal's JSON: the bodies of
// the Iron routes (IronWorker v2, IronMQ v3, IronCache v1) and of the
// /_ironlocal control plane, as the server (emulator/httpapi) encodes them
// and the Go client (client) decodes them. Field names, types, omitempty
// and the order of fields are the wire contract (spec/iron-api.md): a
// change here changes what every Iron client sees.
//
// Times on Iron routes are Time (RFC 3339 in UTC with exactly three
// fractional digits, omitted when zero); the control plane's times are
// time.Time at full precision. The package imports only the standard
// library.
package wire
