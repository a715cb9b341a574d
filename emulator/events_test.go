package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestBus_SubscribeToTypes(t *testing.T) {
	bus := emulator.NewBus()
	all := bus.Subscribe(8)
	defer all.Close()
	resets := bus.Subscribe(1, emulator.EventStateReset, emulator.EventStateImported)
	defer resets.Close()

	for _, typ := range []emulator.EventType{emulator.EventMessagesPosted, emulator.EventStateReset,
		emulator.EventMessagesDeleted, emulator.EventStateImported} {
		bus.Publish(emulator.Event{Type: typ})
	}
	got := func(s *emulator.Subscription) (types []emulator.EventType) {
		for {
			select {
			case e := <-s.C:
				types = append(types, e.Type)
			default:
				return types
			}
		}
	}
	require.Equal(t, []emulator.EventType{emulator.EventMessagesPosted, emulator.EventStateReset,
		emulator.EventMessagesDeleted, emulator.EventStateImported}, got(all))
	// Its buffer of one took the reset, and the import found it full: the
	// events of other types neither took the room nor count as dropped.
	require.Equal(t, []emulator.EventType{emulator.EventStateReset}, got(resets))
	require.Equal(t, uint64(1), resets.Dropped())
	require.Zero(t, all.Dropped())
}
