// Package copycode renders one Iron API request — the one a form or a
// selected object of the desktop app represents — as code a developer can
// paste and run against ironlocal: a curl command line, a Go program using
// Iron.io's Go client iron_go3, and a Python 3 program using only the
// standard library.
//
// A Request is built by one constructor per call (PostMessage, PutItem,
// QueueTask …) from the client package's own types, so the JSON a
// rendering sends is the JSON the app itself would send. Renderings are
// complete and self-contained: they name the connection (base URL, token,
// project) inline and run as they are. The package holds no widgets; the
// app's "Copy as…" menu puts its output on the clipboard.
package copycode
