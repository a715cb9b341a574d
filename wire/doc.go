// Package wire is the one declaration of ironlocal's JSON, in both
// directions: the bodies of the Iron routes (IronWorker v2, IronMQ v3,
// IronCache v1), of the /_ironlocal control plane and of its event stream
// (Event), as the server (emulator/httpapi) writes and reads them and the
// Go client (client) reads and writes them. Field names, types, omitempty
// and the order of fields are the wire contract (spec/iron-api.md): a
// change here changes what every Iron client sees.
//
// Answers are plain structs (Task, Queue, Item, …). Requests are …Body
// structs (TaskBody, QueueSettingsBody, ItemBody, …) whose optional
// scalars (OptInt, OptTime, OptCAS in opt.go) read leniently, as the
// official clients write — floats and nulls for integers, several time
// formats, a cas as a number or a string — and remember whether they were
// given; the server decodes these. The Go-friendly request types the
// client takes (NewTask, NewSchedule, ScheduleUpdate, QueueSettings,
// NewMessage, ItemPut, …) carry no JSON of their own: each encodes
// through its Body (Wire method), so every key is declared once.
//
// The hot routes' answers and bodies also have hand-written JSON of their
// own, held to encoding/json's by tests and fuzzers: AppendJSON on the
// answers (appendjson.go), ScanJSON on the bodies, for the plain form
// clients send (scanjson.go).
//
// Times on Iron routes are Time (RFC 3339 in UTC with exactly three
// fractional digits, omitted when zero); the control plane's times are
// time.Time at full precision. The package imports only the standard
// library.
package wire
