package emulator

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// EventType names a domain event. Values are dotted, resource first.
type EventType string

const (
	EventQueueCreated         EventType = "queue.created"
	EventQueueUpdated         EventType = "queue.updated"
	EventQueueDeleted         EventType = "queue.deleted"
	EventQueueCleared         EventType = "queue.cleared"
	EventMessagesPosted       EventType = "messages.posted"
	EventMessagesReserved     EventType = "messages.reserved"
	EventMessagesDeleted      EventType = "messages.deleted"
	EventMessageReleased      EventType = "message.released"
	EventMessageTouched       EventType = "message.touched"
	EventMessagesExpired      EventType = "messages.expired"
	EventPushAttempt          EventType = "push.attempt"
	EventPushAcknowledged     EventType = "push.acknowledged"
	EventMessagesDeadLettered EventType = "messages.dead_lettered"
	EventAlertFired           EventType = "alert.fired"
	EventCacheItemStored      EventType = "cache.item_stored"
	EventCacheItemDeleted     EventType = "cache.item_deleted"
	EventCacheCleared         EventType = "cache.cleared"
	EventCacheDeleted         EventType = "cache.deleted"
	EventCodeUploaded         EventType = "code.uploaded"
	EventCodeUpdated          EventType = "code.updated"
	EventCodeDeleted          EventType = "code.deleted"
	EventTaskQueued           EventType = "task.queued"
	EventTaskRunning          EventType = "task.running"
	EventTaskFinished         EventType = "task.finished"
	EventTaskLog              EventType = "task.log"
	EventTaskProgress         EventType = "task.progress"
	// A debug task's debugger is reachable; Attrs: address.
	EventTaskDebugging EventType = "task.debugging"
	// A project logged in to an image registry; Attrs: registry, username.
	EventCredentialsAdded EventType = "credentials.added"
	EventScheduleCreated  EventType = "schedule.created"
	EventScheduleUpdated  EventType = "schedule.updated"
	EventScheduleFired    EventType = "schedule.fired"
	EventStateReset       EventType = "state.reset"
	EventStateImported    EventType = "state.imported"
	EventClockChanged     EventType = "clock.changed"
	// A test paused the emulator's user for a look (tcironlocal's
	// Inspect), and was resumed; Attrs: id, test.
	EventTestPaused  EventType = "test.paused"
	EventTestResumed EventType = "test.resumed"
)

// Event is one state change. Only the fields that apply are set; Attrs holds
// anything type-specific (counts, statuses). The event stream writes it as
// wire.Event.
type Event struct {
	Seq     uint64
	Type    EventType
	At      time.Time
	Project string
	Queue   string
	Cache   string
	Key     string
	TaskID  string
	Code    string // code_name
	IDs     []string
	Attrs   map[string]any
}

// Publisher is what services need from the bus.
type Publisher interface {
	Publish(Event)
}

// Bus is the in-process event bus. Publish never blocks: a subscriber whose
// buffer is full misses the event and its Dropped count grows, so a slow
// consumer (a stalled SSE client, a busy GUI) cannot stall a service.
type Bus struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
	seq  atomic.Uint64
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: make(map[*Subscription]struct{})} }

// Subscription receives events on C until Close.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	bus     *Bus
	dropped atomic.Uint64
	once    sync.Once
	// types, when not empty, are the only event types it receives.
	types []EventType
}

// Dropped reports how many events this subscriber missed because it was slow.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes and closes C. It is idempotent.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		close(s.c)
		s.bus.mu.Unlock()
	})
}

// Subscribe returns a subscription buffering up to buffer events: of the
// given types only, when any are given. A subscriber that waits for a rare
// event should name it: every event sent wakes its goroutine, and the bus
// carries one or more for each request served.
func (b *Bus) Subscribe(buffer int, types ...EventType) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	c := make(chan Event, buffer)
	s := &Subscription{C: c, c: c, bus: b, types: slices.Clone(types)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish stamps e with a sequence number and hands it to every subscriber
// that has room.
func (b *Bus) Publish(e Event) {
	e.Seq = b.seq.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if len(s.types) > 0 && !slices.Contains(s.types, e.Type) {
			continue
		}
		select {
		case s.c <- e:
		default:
			s.dropped.Add(1)
		}
	}
}
