package mq

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
)

// Config tunes the service.
type Config struct {
	// BodyLimit is the largest message body in bytes; 0 means 256 KiB.
	BodyLimit int
	// Chaos, when set, may make a reservation lapse at once (chaos mode).
	Chaos emulator.Chaos
	// Logger receives the expiry sweeper's problems; nil discards.
	Logger *slog.Logger
}

// Service implements IronMQ v3 pull queues.
type Service struct {
	store  emulator.QueueStore
	msgIDs emulator.MessageIDSource
	ids    emulator.IDs
	clock  emulator.Clock
	events emulator.Publisher
	cfg    Config

	// sweep deletes expired messages when they expire; bg owns its loop.
	sweep sweeper
	bg    *emulator.Goroutines

	statesMu sync.Mutex
	states   map[queueKey]*queueState // queues some call is using now (state.go)
	// dlqHints holds the dead-letter queue of queues that have one (see
	// deadLetterHint); a deleted queue's entry is dropped.
	dlqHints     sync.Map // queueKey → dead-letter queue name
	pushNotify   atomic.Pointer[func(project, queue string, later time.Time)]
	expiryNotify atomic.Pointer[func(at time.Time)]
}

// New returns a service over the given store.
func New(store emulator.QueueStore, msgIDs emulator.MessageIDSource, ids emulator.IDs, clock emulator.Clock, events emulator.Publisher, cfg Config) *Service {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, msgIDs: msgIDs, ids: ids, clock: clock, events: events, cfg: cfg,
		states: map[queueKey]*queueState{}, bg: emulator.NewGoroutines(cfg.Logger)}
	s.sweep.init(s, clock, cfg.Logger)
	return s
}

type queueKey struct{ project, name string }

func (s *Service) publish(e emulator.Event) {
	e.At = s.clock.Now()
	s.events.Publish(e)
}

// ValidateQueueName rejects names the wire contract or the store cannot hold.
func ValidateQueueName(name string) error {
	switch {
	case name == "":
		return emulator.Invalid("Queue name is required")
	case len(name) > MaxQueueNameLength:
		return emulator.Invalid("Queue name is longer than %d bytes", MaxQueueNameLength)
	case strings.ContainsAny(name, "/\x00"):
		return emulator.Invalid("Queue name must not contain '/' or NUL")
	case !utf8.ValidString(name):
		// JSON cannot carry it: it would be listed as U+FFFD and be
		// unreachable by that name.
		return emulator.Invalid("Queue name must be valid UTF-8")
	}
	return nil
}

// isNotFound reports a missing queue or message.
func isNotFound(err error) bool { return errors.Is(err, emulator.ErrNotFound) }
