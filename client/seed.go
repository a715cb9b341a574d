package client

import "github.com/ironlocal/ironlocal/wire"

// Seed files: the JSON that ironlocald --seed, server.Options.Seed and
// tcironlocal.WithSeed load into an empty store, declared in package wire
// (the emulator parses the same types).
type (
	Seed              = wire.Seed
	SeedQueue         = wire.SeedQueue
	SeedMessage       = wire.SeedMessage
	SeedCache         = wire.SeedCache
	SeedItem          = wire.SeedItem
	SeedCode          = wire.SeedCode
	SeedSchedule      = wire.SeedSchedule
	SeedTrigger       = wire.SeedTrigger
	SeedTriggerAction = wire.SeedTriggerAction
)

// SeedVersion is the seed format version a file names in "ironlocal_seed".
const SeedVersion = wire.SeedVersion
