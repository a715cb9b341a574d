package emulator

// DecodeFailures summarises the stored records a store skipped because they
// did not decode (a damaged data directory, an index entry pointing at a
// missing record): reads leave them out instead of failing, and
// /_ironlocal/health reports them.
type DecodeFailures struct {
	// Count is the number of distinct records skipped.
	Count int
	// Examples describe the first few (bounded): the key, quoted and cut
	// short, and why it was skipped.
	Examples []string
}

// StagedSnapshot is a snapshot read and checked in full, ready to replace
// a store's contents: nothing has changed yet, so a caller can stop what
// must stop only once the snapshot is known to be good. Close discards it,
// applied or not.
type StagedSnapshot interface {
	// Apply replaces the store's contents with the snapshot.
	Apply() error
	Close() error
}
