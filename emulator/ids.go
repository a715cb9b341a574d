package emulator

// IDs mints the identifiers the wire contract prescribes. Swapping the
// implementation makes ids deterministic under test.
type IDs interface {
	// ObjectID returns 24 lowercase hex characters (Mongo ObjectId style),
	// used for projects, queues, codes, tasks, schedules and alerts.
	ObjectID() string
	// ReservationID returns 32 lowercase hex characters.
	ReservationID() string
}
